"""Blender's side of a reload: unregister add-ons before the purge, register them after.

The installed `reloader.Host` has one cleanup: for every enabled add-on among
the modules being reloaded it calls `unregister()`, then removes what a
forgetful `unregister()` left behind (registered classes, `bpy.app.handlers`
entries and `bpy.app.timers` owned by the purged modules). After the
re-import the new modules' `register()` runs; if the reload fails, the old
ones' `register()` runs again instead. Reload on save checks for changes from a `bpy.app.timers`
tick; in background mode no timer ever fires, so callers use `check()`
directly. This module has no operators or menus (see __init__.py).
"""

import os
import sys
import traceback
import types
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import bpy

from . import reloader

#: Seconds between checks for saved files while reload on save is on.
INTERVAL = 0.5
_ADDON_FLAGS = ("__addon_enabled__", "__addon_persistent__")


class Outcome(NamedTuple):
    """What a reload of an add-on did, for the operator and the console."""

    text: str  # one line: the report, or the error with file and line
    failed: bool
    problems: List[str]  # unregister() failures and leftovers that could not be removed


def _where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    return " at {}:{}".format(frames[-1].filename, frames[-1].lineno) if frames else ""


def _failure(call: str, name: str, error: BaseException) -> str:
    return "{} of {!r} failed{}: {}: {}".format(
        call, name, _where(error), type(error).__name__, error)


def _enabled() -> List[str]:
    return list(bpy.context.preferences.addons.keys())


class _Cycle:
    """Unregister the enabled add-ons being purged; register the new modules after."""

    def __init__(self) -> None:
        self.names: List[str] = []  # every module being reloaded, in import order
        self.addons: List[Tuple[str, types.ModuleType]] = []
        self.problems: List[str] = []
        self.errors: List[str] = []

    def before_purge(self, names: Sequence[str]) -> None:
        self.names = list(names)
        enabled = set(_enabled())
        self.addons = [(n, sys.modules[n]) for n in names if n in enabled and n in sys.modules]

    def _register(self, name: str, module: types.ModuleType) -> Optional[BaseException]:
        # As addon_utils.enable does: the add-on owns what it registers.
        import _bpy

        owner = getattr(_bpy, "_bl_owner_id_get", lambda: None)()
        set_owner = getattr(_bpy, "_bl_owner_id_set", lambda _: None)
        set_owner(name)
        try:
            module.register()
        except Exception as error:
            return error
        finally:
            set_owner(owner)
        return None

    def tear_down(self, owned: Callable[[object], bool]) -> Callable[[], None]:
        """The host's cleanup: unregister() the old add-ons, then remove leftovers.

        Returns what undoes it after a failed reload: the old add-ons'
        register(), then the leftovers it did not bring back itself.
        """
        done = []
        for name, module in reversed(self.addons):  # importers first
            try:
                module.unregister()
            except Exception as error:
                self.problems.append(_failure("unregister()", name, error))
            done.append((name, module))
        put_backs = [remove(owned) for remove in (remove_classes, remove_handlers, remove_timers)]

        def undo() -> None:
            for name, module in reversed(done):
                error = self._register(name, module)
                if error is not None:
                    self.problems.append(_failure("register()", name, error))
            for put_back in reversed(put_backs):
                put_back()

        return undo

    def after_import(self, names: Sequence[str]) -> None:
        for name, old in self.addons:
            new = sys.modules.get(name)
            if new is None or new is old:
                continue
            for flag in _ADDON_FLAGS:
                if hasattr(old, flag):
                    setattr(new, flag, getattr(old, flag))
            if getattr(new, "__file__", None):
                # addon_utils reloads an add-on whose file time moved; it is current now.
                new.__time__ = os.path.getmtime(new.__file__)  # type: ignore[attr-defined]
            error = self._register(name, new)
            if error is not None:
                self.errors.append(_failure("register()", name, error)
                                   + "; the new code stays loaded: fix it and reload again")

    def take(self) -> Tuple[List[str], List[str]]:
        problems, errors = self.problems, self.errors
        self.problems, self.errors = [], []
        return problems, errors


