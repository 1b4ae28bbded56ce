"""What changed on disk under some folders since the last look.

A `Scanner` walks the watched folders with `os.scandir`, keeps one stat
signature per Python source file and, on each `scan()`, returns the paths
that appeared, disappeared or changed. Stat decides first; the content is
read only when stat cannot tell: for a file written so recently that a
second write within the same clock tick would leave every stat field as it
was. With `notify=True` on Linux, the operating system names what was
touched (see `_inotify`) and a scan that finds nothing reads nothing. It
never imports anything and never looks at `sys.modules`.
"""

import hashlib
import os
import stat as stat_module
import time
from typing import Dict, Iterable, List, NamedTuple, Optional, Set, Tuple

from . import _inotify

_POSIX = os.name == "posix"
_SUFFIXES = (".py", ".pyw")
# Folders that never hold the program's own source.
_SKIP_FOLDERS = frozenset(("__pycache__", "node_modules", "site-packages", "dist-packages"))
# Filesystem timestamps can be as coarse as 2 seconds (FAT) or a kernel tick:
# a file whose mtime is this close to now may be written again unseen by stat.
_RECENT_NS = 2 * 10**9

#: mtime_ns, size, ctime_ns (POSIX: moves on every write and cannot be set
#: back with os.utime; elsewhere 0) and inode: a save by rename changes it.
Signature = Tuple[int, int, int, int]


class Changes(NamedTuple):
    """Paths (resolved) that appeared, disappeared or changed since the last scan."""

    added: Tuple[str, ...]
    deleted: Tuple[str, ...]
    modified: Tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.added or self.deleted or self.modified)

    @property
    def paths(self) -> Set[str]:
        """Every path that moved, whatever the kind."""
        return set(self.added) | set(self.deleted) | set(self.modified)


