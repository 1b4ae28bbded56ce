"""The watcher: which modules a change reloads, bursts, failures, and scheduling."""

import gc
import os
import shutil
import struct
import subprocess
import sys
import threading
import time
import types
import unittest
from typing import Any, Callable, Dict, List, Optional, Tuple
from unittest import mock

import reloader
from reloader import _discovery, _graph, _inotify, _reload, _transaction, _watch
from reloader._state import State

from .support import PackageCase

LINUX = sys.platform.startswith("linux")


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeSchedule:
    """A scheduler that records what it was given and runs it only when told to."""

    def __init__(self) -> None:
        self.calls: List[Tuple[Callable[[], None], float]] = []

    def __call__(self, callback: Callable[[], None], delay: float) -> None:
        self.calls.append((callback, delay))

    def run_next(self) -> None:
        callback, _ = self.calls.pop(0)
        callback()


class WatcherCase(PackageCase):
    """A package `pkg` with a leaf `util`, `views` importing it, and an unrelated `other`.

    The watcher is told of changes by the operating system where it can; the
    Polling* copies of each test class below run every test polling.
    """

    notify = True

    def setUp(self) -> None:
        super().setUp()
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/util.py": "VALUE = 1\n",
            "{pkg}/views.py": "from {pkg}.util import VALUE\nSHOWN = VALUE * 10\n",
            "{pkg}/other.py": "OTHER = 1\n",
        })
        self.load("{pkg}.views")
        self.load("{pkg}.other")
        self.reports: List[reloader.Report] = []
        self.clock = FakeClock()
        self.watcher = self.watch()
        if self.notify and LINUX:
            self.assertEqual(self.watcher.mode, "inotify", self.watcher.fallback)
        else:
            self.assertEqual(self.watcher.mode, "polling")

    def watch(self, **options: object) -> reloader.Watcher:
        options.setdefault("debounce", 0)
        options.setdefault("notify", self.notify)
        options.setdefault("on_report", self.reports.append)
        options.setdefault("clock", self.clock)
        return reloader.Watcher(self.path("{pkg}"), **options)  # type: ignore[arg-type]

    def name(self, relative: str) -> str:
        return relative.format(pkg=self.pkg)


