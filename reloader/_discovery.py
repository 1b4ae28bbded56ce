"""Which loaded modules a target names, and which modules are protected and why.

A target is a dotted name prefix, a filesystem path or a module object. This
module turns targets into module names and classifies loaded modules as
reloadable or protected (with the reason), each when first asked about: a
name target needs names, not paths. It reads `sys.modules` but never
changes it. The module table it keeps between calls, with the prefixes hosts
protect, belongs to the current state (`_state.current().table`).
"""

import bisect
import collections
import importlib.machinery
import itertools
import operator
import os
import sys
import threading
import types
import weakref
from typing import (
    Callable,
    Dict,
    Generic,
    Iterable,
    Iterator,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Set,
    Tuple,
    TypeVar,
    Union,
    cast,
)

from . import _state

# The package's own name: "reloader", or "Pkg.reloader" when a host plug-in
# folder carries a copy of it inside another package.
SELF = __name__.rpartition(".")[0]

_MISSING = object()
_EXTENSION_SUFFIXES = tuple(importlib.machinery.EXTENSION_SUFFIXES)
_STDLIB_DIR = os.path.dirname(os.path.realpath(os.__file__))
_SITE_DIR_NAMES = ("site-packages", "dist-packages")


class ModuleInfo(NamedTuple):
    """What reloader needs to know about one loaded module."""

    name: str
    path: Optional[str]  # resolved source (or archive member) path, None if none
    search_paths: Tuple[str, ...]  # resolved package folders ("__path__")
    protected: Optional[str]  # why it is never purged, or None


def is_within(name: str, prefix: str) -> bool:
    """Whether dotted `name` is `prefix` itself or lies below it."""
    return name == prefix or name.startswith(prefix + ".")


def path_is_within(path: str, folder: str) -> bool:
    """Whether resolved `path` is `folder` or lies below it."""
    # Most paths fail the cheap test; commonpath decides on the rest.
    if not os.path.normcase(path).startswith(os.path.normcase(folder)):
        return False
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # different drives on Windows
        return False


# --------------------------------------------------------------------------
# protection


def protect(*prefixes: str, reason: str) -> Callable[[], None]:
    """Never purge modules under `prefixes`; return the callable that undoes it."""
    for prefix in prefixes:
        check_name(prefix, what="protected prefix")
    entries = [(prefix, reason) for prefix in prefixes]
    table = _state.current().table
    with table.lock:
        table.protected.extend(entries)

    def unprotect() -> None:
        with table.lock:
            for entry in entries:
                if entry in table.protected:
                    table.protected.remove(entry)

    return unprotect


def _declared_protection(name: str, protected: List[Tuple[str, str]]) -> Optional[str]:
    for prefix, reason in protected:
        if is_within(name, prefix):
            return reason
    return None


def _in_stdlib(path: str) -> bool:
    if not path_is_within(path, _STDLIB_DIR):
        return False
    first = os.path.relpath(path, _STDLIB_DIR).split(os.sep, 1)[0]
    return first not in _SITE_DIR_NAMES


def written_file(namespace: Mapping[str, object]) -> Optional[str]:
    """The file a module's namespace says it was loaded from, as written (no link resolved)."""
    spec = namespace.get("__spec__")
    file = getattr(spec, "origin", None) if getattr(spec, "has_location", False) else (
        namespace.get("__file__"))
    return file if isinstance(file, str) else None


def _module_dict(module: types.ModuleType) -> Dict[str, object]:
    # object.__getattribute__ bypasses lazy modules' __getattribute__, which
    # would load them just because reloader looked.
    namespace: Dict[str, object] = object.__getattribute__(module, "__dict__")
    return namespace


_real_folders: Dict[str, str] = {}


def _resolved(path: object) -> Optional[str]:
    """`path` resolved; folders are resolved once and remembered (the costly part)."""
    if not isinstance(path, str) or not path:
        return None
    folder, base = os.path.split(os.path.abspath(path))
    real_folder = _real_folders.get(folder)
    if real_folder is None:
        real_folder = _real_folders[folder] = os.path.realpath(folder)
    resolved = os.path.join(real_folder, base)
    return os.path.realpath(resolved) if os.path.islink(resolved) else resolved


