"""The Abaqus/CAE adapter: kernel menu buttons registered from the GUI, reloads in the kernel."""

import contextlib
import io
import os
import sys
import unittest
from typing import Any

from tests.fakes import install_fakes
from tests.support import PackageCase

ADAPTER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "hosts", "abaqus", "reloader-abaqus")


class AbaqusTest(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        fakes = install_fakes(self, {"abaqus": "fake_abaqus.py", "abaqusGui": "fake_abaqus_gui.py"})
        self.kernel: Any = fakes["abaqus"]
        self.gui: Any = fakes["abaqusGui"]
        sys.path.insert(0, ADAPTER)  # Abaqus/CAE puts plug-in folders on the path
        with open(os.path.join(ADAPTER, "reloader_plugin.py")) as handle:
            exec(handle.read(), {})  # the GUI runs the registration file
        self.write("{pkg}/__init__.py", "from .tools import VALUE\n")
        self.write("{pkg}/tools.py", "VALUE = 1\n")
        self.load("{pkg}")

    def tearDown(self) -> None:
        adapter = sys.modules.get("reloader_abaqus")
        if adapter is not None:
            adapter.uninstall()
        super().tearDown()

    def press(self, text: str) -> str:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.gui.press(text)
        return out.getvalue()

    def test_registration_adds_two_kernel_buttons(self) -> None:
        buttons = self.gui.getAFXApp().getAFXMainWindow().getPluginToolset().kernel_buttons
        self.assertEqual([(b["buttonText"], b["moduleName"], b["functionName"]) for b in buttons], [
            ("Reloader|Reload package...", "reloader_abaqus", "reload_package()"),
            ("Reloader|Reload last", "reloader_abaqus", "reload_last()"),
        ])

    def test_reload_package_asks_for_the_name_and_reloads_in_the_kernel(self) -> None:
        self.write("{pkg}/tools.py", "VALUE = 2\n")
        self.kernel.answers.append(self.pkg)
        text = self.press("Reloader|Reload package...")
        self.assertRegex(text, r"^Reloader: reloaded 2 modules in \d+ ms\n$")
        self.assertEqual(self.kernel.prompts, [("Package or module to reload:", "")])
        self.assertEqual(self.mod("{pkg}").VALUE, 2)

        self.write("{pkg}/tools.py", "VALUE = 3\n")
        self.press("Reloader|Reload last")
        self.assertEqual(self.mod("{pkg}").VALUE, 3)

    def test_cancel_reloads_nothing_and_a_failure_keeps_the_old_code(self) -> None:
        self.kernel.answers.append(None)
        self.assertEqual(self.press("Reloader|Reload package..."), "")
        self.assertEqual(self.press("Reloader|Reload last"),
                         "Reloader: no package reloaded yet; use Plug-ins > Reloader > "
                         "Reload package... first\n")
        old = self.mod("{pkg}")
        path = self.write("{pkg}/tools.py", "VALUE = 2\nundefined_name\n")
        self.kernel.answers.append(self.pkg)
        text = self.press("Reloader|Reload package...")
        self.assertTrue(text.startswith(
            "reloading {!r} failed at {}:2: NameError: name 'undefined_name' is not defined; "
            "restored 2 modules to their previous state\n".format(self.pkg + ".tools", path)), text)
        self.assertIs(self.mod("{pkg}"), old)
        self.assertEqual(old.VALUE, 1)


if __name__ == "__main__":
    unittest.main()
