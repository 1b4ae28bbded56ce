"""Who imports whom among loaded modules, and the order to re-import them in.

Edges come from two places: the module namespaces at run time (a module
object, or a function or class whose `__module__` names a module) and the
`import` statements in each module's source, so an import inside a function
counts; a module's importers are looked for only when first asked for (see
_ImportIndex). From the edges: the closure of everything that depends on a set of
modules, strongly connected groups (import cycles) and a deterministic
dependency order. Reads `sys.modules`; never changes it. The import index it
keeps between calls belongs to the current state (`_state.current().index`).
"""

import bisect
import collections
import functools
import heapq
import itertools
import os
import re
import sys
import types
from typing import (
    Callable,
    Container,
    Deque,
    Dict,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Sequence,
    Set,
    Tuple,
    TypeVar,
)

from . import _reach, _sources
from ._changes import Signature, stat_signature
from ._discovery import ModuleInfo, ModuleMemo, describe, is_module, is_within, written_file

# `from X import a, b` (parenthesised or not) and `import a.b as c, d`.
_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)"
    r"|import[ \t]+([^\n#;]*))",
    re.MULTILINE,
)
_NAME = re.compile(r"[\w.]+")

# Python 3.7 puts a module in sys.modules when its import starts; 3.8 and
# later move it to the end when its import finishes. In a cycle the member
# that started first finishes last.
_RANK_IS_COMPLETION = sys.version_info >= (3, 8)


def parse_imports(source: str, name: str, is_package: bool) -> FrozenSet[str]:
    """Absolute names that `import` statements in `source` may load.

    Over-approximates on purpose (an import in a docstring counts): a
    superfluous edge costs one extra re-import, a missing one leaves stale code.
    """
    found: Set[str] = set()
    for plain, module, names in _statements(_IMPORT, source, name, is_package):
        if plain:
            found.update(plain)
        elif module:
            found.add(module)
            found.update(module + "." + word for word in names)
    return frozenset(found)


def _statements(
    pattern: "re.Pattern[str]", source: str, name: str, is_package: bool
) -> Iterator[Tuple[List[str], str, List[str]]]:
    """(names of `import a, b`, or [], module of `from m import x, y`, [x, y]) per statement."""
    package = name if is_package else name.rpartition(".")[0]
    for match in pattern.finditer(source):
        base, names, plain = match.groups()
        if plain is not None:
            modules = [item.split()[0] for item in plain.split(",") if item.split()]
            yield [m for m in modules if _NAME.fullmatch(m)], "", []
            continue
        dots = len(base) - len(base.lstrip("."))
        module = base[dots:]
        if dots:
            parts = package.split(".") if package else []
            if dots - 1 > len(parts):
                yield [], "", []  # beyond the top package: imports nothing
                continue
            parts = parts[: len(parts) - (dots - 1)]
            if module:
                parts.append(module)
            module = ".".join(parts)
        words = [item.split()[0] for item in names.strip("()").split(",") if item.split()]
        yield [], module, [word for word in words if word.isidentifier()]


# The same statements, but only at the start of a line: run when the module is.
_TOP_LEVEL = re.compile(
    r"^(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)"
    r"|import[ \t]+([^\n#;]*))",
    re.MULTILINE,
)
# Names that top-level code binds other than by importing: `def f`, `class C`,
# `x = ...`, `x: int = ...`, `a, b = ...` at the start of a line.
_BINDING = re.compile(
    r"^(?:(?:async[ \t]+)?def[ \t]+(\w+)|class[ \t]+(\w+)"
    r"|(\w+(?:[ \t]*,[ \t]*\w+)*)[ \t]*(?::[^=\n]*)?=(?!=))",
    re.MULTILINE,
)

Statement = Tuple[List[str], str, List[str]]


class Need(NamedTuple):
    """One top-level import of a module, as its cycle meets it.

    `names`: what `from target import ...` takes from `target` (empty when it
    binds only a module, which a half-run module can provide; "*" for all);
    `bound`: the names the importing module's own top-level code has bound
    before this statement, which a module that imports it back can take.
    """

    target: str
    names: FrozenSet[str]
    bound: FrozenSet[str]


def _top_level_statements(
    source: str, name: str, is_package: bool
) -> Tuple[Tuple[Statement, FrozenSet[str]], ...]:
    """Each top-level import statement with the names bound before it, in order."""
    events: List[Tuple[int, object]] = [
        (m.start(), next(g for g in m.groups() if g is not None))
        for m in _BINDING.finditer(source)
    ]
    starts = [m.start() for m in _TOP_LEVEL.finditer(source)]
    events += zip(starts, _statements(_TOP_LEVEL, source, name, is_package))
    events.sort(key=lambda event: event[0])
    bound: Set[str] = set()
    found: List[Tuple[Statement, FrozenSet[str]]] = []
    for _, event in events:
        if isinstance(event, str):
            bound.update(word.strip() for word in event.split(","))
            continue
        statement: Statement = event  # type: ignore[assignment]
        found.append((statement, frozenset(bound)))
        bound.update(_bindings(source, statement))
    return tuple(found)


