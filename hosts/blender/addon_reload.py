"""Blender's side of a reload: unregister add-ons before the purge, register them after.

The hook also removes what `unregister()` left (classes, handlers, timers). Reload on save
runs on `bpy.app.timers`, which never fire in background mode: callers use `check()` there.
"""

import os
import sys
import types
from typing import Any, Callable, List, Optional, Sequence, Tuple

import bpy

from . import reloader

FLAGS = ("__addon_enabled__", "__addon_persistent__")  # what addon_utils sets on a module


def _call(call: str, name: str, module: types.ModuleType, problems: List[str]) -> Any:
    """`module.register()` or `unregister()` as addon_utils runs it; what it raised, if any."""
    import _bpy

    owner, set_owner = (getattr(_bpy, "_bl_owner_id_get", lambda: None)(),
                        getattr(_bpy, "_bl_owner_id_set", lambda _: None))
    try:
        set_owner(name)
        getattr(module, call)()
    except Exception as error:
        problems.append(reloader.Host.failed("{}() of {!r}".format(call, name), error))
        return error
    finally:
        set_owner(owner)


def addons_hook(names: Sequence[str], owned: reloader.Host.Owned) -> reloader.Host.Finish:
    """Unregister the old add-ons and their leftovers; finish by registering new or old.
    A failing register() of new code fails the reload; other failures are warnings."""
    # With its package kept (a submodule runs again), register() reaches the new classes.
    addons = [(a, sys.modules[a]) for a in bpy.context.preferences.addons.keys()
              if a in sys.modules and any(n == a or n.startswith(a + ".") for n in names)]
    problems: List[str] = []
    for name, module in reversed(addons):  # importers first
        _call("unregister", name, module, problems)
    classes, stack, seen = [], [bpy.types.bpy_struct], set()
    while stack:  # every subclass, once
        for cls in [c for c in stack.pop().__subclasses__() if c not in seen]:
            seen.add(cls)
            stack.append(cls)
            classes += [cls] if owned(cls) and getattr(cls, "is_registered", False) else []
    lists = [getattr(bpy.app.handlers, a) for a in dir(bpy.app.handlers)]
    handlers = [(entries, index, entry) for entries in lists if isinstance(entries, list)
                for index, entry in enumerate(entries) if owned(entry)]
    timers = [f for f in _functions(names, owned) if bpy.app.timers.is_registered(f)]
    undos = [  # each puts back what is not back already (the old register() may have)
        reloader.Host.take(classes, bpy.utils.unregister_class, bpy.utils.register_class,
                           lambda cls: getattr(cls, "is_registered", False)),
        reloader.Host.take(reversed(handlers), lambda h: h[0].remove(h[2]),
                           lambda h: h[0].insert(*h[1:]), lambda h: any(e is h[2] for e in h[0])),
        reloader.Host.take(timers, bpy.app.timers.unregister, bpy.app.timers.register,
                           bpy.app.timers.is_registered)]

    def finish(imported: bool) -> List[Any]:
        errors = []
        for name, old in addons:
            new = sys.modules.get(name) if imported else old
            if new is None:
                continue
            if new is not old:
                vars(new).update({f: getattr(old, f) for f in FLAGS if hasattr(old, f)})
            if imported and getattr(new, "__file__", None):  # addon_utils reloads a file
                new.__time__ = os.path.getmtime(new.__file__)  # type: ignore  # whose time moved
            error = _call("register", name, new, problems if errors or not imported else [])
            errors += [error] if imported and error is not None else []
        for undo in undos if imported else reversed(undos):
            problems.extend(undo(imported) or ())
        return problems + errors[:1]  # the error fails the reload; the new code stays loaded

    return finish


def _functions(names: Sequence[str], owned: reloader.Host.Owned) -> List[Callable[[], Any]]:
    """The owned functions of modules `names` and their classes: Blender cannot list timers."""
    found = {}
    for module in filter(None, (sys.modules.get(name) for name in names)):
        for value in list(vars(module).values()):
            for member in list(vars(value).values()) if isinstance(value, type) else [value]:
                function = getattr(member, "__func__", member)
                if isinstance(function, types.FunctionType) and owned(function):
                    found[id(function)] = function
    return list(found.values())


def _protected() -> List[str]:
    """Top-level names of Blender's own modules (its scripts folder), never reloaded."""
    names = {"bpy", "_bpy", "bpy_types", "_bpy_types", "mathutils", "bl_math", "gpu", "blf",
             "bmesh", "aud", "imbuf", "idprop", "freestyle", __name__.rpartition(".")[0]}
    for folder in ("modules", "startup", "addons_core", os.path.join("freestyle", "modules")):
        path = os.path.join(bpy.utils.system_resource("SCRIPTS"), folder)
        names.update(e[:-3] if e.endswith(".py") else e
                     for e in (os.listdir(path) if os.path.isdir(path) else ()))
    return sorted(n for n in names if n.isidentifier())


HOST = reloader.Host("blender", protected=_protected(), hooks=(addons_hook,), show=lambda report:
                     print("reloader:", report.format() if report.warnings or not report.ok
                           else report),  # one line, or the details and the user's traceback
                     schedule=None if bpy.app.background else lambda callback, delay:
                     bpy.app.timers.register(  # persistent: kept when a file loads
                         lambda: callback(), first_interval=delay, persistent=True))


def reload_addon(name: str) -> reloader.Report:
    """Reload the enabled add-on `name` (and modules importing it) with all its submodules."""
    name = name.strip()
    if name not in bpy.context.preferences.addons.keys():
        return reloader.Host.refused(ValueError(
            "add-on {!r} is not enabled; enable it in Preferences > Add-ons, or give its module "
            "name, such as 'bl_ext.user_default.my_addon'".format(name) if name else
            "give the module name of an add-on, such as 'my_addon'"))
    return HOST.reload(name)


def watch(name: str) -> str:
    """Reload add-on `name` when a file in its folder is saved; '' (or the same name) stops."""
    name, watched = name.strip(), HOST.watched
    HOST.watch(None)
    if not name or name == watched:
        return "reload on save is off"
    if name not in bpy.context.preferences.addons.keys():
        raise ValueError("add-on {!r} is not enabled; enable it first".format(name))
    return HOST.watch(name, debounce=0.0, interval=0.5)  # seconds between checks


def watching() -> Optional[Tuple[str, Optional[reloader.Watcher]]]:
    """The add-on being watched and its running watcher (None in background mode)."""
    watcher = HOST.watcher
    return None if watcher is None else (HOST.watched, watcher if watcher.running else None)


def check() -> Optional[reloader.Report]:
    """Reload the watched add-on now if one of its files changed; None when nothing did."""
    return HOST.watcher.check() if HOST.watcher is not None else None
