"""The host seam: what the core does with an installed Host around a reload."""

import unittest
from typing import Callable, List, Optional, Sequence

import reloader
from tests.support import PackageCase


class HostSeamTest(PackageCase):
    def install(self, host: reloader.Host) -> None:
        self.addCleanup(reloader.use_host(host))

    def test_before_purge_undo_runs_only_when_the_reload_is_restored(self) -> None:
        calls: List[str] = []

        def before_purge(names: Sequence[str]) -> Optional[Callable[[], None]]:
            calls.append("teardown " + ",".join(names))
            return lambda: calls.append("undo")

        self.install(reloader.Host("test", before_purge=before_purge,
                                   after_import=lambda names: calls.append("after")))
        self.write("{pkg}/__init__.py", "X = 1\n")
        self.load("{pkg}")
        reloader.reload(self.pkg)
        self.assertEqual(calls, ["teardown " + self.pkg, "after"])

        del calls[:]
        self.write("{pkg}/__init__.py", "raise RuntimeError('broken')\n")
        with self.assertRaises(reloader.ReloadError):
            reloader.reload(self.pkg)
        self.assertEqual(calls, ["teardown " + self.pkg, "undo"])

    def test_undo_callables_run_in_reverse_order(self) -> None:
        calls: List[str] = []

        def cleanup(owned: reloader.Owned) -> Callable[[], None]:
            calls.append("cleanup")
            return lambda: calls.append("undo cleanup")

        self.install(reloader.Host(
            "test",
            before_purge=lambda names: (lambda: calls.append("undo teardown")),
            cleanups=[cleanup],
        ))
        self.write("{pkg}/__init__.py", "X = 1\n")
        self.load("{pkg}")
        self.write("{pkg}/__init__.py", "X = \n")  # a syntax error purges nothing
        with self.assertRaises(reloader.ReloadError):
            reloader.reload(self.pkg)
        self.assertEqual(calls, [])
        self.write("{pkg}/__init__.py", "X = undefined_name\n")
        with self.assertRaises(reloader.ReloadError):
            reloader.reload(self.pkg)
        self.assertEqual(calls, ["cleanup", "undo cleanup", "undo teardown"])

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

    def test_owned_by_looks_through_methods_and_partials(self) -> None:
        import functools

        self.write("{pkg}/__init__.py", """
            class Tool:
                def run(self):
                    return 1

            def hook():
                return 2
        """)
        module = self.load("{pkg}")
        owned = reloader.owned_by([self.pkg])
        self.assertTrue(owned(module.hook))
        self.assertTrue(owned(module.Tool().run))
        self.assertTrue(owned(functools.partial(module.hook)))
        self.assertTrue(owned(module.Tool()))
        self.assertFalse(owned(len))
        self.assertFalse(reloader.owned_by([self.pkg + "x"])(module.hook))


if __name__ == "__main__":
    unittest.main()
