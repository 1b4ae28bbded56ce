"""Steps 3 to 9 of one reload, the undo stack they push onto, and what they record.

An `Attempt` is made for each reload; `_reload.py` lays out the steps, numbers
them, and calls each method once, in order (see its docstring for the rules
on failure). Up to step 5 every change pushes its undo onto the attempt's
`UndoStack`; `put_back()` runs them all. From step 6 on a failure is
recorded (the first is the reload's error, the others warnings) and the next
call still runs. Calls into code other than reloader's (module hooks, a
host's hooks and cleanups) are guarded one by one. Nothing here decides what
to reload, and nothing here prints.
"""

import functools
import sys
import time
import types
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

from . import _discovery, _hooks, _host, _registries, _stale, _update
from ._report import Location, Plan, Report, blame, describe_error, where
from ._transaction import ImportFailure, Prepared, PrepareError, Transaction

#: What reading or compiling a file raises when the file is at fault, not reloader.
_UNREADABLE = (OSError, ValueError, SyntaxError, ImportError)


class UndoStack:
    """What puts back each change of steps 3 to 5, pushed as the change is made."""

    def __init__(self) -> None:
        self._undos: List[Tuple[str, Callable[[], object]]] = []

    def push(self, what: str, undo: Callable[[], object]) -> None:
        """Add `undo`, which puts back `what` ("the 'maya' host's hook 'kill_jobs'")."""
        self._undos.append((what, undo))

    def run(self) -> List[str]:
        """Run every undo, newest first, each on its own; return what failed as warnings.

        An undo may return a list of warnings of its own. An interrupt that
        arrives meanwhile is raised once every undo has run.
        """
        warnings: List[str] = []
        interrupt: Optional[BaseException] = None
        while self._undos:
            what, undo = self._undos.pop()
            try:
                result = undo()
            except Exception as error:
                warnings.append(_hooks.failed("putting back " + what, error))
            except BaseException as error:  # KeyboardInterrupt: put back the rest first
                interrupt = interrupt or error
            else:
                if isinstance(result, list):
                    warnings.extend(str(warning) for warning in result)
        if interrupt is not None:
            raise interrupt
        return warnings


class StepFailure(Exception):
    """A host's step or a built-in cleanup failed, or returned no undo; `what` names it."""

    def __init__(self, what: str, error: Exception, location: Optional[Location] = None) -> None:
        super().__init__(what, error)
        self.what = what
        self.error = error
        self.location = location or blame(error)


