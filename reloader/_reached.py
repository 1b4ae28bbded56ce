"""Point what the new code stored where it was looked at too early, or not at all, at the
canonical objects.

A module's names and containers are made canonical when its code finishes
(`_canonical`), yet code that runs later stores its new objects there too:
a plug-in module registering its classes in a registry module reloaded
before it, a subclass appending itself to its base class's list. And new
code stores them in modules that are not reloaded: a library's registry,
the module the reloaded one imports its `register` from. Once every class
is patched, `settle()` looks again at what was looked into before the last
object was mapped, and at the namespaces the new modules reach in one step
(the modules they import, the modules of the functions, classes and
instances they hold) and the dictionaries of the patched classes' bases:
their names, containers, and the instances of their own classes, a few
levels down, and what later code set on the patched classes. Every write
there goes into the journal. Last, the standard
library's registries: warnings filters and logging handlers and filters.

What no such look reaches (a closure of a library's function) keeps the new
class, which stays whole on the new code (`_body.for_class`). It must not
walk the heap.
"""

import sys
import types
import warnings
from typing import Any, Dict, Iterable, List, Set, Tuple

from ._canonical import Canon
from ._closures import settle_function
from ._containers import CONSTANT_KINDS, CONTAINERS, attributes_of, class_dict, slots_of
from ._journal import put_item
from ._registries import loggers_holding

#: What a class dictionary holds that never keeps a registration.
_INERT = CONSTANT_KINDS | {types.FunctionType, property, classmethod, staticmethod}
_NOT_OBJECTS = (type, types.ModuleType) + CONTAINERS


def settle(canon: Canon, modules: List[types.ModuleType], names: Set[str],
           reloaded: Iterable[Dict[str, Any]], patched: Iterable[type],
           split: Iterable[type] = ()) -> None:
    """Look again, with `canon` complete, where new code may have stored new objects.

    `modules`: the new modules, imported as `names`; `reloaded`: the
    namespaces of this reload's modules, old and new (they are looked at, or
    mirrored, on their own); `patched`: the new classes patched onto old ones;
    `split`: the new classes left beside their old ones (what later code set
    on them too: alembic's proxies on its `Operations`).
    """
    if not canon:
        return
    home = canon.home
    count = len(canon.new)
    looked, canon.looked = canon.looked, []
    names = names | {"builtins"}
    ids = set(map(id, reloaded))
    try:
        _again(canon, looked, count)
        namespaces, classes = _neighbours(modules, ids, names)
        for namespace in namespaces:
            _namespace(canon, namespace, classes)
        _library_objects(canon, modules, classes)
        for cls in split:
            canon.split_class(cls, cls.__module__)
        for cls in patched:
            _set_later(canon, cls)
            classes.extend(base for base in cls.__bases__ if base is not object)
            if type(cls) is not type:
                classes.append(type(cls))  # a metaclass's registry
        _class_dicts(canon, classes, names)
        _registries(canon)
    finally:
        canon.home = home


def _set_later(canon: Canon, new: type) -> None:
    """What code that ran after `new` was patched onto its old class set there (alembic's
    proxy methods, made by `exec()` in a namespace naming the class they serve)."""
    old = canon.get(new)
    attributes, body = class_dict(old), class_dict(new)
    if old is new or len(attributes) <= len(body):  # told by the sizes: most have nothing
        return
    for key in attributes.keys() - body.keys():
        value, where = attributes[key], "{}.{}".format(old.__qualname__, key)
        if type(value) in _INERT:  # a function, descriptor or constant: what it holds
            canon.member(value, old.__module__, where)
        else:
            _held(canon, value, where)


def _again(canon: Canon, looked: List[Tuple[Any, str, Any, int, int]], count: int) -> None:
    """Look again into what was looked into before the last of `count` objects was mapped."""
    for container, where, namespace, mark, depth in looked:
        if mark < count:
            canon.home = namespace
            canon.container(container, where, depth)


def _neighbours(modules: Iterable[types.ModuleType], reloaded: Set[int],
                names: Set[str]) -> Tuple[List[Dict[str, Any]], List[type]]:
    """The namespaces of the modules not reloaded that the new modules' names are, or
    come from, and the classes of those modules they name. `names`: the modules reloaded."""
    namespaces: List[Dict[str, Any]] = []
    classes: Dict[int, type] = {}
    done = set(reloaded)
    kinds: Set[int] = set()
    for module in modules:
        for value in module.__dict__.values():
            kind = type(value)
            if kind is types.FunctionType:
                namespace = value.__globals__
            elif kind is types.ModuleType:
                namespace = value.__dict__
            elif kind in CONSTANT_KINDS or id(kind) in kinds:
                continue
            else:
                is_class = issubclass(kind, type)
                if not is_class:
                    kinds.add(id(kind))  # instances: one look a class
                name = (value if is_class else kind).__module__  # type's own attribute
                if type(name) is not str or name in names:
                    continue  # the reload's own classes and their instances, builtins
                holder = sys.modules.get(name)
                if type(holder) is not types.ModuleType:
                    continue
                namespace = holder.__dict__
                if is_class:
                    classes[id(value)] = value
            if id(namespace) not in done:
                done.add(id(namespace))
                namespaces.append(namespace)
    return namespaces, list(classes.values())


