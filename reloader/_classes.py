"""Patch an old class in place from its new version, where that is known to be safe.

Patched, the old class object takes the new body (functions, descriptors,
constants; enum members are reconciled so the old members stay the members)
and stands for the new class everywhere: old instances, new code and
`from x import Cls` names meet one class. A class is patched only when its
metaclass is `type`, `abc.ABCMeta`, `enum.EnumMeta`, or one that neither
intercepts attribute writes nor built state tied to the new class (a
mapper's class manager, a compiled validator), and when every write
succeeds, import-time instances included. Otherwise every write to it is
taken back, and the new class stays beside the old one: new code gets the
new class, old instances keep the old code, and the report says why.
Attributes set on the old class at run time, not by its body, stay.

It must not touch a class the new module did not make again.
"""

import abc
import enum
import gc
import types
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from . import _generations
from ._canonical import Canon
from ._journal import MISSING, Journal
from ._pairing import CALLABLES, Pairer, cell_value, functions_of, qualname, same_values, wrapped

#: Metaclasses whose classes are known to be safe to patch.
_SAFE = (type, abc.ABCMeta, enum.EnumMeta)
#: Class dictionary entries that belong to one class object and are never copied.
_OWN = frozenset(
    ("__dict__", "__weakref__", "_abc_impl", "_abc_registry", "_abc_cache",
     "_abc_negative_cache", "_abc_negative_cache_version")
)
#: Enum bookkeeping that `_update_enum` keeps on the old class.
_ENUM_OWN = frozenset(
    ("_member_map_", "_member_names_", "_value2member_map_", "_unhashable_values_",
     "_unhashable_values_map_", "_member_type_", "_new_member_", "_use_args_", "_value_repr_")
)
_DESCRIPTORS = (types.MemberDescriptorType, types.GetSetDescriptorType)
_WRAPPERS = (classmethod, staticmethod, property)
_CONTAINERS = (list, dict, set)
_PLAIN = (str, int, float, bool, bytes, type(None))
_SPLIT = "; the new class is a different object and old instances keep the old code"


class _Refused(Exception):
    """The class cannot be patched; the message says why."""


