"""The host seam: checking a Host at use_host, its hooks around a reload, the helpers."""

import functools
import sys
import threading
import types
import unittest
from typing import Callable, List, Sequence

import reloader
from reloader import _host
from reloader._host import owned_by
from tests.support import PackageCase


class HostSeamTest(PackageCase):
    def install(self, host: reloader.Host) -> None:
        self.addCleanup(reloader.use_host(host))

    def recording_hook(self, calls: List[str], label: str) -> reloader.Host.Hook:
        def hook(names: Sequence[str], owned: reloader.Host.Owned) -> reloader.Host.Finish:
            calls.append("{} {}".format(label, ",".join(names)))
            return lambda imported: calls.append("{} finish {}".format(label, imported))

        return hook

    def test_finish_is_told_whether_the_new_modules_were_imported(self) -> None:
        calls: List[str] = []
        self.install(reloader.Host("test", hooks=[self.recording_hook(calls, "a")]))
        self.write("{pkg}/__init__.py", "X = 1\n")
        self.load("{pkg}")
        reloader.reload(self.pkg)
        self.assertEqual(calls, ["a " + self.pkg, "a finish True"])

        del calls[:]
        self.write("{pkg}/__init__.py", "raise RuntimeError('broken')\n")
        with self.assertRaises(reloader.ReloadError):
            reloader.reload(self.pkg)
        self.assertEqual(calls, ["a " + self.pkg, "a finish False"])

    def test_hooks_run_in_order_and_finish_in_reverse_after_a_failure(self) -> None:
        calls: List[str] = []
        self.install(reloader.Host("test", hooks=[
            self.recording_hook(calls, "a"), self.recording_hook(calls, "b")]))
        self.write("{pkg}/__init__.py", "X = 1\n")
        self.load("{pkg}")
        self.write("{pkg}/__init__.py", "X = \n")  # a syntax error purges nothing
        with self.assertRaises(reloader.ReloadError):
            reloader.reload(self.pkg)
        self.assertEqual(calls, [])
        self.write("{pkg}/__init__.py", "X = undefined_name\n")
        with self.assertRaises(reloader.ReloadError):
            reloader.reload(self.pkg)
        self.assertEqual(calls, ["a " + self.pkg, "b " + self.pkg, "b finish False",
                                 "a finish False"])

    def test_a_hook_that_returns_no_finish_fails_the_reload_and_restores(self) -> None:
        def forgetful(names: Sequence[str], owned: reloader.Host.Owned) -> reloader.Host.Finish:
            return None  # type: ignore[return-value]

        self.install(reloader.Host("test", hooks=[forgetful]))
        self.write("{pkg}/__init__.py", "X = 1\n")
        old = self.load("{pkg}")
        self.write("{pkg}/__init__.py", "X = 2\n")
        with self.assertRaises(Exception) as caught:
            reloader.reload(self.pkg)
        # Raised as is, or as the error of a ReloadError's report: the same error.
        error = getattr(caught.exception, "report", None)
        error = caught.exception if error is None else error.error
        self.assertIsInstance(error, TypeError)
        self.assertEqual(str(error), "host 'test': hook {!r} returned None; a hook returns "
                                     "finish(imported)".format(forgetful.__name__))
        self.assertIs(sys.modules[self.pkg], old)
        self.assertEqual(old.X, 1)


class UseHostChecksTest(unittest.TestCase):
    def refused(self, host: reloader.Host) -> str:
        with self.assertRaises(TypeError) as caught:
            reloader.use_host(host)
        return str(caught.exception)

    def test_a_hook_of_the_wrong_shape_is_refused_at_use_host(self) -> None:
        def cleanup(owned: object) -> Callable[[], None]:
            return lambda: None

        self.assertEqual(
            self.refused(reloader.Host("maya", hooks=[cleanup])),
            "host 'maya': hook {!r} cannot work; a hook is hook(names, owned) and returns "
            "finish(imported)".format(cleanup))

    def test_a_hook_annotated_to_return_none_is_refused(self) -> None:
        def teardown(names: Sequence[str], owned: object) -> None:
            return None

        self.assertEqual(
            self.refused(reloader.Host("maya", hooks=[teardown])),  # type: ignore[list-item]
            "host 'maya': hook {!r} cannot work; a hook returns finish(imported), "
            "not None".format(teardown))

    def test_schedule_and_show_are_checked(self) -> None:
        def schedule(callback: Callable[[], None]) -> None:
            callback()

        self.assertEqual(
            self.refused(reloader.Host("nuke", schedule=schedule)),  # type: ignore[arg-type]
            "host 'nuke': schedule {!r} cannot work; a schedule is schedule(callback, delay)"
            .format(schedule))
        self.assertEqual(self.refused(reloader.Host("nuke", show="console")),  # type: ignore
                         "host 'nuke': show 'console' cannot work; show is show(report)")
        # A builtin is trusted: its signature cannot always be read.
        reloader.use_host(reloader.Host("ok", schedule=lambda c, d: None, show=print))()

    def test_a_bad_protected_prefix_is_refused(self) -> None:
        self.assertEqual(self.refused(reloader.Host("x", protected=["maya cmds"])),
                         "host 'x': protected prefix 'maya cmds' cannot work; give dotted "
                         "module names, such as 'maya'")
        with self.assertRaises(TypeError) as caught:
            reloader.Host("x", protected="maya")
        self.assertEqual(str(caught.exception), "protected takes a sequence of dotted names, "
                                                "such as ('maya',), not the string 'maya'")

    def test_one_hook_given_for_a_sequence_is_refused(self) -> None:
        def remove_callbacks(names: Sequence[str], owned: object) -> Callable[[bool], None]:
            return lambda imported: None

        with self.assertRaises(TypeError) as caught:
            reloader.Host("x", hooks=remove_callbacks)  # type: ignore[arg-type]
        self.assertEqual(str(caught.exception), "hooks takes a sequence of hooks, such as "
                         "(remove_callbacks,), not the hook remove_callbacks itself")


