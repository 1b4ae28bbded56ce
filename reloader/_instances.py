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

`reclass` then moves them to the old class (or, where CPython refuses, has a
copy of the old class stand for each). Besides that, it changes nothing
but, on Python 3.7, which generation the objects older than the reload are in.
"""

import contextlib
import gc
import itertools
import operator
import sys
from types import GetSetDescriptorType, MemberDescriptorType
from typing import Any, Dict, Iterator, List, Sequence, Tuple

from ._containers import UNSET, layout_state
from ._held import _CALLED, class_parts
from ._journal import Journal

#: The layout descriptors most classes have, each holding its class.
_USUAL = ("__dict__", "__weakref__")
#: How many objects one reload's searches list at once before the rest wait (see Search).
LISTED = 200_000
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
        thaw()


def thaw() -> None:
    """The reload lists no more of what it made: let the collector's lists hold
    every object again (Python 3.7, inside `frozen_out`), as when it ends."""
    if _frozen[0]:
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


def can_list() -> bool:
    """Whether the objects made during this reload can be listed apart."""
    return BY_GENERATION or _frozen[0]


def _made_since(classes: Dict[int, type], module: object) -> Tuple[Dict[int, List[Any]], int]:
    """The instances of `classes` (id -> class) among the objects made since `module`
    was (the young generation after it, or all of it for None), and how many were listed.

    Told in passes in C: no code of the objects looked at runs.
    """
    if BY_GENERATION:
        young = gc.get_objects(generation=0)  # novermin: told apart by BY_GENERATION
    else:
        young = gc.get_objects()  # only what was made since the reload froze the rest
    listed = len(young)
    if module is not None:
        for start in itertools.compress(itertools.count(), map(
                operator.is_, young, itertools.repeat(module))):
            del young[:start + 1]  # made before the module's code ran: none of its classes
            break
    found: Dict[int, List[Any]] = {}
    kinds = map(id, map(type, young))
    for thing in itertools.compress(young, map(classes.__contains__, kinds)):
        found.setdefault(id(type(thing)), []).append(thing)
    return found, listed


class Search:
    """The searches of one reload: each at once, until they have listed many objects.

    Listing the young generation costs what it holds, which grows as the
    reload goes on: a package whose every module has a class something
    else holds (a registry) would list it once per module. Past `LISTED`
    objects, the classes wait for one search at the end of the reload
    (`rest`), and the code run meanwhile may meet their new versions.
    """

    def __init__(self) -> None:
        self.listed = 0
        self.waiting: Dict[int, type] = {}

    def find(self, classes: Dict[int, type], module: object) -> Dict[int, List[Any]]:
        """Instances of `classes` made since `module` was; none yet if they wait."""
        if self.listed > LISTED:
            self.waiting.update(classes)
            return {}
        found, listed = _made_since(classes, module)
        self.listed += listed
        return found

    def rest(self) -> List[Tuple[type, List[Any]]]:
        """(class, its instances) for the classes that waited, among all the reload made."""
        waiting, self.waiting = self.waiting, {}
        if not waiting:
            return []
        found, _ = _made_since(waiting, None)
        return [(waiting[key], made) for key, made in found.items()]


def merged(known: Sequence[Any], found: Sequence[Any]) -> List[Any]:
    """`known` and then what `found` adds, each object once."""
    result = list(known)
    ids = set(map(id, result))
    result.extend(thing for thing in found if id(thing) not in ids)
    return result


def reclass(journal: Journal, instances: Sequence[Any], new: type, old: type, canon: Any) -> None:
    """Make each of `instances` still of class `new` an instance of `old`, journaled.

    CPython before 3.12 refuses some classes whose layouts are the same (slots
    that name `__weakref__`: attrs' slotted classes, pyrsistent's `PMap`):
    then a copy made as an instance of `old` stands for it in `canon`, and the
    new code's names and containers get the copy.
    """
    for instance in instances:
        if type(instance) is new:
            try:
                journal.set_class(instance, old)
            except TypeError:
                copy = _twin(instance, old, canon)
                if copy is None:
                    raise
                canon.map(instance, copy)


def _twin(instance: Any, old: type, canon: Any) -> Any:
    """A copy of `instance` made as an instance of `old`, whose layout is the same and
    holds nothing but slots and `__dict__`; None if that cannot be."""
    new = type(instance)
    state = layout_state(instance)
    if state is None or _layout(old) != _layout(new):
        return None
    try:
        copy: Any = object.__new__(old)  # no __new__ or __init__ of the class runs
    except TypeError:  # a built-in base that object.__new__ cannot make
        return None
    holders: Dict[str, Any] = {}
    for cls in old.__mro__:
        for name, value in vars(cls).items():
            if type(value) in (MemberDescriptorType, GetSetDescriptorType):
                holders.setdefault(name, value)
    attributes = holders.get("__dict__")
    for name, value in state.items():
        if name[0] == ".":
            if attributes is None:
                return None
            attributes.__get__(copy, old)[name[1:]] = canon.get(value)
        elif type(holders.get(name)) is not MemberDescriptorType:
            return None
        elif value is not UNSET:
            holders[name].__set__(copy, canon.get(value))
    return copy


def _layout(cls: type) -> Tuple[int, ...]:
    return cls.__basicsize__, cls.__itemsize__, cls.__dictoffset__, cls.__weakrefoffset__
