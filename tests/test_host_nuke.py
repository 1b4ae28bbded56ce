"""The Nuke adapter against a fake nuke module: menu, main thread, callback registries."""

import contextlib
import io
import os
import sys
import threading
import unittest
from typing import Any

from tests.fakes import install_fakes
from tests.support import PackageCase

ADAPTER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "hosts", "nuke", "reloader-nuke")

PACKAGE = """
import nuke

from . import core

nuke.addOnCreate(core.on_create, nodeClass="Blur")
nuke.addKnobChanged(core.Knobs().changed)
nuke.addAfterBackgroundRender(core.on_render)
"""


def core(version: str, tail: str = "") -> str:
    return (
        "import nuke\n"
        "def on_create():\n    nuke.log.append('create {v}')\n"
        "def on_render():\n    nuke.log.append('render {v}')\n"
        "class Knobs:\n    def changed(self):\n        nuke.log.append('knob {v}')\n{tail}"
    ).format(v=version, tail=tail)


class NukeCase(PackageCase):
    gui = True

    def setUp(self) -> None:
        super().setUp()
        self.nuke: Any = install_fakes(self, {"nuke": "fake_nuke.py"})["nuke"]
        self.nuke.env["gui"] = self.gui
        sys.path.insert(0, ADAPTER)
        # What Nuke does with the plug-in folder: init.py always, menu.py with a GUI.
        for startup in ("init.py", "menu.py") if self.gui else ("init.py",):
            with open(os.path.join(ADAPTER, startup)) as handle:
                exec(handle.read(), {})
        self.adapter: Any = sys.modules["reloader_nuke"]
        self.addCleanup(self.adapter.uninstall)
        self.nuke.addOnCreate(self.unrelated)
        self.write("{pkg}/__init__.py", PACKAGE)
        self.write("{pkg}/core.py", core("v1"))
        self.load("{pkg}")

    def unrelated(self) -> None:
        self.nuke.log.append("unrelated")

    def fire(self) -> Any:
        del self.nuke.log[:]
        self.nuke.run_callbacks("onCreates", "Blur")
        self.nuke.run_callbacks("knobChangeds")
        self.nuke.run_callbacks("afterBackgroundRenders")
        return list(self.nuke.log)

    def printed(self, action: Any) -> str:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            action()
        return out.getvalue()


class MenuReloadTest(NukeCase):
    def test_hotkey_command_reloads_on_the_main_thread_and_replaces_callbacks(self) -> None:
        menu = self.nuke.menu("Nuke")
        self.assertEqual(menu.items["Reloader/Reload Package..."][1], "ctrl+alt+r")
        self.assertEqual(self.fire(), ["unrelated", "create v1", "knob v1", "render v1"])
        self.write("{pkg}/core.py", core("v2"))
        self.nuke.inputs.append(self.pkg)
        menu.run("Reloader/Reload Package...")
        self.assertEqual(self.nuke.pending(), 1)
        self.assertEqual(self.fire(), ["unrelated", "create v1", "knob v1", "render v1"])

        text = self.printed(self.nuke.run_main_thread)
        self.assertRegex(text, r"^Reloader: reloaded 2 modules in \d+ ms\n$")
        self.assertEqual(self.fire(), ["unrelated", "create v2", "knob v2", "render v2"])
        self.assertEqual(len(self.nuke.callbacks.onCreates["Blur"]), 1)
        self.assertEqual(len(self.nuke.callbacks.knobChangeds["*"]), 1)

        self.write("{pkg}/core.py", core("v3"))
        menu.run("Reloader/Reload Last")
        self.printed(self.nuke.run_main_thread)
        self.assertEqual(self.fire(), ["unrelated", "create v3", "knob v3", "render v3"])

    def test_a_failing_edit_puts_the_old_callbacks_back_in_place(self) -> None:
        before = {k: list(v) for k, v in self.nuke.callbacks.onCreates.items()}
        path = self.write("{pkg}/core.py", core("v2", "undefined_name\n"))
        self.nuke.inputs.append(self.pkg)
        self.nuke.menu("Nuke").run("Reloader/Reload Package...")
        text = self.printed(self.nuke.run_main_thread)
        self.assertTrue(text.startswith(
            "reloading {!r} failed at {}:9: NameError: name 'undefined_name' is not defined; "
            "restored 2 modules to their previous state\n".format(self.pkg + ".core", path)), text)
        self.assertIn('File "{}", line 9'.format(path), text)
        self.assertEqual(self.nuke.callbacks.onCreates, before)
        self.assertEqual(self.fire(), ["unrelated", "create v1", "knob v1", "render v1"])

    def test_a_new_module_that_registers_then_fails_leaves_no_callback(self) -> None:
        self.write("{pkg}/core.py", core("v2") + "nuke.addOnCreate(on_create, nodeClass='Grade')\nundefined_name\n")
        self.printed(lambda: self.adapter.reload_package(self.pkg))
        self.assertEqual(self.nuke.callbacks.onCreates.get("Grade"), [])
        self.assertEqual(self.fire(), ["unrelated", "create v1", "knob v1", "render v1"])

    def test_a_reload_asked_from_another_thread_waits_for_the_main_thread(self) -> None:
        self.write("{pkg}/core.py", core("v2"))
        worker = threading.Thread(target=self.adapter.reload_later, args=(self.pkg,))
        worker.start()
        worker.join()
        self.assertEqual(self.fire()[1], "create v1")
        self.printed(self.nuke.run_main_thread)
        self.assertEqual(self.fire()[1], "create v2")

    def test_toggle_watches_the_last_package(self) -> None:
        self.printed(lambda: self.adapter.reload_package(self.pkg))
        self.printed(lambda: self.assertTrue(self.adapter.toggle_reload_on_save()))
        self.write("{pkg}/core.py", core("v2"))
        self.printed(self.adapter.HOST.watcher.check)
        self.assertEqual(self.fire()[1], "create v2")
        self.printed(lambda: self.assertFalse(self.adapter.toggle_reload_on_save()))


class TerminalModeTest(NukeCase):
    gui = False

    def test_terminal_mode_reloads_directly(self) -> None:
        self.write("{pkg}/core.py", core("v2"))
        text = self.printed(lambda: self.adapter.reload_later(self.pkg))
        self.assertEqual(self.nuke.pending(), 0)
        self.assertRegex(text, r"^Reloader: reloaded 2 modules")
        self.assertEqual(self.fire(), ["unrelated", "create v2", "knob v2", "render v2"])


if __name__ == "__main__":
    unittest.main()
