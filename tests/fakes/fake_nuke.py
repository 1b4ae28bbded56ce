"""A fake of the `nuke` module: menus, executeInMainThread, env, getInput, and nuke.callbacks.

`nuke.callbacks` follows Nuke's own callbacks.py: dicts mapping a node class
to a list of `(call, args, kwargs, nodeClass)` tuples, and plain lists of
`(call, args, kwargs)` for background renders; `addX` appends unless the same
tuple is there, `removeX` removes the equal tuple. Its functions are also
`nuke.addOnCreate` and so on. Menu and node calls must come from the main thread.
"""

import threading
import types
from typing import Any, Callable, Dict, List, Optional, Tuple

from tests.fakes import MainThread

main_thread = MainThread()
env: Dict[str, Any] = {"gui": True, "NukeVersionMajor": 15}
log: List[str] = []  # what test code running "inside Nuke" records
inputs: List[Optional[str]] = []
_queue: List[Tuple[Callable[..., Any], Tuple[Any, ...], Dict[str, Any]]] = []
_lock = threading.Lock()

callbacks = types.ModuleType("nuke.callbacks")
_DICTS = ("onUserCreates", "onCreates", "onScriptLoads", "onScriptSaves", "onScriptCloses",
          "onDestroys", "knobChangeds", "updateUIs", "autolabels", "beforeRenders",
          "beforeFrameRenders", "afterFrameRenders", "afterRenders", "renderProgresses",
          "filenameFilters", "validateFilenames", "autoSaveFilters")
_LISTS = ("beforeBackgroundRenders", "afterBackgroundFrameRenders", "afterBackgroundRenders")
for _name in _DICTS:
    setattr(callbacks, _name, {})
for _name in _LISTS:
    setattr(callbacks, _name, [])


def _add(registry: Dict[str, List[Any]], call: Any, args: Any, kwargs: Any, nodeClass: str) -> None:
    if not callable(call):
        raise ValueError("call must be a callable")
    entries = registry.setdefault(nodeClass, [])
    entry = (call, args, kwargs, nodeClass)
    if entry not in entries:
        entries.append(entry)


def _remove(registry: Dict[str, List[Any]], call: Any, args: Any, kwargs: Any, nodeClass: str) -> None:
    entry = (call, args, kwargs, nodeClass)
    if entry in registry.get(nodeClass, []):
        registry[nodeClass].remove(entry)


def _pair(registry_name: str, default_class: str) -> Tuple[Callable[..., None], Callable[..., None]]:
    registry = getattr(callbacks, registry_name)

    def add(call: Any, args: Any = (), kwargs: Any = {}, nodeClass: str = default_class) -> None:
        _add(registry, call, args, kwargs, nodeClass)

    def remove(call: Any, args: Any = (), kwargs: Any = {}, nodeClass: str = default_class) -> None:
        _remove(registry, call, args, kwargs, nodeClass)

    return add, remove


for _suffix, _registry, _default in (("OnCreate", "onCreates", "*"), ("KnobChanged", "knobChangeds", "*"),
                                     ("OnScriptLoad", "onScriptLoads", "Root"),
                                     ("OnScriptSave", "onScriptSaves", "Root"),
                                     ("BeforeRender", "beforeRenders", "Write"),
                                     ("AfterRender", "afterRenders", "Write")):
    _a, _r = _pair(_registry, _default)
    setattr(callbacks, "add" + _suffix, _a)
    setattr(callbacks, "remove" + _suffix, _r)
    globals()["add" + _suffix] = _a
    globals()["remove" + _suffix] = _r


def addAfterBackgroundRender(call: Any, args: Any = (), kwargs: Any = {}) -> None:
    if (call, args, kwargs) not in callbacks.afterBackgroundRenders:
        callbacks.afterBackgroundRenders.append((call, args, kwargs))


callbacks.addAfterBackgroundRender = addAfterBackgroundRender


def run_callbacks(registry_name: str, node_class: str = "*") -> int:
    """Call the entries of one registry for `node_class`, as Nuke does; return how many ran."""
    registry = getattr(callbacks, registry_name)
    entries = registry if isinstance(registry, list) else (
        registry.get("*", []) + (registry.get(node_class, []) if node_class != "*" else []))
    for entry in list(entries):
        entry[0](*entry[1], **entry[2])
    return len(entries)


def executeInMainThread(call: Callable[..., Any], args: Any = (), kwargs: Any = {}) -> None:
    """Callable from any thread; returns at once."""
    with _lock:
        _queue.append((call, tuple(args), dict(kwargs)))


def pending() -> int:
    with _lock:
        return len(_queue)


def run_main_thread() -> int:
    """Play Nuke's event loop: run what executeInMainThread queued."""
    main_thread.check("the event loop")
    ran = 0
    while True:
        with _lock:
            if not _queue:
                return ran
            call, args, kwargs = _queue.pop(0)
        call(*args, **kwargs)
        ran += 1


def getInput(prompt: str, default: str = "") -> Optional[str]:
    main_thread.check("nuke.getInput")
    return inputs.pop(0)


class Menu:
    def __init__(self, name: str) -> None:
        self.name = name
        self.items: Dict[str, Tuple[Any, str]] = {}

    def addCommand(self, name: str, command: Any = None, shortcut: str = "", **_: Any) -> "Menu":
        main_thread.check("Menu.addCommand")
        self.items[name] = (command, shortcut)
        return self

    def removeItem(self, name: str) -> None:
        main_thread.check("Menu.removeItem")
        del self.items[name]

    def run(self, name: str) -> None:
        """Choose an item, as the user would: a string command is executed as Python."""
        command = self.items[name][0]
        if isinstance(command, str):
            exec(command, {})
        else:
            command()


_menus: Dict[str, Menu] = {}


def menu(name: str) -> Menu:
    main_thread.check("nuke.menu")
    if env["gui"] is False:
        raise RuntimeError("menus are not available in terminal mode")
    return _menus.setdefault(name, Menu(name))
