"""The reload pipeline: select, order, prepare, purge and re-import, update, report.

Each public call runs the numbered steps below and returns a value; nothing
here prints. Reloads are serialized by one lock, and a reload started from
inside a reload (a module's code or hook) is refused.
"""

import contextlib
import functools
import gc
import threading
import time
import types
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from . import _discovery, _graph, _host, _registries, _stale, _update
from ._report import Location, Plan, PlannedModule, ReloadError, Report, describe_error, locate
from ._transaction import ImportFailure, PrepareError, Transaction, prepare

_lock = threading.RLock()
_active = threading.local()


class _Selection:
    """A plan plus what the reload needs that a Plan does not show."""

    def __init__(self, plan: Plan, paths: Dict[str, Optional[str]], kept: List[str]) -> None:
        self.plan = plan
        self.paths = paths
        self.kept = kept  # submodules left loaded under packages that are reloaded


def _select(targets: Sequence[object], dependents: bool) -> _Selection:
    table, index = _discovery.table, _graph.index
    with table.lock:
        # 1. Bring the module table and import index up to date (only what
        #    changed in sys.modules is looked at again), then read the targets.
        table.refresh()
        index.update(table.take_unindexed())
        selection = _discovery.select(targets)
        reasons = {name: "selected" for name in selection.names}
        skipped = dict(selection.skipped)

        # 2. Everything that depends on the selection; a protected dependent
        #    (__main__, a host's module) is reported and left alone.
        if dependents:

            def reloadable(name: str) -> bool:
                return table.info(name).protected is None

            for name, why in index.dependents(selection.names, reloadable).items():
                protected = table.info(name).protected
                if protected is None:
                    reasons[name] = why
                else:
                    skipped.setdefault(name, "{}, but {}".format(why, protected))
        imports = index.import_edges(reasons)
        edges = _graph.with_parents(imports, table.infos)

        # 3. Dependency order; import cycles stay together.
        def top_level(name: str) -> List[_graph.Need]:
            module = table.seen[name]
            return _graph.top_level_of(name, module, table.infos.__contains__)  # type: ignore[arg-type]

        groups = _graph.import_order(list(reasons), edges, table.rank, top_level)
        order = [name for group in groups for name in group]
        # Cycles the user wrote, not the package-and-its-submodules kind: a
        # package holds its submodules as attributes and `from . import x`
        # names the package, so edges between a module and its own packages
        # do not count.
        written = {
            name: {t for t in targets
                   if not (_discovery.is_within(t, name) or _discovery.is_within(name, t))}
            for name, targets in imports.items()
        }
        cycles = [g for g in _graph.strongly_connected(order, written) if len(g) > 1]
        position = {name: number for number, name in enumerate(order)}
        cycles = [sorted(g, key=position.__getitem__) for g in cycles]
        modules = [PlannedModule(name, reasons[name]) for name in order]
        paths = {name: table.infos[name].path for name in order}
        kept = [c for n in order for c in sorted(table.children.get(n, ())) if c not in reasons]
    return _Selection(Plan(modules, skipped, cycles), paths, kept)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    # A reload allocates many objects: the new modules, and reloader's own
    # bookkeeping (tables, undo logs). The collections they would trigger walk
    # the whole heap of a large program again and again; the garbage they
    # would find is collected as usual once the reload is over.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def plan(*targets: object, dependents: bool = True) -> Plan:
    """What `reload(*targets, dependents=dependents)` would do; changes nothing."""
    with _collector_paused():
        return _select(targets, dependents).plan


def _call_hook(module: types.ModuleType, hook: str, *args: object) -> Tuple[bool, object]:
    function = module.__dict__.get(hook)
    if not callable(function):
        return False, None
    return True, function(*args)


def _hook_failure(hook: str, name: str, error: Exception) -> str:
    where = locate(error)
    return "{} of {!r} failed{}: {}".format(
        hook, name, " at {}".format(where) if where else "", describe_error(error)
    )


def reload(
    *targets: object,
    dependents: bool = True,
    update: bool = True,
) -> Report:
    """Reload the modules `targets` name, and those importing them, as one transaction.

    A target is a dotted name prefix ("tool" is tool and tool.*, never
    toolkit), a path (a str with a separator, or os.PathLike: every module
    whose file lies under it) or a module object. Returns a Report; raises
    ReloadError after restoring everything if the new code fails to import.
    """
    with _lock:
        if getattr(_active, "running", False):
            raise RuntimeError(
                "reload() was called while a reload is running (from module code or a "
                "reload hook); schedule it to run after the current reload instead"
            )
        try:
            with _collector_paused():
                _active.running = True
                report: Optional[Report] = None
                try:
                    report = _reload(targets, dependents, update)
                    return report
                except ReloadError as error:
                    report = error.report
                    raise
                finally:
                    # Let go of the replaced modules: look again at what the
                    # reload changed, or at everything after an interruption.
                    with _discovery.table.lock:
                        if report is None:
                            _discovery.table.refresh()
                        else:
                            _discovery.table.note(
                                report.reloaded + report.removed + report.added
                            )
        finally:
            _active.running = False


