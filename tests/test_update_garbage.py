"""Live update: garbage that holds old modules does not make each later reload pair more.

Modules that other code drops from `sys.modules` and imports again (a
host's own plugin reload, a session that purges them by hand) stay in
reference cycles until a full collection, holding the modules they
imported. A namespace such garbage keeps alive holds the functions of the
version after it once it mirrored it; they look held at the next reload,
are remembered, and their namespace is mirrored in turn: found in a
1,000-module package reloaded after some of its modules were imported
again by hand, where every second reload found a thousand more old
functions held than the one before, and took longer.
"""

import gc
import importlib
import sys
import unittest
import unittest.mock
from typing import Any, List, Set

import reloader
from reloader import _generations, _state
from tests.support import PackageCase

FUNCTIONS = 40


def body(other: str, version: int) -> str:
    imports = "import {pkg}.OTHER\nfrom {pkg} import OTHER as z\n".replace("OTHER", other)
    return imports + "".join(
        "def f{0}():\n    return {0} + {1}\n".format(index, version)
        for index in range(FUNCTIONS)
    )


class GarbageHoldersTest(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        if not gc.isenabled():
            self.skipTest("the collector is off in this interpreter")
        scope = _state.State().use()  # what earlier reloads found held counts for nothing here
        scope.__enter__()
        self.addCleanup(scope.__exit__, None, None, None)
        self.write("{pkg}/__init__.py", "from . import a, b\n")
        self.write("{pkg}/a.py", body("b", 0))
        self.write("{pkg}/b.py", body("a", 0))
        self.load("{pkg}")
        self.found: List[int] = []
        real = _generations.remember

        def counting(pairs: List[Any], namespaces: Set[int], weakly: Any = ()) -> List[Any]:
            held = real(pairs, namespaces, weakly)
            self.found.append(len(held))
            return held

        patcher = unittest.mock.patch.object(_generations, "remember", counting)
        patcher.start()
        self.addCleanup(patcher.stop)

    def import_again_by_hand(self) -> None:
        package = self.mod("{pkg}")
        for name in ("b", "a"):
            del sys.modules["{}.{}".format(self.pkg, name)]
            delattr(package, name)
        for name in ("a", "b"):
            importlib.import_module("{}.{}".format(self.pkg, name))

    def test_old_functions_only_garbage_holds_stop_being_found_held(self) -> None:
        for _ in range(3):
            self.import_again_by_hand()
        callback = self.mod("{pkg}.a").f1  # one the program really holds
        for version in range(1, 9):
            self.write("{pkg}/a.py", body("b", version))
            report = reloader.reload(self.pkg)
            self.assertTrue(report.ok, report)
            self.assertEqual((self.mod("{pkg}.a").f7(), callback()), (7 + version, 1 + version))
        # Each reload finds the callback held. One may also find every function
        # of both modules held (garbage holds an older namespace that mirrored
        # them; on CPython 3.7 to 3.12); one full collection frees that
        # garbage, and later reloads find only the callback again.
        self.assertLessEqual(max(self.found), 2 * FUNCTIONS + 1, self.found)
        self.assertEqual(self.found[-4:], [1] * 4, self.found)

    def test_functions_the_program_holds_cost_one_full_collection_not_one_a_reload(self) -> None:
        # 2 x 40 old functions held for good: the first reload that finds them
        # collects once; the later ones find as many, and collect no more.
        held = [getattr(self.mod("{pkg}." + name), "f{}".format(index))
                for name in ("a", "b") for index in range(FUNCTIONS)]
        full = []
        real = gc.collect

        def collect(*generation: int) -> int:
            if not generation:
                full.append(len(self.found))
            return real(*generation)

        with unittest.mock.patch.object(gc, "collect", collect):
            for version in range(1, 6):
                self.write("{pkg}/a.py", body("b", version))
                report = reloader.reload(self.pkg)
                self.assertTrue(report.ok, report)
        self.assertEqual(self.found, [2 * FUNCTIONS] * 5)
        self.assertEqual(full, [1])
        self.assertEqual(held[7](), 7 + 5)


if __name__ == "__main__":
    unittest.main()