def _bindings(source: str, statement: Statement) -> List[str]:
    # What an import binds in the importer: the first part of `import a.b`
    # (or its `as` name); each name of `from m import x as y`. The as-names
    # are not kept by _statements, so a renamed import binds nothing here: the
    # model only errs towards "not bound yet".
    plain, _, names = statement
    return [module.partition(".")[0] for module in plain] + list(names)


def top_level_imports(
    source: str, name: str, is_package: bool, is_module: Callable[[str], bool]
) -> List[Need]:
    """What the module's top-level code imports, in order (see `Need`).

    `from m import x` takes `x` from `m` unless `m.x` is a module (`is_module`):
    then it only binds the submodule, which a half-run module can provide.
    """
    return _needs(_top_level_statements(source, name, is_package), is_module)


def _needs(
    statements: Sequence[Tuple[Statement, FrozenSet[str]]], is_module: Callable[[str], bool]
) -> List[Need]:
    found: List[Need] = []
    for (plain, module, names), bound in statements:
        found.extend(Need(m, frozenset(), bound) for m in plain)
        for word in names:
            if is_module(module + "." + word):
                found.append(Need(module + "." + word, frozenset(), bound))
            elif module:
                found.append(Need(module, frozenset((word,)), bound))
    return found


class Parsed(NamedTuple):
    """What a module's source imports: every name, and the top-level statements."""

    imports: FrozenSet[str]
    top_level: Tuple[Tuple[Statement, FrozenSet[str]], ...]


_NOTHING = Parsed(frozenset(), ())

# path -> its stat signature or None, and its os.stat() result, within one
# selection and the reload made from it: several analyses of one module ask
# for the same file, and the reload then compiles it.
_stats: Dict[str, Optional[Signature]] = {}
_results: Dict[str, os.stat_result] = {}


def _file_signature(path: str) -> Optional[Signature]:
    """The file's stat signature, looked up once per selection; None when it cannot be."""
    if path in _stats:
        return _stats[path]
    try:
        result = _results[path] = os.stat(path)  # selection_stat(), inline: once a module
    except OSError:
        signature = None
    else:
        signature = stat_signature(result)
    _stats[path] = signature
    return signature


file_signature = _file_signature  # for the kept selection's checks (`_reuse`)


def selection_stat(path: str) -> os.stat_result:
    """os.stat(path), once per selection and the reload made from it.

    A file changed after it is what the next look at the files finds changed.
    """
    result = _results.get(path)
    if result is None:
        result = _results[path] = os.stat(path)
    return result


# (path, module name) -> (stat signature, Parsed): a file read once stays
# read while it does not change, whichever module object was loaded from it.
_file_parsed: Dict[Tuple[str, str], Tuple[Signature, Optional[Parsed]]] = {}


def _read_text(path: str) -> str:
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", "replace")


def _read_source(name: str, module: types.ModuleType) -> Optional[str]:
    """The text of the module's source file (or archive member), or None."""
    info = describe(name, module)
    if info is None or info.path is None:
        return None
    if info.path.endswith(".py"):
        try:
            return _read_text(info.path)
        except OSError:  # a member of an archive, read through its loader below
            pass
    spec = object.__getattribute__(module, "__dict__").get("__spec__")
    get_source = getattr(getattr(spec, "loader", None), "get_source", None)
    try:
        source = get_source(name) if get_source is not None else None
    except Exception:  # a loader with no source for this module
        return None
    return source if isinstance(source, str) else None


T = TypeVar("T")


def _from_file(
    cache: Dict[Tuple[str, str], Tuple[Signature, Optional[T]]],
    read: Callable[[str, str, bool], Optional[T]], name: str, module: types.ModuleType,
) -> Optional[T]:
    """`read(source, name, is_package)` of the module's source, once per unchanged file."""
    info = describe(name, module)
    if info is None or info.path is None:
        return None
    signature = _file_signature(info.path)  # None for an archive member: its loader reads it
    cached = cache.get((info.path, name))
    if signature is not None and cached is not None and cached[0] == signature:
        return cached[1]
    text = _read_source(name, module)
    result = read(text, name, bool(info.search_paths)) if text is not None else None
    if signature is not None:
        cache[(info.path, name)] = (signature, result)
    return result


def _parsed_text(text: str, name: str, is_package: bool) -> Parsed:
    return Parsed(parse_imports(text, name, is_package),
                  _top_level_statements(text, name, is_package))


