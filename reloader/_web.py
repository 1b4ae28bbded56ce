"""Serve a web app across reloads: every request runs one version of the code, the newest.

`python -m reloader run` asks `server_for()` whether the program is a web
server that an adapter module knows (`_web_flask`, `_web_uvicorn`,
`_web_django`). The adapter puts a front in the app's place where the server
receives it: a `WsgiFront` or an `AsgiFront`. From then on the front decides
when reloads happen: when files under the watched folders change, it stops
letting requests in, waits for the ones in flight to finish, runs the
watcher's check with the app's module added to what changed, finds the app
again (a rebuilt app holds exactly the new routes, parsed from the new
code), and lets requests in again. A waiting request is delayed, never refused. Threaded
servers reload on the front's own thread; asyncio servers on the event
loop's thread, as one callback between tasks.

Nothing here touches a framework (the adapters do), and the reload core
knows nothing of this module: only the `run` command calls in.
"""

import asyncio
import concurrent.futures
import importlib
import sys
import threading
import time
from typing import Any, Callable, Iterable, Iterator, List, Optional, Sequence, Tuple

from . import _discovery
from ._changes import Scanner
from ._report import Report, describe_error, locate
from ._watch import Watcher

#: Returns the app the server should serve now (after a reload, the new one).
Locate = Callable[[], Any]
#: Runs after every reload that re-imported something: (old app, new app, report).
AfterReload = Callable[[Any, Any, Report], None]
Undo = Callable[[], None]

# Adapter modules, each offering `recognizes(program, is_module)`,
# `DEFAULT_WATCH_CWD` and `install(watcher, say) -> undo`.
_ADAPTERS = ("_web_flask", "_web_uvicorn", "_web_django")


def say(text: str) -> None:
    """One line on stderr, the way `run` prints its reports."""
    sys.stderr.write("reloader: {}\n".format(text))
    sys.stderr.flush()


class WebServer:
    """A web server the `run` command recognised in its command line."""

    def __init__(self, adapter: Any) -> None:
        self._adapter = adapter

    def default_watch(self) -> Optional[str]:
        """The folder to watch when none is given, or None for run's own default."""
        return "." if self._adapter.DEFAULT_WATCH_CWD else None

    def install(self, watcher: Watcher) -> Undo:
        """Make the server serve through a front that reloads with `watcher`."""
        undo: Undo = self._adapter.install(watcher, say)
        return undo


def server_for(program: List[str], is_module: bool) -> Optional[WebServer]:
    """The web server `program` (run as `-m MODULE` when `is_module`) starts, if one is known."""
    for name in _ADAPTERS:
        adapter = importlib.import_module("." + name, __package__)
        if adapter.recognizes(program, is_module):
            return WebServer(adapter)
    return None


def replace(owner: Any, attribute: str, value: object) -> Undo:
    """Set `owner.attribute` to `value`; return the callable that puts the old one back."""
    old = getattr(owner, attribute)
    setattr(owner, attribute, value)

    def undo() -> None:
        setattr(owner, attribute, old)

    return undo


def uninstaller(fronts: Sequence["Front"], undo: Sequence[Undo]) -> Undo:
    """What an adapter's install returns: stop its fronts, then undo its steps, newest first."""
    def uninstall() -> None:
        for front in fronts:
            front.stop()
        for step in reversed(undo):
            step()

    return uninstall