_cycle = _Cycle()


def _subclasses(root: type) -> List[type]:
    found: List[type] = []
    seen = set()
    stack = [root]
    while stack:
        for cls in stack.pop().__subclasses__():
            if cls not in seen:
                seen.add(cls)
                found.append(cls)
                stack.append(cls)
    return found


def remove_classes(owned: Callable[[object], bool]) -> Callable[[], None]:
    """Unregister classes of purged modules that are still registered; return the undo."""
    removed = []
    for cls in _subclasses(bpy.types.bpy_struct):
        if owned(cls) and getattr(cls, "is_registered", False):
            try:
                bpy.utils.unregister_class(cls)
            except (RuntimeError, ValueError) as error:
                _cycle.problems.append("could not unregister {}: {}".format(cls.__name__, error))
                continue
            removed.append(cls)

    def register_again() -> None:
        for cls in reversed(removed):
            if not getattr(cls, "is_registered", False):
                bpy.utils.register_class(cls)

    return register_again


def remove_handlers(owned: Callable[[object], bool]) -> Callable[[], None]:
    """Take purged modules' functions out of every bpy.app.handlers list; return the undo."""
    taken: List[Tuple[List[Any], int, Any]] = []
    for attribute in dir(bpy.app.handlers):
        entries = getattr(bpy.app.handlers, attribute)
        if isinstance(entries, list):
            for index in reversed(range(len(entries))):
                if owned(entries[index]):
                    taken.append((entries, index, entries.pop(index)))

    def put_back() -> None:
        for entries, index, entry in reversed(taken):
            if not any(e is entry for e in entries):
                entries.insert(index, entry)

    return put_back


def remove_timers(owned: Callable[[object], bool]) -> Callable[[], None]:
    """Unregister bpy.app.timers whose function a purged module defines; return the undo.

    Blender cannot list its timers, so the candidates are the functions found
    in the purged modules and their classes; closures and bound methods of
    instances are not found. A timer put back after a failed reload starts
    again with no delay.
    """
    candidates: Dict[int, Callable[[], Any]] = {}
    for name in _cycle.names:
        module = sys.modules.get(name)
        for value in list(vars(module).values()) if module is not None else ():
            members = list(vars(value).values()) if isinstance(value, type) else [value]
            for member in members:
                function = getattr(member, "__func__", member)
                if isinstance(function, types.FunctionType) and owned(function):
                    candidates[id(function)] = function
    removed = [f for f in candidates.values() if bpy.app.timers.is_registered(f)]
    for function in removed:
        bpy.app.timers.unregister(function)

    def register_again() -> None:
        for function in removed:
            if not bpy.app.timers.is_registered(function):
                bpy.app.timers.register(function)

    return register_again


# ---------------------------------------------------------------- the host


def _schedule(callback: Callable[[], None], delay: float) -> None:
    def once() -> None:
        callback()

    bpy.app.timers.register(once, first_interval=delay)


def _show(report: object) -> None:
    print("reloader: {}".format(report))


def _blender_modules() -> List[str]:
    """Top-level names of Blender's own modules (its scripts folder), never reloaded."""
    names = {"bpy", "_bpy", "bpy_types", "_bpy_types", "mathutils", "bl_math", "gpu", "blf",
             "bmesh", "aud", "imbuf", "idprop", "freestyle", __name__.rpartition(".")[0]}
    scripts = bpy.utils.system_resource("SCRIPTS")
    for folder in ("modules", "startup", "addons_core", os.path.join("freestyle", "modules")):
        path = os.path.join(scripts, folder)
        for entry in os.listdir(path) if os.path.isdir(path) else ():
            name = entry[:-3] if entry.endswith(".py") else entry
            if name.isidentifier():
                names.add(name)
    return sorted(names)


