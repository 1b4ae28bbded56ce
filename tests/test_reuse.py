"""The selection kept from one reload for the next reload of the same modules."""

import sys
import unittest
from typing import Callable, List, Tuple

import reloader
from reloader import _reuse, _state
from tests.support import PackageCase

LEAF = "X = {}\n"


class ReuseTest(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        self.files_written()
        self.load("{pkg}.e")
        self.load("{pkg}.d")
        self.load("{pkg}.c")
        self.value = 0
        self.header = ""  # what the leaf's source has before its value
        self.footer = ""  # and after it

    def files_written(self) -> None:
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/a.py", LEAF.format(0))
        self.write("{pkg}/b.py", "from {pkg} import a\nDOUBLE = a.X * 2\n")
        self.write("{pkg}/c.py", "from {pkg}.a import X\nTRIPLE = X * 3\n")
        self.write("{pkg}/d.py", "from {pkg} import a\n\ndef now():\n    return a.X\n")
        self.write("{pkg}/e.py", "from {pkg} import b\nQUAD = b.DOUBLE * 2\n")

    def fresh_plan(self, target: str) -> str:
        """plan(target).format(), the plan made anew, never kept."""
        _reuse.ENABLED = False
        try:
            return reloader.plan(target).format()
        finally:
            _reuse.ENABLED = True

    def edit_leaf(self) -> None:
        self.value += 1
        self.write("{pkg}/a.py", self.header + LEAF.format(self.value) + self.footer)

    def leaf_header(self, header: str) -> None:
        self.header = header

    def leaf_footer(self, footer: str) -> None:
        self.footer = footer

    def reload_and_compare(self, target: str = "{pkg}.a") -> reloader.Report:
        """Reload `target`: what it reloads, in which order, is what a plan made anew says.

        Then the plan, kept or made anew, is what a plan made anew says.
        """
        target = target.format(pkg=self.pkg)
        wanted = self.fresh_plan(target)
        report = reloader.reload(target)
        self.kept = _state.current().reuse
        self.assertEqual(list(report.reloaded), [
            line.split()[1] for line in wanted.splitlines() if line.startswith("  reload ")])
        self.assertEqual(reloader.plan(target).format(), self.fresh_plan(target))
        return report

    def assert_values(self) -> None:
        self.assertEqual(self.mod("{pkg}.b").DOUBLE, self.value * 2)
        self.assertEqual(self.mod("{pkg}.c").TRIPLE, self.value * 3)
        self.assertEqual(self.mod("{pkg}.e").QUAD, self.value * 4)
        self.assertEqual(self.mod("{pkg}.d").now(), self.value)

    def test_saving_one_file_again_reuses_the_selection(self) -> None:
        self.edit_leaf()
        self.reload_and_compare()
        kept = self.kept
        self.assertIsNotNone(kept)
        for _ in range(3):
            self.edit_leaf()
            self.reload_and_compare()
            self.assert_values()
            self.assertIs(self.kept.selection, kept.selection)

    def test_a_kept_selection_is_the_one_made_anew_whatever_changes(self) -> None:
        changes: List[Tuple[str, Callable[[], None]]] = [
            ("the target imports another module",
             lambda: self.leaf_header("from {pkg} import d\n")),
            ("the target stops importing it", lambda: self.leaf_header("")),
            ("the target imports one of its importers (a cycle)",
             lambda: self.leaf_footer("from {pkg} import b\n")),
            ("the cycle is gone", lambda: self.leaf_footer("")),
            ("an importer no longer reads it at import",
             lambda: self.write("{pkg}/b.py", "from {pkg} import a\nDOUBLE = 0\n", )),
            ("an importer reads it again",
             lambda: self.write("{pkg}/b.py", "from {pkg} import a\nDOUBLE = a.X * 2\n")),
            ("a new importer is loaded",
             lambda: (self.write("{pkg}/f.py", "from {pkg}.a import X\nFIVE = X * 5\n"),
                      self.load("{pkg}.f"))),
            ("a module is removed from sys.modules",
             lambda: sys.modules.pop(self.pkg + ".f")),
        ]
        self.edit_leaf()
        self.reload_and_compare()
        for what, change in changes:
            with self.subTest(what):
                change()
                self.edit_leaf()
                self.reload_and_compare()
                self.edit_leaf()  # and the new selection is kept in turn
                self.reload_and_compare()
        self.assertEqual(self.mod("{pkg}.c").TRIPLE, self.value * 3)

    def test_a_module_the_reload_imported_first_is_selected_next_time(self) -> None:
        # An importer's new code imports a module, new to the session, that
        # reads the leaf at import.
        self.write("{pkg}/n.py", "from {pkg} import a\nSEVEN = a.X * 7\n")
        self.write("{pkg}/b.py", "from {pkg} import a, n\nDOUBLE = a.X * 2\n")
        for _ in range(3):
            self.edit_leaf()
            self.reload_and_compare()
            self.assertEqual(self.mod("{pkg}.n").SEVEN, self.value * 7)
            self.assert_values()

    def test_reloading_the_whole_package_again_reuses_its_selection(self) -> None:
        # Reloading the leaf first moves it behind d, which imports it and
        # stays: the first reload of the package puts them back in order, and
        # the ones after it reuse its selection.
        self.edit_leaf()
        self.reload_and_compare()
        kept = []
        for _ in range(4):
            self.edit_leaf()
            self.reload_and_compare("{pkg}")
            kept.append(self.kept.selection)
            self.assert_values()
        self.assertIs(kept[2], kept[1])
        self.assertIs(kept[3], kept[1])

    def test_a_failed_reload_keeps_nothing(self) -> None:
        self.edit_leaf()
        self.reload_and_compare()
        self.write("{pkg}/a.py", "X = 1 / 0\n")
        with self.assertRaises(reloader.ReloadError):
            reloader.reload(self.pkg + ".a")
        self.assertIsNone(_state.current().reuse)
        self.edit_leaf()
        self.reload_and_compare()
        self.assert_values()

    def test_another_question_is_not_answered_from_the_kept_one(self) -> None:
        self.edit_leaf()
        self.reload_and_compare()
        kept = self.kept.selection
        report = reloader.reload(self.pkg + ".a", dependents=False)
        self.assertEqual(report.reloaded, (self.pkg + ".a",))
        self.assertIsNot(_state.current().reuse.selection, kept)
        self.edit_leaf()
        self.reload_and_compare("{pkg}.b")


if __name__ == "__main__":
    unittest.main()