class DetectionTest(WatcherCase):
    def test_nothing_changed(self) -> None:
        self.assertIsNone(self.watcher.check())
        self.assertEqual(self.reports, [])

    def test_an_edit_reloads_the_module_and_its_dependents_only(self) -> None:
        package, other = self.mod("{pkg}"), self.mod("{pkg}.other")
        self.write("{pkg}/util.py", "VALUE = 2\n")
        report = self.watcher.check()
        assert report is not None
        self.assertEqual(report.reloaded, (self.name("{pkg}.util"), self.name("{pkg}.views")))
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 20)
        self.assertIs(self.mod("{pkg}"), package)
        self.assertIs(self.mod("{pkg}.other"), other)
        self.assertEqual(self.reports, [report])
        self.assertIsNone(self.watcher.check())

    def test_a_file_marked_changed_reloads_at_the_next_check(self) -> None:
        other = self.mod("{pkg}.other")
        self.watcher.mark_changed(self.path("{pkg}/other.py"))
        report = self.watcher.check()
        assert report is not None
        self.assertEqual(report.reloaded, (self.name("{pkg}.other"),))
        self.assertIsNot(self.mod("{pkg}.other"), other)
        self.assertIsNone(self.watcher.check())

    def test_same_second_same_size_edit_runs_the_new_source(self) -> None:
        path = self.path("{pkg}/util.py")
        with mock.patch.object(sys, "dont_write_bytecode", False):
            self.write("{pkg}/util.py", "VALUE = 3\n")
            self.watcher.check()  # writes bytecode for VALUE = 3
            self.assertEqual(self.mod("{pkg}.util").VALUE, 3)
            stamp = os.stat(path).st_mtime_ns
            self.write("{pkg}/util.py", "VALUE = 4\n", touch=False)
            os.utime(path, ns=(stamp, stamp))
            report = self.watcher.check()
        assert report is not None
        self.assertTrue(report.ok)
        self.assertEqual(self.mod("{pkg}.util").VALUE, 4)

    def test_an_edited_module_may_import_a_new_one(self) -> None:
        self.write("{pkg}/helper.py", "HELP = 'new'\n")
        self.write("{pkg}/other.py", "from {pkg}.helper import HELP\nOTHER = HELP\n")
        report = self.watcher.check()
        assert report is not None
        self.assertEqual(report.reloaded, (self.name("{pkg}.other"),))
        self.assertEqual(report.added, (self.name("{pkg}.helper"),))
        self.assertEqual(self.mod("{pkg}.other").OTHER, "new")

    def test_a_new_file_nobody_imports_reloads_nothing(self) -> None:
        self.write("{pkg}/extra.py", "X = 1\n")
        self.assertIsNone(self.watcher.check())
        self.assertNotIn(self.name("{pkg}.extra"), sys.modules)

    def test_a_deleted_module_is_kept_and_reported_missing(self) -> None:
        other = self.mod("{pkg}.other")
        os.remove(self.path("{pkg}/other.py"))
        report = self.watcher.check()
        assert report is not None
        self.assertTrue(report.ok)
        self.assertEqual(report.missing, (self.name("{pkg}.other"),))
        self.assertEqual((report.reloaded, report.removed), ((), ()))
        self.assertIs(self.mod("{pkg}.other"), other)
        self.assertEqual(str(report).split(" in ")[0], "reloaded 0 modules, 1 missing")
        self.assertIn(
            "  missing   {} (its source file is gone; kept loaded until it returns)".format(
                self.name("{pkg}.other")),
            report.format().splitlines(),
        )
        self.assertIsNone(self.watcher.check())  # said once

    def test_a_returning_file_reloads_its_module_with_its_dependents(self) -> None:
        util, views = self.mod("{pkg}.util"), self.mod("{pkg}.views")
        os.remove(self.path("{pkg}/util.py"))
        report = self.watcher.check()
        assert report is not None
        self.assertEqual(report.missing, (self.name("{pkg}.util"),))
        self.assertIs(self.mod("{pkg}.util"), util)
        self.assertIs(self.mod("{pkg}.views"), views)
        self.assertEqual(views.SHOWN, 10)
        self.write("{pkg}/util.py", "VALUE = 3\n")
        report = self.watcher.check()
        assert report is not None
        self.assertTrue(report.ok, report)
        self.assertEqual(report.reloaded, (self.name("{pkg}.util"), self.name("{pkg}.views")))
        self.assertEqual(report.missing, ())
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 30)

    def test_a_file_deleted_and_written_back_between_checks_is_an_edit(self) -> None:
        path = self.path("{pkg}/util.py")
        with open(path) as handle:
            text = handle.read()
        stamp = os.stat(path).st_mtime_ns
        os.remove(path)
        with open(path, "w") as handle:
            handle.write(text)
        os.utime(path, ns=(stamp, stamp))
        report = self.watcher.check()  # a new inode: reloaded, never missing
        assert report is not None
        self.assertTrue(report.ok, report)
        self.assertEqual(report.missing, ())
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 10)

    def test_an_explicit_reload_of_a_missing_module_purges_it(self) -> None:
        os.remove(self.path("{pkg}/other.py"))
        self.assertIsNotNone(self.watcher.check())
        report = reloader.reload(self.name("{pkg}.other"))
        self.assertEqual(report.removed, (self.name("{pkg}.other"),))
        self.assertNotIn(self.name("{pkg}.other"), sys.modules)
        self.assertIsNone(self.watcher.check())

    def test_an_explicit_reload_of_a_missing_module_still_imported_fails_and_restores(
        self,
    ) -> None:
        util, views = self.mod("{pkg}.util"), self.mod("{pkg}.views")
        os.remove(self.path("{pkg}/util.py"))
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(self.name("{pkg}.util"))
        report = caught.exception.report
        self.assertIsInstance(report.error, ImportError)
        self.assertTrue(report.rolled_back)
        self.assertEqual(report.failed_module, self.name("{pkg}.views"))
        self.assertIs(self.mod("{pkg}.util"), util)
        self.assertIs(self.mod("{pkg}.views"), views)
        self.assertEqual(
            str(report),
            "reloading {views!r} failed at {file}:1: ModuleNotFoundError: No module named "
            "{util!r}; the source file of {util!r} is gone, but {views!r} still imports it; "
            "restored 2 modules to their previous state".format(
                views=self.name("{pkg}.views"),
                util=self.name("{pkg}.util"),
                file=self.path("{pkg}/views.py"),
            ),
        )

    def test_a_missing_submodule_taken_from_its_package_names_the_file(self) -> None:
        self.write("{pkg}/views.py", "from {pkg} import util\nSHOWN = util.VALUE\n")
        self.watcher.check()
        os.remove(self.path("{pkg}/util.py"))
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(self.name("{pkg}.util"))
        self.assertIn(
            "; the source file of {!r} is gone, but {!r} still imports it; restored".format(
                self.name("{pkg}.util"), self.name("{pkg}.views")
            ),
            str(caught.exception),
        )

    def test_a_renamed_module_is_kept_under_its_old_name(self) -> None:
        other = self.mod("{pkg}.other")
        os.rename(self.path("{pkg}/other.py"), self.path("{pkg}/renamed.py"))
        report = self.watcher.check()
        assert report is not None
        self.assertEqual(report.missing, (self.name("{pkg}.other"),))
        self.assertIs(self.mod("{pkg}.other"), other)
        self.assertNotIn(self.name("{pkg}.renamed"), sys.modules)

    def test_a_save_through_a_renamed_temporary_file(self) -> None:
        temporary = self.write("{pkg}/.util.py.tmp", "VALUE = 5\n")
        os.replace(temporary, self.path("{pkg}/util.py"))
        report = self.watcher.check()
        assert report is not None
        self.assertEqual(report.reloaded, (self.name("{pkg}.util"), self.name("{pkg}.views")))
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 50)

    def test_files_outside_the_watched_folder_do_not_count(self) -> None:
        self.write("{pkg}kit/__init__.py", "")
        kit = self.load("{pkg}kit")
        self.write("{pkg}kit/__init__.py", "X = 1\n")
        self.assertIsNone(self.watcher.check())
        self.assertIs(self.mod("{pkg}kit"), kit)

    def test_a_protected_module_is_named_not_reloaded(self) -> None:
        uninstall = reloader.use_host(reloader.Host("fake", protected=[self.pkg + ".other"]))
        self.addCleanup(uninstall)
        other = self.mod("{pkg}.other")
        self.write("{pkg}/other.py", "OTHER = 2\n")
        report = self.watcher.check()
        assert report is not None
        self.assertEqual(report.reloaded, ())
        self.assertIs(self.mod("{pkg}.other"), other)
        self.assertEqual(
            report.warnings,
            [
                "{!r} changed, but module {!r} is not reloaded (protected by the fake host); "
                "restart the program to run the new code".format(
                    self.path("{pkg}/other.py"), self.name("{pkg}.other")
                )
            ],
        )


