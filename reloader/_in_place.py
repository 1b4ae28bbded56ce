"""Functions of a module that a kept object held, replaced in that object by the new code.

A module may put its functions into an object of another module's class that
outlives the reload: multipledispatch's `@dispatch` finds the module's
dispatcher in a registry of its own and sets the new function in the
dispatcher's `funcs`, over the old one. The old and the new namespace then
bind the same object, matching them pairs nothing, and the function it
replaced, still held by objects from before (a dispatcher kept from an
earlier reload of the package), would keep the old code, silently.

`before()` notes, just before the module's code runs again, the module's
functions such objects hold: in an attribute or a slot, or in a dict or
tuple there. `replaced()` pairs each, once the code ran, with the function
of the same name the object now holds in its place.
"""

import types
from typing import Any, Dict, Hashable, List, Tuple

from ._containers import NOT_INSTANCES, held_state, layout_state

#: Where a function is held: (attribute or slot, key or index; None for the value itself).
Where = Tuple[str, Hashable]
#: An object a namespace binds, and the functions of the module it holds.
Noted = List[Tuple[Any, Dict[Where, types.FunctionType]]]



def _held(thing: Any, namespace: Dict[str, Any]) -> Dict[Where, types.FunctionType]:
    found: Dict[Where, types.FunctionType] = {}
    state = held_state(thing, layout_state(thing))
    for attribute, value in state.items() if state else ():
        kind = type(value)
        if kind is types.FunctionType:
            items: Any = ((None, value),)
        elif kind is dict:
            items = list(value.items())
        elif kind is tuple:
            items = enumerate(value)
        else:
            continue
        for where, item in items:
            if type(item) is types.FunctionType and item.__globals__ is namespace:
                found[(attribute, where)] = item
    return found


def before(namespace: Dict[str, Any]) -> Noted:
    """The objects of other modules' classes that `namespace` binds, with the functions
    of its module each holds (none: not noted)."""
    module = namespace.get("__name__")
    noted: Noted = []
    for key, thing in list(namespace.items()):
        kind = type(thing)
        if kind in NOT_INSTANCES or key[:2] == "__" == key[-2:] or issubclass(
                kind, type) or getattr(kind, "__module__", None) == module:
            continue  # the import system's `__spec__` and `__loader__` hold none of its own
        held = _held(thing, namespace)
        if held:
            noted.append((thing, held))
    return noted


def replaced(noted: Noted, namespace: Dict[str, Any]) -> List[Tuple[Any, Any]]:
    """(old, new) for each noted function that a function of the same name, defined in
    `namespace` (the new code's), now stands in place of, in an object `namespace` binds."""
    if not noted:
        return []
    pairs = []
    bound = {id(value) for value in namespace.values()}
    for thing, held in noted:
        if id(thing) not in bound:
            continue  # the new code binds another object: matching pairs what that holds
        now = _held(thing, namespace)
        for where, old in held.items():
            new = now.get(where)
            if new is not None and new.__qualname__ == old.__qualname__:
                pairs.append((old, new))
    return pairs
