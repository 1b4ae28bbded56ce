"""Compile modules, purge them and import them again, or put everything back exactly.

Steps 2 (compile) and 5 (purge and import) of a reload. `prepare` finds and
compiles every module before anything is touched. A `Transaction` is handed
the modules in dependency order and the compiled code; it purges them from
`sys.modules` (and their attributes from parent packages that stay), imports
them again from that code, and on any failure restores the very same old
module objects and attributes and removes whatever the failed attempt added.
The code read from each file is kept while the file is unchanged (`codes`),
and the .pyc files of what was compiled are written after the reload. It
knows nothing of targets, graphs or reports.
"""

import _imp
import atexit
import errno
import importlib
import importlib.machinery
import importlib.util
import marshal
import os
import queue
import sys
import threading
import time
import types
import zipimport
from stat import S_ISREG
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from . import _discovery
from ._changes import Signature, stat_signature
from ._report import Location, blame

_MISSING = object()
_POSIX = os.name == "posix"


Prepared = Dict[
    str, Optional[Tuple[importlib.machinery.ModuleSpec, Optional[types.CodeType]]]
]


class PrepareError(Exception):
    """A module's new source could not be compiled (or found); nothing was purged."""

    def __init__(self, name: str, error: BaseException, path: Optional[str] = None) -> None:
        super().__init__(name, error)
        self.name = name
        self.error = error
        self.path = path  # the file that failed, when one was found


# --------------------------------------------------------------------------
# step 2 of a reload: find and compile


def _find_spec(name: str) -> Optional[importlib.machinery.ModuleSpec]:
    """Find `name` afresh, as an import would, ignoring the loaded module."""
    parent = name.rpartition(".")[0]
    path = None
    if parent:
        package = sys.modules.get(parent)
        path = getattr(package, "__path__", None)
        if path is None:
            return None
    for finder in list(sys.meta_path):
        if isinstance(finder, _Finder):
            continue
        find_spec = getattr(finder, "find_spec", None)
        if find_spec is None:
            continue
        spec = find_spec(name, path, None)
        if spec is not None:
            return spec  # type: ignore[no-any-return]
    return None


def _known_spec(name: str, stat_of: Callable[[str], os.stat_result] = os.stat
                ) -> Optional[importlib.machinery.ModuleSpec]:
    """A spec at the loaded module's source file, when a search would surely find it there.

    Searching again costs as much as the import itself; a source file that
    is still in place, with no package of the same name beside it, is what
    the search would find (the caller finds out whether it is in place when
    it reads it).
    """
    spec = getattr(sys.modules.get(name), "__spec__", None)
    origin = getattr(spec, "origin", None)
    if type(getattr(spec, "loader", None)) is not importlib.machinery.SourceFileLoader:
        return None
    if getattr(spec, "name", None) != name:
        return None  # another module's, copied into this namespace (furl's __init__)
    if not isinstance(origin, str) or not origin.endswith(".py"):
        return None
    package = spec.submodule_search_locations is not None  # type: ignore[union-attr]
    if package and os.path.basename(origin) != "__init__.py":
        return None
    if not package and _folders.holds_folder(origin[:-3], stat_of):
        return None  # a package of that name would now be found first
    loader = importlib.machinery.SourceFileLoader(name, origin)
    found = importlib.machinery.ModuleSpec(name, loader, origin=origin, is_package=package)
    found.has_location = True
    if package:
        found.submodule_search_locations = [os.path.dirname(origin)]
    found.cached = codes.cache_of(origin)
    return found


def _source_time(stat: os.stat_result) -> int:
    # ctime moves on every write and cannot be set back by os.utime, so it
    # catches an edit that kept mtime and size; on Windows it is creation time.
    return max(stat.st_mtime_ns, stat.st_ctime_ns) if _POSIX else stat.st_mtime_ns