def _parse(name: str, module: types.ModuleType) -> Parsed:
    return _from_file(_file_parsed, _parsed_text, name, module) or _NOTHING


# Per module object: read when reloader first sees it.
_parsed = ModuleMemo(_parse)


def _parse_now(name: str, module: types.ModuleType) -> Parsed:
    # What the module's file holds now: what a reload of it runs.
    return _from_file(_file_parsed, _parsed_text, name, module) or _NOTHING


def top_level_of(
    name: str, module: types.ModuleType, is_module: Callable[[str], bool]
) -> List[Need]:
    """top_level_imports() of the source a reload of a loaded module runs: its file now."""
    return _needs(_parse_now(name, module).top_level, is_module)


_SKIP_NAMES = frozenset(
    ("__builtins__", "__spec__", "__loader__", "__name__", "__package__", "__path__",
     "__file__", "__cached__", "__doc__")
)


def runtime_references(namespace: Mapping[str, object], own: str) -> Set[str]:
    """Names of modules that objects in `namespace` come from."""
    found: Set[str] = set()
    for key, value in list(namespace.items()):
        if key in _SKIP_NAMES:
            continue
        if issubclass(type(value), types.ModuleType) and is_module(value):
            name = object.__getattribute__(value, "__dict__").get("__name__")
            if name == own + "." + key:
                # The import system sets a package's attribute to each
                # submodule it loads; that is no import of the package's own
                # (one in its source is found there), and counting it would
                # purge the package, which the whole program holds, on every
                # edit of a submodule.
                continue
        elif issubclass(type(value), (types.FunctionType, type)):
            name = getattr(value, "__module__", None)
        else:
            continue
        if isinstance(name, str) and name != own:
            found.add(str.__str__(name))  # a str subclass (plum's) would become a module's name
    return found


def _module_edges(name: str, module: types.ModuleType) -> FrozenSet[str]:
    # Read when reloader first sees this module object: what its source
    # imports, and what its namespace holds.
    namespace = object.__getattribute__(module, "__dict__")
    edges = runtime_references(namespace, name) | _imports_of(name, module)
    edges.discard(name)
    return frozenset(edges)


_edges = ModuleMemo(_module_edges)


def code_read(name: str, module: types.ModuleType) -> object:
    """What a selection reads of a loaded module's import-time code.

    Read once per unchanged file: while the file is unchanged, a module run
    again from it gives this very object.
    """
    return _top_level_code.get(name, module)


def imports_now(name: str, module: types.ModuleType) -> FrozenSet[str]:
    """What the `import` statements of the module's file name now."""
    return _imports_of(name, module)


def top_level_statements(name: str, module: types.ModuleType) -> object:
    """The top-level import statements of the module's file now, as a cycle's order reads them."""
    return _parse_now(name, module).top_level


def holds_from(name: str, module: types.ModuleType) -> FrozenSet[str]:
    """The other modules whose objects the module's namespace holds."""
    return frozenset(runtime_references(object.__getattribute__(module, "__dict__"), name))


# (path, module name) -> (stat signature, what its import-time code does):
# a module run again from an unchanged file is not parsed again.
_file_code: Dict[Tuple[str, str], Tuple[Signature, Optional[_reach.TopLevel]]] = {}
# The same for what the bodies of its functions and classes read when called.
_file_bodies: Dict[Tuple[str, str], Tuple[Signature, Optional[Dict[str, _reach.Reads]]]] = {}


def source_now(name: str, module: types.ModuleType) -> Optional[Tuple[str, Signature]]:
    """The module's source file and that file's signature now; None without one.

    Only a `.py` file is its source: a module loaded from bytecode alone has
    none to compare, and is judged by what its loader gives.
    """
    info = describe(name, module)
    path = info.path if info is not None else None
    if path is None or not path.endswith(".py"):
        return None
    current = _file_signature(path)
    return None if current is None else (path, current)


def _runs_older_source(name: str, module: types.ModuleType) -> bool:
    """Whether the module's source file changed since the module was loaded from it."""
    source = source_now(name, module)
    return source is not None and _sources.edited(module, *source)


def running_source(name: str, module: types.ModuleType) -> Optional[Tuple[str, Signature]]:
    """The module's source file and its signature, when the module runs that file as it is."""
    source = source_now(name, module)
    return source if source is not None and not _sources.edited(module, *source) else None


def _loaded_top_level(name: str, module: types.ModuleType) -> Optional[_reach.TopLevel]:
    # The file tells what the running code does only while it is the file
    # that code came from; else nothing is known (None), as with no source.
    if _runs_older_source(name, module):
        return None
    return _from_file(_file_code, _reach.top_level, name, module)


