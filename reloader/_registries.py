"""Undo what purged modules registered with the standard library at import time.

Each built-in cleanup has the host seam's `Cleanup` shape: it removes the
registrations that belong to the purged modules and returns the callable that
puts them back, used when the reload fails. They cover logging handlers and
filters, `atexit` functions, `sys.excepthook` and `threading.excepthook`,
signal handlers, `warnings` filters and import hooks (`sys.meta_path`,
`sys.path_hooks` and the finders those made). A registration belongs to a purged
module when its callable or class was defined there (`owned`), when the
module binds the registered object to a global name, or (logging) when the
module's code added it during an earlier reload (remembered by the current
state: `_state.current().added_by`).

This module must not touch anything but those registries, and must remove
nothing it cannot put back.
"""

import atexit
import contextlib
import functools
import logging
import signal
import sys
import threading
import types
import warnings
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from . import _state
from ._host import Cleanup, Owned

Undo = Callable[[], None]



def _nothing() -> None:
    return None


def loggers_holding() -> List[logging.Logger]:
    """The loggers (the root too) that hold handlers or filters: few, of all there are."""
    loggers: List[Any] = list(logging.Logger.manager.loggerDict.values())
    loggers.append(logging.getLogger())
    placeholder = logging.PlaceHolder
    return [one for one in loggers
            if type(one) is not placeholder and (one.handlers or one.filters)]


class Recorder:
    """Notes which logging handlers and filters each re-executed module added.

    While the new code runs (`recording`), `Logger.addHandler` and
    `Filterer.addFilter` (which `basicConfig`, `dictConfig` and handlers'
    `addFilter` call) note what they add, and each module is told its own when
    its code has run: nothing per logger, however many the program has. It
    also keeps the new modules of the attempt, so that a failed reload can
    remove what their code registered before the old registrations go back.
    """

    def __init__(self) -> None:
        self.modules: Dict[str, Optional[types.ModuleType]] = {}
        self.added: List[Any] = []

    @contextlib.contextmanager
    def recording(self) -> Iterator[None]:
        """Note what is added to loggers and handlers meanwhile."""
        installed = []
        for cls, name in ((logging.Logger, "addHandler"), (logging.Filterer, "addFilter")):
            original = cls.__dict__[name]
            noting = _noting(original, self.added)
            setattr(cls, name, noting)
            installed.append((cls, name, original, noting))
        try:
            yield
        finally:
            for cls, name, original, noting in installed:
                noting.__dict__["active"] = False  # kept by whoever wrapped it meanwhile
                if cls.__dict__.get(name) is noting:
                    setattr(cls, name, original)

    def undo_attempt(self, owned: Owned) -> None:
        """Remove what the failed attempt's modules registered; their undo is dropped."""
        for cleanup in cleanups(self.modules):
            cleanup(owned)
        self.modules = {}

    def executed(self, module: types.ModuleType, name: str) -> None:
        self.modules[name] = module
        if self.added:
            added_by = _state.current().added_by
            for thing in self.added:
                try:
                    added_by[thing] = module.__name__
                except TypeError:  # not weakly referenceable: not tracked
                    continue
            del self.added[:]