class ClassPatcher:
    """Patches old classes, or leaves them whole beside their new version."""

    def __init__(
        self, journal: Journal, canon: Canon, pairer: Pairer, notes: Dict[str, str],
        replaced: Dict[int, Tuple[Any, Any, str]],
    ) -> None:
        self.journal = journal
        self.canon = canon
        self.pairer = pairer
        self.notes = notes
        self.replaced = replaced
        self.patched: Set[int] = set()
        #: ids of new classes that stand beside their old version.
        self.split: Set[int] = set()
        #: Registries in class bodies, canonicalised once the module's classes are done.
        self.containers: List[Tuple[Any, str]] = []
        #: (old class, the keys its new body made), remembered after success.
        self.bodies: List[Tuple[type, FrozenSet[str]]] = []

    def update(self, old: type, new: type, instances: Sequence[Any] = ()) -> bool:
        """Patch `old` with `new`'s body, and re-class `instances` of `new`; or report why not."""
        if self.canon.new.get(id(new)) is new:
            return self.canon.old[id(new)] is old
        if old.__qualname__ != new.__qualname__ or id(new) in self.split:
            return False
        why = self._refusal(old, new)
        if why is None:
            marks = (self.journal.mark(), self.canon.mark(), len(self.pairer.pairs),
                     len(self.containers), len(self.bodies))
            self.canon.map(new, old)
            try:
                self._patch(old, new, list(instances))
            except Exception as error:
                failures = self.journal.undo(marks[0])
                self.canon.rollback(marks[1])
                del self.pairer.pairs[marks[2]:]
                del self.containers[marks[3]:]
                del self.bodies[marks[4]:]
                why = str(error) if isinstance(error, _Refused) else (
                    "it could not be patched ({}: {})".format(type(error).__name__, error)
                )
                why += "".join("; " + failure for failure in failures)
            else:
                self.patched.add(id(old))
                return True
        self.notes[qualname(old)] = why + _SPLIT
        self.replaced[id(old)] = (old, new, qualname(old))
        self.split.add(id(new))
        return False

    def _refusal(self, old: type, new: type) -> Optional[str]:
        if self.canon.get(type(new)) is not type(old):
            return "its metaclass changed from {} to {}".format(
                qualname(type(old)), qualname(type(new))
            )
        if (
            old.__basicsize__ != new.__basicsize__
            or old.__itemsize__ != new.__itemsize__
            or old.__dictoffset__ != new.__dictoffset__
            or old.__weakrefoffset__ != new.__weakrefoffset__
            or old.__dict__.get("__slots__") != new.__dict__.get("__slots__")
        ):
            return "its instance layout changed (__slots__ or a built-in base)"
        for base in new.__bases__:
            if id(base) in self.split:
                return "its base class {} could not be patched".format(qualname(base))
        for meta in type(old).__mro__:
            if meta in _SAFE:
                break
            if "__setattr__" in meta.__dict__ or "__delattr__" in meta.__dict__:
                return "its metaclass {} intercepts attribute writes".format(qualname(meta))
        return None

    def _patch(self, old: type, new: type, instances: List[Any]) -> None:
        journal, canon = self.journal, self.canon
        old_dict = old.__dict__
        new_dict = new.__dict__
        if new.__bases__ != old.__bases__:
            bases = tuple(canon.get(b) for b in new.__bases__)
            if bases != old.__bases__:
                journal.set(old, "__bases__", bases)
        is_enum = isinstance(old, enum.EnumMeta)
        members = getattr(new, "_member_map_", {}) if is_enum else {}
        fields = old_dict.get("__dataclass_fields__"), old_dict.get("_fields")
        where = qualname(old)
        for key, value in list(new_dict.items()):
            current = old_dict.get(key, MISSING)
            if current is value:
                continue  # Enum.__new__ and the like, shared by both versions
            kind = type(value)
            if kind is types.FunctionType:  # the common case, kept short
                if value.__closure__:
                    self._fix_class_cell(value, new, old)
                if value.__defaults__ or value.__kwdefaults__:
                    canon.defaults(value)
                if type(current) is types.FunctionType:
                    self.pairer.pair(current, value)
                journal.set_class_attribute(old, key, value)
                continue
            if key in _OWN or (is_enum and (key in _ENUM_OWN or key in members)):
                continue
            if kind is type(current) and (
                (kind in _PLAIN and current == value)
                or (kind is tuple and same_values(current, value))
            ):
                continue  # setting a class attribute is not free: leave what is equal
            if kind in _DESCRIPTORS and getattr(value, "__objclass__", None) is new:
                continue  # a slot or __dict__ of the new layout: the old one is the same
            if issubclass(kind, type) and issubclass(type(current), type):
                if current.__qualname__ == "{}.{}".format(old.__qualname__, key):
                    if self.update(current, value):
                        continue  # the old nested class stays, patched
            elif kind in _WRAPPERS:
                for function in functions_of(value):
                    self._fix_class_cell(function, new, old)
                    canon.defaults(function)
            elif kind is new:
                instances.append(value)  # made at import time: re-classed below
            elif kind in _CONTAINERS and not (key[:1] == "_" and key[-1:] == "_"):
                self.containers.append((value, "{}.{}".format(where, key)))
            elif kind not in _PLAIN and not issubclass(kind, type) and _tied(value, new):
                raise _Refused(
                    "its new body built {!r}, state tied to the new class that the old "
                    "class cannot share".format(key)
                )
            if current is not MISSING and (
                issubclass(type(current), CALLABLES) or wrapped(current) is not None
            ):
                self.pairer.pair(current, value)
            journal.set_class_attribute(old, key, canon.get(value))
        self._drop(old, new, is_enum)
        if is_enum:
            self._update_enum(old, new)
        for instance in instances:
            if type(instance) is new:
                journal.set_class(instance, old)
        self._note_fields(old, fields, new)
        self.bodies.append((old, frozenset(new_dict)))

    def _drop(self, old: type, new: type, is_enum: bool) -> None:
        """Delete what the old body made and the new one does not."""
        old_dict = old.__dict__
        new_dict = new.__dict__
        dropped = [k for k in old_dict if k not in new_dict]
        if not dropped:
            return
        body = _generations.body_keys(old)
        for key in dropped:
            value = old_dict[key]
            if key in _OWN or (is_enum and key in _ENUM_OWN):
                continue
            if isinstance(value, _DESCRIPTORS) and getattr(value, "__objclass__", None) is old:
                continue
            if is_enum and key in getattr(old, "_member_map_", {}):
                continue  # members are reconciled in _update_enum
            if body is not None and key not in body:
                continue  # set at run time, not by the body
            if body is None and not _made_by_body(old, value):
                continue
            self.journal.delete_class_attribute(old, key)

    def _fix_class_cell(self, function: types.FunctionType, new: type, old: type) -> None:
        # super() without arguments reads the __class__ cell; the new class is discarded.
        code = function.__code__
        if "__class__" in code.co_freevars and function.__closure__:
            cell = function.__closure__[code.co_freevars.index("__class__")]
            if cell_value(cell) is new:
                cell.cell_contents = old
                self.journal.log(_set_cell, cell, new)

    def _note_fields(self, old: type, before: Tuple[Any, Any], new: type) -> None:
        # Instances made before the reload keep the fields they were made with.
        for attribute, fields in zip(("__dataclass_fields__", "_fields"), before):
            after = new.__dict__.get(attribute)
            if fields is not None and after is not None and list(fields) != list(after):
                self.notes[qualname(old) + " instances"] = (
                    "its fields changed from ({}) to ({}); instances made before the reload "
                    "keep the old fields".format(", ".join(fields), ", ".join(after))
                )

    def _update_enum(self, old: Any, new: Any) -> None:
        # The old members stay the members: new code that names Color.RED gets
        # the very member old objects hold.
        old_map, new_map = old._member_map_, new._member_map_
        if len(old_map) == len(new_map) and all(
            name in old_map and old_map[name]._value_ == member._value_
            for name, member in new_map.items()
        ):
            for name, member in new_map.items():  # the usual case: same members, values
                self.canon.map(member, old_map[name])
            return
        saved = (dict(old_map), list(old._member_names_), dict(old._value2member_map_))
        try:
            self._reconcile_enum(old, new)
        except BaseException:
            _restore_enum(old, saved)
            raise
        self.journal.log(_restore_enum, old, saved)

    def _reconcile_enum(self, old: Any, new: Any) -> None:
        old_map, new_map = old._member_map_, new._member_map_
        for name, member in new_map.items():
            current = old_map.get(name)
            if current is not None:
                self.canon.map(member, current)
                if current._value_ != member._value_:
                    if old._member_type_ is object:
                        before = current._value_
                        object.__setattr__(current, "_value_", member._value_)
                        self.journal.log(object.__setattr__, current, "_value_", before)
                    else:
                        self.notes[qualname(old) + "." + name] = (
                            "its value changed and a {} member cannot change value in "
                            "place".format(old._member_type_.__name__)
                        )
                continue
            self.journal.set_class(member, old)
            old_map[name] = member
            old._member_names_.append(name)
            self.journal.set_class_attribute(old, name, member)
        for name in [n for n in old_map if n not in new_map]:
            self.notes[qualname(old) + "." + name] = (
                "the member was removed; objects holding it keep a member of no enum"
            )
            del old_map[name]
            if name in old.__dict__:
                self.journal.delete_class_attribute(old, name)
        old._member_names_[:] = [n for n in new._member_names_ if n in old_map]
        values = old._value2member_map_
        values.clear()
        for name in old._member_names_:
            member = old_map[name]
            try:
                values.setdefault(member._value_, member)
            except TypeError:
                pass  # unhashable values are looked up by a linear search


def _tied(value: Any, new: type) -> bool:
    """Whether `value` (or the dict of one it holds) refers to the new class itself."""
    for held in gc.get_referents(value):
        if held is new:
            return True
        if type(held) is dict and any(item is new for item in list(held.values())):
            return True
    return False


def _made_by_body(cls: type, value: Any) -> bool:
    """Without a record of the body: a method of the class or a constant was in it."""
    if type(value) in _PLAIN:
        return True
    functions = functions_of(value)
    prefix = cls.__qualname__ + "."
    return bool(functions) and all(f.__qualname__.startswith(prefix) for f in functions)


def _set_cell(cell: Any, value: Any) -> None:
    cell.cell_contents = value


def _restore_enum(cls: Any, saved: Tuple[Dict[str, Any], List[str], Dict[Any, Any]]) -> None:
    members, names, values = saved
    cls._member_map_.clear()
    cls._member_map_.update(members)
    cls._member_names_[:] = names
    cls._value2member_map_.clear()
    cls._value2member_map_.update(values)