class Attempt:
    """One reload of the modules `plan` names: their old versions, the undo stack, the outcome."""

    def __init__(self, plan: Plan, update: bool, started: float) -> None:
        self.plan = plan
        self.order = plan.names
        self.started = started
        self.old_modules = {name: _discovery.loaded_module(name) for name in self.order}
        self.hosts = _host.installed()
        self.owned = _host.owned_by(self.order)
        self.finishes: List[Tuple[str, _host.Finish]] = []  # each host hook's, in order
        self.recorder = _registries.Recorder()
        self.updater = _update.Updater(self.old_modules) if update else None
        self.pointer = _Pointer({}, {})
        self.undo = UndoStack()
        # What went wrong: the first failure is the reload's error.
        self.warnings: List[str] = []
        self.error: Optional[BaseException] = None
        self.failed_module: Optional[str] = None
        self.failed_in = ""
        self.location: Optional[Location] = None
        self.not_updated: Dict[str, str] = {}

    # ------------------------------------------------------------------
    # steps 3 to 5: every change pushes its undo

    def hand_over(self) -> Dict[str, object]:
        """Step 3: each old module's `__before_reload__()`, importers first; returns the states.

        Its undo gives each old module whose hook ran its state back through
        its own `__after_reload__(state)`, in the same order.
        """
        states: Dict[str, object] = {}
        self.undo.push("the old modules' state", functools.partial(self._give_back, states))
        for name in reversed(self.order):
            module = self.old_modules[name]
            if module is None:
                continue
            try:
                called, state = _call_hook(module, "__before_reload__")
            except Exception as error:
                self.warnings.append(_hook_failure("__before_reload__", name, error))
                continue
            if called:
                states[name] = state
        return states

    def _give_back(self, states: Dict[str, object]) -> List[str]:
        warnings = []
        for name, state in states.items():
            module = self.old_modules[name]
            try:
                if module is not None:
                    _call_hook(module, "__after_reload__", state)
            except Exception as error:
                warnings.append(_hook_failure("__after_reload__", name, error))
        return warnings

    def tear_down(self) -> None:
        """Step 4: each host's hooks, then the built-in cleanups."""
        for host in self.hosts:
            for hook in host.hooks:
                what = "the {!r} host's hook {!r}".format(host.name, _name_of(hook))
                finish = _finish_of(what, host, hook, self.order, self.owned)
                self.finishes.append((what, finish))
                self.undo.push(what, functools.partial(finish, False))
        for cleanup in _registries.cleanups(self.old_modules):
            what = "the built-in cleanup {!r}".format(_name_of(cleanup))
            self.undo.push(what, _undo_of(what, cleanup, self.owned))

    def purge_and_import(self, prepared: Prepared, kept: Sequence[str],
                         rebind: Mapping[str, FrozenSet[str]], aliases: Dict[str, str],
                         groups: Sequence[Sequence[str]] = ()) -> Transaction:
        """Step 5: purge and import again; update each old module as its code has run.

        `groups`: the modules imported together (cycles, a package's own
        edges included). Then the importers left loaded (`rebind`: name -> its
        names bound to reloaded modules) are pointed at the new modules.
        """
        transaction = Transaction(
            self.order, prepared, self._executed, groups=groups, kept=kept,
            aliases=aliases, starting=self._starting,
        )
        self.pointer = _Pointer(rebind, self.old_modules)
        self.undo.push("what the new code registered",
                       functools.partial(self.recorder.undo_attempt, self.owned))
        if self.updater is not None:
            self.undo.push("the old objects live update changed", self.updater.undo)
        self.undo.push("the names pointed at new modules", self.pointer.undo)
        self.undo.push("the old modules", transaction.restore)
        with self.recorder.recording():
            transaction.run()
        self.pointer.finish()
        for name, key, old in transaction.took_old():
            self.warnings.append(
                "{} was imported for the first time while {} ran and took the old {} as "
                "{!r}: what it made from {} at import stays old until {} is reloaded "
                "again".format(name, old, old, key, old, old))
        self.warnings.extend(_running(self.old_modules))
        if self.updater is not None:  # its last looks, undone with the rest if they fail
            self.updater.settle()
        return transaction

    def _starting(self, module: types.ModuleType, name: str) -> None:
        if self.updater is not None:
            self.updater.starting(name)

    def _executed(self, module: types.ModuleType, name: str) -> None:
        # Called back by the transaction as each module's code has run (see
        # Transaction for why this cannot wait until the import is over).
        self.recorder.executed(module, name)
        if self.updater is not None:
            self.updater.executed(module, name)
        self.pointer.executed(module, name)

    def put_back(self) -> None:
        """After a failure up to step 5: run every undo, newest first; warn of those that fail.

        Raises an interrupt that arrived meanwhile, once every undo has run.
        """
        self.warnings.extend(self.undo.run())

    # ------------------------------------------------------------------
    # steps 6 to 8: the new code stays; a failure is recorded, the rest runs

    def finish(self, reloaded: List[str]) -> None:
        """Step 6: each host hook's finish(True) registers the new code."""
        # No way back from here: let go of the undo stack and the old modules.
        self.undo, self.old_modules = UndoStack(), {}
        finishes, self.finishes = self.finishes, []
        for what, finish in finishes:
            try:
                warnings = finish(True)
            except Exception as error:
                self._fail(error, what, failed_in=what)
            else:  # warnings for the report; an error in them fails the reload
                for warning in warnings if isinstance(warnings, list) else ():
                    if isinstance(warning, Exception):
                        self._fail(warning, what, failed_in=what)
                    else:
                        self.warnings.append(str(warning))

    def complete(self) -> List[Tuple[str, Callable[[], Any]]]:
        """Step 7: live update completes; returns weak references to what it replaced."""
        updater, self.updater = self.updater, None  # it holds the old modules until commit()
        if updater is None:
            return []
        try:
            replaced = updater.commit()
            _stale.track(replaced)
        except Exception as error:
            self._fail(error, "the live update")
            replaced = []
        self.not_updated = dict(updater.not_updated)
        return replaced

    def take_back(self, reloaded: List[str], states: Dict[str, object]) -> None:
        """Step 8: each new module's `__after_reload__(state)`, dependencies first."""
        for name in reloaded:
            module = _discovery.loaded_module(name)
            if module is None:
                continue
            try:
                _call_hook(module, "__after_reload__", states.get(name))
            except Exception as error:
                self._fail(error, "__after_reload__ of {!r}".format(name), module=name)

    def _fail(self, error: Exception, what: str, module: Optional[str] = None,
              failed_in: str = "") -> None:
        location = blame(error)
        if self.error is None:
            self.error, self.failed_module = error, module
            self.failed_in, self.location = failed_in, location
        else:
            self.warnings.append(
                "{} failed{}: {}".format(what, where(location), describe_error(error)))

    # ------------------------------------------------------------------
    # step 9

    def report(self, transaction: Transaction, reloaded: List[str],
               replaced: List[Tuple[str, Callable[[], Any]]]) -> Report:
        """Step 9: what the reload did; its error is set if step 6, 7 or 8 failed."""
        return self._report(reloaded=reloaded, removed=transaction.removed,
                            added=transaction.added, not_updated=self.not_updated,
                            replaced=replaced)

    def report_failure(self, failure: Exception, prepared: Prepared) -> Report:
        """Step 9 after `failure` ended steps 2 to 5 and everything was put back."""
        if isinstance(failure, PrepareError):
            self.error, self.failed_module = failure.error, failure.name
            self.location = blame(failure.error, [failure.path] if failure.path else [])
            if failure.path and (self.location is None or self.location.in_reloader
                                 and isinstance(failure.error, _UNREADABLE)):
                # The file cannot be read, or is not Python source: name the file.
                self.location = Location(failure.path, 0)
        elif isinstance(failure, ImportFailure):
            self.error, self.failed_module = failure.error, failure.name
            self.location = failure.location
        elif isinstance(failure, StepFailure):
            self.error, self.failed_in = failure.error, failure.what
            self.location = failure.location
        else:  # reloader itself failed
            self.error, self.location = failure, blame(failure)
        return self._report(
            rolled_back=True,
            restored=() if isinstance(failure, PrepareError) else self.order,
            removed=[name for name in self.order if name in prepared and not prepared[name]],
        )

    def _report(self, **fields: Any) -> Report:
        return Report(
            skipped=self.plan.skipped,
            reasons={module.name: module.reason for module in self.plan.modules},
            seconds=time.perf_counter() - self.started,
            error=self.error,
            failed_module=self.failed_module,
            failed_in=self.failed_in,
            location=self.location,
            warnings=self.warnings,
            **fields,
        )


