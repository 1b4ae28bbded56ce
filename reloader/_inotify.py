"""Change notifications from the operating system: Linux inotify through ctypes.

A `Notifier` watches folders recursively and says which paths something
happened to since the last look, without walking or stat-ing anything when
nothing happened. It never decides what changed (the scanner does, from the
paths it names), and it never hides a change: when it cannot tell (a full
event queue, a watch lost, a folder it could not watch) it answers None,
meaning "look at everything". Where notification cannot work (not Linux, no
libc, too many watches, a network filesystem) creating one raises
`Unavailable` with the reason, and the caller polls.
"""

import errno
import math
import os
import select
import struct
import sys
import weakref
from typing import Dict, Iterable, List, Optional, Set

try:
    import ctypes
    import ctypes.util
except ImportError as error:  # some embedded interpreters are built without it
    _NO_CTYPES: Optional[str] = str(error)
else:
    _NO_CTYPES = None

# From <sys/inotify.h>.
_MODIFY, _ATTRIB, _CLOSE_WRITE = 0x2, 0x4, 0x8
_MOVED_FROM, _MOVED_TO, _CREATE, _DELETE = 0x40, 0x80, 0x100, 0x200
_DELETE_SELF, _MOVE_SELF = 0x400, 0x800
_Q_OVERFLOW, _IGNORED, _ISDIR = 0x4000, 0x8000, 0x40000000
_ONLYDIR, _DONT_FOLLOW = 0x01000000, 0x02000000
_NONBLOCK, _CLOEXEC = 0o4000, 0o2000000
_MASK = (_MODIFY | _ATTRIB | _CLOSE_WRITE | _MOVED_FROM | _MOVED_TO | _CREATE | _DELETE
         | _DELETE_SELF | _MOVE_SELF | _ONLYDIR | _DONT_FOLLOW)
_HEADER = struct.Struct("iIII")  # wd, mask, cookie, len

# statfs f_type of filesystems whose changes made elsewhere inotify never sees
# (FUSE covers sshfs, virtiofs and most shared folders of virtual machines).
_REMOTE = {0x6969: "NFS", 0x517B: "SMB", 0xFF534D42: "CIFS", 0xFE534D42: "SMB2",
           0x65735546: "FUSE", 0x01021997: "9P", 0x564C: "NCP", 0x47504653: "GPFS",
           0x00C36400: "Ceph", 0x5346414F: "AFS", 0x6B414653: "AFS",
           0x786F4256: "VirtualBox shared folder", 0x7C7C6673: "Parallels shared folder"}
# Folders that never hold the program's own source (as the scanner skips them).
_SKIP = frozenset(("__pycache__", "node_modules", "site-packages", "dist-packages", ".git"))


class Unavailable(OSError):
    """Notification cannot work here; the text says why."""


_loaded: List["ctypes.CDLL"] = []  # the C library, once found


def _libc() -> "ctypes.CDLL":
    if not sys.platform.startswith("linux"):
        raise Unavailable("inotify is Linux only (this is {})".format(sys.platform))
    if _NO_CTYPES is not None:
        raise Unavailable("no ctypes in this Python: {}".format(_NO_CTYPES))
    if _loaded:
        return _loaded[0]
    try:
        # The interpreter's own symbols include the C library's; finding it
        # by name may run ldconfig.
        libc = ctypes.CDLL(None, use_errno=True)
        if not hasattr(libc, "inotify_init1"):
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        for function in ("inotify_init1", "inotify_add_watch", "inotify_rm_watch"):
            getattr(libc, function)
    except (OSError, AttributeError) as error:
        raise Unavailable("no inotify in the C library: {}".format(error)) from None
    libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
    libc.inotify_add_watch.restype = ctypes.c_int
    _loaded.append(libc)
    return libc


def _filesystem(path: str, libc: "ctypes.CDLL") -> Optional[str]:
    """The name of the remote filesystem `path` lies on, or None."""
    buffer = ctypes.create_string_buffer(256)  # struct statfs is at most 120 bytes
    try:
        if libc.statfs(os.fsencode(path), buffer) != 0:
            return None
    except AttributeError:
        return None
    kind = struct.unpack_from("l", buffer.raw)[0] & 0xFFFFFFFF
    return _REMOTE.get(kind)


