"""Keep the last reload's selection for the next reload of the same modules.

Saving one file again and again is the usual way of working: each reload
selects the same modules, in the same order, for the same reasons. A
selection is kept once the reload made from it succeeded, with what it was
made from, and answers the next selection of the same targets while all of
that is unchanged:

- `sys.modules`, as the module table saw it when that reload ended (its
  `version`), and the protections hosts declared;
- the import-time code of every module it reloads: its source file, at the
  signature the selection saw (a module run again from an unchanged file
  runs the same code), or what the selection read of a module without one
  (`_graph.code_read`: the very object). The other modules it looked at
  stay loaded: what it read of them is kept per module object, and read
  again only when the module is new;
- each target's file: unchanged, or what its `import` statements name
  (and where they stand, for a target in an import cycle) equal to
  before; and the modules its loaded namespace holds objects of.

Anything else makes a new selection. A reload that imported a module for the
first time, or found a module's file gone, keeps nothing: that module was not
there for the selection. This module only keeps, checks and forgets;
`_reload` makes the selections. The kept selection is the current state's
(`_state.current().reuse`).
"""

import types
from typing import Any, Dict, Hashable, Iterable, NamedTuple, Optional, Sequence, Set, Tuple

from . import _graph
from ._discovery import written_file

#: Off in tests that compare a kept selection with one made anew.
ENABLED = True


class Kept(NamedTuple):
    """A selection and what it was made from."""

    key: Hashable
    selection: Any  # _reload._Selection
    code: Dict[str, object]  # module reloaded -> its _Source or code_read(), the targets left out
    targets: Dict[str, Tuple[object, ...]]  # target -> what it imports and holds
    version: int  # the module table's version once the reload from it ended; -1 before


def key(names: Sequence[str], skipped: Dict[str, str], dependents: bool,
        table: Any) -> Hashable:
    """What makes two selections the same question.

    The targets in their order in `sys.modules`, which breaks ties in the
    dependency order: a reload that left them in another order (a package
    whose code imports its submodules finishes after them) is answered anew
    once, as a selection made then would order them differently.
    """
    return (tuple(names), tuple(skipped.items()), dependents, tuple(table.protected))


class _Source(NamedTuple):
    """A module's source file and its signature, as the selection saw them."""

    path: str
    signature: object


def _code(name: str, module: object) -> object:
    if not isinstance(module, types.ModuleType):
        return None
    source = _graph.running_source(name, module)
    return _Source(*source) if source is not None else _graph.code_read(name, module)


def _same_code(name: str, module: object, code: object) -> bool:
    """Whether `module` runs the import-time code `_code` gave when the selection was made."""
    if type(code) is not _Source:
        return _code(name, module) is code
    return _from_file(module, code)


def _from_file(module: object, source: _Source) -> bool:
    """Whether `module` was loaded from `source`'s file, and the file is still as it was."""
    try:  # read past a lazy module's __getattribute__, which would load it
        path = written_file(object.__getattribute__(module, "__dict__"))
    except Exception:  # not a module reloader can read
        return False
    return path == source.path and _graph.file_signature(path) == source.signature


def _target(name: str, module: object, in_cycle: bool) -> Tuple[object, ...]:
    if not isinstance(module, types.ModuleType):
        return ()
    file = _graph.source_now(name, module)
    return (_Source(*file) if file is not None else None, _graph.imports_now(name, module),
            _graph.top_level_statements(name, module) if in_cycle else None,
            _graph.holds_from(name, module))


def _same_target(name: str, module: object, in_cycle: bool, known: Tuple[object, ...]) -> bool:
    """Whether a target still imports and holds what it did: its file unchanged says the
    first; an edit that leaves its imports (and a cycle's statements) alone, too."""
    if not known:  # not a module when the selection was made
        return not isinstance(module, types.ModuleType)
    if not isinstance(module, types.ModuleType):
        return False
    source, imports, statements, holds = known
    if not (isinstance(source, _Source) and _from_file(module, source)):
        if _graph.imports_now(name, module) != imports or (
                in_cycle and _graph.top_level_statements(name, module) != statements):
            return False
    return _graph.holds_from(name, module) == holds


def recall(state: Any, wanted: Hashable, table: Any, for_reload: bool) -> Optional[Any]:
    """The kept selection for `wanted`, if nothing it was made from changed; else None.

    With `for_reload`, a reload is made from it: it is kept again if that succeeds.
    """
    kept: Optional[Kept] = state.reuse
    if (not ENABLED or kept is None or kept.version != table.version
            or kept.key != wanted):
        return None
    seen = table.seen
    cycled = _in_cycles(kept.selection)
    if not (all(_same_code(name, seen.get(name), code) for name, code in kept.code.items())
            and all(_same_target(name, seen.get(name), name in cycled, known)
                    for name, known in kept.targets.items())):
        state.reuse = None  # not the pending one: a reload on its way may keep its own
        return None
    if for_reload:
        state.reuse_pending = kept._replace(version=-1)
    return kept.selection


def offer(state: Any, wanted: Hashable, selection: Any, targets: Sequence[str],
          read: Iterable[str], table: Any) -> None:
    """Remember a selection just made for a reload; it is kept once the reload succeeds.

    `read` names the modules it reloads: their code, as the selection read
    it, must be what they run again.
    """
    if not ENABLED:
        return
    seen = table.seen
    cycled = _in_cycles(selection)
    code = {name: _code(name, seen.get(name)) for name in set(read).difference(targets)}
    shapes = {name: _target(name, seen.get(name), name in cycled) for name in targets}
    state.reuse_pending = Kept(wanted, selection, code, shapes, -1)


def _in_cycles(selection: Any) -> Set[str]:
    return {name for cycle in selection.plan.cycles for name in cycle}


def succeeded(state: Any, table: Any) -> None:
    """The reload from the offered selection succeeded: keep it for the next one."""
    pending: Optional[Kept] = state.reuse_pending
    state.reuse_pending = None
    state.reuse = pending._replace(version=table.version) if pending is not None else None


def failed(state: Any) -> None:
    """The reload failed, or was not made from the offered selection: keep nothing."""
    state.reuse = state.reuse_pending = None
