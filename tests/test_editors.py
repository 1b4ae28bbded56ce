"""The editor bindings in editors/: each one's command line reloads a running test host.

Each test reads the binding file as its editor would, puts the current file's
path where the editor would, runs the command (with this interpreter for
`python3`) against a host program listening in another process, and checks
that the host now runs the new code, and that the binding's error pattern
finds the file and line of a failed reload.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ElementTree
from typing import List

from tests.serve_support import ROOT, RunningHost, environment, write_shop

EDITORS = os.path.join(ROOT, "editors")


def _python(command: List[str]) -> List[str]:
    """The binding's command with this interpreter in place of `python3`."""
    if command[0] != "python3":
        raise AssertionError("binding runs {!r}, expected python3".format(command[0]))
    return [sys.executable] + command[1:]


@unittest.skipUnless(sys.platform != "emscripten", "needs subprocesses, which this platform lacks")
class BindingTest(unittest.TestCase):
    def setUp(self) -> None:
        self.folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.folder, True)
        self.runtime = os.path.join(self.folder, "run")
        self.shop = write_shop(self.folder, 1)
        self.host = RunningHost(self.folder, self.runtime)
        self.addCleanup(self.host.close)
        self.assertEqual(self.host.expect("value"), "value 1 True")

    def run_binding(self, command: List[str]) -> "subprocess.CompletedProcess[str]":
        return subprocess.run(command, cwd=self.folder, env=environment(self.runtime),
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=120)

    def check(self, command_for_file: "object", error_pattern: str) -> None:
        write_shop(self.folder, 2)
        done = self.run_binding(command_for_file(self.shop))  # type: ignore[operator]
        self.assertEqual(done.returncode, 0, done.stdout)
        self.assertEqual(self.host.expect("value"), "value 2 True")
        with open(self.shop, "w") as handle:
            handle.write("VALUE = 3\nthis is not python\n")
        failed = self.run_binding(command_for_file(self.shop))  # type: ignore[operator]
        self.assertEqual(failed.returncode, 1, failed.stdout)
        match = re.search(error_pattern, failed.stdout.strip(), re.MULTILINE)
        self.assertIsNotNone(match, failed.stdout)
        assert match is not None
        self.assertEqual((os.path.realpath(match.group(1)), match.group(2)),
                         (os.path.realpath(self.shop), "2"))

    def test_vscode_task_and_key(self) -> None:
        with open(os.path.join(EDITORS, "vscode", "tasks.json")) as handle:
            (task,) = json.load(handle)["tasks"]
        with open(os.path.join(EDITORS, "vscode", "keybindings.json")) as handle:
            (key,) = json.load(handle)
        self.assertEqual((key["command"], key["args"]),
                         ("workbench.action.tasks.runTask", task["label"]))
        pattern = task["problemMatcher"]["pattern"]
        self.assertEqual((pattern["file"], pattern["line"]), (1, 2))

        def command(path: str) -> List[str]:
            args = [a.replace("${file}", path) for a in task["args"]]
            return _python([task["command"]] + args)

        self.check(command, pattern["regexp"])

    def test_sublime_build_system_and_command(self) -> None:
        with open(os.path.join(EDITORS, "sublime", "Reloader Send.sublime-build")) as handle:
            build = json.load(handle)
        with open(os.path.join(EDITORS, "sublime", "Reloader Send.sublime-commands")) as handle:
            (palette,) = json.load(handle)
        self.assertEqual(palette["command"], "exec")
        self.assertEqual(palette["args"]["cmd"], build["cmd"])
        self.assertEqual(palette["args"]["file_regex"], build["file_regex"])
        self.check(lambda path: _python([a.replace("$file", path) for a in build["cmd"]]),
                   build["file_regex"])

    def test_pycharm_external_tool(self) -> None:
        tool = ElementTree.parse(os.path.join(EDITORS, "pycharm", "reloader.xml")).find("tool")
        assert tool is not None
        options = {o.get("name"): o.get("value") for o in tool.iter("option")}
        regexp = str(options["REGEXP"]).replace("$FILE_PATH$", "(.*)").replace(
            "$LINE$", r"(\d+)")

        def command(path: str) -> List[str]:
            parameters = str(options["PARAMETERS"]).replace("$FilePath$", path)
            return _python([str(options["COMMAND"])] + shlex.split(parameters))

        self.check(command, regexp)

    def test_vim_mapping(self) -> None:
        vim = shutil.which("vim") or shutil.which("nvim")
        if vim is None or (os.path.basename(vim) == "vim" and "+eval" not in subprocess.run(
                [vim, "--version"], stdout=subprocess.PIPE, text=True).stdout):
            self.skipTest("no Vim with +eval here; tests/real_hosts.py installs one and runs "
                          "this binding in tests/hosts/test_serve.py")
        script = os.path.join(EDITORS, "vim", "reloader-send.vim")
        messages = os.path.join(self.folder, "messages.txt")

        def command(path: str) -> List[str]:
            return [vim, "-Es", "-u", "NONE", "-i", "NONE", "-N",
                    "-c", "let g:reloader_python = {!r}".format(sys.executable).replace(
                        "'", '"'),
                    "-c", "source " + script, "-c", "edit " + path,
                    "-c", "redir! > " + messages, "-c", "ReloaderSend",
                    "-c", "redir END", "-c", "qa!"]

        write_shop(self.folder, 2)
        self.run_binding(command(self.shop))
        self.assertEqual(self.host.expect("value"), "value 2 True")
        with open(messages) as handle:
            self.assertRegex(handle.read().strip(), r"^reloaded 1 module in \d+ ms$")


if __name__ == "__main__":
    unittest.main()