_state: Dict[str, Any] = {"uninstall": None, "last": "", "watch": None}


def install() -> None:
    """Install the Blender host (once)."""
    if _state["uninstall"] is None:
        host = reloader.Host(
            "blender",
            protected=_blender_modules(),
            schedule=None if bpy.app.background else _schedule,
            show=_show,
            before_purge=_cycle.before_purge,
            after_import=_cycle.after_import,
            cleanups=(_cycle.tear_down,),
        )
        _state["uninstall"] = reloader.use_host(host)


def uninstall() -> None:
    """Stop reload on save and uninstall the host."""
    watch("")
    if _state["uninstall"] is not None:
        _state["uninstall"]()
        _state["uninstall"] = None


def last_reloaded() -> str:
    return str(_state["last"])


def _outcome(report: Any = None, error: Optional[Exception] = None) -> Outcome:
    problems, errors = _cycle.take()
    if error is not None:
        return Outcome(str(error), True, problems + errors)
    if errors:
        return Outcome(errors[0], True, problems + errors[1:])
    failed = getattr(report, "error", None) is not None
    return Outcome(str(report), failed, problems)


def reload_addon(name: str) -> Outcome:
    """Reload the enabled add-on `name` (and modules importing it) with all its submodules."""
    name = name.strip()
    if not name:
        return Outcome("give the module name of an add-on, such as 'my_addon'", True, [])
    if name not in _enabled():
        return Outcome("add-on {!r} is not enabled; enable it in Preferences > Add-ons, or give "
                       "its module name, such as 'bl_ext.user_default.my_addon'".format(name),
                       True, [])
    install()
    try:
        report = reloader.reload(name)
    except (reloader.ReloadError, ValueError, TypeError, RuntimeError) as error:
        return _outcome(error=error)
    _state["last"] = name
    return _outcome(report)


# ---------------------------------------------------------- reload on save


def watch(name: str) -> str:
    """Reload add-on `name` when a file in its folder is saved; '' (or the same name) stops."""
    current = _state["watch"]
    if current is not None:
        if current["tick"] is not None and bpy.app.timers.is_registered(current["tick"]):
            bpy.app.timers.unregister(current["tick"])
        _state["watch"] = None
        if not name or name == current["name"]:
            return "reload on save is off"
    if not name.strip():
        return "reload on save is off"
    module = sys.modules.get(name.strip())
    if name.strip() not in _enabled() or module is None or not getattr(module, "__file__", None):
        raise ValueError("add-on {!r} is not enabled; enable it first".format(name))
    install()
    folder = os.path.dirname(os.path.abspath(module.__file__))  # type: ignore[type-var]

    def tick() -> float:
        check()
        return INTERVAL

    # No timer fires without an event loop (background mode): callers use check().
    timer = None if bpy.app.background else tick
    _state["watch"] = {"name": name.strip(), "watcher": reloader.Watcher(folder, debounce=0.0),
                       "tick": timer}
    if timer is not None:
        bpy.app.timers.register(timer, first_interval=INTERVAL, persistent=True)
    return "reloading {!r} when a file under {} is saved".format(name.strip(), folder)


def watching() -> Optional[Tuple[str, Optional[Callable[[], float]]]]:
    """The add-on being watched and its timer function (None in background mode)."""
    current = _state["watch"]
    return None if current is None else (current["name"], current["tick"])


def check() -> Optional[Outcome]:
    """Reload the watched add-on now if one of its files changed; None when nothing did."""
    current = _state["watch"]
    if current is None:
        return None
    report = current["watcher"].check()  # shown by the watcher, through the host
    if report is None:
        return None
    outcome = _outcome(report)
    extra = [outcome.text] if outcome.text != str(report) else []
    for line in extra + outcome.problems:
        _show(line)
    return outcome
