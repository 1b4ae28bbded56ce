"""Counts in messages read as English: one module, one object; two modules, two objects."""

import sys
import types

import reloader
from tests.support import PackageCase


class CountTest(PackageCase):
    def test_one_module_restored_is_its_previous_state(self) -> None:
        self.write("{pkg}/__init__.py", "VALUE = 1\n")
        self.load("{pkg}")
        self.write("{pkg}/__init__.py", "VALUE = missing\n")
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(self.pkg)
        self.assertTrue(str(caught.exception).endswith(
            "; restored 1 module to its previous state"), str(caught.exception))

    def test_two_modules_restored_are_their_previous_state(self) -> None:
        self.write("{pkg}/__init__.py", "from . import core\n")
        self.write("{pkg}/core.py", "VALUE = 1\n")
        self.load("{pkg}")
        self.write("{pkg}/core.py", "VALUE = missing\n")
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(self.pkg)
        self.assertTrue(str(caught.exception).endswith(
            "; restored 2 modules to their previous state"), str(caught.exception))

    def test_one_stale_object(self) -> None:
        self.write("{pkg}/__init__.py", "def on_click():\n    return 1\n")
        host = types.ModuleType("registry_host_" + self.pkg)
        sys.modules[host.__name__] = host
        self.addCleanup(sys.modules.pop, host.__name__, None)
        host.HELD = [self.load("{pkg}").on_click]  # type: ignore[attr-defined]
        found = reloader.stale(reloader.reload(self.pkg), seconds=60)  # a loaded machine is slow
        self.assertEqual(repr(found), "<Stale: 1 object>")