class EarlierEditsTest(WatcherCase):
    """Edits saved while no watcher looked are reloaded at the next check."""

    def test_an_edit_saved_before_the_watcher_was_made(self) -> None:
        self.assertIsNone(self.watcher.check())  # it noted what each module runs
        self.write("{pkg}/util.py", "VALUE = 2\n")
        report = self.watch().check()
        assert report is not None
        self.assertEqual(report.reloaded, (self.name("{pkg}.util"), self.name("{pkg}.views")))
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 20)

    def test_making_a_watcher_runs_the_collection_its_first_look_made_due(self) -> None:
        # Left due, the pass over the young objects runs in the first check.
        if not gc.isenabled():
            self.skipTest("the collector is off in this interpreter")
        passes: List[int] = []

        def note(phase: str, info: Dict[str, int]) -> None:
            if phase == "start":
                passes.append(info["generation"])

        gc.callbacks.append(note)
        self.addCleanup(gc.callbacks.remove, note)
        for _ in range(3):
            watcher = self.watch()
            self.assertGreaterEqual(max(passes), 1)  # over the young generations
            self.assertLess(gc.get_count()[0], gc.get_threshold()[0])
            del passes[:]
            self.assertIsNone(watcher.check())  # nothing changed: nothing reloaded
            self.assertEqual(passes, [])

    def test_an_edit_saved_before_the_watcher_through_a_linked_folder(self) -> None:
        # The package is imported through a link (a host's plug-in folder
        # linking to a checkout); the watcher is given either side.
        if not hasattr(os, "symlink"):
            self.skipTest("no symbolic links here")
        linked = self.pkg + "_linked"
        real = self.path("checkout/" + linked)
        os.makedirs(real)
        for file, text in (("__init__.py", ""), ("leaf.py", "VALUE = 1\n")):
            with open(os.path.join(real, file), "w", encoding="utf-8") as handle:
                handle.write(text)
        os.makedirs(self.path("plugins"))
        os.symlink(real, self.path("plugins/" + linked))
        sys.path.insert(0, self.path("plugins"))
        leaf = self.load(linked + ".leaf")
        self.assertEqual(leaf.__file__, self.path("plugins/{}/leaf.py".format(linked)))
        for number, watched in enumerate((real, self.path("plugins/" + linked)), 2):
            with self.subTest(watched=watched):
                self.assertIsNone(reloader.Watcher(watched, debounce=0).check())
                with open(os.path.join(real, "leaf.py"), "w", encoding="utf-8") as handle:
                    handle.write("VALUE = {}\n".format(number))
                self.advance(os.path.join(real, "leaf.py"))
                report = reloader.Watcher(watched, debounce=0, on_report=self.reports.append
                                          ).check()
                assert report is not None
                self.assertEqual(report.reloaded, (linked + ".leaf",))
                self.assertEqual(self.mod(linked + ".leaf").VALUE, number)

    def test_stopping_and_making_a_new_watcher_loses_nothing(self) -> None:
        self.write("{pkg}/util.py", "VALUE = 2\n")
        self.assertIsNotNone(self.watcher.check())
        self.write("{pkg}/util.py", "VALUE = 3\n")  # while nothing watches
        self.write("{pkg}/other.py", "OTHER = 3\n")
        report = self.watch().check()
        assert report is not None
        self.assertEqual(sorted(report.reloaded), sorted(
            [self.name("{pkg}.util"), self.name("{pkg}.views"), self.name("{pkg}.other")]))
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 30)
        self.assertEqual(self.mod("{pkg}.other").OTHER, 3)
        self.assertIsNone(self.watch().check())

    def test_a_fix_after_a_failed_explicit_reload(self) -> None:
        self.assertIsNone(self.watcher.check())
        util = self.mod("{pkg}.util")
        self.write("{pkg}/util.py", "VALUE = (\n")
        with self.assertRaises(reloader.ReloadError):
            reloader.reload(self.name("{pkg}.util"))
        self.assertIs(self.mod("{pkg}.util"), util)
        self.write("{pkg}/util.py", "VALUE = 4\n")
        report = self.watch().check()
        assert report is not None
        self.assertTrue(report.ok, report)
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 40)

    def test_the_bytecode_cache_tells_what_a_module_unseen_so_far_runs(self) -> None:
        self.write("{pkg}/fresh.py", "FRESH = 1\n")
        with mock.patch.object(sys, "dont_write_bytecode", False):
            fresh = self.load("{pkg}.fresh")  # writes the cache, which names this source
        self.assertTrue(os.path.exists(fresh.__spec__.cached))
        self.write("{pkg}/fresh.py", "FRESH = 2\n")
        report = self.watch().check()  # the first to look at fresh
        assert report is not None
        self.assertEqual(report.reloaded, (self.name("{pkg}.fresh"),))
        self.assertEqual(self.mod("{pkg}.fresh").FRESH, 2)

    def test_a_cache_naming_the_same_source_means_unchanged(self) -> None:
        self.write("{pkg}/fresh.py", "FRESH = 1\n")
        with mock.patch.object(sys, "dont_write_bytecode", False):
            self.load("{pkg}.fresh")
        self.assertIsNone(self.watch().check())

    def test_a_reload_by_the_watcher_is_noted(self) -> None:
        with mock.patch.object(sys, "dont_write_bytecode", True):
            self.write("{pkg}/util.py", "VALUE = 2\n")
            self.assertIsNotNone(self.watcher.check())
            self.assertIsNone(self.watch().check())  # the new util runs this very file
            self.write("{pkg}/util.py", "VALUE = 5\n")
            self.assertIsNotNone(self.watch().check())
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 50)


