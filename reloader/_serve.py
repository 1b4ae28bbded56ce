"""The listener: lets a client on this machine ask the running host for a reload.

`serve()` listens on a random loopback port, writes a connection file with a
fresh secret (see `_wire`), and answers signed requests: reload targets,
reload the modules of a file, plan, status. It never evaluates code sent to
it. Each reload runs through the given scheduler, on the host's main thread,
and the answer is the report as data. Whatever goes wrong in the listener is
logged and answered, never raised into the host.
"""

import atexit
import ipaddress
import logging
import os
import socket
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional

from . import _host, _state, _wire
from ._adapter import try_reload
from ._reload import plan
from ._report import Report
from ._wire import Refused

_log = logging.getLogger("reloader.serve")

#: Runs a callable on the host's main thread after `delay` seconds (see reloader.Host).
Schedule = Callable[[Callable[[], None], float], None]

MAX_CLIENTS = 8  # connections handled at once; more are refused as busy
REPLY_SECONDS = 600.0  # how long a request waits for the host's main thread


def _loopback(address: str) -> str:
    literal = "127.0.0.1" if address == "localhost" else address
    try:
        if ipaddress.ip_address(literal).is_loopback:
            return literal
    except ValueError:
        pass
    raise ValueError(
        "serve() listens on loopback only; {!r} is not a loopback address "
        "(use '127.0.0.1' or '::1')".format(address)
    )


def report_data(report: Report) -> Dict[str, Any]:
    """A report as JSON-ready data."""
    return {
        "ok": report.ok, "line": str(report), "text": report.format(),
        "reloaded": list(report.reloaded), "removed": list(report.removed),
        "added": list(report.added), "skipped": report.skipped,
        "failed_module": report.failed_module,
        "location": str(report.location) if report.location else None,
        "rolled_back": report.rolled_back, "warnings": list(report.warnings),
        "not_updated": report.not_updated, "seconds": report.seconds,
    }


def modules_of_file(path: str) -> List[str]:
    """The loaded modules whose source is the file `path`."""
    wanted = os.path.normcase(os.path.realpath(path))
    found = []
    for name, module in list(sys.modules.items()):
        filename = getattr(module, "__file__", None)
        if isinstance(filename, str) and os.path.normcase(os.path.realpath(filename)) == wanted:
            found.append(name)
    return sorted(found)