class _Pointer:
    """Points the names that modules left loaded bound to reloaded modules at the new ones.

    Each as soon as the new module's code has run, before its importers run:
    their import-time code may call functions of a module left loaded, which
    must meet the new module; and once more after the import, at what
    `sys.modules` holds then. A name bound to an earlier version than the one
    replaced now (left so by a reload without dependents) is pointed too: a
    module object of the same name. `undo()` points back what it pointed.
    """

    def __init__(self, rebind: Mapping[str, FrozenSet[str]],
                 old_modules: Mapping[str, Optional[types.ModuleType]]) -> None:
        #: reloaded module -> (namespace, name, the old module it is bound to)
        self.names: Dict[str, List[Tuple[Dict[str, Any], str, types.ModuleType]]] = {}
        #: (id(namespace), name) -> (namespace, name, old module, the new module set)
        self.pointed: Dict[Tuple[int, str], Tuple[Dict[str, Any], str, Any, Any]] = {}
        for holder, names in rebind.items():
            module = _discovery.loaded_module(holder)
            if module is None:
                continue
            namespace = object.__getattribute__(module, "__dict__")
            for local in sorted(names):
                value = namespace.get(local)
                if not _discovery.is_module(value):
                    continue
                name = object.__getattribute__(value, "__dict__").get("__name__")
                if isinstance(name, str) and old_modules.get(name) is not None:
                    self.names.setdefault(name, []).append((namespace, local, value))

    def _point(self, name: str, new: Any) -> None:
        for namespace, local, old in self.names.get(name, ()):
            value = namespace.get(local)
            key = (id(namespace), local)
            entry = self.pointed.get(key)
            set_here = entry is not None and entry[3] is value  # pointed by this reload
            if value is not new and (value is old or set_here):
                namespace[local] = new
                self.pointed[key] = (namespace, local, old, new)

    def executed(self, module: types.ModuleType, name: str) -> None:
        """The new code of `module`, imported as `name`, has run: point the names at it."""
        if name in self.names:
            self._point(name, module)

    def finish(self) -> None:
        """The import is over: point the names at what `sys.modules` holds now."""
        for name in self.names:
            new = _discovery.loaded_module(name)
            if new is not None:
                self._point(name, new)

    def undo(self) -> None:
        """Point back every name still bound to what was set, newest first."""
        pointed, self.pointed = self.pointed, {}
        for namespace, local, old, new in pointed.values():
            if namespace.get(local) is new:
                namespace[local] = old


