"""Point what a module's new code stored where earlier modules of the reload look at the
canonical objects, as soon as the module finished.

Each module's new classes are mapped to their old versions when its code has run
(`_update`), yet a registry an earlier module made, or a base class keeps, that
this module's code filled still holds the new classes until `_reached.settle()`
looks again once every module ran. Import-time code of a module run in between
would meet both (pint's `UnitRegistry()` reading flexparser's subclass registry;
a zarr array written at import, through zarr's buffer registry). `now()` looks
again at once where the module's code can have stored them: the containers in the
dictionaries of its classes' bases and metaclasses, and those looked into in the
modules whose functions, or module objects, it holds. And a class the new code made
from a class just mapped, with no old version of its own (a subclass the edit added,
rpyc's netref classes a factory made and a dict keeps), takes the old class as its
base at once: it would derive from the discarded one.

It must not look anywhere else: it runs for every module that maps a class.
"""

import types
from typing import Any, Dict, Iterable, List, Set

from ._canonical import Canon
from ._classes import ClassPatcher, TwoHierarchies
from ._containers import CONTAINERS, class_dict
from ._journal import MISSING


def now(canon: Canon, namespace: Dict[str, Any], known: Dict[Any, Any],
        patcher: ClassPatcher) -> None:
    """Look again where the module of `namespace`, which just mapped new classes, may have
    stored them, and rebase the classes made from them. `known` keeps what is known of the
    bases and looked containers for the reload."""
    classes: List[type] = []
    reached: Set[int] = set()
    for value in list(namespace.values()):
        kind = type(value)
        if kind is types.FunctionType:
            reached.add(id(value.__globals__))
        elif issubclass(kind, types.ModuleType):
            reached.add(id(vars(value)))
        elif issubclass(kind, type) and canon.new.get(id(value), MISSING) is value:
            classes.append(value)
    reached.discard(id(namespace))
    _rebase_made(canon, patcher, classes)
    home, canon.home = canon.home, None
    try:
        _bases(canon, classes, known)
        _looked(canon, reached, known)
    finally:
        canon.home = home


def _rebase_made(canon: Canon, patcher: ClassPatcher, classes: List[type]) -> None:
    for new in classes:
        for made in type.__subclasses__(new):
            if canon.new.get(id(made), MISSING) is made or id(made) in patcher.waiting_ids:
                continue  # patched itself, or soon
            patcher.rebase(made)
            why = patcher.unbased.pop(id(made), None)
            if why is not None:
                raise TwoHierarchies(
                    "cannot update class {!r}: class {!r}, which the new code made from it "
                    "and which has no old version{}, so old and new code would meet two class "
                    "hierarchies".format(canon.old[id(new)].__qualname__, made.__qualname__, why))


def _bases(canon: Canon, classes: Iterable[type], known: Dict[Any, Any]) -> None:
    # A registry `__init_subclass__` or a metaclass filled: keys holding containers
    # are listed once per base for the reload (`known`: id -> (base, keys)).
    bases = {id(base): base for cls in classes for base in cls.__mro__[1:-1] + (type(cls),)}
    for number, base in bases.items():
        if number not in known:
            known[number] = (base, [key for key, value in class_dict(base).items() if
                                    issubclass(type(value), CONTAINERS) and not key[:1] == "_"
                                    == key[-1:]])
        owned = class_dict(base)
        for key in known[number][1]:
            if issubclass(type(owned.get(key)), CONTAINERS):
                canon.look(owned[key], "{}.{}".format(base.__qualname__, key), again=False)


def _looked(canon: Canon, reached: Set[int], known: Dict[Any, Any]) -> None:
    # The containers looked into in those namespaces, indexed by namespace as they come.
    index = known.setdefault("looked", [0, {}])
    looked = canon.looked
    for entry in looked[index[0]:]:
        index[1].setdefault(id(entry[2]), []).append(entry)
    index[0] = len(looked)
    for number in reached:
        for container, where, namespace, _, depth in index[1].get(number, ()):
            canon.home = namespace
            canon.container(container, where, depth)
