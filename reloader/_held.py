"""Tell whether an old function is held by anything but the place it is replaced in.

A function replaced in its class or module that nothing else holds is gone
with the old version: nothing can call it, so it needs no update, and
neither do the functions it holds alone (a decorator's inner function).
This is told from reference counts, calibrated on the running interpreter,
without walking the heap or comparing code. For a class, `class_parts`
counts what its own parts hold of it, for `_instances` to tell what else does.

It only reads reference counts and attributes; it changes nothing.
"""

import sys
import types
from typing import Any, Dict, List, Set, Tuple

from . import _state
from ._body import DESCRIPTORS
from ._generations import weakly_called
from ._pairing import CALLABLES, PLAIN, cell_value, functions_of


def _counted(thing: Any) -> int:
    return sys.getrefcount(thing)  # as `unheld` counts its argument


def _calibrated() -> Tuple[int, int]:
    # What the caller's variable and `unheld` itself add to the count, and
    # what a variable of `unheld` adds: counted, not assumed (3.14 borrows
    # references where older versions take them).
    holder = {"": object()}
    thing = holder.get("")
    return _counted(thing) - 1, sys.getrefcount(thing) - 1


_CALLED, _LOCAL = _calibrated()


def unheld(thing: Any, holders: int, weakly: bool = True) -> bool:
    """Whether nothing but `holders` references and the caller's variable hold `thing`.

    `thing` is a function, or a classmethod, staticmethod or property of
    functions. Replaced in its class or module, it is gone with the old
    version: nothing can call it, so it needs no update (nor the comparison
    of code objects, which touches much memory long unused). What its
    functions hold that pairing would follow (closure cells, a
    `__wrapped__`: a decorator's inner function) must be held by them alone,
    and none may stand for earlier versions still held. With `weakly` (in a
    class), a function a weak reference may call (a signal's `WeakMethod`)
    is held: a plain re-import keeps the old class, and it, alive (see
    `_generations.remember`); a module's function such a reference alone
    holds goes with the module, as then. Call it with a variable of the
    caller, never an expression: the count assumes one.
    """
    if sys.getrefcount(thing) > holders + _CALLED:  # as only_held_by, inline
        return False
    versions = _state.current().versions
    kind = type(thing)
    if kind is types.FunctionType:
        return id(thing) not in versions and not (weakly and weakly_called(thing)) and (
            (thing.__closure__ is None and not thing.__dict__) or _holds_alone(thing, 0)
        )
    if kind is classmethod or kind is staticmethod:
        parts: Tuple[Any, ...] = (thing.__func__,)
    elif kind is property:
        parts = (thing.fget, thing.fset, thing.fdel)
    else:
        return False
    for part in parts:  # held by `thing`, `parts` and this variable
        if part is not None and not (
            type(part) is types.FunctionType
            and sys.getrefcount(part) <= 2 + _LOCAL
            and id(part) not in versions
            and ((part.__closure__ is None and not part.__dict__) or _holds_alone(part, 0))
        ):
            return False
    return True


def _holds_alone(function: types.FunctionType, depth: int) -> bool:
    """Whether the cells and functions `function` holds are held by nothing else.

    Classes and values that are not callable need no pairing; a function
    held in a cell or an attribute must be held there alone (counted), and
    hold nothing else in turn.
    """
    if depth > 2:
        return False
    versions = _state.current().versions
    held: Dict[int, List[Any]] = {}  # id -> [function, how often `function` holds it]
    value: Any = None
    for cell in function.__closure__ or ():  # held by the closure and this variable
        if sys.getrefcount(cell) > 1 + _LOCAL:
            return False  # shared with another function of the same scope
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        kind = type(value)
        if kind is types.FunctionType:
            held.setdefault(id(value), [value, 0])[1] += 1
        elif not issubclass(kind, type) and (callable(value) or issubclass(kind, CALLABLES)):
            return False  # a method, partial or callable object pairing would follow
    attributes = function.__dict__
    for key in attributes:
        value = attributes[key]
        if type(value) is types.FunctionType:
            held.setdefault(id(value), [value, 0])[1] += 1
        elif type(value) not in PLAIN:
            return False
    value = None
    for entry in held.values():
        inner = entry[0]  # held `entry[1]` times, by `entry` and by this variable
        if (
            sys.getrefcount(inner) > entry[1] + 1 + _LOCAL
            or id(inner) in versions
            or not (
                (inner.__closure__ is None and not inner.__dict__)
                or _holds_alone(inner, depth + 1)
            )
        ):
            return False
    return True


def only_held_by(thing: Any, holders: int) -> bool:
    """Whether nothing but `holders` references and the caller's variable hold `thing`,
    nor a weak reference that may call it.

    Call it with a variable of the caller, as `unheld`.
    """
    return sys.getrefcount(thing) <= holders + _CALLED and not weakly_called(thing)


def class_parts(cls: type) -> int:
    """How many references to `cls` its own parts hold.

    Its `__mro__`, the descriptors of its instance layout (`__dict__`,
    `__weakref__`, slots) and the `__class__` cells of its methods (`super()`).
    """
    parts = 1
    cells: Set[int] = set()
    for value in cls.__dict__.values():
        if type(value) in DESCRIPTORS:
            parts += value.__objclass__ is cls
            continue
        for function in functions_of(value):  # itself, or what a descriptor wraps
            cells.update(id(c) for c in function.__closure__ or () if cell_value(c) is cls)
    return parts + len(cells)
