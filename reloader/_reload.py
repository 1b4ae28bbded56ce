"""The reload pipeline: `_reload` runs the steps of a reload, in this order.

1. Select: the loaded modules the targets name and every loaded module whose
   import-time code reads one of them, in dependency order, import cycles
   together; importers that only bind one stay loaded. The last reload's
   selection answers again while nothing it was made from changed (`_reuse`).
2. Compile every selected module's current source; a syntax error changes nothing.
3. Hand over state: each old module's `__before_reload__()`, importers first.
4. Tear down registrations: each host's hooks, then the built-in cleanups,
   remove what the old modules registered.
5. Purge and import again in dependency order, holding the import lock. As
   each module's code has run, live update makes its old objects run the new
   code (before its importers run, so they bind the updated old classes).
   The importers left loaded then point at the new modules.
6. Finish: each host hook's `finish(True)` registers the new code.
7. Update: live update completes (old namespaces follow the new ones, names
   in `__main__` are rebound) and lets go of the old modules.
8. Take state back: each new module's `__after_reload__(state)`, dependencies first.
9. Report: a `Report`, or `ReloadError` carrying one.

Steps 3 to 5 push onto one undo stack what puts back each change they make.
If anything fails up to the end of step 5, every undo runs, newest first,
each on its own (one that fails becomes a warning, and the rest still run):
the old modules are back, and their own `__after_reload__(state)` runs last.
From step 6 on the new code stays: a failure is the reload's error, and the
remaining steps still run. Either way a failed reload raises ReloadError.

Nothing here prints. The module table and the import index are those of the
current state (`_state`). Reloads are serialized by one lock, and a reload
started from inside a reload (a module's code or hook) is refused.
"""

import contextlib
import gc
import threading
import time
import types
from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Set

from . import _discovery, _generations, _graph, _instances, _reuse, _sources, _state, _transaction
from ._report import Plan, PlannedModule, ReloadError, Report
from ._steps import Attempt
from ._transaction import Prepared, prepare

_lock = threading.RLock()
_active = threading.local()


class _Selection:
    """A plan plus what the reload needs that a Plan does not show."""

    def __init__(self, plan: Plan, paths: Dict[str, Optional[str]], kept: List[str],
                 rebind: Dict[str, FrozenSet[str]], aliases: Dict[str, str],
                 groups: List[List[str]]) -> None:
        self.plan = plan
        self.paths = paths
        self.kept = kept  # submodules left loaded under packages that are reloaded
        self.rebind = rebind  # modules left loaded -> their names bound to reloaded modules
        self.aliases = aliases  # other sys.modules names of reloaded modules -> their names
        #: The modules imported together, a package's own edges included (a
        #: submodule's import runs its package first): more than the plan's cycles.
        self.groups = groups