def _running(old_modules: Mapping[str, Optional[types.ModuleType]]) -> List[str]:
    """What the calls under this reload, in this thread, run of the reloaded modules' code
    (a reload from inside `trio.run`): they go on with their code, and read the new
    module's globals once the old namespace mirrors it (an event loop's context, new)."""
    names = {id(module.__dict__): name for name, module in old_modules.items() if module}
    found: List[str] = []
    frame = sys._getframe(1)
    while frame is not None:
        name = names.get(id(frame.f_globals))
        if name is not None:
            found.append(
                "{}.{} (line {}) was running when {} was reloaded: it goes on with its own "
                "code, reading the new module's globals (objects it keeps there are the new "
                "ones)".format(name, frame.f_code.co_name, frame.f_lineno, name))
        frame = frame.f_back  # type: ignore[assignment]
    return found


def _call_hook(module: types.ModuleType, hook: str, *args: object) -> Tuple[bool, object]:
    function = module.__dict__.get(hook)
    if not callable(function):
        return False, None
    return True, function(*args)


def _hook_failure(hook: str, name: str, error: Exception) -> str:
    return _hooks.failed("{} of {!r}".format(hook, name), error)


def _undo_of(what: str, step: Callable[[Any], Any], argument: object) -> Callable[[], object]:
    """Run a built-in cleanup `step`; return the undo it returned, or a StepFailure naming it."""
    try:
        result = step(argument)
    except Exception as error:
        raise StepFailure(what, error) from error
    if not callable(result):
        wrong = TypeError("{!r} returned {!r}, not the callable that puts back what it did"
                          .format(_name_of(step), result))
        raise StepFailure(what, wrong, _defined_at(step))
    return result  # type: ignore[no-any-return]


def _finish_of(what: str, host: _host.Host, hook: _host.Hook, names: Sequence[str],
               owned: _host.Owned) -> _host.Finish:
    """Run a host's `hook` before the purge; its finish, or a StepFailure naming it."""
    try:
        finish = hook(names, owned)
    except Exception as error:
        raise StepFailure(what, error) from error
    if not callable(finish):
        wrong = TypeError("host {!r}: hook {!r} returned {!r}; a hook returns "
                          "finish(imported)".format(host.name, _name_of(hook), finish))
        raise StepFailure(what, wrong, _defined_at(hook))
    return finish


def _name_of(function: object) -> str:
    return str(getattr(function, "__name__", None) or function)


def _defined_at(function: object) -> Optional[Location]:
    """Where a host's function is defined: the place to fix what it returns."""
    for _ in range(8):  # through bound methods and partials
        function = getattr(function, "__func__", None) or getattr(function, "func", function)
    code = getattr(function, "__code__", None)
    if isinstance(code, types.CodeType):
        return Location(code.co_filename, code.co_firstlineno)
    return None
