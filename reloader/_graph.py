"""Who imports whom among loaded modules, and the order to re-import them in.

Edges come from two places: the module namespaces at run time (a module
object, or a function or class whose `__module__` names a module) and the
`import` statements in each module's source, so an import inside a function
counts. From the edges: the closure of everything that depends on a set of
modules, strongly connected groups (import cycles) and a deterministic
dependency order. Reads `sys.modules`; never changes it.
"""

import heapq
import os
import re
import threading
import types
from typing import Dict, FrozenSet, Iterable, List, Mapping, Set, Tuple

from ._discovery import ModuleInfo, ModuleMemo, describe

# `from X import a, b` (parenthesised or not) and `import a.b as c, d`.
_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)"
    r"|import[ \t]+([^\n#;]*))",
    re.MULTILINE,
)
_NAME = re.compile(r"[\w.]+")


def parse_imports(source: str, name: str, is_package: bool) -> FrozenSet[str]:
    """Absolute names that `import` statements in `source` may load.

    Over-approximates on purpose (an import in a docstring counts): a
    superfluous edge costs one extra re-import, a missing one leaves stale code.
    """
    package = name if is_package else name.rpartition(".")[0]
    found: Set[str] = set()
    for match in _IMPORT.finditer(source):
        base, names, plain = match.groups()
        if plain is not None:
            for item in plain.split(","):
                words = item.split()
                if words and _NAME.fullmatch(words[0]):
                    found.add(words[0])
            continue
        dots = len(base) - len(base.lstrip("."))
        module = base[dots:]
        if dots:
            parts = package.split(".") if package else []
            if dots - 1 > len(parts):
                continue
            parts = parts[: len(parts) - (dots - 1)]
            if module:
                parts.append(module)
            module = ".".join(parts)
        if not module:
            continue
        found.add(module)
        for item in names.strip("()").split(","):
            words = item.split()
            if words and words[0].isidentifier():
                found.add(module + "." + words[0])
    return frozenset(found)


def _read_imports(name: str, module: types.ModuleType) -> FrozenSet[str]:
    # Read once per module object: what matters is the code that was loaded,
    # and a reloaded module is a new object that is read afresh.
    info = describe(name, module)
    source: object = None
    if info is None:
        return frozenset()
    if info.path is not None and info.path.endswith(".py") and os.path.isfile(info.path):
        try:
            with open(info.path, "rb") as handle:
                source = handle.read().decode("utf-8", "replace")
        except OSError:
            return frozenset()
    elif info.path is not None:
        # Archive members (zip, .sublime-package): ask the loader for the text.
        spec = object.__getattribute__(module, "__dict__").get("__spec__")
        get_source = getattr(getattr(spec, "loader", None), "get_source", None)
        if get_source is not None:
            try:
                source = get_source(info.name)
            except Exception:  # a loader with no source for this module: no edges
                return frozenset()
    if not isinstance(source, str):
        return frozenset()
    return parse_imports(source, info.name, bool(info.search_paths))


_source_imports = ModuleMemo(_read_imports)

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
        if isinstance(value, types.ModuleType):
            name = object.__getattribute__(value, "__dict__").get("__name__")
            if name == own + "." + key:
                # The import system sets a package's attribute to each
                # submodule it loads; that is no import of the package's own
                # (one in its source is found there), and counting it would
                # purge the package, which the whole program holds, on every
                # edit of a submodule.
                continue
        elif isinstance(value, (types.FunctionType, type)):
            name = getattr(value, "__module__", None)
        else:
            continue
        if isinstance(name, str) and name != own:
            found.add(name)
    return found


def import_edges(
    modules: Mapping[str, types.ModuleType], infos: Mapping[str, ModuleInfo]
) -> Dict[str, Set[str]]:
    """For each module in `infos`, the other loaded modules it imports."""
    loaded = modules.keys()
    edges: Dict[str, Set[str]] = {}
    for name, info in infos.items():
        module = modules[name]
        namespace = object.__getattribute__(module, "__dict__")
        targets = runtime_references(namespace, name)
        targets.update(_source_imports.get(name, module))
        targets.discard(name)
        edges[name] = {target for target in targets if target in loaded}
    return edges


def with_parents(edges: Mapping[str, Iterable[str]], loaded: Iterable[str]) -> Dict[str, Set[str]]:
    """`edges` plus an edge from each module to its parent package.

    The import system loads a parent before its submodules, and a new parent
    module holds none of the old submodules: they depend on it.
    """
    present = set(loaded)
    result = {name: set(targets) for name, targets in edges.items()}
    for name, targets in result.items():
        parent = name.rpartition(".")[0]
        if parent in present:
            targets.add(parent)
    return result


def reverse(edges: Mapping[str, Iterable[str]]) -> Dict[str, Set[str]]:
    """importee -> the modules that import it."""
    result: Dict[str, Set[str]] = {}
    for importer, importees in edges.items():
        for importee in importees:
            result.setdefault(importee, set()).add(importer)
    return result


def dependents(
    selected: Iterable[str], importers: Mapping[str, Iterable[str]]
) -> Dict[str, str]:
    """Every module that imports a selected one, recursively: name -> what it imports."""
    selected = list(selected)
    reasons: Dict[str, str] = {}
    seen = set(selected)
    queue = list(selected)
    while queue:
        importee = queue.pop(0)
        for importer in sorted(importers.get(importee, ())):
            if importer not in seen:
                seen.add(importer)
                reasons[importer] = importee
                queue.append(importer)
    return reasons


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


def import_order(
    names: List[str], edges: Mapping[str, Iterable[str]], rank: Mapping[str, int]
) -> List[List[str]]:
    """Groups of `names`, each an import cycle or a single module, dependencies first.

    Ties, and the members of a cycle, follow `rank` (the order of `sys.modules`,
    which is the order the modules were first imported in).
    """
    groups = [sorted(group, key=rank.__getitem__) for group in strongly_connected(names, edges)]
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
