"""The web front, with standard-library apps: reloads wait for requests, requests for reloads.

The real frameworks are tested in tests/web/test_servers.py (they need a
virtual environment); here a WSGI function and an ASGI coroutine in a
throwaway package stand in for the app, and the front's own methods play
the server and its watcher thread.
"""

import asyncio
import io
import sys
import threading
import unittest
from typing import Any, Callable, Dict, List, Optional
from unittest import mock

from reloader import Watcher, _web
from tests.support import PackageCase

WSGI_APP = """
import threading
VERSION = {version}
gate = threading.Event()
def app(environ, start_response):
    if environ.get("wait"):
        environ["entered"].set()
        environ["release"].wait(30)
    start_response("200 OK", [])
    return [b"%d" % VERSION]
"""

ASGI_APP = """
import threading
VERSION = {version}
IMPORTED_ON = threading.get_ident()
async def app(scope, receive, send):
    if scope.get("wait"):
        scope["entered"].set()
        await scope["release"].wait()
    await send({{"version": VERSION}})
"""


class RecognitionTest(unittest.TestCase):
    def test_the_usual_command_lines(self) -> None:
        cases = [
            (["flask", "--app", "app", "run"], True, "._web_flask"),
            (["uvicorn", "main:app", "--reload"], True, "._web_uvicorn"),
            (["manage.py", "runserver", "--noreload"], False, "._web_django"),
            (["django", "runserver"], True, "._web_django"),
        ]
        for program, is_module, adapter in cases:
            server = _web.server_for(program, is_module)
            assert server is not None, program
            self.assertEqual(server._adapter.__name__, "reloader" + adapter)
        self.assertEqual(_web.server_for(["flask", "run"], True).default_watch(), ".")  # type: ignore[union-attr]
        self.assertIsNone(_web.server_for(["manage.py", "runserver"], False).default_watch())  # type: ignore[union-attr]

    def test_other_programs_are_left_alone(self) -> None:
        for program, is_module in [
            (["manage.py", "migrate"], False), (["app.py"], False), (["flask"], False),
            (["http.server"], True),
        ]:
            self.assertIsNone(_web.server_for(program, is_module), program)


class FrontCase(PackageCase):
    source = WSGI_APP

    def setUp(self) -> None:
        super().setUp()
        self.write("{pkg}/__init__.py", "")
        self.write("{pkg}/app.py", self.source.format(version=1))
        self.load("{pkg}.app")
        self.watcher = Watcher(self.path("{pkg}"), on_report=self.reports.append)
        name = self.pkg + ".app"
        self.front = self.make(self.watcher, _web.from_global(name, "app"), name)

    @property
    def reports(self) -> List[Any]:
        if not hasattr(self, "_reports"):
            self._reports: List[Any] = []
        return self._reports

    def make(self, watcher: Watcher, locate: _web.Locate, module: str) -> _web.Front:
        return _web.WsgiFront(watcher, locate, module)

    def edit(self, version: int) -> None:
        self.write("{pkg}/app.py", self.source.format(version=version))


class WsgiFrontTest(FrontCase):
    def request(self, **environ: Any) -> bytes:
        front = self.front
        assert isinstance(front, _web.WsgiFront)
        response = front(environ, lambda status, headers: None)
        try:
            return b"".join(response)
        finally:
            response.close()  # type: ignore[attr-defined]

    def test_a_reload_waits_for_the_request_in_flight_and_the_next_one_for_the_reload(self) -> None:
        entered, release = threading.Event(), threading.Event()
        answers: Dict[str, bytes] = {}
        first = threading.Thread(target=lambda: answers.update(
            first=self.request(wait=True, entered=entered, release=release)))
        first.start()
        self.assertTrue(entered.wait(30))
        self.edit(2)
        reload = threading.Thread(target=self.front._reload_between_requests)
        reload.start()
        with self.front._condition:
            self.assertTrue(self.front._condition.wait_for(lambda: self.front._closed, 30))
        second = threading.Thread(target=lambda: answers.update(second=self.request()))
        second.start()
        self.assertEqual(self.front.reloads, 0)  # the first request still runs
        release.set()
        for thread in (first, reload, second):
            thread.join(30)
        self.assertEqual(answers, {"first": b"1", "second": b"2"})
        self.assertEqual(self.front.reloads, 1)
        self.assertEqual(len(self.reports), 1)
        self.assertEqual(self.front._in_flight, 0)

    def test_a_request_that_runs_on_and_on_holds_the_reload_only_so_long(self) -> None:
        entered, release = threading.Event(), threading.Event()
        self.addCleanup(release.set)
        first = threading.Thread(target=lambda: self.request(
            wait=True, entered=entered, release=release))
        first.start()
        self.assertTrue(entered.wait(30))
        self.edit(2)
        self.front.drain_seconds = 0.05
        stderr = io.StringIO()
        with mock.patch.object(sys, "stderr", stderr):
            self.front._reload_between_requests()
        self.assertEqual(self.front.reloads, 1)
        self.assertEqual(
            stderr.getvalue(),
            "reloader: reloading while 1 request still runs after 0.05 s (they go on with "
            "the code they started with)\n",
        )
        self.assertEqual(self.request(), b"2")
        release.set()
        first.join(30)
        self.assertEqual(self.front._in_flight, 0)

    def test_a_failed_reload_keeps_serving_the_running_app(self) -> None:
        old = self.front.app
        self.write("{pkg}/app.py", self.source.format(version=2) + "\nraise ValueError('no')\n")
        report = self.front.reload_now()
        assert report is not None
        self.assertFalse(report.ok)
        self.assertIs(self.front.app, old)
        self.assertEqual(self.request(), b"1")

    def test_an_app_that_is_gone_after_the_reload_is_reported_and_the_old_one_kept(self) -> None:
        old = self.front.app
        self.write("{pkg}/app.py", "VERSION = 2\n")
        stderr = io.StringIO()
        with mock.patch.object(sys, "stderr", stderr):
            self.front.reload_now()
        self.assertIs(self.front.app, old)
        self.assertEqual(
            stderr.getvalue(),
            "reloader: the app could not be found again after the reload: AttributeError: "
            "module {!r} has no attribute 'app' any more; still serving the previous "
            "one\n".format(self.pkg + ".app"),
        )

    def test_the_request_ends_when_the_server_closes_the_response(self) -> None:
        response = self.front({}, lambda status, headers: None)  # type: ignore[operator]
        self.assertEqual(self.front._in_flight, 1)
        self.assertEqual(list(response), [b"1"])
        response.close()
        response.close()
        self.assertEqual(self.front._in_flight, 0)


