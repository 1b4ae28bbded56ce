"""Throwaway packages for tests: files in a temporary folder under a unique name.

A test writes modules with `write()`, imports them, edits them and checks what
runs. Cleanup restores `sys.path`, `sys.modules` and `sys.meta_path`. Edits
move file times forward with `os.utime` instead of sleeping.
"""

import importlib
import itertools
import os
import shutil
import sys
import tempfile
import textwrap
import unittest
import uuid
from typing import Any, Dict

_counter = itertools.count()


class PackageCase(unittest.TestCase):
    """A test case with its own folder on sys.path and a unique package name."""

    def setUp(self) -> None:
        super().setUp()
        self.root = tempfile.mkdtemp(prefix="reloader-test-")
        self.addCleanup(shutil.rmtree, self.root, True)
        self.pkg = "pkg_{}_{}".format(uuid.uuid4().hex[:8], next(_counter))
        saved_path = list(sys.path)
        saved_modules = dict(sys.modules)
        saved_meta = list(sys.meta_path)
        saved_importer_cache = dict(sys.path_importer_cache)

        def restore() -> None:
            sys.path[:] = saved_path
            sys.meta_path[:] = saved_meta
            for name in list(sys.modules):
                if name not in saved_modules:
                    del sys.modules[name]
            sys.modules.update(saved_modules)
            sys.path_importer_cache.clear()
            sys.path_importer_cache.update(saved_importer_cache)

        self.addCleanup(restore)
        sys.path.insert(0, self.root)
        self._tick = 0
        importlib.invalidate_caches()

    def path(self, relative: str) -> str:
        """The absolute path of `relative` (with '{pkg}' replaced) in the test folder."""
        return os.path.join(self.root, *relative.format(pkg=self.pkg).split("/"))

    def write(self, relative: str, source: str = "", *, touch: bool = True) -> str:
        """Write a file ('{pkg}' in path and source is the package name); return its path."""
        path = self.path(relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        text = textwrap.dedent(source).replace("{pkg}", self.pkg)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        if touch:
            self.advance(path)
        return path

    def advance(self, path: str) -> None:
        """Move `path`'s mtime two seconds past anything written before, without sleeping."""
        self._tick += 2
        stamp = int(os.stat(path).st_mtime) + 1000 + self._tick
        os.utime(path, ns=(stamp * 10**9, stamp * 10**9))

    def files(self, mapping: Dict[str, str]) -> None:
        """Write several files at once."""
        for relative, source in mapping.items():
            self.write(relative, source)

    def load(self, name: str) -> Any:
        """Import `name` ('{pkg}' replaced) and return the module."""
        importlib.invalidate_caches()
        return importlib.import_module(name.format(pkg=self.pkg))

    def mod(self, name: str) -> Any:
        """The module currently loaded as `name` ('{pkg}' replaced)."""
        return sys.modules[name.format(pkg=self.pkg)]
