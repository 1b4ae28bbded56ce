"""The host seam: checking a Host at use_host, its hooks around a reload, the helpers."""

import functools
import sys
import threading
import unittest
from typing import Callable, List, Sequence

import reloader
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


if __name__ == "__main__":
    unittest.main()