# What _examine found, by what it looked at: a module run again from the same
# file is not examined again.
_examined: Dict[object, ModuleInfo] = {}


def _examine(name: str, module: types.ModuleType) -> ModuleInfo:
    namespace = _module_dict(module)
    spec = namespace.get("__spec__")
    origin = getattr(spec, "origin", None) if spec is not None else None
    loader = getattr(spec, "loader", None) if spec is not None else namespace.get("__loader__")
    has_location = bool(getattr(spec, "has_location", False))
    raw_search = namespace.get("__path__")
    try:
        key: object = (name, origin, has_location, namespace.get("__file__"),
                       None if raw_search is None else tuple(raw_search),  # type: ignore[arg-type]
                       loader if isinstance(loader, type) else type(loader))
        info = _examined.get(key)
    except TypeError:  # unhashable attributes: examine every time
        key = info = None
    if info is None:
        info = _examine_anew(name, namespace, origin, loader, has_location, raw_search)
        if key is not None:
            _examined[key] = info
    alias_of = _alias_of(name, module) if info.protected is None else None
    if alias_of is not None:
        return info._replace(
            protected="another name for {}, which is reloaded in its place".format(alias_of))
    return info


def _alias_of(name: str, module: types.ModuleType) -> Optional[str]:
    """The name `module` is loaded under when `name` is another name for it, else None.

    requests.packages.chardet for charset_normalizer: the module is imported
    again under its own name, and the other entry follows it.
    """
    spec_name = getattr(_module_dict(module).get("__spec__"), "name", name)
    if spec_name != name and name != "__main__" and sys.modules.get(spec_name) is module:
        return spec_name
    return None


def _examine_anew(
    name: str, namespace: Dict[str, object], origin: object, loader: object,
    has_location: bool, raw_search: object,
) -> ModuleInfo:
    file = origin if has_location else namespace.get("__file__")
    if file is None and isinstance(origin, str) and os.path.isabs(origin) and (
        hasattr(loader, "get_code") or hasattr(loader, "get_source")
    ):
        file = origin  # served from an archive by a custom loader (Sublime's packages)
    path = _resolved(file)
    search: Tuple[str, ...] = ()
    if raw_search is not None:
        try:
            entries = list(raw_search)  # type: ignore[call-overload]
            search = tuple(p for p in (_resolved(entry) for entry in entries) if p)
        except TypeError:
            search = ()
    protected = None
    if name == "__main__":
        protected = "the program's main module: it is never re-imported"
    elif is_within(name, SELF):
        protected = "part of reloader itself"
    elif name in sys.builtin_module_names or origin == "built-in":
        protected = "built-in module: it is part of the interpreter"
    elif origin == "frozen" or isinstance(loader, type) and issubclass(
        loader, importlib.machinery.FrozenImporter
    ):
        protected = "frozen module: it is part of the interpreter"
    elif path is not None and path.endswith(_EXTENSION_SUFFIXES):
        protected = "extension module: cannot be initialised twice"
    elif path is not None and _in_stdlib(path):
        protected = "standard library: reloading it would break the interpreter"
    elif path is None and raw_search is None:
        protected = "no source file: it was not imported from a file"
    elif namespace.get("__spec__", False) is None and not raw_search:
        # Its file is another module's (bottle's `bottle.ext`): no import finds it.
        protected = "made at run time, not imported (it has no module spec): no import can " \
            "make it again"
    return ModuleInfo(name, path, search, protected)


T = TypeVar("T")


