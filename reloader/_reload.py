"""The reload pipeline: select, order, prepare, purge and re-import, update, report.

Each public call runs the numbered steps below and returns a value; nothing
here prints. Reloads are serialized by one lock, and a reload started from
inside a reload (a module's code or hook) is refused.
"""

import threading
import time
import types
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from . import _discovery, _graph, _host
from ._report import Location, Plan, PlannedModule, ReloadError, Report, describe_error, locate
from ._transaction import ImportFailure, PrepareError, Transaction, prepare

_lock = threading.RLock()
_active = threading.local()


class _Selection:
    """A plan plus what the reload needs that a Plan does not show."""

    def __init__(self, plan: Plan, paths: Dict[str, Optional[str]]) -> None:
        self.plan = plan
        self.paths = paths


def _select(targets: Sequence[object], dependents: bool) -> _Selection:
    # 1. The modules the targets name, and the protected ones they touch.
    selection = _discovery.select(targets)
    loaded = dict(_discovery.loaded_modules())
    rank = {name: number for number, name in enumerate(loaded)}
    reasons = {name: "selected" for name in selection.names}
    skipped = dict(selection.skipped)
    infos = {}
    for name, module in loaded.items():
        info = _discovery.describe(name, module)
        if info is not None:
            infos[name] = info

    # 2. Who imports whom: every module that could import a selected one is
    #    read, and __main__ so the report can say it was left alone.
    if dependents:
        scanned = {n: i for n, i in infos.items() if i.protected is None or n == "__main__"}
    else:
        scanned = {n: infos[n] for n in selection.names}
    imports = _graph.import_edges(loaded, scanned)
    edges = _graph.with_parents(imports, loaded)
    if dependents:
        reloadable = {n: i for n, i in scanned.items() if i.protected is None}
        importers = _graph.reverse({n: edges[n] for n in reloadable})
        for name, importee in _graph.dependents(selection.names, importers).items():
            reasons[name] = "imports {}".format(importee)
        main_imports = [n for n in edges.get("__main__", ()) if n in reasons]
        if main_imports:
            skipped["__main__"] = "imports {}, but {}".format(
                main_imports[0], infos["__main__"].protected
            )

    # 3. Dependency order; import cycles stay together.
    groups = _graph.import_order(list(reasons), edges, rank)
    order = [name for group in groups for name in group]
    # Cycles the user wrote, not the package-and-its-submodules kind: a
    # package holds its submodules as attributes and `from . import x` names
    # the package, so edges between a module and its own packages do not count.
    written = {
        name: {t for t in targets
               if not (_discovery.is_within(t, name) or _discovery.is_within(name, t))}
        for name, targets in imports.items()
    }
    cycles = [g for g in _graph.strongly_connected(order, written) if len(g) > 1]
    cycles = [sorted(g, key=rank.__getitem__) for g in cycles]
    modules = [PlannedModule(name, reasons[name]) for name in order]
    paths = {name: infos[name].path for name in order}
    return _Selection(Plan(modules, skipped, cycles), paths)


def plan(*targets: object, dependents: bool = True) -> Plan:
    """What `reload(*targets, dependents=dependents)` would do; changes nothing."""
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
        _active.running = True
        try:
            return _reload(targets, dependents, update)
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
    transaction = Transaction(order, prepared)
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
            except Exception as error:
                warnings.append(_hook_failure("__before_reload__", name, error))
                continue
            if called:
                states[name] = state

        # 3. Hosts tear down what the old modules registered with them.
        owned = _host.owned_by(order)
        for host in hosts:
            host.before_purge(order)
            for cleanup in host.cleanups:
                undo.append(cleanup(owned))

        # 4-5. Purge, import again in order; on failure everything is restored.
        transaction.run()
    except BaseException as error:
        # Restored already (or nothing purged yet): give the old modules back
        # what they tore down.
        for put_back in reversed(undo):
            put_back()
        for name, state in states.items():
            module = old_modules[name]
            try:
                if module is not None:
                    _call_hook(module, "__after_reload__", state)
            except Exception as hook_error:
                warnings.append(_hook_failure("__after_reload__", name, hook_error))
        if not isinstance(error, ImportFailure):
            raise  # KeyboardInterrupt or SystemExit, after everything was restored
        return finish(
            error=error.error,
            failed_module=error.name,
            location=error.location,
            rolled_back=True,
            restored=order,
            warnings=warnings,
        )
    del old_modules  # keep no old module alive longer than the host does
    reloaded = [name for name in order if name not in transaction.removed]

    for host in hosts:
        host.after_import(reloaded)

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
    )

