"""What a container of the new code holds, told without running its code where that can be.

Which containers hold nothing but constants and modules (or rows of them: a
table), told in C, so that rewriting what the new code made (`_canonical`)
need not walk them; which are rewritten through their own methods (the
weak ones too: a registry that holds classes weakly); where the standard
library's containers that wrap others keep their items; what an instance
holds (its own `__dict__`, past any code of its class, and its slots) and its
plain state, by which two versions of a sentinel are told equal. It only
looks.
"""

import collections
import gc
import itertools
import struct
import types
import weakref
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

#: Values that are never mapped and hold nothing of the new code.
CONSTANT_KINDS = frozenset((types.ModuleType, str, int, float, bytes, bool, type(None)))
#: Values of a module namespace that are never instances of the module's classes.
NOT_INSTANCES = frozenset((
    type(None), str, int, float, bool, bytes, tuple, list, dict, set, frozenset,
    types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type,
))
#: Containers of the standard library that keep their items in others.
WRAPPING = (collections.ChainMap, collections.UserDict, collections.UserList, collections.deque)
#: Mappings rewritten item by item: dicts, and the standard library's weak ones.
MAPPINGS = (dict, weakref.WeakKeyDictionary, weakref.WeakValueDictionary)
#: What is rewritten in place through its own methods: lists, sets, and the mappings.
CONTAINERS = (list, set, weakref.WeakSet) + MAPPINGS


def constants(items: Any) -> bool:
    """Whether `items` are constants and modules, or rows (tuples) of them; told in C."""
    kinds = set(map(type, items))
    if kinds == {tuple}:
        return CONSTANT_KINDS.issuperset(map(type, itertools.chain.from_iterable(items)))
    return kinds <= CONSTANT_KINDS


def parts(container: Any) -> List[Any]:
    """Where a ChainMap, UserDict, UserList or deque (a `WRAPPING` one) keeps its items:
    the dicts of a ChainMap's maps, the `data` of the others, a deque itself."""
    if isinstance(container, collections.ChainMap):
        return [part for part in container.maps if isinstance(part, dict)]
    return [container] if isinstance(container, collections.deque) else [container.data]