# Per module object: what its import-time code does, read when first needed;
# what its functions' bodies read, when first needed (a module kept loaded).
_top_level_code = ModuleMemo(_loaded_top_level)
_body_reads = ModuleMemo(functools.partial(_from_file, _file_bodies, _reach.bodies))


def read_top_level(name: str, module: types.ModuleType) -> None:
    """Read now what the loaded module's import-time code does, for rerun_reason() later.

    A module whose import-time code does not read every name an import
    bound may stay loaded when what it imports changes: what its functions
    read, which the search then asks of it, is read now too (from the same
    parse).
    """
    code = _top_level_code.get(name, module)
    if code is not None and (not code.reads_imports or not code.used.keys() >= _bound(code)):
        _body_reads.get(name, module)


def _bound(code: _reach.TopLevel) -> Set[str]:
    bound = {local for local, _, _ in code.binds}
    bound.update(entry.local for entry in code.from_imports)
    return bound


def rerun_reason(
    name: str, module: types.ModuleType, changed: str, is_module: Callable[[str], bool]
) -> Optional[str]:
    """Why loaded module `name` must run again when `changed` does; None if it need not.

    Conservative where the source cannot tell: a module with no readable
    source, or one holding objects of `changed` that no import-time import
    explains, runs again.
    """
    code = _top_level_code.get(name, module)
    if code is None:
        return _unknown(name, module, changed)
    why = _reach.rerun_reason(code, changed, is_module)
    if why is not None or _reach.imports(code, changed):
        return why
    namespace = object.__getattribute__(module, "__dict__")
    if changed in runtime_references(namespace, name):
        return "holds objects from {}".format(changed)
    return None


def names_bound_to(name: str, module: types.ModuleType, changed: str) -> FrozenSet[str]:
    """The names of loaded module `name` that may hold the module `changed`."""
    code = _top_level_code.get(name, module)
    return frozenset(_reach.bound_names(code, changed)) if code is not None else frozenset()


def behaviour_changes(
    name: str, module: types.ModuleType, target: str, attrs: Optional[FrozenSet[str]],
    is_module: Callable[[str], bool],
) -> FrozenSet[str]:
    """The functions and classes of a module left loaded whose code reads `target` when called.

    `attrs` None: any value of `target`, which runs again; else only those
    functions and classes of `target`, which is left loaded too.
    """
    code = _top_level_code.get(name, module)
    owners = _body_reads.get(name, module) if code is not None else None
    if code is None or owners is None:
        return frozenset()
    # The same file, the same question: the same answer (what is_module says
    # of names taken from `target` is part of the question).
    key = (id(owners), target, attrs, tuple(
        is_module(e.module + "." + e.name) for e in code.from_imports if e.module == target)
        if target in code.from_modules else ())
    known = _answers.get(key)
    if known is not None and known[0] is owners:
        return known[1]
    found = _reach.behaviour_changes(code, owners, target, attrs, is_module)
    if len(_answers) > 100000:
        _answers.clear()
    _answers[key] = (owners, found)
    return found


# (id(what a module's bodies read), target, attrs, is_module flags) ->
# (that object, behaviour_changes()), for files read before.
_answers: Dict[Tuple[object, ...], Tuple[object, FrozenSet[str]]] = {}


def calls_reason(
    name: str, module: types.ModuleType, target: str, attrs: FrozenSet[str], origin: str,
    is_module: Callable[[str], bool],
) -> Optional[str]:
    """Why `name` must run again for what functions of `target`, left loaded, now do.

    Its import-time code uses the functions or classes `attrs` of `target`,
    whose code reads the changed module `origin`. None if it need not.
    """
    code = _top_level_code.get(name, module)
    if code is None:
        return _unknown(name, module, target)
    return _reach.calls_reason(code, target, attrs, origin, is_module)


def _unknown(name: str, module: types.ModuleType, imported: str) -> str:
    """Why a module whose import-time code cannot be read runs again."""
    if _runs_older_source(name, module):
        return ("imports {} (its file changed since it was loaded: what its code read at "
                "import cannot be told)".format(imported))
    return "imports {} (its source cannot be read)".format(imported)


# (file, module name) -> (stat signature, what its import statements name):
# a module run again from an unchanged file is not read again.
_file_imports: Dict[Tuple[str, str], Tuple[Signature, FrozenSet[str]]] = {}


def _imports_of(name: str, module: types.ModuleType) -> FrozenSet[str]:
    """parse_imports() of the module's source; its `.py` file is found without resolving paths."""
    namespace = object.__getattribute__(module, "__dict__")
    path = written_file(namespace)
    if path is not None and path.endswith(".py"):
        signature = _file_signature(path)
        cached = _file_imports.get((path, name))
        if signature is not None and cached is not None and cached[0] == signature:
            return cached[1]
        try:
            text = _read_text(path)
        except OSError:  # an archive member: its loader gives the source below
            pass
        else:
            imports = parse_imports(text, name, "__path__" in namespace)
            if signature is not None:
                _file_imports[(path, name)] = (signature, imports)
            return imports
    return _parsed.get(name, module).imports


