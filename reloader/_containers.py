"""What a container of the new code holds, told without running its code where that can be.

Which containers hold nothing but constants and modules (or rows of them: a
table), told in C, so that rewriting what the new code made (`_canonical`)
need not walk them; which are rewritten through their own methods (the
weak ones too: a registry that holds classes weakly); and where the
standard library's containers that wrap others keep their items. It only looks.
"""

import collections
import itertools
import types
import weakref
from typing import Any, List

#: Values that are never mapped and hold nothing of the new code.
CONSTANT_KINDS = frozenset((types.ModuleType, str, int, float, bytes, bool, type(None)))
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
