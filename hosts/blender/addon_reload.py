"""Blender's side of a reload: unregister add-ons before the purge, register them after.

The host's one hook calls `unregister()` on every enabled add-on among the
modules being reloaded, then removes what a forgetful `unregister()` left
behind (registered classes, `bpy.app.handlers` entries and `bpy.app.timers`
owned by the purged modules). After the re-import the new modules'
`register()` runs; if the reload fails, the old ones' runs again instead.
Reload on save is a `reloader.Watcher` on the host's `bpy.app.timers`; in
background mode no timer fires, so callers use `check()`. The listener for
editors runs its reloads on those timers too. No operators or menus here.
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
_Undo = Callable[[], None]


class Outcome(NamedTuple):
    """What a reload of an add-on did, for the operator and the console."""

    text: str  # one line: the report, or the error with file and line
    failed: bool
    problems: List[str]  # unregister() failures and leftovers that could not be removed


_problems: List[str] = []  # what the running reload could not do, for its Outcome
_errors: List[str] = []  # register() failures of the new code: the reload failed
_state: Dict[str, Any] = {"uninstall": None, "last": "", "watch": None, "saved": None,
                          "host": reloader.Host("blender")}


def _call(call: str, name: str, module: types.ModuleType) -> Optional[str]:
    """Run `module.register()` or `unregister()` as addon_utils does; the failure, if any."""
    import _bpy  # the add-on owns what it registers

    owner = getattr(_bpy, "_bl_owner_id_get", lambda: None)()
    set_owner = getattr(_bpy, "_bl_owner_id_set", lambda _: None)
    set_owner(name)
    try:
        getattr(module, call)()
    except Exception as error:
        frame = (traceback.extract_tb(error.__traceback__) or [None])[-1]
        where = " at {}:{}".format(frame.filename, frame.lineno) if frame else ""
        return "{}() of {!r} failed{}: {}: {}".format(
            call, name, where, type(error).__name__, error)
    finally:
        set_owner(owner)
    return None


def _enabled() -> List[str]:
    return list(bpy.context.preferences.addons.keys())


def addons_hook(names: Sequence[str], owned: reloader.Host.Owned) -> reloader.Host.Finish:
    """Unregister the old add-ons and their leftovers; finish by registering new or old."""
    # An add-on whose package stays loaded (only a submodule runs again) is
    # registered again too: its register() now reaches the new classes.
    addons = [(a, sys.modules[a]) for a in _enabled() if a in sys.modules
              and any(n == a or n.startswith(a + ".") for n in names)]
    for name, module in reversed(addons):  # importers first
        _problems.extend(filter(None, [_call("unregister", name, module)]))
    undos = [_remove_classes(owned), _remove_handlers(owned), _remove_timers(names, owned)]

    def finish(imported: bool) -> None:
        for name, old in addons if imported else ():
            new = sys.modules.get(name)
            if new is None:
                continue
            for flag in ("__addon_enabled__", "__addon_persistent__") if new is not old else ():
                if hasattr(old, flag):
                    setattr(new, flag, getattr(old, flag))
            if getattr(new, "__file__", None):  # addon_utils reloads a file whose time moved
                new.__time__ = os.path.getmtime(new.__file__)  # type: ignore[attr-defined]
            error = _call("register", name, new)
            if error is not None:
                _errors.append(error + "; the new code stays loaded: fix it and reload again")
        for name, old in () if imported else addons:
            _problems.extend(filter(None, [_call("register", name, old)]))
        for undo in () if imported else reversed(undos):
            undo()

    return finish


def _remove_classes(owned: reloader.Host.Owned) -> _Undo:
    """Unregister classes of purged modules that are still registered."""
    found, stack, removed = set(), [bpy.types.bpy_struct], []
    while stack:
        for cls in stack.pop().__subclasses__():
            if cls not in found:
                found.add(cls)
                stack.append(cls)
                if owned(cls) and getattr(cls, "is_registered", False):
                    try:
                        bpy.utils.unregister_class(cls)
                        removed.append(cls)
                    except (RuntimeError, ValueError) as error:
                        _problems.append("could not unregister {}: {}".format(cls.__name__, error))

    def register_again() -> None:
        for cls in reversed(removed):
            if not getattr(cls, "is_registered", False):
                bpy.utils.register_class(cls)

    return register_again


def _remove_handlers(owned: reloader.Host.Owned) -> _Undo:
    """Take purged modules' functions out of every bpy.app.handlers list."""
    taken: List[Tuple[List[Any], int, Any]] = []
    for entries in (getattr(bpy.app.handlers, a) for a in dir(bpy.app.handlers)):
        for index in reversed(range(len(entries)) if isinstance(entries, list) else []):
            if owned(entries[index]):
                taken.append((entries, index, entries.pop(index)))

    def put_back() -> None:
        for entries, index, entry in reversed(taken):
            if not any(e is entry for e in entries):
                entries.insert(index, entry)

    return put_back