def plain_state(thing: Any, state: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """What an instance of Python classes holds in its slots and `__dict__` (`state`, its
    `layout_state`), when that is all constants (`returns`' `Nothing`, a named
    sentinel); else None."""
    if state is None or constants(state.values()):
        return state
    # A sentinel naming itself (glom's `T.__ops__ = (T,)`): compared as itself.
    state = {key: _without(value, thing) for key, value in state.items()}
    return state if constants(state.values()) else None


#: A slot that holds nothing, in a `layout_state`; what stands for the instance itself.
UNSET = b"\0unset"
_ITSELF = b"\0itself"


def _without(value: Any, thing: Any) -> Any:
    if value is thing:
        return _ITSELF
    if type(value) is tuple and any(item is thing for item in value):  # no __eq__ runs
        return tuple(_ITSELF if item is thing else item for item in value)
    return value


def slots_of(thing: Any) -> Optional[Dict[str, Any]]:
    """What the slots of an instance of Python classes hold, by attribute name (`UNSET`
    for an empty one), read through their descriptors; None if one is not a plain slot."""
    kind = type(thing)
    state: Dict[str, Any] = {}
    for cls in kind.__mro__[:-1]:
        names = vars(cls).get("__slots__", ())
        for name in (names,) if isinstance(names, str) else names:
            if name in ("__dict__", "__weakref__"):
                continue
            if name.startswith("__") and not name.endswith("__"):
                name = "_{}{}".format(cls.__name__.lstrip("_"), name)
            slot = vars(cls).get(name)
            if type(slot) is not types.MemberDescriptorType:
                return None
            try:
                state[name] = slot.__get__(thing, kind)
            except AttributeError:
                state[name] = UNSET
    return state


def layout_state(thing: Any) -> Optional[Dict[str, Any]]:
    """What an instance of Python classes holds, when that is all it holds: its slots by
    attribute name (`UNSET` for an empty one) and its `__dict__`'s items as ".key";
    None when its class or a built-in base keeps data of its own."""
    kind = type(thing)
    state = slots_of(thing)
    if state is None:
        return None
    slots = list(state)
    if kind.__dictoffset__:
        attributes = attributes_of(thing)
        if attributes is None:
            return None
        state.update(("." + key, value) for key, value in attributes.items())
        slots.append("__dict__")
    if kind.__itemsize__:
        return None
    # A built-in base holding data of its own (an int subclass) makes it larger.
    size = _sizes.get(tuple(slots))
    if size is None:
        try:
            size = type("probe", (), {"__slots__": tuple(slots)}).__basicsize__
        except (TypeError, ValueError):
            size = -1
        _sizes[tuple(slots)] = size
    return state if size == kind.__basicsize__ - (kind.__weakrefoffset__ > 0) * _POINTER else None


_POINTER = struct.calcsize("P")
#: The size of an instance of a plain class with these slots, by their names; -1: none.
_sizes: Dict[Tuple[str, ...], int] = {}


def attributes_of(thing: Any) -> Optional[Dict[str, Any]]:
    """The object's own `__dict__`, past any `__getattr__` of its, or None; None too when
    its class puts code of its own in place of `__dict__` (a proxy's property, which
    may evaluate what it stands for: celery's tasks): nothing of the object runs."""
    for cls in type(thing).__mro__:
        found = class_dict(cls).get("__dict__")
        if found is not None:
            if type(found) not in _DICT_DESCRIPTORS:
                return None
            break
    try:
        attributes = object.__getattribute__(thing, "__dict__")
    except Exception:  # no __dict__
        return None
    return attributes if type(attributes) is dict else None


#: What gives an object its own `__dict__`, written in C.
_DICT_DESCRIPTORS = (types.GetSetDescriptorType, types.MemberDescriptorType)
#: A class's own dictionary, asked of `type` itself (never a metaclass's attribute).
class_dict: Callable[[type], Mapping[str, Any]] = vars(type)["__dict__"].__get__


def held_state(thing: Any, layout: Any) -> Any:
    """What an instance holds: its slots and `__dict__` (its `layout_state`), or else
    its `__dict__` alone, or its slots alone (a proxy's `__dict__` is out of reach)."""
    if layout is not None:
        return layout
    attributes = attributes_of(thing)
    if attributes is None:
        return slots_of(thing)
    return {"." + k: v for k, v in attributes.items()}


def held_functions(thing: Any) -> Dict[str, types.FunctionType]:
    """The functions an object holds itself (in a slot, an attribute, or a field of a
    wrapper written in C, as wrapt's), by qualified name, where one alone has the name.
    Told from the referents the collector lists: none of its code runs."""
    found: Dict[str, Optional[types.FunctionType]] = {}
    for referent in gc.get_referents(thing):
        # Its __dict__ is one referent before 3.11, its values are from 3.11 on.
        for value in referent.values() if type(referent) is dict else (referent,):
            if type(value) is types.FunctionType:
                name = value.__qualname__
                found[name] = value if found.get(name, value) is value else None
    return {name: function for name, function in found.items() if function is not None}


#: Keys a dict finds with no code of their own run (their hash and == are C's).
_PLAIN_KEYS = frozenset((str, int, float, bool, bytes, type(None)))


def _plain_key(key: Any, depth: int = 0) -> bool:
    kind = type(key)
    if kind in _PLAIN_KEYS:
        return True
    if kind is tuple:
        return depth < 2 and all(_plain_key(item, depth + 1) for item in key)
    return issubclass(kind, type) and kind.__hash__ is object.__hash__ and (
        kind.__eq__ is object.__eq__)


def same_place(old: Any, new: Any) -> List[Tuple[Any, Any]]:
    """The functions two versions of a dict hold under one key (found with no code of
    their own run), or a tuple of one length holds at one index: a table of lambdas
    (`TRANSFORMS = {Upper: lambda ...}`), a dispatcher's `funcs`, a proxy's `(fun,)`."""
    kind = type(old)
    if kind is not type(new):
        return []
    if kind is dict:
        pairs = [(item, new.get(key)) for key, item in list(old.items())
                 if type(item) is types.FunctionType and _plain_key(key)]
    elif kind is tuple and len(old) == len(new):
        pairs = list(zip(old, new))
    else:
        return []
    return [(a, b) for a, b in pairs if type(a) is types.FunctionType is type(b)]


def values_of(mapping: Any) -> Any:
    """A mapping's values; a dict subclass's read as a dict's, as its own `values()` may
    take other arguments or run code (cherrypy's `HeaderMap.values(key)`)."""
    return dict.values(mapping) if isinstance(mapping, dict) else mapping.values()


def entries(mapping: Any) -> List[Tuple[Any, Any]]:
    """A mapping's (key, value) pairs, a dict subclass's read as a dict's (`values_of`)."""
    return list(dict.items(mapping) if isinstance(mapping, dict) else mapping.items())


def same_sentinel(old: Any, new: Any) -> bool:
    """Whether two objects of one class hold the same constants (`plain_state`), and no
    weak reference was taken of the new one (nothing registered it): one sentinel, which
    old data holds as the old one (`MISSING = _Sentinel("MISSING")`, a state object)."""
    state = plain_state(old, layout_state(old))
    return state is not None and state == plain_state(new, layout_state(new)) and not (
        weakref.getweakrefcount(new))