class NotedSourcesTest(unittest.TestCase):
    """What each module was imported from is noted and forgotten safely, garbage collection or not."""

    def test_a_collection_in_the_middle_of_noting_forgets_without_deadlock(self) -> None:
        # A collection can run at any allocation, the dict's own included,
        # and free a module noted before: its entry is never trusted again,
        # and goes once the entries outgrow the sweep mark.
        from reloader import _sources, _state

        class Collecting(dict):  # type: ignore[type-arg]
            def __setitem__(self, key: Any, value: Any) -> None:
                import gc
                gc.collect()
                super().__setitem__(key, value)

        done: List[bool] = []

        def note_two() -> None:
            state = _state.State()
            with state.use():
                state.sources = Collecting()
                dying = types.ModuleType("dying")
                dying.__dict__["itself"] = dying  # a cycle: only a collection frees it
                _sources.note(dying, "/nowhere/dying.py", (1, 1, 1, 1))
                del dying
                staying = types.ModuleType("staying")
                _sources.note(staying, "/nowhere/staying.py", (2, 2, 2, 2))
                live = [entry[1] for entry in state.sources.values() if entry[0]() is not None]
                state.sources_sweep_at = 1
                _sources.note(staying, "/nowhere/staying.py", (2, 2, 2, 2))
                done.append(live == ["/nowhere/staying.py"] and _sources.is_noted(staying)
                            and [e[1] for e in state.sources.values()] == live)

        thread = threading.Thread(target=note_two, daemon=True)
        thread.start()
        thread.join(60)
        self.assertFalse(thread.is_alive(), "noting a module deadlocked in a collection")
        self.assertEqual(done, [True])


class BurstTest(WatcherCase):
    def test_a_burst_of_saves_makes_one_reload(self) -> None:
        watcher = self.watch(debounce=0.5)
        for value in range(2, 6):
            self.write("{pkg}/util.py", "VALUE = {}\n".format(value))
            self.assertIsNone(watcher.poll())
            self.clock.now += 0.3  # never quiet for 0.5 s
        self.clock.now += 0.2
        report = watcher.poll()
        assert report is not None
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 50)
        self.assertEqual(self.reports, [report])
        self.assertIsNone(watcher.poll())

    def test_a_file_created_and_deleted_within_a_burst_changes_nothing(self) -> None:
        watcher = self.watch(debounce=0.5)
        temporary = self.write("{pkg}/scratch.py", "X = 1\n")
        self.assertIsNone(watcher.poll())
        os.remove(temporary)
        self.assertIsNone(watcher.poll())
        self.clock.now += 1
        self.assertIsNone(watcher.poll())
        self.assertEqual(self.reports, [])


class FailureTest(WatcherCase):
    def test_a_failed_file_is_not_retried_until_it_changes(self) -> None:
        util = self.mod("{pkg}.util")
        self.write("{pkg}/util.py", "VALUE = (\n")
        report = self.watcher.check()
        assert report is not None
        self.assertIsInstance(report.error, SyntaxError)
        self.assertEqual(report.location, (self.path("{pkg}/util.py"), 1))
        self.assertIs(self.mod("{pkg}.util"), util)
        self.assertIsNone(self.watcher.check())
        self.assertIsNone(self.watcher.check())
        self.write("{pkg}/util.py", "VALUE = 7\n")
        report = self.watcher.check()
        assert report is not None
        self.assertTrue(report.ok)
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 70)
        self.assertEqual(len(self.reports), 2)

    def test_a_failed_file_is_retried_with_the_next_change(self) -> None:
        # views now needs a module that does not exist yet; creating it is the fix.
        self.write("{pkg}/views.py", "from {pkg}.later import LATER\nSHOWN = LATER\n")
        report = self.watcher.check()
        assert report is not None
        self.assertIsInstance(report.error, ImportError)
        self.write("{pkg}/later.py", "LATER = 'here'\n")
        report = self.watcher.check()
        assert report is not None
        self.assertTrue(report.ok, report)
        self.assertEqual(self.mod("{pkg}.views").SHOWN, "here")

    def test_an_error_inside_reload_is_reported_not_raised(self) -> None:
        self.write("{pkg}/util.py", "VALUE = 2\n")
        error = RuntimeError("busy")
        with mock.patch.object(_watch, "reload", side_effect=error):
            report = self.watcher.check()
        assert report is not None
        self.assertIs(report.error, error)
        self.assertTrue(report.rolled_back)
        self.assertTrue(str(report).endswith(": RuntimeError: busy; nothing was changed"), report)

    def test_an_error_in_on_report_is_logged_not_raised(self) -> None:
        def broken(report: reloader.Report) -> None:
            raise ValueError("display gone")

        watcher = self.watch(on_report=broken)
        self.write("{pkg}/util.py", "VALUE = 2\n")
        with self.assertLogs("reloader.watch", "ERROR") as logs:
            report = watcher.check()
        assert report is not None
        self.assertTrue(report.ok)
        self.assertIn("showing a reload report failed", logs.output[0])

    def test_bad_arguments(self) -> None:
        with self.assertRaisesRegex(TypeError, "needs at least one folder"):
            reloader.Watcher()
        with self.assertRaisesRegex(FileNotFoundError, "does not exist"):
            reloader.Watcher(self.path("missing"))
        with self.assertRaisesRegex(ValueError, "debounce must be >= 0"):
            reloader.Watcher(self.root, debounce=-1)


