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
from typing import Dict, Iterable, List, NamedTuple, Optional, Set, Tuple

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


def _signature(result: os.stat_result) -> Signature:
    return (result.st_mtime_ns, result.st_size, result.st_ctime_ns if _POSIX else 0,
            result.st_ino)


class Scanner:
    """Stat signatures of the source files under `roots`, and what moved between scans.

    The first scan happens on construction and is the baseline. Roots are
    resolved once; a root may be a folder (walked recursively, skipping
    hidden folders and `__pycache__`) or a single file.
    """

    def __init__(self, roots: Iterable[str]) -> None:
        self.roots: Tuple[str, ...] = tuple(sorted({os.path.realpath(r) for r in roots}))
        self._signatures: Dict[str, Signature] = {}
        # The content's hash of each file that was recent at the last look.
        self._digests: Dict[str, Optional[bytes]] = {}
        self.scan()

    @property
    def paths(self) -> List[str]:
        """The source files seen by the last scan."""
        return list(self._signatures)

    def scan(self) -> Changes:
        """What appeared, disappeared or changed since the previous scan."""
        previous, known = self._signatures, self._digests
        current: Dict[str, Signature] = {}
        digests: Dict[str, Optional[bytes]] = {}
        added: List[str] = []
        modified: List[str] = []
        recent = time.time_ns() - _RECENT_NS
        # This loop is what a check that finds nothing costs: keep it lean.
        for path, result in self._stat_all():
            # A rewrite that set mtime back moves only ctime, whose tick may be coarse.
            mtime = max(result.st_mtime_ns, result.st_ctime_ns)
            signature = _signature(result)
            current[path] = signature
            old = previous.get(path)
            if old is None:
                added.append(path)
            elif old != signature:
                modified.append(path)
            elif path in known:
                # Stat cannot tell this content from a write within the same
                # tick as the last look: compare the content itself.
                digest = _digest(path)
                if digest != known[path]:
                    modified.append(path)
                if mtime > recent:
                    digests[path] = digest
                continue
            if mtime > recent:
                digests[path] = _digest(path)
        deleted = [path for path in previous if path not in current]
        self._signatures, self._digests = current, digests
        return Changes(tuple(added), tuple(deleted), tuple(modified))

    def _stat_all(self) -> List[Tuple[str, os.stat_result]]:
        found: List[Tuple[str, os.stat_result]] = []
        for root in self.roots:
            try:
                result = os.stat(root)
            except OSError:
                continue
            if stat_module.S_ISDIR(result.st_mode):
                self._walk(root, found)
            elif stat_module.S_ISREG(result.st_mode):
                found.append((root, result))
        return found

    def _walk(self, folder: str, found: List[Tuple[str, os.stat_result]]) -> None:
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
                    if name.endswith(_SUFFIXES):
                        if name[0] == "." or not entry.is_file():
                            continue
                        if entry.is_symlink():
                            found.append((os.path.realpath(entry.path), entry.stat()))
                        else:
                            found.append((entry.path, entry.stat()))
                    elif entry.is_dir():
                        if name[0] == "." or name in _SKIP_FOLDERS:
                            continue
                        inode = entry.stat().st_ino
                        if inode in seen:  # a symlink loop
                            continue
                        seen.add(inode)
                        # Paths are kept resolved, as module paths are.
                        link = entry.is_symlink()
                        stack.append(os.path.realpath(entry.path) if link else entry.path)
                except OSError:  # gone between listing and stat: it is not there
                    continue