def _cached_code(path: str, cache: str, stat: os.stat_result) -> Optional[types.CodeType]:
    """The code in `cache` if it surely matches the source at `path`, else None.

    Python accepts a timestamp .pyc when the source's whole-second mtime and
    size match, so a second edit within the same second that keeps the size
    runs stale code. Trust the .pyc only if it was written after the source
    last changed; a hash-based .pyc is checked against the source bytes.
    """
    try:
        with open(cache, "rb") as handle:
            data = handle.read()
            written = os.fstat(handle.fileno()).st_mtime_ns
    except OSError:
        return None
    if len(data) < 16 or data[:4] != importlib.util.MAGIC_NUMBER:
        return None
    flags = int.from_bytes(data[4:8], "little")
    if flags & 0b1:  # hash-based
        try:
            with open(path, "rb") as handle:
                source = handle.read()
        except OSError:
            return None
        if data[8:16] != importlib.util.source_hash(source):
            return None
    else:
        if int.from_bytes(data[8:12], "little") != int(stat.st_mtime) & 0xFFFFFFFF:
            return None
        if int.from_bytes(data[12:16], "little") != stat.st_size & 0xFFFFFFFF:
            return None
        if written <= _source_time(stat):
            return None
    try:
        code = marshal.loads(data[16:])
    except (EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, types.CodeType) else None