class ScheduleTest(WatcherCase):
    def test_start_schedules_checks_until_stop(self) -> None:
        schedule = FakeSchedule()
        watcher = self.watch(schedule=schedule, interval=2.0)
        stop = watcher.start()
        self.assertTrue(watcher.running)
        self.assertEqual([delay for _, delay in schedule.calls], [2.0])
        self.write("{pkg}/util.py", "VALUE = 2\n")
        schedule.run_next()
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 20)
        self.assertEqual([delay for _, delay in schedule.calls], [2.0])
        stop()
        self.assertFalse(watcher.running)
        self.write("{pkg}/util.py", "VALUE = 3\n")
        schedule.run_next()  # handed over before stop(): does nothing
        self.assertEqual(schedule.calls, [])
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 20)

    def test_a_settling_burst_is_looked_at_again_after_the_debounce(self) -> None:
        schedule = FakeSchedule()
        watcher = self.watch(schedule=schedule, interval=2.0, debounce=0.25)
        watcher.start()
        self.write("{pkg}/util.py", "VALUE = 2\n")
        schedule.run_next()
        self.assertEqual([delay for _, delay in schedule.calls], [0.25])
        self.clock.now += 0.25
        schedule.run_next()
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 20)
        self.assertEqual([delay for _, delay in schedule.calls], [2.0])

    def test_the_installed_host_schedules_and_shows(self) -> None:
        schedule = FakeSchedule()
        shown: List[object] = []
        uninstall = reloader.use_host(reloader.Host("fake", schedule=schedule, show=shown.append))
        self.addCleanup(uninstall)
        watcher = reloader.Watcher(self.path("{pkg}"), debounce=0)
        watcher.start()
        self.write("{pkg}/util.py", "VALUE = 2\n")
        schedule.run_next()
        self.assertEqual(len(shown), 1)
        self.assertEqual(str(shown[0]).split(" in ")[0], "reloaded 2 modules")
        watcher.stop()

    def test_a_host_without_event_loop_gets_the_check_at_once(self) -> None:
        uninstall = reloader.use_host(reloader.Host("batch", schedule=None))
        self.addCleanup(uninstall)
        watcher = self.watch()
        self.write("{pkg}/util.py", "VALUE = 2\n")
        watcher.start()
        self.assertFalse(watcher.running)
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 20)
        self.assertEqual(len(self.reports), 1)

    def test_a_plain_program_checks_on_a_background_thread(self) -> None:
        done = threading.Event()
        threads: List[Optional[str]] = []

        def on_report(report: reloader.Report) -> None:
            threads.append(threading.current_thread().name)
            done.set()

        watcher = self.watch(on_report=on_report, interval=0.01)
        self.write("{pkg}/util.py", "VALUE = 2\n")
        with watcher:
            self.assertTrue(done.wait(20), "no check ran on the background thread")
        self.assertFalse(watcher.running)
        self.assertEqual(threads, ["reloader watcher"])
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 20)


class ModeTest(WatcherCase):
    """Which way the watcher learns of changes, and why it polls."""

    def test_notification_where_it_works(self) -> None:
        if not LINUX:
            self.skipTest("inotify is Linux only")
        self.assertEqual((self.watcher.mode, self.watcher.fallback), ("inotify", None))
        self.assertEqual(self.watcher.interval, 0.05)  # a check that finds nothing is one read
        self.assertEqual(repr(self.watcher), "<Watcher {!r} (inotify)>".format(
            self.path("{pkg}")))
        with self.watcher:  # on its own thread, which the notifier wakes
            self.assertEqual(self.watcher.interval, 0.5)
            self.assertEqual(repr(self.watcher), "<Watcher {!r} (inotify) running>".format(
                self.path("{pkg}")))

    def test_polling_when_asked(self) -> None:
        watcher = self.watch(notify=False, interval=2)
        self.assertEqual((watcher.mode, watcher.fallback), ("polling", None))
        self.assertEqual(watcher.interval, 2.0)
        self.assertEqual(self.watch(notify=False).interval, 0.5)
        self.assertEqual(repr(watcher), "<Watcher {!r} (polling)>".format(self.path("{pkg}")))

    def test_polling_with_the_reason_where_notification_cannot_work(self) -> None:
        with mock.patch.object(sys, "platform", "darwin"):
            watcher = self.watch(notify=True)
        self.assertEqual(watcher.mode, "polling")
        self.assertEqual(watcher.fallback, "inotify is Linux only (this is darwin)")
        self.assertEqual(watcher.interval, 0.5)
        self.assertEqual(
            repr(watcher),
            "<Watcher {!r} (polling: inotify is Linux only (this is darwin))>".format(
                self.path("{pkg}")))
        self.write("{pkg}/util.py", "VALUE = 2\n")
        report = watcher.check()
        assert report is not None
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 20)