class Listener:
    """A running listener; `stop()` ends it and removes its connection file."""

    def __init__(self, host: str, schedule: Optional[Schedule], address: str,
                 folder: Optional[str]) -> None:
        self.host = host
        self._schedule = schedule
        self._secret = os.urandom(32)
        self._nonces = _wire.Nonces()
        self._nonce_lock = threading.Lock()
        self._clients = threading.BoundedSemaphore(MAX_CLIENTS)
        self._stopping = threading.Event()
        self.last: Optional[str] = None  # the last report's line
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self._socket.bind((address, 0))
            self._socket.listen(MAX_CLIENTS)
            self._socket.settimeout(0.2)  # how soon the accept loop sees stop()
            self.port: int = self._socket.getsockname()[1]
            self.path = _wire.write_connection(host, address, self.port, self._secret, folder)
        except BaseException:
            self._socket.close()
            raise
        self._state = _state.current()  # the one whose listener this is
        self._thread = threading.Thread(target=self._accept, name="reloader-serve", daemon=True)
        self._thread.start()
        atexit.register(self.stop)

    @property
    def running(self) -> bool:
        """Whether it still accepts requests."""
        return not self._stopping.is_set()

    def stop(self) -> None:
        """Stop accepting requests and remove the connection file; safe to call twice."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        _wire.remove_connection(self.path)
        if self._thread is not threading.current_thread():
            self._thread.join(2.0)
        self._socket.close()
        atexit.unregister(self.stop)
        with self._state.lock:
            if self._state.listener is self:
                self._state.listener = None

    def __repr__(self) -> str:
        state = "listening on port {}".format(self.port) if self.running else "stopped"
        return "<Listener {!r} {}>".format(self.host, state)

    # ------------------------------------------------------------------ connections

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, peer = self._socket.accept()
            except socket.timeout:
                continue
            except OSError:
                if not self._stopping.is_set():
                    _log.exception("the listener stopped accepting requests")
                return
            if not self._clients.acquire(blocking=False):
                self._answer(connection, {"refused": "busy: too many connections at once"})
                connection.close()
                continue
            threading.Thread(target=self._serve_one, args=(connection, peer),
                             name="reloader-serve-client", daemon=True).start()

    def _serve_one(self, connection: socket.socket, peer: Any) -> None:
        try:
            try:
                data = self._receive(connection)
                with self._nonce_lock:
                    self._nonces.check(data)
            except Refused as refusal:
                _log.warning("refused a request from %s: %s", peer, refusal)
                self._answer(connection, {"refused": str(refusal)})
                return
            self._answer(connection, self._handle(data))
        except Exception:  # the listener's failure never reaches the host
            _log.exception("answering a request from %s failed", peer)
        finally:
            connection.close()
            self._clients.release()

    def _receive(self, connection: socket.socket) -> Dict[str, Any]:
        deadline = time.monotonic() + _wire.REQUEST_SECONDS
        received = b""
        while b"\n" not in received:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Refused("request too slow (not complete within {:.0f} s)".format(
                    _wire.REQUEST_SECONDS))
            connection.settimeout(left)
            try:
                chunk = connection.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise Refused("connection closed before the request was complete")
            received += chunk
            if len(received) > _wire.MAX_MESSAGE:
                raise Refused("request too large (more than {} bytes)".format(_wire.MAX_MESSAGE))
        return _wire.decode(self._secret, received.split(b"\n", 1)[0])

    def _answer(self, connection: socket.socket, data: Dict[str, Any]) -> None:
        try:
            connection.settimeout(5.0)
            connection.sendall(_wire.encode(self._secret, data))
        except OSError as error:  # the client went away
            _log.info("could not answer a client: %s", error)

    # ------------------------------------------------------------------ requests

    def _handle(self, data: Dict[str, Any]) -> Dict[str, Any]:
        operation = data["op"]
        if operation == "status":
            return {"ok": True, "host": self.host, "pid": os.getpid(),
                    "python": sys.version.split()[0], "last": self.last,
                    "line": "{} (pid {}) is listening; last reload: {}".format(
                        self.host, os.getpid(), self.last or "none yet")}
        targets: List[str] = list(data.get("targets", []))
        if operation == "reload_file":
            found = modules_of_file(data["file"])
            if not found:
                return {"ok": False, "line": "no loaded module comes from {!r}; "
                        "name a loaded module or package instead".format(data["file"])}
            package = data.get("scope", "package") == "package"
            targets = sorted({name.split(".")[0] for name in found}) if package else found
        if not targets:
            return {"ok": False, "line": "nothing to reload: name a module, package or path"}
        return self._on_main_thread(lambda: self._run(operation, targets))

    def _run(self, operation: str, targets: List[str]) -> Dict[str, Any]:
        if operation == "plan":
            try:
                the_plan = plan(*targets)
            except (ValueError, TypeError) as error:
                return {"ok": False, "line": str(error)}
            return {"ok": True, "line": str(the_plan), "text": the_plan.format(),
                    "modules": [list(m) for m in the_plan.modules]}
        report = try_reload(*targets)
        self.last = str(report)
        host = _host.current()
        if host is not None:
            host.show(report)
        return report_data(report)

    def _on_main_thread(self, work: Callable[[], Dict[str, Any]]) -> Dict[str, Any]:
        if self._schedule is None:
            return work()
        done = threading.Event()
        box: Dict[str, Any] = {}

        def job() -> None:
            try:
                box["answer"] = work()
            except Exception as error:  # answered below; the host's loop goes on
                box["error"] = error
            finally:
                done.set()

        self._schedule(job, 0.0)
        if not done.wait(REPLY_SECONDS):
            return {"ok": False, "line": "the host's main thread did not run the request "
                    "within {:.0f} s".format(REPLY_SECONDS)}
        if "answer" in box:
            answer: Dict[str, Any] = box["answer"]
            return answer
        error = box.get("error")
        return {"ok": False, "line": "reloader failed in the host: {}".format(
            "{}: {}".format(type(error).__name__, error) if error else "interrupted")}


def serve(host: Optional[str] = None, *, schedule: Optional[Schedule] = None,
          address: str = "127.0.0.1", folder: Optional[str] = None) -> Listener:
    """Listen for reload requests from clients on this machine (`python -m reloader send`).

    `host` names this program in its connection file (default: the installed
    host's name, else 'python'); `schedule(callback, delay)` runs each request
    on the program's main thread (default: the installed host's, else the
    listener's own thread). Listens on `address`, which must be loopback, at
    a random port; the connection file goes to `folder` (default: the user's
    runtime folder). Returns the Listener; `stop()` ends it. One per process.
    """
    address = _loopback(address)
    installed = _host.current()
    if schedule is None and installed is not None:
        schedule = installed.schedule
    name = host or (installed.name if installed is not None else "python")
    state = _state.current()
    with state.lock:
        if state.listener is not None and state.listener.running:
            raise RuntimeError(
                "this process already listens on port {}; stop() that listener first".format(
                    state.listener.port)
            )
        state.listener = Listener(name, schedule, address, folder)
        return state.listener


def switch(host: "_host.Host", on: Optional[bool]) -> str:
    """What `Host.listen(on)` does: start or stop `host`'s listener; the one line to show.

    Starts only with the host's schedule: a host with none has no event loop,
    and a reload from the listener's thread could run in the middle of the
    host's own work. Never raises for a listener that cannot start (runtime
    folder not private, no port): the line says why and the host goes on.
    """
    running = listening()
    ours = running is not None and running.host == host.name
    if on is None or (on and ours) or (not on and not ours):
        return ("listening for editors on port {}".format(running.port) if ours and running
                else "not listening for editors")
    if not on and running is not None:
        running.stop()
        return "stopped listening for editors"
    if host.schedule is None:
        return ("not listening for editors: {} has no event loop here to run reloads on "
                "its main thread".format(host.name))
    try:
        listener = serve(host.name, schedule=host.schedule)
    except (OSError, RuntimeError, ValueError) as error:
        return "could not listen for editors: {}".format(error)
    return "listening for editors on port {}: reload with 'python -m reloader send'".format(
        listener.port)


def listening() -> Optional[Listener]:
    """The running listener of this process, or None."""
    state = _state.current()
    with state.lock:
        listener: Optional[Listener] = state.listener
        return listener if listener is not None and listener.running else None
