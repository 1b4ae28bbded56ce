"""Find old objects still reachable after a reload, and say what holds them.

The updater hands over weak references to the old objects a reload
replaced (old modules, old function objects, old classes that could not be
merged); `stale()` asks the garbage collector who still refers to the ones
alive, a few passes over the heap in all, and stops when its time is up.
It must not keep any old object alive, and changes nothing. The weak
references it tracks between reloads are the current state's
(`_state.current().replaced`).
"""

import gc
import time
import types
import typing
from typing import Any, Callable, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

from . import _state

if typing.TYPE_CHECKING:  # a class attribute that is a type needs it; never imported at run time
    from typing_extensions import TypeAlias

_CELL = type((lambda value: lambda: value)(0).__closure__[0])  # type: ignore[index]

#: How many containers up from an old object a holder is described.
_DEPTH = 3


def track(replaced: Iterable[Tuple[str, Callable[[], Any]]]) -> None:
    """Remember old objects a reload replaced; forget those that died since."""
    state = _state.current()
    with state.replaced_lock:
        # Each old object once: one a host holds is replaced at every reload.
        seen = set()
        kept = []
        thing = None
        for entry in list(state.replaced) + list(replaced):
            thing = entry[1]()
            if thing is not None and id(thing) not in seen:
                seen.add(id(thing))
                kept.append(entry)
        del thing
        state.replaced[:] = kept


class StaleObject(NamedTuple):
    """An old object still reachable after a reload, and what holds it."""

    name: str  # "tool.ui.on_click", "module tool.ui"
    holder: str  # "list at index 3, in registry_host.CALLBACKS"
    # True: updated in place, it runs the new code and only its identity is
    # old; False: it still runs the old code; None: not a function or class
    # whose new version could be found.
    updated: Optional[bool] = None

    def __str__(self) -> str:
        text = "old {} is held by {}".format(self.name, self.holder)
        if self.updated is None:
            return text
        return text + (" (updated in place: runs the new code)" if self.updated
                       else " (not updated: runs the old code)")


class Stale:
    """What `stale()` found: `objects`, and whether it looked at everything."""

    StaleObject: "TypeAlias" = StaleObject

    def __init__(self, objects: Sequence[StaleObject], complete: bool, note: str) -> None:
        self.objects: Tuple[StaleObject, ...] = tuple(objects)
        self.complete = complete
        self.note = note

    def __iter__(self) -> Any:
        return iter(self.objects)

    def __len__(self) -> int:
        return len(self.objects)

    def __str__(self) -> str:
        lines = [str(entry) for entry in self.objects]
        if self.note:
            lines.append(self.note)
        return "\n".join(lines) if lines else "no old object is reachable"

    def __repr__(self) -> str:
        stopped = "" if self.complete else ", stopped"
        count = len(self.objects)
        return "<Stale: {} object{}{}>".format(count, "" if count == 1 else "s", stopped)


def stale(report: Any = None, *, seconds: float = 1.0) -> Stale:
    """The old objects replaced by reloads that something still holds, and what holds them.

    With a Report, only the objects that reload replaced; without, those of
    every reload so far. Collects garbage first, then stops after about
    `seconds` (one pass over the heap cannot be cut short) and says so in
    `note`; `complete` is then False.
    """
    started = time.perf_counter()
    gc.collect()  # old objects that only garbage cycles hold are not stale
    if report is not None:
        entries = list(report._replaced)
    else:
        state = _state.current()
        with state.replaced_lock:
            entries = list(state.replaced)
    names: Dict[int, str] = {}
    objects: List[Any] = []
    obj = None
    for name, ref in entries:
        obj = ref()
        if obj is not None and id(obj) not in names:
            names[id(obj)] = name
            objects.append(obj)
    del obj
    updated = {id(o): _updated_in_place(o) for o in objects}
    # id(object on the frontier) -> (id(old object), how it is held so far)
    paths: Dict[int, Tuple[int, List[str]]] = {id(o): (id(o), []) for o in objects}
    found: List[StaleObject] = []
    seen = set()
    modules = _module_names()
    stopped = ""
    depth = 0
    while objects and depth <= _DEPTH:
        if time.perf_counter() - started > seconds:
            stopped = "stopped after {:.1f} s with {} object{} left to look at".format(
                time.perf_counter() - started, len(objects), "" if len(objects) == 1 else "s"
            )
            break
        frontier, objects = objects, []
        current = {id(o): o for o in frontier}
        holders = gc.get_referrers(*frontier)
        mine = {id(frontier), id(objects), id(holders), id(found), id(current)}
        for holder in holders:
            if id(holder) in mine or issubclass(type(holder), types.FrameType):
                continue
            if issubclass(type(holder), tuple) and len(holder) == len(frontier) and all(
                a is b for a, b in zip(holder, frontier)
            ):
                continue  # the arguments of get_referrers itself
            if depth == 0 and id(holder) in names:
                continue  # one old object holding another: they go together
            for target in gc.get_referents(holder):
                entry = paths.get(id(target))
                if entry is None or current.get(id(target)) is not target:
                    continue
                step, final = _describe(holder, target, modules)
                if step is None:
                    continue
                origin, path = entry
                steps = path + [step]
                if final or depth == _DEPTH:
                    text = ", in ".join(steps)
                    if (origin, text) not in seen:
                        seen.add((origin, text))
                        found.append(StaleObject(names[origin], text, updated[origin]))
                elif id(holder) not in paths:
                    paths[id(holder)] = (origin, steps)
                    objects.append(holder)
        del holders, frontier, current
        depth += 1
    return Stale(found, not stopped, stopped)


