"""Make the new code's names and containers point at the objects that stand for the new ones.

When an old class was patched in place, or an old enum member kept, it is
the canonical object and the new one is discarded. This module keeps that
map (new object -> canonical old object) and rewrites what the new code
made before the map existed: module names, the lists, dicts (keys and
values), sets and tuples a module or class holds (the standard library's
ChainMap, UserDict, UserList and deque too: `_containers`) and what they
hold a few levels down (registries filled at import time, a tuple in a
dict, a named tuple rebuilt), the attributes of the instances of the
module's own classes found there, and what functions hold (`_closures`);
`_reached` looks again, and further, once every class is patched. A
container that refuses the rewrite is never half-rewritten: it fails the
reload (`Unrewritable`), as new code reading it would meet two versions
of the same objects.

It must not walk the heap, and must not change anything but those.
"""

import collections
import operator
import types
import weakref
from typing import Any, Dict, List, Optional, Set, Tuple

from . import _annotations
from ._closures import settle_function
from ._containers import (
    CONSTANT_KINDS,
    CONTAINERS,
    MAPPINGS,
    WRAPPING,
    attributes_of,
    constants,
    entries,
    parts,
    values_of,
)
from ._journal import Journal, put_item, refill
from ._pairing import functions_of

_MISSING = object()
_WEAK = frozenset((weakref.WeakKeyDictionary, weakref.WeakValueDictionary, weakref.WeakSet))
#: What a module name holds that is made again around the canonical objects.
_REBUILT = _annotations.ALIASES | {types.MethodType}
_BUILT_IN = (list, dict, set)


class Unrewritable(TypeError):
    """A container the new code filled refuses to hold the canonical objects: the reload fails."""

    refusal = True  # a reason to refuse the user's code, not reloader failing (see blame)


