"""Names a console bound with `from m import ...` follow `m` when it is reloaded.

After a reload, the update makes old functions and classes run the new code
and rebinds names bound to them. Plain values (numbers, strings, tuples, an
object made at import) have no new code to run: a name that holds one
follows the module only if it is known to come from it. That is known two
ways:

- a host that sees the statements a namespace runs (IPython's cells) tracks
  the namespace and notes each `from m import x as y` and `from m import *`;
- for any other namespace, a name holding the very object the old module held under the
  same name came from it, and a namespace holding every name the old module
  exported (two or more) imported it with `*`.

A name the user bound to something else since is left alone, and so is a
name the new module no longer has. The statements noted are kept by the
current state (`_state.current().statements`). Nothing here imports or purges
modules.
"""

import ast
import types
from typing import Any, Dict, Iterable, List, MutableMapping, Set, Tuple

from . import _state

_MISSING = object()



def from_imports(tree: ast.AST) -> List[Tuple[str, List[Tuple[str, str]]]]:
    """The absolute `from m import ...` statements a cell runs at its top level.

    Each is (module name, [(attribute, bound name)]); `*` is ("*", "*").
    Imports inside functions and classes bind no name in the namespace.
    """
    found: List[Tuple[str, List[Tuple[str, str]]]] = []
    stack: List[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.ImportFrom):
            if node.module and not node.level:
                found.append((node.module, [(a.name, a.asname or a.name) for a in node.names]))
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return found  # in the order they run: children were pushed reversed


def track(namespace: MutableMapping[str, Any]) -> None:
    """From now on the statements `namespace` runs are noted: no more guessing for it."""
    state = _state.current()
    with state.statements_lock:
        entry = state.statements.get(id(namespace))
        if entry is None or entry[0] is not namespace:
            state.statements[id(namespace)] = (namespace, {}, set())


def note_statements(
    namespace: MutableMapping[str, Any],
    statements: Iterable[Tuple[str, List[Tuple[str, str]]]],
    modules: MutableMapping[str, Any],
) -> None:
    """Record `from m import ...` statements that just ran in `namespace`.

    A name counts only if it now holds the module's attribute (the
    statement ran and nothing rebound the name after it), so a failed cell
    records nothing false. A later statement binding the same name wins.
    """
    state = _state.current()
    with state.statements_lock:
        entry = state.statements.get(id(namespace))
        if entry is None or entry[0] is not namespace:
            entry = state.statements[id(namespace)] = (namespace, {}, set())
        _, names, stars = entry
        for module_name, aliases in statements:
            module = modules.get(module_name)
            if not issubclass(type(module), types.ModuleType):
                continue
            attributes = vars(module)
            for attribute, bound in aliases:
                if attribute == "*":
                    stars.add(module_name)
                elif namespace.get(bound, _MISSING) is attributes.get(attribute, _MISSING):
                    names[bound] = (module_name, attribute)


def forget(namespace: MutableMapping[str, Any]) -> None:
    """Drop what was recorded for `namespace`."""
    state = _state.current()
    with state.statements_lock:
        entry = state.statements.get(id(namespace))
        if entry is not None and entry[0] is namespace:
            del state.statements[id(namespace)]


def exported(namespace: Dict[str, Any]) -> List[str]:
    """The names `from m import *` binds from a module whose namespace this is."""
    listed = namespace.get("__all__")
    if isinstance(listed, (list, tuple)) and all(isinstance(n, str) for n in listed):
        return [name for name in listed if name in namespace]
    return [name for name in namespace if not name.startswith("_")]