def _write_cache(cache: str, stat: os.stat_result, code: types.CodeType) -> None:
    if sys.dont_write_bytecode:
        return
    data = bytearray(importlib.util.MAGIC_NUMBER)
    data += (0).to_bytes(4, "little")
    data += (int(stat.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
    data += (stat.st_size & 0xFFFFFFFF).to_bytes(4, "little")
    data += marshal.dumps(code)
    temporary = "{}.{}.tmp".format(cache, os.getpid())
    try:
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, cache)
    except OSError:  # a read-only folder: run without a cache, as Python does
        try:
            os.unlink(temporary)
        except OSError:
            pass


#: A file changed less than this long before reloader read it may change
#: again within the same tick of the file system's clock, keeping its
#: signature: what was read then is not kept for next time.
_SETTLED_NS = 2 * 10**9


def _settled(stat: os.stat_result, read_at: int) -> bool:
    """Whether what was read at `read_at` (time.time_ns()) of the file or folder `stat`
    describes may be kept while its signature stays: it last changed well before."""
    # The change time moves on every write (on Windows the write time): a
    # later write of the same size in the same tick would look the same.
    changed_at = stat.st_ctime_ns if _POSIX else stat.st_mtime_ns
    return read_at - changed_at > _SETTLED_NS


class _Folders:
    """Which entries of each folder are folders, listed again only when the folder changes.

    Whether a package stands beside a module file (`tool/` beside `tool.py`)
    is asked of every module a reload runs again; the folders they lie in
    are few.
    """

    def __init__(self) -> None:
        #: folder -> (its signature, the names of the folders in it)
        self.known: Dict[str, Tuple[Signature, FrozenSet[str]]] = {}

    def holds_folder(self, path: str, stat_of: Callable[[str], os.stat_result]) -> bool:
        """Whether `path` is a folder, told from a listing of the folder it would be in."""
        if not _CASE_SENSITIVE:  # a listing would spell the name as it is on disk
            return os.path.isdir(path)
        folder, name = os.path.split(path)
        try:
            result = stat_of(folder)
        except OSError:  # gone: no folder in it either
            return False
        signature = stat_signature(result)
        known = self.known.get(folder)
        if known is None or known[0] != signature:
            read_at = time.time_ns()
            try:
                with os.scandir(folder) as entries:
                    names = frozenset(e.name for e in entries if e.is_dir())
            except OSError:
                return os.path.isdir(path)
            known = (signature, names)
            if _settled(result, read_at):  # else it may change again, keeping its signature
                self.known[folder] = known
            else:
                self.known.pop(folder, None)
        return name in known[1]


_folders = _Folders()
#: Whether file names that differ only in case name different files (Linux, usually;
#: elsewhere each module's folder is asked itself).
_CASE_SENSITIVE = sys.platform.startswith("linux")


class _Codes:
    """The code read or compiled from each source file, kept while the file is unchanged.

    A module that runs again from a file it ran from before reuses that code
    (code objects never change), with no .pyc to read. The .pyc of freshly
    compiled code is written after the reload, off its path: the new code
    need not wait for a cache meant for the next start.
    """

    def __init__(self) -> None:
        self.known: Dict[str, Tuple[Signature, types.CodeType]] = {}
        #: path -> the file's signature when its code was last asked for.
        self.read_as: Dict[str, Signature] = {}
        self.unwritten: List[Tuple[str, str, os.stat_result, types.CodeType]] = []
        self.caches: Dict[Tuple[str, Optional[str]], Optional[str]] = {}
        self.lock = threading.RLock()  # write_caches() holds it while starting the writer
        self.writer: Optional[threading.Thread] = None
        self.queue: "queue.SimpleQueue[Any]" = queue.SimpleQueue()  # noqa: UP037

    def code(self, path: str, stat_of: Callable[[str], os.stat_result] = os.stat
             ) -> types.CodeType:
        """The code of the source file at `path`; FileNotFoundError unless it is a file."""
        stat = stat_of(path)
        if not S_ISREG(stat.st_mode):  # a folder or a pipe now: no module file is there
            raise FileNotFoundError(errno.ENOENT, "not a file", path)
        signature = self.read_as[path] = stat_signature(stat)
        known = self.known.get(path)
        if known is not None and known[0] == signature:
            return known[1]
        read_at = time.time_ns()
        code = self._read(path, stat)
        if _settled(stat, read_at):
            self.known[path] = (signature, code)
        else:
            self.known.pop(path, None)
        return code

    def cache_of(self, path: str) -> Optional[str]:
        """The .pyc path of the source file at `path` (None where Python writes none)."""
        key = (path, getattr(sys, "pycache_prefix", None))  # the prefix may be set meanwhile
        try:
            return self.caches[key]
        except KeyError:
            pass
        try:
            cache: Optional[str] = importlib.util.cache_from_source(path)
        except (NotImplementedError, ValueError):
            cache = None
        self.caches[key] = cache
        return cache

    def _read(self, path: str, stat: os.stat_result) -> types.CodeType:
        cache = self.cache_of(path)
        if cache is not None:
            code = _cached_code(path, cache, stat)
            if code is not None:
                return code
        with open(path, "rb") as handle:
            source = handle.read()
        code = compile(source, path, "exec", dont_inherit=True)
        if cache is not None and not sys.dont_write_bytecode:
            self.unwritten.append((path, cache, stat, code))
        return code

    def write_caches(self) -> Optional[threading.Event]:
        """Write the .pyc files of what was compiled since the last call.

        They are written by a thread of their own where threads run, and the
        returned event is set once they are; elsewhere (WebAssembly) now.
        """
        unwritten, self.unwritten = self.unwritten, []
        if not unwritten:
            return None
        done = threading.Event()
        with self.lock:
            if not self.start_writer():
                _write_queued_now(unwritten)
                return None
            self.queue.put((unwritten, done))
        return done

    def start_writer(self) -> bool:
        """Start the thread that writes .pyc files, unless it runs; False where threads cannot."""
        with self.lock:
            if self.writer is not None and self.writer.is_alive():
                return True
            # The first use, or the first after fork().
            self.queue = queue.SimpleQueue()
            writer = threading.Thread(target=_write_queued, args=(self.queue,),
                                      name="reloader: writing .pyc files", daemon=True)
            try:
                writer.start()
            except RuntimeError:  # no threads here
                return False
            self.writer = writer
            atexit.register(_finish_writing, self.queue, writer)
            return True


def _write_queued_now(unwritten: List[Tuple[str, str, os.stat_result, types.CodeType]]) -> None:
    for path, cache, stat, code in unwritten:
        try:
            now = os.stat(path)
        except OSError:
            continue
        if (now.st_mtime_ns, now.st_size) == (stat.st_mtime_ns, stat.st_size):  # still that source
            _write_cache(cache, stat, code)


def _write_queued(work: "queue.SimpleQueue[Any]") -> None:
    while True:
        item = work.get()
        if item is None:
            return
        unwritten, done = item
        try:
            _write_queued_now(unwritten)
        finally:
            done.set()


def _finish_writing(work: "queue.SimpleQueue[Any]", writer: threading.Thread) -> None:
    # At exit: let the files queued be written, rather than cut off half-way.
    work.put(None)
    writer.join(5.0)


codes = _Codes()


def source_code(path: str, stat_of: Callable[[str], os.stat_result] = os.stat
                ) -> types.CodeType:
    """The code of the source file at `path`, from a .pyc only when it surely matches.

    `stat_of` is os.stat, or one that gives what it gave earlier in this reload.
    """
    return codes.code(path, stat_of)


def read_as(path: str) -> Optional[Signature]:
    """The file's signature when `source_code(path)` last read it; None if it never did."""
    return codes.read_as.get(path)


def write_caches() -> Optional[threading.Event]:
    """Write the .pyc files of the code compiled since the last call (see `_Codes`)."""
    return codes.write_caches()


def start_writer() -> None:
    """Start now what writes .pyc files after a reload, rather than in the first reload."""
    codes.start_writer()


class _Loader:
    """Wraps a module's real loader for one import: runs the prepared code, then reports."""

    def __init__(
        self,
        inner: Any,
        code: Optional[types.CodeType],
        executed: Callable[[types.ModuleType, str], None],
        starting: Callable[[types.ModuleType, str], None] = lambda module, name: None,
    ) -> None:
        self.inner = inner
        self.code = code
        self.executed = executed
        self.starting = starting

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Optional[types.ModuleType]:
        create = getattr(self.inner, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: types.ModuleType) -> None:
        # The module keeps its real loader, so nothing of reloader stays behind.
        spec = module.__spec__
        if spec is not None:
            spec.loader = self.inner
        module.__loader__ = self.inner
        # The name it is imported as: its code may change its __name__ and
        # __spec__ (furl copies a submodule's namespace into its package's).
        name = module.__name__
        self.starting(module, name)
        code, self.code = self.code, None
        if code is not None:
            exec(code, module.__dict__)
        elif hasattr(self.inner, "exec_module"):
            self.inner.exec_module(module)
        else:  # legacy loaders (zipimport before 3.10) offer get_code
            exec(self.inner.get_code(name), module.__dict__)
        # The import system binds a submodule on its package only after it
        # marked the module finished; another thread could meet the module in
        # sys.modules and not on the package. Bind it while it is unfinished.
        parent_name, _, child = name.rpartition(".")
        parent = sys.modules.get(parent_name) if parent_name else None
        if issubclass(type(parent), types.ModuleType):
            setattr(parent, child, module)
        self.executed(module, name)

    def __getattr__(self, name: str) -> Any:
        # get_source, is_package, get_resource_reader... of the real loader.
        return getattr(self.inner, name)


def _forget_archives(paths: Sequence[Optional[str]]) -> None:
    """Drop cached zip directories for archives holding `paths`, so edits are read."""
    for key, finder in list(sys.path_importer_cache.items()):
        if finder is None:
            del sys.path_importer_cache[key]  # a negative entry: look again
        elif isinstance(finder, zipimport.zipimporter):
            archive = finder.archive
            if any(p is not None and p.startswith(archive + os.sep) for p in paths):
                del sys.path_importer_cache[key]
                zip_cache = getattr(zipimport, "_zip_directory_cache", None)
                if isinstance(zip_cache, dict):
                    zip_cache.pop(archive, None)
    importlib.invalidate_caches()


def prepare(names: Sequence[str], paths: Sequence[Optional[str]],
            stat_of: Callable[[str], os.stat_result] = os.stat) -> Prepared:
    """Find and compile every module in `names`; None for a module whose file is gone.

    Raises PrepareError for the first module that does not compile. `stat_of`
    is os.stat, or one that gives what it gave earlier in this reload.
    """
    _forget_archives(paths)
    prepared: Prepared = {}
    for name in names:
        origin: Optional[str] = None
        try:
            code: Optional[types.CodeType] = None
            spec = _known_spec(name, stat_of)
            if spec is not None:
                origin = spec.origin
                try:
                    code = source_code(spec.origin, stat_of)  # type: ignore[arg-type]
                except OSError:  # gone, or unreadable: search as an import would
                    spec = origin = None
                else:
                    prepared[name] = (spec, code)
                    continue
            spec = _find_spec(name)
            if spec is None:
                prepared[name] = None
                continue
            loader = spec.loader
            origin = spec.origin if spec.has_location else None
            if isinstance(loader, importlib.machinery.SourceFileLoader) and spec.origin and (
                os.path.isfile(spec.origin)  # not a member of an archive (Sublime's packages)
            ):
                code = source_code(spec.origin)
            elif hasattr(loader, "get_code"):
                code = loader.get_code(name)  # type: ignore[union-attr]
            elif hasattr(loader, "get_source"):
                source = loader.get_source(name)  # type: ignore[union-attr]
                if source is not None:
                    compile(source, spec.origin or name, "exec", dont_inherit=True)
            prepared[name] = (spec, code)
        except Exception as error:
            raise PrepareError(name, error, origin) from error
    return prepared


# --------------------------------------------------------------------------
# step 5 of a reload: purge and import again, or restore


class _Finder:
    """A meta path finder that serves the prepared specs, each once."""

    def __init__(self, specs: Dict[str, importlib.machinery.ModuleSpec]) -> None:
        self.specs = specs

    def find_spec(
        self, name: str, path: Any = None, target: Any = None
    ) -> Optional[importlib.machinery.ModuleSpec]:
        return self.specs.pop(name, None)

    def invalidate_caches(self) -> None:
        pass


class _Existing:
    """The loader of a module left loaded, served back as it is: nothing runs again."""

    def __init__(self, module: types.ModuleType) -> None:
        self.module = module

    def create_module(self, spec: Any) -> types.ModuleType:
        return self.module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


class ImportFailure(Exception):
    """Re-importing failed; the transaction restored everything before raising this."""

    def __init__(self, name: str, error: BaseException, location: Optional[Location]) -> None:
        super().__init__(name, error)
        self.name = name
        self.error = error
        self.location = location


class Transaction:
    """Reload `order` (dependency order) as one unit: all new, or all old again.

    `executed(module, name)` is called as each module's code has run, before the
    code of the modules importing it runs. It is a callback, not a step after
    the import, because only the import system knows that moment (a module of
    an import cycle finishes inside another's import), and live update must
    act then: importers bind the old classes it updated, not the new ones.
    `groups` are the modules imported together (cycles, and a package with
    the submodules its code imports).
    """

    def __init__(
        self,
        order: Sequence[str],
        prepared: Prepared,
        executed: Callable[[types.ModuleType, str], None] = lambda module, name: None,
        groups: Sequence[Sequence[str]] = (),
        kept: Sequence[str] = (),
        aliases: Optional[Dict[str, str]] = None,
        starting: Callable[[types.ModuleType, str], None] = lambda module, name: None,
    ) -> None:
        self.order = list(order)
        self.kept = list(kept)  # loaded submodules of purged packages (theirs too), not purged
        self.kept_under: Dict[str, List[str]] = {}  # package -> its kept submodules
        for name in self.kept:
            self.kept_under.setdefault(name.rpartition(".")[0], []).append(name)
        self.aliases = aliases or {}  # another sys.modules name of a module -> its own
        self.group_of = {member: tuple(group) for group in groups for member in group}
        self.prepared = prepared
        self.executed = executed
        self.starting = starting
        self.old: Dict[str, types.ModuleType] = {}
        self.saved_attributes: List[Tuple[types.ModuleType, str, object]] = []
        #: id(package left loaded) -> (it, its own __getattr__, submodules imported on access)
        self.on_access: Dict[int, Tuple[types.ModuleType, object, Set[str]]] = {}
        self.before: Dict[str, object] = {}
        self.removed: List[str] = []
        self.current = self.order[0] if self.order else ""
        self.added: List[str] = []
        self.restored = False

    def run(self) -> None:
        """Purge and import again; on failure restore and raise ImportFailure.

        Holds the import lock throughout, so another thread's import of a
        purged module waits and then gets the finished one.
        """
        _imp.acquire_lock()
        try:
            # Taken before the purge starts, so that an interrupt arriving
            # during the purge finds everything it needs to restore.
            self.before = _discovery.modules_now()
            try:
                self._purge()
                self._import_all()
            except BaseException as error:
                self.restore()
                if not isinstance(error, Exception):
                    raise  # KeyboardInterrupt, SystemExit: restored, then on their way
                raise self._failure(error) from error
        finally:
            _imp.release_lock()

    def _failure(self, error: Exception) -> ImportFailure:
        # The module at fault is the one whose file the error points into,
        # which may be a module imported from inside the one being imported.
        files = {spec.origin: name for name, entry in self.prepared.items() if entry is not None
                 for spec in (entry[0],) if spec.origin}
        location = blame(error, list(files))
        name = self.current
        if location is None and getattr(error, "refusal", False):
            # Refused after the module's code ran: no frame of it is left; name its file.
            origin = next((f for f, n in files.items() if n == name), None)
            location = Location(origin, 0) if origin else None
        if location is not None and not location.in_reloader:
            real = os.path.realpath(location.filename)
            name = next((n for f, n in files.items() if os.path.realpath(f) == real), name)
        return ImportFailure(name, error, location)

    def _purge(self) -> None:
        purged = set(self.order)
        for name in self.order:
            module = sys.modules.get(name)
            if isinstance(module, types.ModuleType):
                self.old[name] = module
        for name in self.order:
            parent_name, _, child = name.rpartition(".")
            parent = sys.modules.get(parent_name) if parent_name else None
            if parent is not None and parent_name not in purged:
                # The old attribute stays until the new module replaces it, so
                # another thread's `tool.ui.f()` never finds it missing.
                self.saved_attributes.append((parent, child, parent.__dict__.get(child, _MISSING)))
        # Submodules first: another thread must never find a submodule loaded
        # while its package is not.
        for name in reversed(self.order):
            sys.modules.pop(name, None)

    def _detach(self, names: Sequence[str], on_access: bool = False) -> None:
        """Remove the old modules `names` (not imported again yet) from packages that stay;
        with `on_access`, a package left loaded imports the new one when code reads it."""
        for name in names:
            parent_name, _, child = name.rpartition(".")
            parent = sys.modules.get(parent_name) if parent_name else None
            old = self.old.get(name)
            if (
                name not in sys.modules
                and old is not None
                and issubclass(type(parent), types.ModuleType)
                and parent.__dict__.get(child, _MISSING) is old
            ):
                delattr(parent, child)
                if on_access and parent_name not in self.old:
                    self._import_on_access(parent, parent_name, child)  # type: ignore[arg-type]

    def _import_on_access(self, parent: types.ModuleType, parent_name: str, child: str) -> None:
        # Code that reads the submodule as the package's attribute (`pd.api.extensions`)
        # before any import of it ran again imports the new one, as the package's own
        # import did: a module `__getattr__` (PEP 562) until the import is over.
        entry = self.on_access.get(id(parent))
        if entry is None:
            previous = parent.__dict__.get("__getattr__", _MISSING)
            entry = self.on_access[id(parent)] = (parent, previous, set())
            names = entry[2]

            def __getattr__(attribute: str) -> Any:
                if attribute in names:
                    return importlib.import_module(parent_name + "." + attribute)
                if previous is not _MISSING:
                    return previous(attribute)
                raise AttributeError("module {!r} has no attribute {!r}".format(
                    parent_name, attribute))

            parent.__dict__["__getattr__"] = __getattr__
        entry[2].add(child)

    def _drop_on_access(self) -> None:
        for parent, previous, _ in self.on_access.values():
            if previous is _MISSING:
                parent.__dict__.pop("__getattr__", None)
            else:
                parent.__dict__["__getattr__"] = previous
        self.on_access = {}

    def _import_all(self) -> None:
        specs: Dict[str, importlib.machinery.ModuleSpec] = {}
        for name, entry in self.prepared.items():
            if entry is not None:
                spec, code = entry
                if spec.loader is not None:  # None: a namespace package, nothing to run
                    spec.loader = _Loader(  # type: ignore[assignment]
                        spec.loader, code, self.executed, self._starting)
                specs[name] = spec
        served = self._serve_kept(specs)
        finder = _Finder(specs)
        # A module whose file is gone must not be found on its package by
        # `from tool import gone`: that import has to fail.
        self._detach([name for name in self.order if self.prepared.get(name) is None])
        sys.meta_path.insert(0, finder)
        try:
            for name in self.order:
                self.current = name
                if name in sys.modules:
                    continue  # imported already, by a module earlier in the order
                if self.prepared.get(name) is None:
                    continue  # its file is gone; an importer that needs it fails
                # Inside a group, `from tool import b` must import the new b,
                # not take the old one still bound on the package (once a group).
                group = self.group_of.get(name, ())
                for member in group:
                    del self.group_of[member]
                self._detach(group, on_access=True)
                importlib.import_module(name)
            self._load_lazy()
        finally:
            sys.meta_path.remove(finder)
            self._drop_on_access()
            for name, (module, spec) in served.items():
                sys.modules.setdefault(name, module)  # those no import asked for
                object.__getattribute__(module, "__dict__")["__spec__"] = spec
        self._attach_kept()
        self._follow_aliases()
        self.removed = [name for name in self.order if name not in sys.modules]
        self._detach(self.removed)
        before = self.before  # a set less a dict's keys would walk every key
        self.added = sorted(name for name in self._inserted() if name not in before)

    def _serve_kept(self, specs: Dict[str, Any]) -> Dict[str, Tuple[types.ModuleType, Any]]:
        # The modules left loaded under purged packages leave sys.modules for the
        # import and are served back as they are, so `import pkg.sub.ext` imports the
        # new `pkg.sub` first, as the first import did, rather than finding `ext` loaded
        # under a package that is not (pandas' extension modules under `pandas._libs`).
        served = {}
        for name in self.kept:
            module = sys.modules.get(name)
            if module is None or module is not self.before.get(name) or not issubclass(
                    type(module), types.ModuleType):
                continue
            namespace = object.__getattribute__(module, "__dict__")  # a lazy module stays so
            spec = importlib.machinery.ModuleSpec(name, _Existing(module),  # type: ignore[arg-type]
                                                  is_package="__path__" in namespace)
            served[name], specs[name] = (module, namespace.get("__spec__")), spec
            del sys.modules[name]
        return served

    def _load_lazy(self) -> None:
        # A package may put its submodules in sys.modules itself, with
        # importlib.util.LazyLoader (urwid.display): their code runs on first
        # use. One whose old version had run runs now, while old and new can
        # still be paired.
        lazy = getattr(importlib.util, "_LazyModule", None)
        for name in self.order:
            module = sys.modules.get(name)
            if lazy is not None and type(module) is lazy and type(self.old.get(name)) is not lazy:
                self.current = name
                module.__name__  # noqa: B018  (the access runs its code)

    def took_old(self) -> List[Tuple[str, str, str]]:
        """(module, name, old module) for each name that a module imported for the
        first time during this reload bound to an old module.

        It imported a module back while that module's new code ran (`from
        tool import ui` inside ui's import), and found the old one still bound
        on the package: the attribute stays until the new module is done, so
        that other threads never find it missing.
        """
        old = {id(module): name for name, module in self.old.items()}
        found = []
        for name in self.added:
            module = sys.modules.get(name)
            if not _discovery.is_module(module):
                continue
            for key, value in list(object.__getattribute__(module, "__dict__").items()):
                if id(value) in old and self.old[old[id(value)]] is value:
                    found.append((name, key, old[id(value)]))
        return found

    def _inserted(self) -> Set[str]:
        """The names put in sys.modules since the purge began, and maybe some others.

        A dict keeps its keys in insertion order: those are after every entry
        that was there before and stayed as it was, which a walk from the end
        meets first (dicts reverse from Python 3.8). Elsewhere, or when
        another thread changes sys.modules meanwhile, every name.
        """
        modules = sys.modules
        if sys.version_info < (3, 8):
            return set(modules)
        before, old = self.before, self.old
        found = set()
        try:
            for name in reversed(modules):
                if name not in old and before.get(name, _MISSING) is modules.get(name):
                    break  # there before, as it was, and never taken out
                found.add(name)
        except RuntimeError:  # changed during the walk
            return set(modules)
        return found

    def _follow_aliases(self) -> None:
        # Other names of a reloaded module (requests.packages.chardet for
        # charset_normalizer) name the new module, as the first import left them.
        for alias, name in self.aliases.items():
            old = self.old.get(name)
            new = sys.modules.get(name)
            if old is not None and new is not None and sys.modules.get(alias) is old:
                sys.modules[alias] = new

    def _starting(self, module: types.ModuleType, name: str) -> None:
        self._attach_kept_to(module, name)
        self.starting(module, name)

    def _attach_kept_to(self, package: types.ModuleType, package_name: str) -> None:
        # A submodule left loaded is an attribute of its package from the
        # start of the package's new code: `from .sub import *` finds it in
        # sys.modules and binds no attribute, yet the code may go on with
        # `sub.f()`, as after the first import, which bound it.
        for name in self.kept_under.get(package_name, ()):
            self._attach(name, package)

    def _attach_kept(self) -> None:
        # A module left alone (protected, or not selected) whose package was
        # re-imported must stay reachable as an attribute of the new package,
        # as `import tool.ext; tool.ext.f()` expects.
        for name in self.kept:
            self._attach(name, sys.modules.get(name.rpartition(".")[0]))

    def _attach(self, name: str, parent: object) -> None:
        module = sys.modules.get(name)
        child = name.rpartition(".")[2]
        if (
            module is self.before.get(name)
            and issubclass(type(module), types.ModuleType)
            and issubclass(type(parent), types.ModuleType)
            and child not in parent.__dict__
        ):
            setattr(parent, child, module)

    def restore(self) -> None:
        """Put back every old module and parent attribute; drop what the attempt added.

        Does nothing before the purge began or once done, so it can be pushed
        as an undo before `run()`, which restores by itself on failure.
        """
        if not self.before or self.restored:
            return
        _imp.acquire_lock()
        try:
            self._restore()
        finally:
            _imp.release_lock()
        self.restored = True

    def _restore(self) -> None:
        for name in list(sys.modules):
            if name not in self.before:
                module = sys.modules.pop(name)
                parent_name, _, child = name.rpartition(".")
                parent = self.before.get(parent_name)
                if (
                    issubclass(type(parent), types.ModuleType)
                    and parent.__dict__.get(child, _MISSING) is module
                ):
                    delattr(parent, child)
        for name, entry in self.before.items():
            if sys.modules.get(name, _MISSING) is not entry:
                sys.modules[name] = entry  # type: ignore[assignment]
        for parent, child, value in self.saved_attributes:
            if value is _MISSING:
                parent.__dict__.pop(child, None)
            else:
                setattr(parent, child, value)
