"""The Maya adapter against fake maya.cmds, maya.utils and maya.api.OpenMaya."""

import contextlib
import io
import os
import shutil
import sys
import tempfile
import threading
import unittest
from typing import Any, List
from unittest import mock

from tests.fakes import install_fakes
from tests.support import PackageCase

SCRIPTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "hosts", "maya", "reloader-maya", "scripts")

PACKAGE = """
import maya.cmds as cmds
import maya.api.OpenMaya as om

from . import core

JOB = cmds.scriptJob(event=["SelectionChanged", core.on_selection])
CALLBACK = om.MEventMessage.addEventCallback("timeChanged", core.on_time)
"""


def core(version: str, tail: str = "") -> str:
    return (
        "import maya.utils\n"
        "def on_selection():\n    maya.utils.log.append('selection {v}')\n"
        "def on_time(data):\n    maya.utils.log.append('time {v}')\n{tail}"
    ).format(v=version, tail=tail)


class MayaCase(PackageCase):
    batch = False

    def setUp(self) -> None:
        super().setUp()
        fakes = install_fakes(self, {
            "maya.utils": "fake_maya_utils.py",
            "maya.cmds": "fake_maya_cmds.py",
            "maya.api.OpenMaya": "fake_openmaya.py",
        })
        self.utils: Any = fakes["maya.utils"]
        self.cmds: Any = fakes["maya.cmds"]
        self.om: Any = fakes["maya.api.OpenMaya"]
        self.cmds.batch = self.batch
        self.event_message = self.om.MEventMessage
        sys.path.insert(0, SCRIPTS)
        import reloader_maya

        self.adapter: Any = reloader_maya
        self.addCleanup(self.adapter.uninstall)
        self.adapter.install()
        self.utils.processIdleEvents()  # the menu is built once Maya is idle
        self.write("{pkg}/__init__.py", PACKAGE)
        self.write("{pkg}/core.py", core("v1"))
        self.load("{pkg}")

    def fire(self) -> Any:
        del self.utils.log[:]
        self.cmds.fire("SelectionChanged")
        self.om.fire("event:timeChanged")
        return list(self.utils.log)

    def printed(self, action: Any) -> str:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            action()
        return out.getvalue()


class MenuReloadTest(MayaCase):
    def test_menu_reload_is_deferred_and_registers_callbacks_once(self) -> None:
        self.assertEqual(self.cmds.ui["reloaderMenu"]["parent"], "MayaWindow")
        self.assertEqual(self.fire(), ["selection v1", "time v1"])
        self.write("{pkg}/core.py", core("v2"))
        self.cmds.prompt_answers.append(("Reload", self.pkg))
        self.cmds.click("Reload Package...")
        self.assertEqual(self.utils.pending(), 1)
        self.assertEqual(self.fire(), ["selection v1", "time v1"])  # nothing ran yet

        text = self.printed(self.utils.processIdleEvents)
        self.assertRegex(text, r"^Reloader: reloaded 2 modules in \d+ ms\n$")
        self.assertEqual(self.fire(), ["selection v2", "time v2"])
        self.assertEqual(len(self.cmds.jobs), 1)
        self.assertEqual(len(self.om.registry), 1)
        # The adapter follows the ids the new code got.
        self.assertEqual(sorted(self.adapter.HOST.report.reloaded), [self.pkg, self.pkg + ".core"])

    def test_a_failing_edit_keeps_the_old_callbacks_registered_once(self) -> None:
        path = self.write("{pkg}/core.py", core("v2", "undefined_name\n"))
        self.cmds.prompt_answers.append(("Reload", self.pkg))
        self.cmds.click("Reload Package...")
        text = self.printed(self.utils.processIdleEvents)
        self.assertIn('File "{}", line 6'.format(path), text)
        self.assertEqual(self.cmds.warnings, [
            "Reloader: reloading {!r} failed at {}:6: NameError: name 'undefined_name' is not "
            "defined; restored 2 modules to their previous state".format(self.pkg + ".core", path)])
        self.assertEqual(self.fire(), ["selection v1", "time v1"])
        self.assertEqual(len(self.cmds.jobs), 1)
        self.assertEqual(len(self.om.registry), 1)

    def test_cancelled_prompt_and_reload_last(self) -> None:
        self.cmds.prompt_answers.append(("Cancel", self.pkg))
        self.cmds.click("Reload Package...")
        self.assertEqual(self.utils.pending(), 0)
        self.cmds.click("Reload Last")
        self.assertEqual(self.cmds.warnings,
                         ["Reloader: no package reloaded yet; use Reload Package... first"])

    def test_a_reload_asked_from_another_thread_runs_on_the_main_thread(self) -> None:
        self.write("{pkg}/core.py", core("v2"))
        worker = threading.Thread(target=self.adapter.reload_later, args=(self.pkg,))
        worker.start()
        worker.join()
        self.assertEqual(self.fire(), ["selection v1", "time v1"])
        self.printed(self.utils.processIdleEvents)
        self.assertEqual(self.fire(), ["selection v2", "time v2"])

    def test_callbacks_removed_by_their_owner_are_forgotten(self) -> None:
        module = self.mod("{pkg}")
        self.cmds.scriptJob(kill=module.JOB, force=True)
        self.om.MMessage.removeCallback(module.CALLBACK)
        self.assertIn(self.pkg, self.adapter.reloader.reload(self.pkg).reloaded)
        self.assertEqual(len(self.cmds.jobs), 1)
        self.assertEqual(len(self.om.registry), 1)

    def test_message_classes_refuse_new_attributes_so_the_module_holds_stand_ins(self) -> None:
        with self.assertRaisesRegex(TypeError, "immutable type 'OpenMaya.MEventMessage'"):
            self.event_message.addEventCallback = print
        self.assertIsNot(self.om.MEventMessage, self.event_message)
        self.assertEqual(self.om.MSceneMessage.kAfterOpen, 1)  # other names pass through
        self.assertEqual(self.om.MEventMessage.__name__, "MEventMessage")

    def test_a_stale_callback_id_is_skipped_and_reported(self) -> None:
        stale = self.mod("{pkg}").CALLBACK
        self.om.drop(stale)  # Maya removed it (its node was deleted)
        self.write("{pkg}/core.py", core("v2"))
        text = self.printed(lambda: self.adapter.reload_package(self.pkg))
        self.assertRegex(text, r"^Reloader: reloaded 2 modules in \d+ ms\n"
                               r"Reloader: skipped callback {}: \(kInvalidParameter\): Object "
                               r"does not exist\n$".format(stale))
        self.assertEqual(self.fire(), ["selection v2", "time v2"])
        self.assertEqual(len(self.om.registry), 1)

    def test_a_failed_reload_puts_back_every_callback_it_removed(self) -> None:
        on_time = self.mod("{pkg}.core").on_time
        self.om.MSceneMessage.addCallback(self.om.MSceneMessage.kAfterOpen, on_time)
        stale = self.mod("{pkg}").CALLBACK
        self.om.drop(stale)
        self.write("{pkg}/core.py", core("v2", "undefined_name\n"))
        text = self.printed(lambda: self.adapter.reload_package(self.pkg))
        self.assertIn("NameError", text)
        self.assertIn("Reloader: skipped callback {}: ".format(stale), text)
        self.assertEqual(sorted(kind for kind, _, _ in self.om.registry.values()), ["scene:1"])
        self.assertEqual(self.om.fire("scene:1"), 1)
        self.assertEqual(self.utils.log[-1], "time v1")
        self.assertEqual(self.fire(), ["selection v1"])  # the dropped one stays dropped

    def test_uninstall_unwraps_and_removes_the_menu(self) -> None:
        self.adapter.uninstall()
        self.assertNotIn("reloaderMenu", self.cmds.ui)
        self.assertEqual(self.cmds.scriptJob.__module__, "maya.cmds")
        self.assertIs(self.om.MEventMessage, self.event_message)