def _updated_in_place(old: Any) -> Optional[bool]:
    """Whether an old function or class is what its module now defines, code-wise."""
    import sys

    qualname = getattr(old, "__qualname__", "")
    current: Any = sys.modules.get(getattr(old, "__module__", None) or "")
    if current is None or not isinstance(qualname, str) or "<locals>" in qualname:
        return None
    for part in qualname.split("."):  # through modules and classes only: nothing of theirs runs
        if not issubclass(type(current), (types.ModuleType, type)):
            return None
        current = object.__getattribute__(current, "__dict__").get(part)
    if issubclass(type(old), type):
        return current is old if issubclass(type(current), type) else None
    if not issubclass(type(old), types.FunctionType):
        return None
    if issubclass(type(current), (staticmethod, classmethod)):
        current = current.__func__
    while issubclass(type(current), types.FunctionType):  # through functools.wraps wrappers
        if current is old or current.__code__ == old.__code__:
            return True
        wrapped = getattr(current, "__wrapped__", None)
        if wrapped is None:
            return False
        current = wrapped
    return None


def _module_names() -> Dict[int, str]:
    import sys

    return {
        id(module.__dict__): name
        for name, module in list(sys.modules.items())
        if issubclass(type(module), types.ModuleType)
    }


def _describe(referrer: Any, target: Any, modules: Dict[int, str]) -> Tuple[Optional[str], bool]:
    """How `referrer` holds `target` ("list at index 3"), and whether that names a place."""
    if issubclass(type(referrer), dict):
        for key, value in list(referrer.items()):
            if value is target:
                module = modules.get(id(referrer))
                if module is not None:
                    return "{}.{}".format(module, key), True
                return "dict at key {!r}".format(key), False
        return None, False
    if issubclass(type(referrer), (list, tuple)):
        for index, value in enumerate(referrer):
            if value is target:
                return "{} at index {}".format(type(referrer).__name__, index), False
        return None, False
    if issubclass(type(referrer), (set, frozenset)):
        return ("set", False) if target in referrer else (None, False)
    if issubclass(type(referrer), types.MethodType):
        if referrer.__func__ is target or referrer.__self__ is target:
            return "bound method {}".format(getattr(referrer, "__qualname__", "")), False
        return None, False
    if issubclass(type(referrer), _CELL):
        return "closure cell", False
    if issubclass(type(referrer), types.FunctionType):
        return "function {}.{}".format(referrer.__module__, referrer.__qualname__), True
    if issubclass(type(referrer), type):
        return "class {}.{}".format(referrer.__module__, referrer.__qualname__), True
    if issubclass(type(referrer), types.ModuleType):
        return "module {}".format(referrer.__name__), True
    try:  # past a proxy's own __dict__ or __getattr__: nothing of its runs
        attributes = object.__getattribute__(referrer, "__dict__")
    except Exception:
        attributes = None
    kind = type(referrer).__qualname__
    if type(attributes) is dict:
        for key, value in list(attributes.items()):
            if value is target:
                return "attribute {!r} of a {} object".format(key, kind), False
    return "{} object".format(kind), False