def _noting(original: Callable[..., Any], added: List[Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def noting(self: Any, thing: Any) -> Any:
        result = original(self, thing)
        if noting.__dict__["active"]:
            added.append(thing)
        return result

    noting.__dict__["active"] = True
    return noting


def _global_values(modules: Dict[str, types.ModuleType]) -> Dict[int, Any]:
    """The objects the modules bind to global names, unless another loaded module binds them too.

    An object that a module outside the purge imported as well was made
    elsewhere: it is not the purged module's registration to undo.
    """
    values: Dict[int, Any] = {}
    for module in modules.values():
        for value in list(module.__dict__.values()):
            if not issubclass(type(value), (type, types.ModuleType, str, int, float, tuple)):
                values[id(value)] = value
    if values:
        for name, module in list(sys.modules.items()):
            if name in modules or not issubclass(type(module), types.ModuleType):
                continue
            for value in list(getattr(module, "__dict__", {}).values()):
                values.pop(id(value), None)
    return values


def cleanups(modules: Dict[str, Optional[types.ModuleType]]) -> List[Cleanup]:
    """The built-in cleanups for a reload that purges `modules` (old module objects)."""
    loaded = {name: m for name, m in modules.items() if m is not None}
    globals_of: List[Dict[int, Any]] = []

    def bound(thing: object) -> bool:
        if not globals_of:
            globals_of.append(_global_values(loaded))
        return id(thing) in globals_of[0]

    def logging_cleanup(owned: Owned) -> Undo:
        added_by = _state.current().added_by

        def mine(thing: Any) -> bool:
            try:
                added = added_by.get(thing)
            except TypeError:
                added = None
            return (
                owned(thing)
                or owned(getattr(thing, "formatter", None))
                or added in loaded
                or bound(thing)
            )

        return _remove_from_lists(
            [lst for logger in loggers_holding() for lst in _logging_lists(logger)], mine
        )

    return [logging_cleanup, _atexit, _hooks, _signals, _warnings, _import_hooks]


def _logging_lists(logger: logging.Logger) -> List[List[Any]]:
    lists: List[List[Any]] = [logger.filters, logger.handlers]
    lists.extend(handler.filters for handler in logger.handlers)
    return lists


def _remove_from_lists(lists: List[List[Any]], mine: Callable[[Any], bool]) -> Undo:
    removed: List[Tuple[List[Any], int, Any]] = []
    for items in lists:
        for index in range(len(items) - 1, -1, -1):
            if mine(items[index]):
                removed.append((items, index, items[index]))
                del items[index]

    def undo() -> None:
        for items, index, item in reversed(removed):
            items.insert(index, item)

    return undo


class _Probe:
    """Equal to nothing; remembers what it was compared with."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self) -> None:
        self.seen: List[Any] = []

    def __eq__(self, other: object) -> bool:
        self.seen.append(other)
        return False


def _atexit(owned: Owned) -> Undo:
    # atexit cannot list what it holds, but unregister() compares every
    # registered function with its argument using ==, as documented: a probe
    # that equals nothing sees them all and removes none.
    probe = _Probe()
    atexit.unregister(probe)  # type: ignore[arg-type]
    if sys.version_info >= (3, 14):  # unregister() walks the list from its end there
        probe.seen.reverse()
    counts: Dict[int, int] = {}
    functions: Dict[int, Any] = {}
    for function in probe.seen:
        if owned(function):
            counts[id(function)] = counts.get(id(function), 0) + 1
            functions[id(function)] = function
    for function in functions.values():
        atexit.unregister(function)

    def undo() -> None:
        # Back at the end of the list, and without the arguments given to register().
        for key, function in functions.items():
            for _ in range(counts[key]):
                atexit.register(function)

    return undo


def _default_thread_hook() -> Optional[Callable[..., Any]]:
    hook = getattr(threading, "__excepthook__", None)  # 3.10+
    if hook is None:
        import _thread

        hook = getattr(_thread, "_excepthook", None)  # 3.8, 3.9
    return hook


def _hooks(owned: Owned) -> Undo:
    undo: List[Tuple[object, str, Any]] = []
    for holder, attribute, default in (
        (sys, "excepthook", sys.__excepthook__),
        (threading, "excepthook", _default_thread_hook()),
    ):
        hook = getattr(holder, attribute, None)
        if hook is not None and default is not None and owned(hook):
            setattr(holder, attribute, default)
            undo.append((holder, attribute, hook))

    def put_back() -> None:
        for target, name, hook in undo:
            setattr(target, name, hook)

    return put_back


#: The signal numbers of this platform, once known (they never change).
_signal_numbers: List[int] = []


def _signals(owned: Owned) -> Undo:
    # Handlers can only be changed from the main thread; elsewhere they stay.
    if threading.current_thread() is not threading.main_thread():
        return _nothing
    if not _signal_numbers:
        valid = getattr(signal, "valid_signals", None)
        _signal_numbers.extend(map(int, valid() if valid is not None else range(1, signal.NSIG)))
    # The C module's getsignal: signal.getsignal turns every number it
    # returns into an enum member, for each signal at every reload.
    getsignal = getattr(signal, "_signal", signal).getsignal
    removed: List[Tuple[int, Any]] = []
    for number in _signal_numbers:
        try:
            handler = getsignal(number)
        except (ValueError, OSError):
            continue
        if callable(handler) and owned(handler):
            default = signal.default_int_handler if number == signal.SIGINT else signal.SIG_DFL
            signal.signal(number, default)
            removed.append((number, handler))

    def undo() -> None:
        for number, handler in removed:
            signal.signal(number, handler)

    return undo


def _warnings(owned: Owned) -> Undo:
    # A filter naming a warning category the module defined; the new module
    # defines a new category and adds its own filter.
    filters: List[Any] = warnings.filters  # type: ignore[assignment]
    saved = list(filters)
    kept = [f for f in saved if not owned(f[2])]
    if len(kept) == len(saved):
        return _nothing
    filters[:] = kept
    _filters_changed()

    def undo() -> None:
        filters[:] = saved
        _filters_changed()

    return undo


def _import_hooks(owned: Owned) -> Undo:
    # A finder the module put on sys.meta_path (importlib_metadata's), a path
    # hook, and the finders that hook made for folders, which new code
    # would find beside its own.
    undo = _remove_from_lists([sys.meta_path, sys.path_hooks], owned)
    cache = sys.path_importer_cache
    made = {path: finder for path, finder in list(cache.items())
            if finder is not None and owned(finder)}
    for path in made:
        del cache[path]

    def put_back() -> None:
        undo()
        cache.update(made)

    return put_back


def _filters_changed() -> None:
    changed = getattr(warnings, "_filters_mutated", None)
    if changed is not None:
        changed()