class _ImportIndex:
    """Who imports whom, and who is whose parent, among reloadable modules.

    A module's importers are found only when asked for, and remembered: the
    first question scans the loaded modules' namespaces (a pass in C per
    module) for what an import of it leaves behind, and reads only the
    modules found; later questions look only at the entries that changed
    since. So the first reload of a session costs a pass over the
    namespaces and the reading of the modules that may import what changed,
    not the reading of every loaded module.

    The scan finds module X as an importer of module L, as the source and
    namespace would (L among X's `import` statements or X holding objects of
    L), when X's namespace holds L itself, one of L's parent packages, or an
    object that L's namespace holds too (ints, None and True included: a
    false hit costs one read of X's source). What it cannot see is an
    importer that kept none of these: import-time code that read L and bound
    nothing from it (`X = importlib.import_module("l").V + 1`, which an
    `import` statement search misses as well), or that deleted or rebound
    every name it took (`from l import V; V = V + 1`; `del l`). Where L was
    replaced in `sys.modules` before its importers were asked for, the
    modules loaded before that may hold only the old L's objects: those are
    read and parsed in full, as if the scan did not exist; so is `__main__`,
    whose namespace a host may have filled by other means. A module object
    re-run in place (`importlib.reload`, not through reloader), or replaced
    before reloader first looked, gives its importers' old objects no match:
    those are missed too.
    """

    def __init__(self) -> None:
        self.edges: Dict[str, FrozenSet[str]] = {}  # name -> what it imports, once asked
        self.importers: Dict[str, Set[str]] = {}  # name -> its importers, once asked
        # Generations: each update() that brings changes is one. An entry is
        # born in the generation that saw it appear (or replaced); a name's
        # importers are known among entries born up to scanned[name].
        self.generation = 0
        self.scanned: Dict[str, int] = {}
        self._born: Dict[str, int] = {}
        self._replaced: Dict[str, int] = {}  # name -> generation its entry last changed in
        self._ever: Set[str] = set()  # names that ever had a module entry
        self._log: List[Tuple[int, str]] = []  # (generation, name), in generation order
        self._found_in: Dict[str, Set[str]] = {}  # importer -> the names it was found for
        # What the sources read by the scans of one reached() call import, and
        # the other way round.
        self._read: Dict[str, FrozenSet[str]] = {}
        self._readers: Dict[str, Set[str]] = {}
        self._loaded: Mapping[str, object] = {}
        self._infos: Mapping[str, ModuleInfo] = {}

    def update(
        self, changed: Iterable[str], infos: Mapping[str, ModuleInfo], seen: Mapping[str, object]
    ) -> None:
        """Bring the entries of `changed` names in line with the module table.

        `infos` and `seen` are the table's: what it knows of each reloadable
        module, and every `sys.modules` entry it saw. Nothing is read here.
        """
        self._loaded, self._infos = seen, infos
        _stats.clear()  # a new selection: files may have changed since the last
        _results.clear()
        changed = list(changed)
        if not changed:
            return
        self.generation += 1
        generation = self.generation
        found_in, born, ever = self._found_in, self._born, self._ever
        if not born:  # the first look: every entry is new, in passes in C
            names = list(itertools.compress(changed, map(is_module, map(seen.get, changed))))
            born.update(dict.fromkeys(names, generation))
            self._log.extend(zip(itertools.repeat(generation), names))
            ever.update(changed)
            return
        for name in changed:
            self.edges.pop(name, None)
            for target in found_in.pop(name, ()):
                self.importers.get(target, set()).discard(name)
            if name in ever:
                self._replaced[name] = generation
            if is_module(seen.get(name)):
                born[name] = generation
                self._log.append((generation, name))
            else:
                born.pop(name, None)
        ever.update(changed)
        if len(self._log) > 2 * len(born) + 64:
            self._log = sorted((g, n) for n, g in born.items())

    def _since(self, generation: int) -> List[str]:
        """The names of the module entries born after `generation`."""
        born = self._born
        start = bisect.bisect_right(self._log, (generation, "\uffff"))
        return [n for g, n in itertools.islice(self._log, start, None) if born.get(n) == g]

    def _imports_of(self, name: str, module: types.ModuleType) -> FrozenSet[str]:
        """What the `import` statements of the module's source name, read once per call."""
        imports = self._read.get(name)
        if imports is None:
            imports = self._read[name] = _imports_of(name, module)
            for target in imports:
                self._readers.setdefault(target, set()).add(name)
        return imports

    def _likely(self, frontier: Iterable[str]) -> Set[str]:
        """`frontier` and what imports it, recursively, as far as the sources read tell.

        Learnt together in one scan: what the import search reaches next is
        most likely among them.
        """
        found = set(frontier)
        stack = list(found)
        while stack:
            for reader in self._readers.get(stack.pop(), ()):
                if reader not in found:
                    found.add(reader)
                    stack.append(reader)
        return found

    def _is_importer(self, name: str) -> bool:
        info = self._infos.get(name)
        return info is not None and (info.protected is None or name == "__main__")

    def learn(self, wanted: Iterable[str]) -> None:
        """Find the importers of the `wanted` modules among entries not yet looked at for them."""
        loaded, generation = self._loaded, self.generation
        todo = [n for n in wanted if self.scanned.get(n, 0) < generation
                and is_module(loaded.get(n))]
        if not todo:
            return
        # 1. What an import of each wanted module leaves in its importers:
        #    the module, its parent packages, the objects it holds.
        ids: Set[int] = set()
        own: Set[int] = set()  # the modules and what they define: runtime references
        stale: Dict[str, Tuple[int, int]] = {}  # name -> generations to read in full
        packages: Set[str] = set()
        for name in todo:
            module = loaded[name]
            namespace = object.__getattribute__(module, "__dict__")
            values = [value for key, value in list(namespace.items()) if key not in _SKIP_NAMES]
            ids.update(map(id, values))
            own.add(id(module))
            own.update(id(value) for value in values  # by type: a proxy's __class__ may run
                       if issubclass(type(value), (types.FunctionType, type))
                       and getattr(value, "__module__", None) == name)
            packages.add(name.rpartition(".")[0])
            last = self.scanned.get(name, 0)
            replaced = self._replaced.get(name, 0)
            if replaced > last:
                stale[name] = (last, replaced)
        ids.update(own)
        climbed: Set[str] = set()
        while packages:
            package = packages.pop()
            if package and package not in climbed:
                climbed.add(package)
                parent = loaded.get(package)
                if issubclass(type(parent), types.ModuleType):
                    ids.add(id(parent))
                packages.add(package.rpartition(".")[0])
        floor = min(self.scanned.get(name, 0) for name in todo)
        # 2. The entries that hold any of it (one pass in C over them all),
        #    and the entries loaded before a wanted module was replaced.
        names = self._since(floor)
        try:
            spaces = list(map(object.__getattribute__, map(loaded.__getitem__, names),
                              itertools.repeat("__dict__")))
        except (KeyError, AttributeError):  # entries changed since update(): skip those
            names = [n for n in names if is_module(loaded.get(n))]
            spaces = [object.__getattribute__(loaded[n], "__dict__") for n in names]
        misses = map(ids.isdisjoint, map(map, itertools.repeat(id), map(dict.values, spaces)))
        checked = {n for n, miss in zip(names, misses) if not miss}
        if stale:
            checked.update(n for n in names if any(
                low < self._born[n] <= high for low, high in stale.values()))
        if "__main__" in self._born:  # the program's script: one file, always read
            checked.add("__main__")
        # 3. Each of those, exactly as its source and namespace tell (the
        #    edges of _module_edges), for the wanted names it is due for:
        #    those last scanned before it appeared.
        due_by_birth: Dict[int, FrozenSet[str]] = {}
        for name in sorted(checked):
            at = self._born[name]
            due = due_by_birth.get(at)
            if due is None:
                due = due_by_birth[at] = frozenset(
                    t for t in todo if self.scanned.get(t, 0) < at)
            module = loaded[name]
            assert isinstance(module, types.ModuleType)
            found = set(self._imports_of(name, module) & due)
            namespace = object.__getattribute__(module, "__dict__")
            if not own.isdisjoint(map(id, list(namespace.values()))):
                found.update(_edges.get(name, module) & due)  # what it holds of them too
            found.discard(name)
            if not found or not self._is_importer(name):
                continue
            for target in found:
                self.importers.setdefault(target, set()).add(name)
                self._found_in.setdefault(name, set()).add(target)
        for name in todo:
            self.scanned[name] = generation

    def reached(
        self, selected: Iterable[str], follow: Callable[[str], bool],
        loaded: Mapping[str, object],
    ) -> Tuple[Dict[str, str], Dict[str, Tuple[str, FrozenSet[str]]], Dict[str, Set[str]]]:
        """What a change to the selected modules reaches, recursively.

        Returns the importers whose import-time code reads a changed module
        (name -> why; they run again, and their importers are looked at in
        turn), and the importers that only bind a changed module to names
        they read at call time (name -> (why, those names); they stay loaded
        and the names are pointed at the new module). An importer left loaded
        whose functions or classes read a changed module when called passes
        the search on: its own importers run again if their import-time code
        uses those; it must run after the changed module, which it does not
        import (the third dict: name -> those modules). A package's
        submodules are not reached through it: they stay loaded under the
        new package.
        The search goes on through the modules for which `follow` is true;
        `loaded` maps the loaded modules' names to the module objects.
        """
        is_module = loaded.__contains__
        rerun: Dict[str, str] = {}
        kept: Dict[str, Tuple[str, FrozenSet[str]]] = {}
        self._read, self._readers = {}, {}
        inside = set(selected)
        # (module, None, itself): it runs again, its values may all change;
        # (module, attrs, origin): it stays loaded, but the code of its
        # functions and classes `attrs` reads the changed module `origin`.
        queue: Deque[Tuple[str, Optional[FrozenSet[str]], str]] = collections.deque(
            (name, None, name) for name in sorted(inside))
        behaving: Dict[str, FrozenSet[str]] = {}
        after: Dict[str, Set[str]] = {}
        # Importers left loaded, to look into once no more modules run again
        # (many do in the end, and need not be read): (name, changed, attrs, origin).
        later: List[Tuple[str, str, Optional[FrozenSet[str]], str]] = []
        while queue or later:
            if not queue:
                for name, changed, attrs, origin in later:
                    if name in inside:
                        continue
                    module = loaded[name]
                    assert isinstance(module, types.ModuleType)
                    # Its own functions may call what changed: their callers' turn.
                    known = behaving.get(name, frozenset())
                    more = behaviour_changes(name, module, changed, attrs, is_module) - known
                    if more:
                        behaving[name] = known | more
                        queue.append((name, more, origin))
                later = []
                continue
            changed, attrs, origin = queue.popleft()
            if attrs is not None and changed in inside:
                continue  # it runs again after all: its importers are looked at as such
            if self.scanned.get(changed, 0) < self.generation:
                # The whole frontier, and what likely comes next, in one scan.
                self.learn(self._likely([changed] + [item[0] for item in queue]))
            for name in sorted(self.importers.get(changed, ())):
                if name in inside:
                    continue
                module = loaded[name]
                assert isinstance(module, types.ModuleType)
                if attrs is None:
                    why = rerun_reason(name, module, changed, is_module)
                else:
                    why = calls_reason(name, module, changed, attrs, origin, is_module)
                if why is None:
                    if attrs is None:
                        names = names_bound_to(name, module, changed)
                        if names:
                            before = kept.get(name, ("", frozenset()))
                            kept[name] = (before[0] or "uses {} at call time only".format(
                                changed), before[1] | names)
                    if follow(name):
                        later.append((name, changed, attrs, origin))
                    continue
                inside.add(name)
                kept.pop(name, None)
                rerun[name] = why
                if attrs is not None:
                    after.setdefault(name, set()).add(origin)
                if follow(name):
                    queue.append((name, None, name))
        self._read, self._readers = {}, {}
        return rerun, kept, after

    def import_edges(self, names: Iterable[str], loaded: Container[str]) -> Dict[str, Set[str]]:
        """For each module in `names`, the other modules in `loaded` it imports.

        As loaded, and as its file imports now: the code a reload of it runs.
        """
        found: Dict[str, Set[str]] = {}
        for name in names:
            module = self._loaded.get(name)
            if not isinstance(module, types.ModuleType) or not self._is_importer(name):
                found[name] = {t for t in self.edges.get(name, ()) if t in loaded}
                continue
            edges = self.edges.get(name)
            if edges is None:
                edges = self.edges[name] = _edges.get(name, module)
            targets = found[name] = {t for t in edges if t in loaded}
            now = _imports_of(name, module)
            if not now <= edges:
                targets.update(t for t in now if t in loaded and t != name)
        return found