class FirstLookTest(WatcherCase):
    """A watcher learns when made what imports the watched modules: the first save costs like later ones."""

    def test_the_first_check_reads_no_source_the_change_does_not_reach(self) -> None:
        # Modules that hold the package (as `import pkg.other` binds it) may
        # import any of its submodules: learning util's importers on demand
        # reads them all. Made in a fresh state, so nothing was learnt before.
        users = {"{{pkg}}/user{}.py".format(number): (
            "import {pkg}.other\n\ndef total():\n    return {pkg}.other.OTHER\n")
            for number in range(5)}
        self.files(users)
        with State().use():
            for number in range(5):
                self.load("{{pkg}}.user{}".format(number))
            watcher = self.watch()
            read: List[str] = []

            def recording(real: Callable[..., Any]) -> Callable[..., Any]:
                def read_one(name: str, module: types.ModuleType) -> Any:
                    read.append(name)
                    return real(name, module)
                return read_one

            self.write("{pkg}/util.py", "VALUE = 2\n")
            with mock.patch.object(_graph, "_read_source", recording(_graph._read_source)), \
                    mock.patch.object(_graph, "_imports_of", recording(_graph._imports_of)):
                report = watcher.check()
            assert report is not None
            self.assertEqual(report.reloaded, (self.name("{pkg}.util"), self.name("{pkg}.views")))
            self.assertEqual(self.mod("{pkg}.views").SHOWN, 20)
            self.assertEqual(set(read) - {self.name("{pkg}.util"), self.name("{pkg}.views")}, set())

    def test_the_first_check_reads_no_source_of_a_module_it_leaves_loaded(self) -> None:
        # It binds util and reads it only when called (its import-time code
        # reads another import): it stays loaded, and what its functions read
        # was read with its import-time code when the watcher was made.
        self.files({"{pkg}/caller.py": (
            "import os\nimport {pkg}.util\n\nSEPARATOR = os.sep\n\n"
            "def value():\n    return {pkg}.util.VALUE\n")})
        with State().use():
            self.load("{pkg}.caller")
            watcher = self.watch()
            read: List[str] = []
            real = _graph._read_source

            def read_one(name: str, module: types.ModuleType) -> Any:
                read.append(name)
                return real(name, module)

            self.write("{pkg}/util.py", "VALUE = 2\n")
            with mock.patch.object(_graph, "_read_source", read_one):
                report = watcher.check()
            assert report is not None
            self.assertNotIn(self.name("{pkg}.caller"), report.reloaded)
            self.assertEqual(self.mod("{pkg}.caller").value(), 2)
            self.assertNotIn(self.name("{pkg}.caller"), read)

    @unittest.skipIf(sys.platform == "emscripten", "needs threads, which this platform lacks")
    def test_the_thread_writing_bytecode_is_started_by_the_watcher_not_the_first_check(
            self) -> None:
        with mock.patch.object(_transaction, "codes", _transaction._Codes()), \
                mock.patch.object(sys, "dont_write_bytecode", False):
            watcher = self.watch()
            writer = _transaction.codes.writer
            assert writer is not None
            self.assertTrue(writer.is_alive())
            self.write("{pkg}/util.py", "VALUE = 2\n")
            report = watcher.check()
            assert report is not None and report.ok, report
            self.assertIs(_transaction.codes.writer, writer)
            done = _transaction.write_caches()  # nothing left: the reload queued its files
            self.assertIsNone(done)
            self.assertEqual(self.mod("{pkg}.views").SHOWN, 20)
            _transaction.codes.queue.put(None)  # this test's writer ends
            writer.join(5)

    def test_a_watcher_made_while_a_reload_runs_learns_at_its_first_check(self) -> None:
        self.write("{pkg}/other.py", (
            "import reloader\n"
            "OTHER = 2\n"
            "WATCHER = reloader.Watcher({!r}, notify=False, debounce=0)\n".format(self.path("{pkg}"))
        ))
        reloader.reload(self.name("{pkg}.other"))
        watcher = self.mod("{pkg}.other").WATCHER
        self.write("{pkg}/util.py", "VALUE = 3\n")
        report = watcher.check()
        assert report is not None
        self.assertEqual(report.reloaded, (self.name("{pkg}.util"), self.name("{pkg}.views")))
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 30)

    def test_a_first_look_that_fails_when_made_is_taken_again_at_the_first_check(self) -> None:
        self.assertIsNone(self.watcher.check())  # it noted what each module runs
        self.write("{pkg}/util.py", "VALUE = 4\n")
        with mock.patch.object(_watch.Watcher, "_edited_before", side_effect=OSError("no")):
            watcher = self.watch()
        report = watcher.check()
        assert report is not None
        self.assertEqual(report.reloaded, (self.name("{pkg}.util"), self.name("{pkg}.views")))
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 40)

    @unittest.skipIf(sys.platform == "emscripten", "needs threads, which this platform lacks")
    def test_learning_waits_for_no_reload_and_changes_nothing_during_one(self) -> None:
        # A watcher made on another thread while this one reloads does not
        # wait for the reload, nor look at its half-done module table.
        results: List[bool] = []
        self.write("{pkg}/other.py", (
            "import threading\n"
            "from reloader import _reload\n"
            "OTHER = 2\n"
            "thread = threading.Thread(target=lambda: RESULTS.append(_reload.learn_importers([])))\n"
            "thread.start()\n"
            "thread.join(10)\n"
        ))
        self.mod("{pkg}.other").RESULTS = results
        with mock.patch.dict(sys.modules["builtins"].__dict__, {"RESULTS": results}):
            reloader.reload(self.name("{pkg}.other"))
        self.assertEqual(results, [False])
        self.assertTrue(_reload.learn_importers([self.name("{pkg}.util")]))


