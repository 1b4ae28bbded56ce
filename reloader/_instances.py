"""Find the instances the new code made of new classes that old ones are to stand for.

A class patched in place discards its new version, of which the module's
code may already have made instances: at module level, and also in class
attributes, containers and other objects' attributes (a grammar's parts, a
model's fields). Each must become an instance of the old class, or new code
meets two versions of one class. Whether a new class has instances beyond
those the caller knows is told from its reference count (each instance holds
its class), against what its own parts and subclasses hold; only then are
the objects made since the module was created looked at: the end of the
collector's youngest generation, which holds them in the order they were
made while the reload keeps the collector paused. Python 3.7 cannot list one
generation: there the objects that existed before the reload are frozen out
of the collector's lists while it runs (`frozen_out`), unless the program
froze some itself, and then the caller is told that it cannot find them.

`reclass` then moves them to the old class. Besides that, it changes nothing
but, on Python 3.7, which generation the objects older than the reload are in.
"""

import contextlib
import gc
import sys
from types import GetSetDescriptorType
from typing import Any, Dict, Iterator, List, Optional, Sequence

from ._held import _CALLED, class_parts
from ._journal import Journal

#: The layout descriptors most classes have, each holding its class.
_USUAL = ("__dict__", "__weakref__")
#: Whether gc.get_objects() takes a generation (Python 3.8 and later).
BY_GENERATION = sys.version_info >= (3, 8)
_frozen = [False]  # Python 3.7: whether the objects older than this reload are frozen out


@contextlib.contextmanager
def frozen_out() -> Iterator[None]:
    """While a reload runs (collector paused): on Python 3.7, list only what it makes.

    Frozen objects are left out of the collector's lists until thawed, when
    they join the oldest generation. Nothing is done when the program froze
    objects itself: thawing would undo that.
    """
    if BY_GENERATION or gc.get_freeze_count():
        yield
        return
    gc.freeze()
    _frozen[0] = True
    try:
        yield
    finally:
        _frozen[0] = False
        gc.unfreeze()


def _usual_parts(cls: type) -> int:
    """What `_held.class_parts` counts of the parts most classes have: its
    `__mro__`, and the `__dict__` and `__weakref__` descriptors."""
    parts = 1
    attributes = cls.__dict__
    for key in _USUAL:
        descriptor = attributes.get(key)
        if type(descriptor) is GetSetDescriptorType and descriptor.__objclass__ is cls:
            parts += 1
    return parts


def unknown_references(cls: type, holders: int, known: int) -> int:
    """How many references to `cls` remain beyond `holders`, its own parts, its
    subclasses and `known` instances: more instances, or other holders.

    Call it with a variable of the caller, as `_held.unheld`.
    """
    count = sys.getrefcount(cls) - holders - _CALLED - known
    if count <= _usual_parts(cls):  # told first: most classes need nothing else
        return 0
    count -= class_parts(cls)
    if count <= 0:
        return 0
    seen = set()
    stack = type.__subclasses__(cls)
    while stack:
        subclass = stack.pop()
        if id(subclass) in seen:
            continue
        seen.add(id(subclass))
        # Its method resolution order, its bases and its primary base hold `cls`.
        count -= subclass.__mro__.count(cls) + subclass.__bases__.count(cls)
        count -= subclass.__base__ is cls
        stack.extend(type.__subclasses__(subclass))
    return max(count, 0)


def made_during_reload(classes: Dict[int, type], module: object) -> Optional[Dict[int, List[Any]]]:
    """The instances of `classes` (id -> class) among the objects made since
    `module` was (the young generation from its end back to `module`); None
    where the generation cannot be listed."""
    if BY_GENERATION:
        young = gc.get_objects(generation=0)  # novermin: told apart by BY_GENERATION
    elif _frozen[0]:
        young = gc.get_objects()  # only what was made since the reload froze the rest
    else:
        return None
    found: Dict[int, List[Any]] = {}
    for index in range(len(young) - 1, -1, -1):
        thing = young[index]
        if thing is module:
            break  # made before the module's code ran: none of its classes existed
        kind = type(thing)
        if classes.get(id(kind)) is kind:
            found.setdefault(id(kind), []).append(thing)
    return found


def merged(known: Sequence[Any], found: Sequence[Any]) -> List[Any]:
    """`known` and then what `found` adds, each object once."""
    result = list(known)
    ids = set(map(id, result))
    result.extend(thing for thing in found if id(thing) not in ids)
    return result



def reclass(journal: Journal, instances: Sequence[Any], new: type, old: type) -> None:
    """Make each of `instances` still of class `new` an instance of `old`, journaled."""
    for instance in instances:
        if type(instance) is new:
            journal.set_class(instance, old)