def with_parents(
    edges: Mapping[str, Iterable[str]], loaded: Container[str]
) -> Dict[str, Set[str]]:
    """`edges` plus an edge from each module to each of its parent packages.

    The import system loads a parent before its submodules, and a new parent
    module holds none of the old submodules: they depend on it. On every
    package up: one left loaded between them (bleach's `_vendor`) spares
    the import of the top one, but `__import__("top._vendor.lib.util")`
    (a `from . import util` there) still imports and returns `top`.
    """
    result = {name: set(targets) for name, targets in edges.items()}
    for name, targets in result.items():
        parent = name.rpartition(".")[0]
        while parent:
            if parent in loaded:
                targets.add(parent)
            parent = parent.rpartition(".")[0]
    return result


def strongly_connected(
    names: List[str], edges: Mapping[str, Iterable[str]]
) -> List[List[str]]:
    """Tarjan's strongly connected components of the graph induced by `names`."""
    members = set(names)
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    on_stack: Set[str] = set()
    stack: List[str] = []
    groups: List[List[str]] = []
    counter = 0
    for root in names:
        if root in index:
            continue
        # Iterative depth-first search: import graphs can be deeper than the
        # recursion limit.
        work: List[Tuple[str, Iterable[str]]] = []
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work.append((root, iter(sorted(t for t in edges.get(root, ()) if t in members))))
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(t for t in edges.get(child, ()) if t in members)))
                    )
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
    return groups