def _select(targets: Sequence[object], dependents: bool, offer: bool = False) -> _Selection:
    """Step 1: the modules `targets` name and, with `dependents`, their importers, in order.

    With `offer`, a reload follows: the selection is kept for the next one if
    it succeeds (`_reuse`).
    """
    state = _state.current()
    table, index = state.table, state.index
    with table.lock:
        # 1a. Bring the module table and import index up to date (only what
        #    changed in sys.modules is looked at again), then read the targets.
        table.refresh()
        index.update(table.take_unindexed(), table.infos, table.seen)
        selection = _discovery.select(targets)
        question = _reuse.key(selection.names, selection.skipped, dependents, table)
        kept = _reuse.recall(state, question, table, offer)
        if kept is not None:  # the same modules as the last reload, and nothing changed
            return kept  # type: ignore[no-any-return]
        reasons = {name: "selected" for name in selection.names}
        skipped = dict(selection.skipped)

        # 1b. Everything that depends on the selection; a protected dependent
        #    (__main__, a host's module) is reported and left alone.
        #    Only importers whose import-time code reads a changed module run
        #    again; those that only bind it stay, their names pointed anew.
        rebind: Dict[str, FrozenSet[str]] = {}
        kept_reasons: Dict[str, str] = {}
        after: Dict[str, Set[str]] = {}  # module -> changed modules it calls into at import
        if dependents:

            def reloadable(name: str) -> bool:
                return table.info(name).protected is None

            rerun, bound, after = index.reached(selection.names, reloadable, table.seen)
            for name, why in rerun.items():
                protected = table.info(name).protected
                if protected is None:
                    reasons[name] = why
                else:
                    skipped.setdefault(name, "{}, but {}".format(why, protected))
            for name, (why, names) in bound.items():
                rebind[name] = names
                kept_reasons[name] = why
        imports = index.import_edges(reasons, table.infos)
        for name, origins in after.items():
            if name in imports:
                imports[name].update(origins)
        edges = _graph.with_parents(imports, table.infos)

        # 1c. Dependency order; import cycles stay together.
        needs: Dict[str, List[_graph.Need]] = {}

        def top_level(name: str) -> List[_graph.Need]:
            if name not in needs:
                module = table.seen[name]
                needs[name] = _graph.top_level_of(
                    name, module, table.infos.__contains__)  # type: ignore[arg-type]
            return needs[name]

        groups = _graph.import_order(list(reasons), edges, table.rank, top_level)
        order = [name for group in groups for name in group]
        # Cycles the user wrote, not the package-and-its-submodules kind: a
        # package holds its submodules as attributes and `from . import x`
        # names the package, so edges between a module and its own packages
        # do not count.
        within = _discovery.is_within
        written = {name: {t for t in targets if not (within(t, name) or within(name, t))}
                   for name, targets in imports.items()}
        cycles = [g for g in _graph.strongly_connected(order, written) if len(g) > 1]
        position = {name: number for number, name in enumerate(order)}
        cycles = [sorted(g, key=position.__getitem__) for g in cycles]
        modules = [PlannedModule(name, reasons[name]) for name in order]
        paths = {name: table.infos[name].path for name in order}
        kept = [c for n in order if table.infos[n].search_paths
                for c in sorted(table.children.get(n, ())) if c not in reasons]
        kept += [d for c in kept for d in table.under(c)[1:] if d not in reasons]  # theirs too
        aliases = {a: n for a, n in table.aliases.items() if n in reasons}
        made = _Selection(Plan(modules, skipped, cycles, kept_reasons), paths, kept, rebind,
                          aliases, [group for group in groups if len(group) > 1])
        if offer:
            _reuse.offer(state, question, made, selection.names, reasons, table)
    return made


@contextlib.contextmanager
def _collector_paused(young_after: bool = False) -> Iterator[None]:
    # A reload allocates many objects: the new modules, and reloader's own
    # bookkeeping (tables, undo logs). The collections they would trigger walk
    # the whole heap of a large program again and again. With `young_after`
    # (a reload), the youngest generation (all it allocated, which the
    # collector would walk at the next allocation anyway) is collected once
    # it is over: the new classes it discarded for the old ones go now,
    # rather than stay to hold the old classes' functions when the next
    # reload asks who holds them.
    enabled = gc.isenabled()
    gc.disable()
    try:
        if young_after:
            with _instances.frozen_out():  # what the reload makes can be listed apart
                yield
        else:
            yield
    finally:
        if enabled:
            gc.enable()
            if young_after:
                gc.collect(0)
        if young_after:
            _generations.collect_if_inflated()


def learn_importers(names: Iterable[str]) -> bool:
    """Learn now which loaded modules import the named ones; False if a reload is running.

    The import index learns this on demand, and the first reload of a module
    pays for it: in a large session, many times a later reload. A caller that
    knows what will be reloaded (a watcher, when made) pays it up front.
    """
    if not _lock.acquire(blocking=False):
        return False
    try:
        if getattr(_active, "running", False):
            return False
        state = _state.current()
        table, index = state.table, state.index
        with _collector_paused(), table.lock:
            table.refresh()
            index.update(table.take_unindexed(), table.infos, table.seen)
            names = list(names)
            index.learn(names)
            # What the importers' import-time code reads: what the first
            # reload asks of each, to tell who must run again.
            for importer in set().union(*(index.importers.get(n, ()) for n in names)):
                module = table.seen.get(importer)
                if isinstance(module, types.ModuleType):
                    _graph.read_top_level(importer, module)
        return True
    finally:
        _lock.release()


