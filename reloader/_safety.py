"""Decide whether an old class can be patched in place from its new version.

Known safe: classes made by `type`, `abc.ABCMeta` or `enum.EnumMeta`, and by
metaclasses that do not intercept attribute writes and keep no state of
their own in the class object (a metaclass written in C with fields of its
own: msgspec's), with the same instance layout, whose bases could be
patched. A new body that built state tied to the new class (a mapper's
class manager, a compiled validator, an object that refers to the class)
cannot be shared by the old class either; the caller asks `tied` for each
such value. Writes that fail are the caller's to take back.

It decides only; it changes nothing.
"""

import abc
import enum
import gc
import operator
from itertools import repeat
from typing import Any, Optional, Set

from ._body import fields_of
from ._canonical import Canon
from ._pairing import qualname

#: Metaclasses whose classes are known to be safe to patch.
_SAFE = (type, abc.ABCMeta, enum.EnumMeta)
#: The size of a class object made by `type`: a metaclass's larger ones hold fields of its own.
_TYPE_SIZE: int = type.__basicsize__  # type: ignore[assignment]


class Refused(Exception):
    """The class cannot be patched; the message says why."""


def refusal(old: type, new: type, canon: Canon, split: Set[int]) -> Optional[str]:
    """Why `old` cannot be patched from `new`, or None when it can be tried.

    `split` holds the ids of new classes already left beside their old one.
    """
    meta: type = type(old)
    if type(new) is not meta and canon.get(type(new)) is not meta and not (
            meta is old and type(new) is new):  # a class of its own (h11's sentinels)
        if qualname(meta) == qualname(type(new)):  # pandas' ABCs: one metaclass per call
            return "its metaclass {} is made anew with each class (by a function), and " \
                "the old class cannot take the new one".format(qualname(meta))
        return "its metaclass changed from {} to {}".format(
            qualname(type(old)), qualname(type(new))
        )
    old_dict, new_dict = old.__dict__, new.__dict__
    if "__slots__" not in old_dict and "__slots__" not in new_dict and (
        old.__bases__ == new.__bases__
    ):
        pass  # the same bases and no slots: the same layout, told without reading it
    elif (
        old.__basicsize__ != new.__basicsize__
        or old.__itemsize__ != new.__itemsize__
        or old.__dictoffset__ != new.__dictoffset__
        or old.__weakrefoffset__ != new.__weakrefoffset__
        or old_dict.get("__slots__") != new_dict.get("__slots__")
    ):
        return "its instance layout changed (__slots__ or a built-in base)"
    why = _fields_refusal(old_dict, new_dict)
    if why is not None:
        return why
    if split:
        for base in new.__bases__:
            if id(base) in split:
                return "its base class {} could not be patched".format(qualname(base))
    if meta is type:
        return None
    for kind in meta.__mro__:
        if kind in _SAFE:
            break
        if "__setattr__" in kind.__dict__ or "__delattr__" in kind.__dict__:
            return "its metaclass {} intercepts attribute writes".format(qualname(kind))
    if meta.__basicsize__ > _TYPE_SIZE:  # msgspec's StructMeta: fields, encoders
        return "its metaclass {} keeps what it built from the class body in the class " \
            "object itself, where the old class cannot take the new".format(qualname(meta))
    return None


def _fields_refusal(old_dict: Any, new_dict: Any) -> Optional[str]:
    """Why instances made before the reload could not run the new body's generated code:
    a named tuple's fields changed (its instances are tuples of the old length), or a
    dataclass gained a field with no default on the class (`default_factory`, or
    none), which the new `__repr__` and `__eq__` read; None otherwise."""
    before, after = fields_of(old_dict, "_fields"), fields_of(new_dict, "_fields")
    if before is not None and after is not None and before != after:
        return "its named tuple fields changed from ({}) to ({}), which instances made " \
            "before the reload cannot take".format(", ".join(before), ", ".join(after))
    before = fields_of(old_dict, "__dataclass_fields__")
    after = fields_of(new_dict, "__dataclass_fields__")
    if before is not None and after is not None:
        added = [key for key in after if key not in before and key not in new_dict]
        if added:
            return "its new dataclass fields ({}) have no default on the class that " \
                "instances made before the reload could read".format(", ".join(added))
    return None


def tied(value: Any, new: type) -> bool:
    """Whether `value` (or the dict of one it holds) refers to the new class itself."""
    for held in gc.get_referents(value):
        if held is new:
            return True
        if type(held) is dict and any(map(operator.is_, list(held.values()), repeat(new))):
            return True  # told in C: this runs for most class attributes
    return False