class Notifier:
    """Recursive inotify watches on `folders`; `pending()` says what was touched."""

    def __init__(self, folders: Iterable[str]) -> None:
        self._libc = _libc()
        self._fd = self._libc.inotify_init1(_NONBLOCK | _CLOEXEC)
        if self._fd < 0:
            number = ctypes.get_errno()
            raise Unavailable("inotify_init1 failed: {}".format(os.strerror(number)))
        # A notifier nobody closes gives its descriptor back when it is collected:
        # a user has few inotify instances (fs.inotify.max_user_instances, 128).
        self._release = weakref.finalize(self, os.close, self._fd)
        self._folders: Dict[int, str] = {}
        self._roots = tuple(folders)
        self._lost = False
        try:
            for folder in self._roots:
                remote = _filesystem(folder, self._libc)
                if remote is not None:
                    raise Unavailable("{!r} is on a network filesystem ({}), whose changes "
                                      "made elsewhere are never notified".format(folder, remote))
                self._watch_tree(folder)
        except BaseException:
            self.close()
            raise
        if self._lost:
            self.close()
            raise Unavailable("some folders under {} could not be watched".format(
                ", ".join(repr(f) for f in self._roots)))

    def fileno(self) -> int:
        """The descriptor that becomes readable when something happened."""
        return int(self._fd)

    def _watch(self, folder: str) -> None:
        descriptor = self._libc.inotify_add_watch(self._fd, os.fsencode(folder), _MASK)
        if descriptor < 0:
            number = ctypes.get_errno()
            if number == errno.ENOSPC:
                raise Unavailable(
                    "too many inotify watches (fs.inotify.max_user_watches); raise it with "
                    "sysctl, or watch fewer folders")
            if number in (errno.ENOENT, errno.ENOTDIR):
                return  # gone already: its parent's event says so
            self._lost = True
            return
        self._folders[descriptor] = folder

    def _watch_tree(self, root: str) -> None:
        """Watch `root` and the folders under it, as resolved paths (links followed once)."""
        if os.path.isfile(root):
            root = os.path.dirname(root)
        seen: Set[str] = set(self._folders.values())
        for folder, children, _ in os.walk(root, followlinks=True):
            real = os.path.realpath(folder)
            if real in seen:  # a link loop, or a folder reached twice
                children[:] = []
                continue
            seen.add(real)
            children[:] = [c for c in children if c not in _SKIP and not c.startswith(".")]
            self._watch(real)

    def pending(self, timeout: float = 0.0) -> Optional[Set[str]]:
        """The paths touched since the last call (empty: nothing happened).

        Waits up to `timeout` seconds for a first event. None means some events
        were lost (a full queue, a folder that could not be watched): look at
        everything once.
        """
        if self._fd < 0:
            return None
        if timeout > 0:
            poller = select.poll()  # not select: it refuses descriptors from 1024 on
            poller.register(self._fd, select.POLLIN)
            if not poller.poll(math.ceil(timeout * 1000)):
                return set()
        touched: Set[str] = set()
        lost = self._lost
        self._lost = False
        while True:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                break
            except OSError:
                return None
            offset = 0
            while offset + _HEADER.size <= len(data):
                descriptor, mask, _, length = _HEADER.unpack_from(data, offset)
                name = data[offset + _HEADER.size:offset + _HEADER.size + length].rstrip(b"\0")
                offset += _HEADER.size + length
                if mask & _Q_OVERFLOW:
                    lost = True
                    continue
                folder = self._folders.get(descriptor)
                if folder is None:
                    continue
                if mask & _IGNORED:
                    del self._folders[descriptor]
                    continue
                base = os.fsdecode(name)
                path = os.path.join(folder, base) if name else folder
                touched.add(path)
                if mask & _ISDIR and mask & (_CREATE | _MOVED_TO) and base not in _SKIP \
                        and not base.startswith("."):
                    # A new folder: watch it, and its files count as touched,
                    # since some may have been written before the watch began.
                    self._watch_tree(path)
                    for inner, children, files in os.walk(path):
                        children[:] = [c for c in children
                                       if c not in _SKIP and not c.startswith(".")]
                        touched.update(os.path.join(inner, f) for f in files)
                if mask & _ISDIR and mask & _MOVED_FROM or mask & _MOVE_SELF:
                    lost = True  # a watched folder moved: its watch names the old path
        if lost:
            self._resync()
            return None
        return touched

    def _resync(self) -> None:
        """Watch the roots afresh, after events were lost or folders moved."""
        for descriptor in list(self._folders):
            self._libc.inotify_rm_watch(self._fd, descriptor)
        self._folders.clear()
        self._drain()
        for root in self._roots:
            self._watch_tree(root)
        self._lost = False  # what this missed, the full look the caller makes now sees

    def _drain(self) -> None:
        while True:
            try:
                os.read(self._fd, 65536)
            except OSError:
                return

    def close(self) -> None:
        """Stop watching; safe to call twice."""
        if self._fd >= 0:
            self._release()
            self._fd = -1
            self._folders.clear()
