"""reloader inside the real Vim (vim-nox, -es mode): :ReloaderReload and :ReloaderAuto."""

import json
import os
import unittest

from ._real import HostCase, copy_host, vim_with_python3

SCRIPT = """
import json, os, sys
import vim

HERE = {here!r}
sys.path.insert(0, os.path.join(HERE, "lib"))
import vplug
results = {{"python": sys.version.split()[0], "first": vplug.greet()}}

def edit(old, new):
    path = os.path.join(HERE, "lib", "vplug", "core.py")
    with open(path) as handle:
        text = handle.read()
    with open(path, "w") as handle:
        handle.write(text.replace(old, new))
    stamp = int(os.stat(path).st_mtime) + 1000 + len(results) * 2
    os.utime(path, (stamp, stamp))

def last_message():
    return vim.eval("execute('messages')").strip().splitlines()[-1]

edit("v1", "v2")
vim.command("ReloaderReload vplug")
results["reloaded"] = [vplug.greet(), __import__("vplug").greet()]
results["message"] = last_message()

edit("def greet", "undefined_name\\ndef greet")
vim.command("ReloaderReload vplug")
results["failed"] = sys.modules["vplug"].greet()
results["error"] = last_message()
edit("undefined_name\\n", "")

vim.command("ReloaderAuto")
results["auto_on"] = last_message()
vim.command("edit " + os.path.join(HERE, "lib", "vplug", "core.py"))
vim.current.buffer[:] = [line.replace("v2", "v3") for line in vim.current.buffer]
vim.command("write")
results["saved"] = sys.modules["vplug"].greet()
results["saved_message"] = last_message()
vim.command("ReloaderAuto")
results["auto_off"] = last_message()
vim.current.buffer[:] = [line.replace("v3", "v4") for line in vim.current.buffer]
vim.command("write")
results["after_off"] = sys.modules["vplug"].greet()
results["commands"] = vim.eval("execute('command Reloader')")

with open(os.path.join(HERE, "results.json"), "w") as handle:
    json.dump(results, handle)
"""


class VimTest(HostCase):
    def setUp(self) -> None:
        super().setUp()
        self.vim = vim_with_python3()
        self.plugin = copy_host("vim", os.path.join(self.tmp, "plugin"), "python3")

    def vim_run(self, script: str) -> str:
        """Run `script` with :py3file in vim -es; return what Vim printed (errors too)."""
        log = os.path.join(self.tmp, "vim.log")
        self.run_program([
            self.vim, "-Nu", "NONE", "-i", "NONE", "-es",
            "--cmd", "set rtp^=" + self.plugin,
            "--cmd", "redir! > " + log,
            "-c", "runtime plugin/reloader.vim",
            "-c", "py3file " + script,
            "-c", "qa!",
        ])
        with open(log) as handle:
            return handle.read()

    def test_reload_command_and_reload_on_save(self) -> None:
        self.write("lib/vplug/__init__.py", "from .core import greet\n")
        core = self.write("lib/vplug/core.py", "def greet():\n    return 'v1'\n")
        script = self.write("script.py", SCRIPT.format(here=self.tmp))
        printed = self.vim_run(script)
        results_path = os.path.join(self.tmp, "results.json")
        self.assertTrue(os.path.exists(results_path), printed)
        with open(results_path) as handle:
            results = json.load(handle)

        self.assertEqual(results["first"], "v1")
        # Live update: the module object Vim's script still holds runs the new code too.
        self.assertEqual(results["reloaded"], ["v2", "v2"])
        self.assertRegex(results["message"], r"^reloader: reloaded 2 modules in \d+ ms$")
        self.assertEqual(results["failed"], "v2")
        self.assertEqual(
            results["error"],
            "reloader: reloading 'vplug.core' failed at {}:1: NameError: name 'undefined_name' "
            "is not defined; restored 2 modules to their previous state".format(core),
        )
        self.assertEqual(results["auto_on"], "reloader: reload on save is on")
        self.assertEqual(results["saved"], "v3")
        self.assertRegex(results["saved_message"], r"^reloader: reloaded 2 modules in \d+ ms$")
        self.assertEqual(results["auto_off"], "reloader: reload on save is off")
        self.assertEqual(results["after_off"], "v3")
        self.assertIn("ReloaderReload", results["commands"])
        self.assertIn("ReloaderAuto", results["commands"])

    def test_reload_of_an_unknown_package_is_an_error_message(self) -> None:
        script = self.write("script.py", """
            import os, vim
            vim.command("ReloaderReload no_such_package")
            with open(os.path.join({here!r}, "message.txt"), "w") as handle:
                handle.write(vim.eval("execute('messages')").strip().splitlines()[-1])
            """.format(here=self.tmp))
        printed = self.vim_run(script)
        self.assertTrue(os.path.exists(os.path.join(self.tmp, "message.txt")), printed)
        with open(os.path.join(self.tmp, "message.txt")) as handle:
            self.assertEqual(
                handle.read(),
                "reloader: no loaded module matches 'no_such_package'; import it first, "
                "or check the spelling",
            )


if __name__ == "__main__":
    unittest.main()