def _namespace(canon: Canon, namespace: Dict[str, Any], classes: List[type]) -> None:
    """A namespace not reloaded: its names, containers and instances of its classes; its
    classes go to `classes`."""
    canon.home = namespace
    module = namespace.get("__name__")
    new = canon.new
    for key, value in list(namespace.items()):
        kind = type(value)
        if kind in CONSTANT_KINDS or kind is types.FunctionType or key[:2] == "__" == key[-2:]:
            continue
        if new.get(id(value)) is value:
            _put(canon, namespace, key, canon.old[id(value)])
        elif issubclass(kind, type):
            if value.__module__ == module:
                classes.append(value)
        elif kind is tuple or kind is frozenset:
            settled = canon.settled(value, where="{}.{}".format(module, key))
            if settled is not value:
                _put(canon, namespace, key, settled)
        else:
            canon.look(value, "{}.{}".format(module, key), again=False)


def _library_objects(canon: Canon, modules: Iterable[types.ModuleType],
                     classes: List[type]) -> None:
    """What the objects of other modules' classes that a new module holds keep, a few
    attributes down: a converter's registry keyed by the classes registered at import
    (cattrs' `Converter`); also those met in the new code's containers. Each object
    once; their classes go to `classes` (ruamel's constructors keep what
    `register_class` added in their class dictionary)."""
    seen: Set[int] = set()
    canon.home = None
    for module in modules:
        for key, value in list(module.__dict__.items()):
            kind = type(value)
            if not key[:2] == "__" == key[-2:] and _is_object(kind) \
                    and getattr(kind, "__module__", None) != module.__name__:  # __spec__: no
                _attributes(canon, value, "{}.{}".format(module.__name__, key), 0, seen, classes)
    met, canon.met = canon.met, []
    for value, where in met:  # in the new code's containers (marshmallow's declared fields)
        if _is_object(type(value)):
            _attributes(canon, value, where, 0, seen, classes)


def _attributes(canon: Canon, thing: Any, where: str, depth: int, seen: Set[int],
                classes: List[type]) -> None:
    if id(thing) in seen:
        return
    seen.add(id(thing))
    classes.append(type(thing))
    attributes = attributes_of(thing)
    values = list(attributes.values()) if attributes else []
    if attributes:
        canon.container(attributes, where, 2)  # and the items of containers held there
    slots = slots_of(thing) if "__slots__" in class_dict(type(thing)) else None
    for key, value in slots.items() if slots else ():  # rewritten through their descriptors
        values.append(canon.settled(value, 2, where))
        if values[-1] is not value:
            slot = next(vars(c)[key] for c in type(thing).__mro__ if key in vars(c))
            slot.__set__(thing, values[-1])
            canon.journal.log(slot.__set__, thing, value)
    if depth < 2:
        for value in values:
            kind = type(value)
            if kind is types.FunctionType:  # what a library function holds (singledispatch)
                if id(value) not in seen:
                    seen.add(id(value))
                    settle_function(canon, value, 1)
            elif _is_object(kind):
                _attributes(canon, value, where, depth + 1, seen, classes)
            elif (kind is list or kind is tuple) and len(value) <= _ITEMS:  # plum's methods
                for item in value:
                    if _is_object(type(item)):
                        _attributes(canon, item, where, depth + 1, seen, classes)


#: How many items of a list or tuple a library object holds are looked into.
_ITEMS = 256


def _is_object(kind: type) -> bool:
    """Whether a value of `kind` is an object with attributes of its own to look into:
    not a function, descriptor, constant, class, module or container."""
    return kind not in _INERT and not issubclass(kind, _NOT_OBJECTS)


def _class_dicts(canon: Canon, classes: Iterable[type], names: Set[str]) -> None:
    """Containers in the dictionaries of classes not reloaded: those the new modules name,
    those of the modules they reach, and the bases and metaclasses of the patched classes
    (a registry `__init_subclass__` or a metaclass fills)."""
    done: Set[int] = set()
    for cls in classes:
        for base in cls.__mro__[:-1]:
            if id(base) in done:
                continue
            done.add(id(base))
            owned = class_dict(base)
            if owned.get("__module__") in names:
                continue  # a reloaded module's class, or a builtin: looked at with its module
            canon.home = None
            for key, value in list(owned.items()):
                if key[:1] == "_" and key[-1:] == "_":
                    continue
                if type(value) not in _INERT:
                    _held(canon, value, "{}.{}".format(base.__qualname__, key))


def _held(canon: Canon, value: Any, where: str) -> None:
    # A container in a class dictionary, or a descriptor a registration put
    # there (pandas' accessors keep the class they make): what it holds.
    kind = type(value)
    if issubclass(kind, CONTAINERS):
        canon.look(value, where, again=False)
    elif not issubclass(kind, type):
        attributes = attributes_of(value)
        if attributes:
            canon.container(attributes, where, 3)


def _put(canon: Canon, namespace: Dict[str, Any], key: str, value: Any) -> None:
    before = namespace[key]
    namespace[key] = value
    canon.journal.log(put_item, namespace, key, before)


def _registries(canon: Canon) -> None:
    """What the new code registered with the standard library names the new classes."""
    filters: List[Any] = warnings.filters  # type: ignore[assignment]
    for index, entry in enumerate(list(filters)):
        category = canon.get(entry[2])
        if category is not entry[2]:
            filters[index] = entry[:2] + (category,) + entry[3:]
            canon.journal.log(put_item, filters, index, entry)
    for logger in loggers_holding():
        for thing in logger.handlers + logger.filters:
            old_class = canon.get(type(thing))
            if old_class is not type(thing):
                try:
                    canon.journal.set_class(thing, old_class)
                except (TypeError, AttributeError) as error:
                    canon.notes["{}.{} instances".format(
                        old_class.__module__, old_class.__qualname__
                    )] = str(error)
