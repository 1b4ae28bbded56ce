"""`stale()` names the old objects still held after a reload, and what holds them."""

import sys
import types

import reloader
from tests.support import PackageCase


class StaleTest(PackageCase):
    def test_holder_is_named(self) -> None:
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/ui.py", "def on_click():\n    return 'old'\n")
        host = types.ModuleType("registry_host_" + self.pkg)
        sys.modules[host.__name__] = host
        host.CALLBACKS = [print, len, abs, self.load("{pkg}.ui").on_click]  # type: ignore[attr-defined]
        self.write("{pkg}/ui.py", "def on_click():\n    return 'new'\n")
        report = reloader.reload(self.pkg)
        found = reloader.stale(report, seconds=60)
        self.assertTrue(found.complete)
        self.assertEqual(
            [str(entry) for entry in found],
            ["old {}.ui.on_click is held by list at index 3, in {}.CALLBACKS (updated in "
             "place: runs the new code)".format(
                self.pkg, host.__name__
            )],
        )

    def test_says_whether_the_old_object_runs_the_new_code(self) -> None:
        self.write("{pkg}/__init__.py")
        source = "def on_sale():\n    return {!r}\n\nclass Cart:\n    __slots__ = {!r}\n"
        self.write("{pkg}/events.py", source.format("old", ("a",)))
        events = self.load("{pkg}.events")
        host = types.ModuleType("registry_host_" + self.pkg)
        sys.modules[host.__name__] = host
        host.HELD = [events.on_sale]  # type: ignore[attr-defined]
        host.CARTS = [events.Cart]  # type: ignore[attr-defined]
        # on_sale is updated in place; Cart's layout changed, so it cannot be.
        self.write("{pkg}/events.py", source.format("new", ("a", "b")))
        found = reloader.stale(reloader.reload(self.pkg), seconds=60)
        held = sorted(str(entry) for entry in found if entry.holder.startswith("list"))
        self.assertEqual(held, [
            "old {}.events.Cart is held by list at index 0, in {}.CARTS (not updated: runs the "
            "old code)".format(self.pkg, host.__name__),
            "old {}.events.on_sale is held by list at index 0, in {}.HELD (updated in place: "
            "runs the new code)".format(self.pkg, host.__name__),
        ])
        self.assertEqual(host.HELD[0](), "new")  # type: ignore[attr-defined]

    def test_nothing_held_means_nothing_stale(self) -> None:
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/ui.py", "def on_click():\n    return 'old'\n")
        self.load("{pkg}.ui")
        report = reloader.reload(self.pkg)
        self.assertEqual(list(reloader.stale(report)), [])
        self.assertEqual(str(reloader.stale(report)), "no old object is reachable")

    def test_stops_when_time_is_up(self) -> None:
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/ui.py", "def on_click():\n    return 'old'\n")
        held = [self.load("{pkg}.ui").on_click]
        report = reloader.reload(self.pkg)
        found = reloader.stale(report, seconds=0.0)
        self.assertFalse(found.complete)
        self.assertRegex(
            found.note, r"^stopped after \d+\.\d s with (1 object|[2-9]\d* objects) left to look at$"
        )
        self.assertEqual(len(held), 1)

    def test_report_holds_no_old_object(self) -> None:
        import gc
        import weakref

        self.write("{pkg}/__init__.py")
        self.write("{pkg}/ui.py", "def on_click():\n    return 'old'\n")
        ref = weakref.ref(self.load("{pkg}.ui").on_click)
        report = reloader.reload(self.pkg)
        gc.collect()
        self.assertIsNone(ref())
        self.assertTrue(report.ok)
