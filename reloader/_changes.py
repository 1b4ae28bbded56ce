"""What changed on disk under some folders since the last look.

A `Scanner` walks the watched folders with `os.scandir`, keeps one stat
signature per Python source file and, on each `scan()`, returns the paths
that appeared, disappeared or changed. Stat decides first; the content is
read only when stat cannot tell: for a file written so recently that a
second write within the same clock tick would leave every stat field as it
was. It never imports anything and never looks at `sys.modules`.
"""

import hashlib
import os
import stat as stat_module
import time
from typing import Dict, Iterable, Iterator, List, NamedTuple, Optional, Set, Tuple

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


class _Entry(NamedTuple):
    signature: Signature
    digest: Optional[bytes]  # the content's hash, kept only while the file is recent


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


def _signature(result: os.stat_result) -> Signature:
    ctime = result.st_ctime_ns if _POSIX else 0
    return (result.st_mtime_ns, result.st_size, ctime, result.st_ino)


def _digest(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as handle:
            return hashlib.blake2b(handle.read(), digest_size=16).digest()
    except OSError:
        return None


def is_source(name: str) -> bool:
    """Whether a file name is one the scanner follows: Python source, not hidden."""
    return name.endswith(_SUFFIXES) and not name.startswith(".")


class Scanner:
    """Stat signatures of the source files under `roots`, and what moved between scans.

    The first scan happens on construction and is the baseline. Roots are
    resolved once; a root may be a folder (walked recursively, skipping
    hidden folders and `__pycache__`) or a single file.
    """

    def __init__(self, roots: Iterable[str]) -> None:
        self.roots: Tuple[str, ...] = tuple(sorted({os.path.realpath(r) for r in roots}))
        self._entries: Dict[str, _Entry] = {}
        self.scan()

    @property
    def paths(self) -> List[str]:
        """The source files seen by the last scan."""
        return list(self._entries)

    def scan(self) -> Changes:
        """What appeared, disappeared or changed since the previous scan."""
        previous = self._entries
        current: Dict[str, _Entry] = {}
        modified: List[str] = []
        now = time.time_ns()
        for path, result in self._stat_all():
            signature = _signature(result)
            recent = now - result.st_mtime_ns < _RECENT_NS
            old = previous.get(path)
            # Read the content when stat cannot tell: the file is recent, or
            # was at the last look and a write since may have kept every field.
            same_stat = old is not None and old.signature == signature
            known = old.digest if old is not None and same_stat else None
            digest = _digest(path) if recent or known is not None else None
            if old is not None and (not same_stat or (known is not None and digest != known)):
                modified.append(path)
            current[path] = _Entry(signature, digest if recent else None)
        added = [path for path in current if path not in previous]
        deleted = [path for path in previous if path not in current]
        self._entries = current
        return Changes(tuple(added), tuple(deleted), tuple(modified))

    def _stat_all(self) -> Iterator[Tuple[str, os.stat_result]]:
        for root in self.roots:
            try:
                result = os.stat(root)
            except OSError:
                continue
            if stat_module.S_ISDIR(result.st_mode):
                yield from self._walk(root)
            elif stat_module.S_ISREG(result.st_mode):
                yield root, result

    def _walk(self, folder: str) -> Iterator[Tuple[str, os.stat_result]]:
        stack = [folder]
        seen: Set[int] = set()
        while stack:
            here = stack.pop()
            try:
                entries = list(os.scandir(here))
            except OSError:  # deleted or unreadable while we looked
                continue
            for entry in entries:
                name = entry.name
                try:
                    if entry.is_dir():
                        if name.startswith(".") or name in _SKIP_FOLDERS:
                            continue
                        inode = entry.stat().st_ino
                        if inode in seen:  # a symlink loop
                            continue
                        seen.add(inode)
                        # Paths are kept resolved, as module paths are.
                        link = entry.is_symlink()
                        stack.append(os.path.realpath(entry.path) if link else entry.path)
                    elif is_source(name):
                        if entry.is_symlink():
                            yield os.path.realpath(entry.path), entry.stat()
                        else:
                            yield entry.path, entry.stat()
                except OSError:  # gone between listing and stat: it is not there
                    continue