def global_binding(thing: object, prefer: Iterable[str] = ()) -> Optional[Tuple[str, str]]:
    """(module name, global name) of a module global bound to `thing`, or None.

    Looks in the `prefer` modules first, then in every loaded module.
    """
    names = [n for n in prefer if n in sys.modules] + list(sys.modules)
    for name in names:
        namespace = getattr(sys.modules.get(name), "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for key, value in list(namespace.items()):
            if value is thing and not key.startswith("__"):
                return name, key
    return None


def from_global(module: str, attribute: str) -> Locate:
    """Locate an app bound to a module global, in the module loaded now."""

    def current() -> Any:
        namespace = sys.modules[module].__dict__
        if attribute not in namespace:
            raise AttributeError(
                "module {!r} has no attribute {!r} any more".format(module, attribute)
            )
        return namespace[attribute]

    return current


class Front:
    """The app's stand-in: serves `app`, and reloads between requests.

    - `watcher`: whose `check()` reloads what changed (its own repeating is
      stopped: the front decides when to check).
    - `locate()`: the app to serve now; called again after a reload that
      re-imported `module` (or any reload, when `module` is None).
    - `after_reload(old, new, report)`: framework work after each reload
      (carry state to a rebuilt app, clear caches).
    """

    def __init__(
        self,
        watcher: Watcher,
        locate: Locate,
        module: Optional[str],
        *,
        after_reload: Optional[AfterReload] = None,
    ) -> None:
        self.app = locate()
        self.reloads = 0  # reloads that re-imported something
        self._watcher = watcher
        self._locate = locate
        self._module = module
        self._after_reload = after_reload
        self._condition = threading.Condition()
        self._in_flight = 0
        self._closed = False
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._scanner = Scanner(watcher.paths)

    #: How long a reload waits for the requests in flight (new ones wait
    #: meanwhile); a response that streams for longer keeps the code it
    #: started with while the reload goes ahead.
    drain_seconds = 2.0

    def _say_long(self, count: int) -> None:
        say(
            "reloading while {} request{} still run{} after {:g} s (they go on with the "
            "code they started with)".format(
                count, "" if count == 1 else "s", "s" if count == 1 else "", self.drain_seconds
            )
        )

    # ------------------------------------------------------------------
    # watching

    def start(self) -> Undo:
        """Take over the watcher's checks; return the callable that stops them."""
        self._watcher.stop()
        self._thread = threading.Thread(target=self._watch, name="reloader web", daemon=True)
        self._thread.start()
        return self.stop

    def stop(self) -> None:
        """Check no more; a reload under way finishes first."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(5)

    def _watch(self) -> None:
        # Scan here, off the server's threads; reload only once a burst of
        # saves has been quiet for the watcher's debounce.
        moved_at: Optional[float] = None
        while not self._stop.wait(self._watcher.debounce if moved_at else self._watcher.interval):
            if self._scanner.scan():
                moved_at = time.monotonic()
            elif moved_at is not None and time.monotonic() - moved_at >= self._watcher.debounce:
                moved_at = None
                self._reload_between_requests()

    def _reload_between_requests(self) -> None:
        with self._condition:
            self._closed = True
            if not self._condition.wait_for(lambda: not self._in_flight, self.drain_seconds):
                self._say_long(self._in_flight)
        try:
            self.reload_now()
        finally:
            with self._condition:
                self._closed = False
                self._condition.notify_all()

    def reload_now(self) -> Optional[Report]:
        """Check the watched files and reload what changed; serve the new app.

        The module that makes the app goes with every reload, as if its file
        had changed too: views that register on the app (`@app.route` on an
        app they import) then meet a new app, never the one that has served
        requests. Call it only while no request runs: the front does.
        """
        module = self._module
        info = _discovery.describe(module, sys.modules.get(module)) if module else None
        if info is not None and info.path is not None:
            self._watcher.mark_changed(info.path)
        report = self._watcher.check()
        if report is None or not report.ok or not (report.reloaded or report.removed):
            return report
        old = self.app
        if self._module is None or self._module in report.reloaded:
            try:
                self.app = self._locate()
            except Exception as error:
                where = locate(error)
                say(
                    "the app could not be found again after the reload{}: {}; still serving "
                    "the previous one".format(" at {}".format(where) if where else "",
                                              describe_error(error))
                )
                return report
        self.reloads += 1
        if self._after_reload is not None:
            try:
                self._after_reload(old, self.app, report)
            except Exception as error:
                say("finishing the reload failed: {}".format(describe_error(error)))
        return report

    # ------------------------------------------------------------------
    # requests (threads)

    def enter(self) -> None:
        """A request starts: wait while a reload runs."""
        with self._condition:
            while self._closed:
                self._condition.wait()
            self._in_flight += 1

    def leave(self) -> None:
        """A request ended."""
        with self._condition:
            self._in_flight -= 1
            if not self._in_flight:
                self._condition.notify_all()


class WsgiFront(Front):
    """A front for WSGI servers; a request lasts until its response is closed."""

    def __call__(self, environ: Any, start_response: Any) -> Iterable[bytes]:
        self.enter()
        try:
            response = self.app(environ, start_response)
        except BaseException:
            self.leave()
            raise
        return _Closing(response, self.leave)


class _Closing:
    """A WSGI response that tells the front when the server has closed it."""

    def __init__(self, response: Iterable[bytes], done: Callable[[], None]) -> None:
        self._response = response
        self._done: Optional[Callable[[], None]] = done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._response)

    def close(self) -> None:
        try:
            close = getattr(self._response, "close", None)
            if close is not None:
                close()
        finally:
            done, self._done = self._done, None
            if done is not None:
                done()


class AsgiFront(Front):
    """A front for asyncio ASGI servers: reloads run on the event loop's thread.

    HTTP requests count as in flight; websockets and the lifespan do not
    (they last as long as the server): they go on with the code they hold.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._opened: Optional[asyncio.Future[None]] = None
        self._drained: Optional[asyncio.Future[None]] = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        while self._closed:
            if self._opened is None:
                self._opened = loop.create_future()
            await asyncio.shield(self._opened)
        app = self.app
        self._in_flight += 1
        try:
            await app(scope, receive, send)
        finally:
            self._in_flight -= 1
            drained = self._drained
            if not self._in_flight and drained is not None and not drained.done():
                drained.set_result(None)

    def _reload_between_requests(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            super()._reload_between_requests()  # no request has come: nothing to wait for
            return
        done = asyncio.run_coroutine_threadsafe(self._reload_on_loop(loop), loop)
        while not self._stop.is_set():
            try:
                done.result(0.5)
                return
            except concurrent.futures.TimeoutError:
                continue
            except Exception:  # the loop stopped; the server is ending
                return
        done.cancel()

    async def _reload_on_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._closed = True
        try:
            if self._in_flight:
                self._drained = loop.create_future()
                try:
                    await asyncio.wait_for(asyncio.shield(self._drained), self.drain_seconds)
                except asyncio.TimeoutError:
                    self._say_long(self._in_flight)
            self._drained = None
            self.reload_now()  # synchronous: nothing else runs on the loop meanwhile
        finally:
            self._closed = False
            opened, self._opened = self._opened, None
            if opened is not None and not opened.done():
                opened.set_result(None)