def _remove_timers(names: Sequence[str], owned: reloader.Host.Owned) -> _Undo:
    """Unregister bpy.app.timers whose function a purged module defines.

    Blender cannot list its timers: the candidates are the functions of the
    purged modules and of their classes (not closures, not bound methods of
    instances). A timer put back after a failed reload starts with no delay.
    """
    candidates: Dict[int, Callable[[], Any]] = {}
    for module in filter(None, (sys.modules.get(name) for name in names)):
        for value in list(vars(module).values()):
            for member in list(vars(value).values()) if isinstance(value, type) else [value]:
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


def _protected() -> List[str]:
    """Top-level names of Blender's own modules (its scripts folder), never reloaded."""
    names = {"bpy", "_bpy", "bpy_types", "_bpy_types", "mathutils", "bl_math", "gpu", "blf",
             "bmesh", "aud", "imbuf", "idprop", "freestyle", __name__.rpartition(".")[0]}
    scripts = bpy.utils.system_resource("SCRIPTS")
    for folder in ("modules", "startup", "addons_core", os.path.join("freestyle", "modules")):
        path = os.path.join(scripts, folder)
        names.update(e[:-3] if e.endswith(".py") else e
                     for e in (os.listdir(path) if os.path.isdir(path) else ()))
    return sorted(n for n in names if n.isidentifier())


def install() -> None:
    """Install the Blender host (once)."""
    if _state["uninstall"] is None:
        _state["host"] = reloader.Host(
            "blender", protected=_protected(), show=lambda report: print("reloader:", report),
            schedule=None if bpy.app.background else (
                lambda callback, delay: bpy.app.timers.register(  # kept when a file loads
                    lambda: callback(), first_interval=delay, persistent=True)),
            hooks=(addons_hook,))
        _state["uninstall"] = reloader.use_host(_state["host"])


def listen(on: bool) -> str:
    """Listen for reloads sent from an editor (`python -m reloader send`), or stop; one line."""
    install()
    return str(_state["host"].listen(on))


def uninstall() -> None:
    """Stop reload on save and listening, and uninstall the host."""
    watch("")
    _state["host"].listen(False)
    if _state["uninstall"] is not None:
        _state["uninstall"]()
        _state["uninstall"] = None


def last_reloaded() -> str:
    return str(_state["last"])


def _outcome(report: reloader.Report) -> Outcome:
    problems, errors = list(_problems), list(_errors)
    del _problems[:], _errors[:]
    if errors and report.ok:
        return Outcome(errors[0], True, problems + errors[1:])
    return Outcome(str(report), not report.ok, problems + errors)


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
    report = reloader.try_reload(name)
    if report.ok:
        _state["last"] = name
    return _outcome(report)


def watch(name: str) -> str:
    """Reload add-on `name` when a file in its folder is saved; '' (or the same name) stops."""
    name, current = name.strip(), _state["watch"]
    if current is not None:
        current[1].stop()
        _state["watch"] = None
    if not name or (current is not None and name == current[0]):
        return "reload on save is off"
    module = sys.modules.get(name)
    if name not in _enabled() or not getattr(module, "__file__", None):
        raise ValueError("add-on {!r} is not enabled; enable it first".format(name))
    install()
    folder = os.path.dirname(os.path.abspath(module.__file__))  # type: ignore[union-attr,type-var]
    watcher = reloader.Watcher(folder, debounce=0.0, interval=INTERVAL, on_report=_saved)
    watcher.start()  # on Blender's timers; in background mode none fires: callers use check()
    _state["watch"] = (name, watcher)
    return "reloading {!r} when a file under {} is saved".format(name, folder)


def watching() -> Optional[Tuple[str, Optional[reloader.Watcher]]]:
    """The add-on being watched and its running watcher (None in background mode)."""
    current = _state["watch"]
    return None if current is None else (current[0], current[1] if current[1].running else None)


def _saved(report: reloader.Report) -> None:
    _state["saved"] = outcome = _outcome(report)
    for line in [outcome.text] + outcome.problems:
        print("reloader:", line)


def check() -> Optional[Outcome]:
    """Reload the watched add-on now if one of its files changed; None when nothing did."""
    current = _state["watch"]
    return _state["saved"] if current is not None and current[1].check() else None
