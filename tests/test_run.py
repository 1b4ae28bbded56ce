"""`python -m reloader run`: the command line, and the example server edited while it runs."""

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from typing import Callable, List, Optional, Tuple, TypeVar

from reloader import _cli_run

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(REPO, "examples", "hello")
T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], Optional[T]], timeout: float = 20.0) -> T:
    """Poll `probe` until it returns something other than None, for at most `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting for {} after {} s".format(what, timeout))
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class FolderCase(unittest.TestCase):
    def setUp(self) -> None:
        self.folder = os.path.realpath(tempfile.mkdtemp(prefix="reloader-run-"))
        self.addCleanup(shutil.rmtree, self.folder, True)
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = os.pathsep.join(
            [REPO] + [p for p in [os.environ.get("PYTHONPATH")] if p]
        )

    def write(self, relative: str, text: str) -> str:
        path = os.path.join(self.folder, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return path

    def reloader(self, *arguments: str) -> "subprocess.CompletedProcess[str]":
        return subprocess.run(
            [sys.executable, "-m", "reloader", "run"] + list(arguments),
            cwd=self.folder, env=self.env, capture_output=True, text=True, timeout=60,
        )


class CommandLineTest(FolderCase):
    def test_script_arguments_and_exit_code_pass_through(self) -> None:
        self.write("tool.py", "import sys\nprint(sys.argv[1:])\nsys.exit(3)\n")
        done = self.reloader("--interval", "5", "tool.py", "--flag", "-x", "value")
        self.assertEqual(done.stdout, "['--flag', '-x', 'value']\n")
        self.assertEqual(done.returncode, 3)

    def test_the_watcher_is_notified_where_it_can_and_polls_when_asked(self) -> None:
        self.write("tool.py", "import gc, reloader\n"
                              "[watcher] = [o for o in gc.get_objects()"
                              " if isinstance(o, reloader.Watcher)]\n"
                              "print(watcher.mode, watcher.running)\n")
        notified = "inotify" if sys.platform.startswith("linux") else "polling"
        self.assertEqual(self.reloader("tool.py").stdout, notified + " True\n")
        self.assertEqual(self.reloader("--poll", "tool.py").stdout, "polling True\n")

    def test_module_runs_as_main(self) -> None:
        self.write("app/__init__.py", "")
        self.write("app/cli.py", "import sys\nprint(__name__, sys.argv[1:])\n")
        done = self.reloader("-m", "app.cli", "--flag")
        self.assertEqual((done.returncode, done.stdout), (0, "__main__ ['--flag']\n"))

    def test_keyboard_interrupt_exits_with_130_and_no_traceback(self) -> None:
        self.write("tool.py", "raise KeyboardInterrupt\n")
        done = self.reloader("tool.py")
        self.assertEqual((done.returncode, done.stderr), (130, ""))

    def test_a_handled_interrupt_keeps_the_program_exit_code(self) -> None:
        self.write("tool.py", "try:\n    raise KeyboardInterrupt\nexcept KeyboardInterrupt:\n"
                              "    print('bye')\n")
        done = self.reloader("tool.py")
        self.assertEqual((done.returncode, done.stdout), (0, "bye\n"))

    def test_no_program(self) -> None:
        done = self.reloader("--quiet")
        self.assertEqual(done.returncode, 2)
        self.assertEqual(
            done.stderr,
            "reloader run: give the program to run, as SCRIPT [ARGS] or -m MODULE [ARGS]\n",
        )

    def test_an_uncaught_error_shows_the_frames_python_shows(self) -> None:
        self.write("boom.py", "def main():\n    raise ValueError('boom')\n\n\nmain()\n")
        plain = subprocess.run([sys.executable, "boom.py"], cwd=self.folder, env=self.env,
                               capture_output=True, text=True, timeout=60)
        self.assertIn("ValueError: boom", plain.stderr)
        done = self.reloader("boom.py")
        self.assertEqual((done.returncode, done.stderr), (plain.returncode, plain.stderr))

    def test_a_module_traceback_starts_at_the_module(self) -> None:
        self.write("app/__init__.py", "")
        self.write("app/cli.py", "import sys\nsys.exit(int('x'))\n")
        done = self.reloader("-m", "app.cli")
        self.assertEqual(done.returncode, 1)
        files = re.findall(r'^  File "([^"]+)"', done.stderr, re.MULTILINE)
        self.assertEqual(files, [os.path.join(self.folder, "app", "cli.py")])
        self.assertTrue(done.stderr.startswith("Traceback (most recent call last):\n"))
        self.assertTrue(done.stderr.endswith(
            "ValueError: invalid literal for int() with base 10: 'x'\n"))

    def test_the_program_excepthook_shows_its_errors(self) -> None:
        self.write("tool.py", "import sys\n"
                              "sys.excepthook = lambda t, e, tb: print('hooked', t.__name__,"
                              " tb.tb_frame.f_code.co_filename)\n"
                              "raise KeyError(1)\n")
        done = self.reloader("tool.py")
        # As python names the script: absolute from 3.9 on, as given before.
        name = os.path.join(self.folder, "tool.py") if sys.version_info >= (3, 9) else "tool.py"
        self.assertEqual((done.returncode, done.stdout), (1, "hooked KeyError {}\n".format(name)))

    def test_a_module_that_cannot_be_found_is_one_line(self) -> None:
        done = self.reloader("--watch", ".", "--no-default-watch", "-m", "nosuch.cli")
        self.assertEqual(done.returncode, 1)
        self.assertEqual(done.stderr, "reloader run: Error while finding module specification "
                         "for 'nosuch.cli' (ModuleNotFoundError: No module named 'nosuch')\n")

    def test_watch_adds_to_the_default_folder_unless_told_otherwise(self) -> None:
        from reloader.__main__ import parser

        script = self.write("tool.py", "")
        for arguments, expected in (
            (["tool.py"], [self.folder]),
            (["--watch", "../lib", "--watch", "x.py", "tool.py"], [self.folder, "../lib", "x.py"]),
            (["--watch", "../lib", "--no-default-watch", "tool.py"], ["../lib"]),
            (["--no-default-watch", "tool.py"], [self.folder]),
        ):
            with self.subTest(arguments=arguments):
                parsed = parser().parse_args(["run"] + arguments)
                self.assertEqual(_cli_run.watch_paths(parsed, script, None), expected)

    def test_an_edit_in_the_default_folder_reloads_when_another_is_watched(self) -> None:
        self.write("leaf.py", "VALUE = 1\n")
        self.write("lib/helper.py", "VALUE = 1\n")
        self.write("tool.py", "import importlib, sys, time\n"
                              "import helper, leaf\n"
                              "open('ready', 'w').close()\n"
                              "deadline = time.monotonic() + 30\n"
                              "while time.monotonic() < deadline:\n"
                              "    values = [importlib.import_module(n).VALUE"
                              " for n in ('leaf', 'helper')]\n"
                              "    if values == [2, 2]:\n"
                              "        sys.exit(0)\n"
                              "    time.sleep(0.02)\n"
                              "sys.exit('still ' + repr(values))\n")
        self.env["PYTHONPATH"] += os.pathsep + os.path.join(self.folder, "lib")
        process = subprocess.Popen(
            [sys.executable, "-m", "reloader", "run", "--interval", "0.05", "--debounce", "0",
             "--watch", "lib", "tool.py"],
            cwd=self.folder, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        self.addCleanup(process.wait, 30)
        self.addCleanup(process.kill)
        wait_for("the program to start",
                 lambda: os.path.exists(os.path.join(self.folder, "ready")) or None)
        self.write("leaf.py", "VALUE = 2\n")
        self.write("lib/helper.py", "VALUE = 2\n")
        _, stderr = process.communicate(timeout=60)
        self.assertEqual(process.returncode, 0, stderr)

    def test_help_explains_the_command(self) -> None:
        done = self.reloader("--help")
        self.assertEqual(done.returncode, 0)
        self.assertIn(
            "usage: python -m reloader run [--watch PATH]... [options] (SCRIPT | -m MODULE)",
            done.stdout,
        )
        self.assertIn("same process, new code", done.stdout)


class ReadmeTest(unittest.TestCase):
    def test_quick_start_runs_the_example_then_the_tests(self) -> None:
        with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
            readme = handle.read()
        block = readme.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
        self.assertEqual(
            block.splitlines(),
            ["python3 -m reloader run examples/hello/server.py", "python3 tests/check.py"],
        )
        self.assertTrue(os.path.isfile(os.path.join(REPO, "examples", "hello", "server.py")))


class ServeTest(FolderCase):
    """The README's promise: edit handlers.py while the server runs, reload the page."""

    def setUp(self) -> None:
        super().setUp()
        shutil.copytree(EXAMPLE, os.path.join(self.folder, "hello"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        self.handlers = os.path.join(self.folder, "hello", "handlers.py")
        with open(self.handlers, encoding="utf-8") as handle:
            self.original = handle.read()
        self.port = free_port()
        self.errors = os.path.join(self.folder, "stderr.txt")
        with open(self.errors, "w") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "reloader", "run", "--interval", "0.05",
                 "--debounce", "0.05", "hello/server.py", str(self.port)],
                cwd=self.folder, env=self.env, stdout=subprocess.DEVNULL, stderr=stderr,
            )
        self.addCleanup(self.stop)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(30)

    def get(self) -> Optional[Tuple[str, int]]:
        """The body of / and the X-Pid header, or None while nobody answers."""
        if self.process.poll() is not None:
            raise AssertionError("the server exited: " + self.stderr())
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", "/")
            response = connection.getresponse()
            return response.read().decode("utf-8"), int(response.getheader("X-Pid") or 0)
        except OSError:
            return None
        finally:
            connection.close()

    def answer(self, expected: str) -> Optional[int]:
        got = self.get()
        return got[1] if got is not None and got[0] == expected else None

    def stderr(self) -> str:
        with open(self.errors, encoding="utf-8") as handle:
            return handle.read()

    def edit(self, old: str, new: str) -> None:
        text = self.original.replace(old, new)
        self.assertNotEqual(text, self.original)
        temporary = self.handlers + ".tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, self.handlers)  # as editors that save by rename do

    def test_edit_the_handler_while_it_runs(self) -> None:
        pid = wait_for("the first answer", lambda: self.answer("Hello from the hello server\n"))
        self.assertEqual(pid, self.process.pid)

        # 1. An edit is served by the same process.
        self.edit('"Hello from the hello server"', '"Hello again"')
        self.assertEqual(wait_for("the new answer", lambda: self.answer("Hello again\n")), pid)
        # The line is written after the reload returns: it may follow the answer.
        line = wait_for("the report line", lambda: re.search(
            r"reloader: reloaded 1 module in \d+ ms: handlers\n", self.stderr()))
        self.assertIsNotNone(line)

        # 2. A syntax error is printed with file and line; the old code keeps serving.
        lines: List[str] = self.original.splitlines()
        broken = next(n for n, line in enumerate(lines, 1) if line.startswith("def respond"))
        self.edit("def respond(path: str) -> Tuple[int, str, str]:", "def respond(path) return")
        pattern = r"reloader: reloading 'handlers' failed at {}:{}: SyntaxError: ".format(
            re.escape(self.handlers), broken
        )
        wait_for("the error line", lambda: re.search(pattern, self.stderr()))
        self.assertEqual(self.get(), ("Hello again\n", pid))

        # 3. The fix is served, still by the same process.
        self.edit('"Hello from the hello server"', '"Fixed"')
        self.assertEqual(wait_for("the fixed answer", lambda: self.answer("Fixed\n")), pid)
        self.assertIsNone(self.process.poll())


if __name__ == "__main__":
    unittest.main()