class ModuleMemo(Generic[T]):
    """One computed value per module object; a freed module's value goes at a later sweep.

    Swept when the memo has grown to twice what it held after the last
    sweep: a reload makes many module objects, and a weak reference with a
    callback for each would cost more than the value it keeps.
    """

    def __init__(self, compute: Callable[[str, types.ModuleType], T], least: int = 1024) -> None:
        self._compute = compute
        self._lock = threading.Lock()
        # Quoted: weakref.ref is subscriptable only from Python 3.9.
        self._values: Dict[int, Tuple["weakref.ref[types.ModuleType]", str, T]] = {}  # noqa: UP037
        self._least = self._sweep_at = least  # entries held before the first sweep

    def get(self, name: str, module: types.ModuleType) -> T:
        values = self._values
        key = id(module)
        entry = values.get(key)
        if entry is not None and entry[0]() is module and entry[1] == name:
            return entry[2]
        value = self._compute(name, module)
        try:
            ref = weakref.ref(module)
        except TypeError:  # a module type that refuses weak references
            return value
        values[key] = (ref, name, value)
        if len(values) > self._sweep_at:
            self._sweep()
        return value

    def _sweep(self) -> None:
        with self._lock:
            values = self._values
            for key, entry in list(values.items()):
                if entry[0]() is None and values.get(key) is entry:
                    del values[key]
            self._sweep_at = max(self._least, 2 * len(values))

    def __len__(self) -> int:
        return len(self._values)


_infos = ModuleMemo(_examine)


def is_module(value: object) -> bool:
    """Whether a `sys.modules` entry is a module reloader can read.

    A module object whose namespace is a dict: a module type's instance may
    have none to show (cffi's library objects: `_openssl.lib`, `_sodium.lib`).
    """
    if type(value) is types.ModuleType:
        return True
    if not issubclass(type(value), types.ModuleType):
        return False
    try:
        return type(object.__getattribute__(value, "__dict__")) is dict
    except Exception:  # no namespace, or one its type refuses to show
        return False


def describe(name: str, module: object) -> Optional[ModuleInfo]:
    """ModuleInfo for a `sys.modules` entry, or None for entries that are not modules."""
    if not isinstance(module, types.ModuleType) or not is_module(module):
        return None
    info = _infos.get(name, module)
    if info.protected is not None:
        return info
    declared = _declared_protection(name, _state.current().table.protected)
    return info if declared is None else info._replace(protected=declared)


def modules_now() -> Dict[str, object]:
    """A copy of `sys.modules`: the table cloned whole in C (dict() inserts entry by entry)."""
    return cast(Dict[str, object], sys.modules.copy())


def loaded_module(name: str) -> Optional[types.ModuleType]:
    """The module loaded as `name`, or None when the entry is missing or not a module."""
    module = sys.modules.get(name)
    return module if isinstance(module, types.ModuleType) and is_module(module) else None


# --------------------------------------------------------------------------
# targets


def check_name(name: str, *, what: str = "target") -> None:
    """Raise ValueError unless `name` is a dotted module name."""
    if not name or not all(part.isidentifier() for part in name.split(".")):
        raise ValueError(
            "{} {!r} is not a dotted module name; give a name like 'tool' or "
            "'tool.ui', or a folder path".format(what, name)
        )


def _is_path(target: object) -> bool:
    if isinstance(target, os.PathLike):
        return True
    separators = {os.sep, "/"} | ({os.altsep} if os.altsep else set())
    return isinstance(target, str) and any(sep in target for sep in separators)


def _path_target(target: Union[str, "os.PathLike[str]"]) -> str:
    raw = os.fspath(target)
    if not isinstance(raw, str):
        raise TypeError(
            "path target {!r} is bytes; give it as str or pathlib.Path".format(target)
        )
    folder = os.path.realpath(raw)
    if os.path.dirname(folder) == folder:
        raise ValueError(
            "path target {!r} is a filesystem root and would select every module; "
            "give the folder of a package instead".format(raw)
        )
    return folder


class Selection(NamedTuple):
    """The modules a set of targets names."""

    names: List[str]  # reloadable, in sys.modules order
    skipped: Dict[str, str]  # protected module name -> reason


def _under_folder(folder: str) -> List[str]:
    found = []
    for name, info in _state.current().table.infos.items():
        if info.path is not None:
            if path_is_within(info.path, folder):
                found.append(name)
        elif info.search_paths and all(path_is_within(p, folder) for p in info.search_paths):
            found.append(name)
    return found