class CallSoonTest(unittest.TestCase):
    def test_call_soon_schedules_or_runs_now_without_an_event_loop(self) -> None:
        ran: List[str] = []
        queued: List[Callable[[], None]] = []
        delays: List[float] = []

        def schedule(callback: Callable[[], None], delay: float) -> None:
            queued.append(callback)
            delays.append(delay)

        reloader.Host("loop", schedule=schedule).call_soon(lambda: ran.append("loop"), 0.5)
        self.assertEqual(ran, [])
        self.assertEqual(delays, [0.5])
        queued[0]()
        self.assertEqual(ran, ["loop"])
        reloader.Host("batch").call_soon(lambda: ran.append("batch"))
        self.assertEqual(ran, ["loop", "batch"])

    def test_post_later_posts_now_or_from_a_timer_thread(self) -> None:
        posted: List[str] = []
        threads: List[threading.Thread] = []
        done = threading.Event()

        def post(callback: Callable[[], None]) -> None:
            threads.append(threading.current_thread())
            callback()

        schedule = reloader.Host.post_later(post)
        schedule(lambda: posted.append("now"), 0)
        self.assertEqual(posted, ["now"])
        self.assertIs(threads[0], threading.current_thread())
        schedule(lambda: (posted.append("later"), done.set()), 0.01)
        self.assertTrue(done.wait(10))
        self.assertEqual(posted, ["now", "later"])
        self.assertIsNot(threads[1], threading.current_thread())
        self.assertTrue(threads[1].daemon)


class TryReloadTest(PackageCase):
    def test_every_outcome_is_a_report(self) -> None:
        self.write("{pkg}/__init__.py", "X = 1\n")
        old = self.load("{pkg}")
        self.write("{pkg}/__init__.py", "X = 2\n")
        report = reloader.try_reload(self.pkg)
        self.assertTrue(report.ok)
        self.assertEqual(self.mod("{pkg}").X, 2)

        path = self.write("{pkg}/__init__.py", "X = 3\nundefined_name\n")
        new = sys.modules[self.pkg]
        report = reloader.try_reload(self.pkg)
        self.assertIsNot(new, old)
        self.assertIs(sys.modules[self.pkg], new)
        self.assertEqual(str(report), "reloading {!r} failed at {}:2: NameError: name "
                         "'undefined_name' is not defined; restored 1 module to its previous "
                         "state".format(self.pkg, path))

        report = reloader.try_reload(self.pkg + "_missing")
        self.assertIsInstance(report.error, ValueError)
        self.assertEqual(str(report), "no loaded module matches {!r}; import it first, or "
                         "check the spelling".format(self.pkg + "_missing"))
        self.assertEqual(report.format(), str(report))
        self.assertFalse(report.ok)
        self.assertEqual(report.reloaded, ())
        self.assertIsInstance(reloader.try_reload(3).error, TypeError)

    def test_a_reload_asked_for_during_a_reload_is_a_report(self) -> None:
        self.write("{pkg}/__init__.py", """
            import reloader
            REPORT = reloader.try_reload("{pkg}") if "{pkg}" in __import__("sys").modules else None
        """)
        self.load("{pkg}")
        report = reloader.try_reload(self.pkg)
        self.assertTrue(report.ok, report)
        inner = self.mod("{pkg}").REPORT
        self.assertIsInstance(inner.error, RuntimeError)