def _reload(targets: Sequence[object], dependents: bool, update: bool) -> Report:
    started = time.perf_counter()
    selection = _select(targets, dependents)
    the_plan = selection.plan
    order = the_plan.names
    reasons = {module.name: module.reason for module in the_plan.modules}

    def finish(**fields: object) -> Report:
        report = Report(
            skipped=the_plan.skipped,
            reasons=reasons,
            seconds=time.perf_counter() - started,
            **fields,  # type: ignore[arg-type]
        )
        if report.error is not None:
            raise ReloadError(report) from report.error
        return report

    # 1. Find and compile every module's current source: a syntax error purges nothing.
    try:
        prepared = prepare(order, [selection.paths[name] for name in order])
    except PrepareError as failure:
        return finish(
            error=failure.error,
            failed_module=failure.name,
            # An unreadable file or bytes that are not text have no line:
            # name the file.
            location=locate(failure.error) or (
                Location(failure.path, 0) if failure.path else None
            ),
            rolled_back=True,
        )

    warnings: List[str] = []
    states: Dict[str, object] = {}
    old_modules = {name: _discovery.loaded_module(name) for name in order}
    hosts = _host.installed()
    undo: List[Callable[[], None]] = []
    finishes: List[_host.Finish] = []
    owned = _host.owned_by(order)
    recorder = _registries.Recorder()
    updater = _update.Updater(old_modules) if update else None

    def executed(module: types.ModuleType) -> None:
        recorder.executed(module)
        if updater is not None:
            updater.executed(module)

    transaction = Transaction(
        order, prepared, executed, cycles=the_plan.cycles, kept=selection.kept
    )
    # Once one hook has run, an interrupt or a host's error anywhere up to the
    # end of the re-import must give the old modules back what they tore down.
    try:
        # 2. Let the old modules hand over their state, importers first.
        for name in reversed(order):
            module = old_modules[name]
            if module is None:
                continue
            try:
                called, state = _call_hook(module, "__before_reload__")
            except Exception as hook_error:
                warnings.append(_hook_failure("__before_reload__", name, hook_error))
                continue
            if called:
                states[name] = state

        # 3. Hosts, then the built-in cleanups, tear down what the old modules
        #    registered with them and with the standard library.
        for host in hosts:
            for hook in host.hooks:
                finishes.append(_host.finish_of(host, hook, order, owned))
                undo.append(functools.partial(finishes[-1], False))
        for cleanup in _registries.cleanups(old_modules):
            undo.append(cleanup(owned))

        # 4-5. Purge, import again in order, updating the old objects as each
        #      module's code has run; on failure everything is restored.
        transaction.run()
    except BaseException as failure:
        # Restored already (or nothing purged yet): give the old modules back
        # what they tore down.
        if updater is not None:
            updater.undo()
        recorder.undo_attempt(owned)
        for put_back in reversed(undo):
            put_back()
        for name, state in states.items():
            module = old_modules[name]
            try:
                if module is not None:
                    _call_hook(module, "__after_reload__", state)
            except Exception as hook_error:
                warnings.append(_hook_failure("__after_reload__", name, hook_error))
        if not isinstance(failure, ImportFailure):
            raise  # KeyboardInterrupt or SystemExit, after everything was restored
        return finish(
            error=failure.error,
            failed_module=failure.name,
            location=failure.location,
            rolled_back=True,
            restored=order,
            removed=[name for name in order if prepared.get(name) is None],
            warnings=warnings,
        )
    reloaded = [name for name in order if name not in transaction.removed]
    # Hosts register the new code while the old modules are still as they
    # were (a host may read what it set on them), then the update finishes.
    for finish_hook in finishes:
        finish_hook(True)
    replaced = updater.commit() if updater is not None else []
    not_updated = updater.not_updated if updater is not None else {}
    _stale.track(replaced)
    updater = None  # it held the old modules until commit() let them go
    del old_modules  # keep no old module alive longer than the host does

    # 6. Let the new modules take their state back, dependencies first.
    error: Optional[Exception] = None
    failed: Optional[str] = None
    for name in reloaded:
        module = _discovery.loaded_module(name)
        if module is None:
            continue
        try:
            _call_hook(module, "__after_reload__", states.get(name))
        except Exception as hook_error:
            if error is None:
                error, failed = hook_error, name
            else:
                warnings.append(_hook_failure("__after_reload__", name, hook_error))
    return finish(
        reloaded=reloaded,
        removed=transaction.removed,
        added=transaction.added,
        error=error,
        failed_module=failed,
        location=locate(error) if error is not None else None,
        warnings=warnings,
        not_updated=not_updated,
        replaced=replaced,
    )