@unittest.skipUnless(LINUX, "inotify is Linux only")
class NotifiedTest(WatcherCase):
    """With notification, a check that finds nothing reads nothing, and no change is lost."""

    def test_a_check_that_finds_nothing_reads_no_file_and_no_module(self) -> None:
        def refuse(*_: Any, **__: Any) -> None:
            raise AssertionError("looked at files or modules with nothing to look at")

        with mock.patch("os.stat", refuse), mock.patch("os.lstat", refuse), \
                mock.patch("os.scandir", refuse), mock.patch("os.walk", refuse), \
                mock.patch.object(_discovery, "describe_loaded", refuse), \
                mock.patch.object(_discovery, "describe", refuse):
            for _ in range(3):
                self.assertIsNone(self.watcher.check())
                self.assertIsNone(self.watcher.poll())
        self.write("{pkg}/util.py", "VALUE = 2\n")
        self.assertIsNotNone(self.watcher.check())
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 20)

    def test_lost_events_mean_one_full_scan_never_a_missed_change(self) -> None:
        self.assertIsNone(self.watcher.check())
        self.write("{pkg}/util.py", "VALUE = 2\n")
        self.write("{pkg}/other.py", "OTHER = 2\n")
        real_read, reads = os.read, [0]

        def overflowing(fd: int, size: int) -> bytes:
            # What the kernel does when the queue is full: events dropped, one marker.
            reads[0] += 1
            if reads[0] > 1:
                raise BlockingIOError
            while True:
                try:
                    real_read(fd, size)
                except BlockingIOError:
                    return struct.pack("iIII", -1, 0x4000, 0, 0)  # IN_Q_OVERFLOW

        with mock.patch.object(_inotify.os, "read", overflowing), \
                mock.patch.object(_watch.Scanner, "_full_scan", autospec=True,
                                  side_effect=_watch.Scanner._full_scan) as full_scan:
            report = self.watcher.check()
        assert report is not None
        self.assertEqual(full_scan.call_count, 1)
        self.assertEqual(sorted(report.reloaded), sorted(
            [self.name("{pkg}.util"), self.name("{pkg}.views"), self.name("{pkg}.other")]))
        self.assertEqual((self.mod("{pkg}.views").SHOWN, self.mod("{pkg}.other").OTHER), (20, 2))
        self.assertIsNone(self.watcher.check())
        self.write("{pkg}/util.py", "VALUE = 3\n")  # notified again after the full scan
        self.assertIsNotNone(self.watcher.check())
        self.assertEqual((self.watcher.mode, self.mod("{pkg}.views").SHOWN), ("inotify", 30))

    def test_a_moved_folder_means_one_full_scan(self) -> None:
        self.write("{pkg}/data/__init__.py", "")
        self.assertIsNone(self.watcher.check())
        os.rename(self.path("{pkg}/data"), self.path("{pkg}/moved"))
        self.write("{pkg}/util.py", "VALUE = 2\n")
        report = self.watcher.check()
        assert report is not None
        self.assertEqual(report.reloaded, (self.name("{pkg}.util"), self.name("{pkg}.views")))
        self.write("{pkg}/moved/__init__.py", "X = 1\n")
        self.write("{pkg}/util.py", "VALUE = 3\n")
        self.assertIsNotNone(self.watcher.check())
        self.assertEqual((self.watcher.mode, self.mod("{pkg}.views").SHOWN), ("inotify", 30))

    def test_too_many_watches_on_the_way_falls_back_to_polling(self) -> None:
        self.assertIsNone(self.watcher.check())
        reason = "too many inotify watches (fs.inotify.max_user_watches); raise it with sysctl"

        def refuse(*_: Any) -> None:
            raise _inotify.Unavailable(reason)

        with mock.patch.object(_inotify.Notifier, "_watch", refuse):
            self.write("{pkg}/sub/__init__.py", "")  # a new folder needs a new watch
            self.write("{pkg}/util.py", "VALUE = 2\n")
            report = self.watcher.check()
        assert report is not None
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 20)
        self.assertEqual((self.watcher.mode, self.watcher.fallback), ("polling", reason))
        self.assertEqual(self.watcher.interval, 0.5)
        self.write("{pkg}/util.py", "VALUE = 3\n")
        self.assertIsNotNone(self.watcher.check())
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 30)

    def test_delete_and_recreate_in_one_burst_is_one_edit(self) -> None:
        watcher = self.watch(debounce=0.5)
        os.remove(self.path("{pkg}/util.py"))
        self.assertIsNone(watcher.poll())
        self.clock.now += 0.1
        self.write("{pkg}/util.py", "VALUE = 6\n")
        self.assertIsNone(watcher.poll())
        self.clock.now += 0.5
        report = watcher.poll()
        assert report is not None
        self.assertEqual(report.missing, ())
        self.assertEqual(report.reloaded, (self.name("{pkg}.util"), self.name("{pkg}.views")))
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 60)

    def test_a_change_notification_wakes_the_background_thread(self) -> None:
        reports: List[reloader.Report] = []
        done = threading.Event()
        views = self.name("{pkg}.views")

        def on_report(report: reloader.Report) -> None:
            reports.append(report)
            if sys.modules[views].SHOWN == 40:  # the last save is running
                done.set()

        # Only a change can wake it: the first scheduled check is an hour away.
        watcher = self.watch(on_report=on_report, interval=3600, debounce=0.05,
                             clock=time.monotonic)
        with watcher:
            for value in (2, 3, 4):
                self.write("{pkg}/util.py", "VALUE = {}\n".format(value))
            self.assertTrue(done.wait(20), "the notification did not wake the watcher")
        self.assertTrue(all(report.ok for report in reports), reports)