def _matches(target: object) -> Tuple[str, List[str]]:
    """A description of `target` and the names of the loaded modules it selects."""
    if isinstance(target, types.ModuleType):
        if not is_module(target):
            raise ValueError(
                "{!r} has no namespace to reload (a compiled library's object); pass the "
                "name of the module that made it instead".format(target)
            )
        prefix = _module_dict(target).get("__name__")
        if not isinstance(prefix, str) or sys.modules.get(prefix) is not target:
            raise ValueError(
                "module {!r} is not the one loaded under its name; pass its name "
                "instead".format(target)
            )
        return repr(prefix), _state.current().table.under(prefix)
    if _is_path(target):
        folder = _path_target(target)  # type: ignore[arg-type]
        return "path {!r}".format(os.fspath(target)), _under_folder(folder)  # type: ignore[call-overload]
    if isinstance(target, str):
        check_name(target)
        return repr(target), _state.current().table.under(target)
    raise TypeError(
        "a target is a dotted module name (str), a path (str with a separator or "
        "os.PathLike) or a module, not {} {!r}".format(type(target).__name__, target)
    )


def select(targets: Iterable[object]) -> Selection:
    """The loaded modules that `targets` name, split into reloadable and protected.

    Reads the module table as it is: the caller refreshes it first.
    """
    targets = list(targets)
    if not targets:
        raise TypeError(
            "give at least one target: a dotted module name such as 'tool', "
            "a folder path, or a module object"
        )
    chosen: Dict[str, None] = {}
    skipped: Dict[str, str] = {}
    table = _state.current().table
    for target in targets:
        description, names = _matches(target)
        hits = [table.info(name) for name in sorted(names, key=table.rank.__getitem__)]
        prefix = target if isinstance(target, str) and not _is_path(target) else None
        others = table.others_under(prefix) if prefix is not None else {}
        if prefix in others:
            raise ValueError("{!r} cannot be reloaded: {}".format(prefix, others[prefix]))
        skipped.update(others)
        if not hits:
            if _is_path(target) and not os.path.exists(target):  # type: ignore[arg-type]
                raise ValueError("path target {!r} does not exist; check the path".format(
                    os.fspath(target)))  # type: ignore[call-overload]
            raise ValueError(
                "no loaded module matches {}; import it first, or check the "
                "spelling".format(description)
            )
        reloadable = [info for info in hits if info.protected is None]
        for info in hits:  # another name of a module: the module itself
            alias_of = table.aliases.get(info.name)
            if alias_of is not None and alias_of in table.infos:
                real = table.info(alias_of)
                if real.protected is None:
                    reloadable.append(real)
        if not reloadable:
            reasons = ", ".join("{} ({})".format(i.name, i.protected) for i in hits[:5])
            more = ", ..." if len(hits) > 5 else ""
            raise ValueError(
                "{} selects only protected modules, which are never reloaded: "
                "{}{}".format(description, reasons, more)
            )
        for info in hits:
            if info.protected is not None:
                skipped[info.name] = info.protected
        chosen.update(dict.fromkeys(info.name for info in reloadable))
    return Selection(sorted(chosen, key=table.rank.__getitem__), skipped)


class _Infos(Mapping[str, ModuleInfo]):
    """The ModuleInfo of each module entry, examined when first asked for.

    Keys are the table's module entries; a value is computed on first access
    and forgotten when the entry changes.
    """

    def __init__(self, modules: Dict[str, types.ModuleType]) -> None:
        self._modules = modules
        self._known: Dict[str, ModuleInfo] = {}

    def __getitem__(self, name: str) -> ModuleInfo:
        info = self._known.get(name)
        if info is None:
            info = self._known[name] = _infos.get(name, self._modules[name])
        return info

    def __contains__(self, name: object) -> bool:
        return name in self._modules

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)

    def forget(self, name: str) -> None:
        """Drop what is known of `name`: its entry changed."""
        self._known.pop(name, None)


class _Children:
    """Package name -> the names of its loaded direct submodules, read off the sorted names."""

    def __init__(self, table: "_Table") -> None:
        self._table = table

    def get(self, name: str, default: Iterable[str] = ()) -> Iterable[str]:
        start = len(name) + 1
        found = {n for n in self._table.under(name) if n != name and "." not in n[start:]}
        return found or default