def _digest(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as handle:
            return hashlib.blake2b(handle.read(), digest_size=16).digest()
    except OSError:
        return None


def _latest(result: os.stat_result) -> int:
    """When the file last changed: a rewrite that set mtime back moves only ctime,
    whose tick may be coarse (Pyodide's is a millisecond)."""
    return max(result.st_mtime_ns, result.st_ctime_ns)


def stat_signature(result: os.stat_result) -> Signature:
    """The signature of a file whose `os.stat()` gave `result`."""
    return (result.st_mtime_ns, result.st_size, result.st_ctime_ns if _POSIX else 0,
            result.st_ino)


def signature_of(path: str) -> Optional[Signature]:
    """The stat signature of the file at `path` now; None when it cannot be read."""
    try:
        return stat_signature(os.stat(path))
    except OSError:
        return None


class Scanner:
    """Stat signatures of the source files under `roots`, and what moved between scans.

    The first scan happens on construction and is the baseline. Roots are
    resolved once; a root may be a folder (walked recursively, skipping
    hidden folders and `__pycache__`) or a single file.
    """

    def __init__(self, roots: Iterable[str], *, notify: bool = False) -> None:
        self.roots: Tuple[str, ...] = tuple(sorted({os.path.realpath(r) for r in roots}))
        self._signatures: Dict[str, Signature] = {}
        # The content's hash of each file that was recent at the last look.
        self._digests: Dict[str, Optional[bytes]] = {}
        self._notifier: Optional[_inotify.Notifier] = None
        #: Why the scanner polls although notification was asked for.
        self.fallback: Optional[str] = None
        if notify:
            try:  # watching starts before the baseline: nothing slips between
                self._notifier = _inotify.Notifier(self.roots)
            except _inotify.Unavailable as why:
                self.fallback = str(why)
        self._full_scan()

    @property
    def mode(self) -> str:
        """'inotify' when the operating system tells of changes, else 'polling'."""
        return "inotify" if self._notifier is not None else "polling"

    def fileno(self) -> Optional[int]:
        """A descriptor that becomes readable on a change (inotify only), else None."""
        return self._notifier.fileno() if self._notifier is not None else None

    def close(self) -> None:
        """Stop notification (the next scans poll)."""
        if self._notifier is not None:
            self._notifier.close()
            self._notifier = None

    @property
    def paths(self) -> List[str]:
        """The source files seen by the last scan."""
        return list(self._signatures)

    def signature(self, path: str) -> Optional[Signature]:
        """The stat signature the last scan saw for `path`; None when it saw no such file."""
        return self._signatures.get(path)

    def scan(self) -> Changes:
        """What appeared, disappeared or changed since the previous scan.

        With notification, only the paths the operating system named are
        looked at, and nothing at all when it named none; when it lost track
        (a full event queue), everything is looked at once.
        """
        if self._notifier is not None:
            try:
                touched = self._notifier.pending()
            except _inotify.Unavailable as why:  # a new folder past the watch limit
                self.close()
                self.fallback = str(why)
                touched = None
            if touched is not None:
                return self._look_at(touched) if touched else Changes((), (), ())
        return self._full_scan()

    def _look_at(self, touched: Set[str]) -> Changes:
        """The changes among `touched` paths (files, or folders that came or went)."""
        files = set()
        for path in touched:
            if path.endswith(_SUFFIXES) and not os.path.basename(path).startswith("."):
                files.add(path)
            else:  # a folder: what was known under it, and what is there now
                inside = path + os.sep
                files.update(p for p in self._signatures if p.startswith(inside))
                if os.path.isdir(path):
                    found: Dict[str, Signature] = {}
                    self._walk(path, found, [], 0)
                    files.update(found)
        added: List[str] = []
        modified: List[str] = []
        deleted: List[str] = []
        for path in sorted(files):
            if not self._watched(path):
                continue
            try:
                signature: Optional[Signature] = stat_signature(os.stat(path))
            except OSError:
                signature = None
            old = self._signatures.get(path)
            self._digests.pop(path, None)  # the event tells, the content need not
            if signature is None:
                if old is not None:
                    deleted.append(path)
                    del self._signatures[path]
                continue
            self._signatures[path] = signature
            if old is None:
                added.append(path)
            else:
                # An event with the same stat is a write within the same tick.
                modified.append(path)
        return Changes(tuple(added), tuple(deleted), tuple(modified))

    def _watched(self, path: str) -> bool:
        """Whether a path the notifier named is one the walk would find."""
        for root in self.roots:
            if path == root:
                return True
            if path.startswith(root + os.sep):
                parts = path[len(root) + 1:].split(os.sep)[:-1]
                return not any(p.startswith(".") or p in _SKIP_FOLDERS for p in parts)
        return False

    def _full_scan(self) -> Changes:
        previous, known = self._signatures, self._digests
        current: Dict[str, Signature] = {}
        recent: List[str] = []  # written so lately that stat may miss a second write
        since = time.time_ns() - _RECENT_NS
        for root in self.roots:
            try:
                result = os.stat(root)
            except OSError:
                continue
            if stat_module.S_ISDIR(result.st_mode):
                self._walk(root, current, recent, since)
            elif stat_module.S_ISREG(result.st_mode):
                current[root] = stat_signature(result)
                if _latest(result) > since:
                    recent.append(root)
        self._signatures = current
        # What a check that finds nothing costs is the walk above and this
        # one comparison, made in C: keep both lean.
        if current == previous and not known and not recent:
            return Changes((), (), ())
        added: List[str] = []
        modified: List[str] = []
        for path, signature in current.items():
            old = previous.get(path)
            if old is None:
                added.append(path)
            elif old != signature:
                modified.append(path)
        digests: Dict[str, Optional[bytes]] = {}
        for path, digest in known.items():
            if path in current and previous.get(path) == current[path]:
                # Stat cannot tell this content from a write within the same
                # tick as the last look: compare the content itself.
                digests[path] = _digest(path)
                if digests[path] != digest:
                    modified.append(path)
        self._digests = {path: digests[path] if path in digests else _digest(path)
                         for path in recent}
        deleted = [path for path in previous if path not in current]
        return Changes(tuple(sorted(added)), tuple(sorted(deleted)), tuple(sorted(modified)))

    def _walk(self, folder: str, found: Dict[str, Signature], recent: List[str],
              since: int) -> None:
        """Add the signature of each source file under `folder` to `found`, and
        to `recent` the paths of those whose mtime is after `since`."""
        stack = [folder]
        seen: Set[int] = set()
        while stack:
            here = stack.pop()
            try:
                with os.scandir(here) as listing:
                    for entry in listing:
                        name = entry.name
                        try:
                            if name.endswith(_SUFFIXES) and name[0] != ".":
                                # What each file costs a scan: keep it lean.
                                if entry.is_file(follow_symlinks=False):
                                    result = entry.stat()
                                    mtime = result.st_mtime_ns
                                    found[entry.path] = (mtime, result.st_size, result.st_ctime_ns
                                                         if _POSIX else 0, result.st_ino)
                                    if mtime > since or result.st_ctime_ns > since:
                                        recent.append(entry.path)
                                elif entry.is_symlink() and entry.is_file():
                                    # Paths are kept resolved, as module paths are.
                                    path = os.path.realpath(entry.path)
                                    result = os.stat(path)
                                    found[path] = stat_signature(result)
                                    if _latest(result) > since:
                                        recent.append(path)
                            elif entry.is_dir():
                                if name[0] == "." or name in _SKIP_FOLDERS:
                                    continue
                                inode = entry.stat().st_ino
                                if inode in seen:  # a symlink loop
                                    continue
                                seen.add(inode)
                                link = entry.is_symlink()
                                stack.append(os.path.realpath(entry.path) if link
                                             else entry.path)
                        except OSError:  # gone between listing and stat: it is not there
                            continue
            except OSError:  # deleted or unreadable while we looked
                continue