_ENTRY_ATTEMPTS = 32


def cycle_entry(group: List[str], top_level: Callable[[str], Sequence[Need]]) -> Optional[str]:
    """The member of `group` to import first, so that the cycle's imports run through.

    Plays the import of the cycle from each member in turn with the members'
    top-level imports: a `from m import x` while `m` is still running
    (further up the stack) fails unless `m` bound `x` before the import it is
    paused at. A module bound while it is still running (`from pkg import m`,
    `import m`) is a risk: the code after the import may read attributes `m`
    has not set yet (`app.include_router(m.router)`). The first member in
    `group`'s order whose play runs through with no such risk wins, else the
    first that runs through at all; None when every entry would fail.
    """
    members = set(group)
    top = min(group, key=len)
    if all(is_within(other, top) for other in group):
        # A package holding every other member: any import of the cycle runs
        # its code first, whatever is imported first.
        return top

    def play(entry: str, safe_only: bool) -> Optional[int]:
        """How many half-run members get bound as modules; None if the play fails
        (with `safe_only`, also as soon as one is)."""
        # member -> the names it has bound so far; None once it has finished
        state: Dict[str, Optional[FrozenSet[str]]] = {}
        risks = 0

        def run(member: str) -> bool:
            nonlocal risks
            parent = member.rpartition(".")[0]
            if parent in members and parent not in state and not run(parent):
                return False
            if member in state:
                return True  # the parent's code imported it
            state[member] = frozenset()
            for need in top_level(member):
                if need.target not in members:
                    continue
                state[member] = need.bound
                if need.target not in state and not run(need.target):
                    return False
                bound = state[need.target]
                if bound is not None and not need.names <= bound:
                    return False
                if bound is not None and not need.names:
                    risks += 1
                    if safe_only:
                        return False
            state[member] = None
            return True

        if all(run(member) for member in [entry] + group if member not in state):
            return risks
        return None

    # A play can take the whole cycle: try the likeliest entries only. Plays
    # looking for a safe entry stop at the first risk, so a large cycle that
    # has none (a package whose __init__ imports its submodules) costs one
    # whole play, for the fallback, not one per entry.
    candidates = group[:_ENTRY_ATTEMPTS]
    for entry in candidates:
        if play(entry, safe_only=True) == 0:
            return entry
    for entry in candidates:
        if play(entry, safe_only=False) is not None:
            return entry
    return None