class _Table:
    """`sys.modules` as last seen, with a ModuleInfo per module entry.

    Brought up to date by difference: comparing the copy with `sys.modules`
    is one pass in C, and a module is examined only when something asks for
    its ModuleInfo (a name target needs names, not paths), so looking costs
    little however many modules are loaded. The copy holds
    the modules that were loaded at the last look; every reload looks again
    when it ends, so it never keeps a replaced module alive.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.seen: Dict[str, object] = {}
        self.modules: Dict[str, types.ModuleType] = {}  # the module entries of `seen`
        self.infos = _Infos(self.modules)  # without declared protection
        self.names: List[str] = []  # sorted names of module entries
        self.children = _Children(self)  # package name -> loaded submodules
        self.rank: Dict[str, int] = {}  # position in sys.modules order
        self.unindexed: Set[str] = set()  # changed names the import index has not seen
        self.protected: List[Tuple[str, str]] = []  # (prefix, reason) hosts added, in order
        self.aliases: Dict[str, str] = {}  # another name of a module -> its own name
        #: name -> the type of an entry neither a module nor None (a proxy a library put there)
        self.others: Dict[str, str] = {}
        self._counter = 0
        #: Grows whenever entries are looked at again: the same value, the same sys.modules.
        self.version = 0

    def refresh(self) -> Set[str]:
        """Update from `sys.modules`; return the names added, replaced or removed."""
        if not self.seen:
            return self._first_look(modules_now())
        try:
            # Entries are compared by identity first: no code of theirs runs
            # unless one changed, and then it is copied and compared again.
            if sys.modules == self.seen:
                return set()
        except Exception:  # an entry whose __eq__ raises: compare one by one
            pass
        current = modules_now()
        try:
            # Entries (name, module) hash by identity: one pass in C.
            changed = {name for name, _ in current.items() ^ self.seen.items()}
        except TypeError:  # an unhashable entry: compare one by one
            seen = self.seen
            changed = {n for n, v in current.items() if seen.get(n, _MISSING) is not v}
            changed.update(seen.keys() - current.keys())
        # Positions follow sys.modules, where a replaced entry moves to the end.
        ordered = [name for name in current if name in changed] if changed else []
        ordered += [name for name in changed if name not in current]
        # In place: whoever holds the copy (the import index) sees the same
        # entries, and so never keeps a replaced module alive.
        self.seen.clear()
        self.seen.update(current)
        return self._apply(ordered, current)

    def _first_look(self, current: Dict[str, object]) -> Set[str]:
        # Every entry is new: the same as _apply, in passes in C.
        self.version += 1
        keys = list(current)
        named = list(map(isinstance, keys, itertools.repeat(str)))
        modular = map(isinstance, current.values(), itertools.repeat(types.ModuleType))
        names = list(itertools.compress(keys, map(operator.and_, named, modular)))
        if not all(map(operator.is_, map(type, map(current.__getitem__, names)),
                       itertools.repeat(types.ModuleType))):  # some of a module type: told in C
            names = [name for name in names if is_module(current[name])]
        self.modules.update(zip(names, map(current.__getitem__, names)))  # type: ignore[arg-type]
        self.rank.update(zip(names, itertools.count(self._counter)))
        self._counter += len(names)
        self.names = sorted(names)
        self.seen.update(current)
        listed = self.modules
        self.others = {k: type(v).__qualname__ for k, v in current.items()
                       if v is not None and k not in listed and isinstance(k, str)}
        modules = self.modules
        counts = collections.Counter(map(id, modules.values()))
        if len(counts) < len(modules):  # one module, two names: only those can be aliases
            self.aliases = {n: a for n, a in ((n, _alias_of(n, modules[n])) for n in names
                                              if counts[id(modules[n])] > 1) if a is not None}
        changed = set(itertools.compress(keys, named))
        self.unindexed |= changed
        return changed

    def note(self, names: Iterable[str]) -> Set[str]:
        """Look again at these entries only: a reload just changed them, in this order.

        Cheaper than refresh() after a reload of a few modules among many; any
        other change to sys.modules is still found by the next refresh().
        """
        current = sys.modules
        wanted = set(names)
        for name in wanted:
            value = current.get(name, _MISSING)
            if value is _MISSING:
                self.seen.pop(name, None)
            else:
                self.seen[name] = value
        present = {name for name in wanted if name in current}
        # Ranks follow sys.modules, where the reload just put these entries,
        # at the end: look there first (dicts reverse from Python 3.8).
        if sys.version_info >= (3, 8):
            ordered = []
            for name in reversed(current):
                if name in present:
                    ordered.append(name)
                    if len(ordered) == len(present):
                        break
            ordered.reverse()
        else:
            ordered = [name for name in current if name in present]
        return self._apply(ordered + sorted(wanted - present), current)

    def _apply(self, ordered: List[str], current: Mapping[str, object]) -> Set[str]:
        # Bring the entries, names and rank in line for `ordered`
        # names. Nothing is examined here: infos are read when first asked for.
        self.version += 1
        names = set()
        modules, infos = self.modules, self.infos
        fresh = []
        for name in ordered:
            if not isinstance(name, str):
                continue
            names.add(name)
            had = name in modules
            module = current.get(name)
            infos.forget(name)
            self.aliases.pop(name, None)
            if not isinstance(module, types.ModuleType) or not is_module(module):
                if module is None:
                    self.others.pop(name, None)
                else:
                    self.others[name] = type(module).__qualname__
                if had:
                    del modules[name]
                    del self.names[bisect.bisect_left(self.names, name)]
                self.rank.pop(name, None)
                continue
            if not had:
                fresh.append(name)
            self.others.pop(name, None)
            alias_of = _alias_of(name, module)
            if alias_of is not None:
                self.aliases[name] = alias_of
            modules[name] = module
            self.rank[name] = self._counter
            self._counter += 1
        if len(fresh) > 64:  # the first look: one sort beats thousands of insertions
            self.names = sorted(self.names + fresh)
        else:
            for name in fresh:
                bisect.insort(self.names, name)
        self.unindexed |= names
        return names

    def take_unindexed(self) -> Set[str]:
        """The names changed since the last call (for the import index)."""
        names, self.unindexed = self.unindexed, set()
        return names

    def others_under(self, prefix: str) -> Dict[str, str]:
        """Entries neither a module nor None, equal to `prefix` or below it: name -> why
        they are not reloaded."""
        return {name: "its sys.modules entry is a {} object, not a module (a library put it "
                "in the module's place, as zope.deprecation's deprecated() does): restart the "
                "program to run its new code".format(kind)
                for name, kind in self.others.items()
                if name == prefix or name.startswith(prefix + ".")}

    def under(self, prefix: str) -> List[str]:
        """Loaded module names equal to `prefix` or below it, sorted."""
        found = [prefix] if prefix in self.infos else []
        start = bisect.bisect_left(self.names, prefix + ".")
        for name in itertools.islice(self.names, start, None):
            if not name.startswith(prefix + "."):
                break
            found.append(name)
        return found

    def info(self, name: str) -> ModuleInfo:
        """The ModuleInfo of a loaded module, with protection a host declared, and with the
        reason a submodule whose package is not loaded (its import failed) cannot be."""
        info = self.infos[name]
        if info.protected is not None:
            return info
        declared = _declared_protection(name, self.protected)
        if declared is None:
            package = name.rpartition(".")[0]
            if not package or package in self.infos:
                return info
            if package in self.others:  # twisted's `twisted.python`, a _ModuleProxy
                declared = ("its package {!r} is in sys.modules as a {} object, not a module: "
                            "it cannot be reloaded".format(package, self.others[package]))
            else:
                declared = ("its package {!r} is not loaded (its import failed, or it was "
                            "taken out of sys.modules): reloading it would import that package "
                            "again".format(package))
        return info._replace(protected=declared)


def describe_loaded() -> Dict[str, ModuleInfo]:
    """ModuleInfo of every module in `sys.modules`; odd entries left out."""
    table = _state.current().table
    with table.lock:
        table.refresh()
        return {name: table.info(name) for name in table.infos}
