"""Tell whether an old function is held by anything but the place it is replaced in.

A function replaced in its class or module that nothing else holds is gone
with the old version: nothing can call it, so it needs no update, and
neither do the functions it holds alone (a decorator's inner function).
This is told from reference counts, calibrated on the running interpreter,
without walking the heap or comparing code.

It only reads reference counts and attributes; it changes nothing.
"""

import enum
import sys
import types
from typing import Any, Dict, List, Tuple

from . import _state
from ._pairing import CALLABLES, functions_of

_PLAIN = (str, int, float, bool, bytes, type(None))
#: Class attribute values that no update follows: patching replaces them.
_DROPPED = frozenset(_PLAIN + (tuple, list, dict, set, frozenset))
_WRAPPERS = (classmethod, staticmethod, property)
_OWN_DESCRIPTORS = ("__dict__", "__weakref__")
_OBJECT = (object,)


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


def unheld(thing: Any, holders: int) -> bool:
    """Whether nothing but `holders` references and the caller's variable hold `thing`.

    `thing` is a function, or a classmethod, staticmethod or property of
    functions. Replaced in its class or module, it is gone with the old
    version: nothing can call it, so it needs no update (nor the comparison
    of code objects, which touches much memory long unused). What its
    functions hold that pairing would follow (closure cells, a
    `__wrapped__`: a decorator's inner function) must be held by them alone,
    and none may stand for earlier versions still held. Call it with a
    variable of the caller, never an expression: the count assumes one.
    """
    if sys.getrefcount(thing) > holders + _CALLED:  # as only_held_by, inline
        return False
    versions = _state.current().versions
    kind = type(thing)
    if kind is types.FunctionType:
        return id(thing) not in versions and (
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
        elif type(value) not in _PLAIN:
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


def class_unheld(cls: type, new: type) -> bool:
    """Whether nothing but its module's name for it holds the class `cls`, nor its functions.

    Its own `__mro__` and `__dict__`/`__weakref__` descriptors hold it
    too, and an enum's members and tables; anything else (an instance, a
    subclass, another module's name, a cell of `super()`) counts. Such a
    class is gone with its old module, as an unheld function: nothing can
    use it, so it needs no update, provided its functions are unheld too
    and it holds no class and no other callable pairing would follow (what
    its new version `new` shares with it is not its own), nor any key the
    new body lacks (set at run time, patching would keep it). Only classes
    made by `type` of `object` alone, and plain enums: what holds others
    is not counted here, and a subclass of another class could linger in
    its `__subclasses__()` (plugin discovery) until collected. Call it with
    a variable of the caller, as `unheld`.
    """
    kind = type(cls)
    if kind is type:
        if sys.getrefcount(cls) > 4 + _CALLED or cls.__bases__ != _OBJECT:
            return False  # told before its dictionary is read: most classes are held
        namespace = cls.__dict__
        if "__slots__" in namespace:
            return False
        own = 2  # its module's name and its __mro__
        for key in _OWN_DESCRIPTORS:
            value = namespace.get(key)
            if type(value) is types.GetSetDescriptorType and value.__objclass__ is cls:
                own += 1
        if sys.getrefcount(cls) > own + _CALLED:
            return False
    elif kind is _ENUM_TYPE and cls.__bases__ == _ENUM:
        members: Dict[str, Any] = cls._member_map_  # type: ignore[attr-defined]
        if sys.getrefcount(cls) > _ENUM_FIXED + _PER_MEMBER * len(members) + _CALLED or not (
            len(members) == len(cls._member_names_)  # type: ignore[attr-defined]
            == len(cls._value2member_map_)  # type: ignore[attr-defined]
        ):
            return False  # held, or aliases, unhashable values: tables not counted here
        for value in members.values():  # held by the enum's tables and this variable
            if sys.getrefcount(value) > _MEMBER_HOLDERS + _LOCAL:
                return False
        namespace = cls.__dict__
    else:
        return False
    shared = new.__dict__
    if not namespace.keys() <= shared.keys():
        return False  # an attribute set at run time, which patching keeps, or one removed
    for key in namespace:
        value = namespace[key]  # held by the class dictionary and this variable
        kind = type(value)
        other = shared.get(key)
        if kind in _DROPPED or other is value or kind is cls:
            continue  # replaced by the new body's value, the new body's too, a member
        if kind is types.FunctionType or kind in _WRAPPERS:
            if type(other) is kind and kind is not types.FunctionType and (
                functions_of(value) == functions_of(other)
            ):
                continue  # a wrapper of the same functions (an enum's staticmethod)
            if not unheld(value, 1):
                return False
        elif kind is types.GetSetDescriptorType:
            if value.__objclass__ is not cls:
                return False
        elif issubclass(kind, type) or issubclass(kind, CALLABLES) or callable(value):
            return False  # a nested class, a partial: pairing would follow it
    return True


def _enum_holders() -> Tuple[int, int, int]:
    # What an enum's own machinery holds of it, counted on two enums made
    # here: of the class, a fixed part and a part per member; of a member.
    class One(enum.Enum):
        A = 1

    class Two(enum.Enum):
        A = 1
        B = 2

    per_member = _counted(Two) - _counted(One)
    fixed = _counted(One) - _CALLED - per_member + 1  # and a module's name for it
    member = One.A
    return fixed, per_member, sys.getrefcount(member) - _LOCAL


_ENUM_TYPE, _ENUM = type(enum.Enum), (enum.Enum,)
_ENUM_FIXED, _PER_MEMBER, _MEMBER_HOLDERS = _enum_holders()


def only_held_by(thing: Any, holders: int) -> bool:
    """Whether nothing but `holders` references and the caller's variable hold `thing`.

    Call it with a variable of the caller, as `unheld`.
    """
    return sys.getrefcount(thing) <= holders + _CALLED