class Canon:
    """The map from discarded new objects to the old objects that stand for them."""

    def __init__(self, journal: Journal, notes: Dict[str, str]) -> None:
        self.journal = journal
        self.notes = notes
        #: id(new object) -> new object, and -> the old one standing for it (no tuples).
        self.new: Dict[int, Any] = {}
        self.old: Dict[int, Any] = {}
        #: The namespace of the module being updated; ids of those of every new module.
        self.home: Optional[Dict[str, Any]] = None
        self.fresh: Set[int] = set()
        #: Containers looked into, where, from which namespace, how many objects were
        #: mapped then, how deep: code run later may have put new ones there (`_reached`).
        self.looked: List[Tuple[Any, str, Optional[Dict[str, Any]], int, int]] = []
        #: Objects of other modules' classes in the new code's containers: `_reached`'s.
        self.met: List[Tuple[Any, str]] = []

    def map(self, new: Any, old: Any) -> None:
        self.new[id(new)], self.old[id(new)] = new, old

    def rollback(self, mark: int) -> None:
        """Forget what was mapped since `mark` (a class that could not be patched)."""
        for key in list(self.new)[mark:]:
            del self.new[key]
            del self.old[key]

    def get(self, thing: Any) -> Any:
        """The object that stands for `thing`: itself unless it was discarded."""
        return self.old[id(thing)] if self.new.get(id(thing), _MISSING) is thing else thing

    def __bool__(self) -> bool:
        return bool(self.new)

    def namespace(self, name: str, namespace: Dict[str, Any], patched: Any) -> None:
        """Point a new module's names, and what they hold, at the canonical objects."""
        if not self.new:  # nothing yet: its registries, for a later module's classes
            for key, value in namespace.items():
                if not key[:2] == "__" == key[-2:] and issubclass(type(value), CONTAINERS):
                    self.looked.append((value, "{}.{}".format(name, key), namespace, 0, 0))
            return
        new = self.new
        for key, value in list(namespace.items()):
            kind = type(value)
            if kind in CONSTANT_KINDS:
                continue  # modules, constants: never mapped, nothing of the new code
            if new.get(id(value), _MISSING) is value:
                namespace[key] = old = self.old[id(value)]  # the new module: nothing to undo
                if issubclass(kind, type):
                    _annotations.settle_class(self, old, "{}.{}".format(name, key))
                continue
            if key[:2] == "__" == key[-2:]:  # __builtins__, __spec__...: none of the new code
                if key == "__annotations__":
                    _annotations.settle_annotations(self, value, name)
                continue
            if kind is tuple or kind is frozenset or kind in _REBUILT:
                namespace[key] = self.settled(value)  # the same object unless rebuilt
            elif issubclass(kind, type):
                if value.__module__ == name and id(value) not in patched:
                    self.split_class(value, name)
                    _annotations.settle_class(self, value, "{}.{}".format(name, key))
            elif issubclass(kind, tuple):
                namespace[key] = self.settled(value)  # a named tuple: rebuilt, or itself
            else:
                self.member(value, name, key)

    def split_class(self, cls: type, module: str) -> None:
        """A new class in use beside its old one: what its body holds, and a class or
        member of the module patched after the body ran."""
        for key, member in list(cls.__dict__.items()):
            if self.new.get(id(member), _MISSING) is member:
                try:
                    type.__setattr__(cls, key, self.old[id(member)])
                except TypeError as error:  # a metaclass that refuses type.__setattr__
                    self.notes["{}.{}.{}".format(module, cls.__qualname__, key)] = (
                        "it keeps the new object its class body made ({})".format(error))
            else:
                self.member(member, module, cls.__qualname__)

    def member(self, member: Any, module: str, name: str) -> None:
        """Point what `module.name` holds at the canonical objects."""
        kind = type(member)
        if kind is types.FunctionType:
            settle_function(self, member)
            _annotations.settle_function(self, member)
        elif kind in (classmethod, staticmethod, property):
            for function in functions_of(member):
                settle_function(self, function)
        else:
            self.look(member, "{}.{}".format(module, name))

    def look(self, thing: Any, where: str, again: bool = True) -> None:
        """Point what a container, or an instance of the module's classes, holds at the
        canonical objects; with `again`, remember to look once more when all are mapped."""
        kind = type(thing)
        if kind is tuple or kind is frozenset:
            self.settled(thing, where=where)
            return
        depth, containers = (0, [thing]) if issubclass(kind, CONTAINERS) else (
            1, self.inside(thing, kind))
        for container in containers:
            if again:
                self.looked.append((container, where, self.home, len(self.new), depth))
            self.container(container, where, depth)

    def inside(self, value: Any, kind: type) -> List[Any]:
        """Where a ChainMap, UserDict... (`WRAPPING`) or an instance of the module's own
        classes keeps what it holds; nothing for other objects."""
        if issubclass(kind, WRAPPING):
            return parts(value)
        if self.home is not None and getattr(kind, "__module__", None) == self.home.get(
                "__name__") and not issubclass(kind, type):
            attributes = attributes_of(value)  # an instance the module made (frozen too)
            return [attributes] if attributes is not None else []
        return []

    def settled(self, value: Any, depth: int = 0, where: str = "") -> Any:
        """What stands for `value`: its canonical object, a tuple or frozenset rebuilt around
        those, or itself, rewritten in place a few levels down (a list, dict, set, an
        instance of the module's classes, the closure of a function the new code made)."""
        if self.new.get(id(value), _MISSING) is value:
            return self.old[id(value)]
        kind = type(value)
        if kind in CONSTANT_KINDS or depth > 3:
            return value
        if kind is types.FunctionType:
            if id(value.__globals__) in self.fresh:  # made by new code: its closure cells
                settle_function(self, value, depth + 1)
            return value
        if kind is tuple or kind is frozenset:
            if constants(value):
                return value
            items = [self.settled(item, depth + 1, where) for item in value]
            return kind(items) if any(map(operator.is_not, items, value)) else value
        if kind in _annotations.ALIASES:  # List[Inner]: made again around the old class
            return _annotations.rebuilt(self, value, depth, where)
        if kind is types.MethodType:
            return self._bound(value)
        if kind in _WEAK or issubclass(kind, _BUILT_IN):  # a defaultdict, OrderedDict too
            self.container(value, where, depth + 1)
        elif issubclass(kind, tuple):
            return self._named_tuple(value, kind, depth, where)
        else:
            inside = self.inside(value, kind)
            for part in inside:
                self.container(part, where, depth + 1)
            if not inside and depth < 2 and id(self.home) in self.fresh \
                    and not issubclass(kind, type):
                self.met.append((value, where))  # a field object in a schema's dict
        return value

    def _bound(self, method: Any) -> Any:
        # A method bound to a discarded class (`make = Model.from_yaml`, a
        # classmethod): bound again to the old one, as the old class's own.
        owner = method.__self__
        canonical, function = self.get(owner), method.__func__
        if canonical is owner:
            return method
        for cls in canonical.__mro__ if isinstance(canonical, type) else ():
            entry = cls.__dict__.get(getattr(function, "__name__", ""))
            if entry is not None:
                if type(entry) is classmethod and getattr(
                        entry.__func__, "__qualname__", None) == function.__qualname__:
                    function = entry.__func__  # its super() finds the old class
                break
        made = types.MethodType(function, canonical)
        self.map(method, made)
        return made

    def _named_tuple(self, value: Any, kind: type, depth: int, where: str) -> Any:
        # Rebuilt around the canonical objects (bidict's `OnDup(val=RAISE)`), and
        # mapped: a default value or a name holding it finds the rebuilt one.
        make = getattr(kind, "_make", None)
        if type(getattr(kind, "_fields", None)) is not tuple or make is None or constants(value):
            return value
        items = [self.settled(item, depth + 1, where) for item in value]
        if all(map(operator.is_, items, value)):
            return value
        rebuilt = make(items)
        self.map(value, rebuilt)
        return rebuilt

    def container(self, container: Any, where: str, depth: int = 0) -> None:
        """Rewrite a list, dict or set, and what it holds; report it if it refuses."""
        mapping = isinstance(container, MAPPINGS)
        items = values_of(container) if mapping else container
        if constants(items) and (not mapping or constants(container)):
            return  # nothing to rewrite or look into
        settled = self.settled
        keys: Dict[Any, Any] = {}
        if isinstance(container, (list, collections.deque)):
            changes = [(i, x, settled(x, depth, where)) for i, x in enumerate(container)]
        elif mapping:
            pairs = entries(container)  # a dict subclass read as a dict (cherrypy's HeaderMap)
            keys = {k: settled(k, depth, where) for k, _ in pairs}
            changes = [(k, v, settled(v, depth, where)) for k, v in pairs]
            if all(map(operator.is_, keys, keys.values())):
                keys = {}
        elif isinstance(container, (set, frozenset, weakref.WeakSet)):
            changes = [(x, x, settled(x, depth, where)) for x in container]
        else:
            return
        changes = [change for change in changes if change[2] is not change[1]]
        if not changes and not keys:
            return
        mark = self.journal.mark()
        try:
            if keys:  # keys that are replaced objects: rebuilt whole, in its order
                self._rekey(container, keys, {key: new for key, _, new in changes})
            elif mapping or isinstance(container, (list, collections.deque)):
                for key, item, new in changes:
                    container[key] = new
                    self.journal.log(put_item, container, key, item)
            else:
                for item, _, new in changes:
                    container.discard(item)
                    self.journal.log(container.add, item)
                    container.add(new)
                    self.journal.log(container.discard, new)
        except Exception as error:  # a container that refuses writes
            failures = self.journal.undo(mark)
            # New code reads it as it is: it would meet the new objects there
            # and the old ones elsewhere (an enum's members, which then do not
            # even combine), never one set. The reload must fail.
            raise Unrewritable(
                "cannot update {!r}: it holds new objects that old ones stand for (a "
                "class, an enum's members) and refused the rewrite ({}: {}), so new code "
                "would meet both{}".format(
                    where, type(error).__name__, error, "".join("; " + f for f in failures)
                )
            ) from error

    def _rekey(self, container: Dict[Any, Any], keys: Dict[Any, Any],
               values: Dict[Any, Any]) -> None:
        # Keys that are replaced objects (enum members): the dict is rebuilt
        # in its order, as lookups by the old objects must find them. Where the
        # old object is a key already, its entry stays: what the new code made
        # for the new object may hold it where no rewrite reaches (a closure).
        before = entries(container)
        kept = {id(k) for k in keys if keys[k] is k}
        rebuilt = [(keys[k], values.get(k, v)) for k, v in before
                   if keys[k] is k or id(keys[k]) not in kept]
        container.clear()
        self.journal.log(refill, container, before)
        container.update(rebuilt)