def import_order(
    names: List[str],
    edges: Mapping[str, Iterable[str]],
    rank: Mapping[str, int],
    top_level: Optional[Callable[[str], Sequence[Need]]] = None,
) -> List[List[str]]:
    """Groups of `names`, each an import cycle or a single module, dependencies first.

    Ties follow `rank` (the order of `sys.modules`). A cycle starts with the
    member whose first import started first, so that each member meets the
    others half-run at the same points as then; with `top_level` (a module's
    top-level imports), with the first member from which the cycle's
    top-level imports run through, when that is another one.
    """
    groups = [
        sorted(group, key=rank.__getitem__, reverse=len(group) > 1 and _RANK_IS_COMPLETION)
        for group in strongly_connected(names, edges)
    ]
    for group in groups:
        if len(group) > 1 and top_level is not None:
            entry = cycle_entry(group, top_level)
            if entry is not None and entry != group[0]:
                group.remove(entry)
                group.insert(0, entry)
    group_of = {member: number for number, group in enumerate(groups) for member in group}
    needs: Dict[int, Set[int]] = {number: set() for number in range(len(groups))}
    needed_by: Dict[int, Set[int]] = {number: set() for number in range(len(groups))}
    for number, group in enumerate(groups):
        for member in group:
            for target in edges.get(member, ()):
                other = group_of.get(target)
                if other is not None and other != number:
                    needs[number].add(other)
                    needed_by[other].add(number)
    ready = [(rank[groups[n][0]], n) for n in needs if not needs[n]]
    heapq.heapify(ready)
    ordered: List[List[str]] = []
    while ready:
        _, number = heapq.heappop(ready)
        ordered.append(groups[number])
        for waiting in needed_by[number]:
            needs[waiting].discard(number)
            if not needs[waiting]:
                heapq.heappush(ready, (rank[groups[waiting][0]], waiting))
    return ordered