class OwnedByTest(PackageCase):
    def test_owned_by_looks_through_methods_and_partials(self) -> None:
        self.write("{pkg}/__init__.py", """
            class Tool:
                def run(self):
                    return 1

            def hook():
                return 2
        """)
        module = self.load("{pkg}")
        owned = owned_by([self.pkg])
        self.assertTrue(owned(module.hook))
        self.assertTrue(owned(module.Tool().run))
        self.assertTrue(owned(functools.partial(module.hook)))
        self.assertTrue(owned(module.Tool()))
        self.assertFalse(owned(len))
        self.assertFalse(owned_by([self.pkg + "x"])(module.hook))


REGISTRY = """
import reloader_test_registry as registry

VERSION = {version!r}

def listener():
    return VERSION

registry.LISTENERS.append(listener)
registry.BY_NAME["{{pkg}}"] = listener
{tail}
"""


class HostHelpersTest(PackageCase):
    """What an adapter's user asks for, run by the host; the helpers a hook is made of."""

    def setUp(self) -> None:
        super().setUp()
        self.registry = types.ModuleType("reloader_test_registry")
        self.registry.LISTENERS, self.registry.BY_NAME = [print], {"other": print}
        sys.modules["reloader_test_registry"] = self.registry
        self.addCleanup(sys.modules.pop, "reloader_test_registry", None)
        self.shown: List[reloader.Report] = []
        self.posted: List[Callable[[], None]] = []
        self.host = reloader.Host(
            "helpers", show=self.shown.append, hooks=[self.take_out_listeners],
            schedule=lambda callback, delay: self.posted.append(callback))
        self.addCleanup(reloader.use_host(self.host))
        self.write("{pkg}/__init__.py", REGISTRY.format(version="v1", tail=""))
        self.load("{pkg}")

    def take_out_listeners(self, names: Sequence[str],
                           owned: reloader.Host.Owned) -> reloader.Host.Finish:
        return reloader.Host.take_out(
            lambda: [self.registry.LISTENERS, self.registry.BY_NAME], owned)

    def listeners(self) -> List[object]:
        return [f() if f is not print else "print" for f in self.registry.LISTENERS]

    def test_reload_shows_and_remembers_and_reload_later_waits_for_the_schedule(self) -> None:
        self.write("{pkg}/__init__.py", REGISTRY.format(version="v2", tail=""))
        report = self.host.reload(self.pkg)
        self.assertTrue(report.ok, report.format())
        self.assertEqual((self.shown, self.host.report, self.host.last), ([report], report,
                                                                            (self.pkg,)))
        self.assertEqual(self.listeners(), ["print", "v2"])  # taken out, then added once
        self.write("{pkg}/__init__.py", REGISTRY.format(version="v3", tail=""))
        self.host.reload_later(self.pkg)
        self.assertEqual(len(self.shown), 1)
        self.posted.pop()()
        self.assertEqual(len(self.shown), 2)
        self.assertEqual(self.listeners(), ["print", "v3"])
        self.assertEqual(self.host.reload(self.pkg + "_missing").ok, False)
        self.assertEqual(self.host.last, (self.pkg + "_missing",))

    def test_take_out_puts_entries_back_in_place_without_what_the_failed_attempt_added(
            self) -> None:
        old = self.registry.LISTENERS[1]
        self.write("{pkg}/__init__.py", REGISTRY.format(version="v2", tail="undefined_name"))
        report = self.host.reload(self.pkg)
        self.assertFalse(report.ok)
        self.assertEqual(self.registry.LISTENERS, [print, old])
        self.assertEqual(self.registry.BY_NAME, {"other": print, self.pkg: old})

    def test_take_adds_back_only_what_is_not_back_and_warns_of_what_stays(self) -> None:
        registered = {"a", "b", "stuck"}

        def remove(thing: str) -> None:
            if thing == "stuck":
                raise RuntimeError("in use")
            registered.discard(thing)

        finish = reloader.Host.take(["a", "b", "stuck"], remove, registered.add,
                                    registered.__contains__)
        self.assertEqual(registered, {"stuck"})
        registered.add("b")  # the old code registered it again itself
        warnings = finish(False)
        self.assertEqual(registered, {"a", "b", "stuck"})
        self.assertEqual(len(warnings or []), 1)
        self.assertRegex((warnings or [""])[0], r"^removing 'stuck' failed at .*: "
                                                r"RuntimeError: in use$")

    def test_a_finish_may_warn_and_a_finish_that_raises_fails_the_reload(self) -> None:
        outcomes: List[object] = [["one warning"], ValueError("register failed")]

        def hook(names: Sequence[str], owned: reloader.Host.Owned) -> reloader.Host.Finish:
            outcome = outcomes.pop(0)

            def finish(imported: bool) -> List[str]:
                if isinstance(outcome, Exception):
                    raise outcome
                return list(outcome)  # type: ignore[call-overload]

            return finish

        self.addCleanup(reloader.use_host(reloader.Host("warning", hooks=[hook])))
        report = reloader.reload(self.pkg)
        self.assertTrue(report.ok)
        self.assertEqual(report.warnings, ["one warning"])
        report = reloader.try_reload(self.pkg)
        self.assertFalse(report.ok)
        self.assertFalse(report.rolled_back)
        self.assertEqual(str(report.error), "register failed")
        self.assertIn("the 'warning' host's hook", report.failed_in)

    def test_an_error_a_finish_returns_fails_the_reload_in_the_users_frames(self) -> None:
        def hook(names: Sequence[str], owned: reloader.Host.Owned) -> reloader.Host.Finish:
            def finish(imported: bool) -> List[object]:
                try:
                    sys.modules[self.pkg].register()
                except Exception as error:
                    return ["kept warning", error]
                return []

            return finish

        self.addCleanup(reloader.use_host(reloader.Host("returns", hooks=[hook])))
        path = self.write("{pkg}/__init__.py", REGISTRY.format(
            version="v2", tail="def register():\n    raise KeyError('no')\n"))
        report = reloader.try_reload(self.pkg)
        self.assertFalse(report.ok)
        self.assertEqual(report.warnings, ["kept warning"])
        self.assertEqual(report.message(), "reloading failed in the 'returns' host's hook 'hook' "
                         "at {}:12: KeyError: 'no'; the new code stays loaded".format(path))
        trace = report.format().split("Traceback (most recent call last):\n")[1]
        self.assertEqual(trace.splitlines()[0], '  File "{}", line 12, in register'.format(path))
        self.assertNotIn(__file__.rstrip("c"), trace)  # the hook's frames are the adapter's

    def test_watch_reloads_on_save_and_uninstalling_stops_it(self) -> None:
        self.assertEqual(self.host.watch(self.pkg, interval=60.0),
                         "reloading {!r} when a file under {} is saved".format(
                             self.pkg, self.path("{pkg}")))
        watcher = self.host.watcher
        assert watcher is not None
        self.assertEqual((self.host.watched, watcher.running), (self.pkg, True))
        self.write("{pkg}/__init__.py", REGISTRY.format(version="v2", tail=""))
        watcher.check()
        self.assertEqual(self.host.report, self.shown[-1])
        self.assertEqual(self.listeners(), ["print", "v2"])
        with self.assertRaisesRegex(ValueError, "^'sys' is not a loaded module with a file"):
            self.host.watch("sys")
        self.assertIsNone(self.host.watcher)
        self.host.watch(self.pkg, interval=60.0)
        watcher = self.host.watcher
        reloader.use_host(self.host)()
        self.assertIsNone(self.host.watcher)
        self.assertFalse(watcher is not None and watcher.running)

    def test_installing_twice_returns_the_same_uninstall(self) -> None:
        self.assertIs(reloader.use_host(self.host), reloader.use_host(self.host))
        self.assertEqual([h for h in _host.installed() if h is self.host], [self.host])

    def test_the_tracker_redoes_what_a_failed_reload_removed(self) -> None:
        made: dict = {}
        ids = iter(range(1, 100))

        def add(callback: Callable[[], object]) -> int:
            made[next(ids)] = callback
            return max(made)

        def remove(callback_id: int) -> None:
            if made.pop(callback_id, None) is None:
                raise RuntimeError("no such callback")

        tracker = reloader.Host.Tracker()
        self.registry.add = tracker.record(add, remove)
        self.registry.remove = tracker.forget(remove)
        self.addCleanup(reloader.use_host(reloader.Host("tracker", hooks=[tracker.hook])))
        tail = "ID = registry.add(listener)\nregistry.add(print)\n"
        self.write("{pkg}/__init__.py", REGISTRY.format(version="v1", tail=tail))
        reloader.reload(self.pkg)
        self.assertEqual(sorted(f() for f in made.values() if f is not print), ["v1"])
        self.write("{pkg}/__init__.py", REGISTRY.format(version="v2", tail=tail + "oops\n"))
        self.assertFalse(reloader.try_reload(self.pkg).ok)
        self.assertEqual(sorted(f() for f in made.values() if f is not print), ["v1"])
        (listener_id,) = [i for i, f in made.items() if f is not print]  # put back: a new id
        self.registry.remove(listener_id)  # the owner removed it: forgotten
        self.write("{pkg}/__init__.py", REGISTRY.format(version="v3", tail=tail))
        self.assertTrue(reloader.reload(self.pkg).ok)
        self.assertEqual(sorted(f() for f in made.values() if f is not print), ["v3"])
        self.assertEqual(tracker.skipped, [])
        dropped = self.mod("{pkg}").ID
        made.pop(dropped)  # the host dropped it: skipped and told
        self.assertTrue(reloader.reload(self.pkg).ok)
        self.assertEqual(tracker.skipped, ["callback {}: no such callback".format(dropped)])


if __name__ == "__main__":
    unittest.main()