class AsgiFrontTest(FrontCase):
    source = ASGI_APP

    def make(self, watcher: Watcher, locate: _web.Locate, module: str) -> _web.Front:
        return _web.AsgiFront(watcher, locate, module)

    def setUp(self) -> None:
        super().setUp()
        self.loop = asyncio.new_event_loop()
        self.loop_thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.loop_thread.start()

        def close() -> None:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.loop_thread.join(30)
            self.loop.close()

        self.addCleanup(close)

    def on_loop(self, make: Callable[[], Any]) -> Any:
        async def run() -> Any:
            return await make()

        return asyncio.run_coroutine_threadsafe(run(), self.loop)

    def request(self, **scope: Any) -> "asyncio.Future[Any]":
        answers: List[Any] = []

        async def send(message: Any) -> None:
            answers.append(message["version"])

        async def call() -> Any:
            front = self.front
            assert isinstance(front, _web.AsgiFront)
            await front(dict(scope, type="http"), None, send)
            return answers[0]

        return self.on_loop(call)  # type: ignore[no-any-return]

    def test_the_reload_runs_on_the_loop_thread_between_requests(self) -> None:
        entered = threading.Event()
        release: List[Optional[asyncio.Event]] = [None]

        async def make_event() -> asyncio.Event:
            release[0] = asyncio.Event()
            return release[0]

        event = self.on_loop(make_event).result(30)
        first = self.request(wait=True, entered=entered, release=event)
        self.assertTrue(entered.wait(30))
        self.edit(2)
        reload = threading.Thread(target=self.front._reload_between_requests)
        reload.start()
        ticks = 0
        while not self.front._closed and ticks < 30000:  # the loop thread closes the gate
            ticks += 1
            threading.Event().wait(0.001)
        self.assertTrue(self.front._closed)
        second = self.request()
        self.assertEqual(self.front.reloads, 0)
        self.loop.call_soon_threadsafe(event.set)
        self.assertEqual(first.result(30), 1)
        self.assertEqual(second.result(30), 2)
        reload.join(30)
        self.assertEqual(self.front.reloads, 1)
        module = self.mod("{pkg}.app")
        self.assertEqual(module.IMPORTED_ON, self.loop_thread.ident)

    def test_a_request_that_runs_on_and_on_holds_the_reload_only_so_long(self) -> None:
        async def make_event() -> asyncio.Event:
            return asyncio.Event()

        entered, event = threading.Event(), self.on_loop(make_event).result(30)
        first = self.request(wait=True, entered=entered, release=event)
        self.addCleanup(lambda: self.loop.call_soon_threadsafe(event.set))
        self.assertTrue(entered.wait(30))
        self.edit(2)
        self.front.drain_seconds = 0.05
        stderr = io.StringIO()
        with mock.patch.object(sys, "stderr", stderr):
            self.front._reload_between_requests()
        self.assertEqual(self.front.reloads, 1)
        self.assertIn("reloading while 1 request still runs after 0.05 s", stderr.getvalue())
        self.assertEqual(self.request().result(30), 2)
        self.loop.call_soon_threadsafe(event.set)
        first.result(30)
        self.assertEqual(self.front._in_flight, 0)

    def test_other_scopes_pass_through_and_do_not_hold_reloads(self) -> None:
        seen: List[str] = []

        async def app(scope: Any, receive: Any, send: Any) -> None:
            seen.append(scope["type"])

        self.front.app = app
        front = self.front
        assert isinstance(front, _web.AsgiFront)
        self.on_loop(lambda: front({"type": "websocket"}, None, None)).result(30)
        self.assertEqual((seen, front._in_flight), (["websocket"], 0))


class GlobalBindingTest(PackageCase):
    def test_finds_the_module_global_and_follows_the_module_in_sys_modules(self) -> None:
        self.write("{pkg}/__init__.py", "")
        self.write("{pkg}/app.py", "app = object()\n")
        module = self.load("{pkg}.app")
        binding = _web.global_binding(module.app, [self.pkg + ".app"])
        self.assertEqual(binding, (self.pkg + ".app", "app"))
        locate = _web.from_global(self.pkg + ".app", "app")
        self.assertIs(locate(), module.app)
        self.assertIsNone(_web.global_binding(object()))


if __name__ == "__main__":
    unittest.main()