def plan(*targets: object, dependents: bool = True) -> Plan:
    """What `reload(*targets, dependents=dependents)` would do; changes nothing."""
    with _collector_paused():
        return _select(targets, dependents).plan


def reload(
    *targets: object,
    dependents: bool = True,
    update: bool = True,
) -> Report:
    """Reload the modules `targets` name, and those importing them, as one transaction.

    A target is a dotted name prefix ("tool" is tool and tool.*, never
    toolkit), a path (a str with a separator, or os.PathLike: every module
    whose file lies under it) or a module object. Returns a Report. A failed
    reload raises ReloadError carrying one, after restoring everything when
    the failure came before the new code was in (see the module docstring).
    """
    with _lock:
        if getattr(_active, "running", False):
            raise RuntimeError(
                "reload() was called while a reload is running (from module code or a "
                "reload hook); schedule it to run after the current reload instead"
            )
        try:
            with _collector_paused(young_after=True):
                _active.running = True
                report: Optional[Report] = None
                try:
                    report = _reload(targets, dependents, update)
                    return report
                except ReloadError as error:
                    report = error.report
                    raise
                finally:
                    _transaction.write_caches()
                    # Let go of the replaced modules: look again at what the
                    # reload changed, or at everything after an interruption.
                    state = _state.current()
                    table = state.table
                    with table.lock:
                        if report is None:
                            table.refresh()
                        else:
                            table.note(
                                report.reloaded + report.removed + report.added
                            )
                        # A module the new code imported first, or one whose
                        # file is gone, was not there for the selection.
                        if report is not None and report.ok and not (
                                report.added or report.removed):
                            _reuse.succeeded(state, table)
                        else:
                            _reuse.failed(state)
        finally:
            _active.running = False


def _reload(targets: Sequence[object], dependents: bool, update: bool) -> Report:
    """The steps of a reload, numbered as in the module docstring."""
    started = time.perf_counter()
    # 1. Select: what the targets name and what imports them, in dependency order.
    selection = _select(targets, dependents, offer=True)
    order = selection.plan.names
    attempt = Attempt(selection.plan, update, started)
    prepared: Prepared = {}
    try:
        # 2. Compile every module's current source: a syntax error changes nothing.
        prepared = prepare(order, [selection.paths[name] for name in order], _graph.selection_stat)
        # 3. Hand over state: the old modules' __before_reload__, importers first.
        states = attempt.hand_over()
        # 4. Tear down what the old modules registered with hosts and the standard library.
        attempt.tear_down()
        # 5. Purge and import again, updating each old module as its code has run.
        transaction = attempt.purge_and_import(prepared, selection.kept, selection.rebind,
                                               selection.aliases, selection.groups)
    except BaseException as failure:
        attempt.put_back()  # every undo, newest first; raises an interrupt that came meanwhile
        if not isinstance(failure, Exception):
            raise  # KeyboardInterrupt or SystemExit, after everything was put back
        report = attempt.report_failure(failure, prepared)
        raise ReloadError(report) from report.error
    reloaded = [name for name in order if name not in transaction.removed]
    # Which file version each one runs; the old modules' notes go.
    _sources.note_read(reloaded, _transaction.read_as, transaction.old.values())
    # 6. Finish: the hosts register the new code, before step 7 changes the old
    #    modules (a host may read what it set on them).
    attempt.finish(reloaded)
    # 7. Update: old namespaces follow the new ones; the old modules are let go.
    replaced = attempt.complete()
    # 8. Take state back: the new modules' __after_reload__, dependencies first.
    attempt.take_back(reloaded, states)
    # 9. Report.
    report = attempt.report(transaction, reloaded, replaced)
    if report.error is not None:
        raise ReloadError(report) from report.error
    return report
