"""What a listener and its clients share: connection files, signed messages, limits.

A running host that listens writes one connection file into the user's runtime
folder (readable by the user alone): the host's name, its process id, the
loopback port and a fresh secret. Every message is one line,
`<hex HMAC-SHA256 of the body> <body as JSON>`, signed with that secret; a
request body carries a nonce and its time, so a copy sent again is refused.
Nothing here opens a socket or runs a reload.
"""

import binascii
import errno
import hashlib
import hmac
import json
import os
import sys
import tempfile
import time
from typing import Any, Dict, List, NamedTuple, Optional

PROTOCOL = 1
MAX_MESSAGE = 64 * 1024  # bytes in one line; a reload request is a few hundred
REQUEST_SECONDS = 5.0  # a client must have sent its whole request by then
FRESH_SECONDS = 60.0  # how old a request may be, and how long its nonce is remembered
OPERATIONS = ("reload", "reload_file", "plan", "status")


class Refused(ValueError):
    """A message that is not accepted; the text is the one-line reason."""


class Connection(NamedTuple):
    """One running host's connection file."""

    host: str
    pid: int
    port: int
    secret: bytes
    path: str
    address: str = "127.0.0.1"

    def label(self) -> str:
        """'maya (pid 1234)'."""
        return "{} (pid {})".format(self.host, self.pid)


# ------------------------------------------------------------------ the folder


def runtime_folder() -> str:
    """Where connection files live: $RELOADER_RUNTIME_DIR, else a per-user folder.

    $XDG_RUNTIME_DIR/reloader where the session has one (Linux), else
    %LOCALAPPDATA%\\reloader\\runtime on Windows, else ~/.local/share/reloader/runtime.
    """
    explicit = os.environ.get("RELOADER_RUNTIME_DIR")
    if explicit:
        return explicit
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and os.path.isdir(xdg):
        return os.path.join(xdg, "reloader")
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return os.path.join(os.environ["LOCALAPPDATA"], "reloader", "runtime")
    return os.path.join(os.path.expanduser("~"), ".local", "share", "reloader", "runtime")


def _private_folder(folder: str) -> str:
    """Make `folder` (mode 0700) if needed; refuse one that others may write to."""
    os.makedirs(folder, mode=0o700, exist_ok=True)
    if os.name == "posix":
        status = os.stat(folder)
        if status.st_uid != os.getuid() or status.st_mode & 0o022:
            raise PermissionError(
                "runtime folder {!r} is not private to this user (owner {}, mode {:o}); "
                "remove it or set RELOADER_RUNTIME_DIR to a folder only you can write".format(
                    folder, status.st_uid, status.st_mode & 0o777
                )
            )
    return folder


def write_connection(host: str, address: str, port: int, secret: bytes,
                     folder: Optional[str] = None) -> str:
    """Write this process's connection file (mode 0600); return its path."""
    folder = _private_folder(folder or runtime_folder())
    data = {"protocol": PROTOCOL, "host": host, "pid": os.getpid(), "address": address,
            "port": port, "secret": binascii.hexlify(secret).decode("ascii")}
    handle, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w") as stream:  # mkstemp made it 0600
            json.dump(data, stream)
        path = os.path.join(folder, "{}-{}.json".format(_safe(host), os.getpid()))
        os.replace(temporary, path)
    except BaseException:
        _remove(temporary)
        raise
    return path


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "host"


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def remove_connection(path: str) -> None:
    """Remove a connection file; one already gone is fine."""
    _remove(path)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _alive_windows(pid)
    try:
        os.kill(pid, 0)
    except OSError as error:
        return error.errno == errno.EPERM  # alive, someone else's
    return True


def _alive_windows(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def connections(folder: Optional[str] = None) -> List[Connection]:
    """The running hosts' connection files; files of dead processes are removed."""
    folder = folder or runtime_folder()
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    found = []
    for name in names:
        if not name.endswith(".json") or name.startswith("."):
            continue
        path = os.path.join(folder, name)
        connection = read_connection(path)
        if connection is None:
            continue
        if not _alive(connection.pid):
            _remove(path)
            continue
        found.append(connection)
    return found


def read_connection(path: str) -> Optional[Connection]:
    """The connection a file describes, or None for a file that is not one."""
    try:
        with open(path) as stream:
            data = json.load(stream)
        return Connection(str(data["host"]), int(data["pid"]), int(data["port"]),
                          binascii.unhexlify(data["secret"]), path,
                          str(data.get("address", "127.0.0.1")))
    except (OSError, ValueError, KeyError, TypeError, binascii.Error):
        return None


# ------------------------------------------------------------------ messages


def sign(secret: bytes, body: bytes) -> str:
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def encode(secret: bytes, data: Dict[str, Any]) -> bytes:
    """One signed line."""
    body = json.dumps(data, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return sign(secret, body).encode("ascii") + b" " + body + b"\n"


def decode(secret: bytes, line: bytes) -> Dict[str, Any]:
    """The body of one signed line; Refused when it is malformed or wrongly signed."""
    if len(line) > MAX_MESSAGE:
        raise Refused("message too large ({} bytes, at most {})".format(len(line), MAX_MESSAGE))
    signature, space, body = line.strip().partition(b" ")
    if not space:
        raise Refused("unsigned message (expected '<signature> <json>')")
    if not hmac.compare_digest(signature, sign(secret, body).encode("ascii")):
        raise Refused("wrong signature")
    try:
        data = json.loads(body.decode("utf-8"))
    except ValueError:
        raise Refused("malformed message: the body is not JSON") from None
    if not isinstance(data, dict):
        raise Refused("malformed message: the body is not a JSON object")
    return data


def request(operation: str, **fields: Any) -> Dict[str, Any]:
    """A request body with a fresh nonce and the current time."""
    data = dict(fields, op=operation, protocol=PROTOCOL, time=time.time(),
                nonce=binascii.hexlify(os.urandom(16)).decode("ascii"))
    return data


class Nonces:
    """The nonces seen within FRESH_SECONDS: a request seen before is a replay."""

    def __init__(self) -> None:
        self._seen: Dict[str, float] = {}

    def check(self, data: Dict[str, Any], now: Optional[float] = None) -> None:
        """Refused unless the request is recent, its nonce new and its fields well formed."""
        now = time.time() if now is None else now
        sent, nonce = data.get("time"), data.get("nonce")
        if not isinstance(sent, (int, float)) or not isinstance(nonce, str) or not nonce:
            raise Refused("malformed request: needs 'time' and 'nonce'")
        if abs(now - sent) > FRESH_SECONDS:
            raise Refused("stale request: sent {:.0f} s from now (at most {:.0f} s)".format(
                sent - now, FRESH_SECONDS))
        for old, when in list(self._seen.items()):
            if now - when > 2 * FRESH_SECONDS:
                del self._seen[old]
        if nonce in self._seen:
            raise Refused("replayed request (nonce seen before)")
        self._seen[nonce] = now
        operation = data.get("op")
        if operation not in OPERATIONS:
            raise Refused("unknown operation {!r}; expected one of {}".format(
                operation, ", ".join(OPERATIONS)))
        targets = data.get("targets", [])
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            raise Refused("malformed request: 'targets' must be a list of strings")
        if operation == "reload_file" and not isinstance(data.get("file"), str):
            raise Refused("malformed request: 'reload_file' needs 'file'")