def follow(
    namespaces: Iterable[MutableMapping[str, Any]],
    old_modules: Dict[str, types.ModuleType],
    new_modules: MutableMapping[str, Any],
    updated: Set[int],
) -> Dict[str, str]:
    """Rebind the names in `namespaces` that came from a reloaded module.

    Call it after the new modules ran and before the old modules' namespaces
    are made to mirror the new ones. `updated` holds the ids of old objects
    the update replaces itself (functions, classes, modules): those are left
    to it. Returns what could not be done, as the update reports it.
    """
    old = {name: vars(module) for name, module in old_modules.items()}
    new = {}
    for name in old:
        module = new_modules.get(name)
        if issubclass(type(module), types.ModuleType) and module is not old_modules[name]:
            new[name] = vars(module)
    problems: Dict[str, str] = {}
    if not new:
        return problems
    seen: Set[int] = set()
    for namespace in namespaces:
        if id(namespace) in seen:
            continue
        seen.add(id(namespace))
        try:
            _follow(namespace, old, new, updated)
        except Exception as error:  # a namespace that is not a plain dict misbehaved
            problems["names in namespace {}".format(_describe(namespace))] = (
                "could not be rebound: {}: {}".format(type(error).__name__, error))
    return problems


def _holds_every_export(namespace: MutableMapping[str, Any], module: Dict[str, Any]) -> bool:
    """Whether `namespace` holds every name (two or more) `module` exports, as `*` binds them."""
    listed = module.get("__all__")
    if isinstance(listed, (list, tuple)):
        names = exported(module)
        return len(names) >= 2 and all(
            namespace.get(n, _MISSING) is module[n] for n in names)
    public = 0
    for name in module:  # the first public name usually answers
        if name[:1] != "_":
            if namespace.get(name, _MISSING) is not module[name]:
                return False
            public += 1
    return public >= 2


def _describe(namespace: MutableMapping[str, Any]) -> str:
    name = namespace.get("__name__")
    return repr(name) if isinstance(name, str) else "at {:#x}".format(id(namespace))


def _follow(
    namespace: MutableMapping[str, Any],
    old: Dict[str, Dict[str, Any]],
    new: Dict[str, Dict[str, Any]],
    updated: Set[int],
) -> None:
    state = _state.current()
    with state.statements_lock:
        entry = state.statements.get(id(namespace))
        tracked = entry is not None and entry[0] is namespace
        names, stars = (dict(entry[1]), set(entry[2])) if entry and tracked else ({}, set())
    changes: Dict[str, Any] = {}

    def take(bound: str, module: str, attribute: str) -> None:
        """Rebind `bound` to the new `module.attribute` if it holds the old one."""
        value = namespace.get(bound, _MISSING)
        if value is _MISSING or value is not old[module].get(attribute, _MISSING):
            return  # rebound since, or never from there
        fresh = new[module].get(attribute, _MISSING)
        if fresh is not _MISSING and fresh is not value and id(value) not in updated:
            changes[bound] = fresh

    # 1. What the host saw the namespace import.
    for bound, (module, attribute) in names.items():
        if module in new:
            take(bound, module, attribute)

    # 2. Otherwise the same name holding the very object the old module held.
    found: Dict[str, List[str]] = {}
    bindable = () if tracked else {k for k in namespace if not k[:2] == "__" == k[-2:]}
    for module, attributes in old.items() if bindable else ():
        if module in new:
            for bound in attributes.keys() & bindable:  # a set operation, in C
                if attributes[bound] is namespace[bound]:
                    found.setdefault(bound, []).append(module)
    for bound, modules in found.items():
        fresh = {id(new[m].get(bound, _MISSING)) for m in modules}
        if len(fresh) == 1:  # modules that disagree on the new value: do nothing
            take(bound, modules[0], bound)

    # 3. Names a star import from a reloaded module now brings.
    for module in new:
        if module in stars:
            before = exported(old[module])
        elif tracked or not _holds_every_export(namespace, old[module]):
            continue
        else:
            before = exported(old[module])
        for name in before:  # what the star import bound, unless rebound since
            if name not in names:
                take(name, module, name)
        had = set(before)
        for name in exported(new[module]):
            if name not in had and name not in namespace and name not in changes:
                changes[name] = new[module][name]
    for bound, value in changes.items():
        namespace[bound] = value
