"""What carrying a new class body onto the old class takes besides copying its entries.

A method that calls `super()` holds its class in a `__class__` cell: the old
class gets a copy whose cell names the old class (`for_class`), never the
new function changed, as the new class may stay in use. Keys the old body
made and the new one no longer makes are deleted (`drop_removed`), while
attributes set on the class at run time stay: which keys a body made is
remembered by `_generations`, or else told from what the value is.

It decides nothing about whether a class can be patched, and changes
nothing but the old class's dictionary.
"""

import functools
import operator
import types
import weakref
from typing import Any, Dict, FrozenSet, List, Optional

from . import _generations
from ._containers import attributes_of
from ._journal import refill
from ._pairing import PLAIN, cell_value, functions_of, wrapped

#: Class dictionary entries that belong to one class object and are never copied.
OWN = frozenset(
    ("__dict__", "__weakref__", "_abc_impl", "_abc_registry", "_abc_cache",
     "_abc_negative_cache", "_abc_negative_cache_version")
)
#: Enum bookkeeping that `_enums.update_enum` keeps on the old class.
ENUM_OWN = frozenset(
    ("_member_map_", "_member_names_", "_value2member_map_", "_unhashable_values_",
     "_unhashable_values_map_", "_member_type_", "_new_member_", "_use_args_", "_value_repr_")
)
DESCRIPTORS = (types.MemberDescriptorType, types.GetSetDescriptorType)
#: What a class keeps its own instances in (a cache): holding nothing alive.
WEAK_CACHES = frozenset((weakref.WeakValueDictionary, weakref.WeakKeyDictionary, weakref.WeakSet))


def kept_cache(journal: Any, current: Any, value: Any) -> bool:
    """Whether `current`, the old class's weak container, stays, taking in what
    `value`, the new body's of the same type, holds (new entries win).

    The instances it keeps are the old class's own: a lookup must still find
    those made before the reload (ZoneInfo's cache, which `__init_subclass__`
    gives each subclass: `pendulum.timezone("Europe/Paris")` is the object
    that old datetimes hold). Its contents come back on undo.
    """
    if type(current) is not type(value) or type(value) not in WEAK_CACHES:
        return False
    before = set(current) if type(current) is weakref.WeakSet else dict(current.items())
    journal.log(refill, current, before)
    current.update(value)
    return True


def for_class(function: types.FunctionType, new: type, old: type,
              depth: int = 0) -> types.FunctionType:
    """`function` as the old class's own: its super() (the __class__ cell) finds `old`.

    A copy, never the new function changed: the new class may stay in use
    (a class it could not be merged into, made by a metaclass defined here,
    or one the new code stored where no look reaches). A decorator's wrapper
    holding the method in its closure is copied around a copy of it.
    """
    closure = function.__closure__
    if closure is None:
        return function
    names = function.__code__.co_freevars
    cells = list(closure)
    copies = {}
    for index, name in enumerate(names):
        value = cell_value(closure[index])
        if name == "__class__":
            if value is new:
                cells[index] = _cell(old)
        elif type(value) is types.FunctionType and depth < 3 and value.__closure__:
            copy = for_class(value, new, old, depth + 1)
            if copy is not value:
                cells[index] = _cell(copy)
                copies[id(value)] = copy
    if all(map(operator.is_, cells, closure)):
        return function
    if copies and any(_holds(cell_value(cell), copies) for cell in closure):
        return function  # an lru_cache or partial calls the method too: it keeps one version
    copy = _copy(function, function.__globals__, tuple(cells))
    wrapped = copy.__dict__.get("__wrapped__")
    if id(wrapped) in copies:
        copy.__dict__["__wrapped__"] = copies[id(wrapped)]
    return copy


def wrapped_methods(value: Any) -> List[types.FunctionType]:
    """The function a class attribute that is no function wraps (an `lru_cache` of a
    method): it cannot be copied for the old class, so its `super()` is pointed there."""
    inner = wrapped(value)
    return [inner] if type(inner) is types.FunctionType and inner.__closure__ else []


def _holds(thing: Any, functions: Dict[int, Any]) -> bool:
    """Whether `thing`, not a function, holds one of `functions` (an lru_cache, a partial)."""
    if type(thing) is types.FunctionType or type(thing) in PLAIN:
        return False
    if type(thing) is functools.partial:
        return id(thing.func) in functions
    attributes = attributes_of(thing)
    return attributes is not None and any(id(value) in functions
                                          for value in attributes.values())


def with_globals(member: Any, namespace: Dict[str, Any]) -> Any:
    """A class member whose functions read `namespace` for their global names: a copy."""
    kind = type(member)
    if kind is property:
        parts = [with_globals(f, namespace) for f in (member.fget, member.fset, member.fdel)]
        return property(parts[0], parts[1], parts[2], member.__doc__)
    if kind in (classmethod, staticmethod):
        return kind(with_globals(member.__func__, namespace))
    return _copy(member, namespace, member.__closure__) if kind is types.FunctionType else member


def _copy(function: types.FunctionType, namespace: Dict[str, Any], closure: Any
          ) -> types.FunctionType:
    """Another function object of `function`'s code, reading `namespace`, with `closure`."""
    copy = types.FunctionType(function.__code__, namespace, function.__name__,
                              function.__defaults__, closure)
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__qualname__ = function.__qualname__
    copy.__module__ = function.__module__
    copy.__doc__ = function.__doc__
    copy.__annotations__ = function.__annotations__
    copy.__dict__.update(function.__dict__)
    return copy


