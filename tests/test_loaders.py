"""Modules that are not plain source files on sys.path: namespace packages, archive loaders."""

import importlib.abc
import importlib.util
import sys
import time
import types
import unittest
from typing import Any, Dict, Optional
from unittest import mock

import reloader
from reloader import _transaction
from tests.support import PackageCase


class ArchiveLoader(importlib.abc.InspectLoader):
    """Serves modules from a dict, with an origin but no file location (like Sublime's)."""

    def __init__(self, sources: Dict[str, str]) -> None:
        self.sources = sources

    def get_source(self, fullname: str) -> str:
        return self.sources[fullname]

    def is_package(self, fullname: str) -> bool:
        return False


class ArchiveFinder(importlib.abc.MetaPathFinder):
    def __init__(self, loader: ArchiveLoader) -> None:
        self.loader = loader

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Optional[Any]:
        if fullname not in self.loader.sources:
            return None
        return importlib.util.spec_from_loader(
            fullname, self.loader, origin="/archives/app.zip/{}.py".format(fullname))


class LoaderTest(PackageCase):
    def test_a_namespace_package_and_its_modules_reload(self) -> None:
        self.write("{pkg}/tool.py", "VALUE = 1\n")
        self.load("{pkg}.tool")
        self.write("{pkg}/tool.py", "VALUE = 2\n")
        report = reloader.reload(self.pkg)
        self.assertEqual(sorted(report.reloaded), [self.pkg, self.pkg + ".tool"])
        self.assertEqual(self.mod("{pkg}.tool").VALUE, 2)
        self.assertIsInstance(self.mod("{pkg}"), types.ModuleType)

    def test_a_package_made_beside_a_module_file_is_what_the_reload_imports(self) -> None:
        # As an import would: a package `tool/` is found before `tool.py`.
        # Each folder's listing is kept while the folder is unchanged; here it
        # counts as settled at once.
        self.write("{pkg}/tool.py", "VALUE = 1\n")
        self.load("{pkg}.tool")
        later = time.time_ns() + 10 * 10**9
        with mock.patch.object(_transaction, "time", mock.Mock(wraps=time, time_ns=lambda: later)):
            self.write("{pkg}/tool.py", "VALUE = 2\n")
            reloader.reload(self.pkg + ".tool")
            self.assertEqual(self.mod("{pkg}.tool").VALUE, 2)
            time.sleep(0.05)  # past the file system clock's tick
            self.write("{pkg}/tool/__init__.py", "VALUE = 3\n")
            reloader.reload(self.pkg + ".tool")
        self.assertEqual(self.mod("{pkg}.tool").VALUE, 3)
        self.assertTrue(hasattr(self.mod("{pkg}.tool"), "__path__"))

    def test_a_module_served_without_a_file_location_reloads(self) -> None:
        name = self.pkg + "_archived"
        loader = ArchiveLoader({name: "VALUE = 1\n"})
        sys.meta_path.insert(0, ArchiveFinder(loader))
        module = importlib.import_module(name)
        self.assertFalse(hasattr(module, "__file__"))
        loader.sources[name] = "VALUE = 2\n"
        self.assertEqual(reloader.plan(name).names, [name])
        reloader.reload(name)
        self.assertEqual(sys.modules[name].VALUE, 2)

    def test_a_package_that_copies_a_submodules_namespace_reloads(self) -> None:
        # As furl: its __init__ copies a submodule's __dict__ (its __name__
        # and __spec__ too) into the package's.
        self.files({
            "{pkg}/__init__.py": "from .core import Thing\nfrom . import about\n"
                                 "globals().update(about.__dict__)\n",
            "{pkg}/core.py": "class Thing:\n    def kind(self):\n        return 'one'\n",
            "{pkg}/about.py": "VERSION = '1'\n",
        })
        package = self.load("{pkg}")
        thing = package.Thing()
        self.assertEqual(package.__spec__.name, self.pkg + ".about")
        self.write("{pkg}/core.py", "class Thing:\n    def kind(self):\n        return 'two'\n")
        self.write("{pkg}/about.py", "VERSION = '2'\n")
        report = reloader.reload(self.pkg)
        self.assertTrue(report.ok, report)
        package = self.mod("{pkg}")
        self.assertTrue(hasattr(package, "__path__"))
        self.assertEqual((package.VERSION, thing.kind(), package.Thing().kind()), ("2", "two", "two"))
        self.assertIs(type(thing), package.Thing)

    def test_a_submodule_the_package_loads_lazily_is_updated(self) -> None:
        # As urwid.display: the package puts its submodules in sys.modules
        # itself with importlib.util.LazyLoader (the importlib recipe).
        self.files({
            "{pkg}/__init__.py": """
                import importlib.util
                import sys
                def lazy_import(name, package):
                    spec = importlib.util.find_spec(name, package)
                    loader = importlib.util.LazyLoader(spec.loader)
                    spec.loader = loader
                    module = importlib.util.module_from_spec(spec)
                    sys.modules[package + name] = module
                    loader.exec_module(module)
                    return module
                lcd = lazy_import('.lcd', __name__)
                """,
            "{pkg}/lcd.py": "class Screen:\n    def hello(self):\n        return 'one'\n",
        })
        package = self.load("{pkg}")
        Screen, held = package.lcd.Screen, package.lcd.Screen()
        self.write("{pkg}/lcd.py", "class Screen:\n    def hello(self):\n        return 'two'\n")
        report = reloader.reload(self.pkg)
        self.assertTrue(report.ok, report)
        lcd = self.mod("{pkg}.lcd")
        self.assertIs(lcd.Screen, Screen)
        self.assertEqual(held.hello(), "two")


if __name__ == "__main__":
    unittest.main()