@unittest.skipIf(sys.platform == "emscripten",
                 "needs threads (the listener), which this platform lacks")
class ListenTest(MayaCase):
    def setUp(self) -> None:
        super().setUp()
        runtime = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, runtime, True)
        patcher = mock.patch.dict(os.environ, {"RELOADER_RUNTIME_DIR": runtime})
        patcher.start()
        self.addCleanup(patcher.stop)
        self.runtime = runtime

    def test_the_menu_toggle_listens_remembers_and_runs_requests_on_the_main_thread(self) -> None:
        from reloader import _wire
        from reloader._cli_send import send

        line = self.printed(lambda: self.cmds.click("Listen for Editor", True))
        self.assertRegex(line, r"^Reloader: listening for editors on port \d+")
        self.assertEqual(self.cmds.option_vars["reloaderListen"], 1)
        (connection,) = _wire.connections(self.runtime)
        self.write("{pkg}/core.py", core("v2"))
        answers: List[Any] = []
        client = threading.Thread(target=lambda: answers.append(
            send(connection, "reload", targets=[self.pkg], timeout=30)))
        client.start()
        while client.is_alive() and not self.utils.pending():
            client.join(0.01)
        self.printed(self.utils.processIdleEvents)  # Maya's idle: the request runs here
        client.join(30)
        self.assertTrue(answers[0]["ok"], answers)
        self.assertEqual(self.fire(), ["selection v2", "time v2"])
        # The next session listens from the start; uninstall stops it.
        self.adapter.uninstall()
        self.assertEqual(_wire.connections(self.runtime), [])
        self.assertRegex(self.printed(self.adapter.install),
                         r"^Reloader: listening for editors on port \d+")
        self.assertEqual(len(_wire.connections(self.runtime)), 1)
        self.printed(self.utils.processIdleEvents)  # the menu, built once Maya is idle
        (item,) = [i for i in self.cmds.menu_items if i.get("label") == "Listen for Editor"]
        self.assertIs(item["checkBox"], True)
        self.printed(lambda: self.cmds.click("Listen for Editor", False))
        self.assertEqual(self.cmds.option_vars["reloaderListen"], 0)
        self.assertEqual(_wire.connections(self.runtime), [])


class ReloadOnSaveTest(MayaCase):
    def test_toggle_watches_the_last_package(self) -> None:
        self.printed(lambda: self.adapter.reload_package(self.pkg))
        self.assertTrue(self.adapter.toggle_reload_on_save(True))
        self.assertTrue(self.cmds.ui["reloaderMenuReloadOnSave"]["checkBox"])
        watcher = self.adapter.HOST.watcher
        self.write("{pkg}/core.py", core("v2"))
        self.printed(watcher.check)
        self.assertEqual(self.fire(), ["selection v2", "time v2"])
        self.assertFalse(self.adapter.toggle_reload_on_save(False))


class BatchModeTest(MayaCase):
    batch = True

    def test_batch_mode_reloads_directly_and_builds_no_menu(self) -> None:
        self.assertNotIn("reloaderMenu", self.cmds.ui)
        self.write("{pkg}/core.py", core("v2"))
        text = self.printed(lambda: self.adapter.reload_later(self.pkg))
        self.assertEqual(self.utils.pending(), 0)
        self.assertRegex(text, r"^Reloader: reloaded 2 modules")
        self.assertEqual(self.fire(), ["selection v2", "time v2"])


if __name__ == "__main__":
    unittest.main()