def wrapper_for_class(wrapper: Any, new: type, old: type) -> Any:
    kind = type(wrapper)
    if kind is property:
        functions = (wrapper.fget, wrapper.fset, wrapper.fdel)
        for function in functions:
            if type(function) is types.FunctionType and function.__closure__ is not None:
                break
        else:
            return wrapper  # the usual case: no __class__ cell to point at `old`
        parts = [for_class(f, new, old) if type(f) is types.FunctionType else f
                 for f in functions]
        if parts[0] is functions[0] and parts[1] is functions[1] and parts[2] is functions[2]:
            return wrapper
        return property(parts[0], parts[1], parts[2], wrapper.__doc__)
    function = wrapper.__func__
    if type(function) is not types.FunctionType:
        return wrapper
    copy = for_class(function, new, old)
    return wrapper if copy is function else kind(copy)


def _cell(value: Any) -> Any:
    return (lambda: value).__closure__[0]  # type: ignore[index]


def drop_removed(old: type, new: type, is_enum: bool, owned: FrozenSet[str],
                 reloading: FrozenSet[str] = frozenset()) -> None:
    """Delete from `old` what its old body made and the new one does not (never the
    `owned` keys: see `owned_keys`), and what only functions of modules of this reload
    (`reloading`) make up, set from outside the body (astroid's `Const._proxied`): their
    new code sets it again, or not, as a fresh import would."""
    old_dict = old.__dict__
    new_dict = new.__dict__
    dropped = [k for k in old_dict if k not in new_dict]
    body = _generations.body_keys(old)
    for key in dropped:
        value = old_dict[key]
        if key in OWN or (is_enum and key in ENUM_OWN) or key in owned:
            continue  # (a write there is no entry's: the old entry stays, paired)
        if issubclass(type(value), DESCRIPTORS) and getattr(value, "__objclass__", None) is old:
            continue
        if is_enum and key in getattr(old, "_member_map_", {}):
            continue  # members are reconciled in _update_enum
        functions = functions_of(value) if reloading else ()
        again = bool(functions) and all(f.__module__ in reloading for f in functions)
        if body is not None and key not in body and not again:
            continue  # set at run time, not by the body
        if body is None and not again and not _made_by_body(old, value):
            continue
        type.__delattr__(old, key)


def _made_by_body(cls: type, value: Any) -> bool:
    """Without a record of the body: a method of the class or a constant was in it."""
    if type(value) in PLAIN:
        return True
    functions = functions_of(value)
    prefix = cls.__qualname__ + "."
    return bool(functions) and all(f.__qualname__.startswith(prefix) for f in functions)


#: What a write through type.__setattr__ stores in the class dictionary, as a body does.
_STORED = frozenset(("__module__", "__doc__", "__annotations__", "__abstractmethods__",
                     "__type_params__", "__annotate__", "__dict__", "__weakref__"))


def _owned(meta: type) -> FrozenSet[str]:
    return frozenset(key for klass in meta.__mro__ for key, value in vars(klass).items()
                     if hasattr(type(value), "__set__") and key not in _STORED)


#: type's own: a write of `__name__`, `__bases__`, `__class__`, `__base__`... changes
#: the class object itself, or fails, instead of storing an entry.
_TYPE_OWNED = _owned(type)


def owned_keys(meta: type) -> FrozenSet[str]:
    """The keys that a write on a class of `meta` gives to the metaclass's data descriptors."""
    return _TYPE_OWNED if meta is type else _owned(meta)


def unsettable(key: str, current: Any, value: Any) -> Optional[str]:
    """Why the old class's entry `key` cannot stay for `value`, or None.

    For a key of `owned_keys` (a `__name__` or `__class__` property of
    instances, a `__base__` classmethod): no write can carry it. The entry
    stays, a property or method whose functions the caller then pairs with
    the new ones, or a constant equal to the new one.
    """
    kind = type(value)
    if type(current) is kind and (
        kind in (property, classmethod, staticmethod) or (kind in PLAIN and current == value)
    ):
        return None
    return "its body's {!r} cannot be set on the class: a write there goes to the class " \
        "object's own {!r}".format(key, key)


def fields_note(before: Any, new: type) -> Optional[str]:
    """What to say when a dataclass's fields changed (`before`: the old class's
    `__dataclass_fields__`, or None), or None. Instances made before the reload keep
    the fields they were made with (a change they could not take is `_safety`'s)."""
    after = fields_of(new.__dict__, "__dataclass_fields__")
    if before is not None and after is not None and list(before) != list(after):
        return ("its fields changed from ({}) to ({}); instances made before the reload "
                "keep the old fields".format(", ".join(before), ", ".join(after)))
    return None


def fields_of(attributes: Any, attribute: str) -> Any:
    """A class's own `__dataclass_fields__` (a dict) or `_fields` (a tuple), from its
    dictionary `attributes`, or None: a `_fields` property of instances is no named
    tuple's."""
    value = attributes.get(attribute)
    return value if type(value) is (dict if attribute == "__dataclass_fields__" else tuple) \
        else None