class EditorSaveTest(WatcherCase):
    """Real editors' saves, each its own way, seen as one edit of the file."""

    def save_with(self, command: List[str], script: str = "") -> None:
        """Run the editor on util.py (`script` on its standard input) to make VALUE 2."""
        program = shutil.which(command[0])
        if program is None:
            self.skipTest("{} is not installed".format(command[0]))
        path = self.path("{pkg}/util.py")
        inode = os.stat(path).st_ino
        subprocess.run([program] + command[1:] + [path], input=script, text=True, check=True,
                       timeout=60, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(path) as handle:
            self.assertEqual(handle.read(), "VALUE = 2\n")
        report = self.watcher.check()
        assert report is not None
        self.assertTrue(report.ok, report)
        self.assertEqual(report.reloaded, (self.name("{pkg}.util"), self.name("{pkg}.views")))
        self.assertEqual(self.mod("{pkg}.views").SHOWN, 20)
        self.assertIsNone(self.watcher.check())  # one save, one reload
        self.inode_changed = os.stat(path).st_ino != inode

    def vim(self, options: str) -> List[str]:
        # backupskip= : Vim skips the backup dance for files under /tmp by default.
        return ["vim", "-Nu", "NONE", "-i", "NONE", "-es", "-c", "set " + options,
                "-c", "%s/VALUE = 1/VALUE = 2/", "-c", "wq"]

    def test_vim_writing_in_place(self) -> None:
        self.save_with(self.vim("backupcopy=yes writebackup backupskip="))
        self.assertFalse(self.inode_changed)

    def test_vim_renaming_the_original_and_writing_a_new_file(self) -> None:
        self.save_with(self.vim("backupcopy=no writebackup backupskip="))
        self.assertTrue(self.inode_changed)

    def test_sed_renaming_a_temporary_file_over_it(self) -> None:
        self.save_with(["sed", "-i", "s/VALUE = 1/VALUE = 2/"])
        self.assertTrue(self.inode_changed)

    def test_ed_truncating_and_writing(self) -> None:
        self.save_with(["ed", "-s"], ",s/VALUE = 1/VALUE = 2/\nw\nq\n")
        self.assertFalse(self.inode_changed)


class BackgroundThreadTest(unittest.TestCase):
    def test_callbacks_run_in_due_order_and_close_drops_the_rest(self) -> None:
        from reloader._schedule import BackgroundThread

        thread = BackgroundThread("test")
        ran: List[str] = []
        done = threading.Event()
        thread(lambda: ran.append("late"), 3600)
        thread(lambda: (ran.append("second"), done.set()), 0.02)
        thread(lambda: ran.append("first"), 0)
        self.assertTrue(done.wait(20))
        thread.close()
        self.assertEqual(ran, ["first", "second"])
        with self.assertRaisesRegex(RuntimeError, "is closed"):
            thread(lambda: None, 0)

    @unittest.skipUnless(os.name == "posix", "waits on a pipe")
    def test_a_readable_descriptor_runs_the_next_callback_at_once(self) -> None:
        read, write = os.pipe()
        self.addCleanup(os.close, read)
        self.addCleanup(os.close, write)
        self.wake_on(read, write)

    @unittest.skipUnless(os.name == "posix" and sys.platform != "emscripten",
                         "needs the resource module and raising the descriptor limit, which "
                         "this platform lacks")
    def test_a_descriptor_numbered_past_what_select_takes(self) -> None:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < 2048:
            self.skipTest("at most {} open files here".format(hard))
        if soft != resource.RLIM_INFINITY and soft < 2048:
            resource.setrlimit(resource.RLIMIT_NOFILE, (2048, hard))
            self.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE, (soft, hard))
        read, write = os.pipe()
        self.addCleanup(os.close, write)
        high = 1500
        os.dup2(read, high)  # as in a server with many connections open
        os.close(read)
        self.addCleanup(os.close, high)
        self.wake_on(high, write)

    @unittest.skipUnless(os.name == "posix", "waits on a pipe")
    def test_a_descriptor_it_cannot_wait_on_leaves_it_to_its_clock(self) -> None:
        from reloader import _schedule

        thread = _schedule.BackgroundThread("test", wake=lambda: 12345)
        done = threading.Event()
        with mock.patch.object(_schedule, "_readable", side_effect=OSError("bad descriptor")), \
                self.assertLogs("reloader.schedule", "ERROR") as logs:
            thread(done.set, 0.5)
            self.assertTrue(done.wait(20))
        thread.close(timeout=20)
        self.assertIn("'test' cannot wait on descriptor 12345; it keeps to its clock",
                      logs.output[0])

    def wake_on(self, read: int, write: int) -> None:
        from reloader._schedule import BackgroundThread

        thread = BackgroundThread("test", wake=lambda: read)
        ran: List[bytes] = []
        done = threading.Event()
        thread(lambda: (ran.append(os.read(read, 10)), done.set()), 3600)
        thread(lambda: ran.append(b"later"), 7200)
        os.write(write, b"x")
        self.assertTrue(done.wait(20), "the readable descriptor did not wake the thread")
        self.assertEqual(ran, [b"x"])
        thread.close(timeout=20)  # interrupts the wait for the descriptor
        worker = thread._thread
        assert worker is not None
        self.assertFalse(worker.is_alive())
        self.assertEqual(ran, [b"x"])


# Every watcher behaviour holds when polling, too.
class PollingDetectionTest(DetectionTest):
    notify = False


class PollingEarlierEditsTest(EarlierEditsTest):
    notify = False


class PollingBurstTest(BurstTest):
    notify = False


class PollingFailureTest(FailureTest):
    notify = False


class PollingScheduleTest(ScheduleTest):
    notify = False


class PollingEditorSaveTest(EditorSaveTest):
    notify = False


if __name__ == "__main__":
    unittest.main()
