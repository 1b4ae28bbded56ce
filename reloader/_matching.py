"""Match an old module namespace with the new one, name by name, and update what matches.

Classes defined in the module under the same name (`_class_pairs` tells
which) go to the class patcher, bases and metaclasses first; a function
bound to the name it was defined as is paired first, then lambdas and what
decorators made, each old and new object at most once, and only as
versions of one definition; instances the module made at import time go
with their class (those its names do not hold are `_instances`' to find), a
stateless one (a sentinel, also one a factory made) stays the old object,
and functions an instance holds (a command's callback) are paired by
attribute name.

It must not look past the two namespaces and what their objects hold directly.
"""

import enum
import gc
import sys
import types
from typing import Any, Dict, List, Set, Tuple

from . import _class_pairs, _instances
from ._containers import NOT_INSTANCES, held_state, layout_state, same_place, same_sentinel
from ._held import unheld
from ._journal import MISSING
from ._pairing import (
    CALLABLES,
    functions_of,
    qualname,
    same_definition,
    same_function,
    wrapped,
)

#: Values that are never callable: nothing to pair.
_CONSTANTS = frozenset((type(None), str, int, float, bool, bytes, types.ModuleType))
#: What the import system sets, made anew by every import.
_IMPORT_SYSTEM = frozenset(("__spec__", "__loader__"))


def match(update: Any, old_dict: Dict[str, Any], new_dict: Dict[str, Any]) -> None:
    """Pair what `old_dict` and `new_dict` bind to the same names, and update it."""
    # Instances the module made at import time, by id(class): re-classed
    # with their class, or the class is not patched.
    instances: Dict[int, List[Any]] = {}
    keys = []
    # 1. Definitions: a class or function bound to the name it was defined as.
    classes: List[Tuple[type, type]] = []
    later = []
    used: Set[int] = set()
    get = old_dict.get
    name, old_name = new_dict.get("__name__"), old_dict.get("__name__")
    for key, new in new_dict.items():  # nothing below binds a name
        old = get(key, MISSING)
        if old is new or key in _IMPORT_SYSTEM:
            continue  # imported modules, objects of modules not reloaded, interned constants
        new_kind = type(new)
        if new_kind is types.FunctionType and new.__globals__ is not new_dict and (
            new.__globals__.get("__name__") == name
        ):  # an earlier version of its own function, taken back from elsewhere
            update.captured.setdefault(name, []).append(key)
        if new_kind not in NOT_INSTANCES:
            instances.setdefault(id(new_kind), []).append(new)  # classes a metaclass made too
            if not issubclass(new_kind, type):
                keys.append(key)
        if old is MISSING:
            continue
        old_kind = type(old)
        if old_kind is types.FunctionType:
            if (
                new_kind is types.FunctionType
                and old.__qualname__ == key == new.__qualname__
                and old.__module__ == new.__module__
            ):
                used.add(id(new))
                if not unheld(old, 1, weakly=False):  # held by more than the old module
                    update.replaced[id(old)] = (old, new, "")  # rebound in namespaces like __main__
                    update.pairer.pair(old, new)
                else:  # dropped with the old namespace
                    update.pairer.factories.dropped(old, new)
            else:
                later.append(key)
        elif issubclass(old_kind, type):
            if issubclass(new_kind, type) and old.__qualname__ == new.__qualname__ and (
                (new.__module__ == name and old.__module__ == old_name)  # _defined_in, usually
                or (_class_pairs.defined_in(new, new_dict)
                    and _class_pairs.defined_in(old, old_dict))
            ):
                classes.append((old, new))
            elif issubclass(new_kind, type) and new.__module__ == name and (
                    old.__qualname__ == new.__qualname__):
                # Defined here now; the old one names another module (a package
                # that re-exports it rewrote it) and has no function to tell
                # where it was made: left whole, and said so.
                update.replaced[id(old)] = (old, new, "")
                update.not_updated[qualname(old)] = (
                    "its old version names module {!r} and has no function of its own that "
                    "tells it was made here; the new class is a different object and old "
                    "instances keep the old code".format(old.__module__))
            elif issubclass(new_kind, type) and new.__module__ == name:
                # The name was rebound to a subclass made elsewhere (schematics
                # replaces `models.Model`): the class made here is its base, and
                # the subclass made again is looked for there once all code ran.
                update.rebound.append((name, key, old))
                for base in old.__mro__[1:-1]:
                    if base.__qualname__ == new.__qualname__ and base.__module__ == old_name:
                        classes.append((base, new))
                        break
                else:  # another class of the module (`Point = Base`)
                    if new.__qualname__ != key == old.__qualname__:
                        _rebound(update, old, new, _KEPT)
            elif not issubclass(new_kind, type):
                if old.__qualname__ == key and old.__module__ == old_name:  # a factory now
                    _rebound(update, old, new, _KEPT)
            else:
                made = _class_pairs.made_from_here(old, new, old_dict, new_dict)
                classes.extend(made)
                bound = getattr(sys.modules.get(new.__module__), "__dict__", {}).get(
                    new.__qualname__)
                if not made and bound is not new and bound is not old:
                    # Made anew by another module's function (jsonschema's
                    # `validators.extend`, `dataclasses.make_dataclass`), not bound
                    # in the module it names: never patched; said so.
                    update.replaced[id(old)] = (old, new, "")
                    update.not_updated["{}.{}".format(name, key)] = (
                        "a class a function made as this module ran (its module is {!r}), "
                        "not a class statement here: the new class is a different object "
                        "and old instances keep the old class".format(new.__module__))
        elif old_kind in _CONSTANTS:
            continue
        elif old_kind is dict:  # a table of functions, lambdas too, by key
            for one, two in same_place(old, new):
                update.pairer.pair(one, two)
        elif old_kind is not new_kind and old_kind.__qualname__ == key == new_kind.__qualname__ \
                and new_kind.__module__ == name and old_kind.__module__ == old_name:
            classes.append((old_kind, new_kind))  # `@singleton class X`: the name holds one
        elif issubclass(old_kind, CALLABLES) or wrapped(old) is not None:
            later.append(key)
    if classes:
        del new, old, new_kind, old_kind  # the loop's last values would count as holders
        classes = _class_pairs.hidden_bases(classes) + classes
        _all_instances(update, classes, instances)
    if keys:  # sentinels of classes made elsewhere, before class bodies holding them are taken
        _match_instances(update, old_dict, new_dict, keys)
    # In the order of the names, but metaclasses and bases before the
    # classes made from them.
    for old, new in _class_pairs.bases_first(classes) if len(classes) > 1 else classes:
        update.classes.update_later(old, new, instances.get(id(new), ()))
    if keys:  # and those of the classes just patched, whose instances took the old class
        _match_instances(update, old_dict, new_dict, keys)
    # 2. Anything else callable (lambdas, what a decorator made), by name,
    #    when neither side is already taken by another name.
    for key in later:
        old, new = old_dict[key], new_dict[key]
        if id(old) in update.pairer.seen or id(new) in used:
            continue
        if type(old) is types.FunctionType and not (
            type(new) is types.FunctionType and same_definition(old, new)
        ):
            inner = wrapped(new)  # decorated now (`@lru_cache` added): what it wraps
            if type(inner) is types.FunctionType and same_definition(old, inner):
                update.pairer.pair(old, inner)
            elif old.__qualname__ == key and old.__globals__ is old_dict and not unheld(
                    old, 1, weakly=False):  # its own def, held, the name bound to another
                _rebound(update, old, new, "the old function keeps the old code")
            continue  # else a name bound to another function: one it wraps (`orig = lib.f`)
        used.add(id(new))
        update.replaced[id(old)] = (old, new, "")
        update.pairer.pair(old, new)
        if type(old) is types.FunctionType and old.__name__ == "<lambda>" and not (
            old.__closure__ or new.__closure__
        ) and same_function(old, new):
            # A lambda standing for "no value" (`NO_SERIALIZER = lambda _, v: v`),
            # compared with `is`: the old one, on the new code, stands for both.
            update.canon.map(new, old)


_KEPT = "old instances keep the old class"


def _rebound(update: Any, old: Any, new: Any, kept: str) -> None:
    """`old`, defined under its name, which now binds `new`: reported, rebound where
    namespaces such as `__main__` hold it."""
    update.replaced[id(old)] = (old, new, "")
    what = "class" if issubclass(type(new), type) else "function" if type(
        new) is types.FunctionType else "a {} object".format(type(new).__qualname__)
    update.not_updated[qualname(old)] = "its name now binds {}{}, not a definition of it: " \
        "{}".format(what, " " + qualname(new) if what in ("class", "function") else "", kept)


def _all_instances(
    update: Any, classes: List[Tuple[type, type]], instances: Dict[int, List[Any]]
) -> None:
    """Add to `instances` those of each new class that module names do not hold.

    Told apart by reference counts first (see `_instances`): most classes
    have none, and then nothing else is looked at. Metaclasses and enums are
    left out: their instances are classes and members, which the class
    patcher and `_enums` reconcile.
    """
    wanted: Dict[int, type] = {}
    for pair in classes:
        cls = pair[1]  # also held by the new namespace and by `pair`
        if issubclass(cls, type) or isinstance(cls, enum.EnumMeta):
            continue
        known = len(set(map(id, instances.get(id(cls), ()))))  # one bound to two names: once
        if _instances.unknown_references(cls, 2, known):
            wanted[id(cls)] = cls
    del cls
    if not wanted:
        return
    if not _instances.can_list():
        for cls in wanted.values():
            update.classes.refused[id(cls)] = (
                "the module made instances of it that reloader cannot find: Python 3.7 "
                "lists them apart only while the program froze nothing (gc.freeze())"
            )
        return
    for key, made in update.search.find(wanted, update.new_modules[-1]).items():
        instances[key] = _instances.merged(instances.get(key, ()), made)


def _match_instances(
    update: Any, old_dict: Dict[str, Any], new_dict: Dict[str, Any], keys: List[str]
) -> None:
    """Module-level instances of one class, under the same name in both versions.

    A sentinel, stateless or holding the same constants in both versions
    (`missing = _Missing()`, `_Auto = object()`, `Nothing = _Nothing()`,
    `MISSING = _Sentinel("MISSING")`), is one object: the old one stands for
    the new, as old data holds it. Others stay new, and functions they hold
    (a command's callback, in an attribute, a slot, or a tuple there) are paired.
    """
    for key in keys:
        new = new_dict[key]
        old = old_dict.get(key, MISSING)
        kind = type(old)
        if old is new or old is MISSING or issubclass(kind, type):
            continue
        one_class = kind is type(new)
        if (one_class or _class_pairs.one_local_class(kind, type(new))) and same_sentinel(
                old, new):  # (a factory's too: `make_sentinel()`)
            update.canon.map(new, old)
            continue
        if one_class:
            old_vars = held_state(old, layout_state(old))
            new_vars = held_state(new, layout_state(new))
            for name, value in old_vars.items() if old_vars and new_vars is not None else ():
                other = new_vars.get(name)
                for one, two in [(value, other)] if type(value) is types.FunctionType else (
                        same_place(value, other)):  # celery's `(fun,)`; a dispatcher's `funcs`
                    update.pairer.pair(one, two)
        # Held another way on each side, or by instances of two classes (a
        # proxy class left beside its new version): the one function of its name.
        if type(new).__module__ == new_dict.get("__name__"):
            continue  # the module's own class: what it holds is paired with it
        definition = _definition(old, key, old_dict)
        if definition is not None:
            update.pairer.pair(definition, _definition(new, key, new_dict))
            if id(definition) not in update.pairer.seen:
                update.not_updated[qualname(definition)] = (
                    "the old {}.{} holds it, and the new one holds no function of that name "
                    "the same way: it keeps the old code".format(new_dict.get("__name__"), key))


def _definition(thing: Any, key: str, namespace: Dict[str, Any]) -> Any:
    """The one function the module of `namespace` defined as `key` that `thing`, bound to
    `key` there, holds: itself, in a tuple, or in the class dictionary of an object of a
    class naming the module (celery's task, behind its proxy's `__dict__` property); None
    if none or several. Told from the referents the collector lists: none of its code runs."""
    found: Dict[int, Any] = {}
    module = namespace.get("__name__")
    for held in gc.get_referents(thing):
        for value in held.values() if type(held) is dict else (held,):  # its __dict__
            kind = type(value)
            if kind is tuple:
                items: Any = value
            elif kind in NOT_INSTANCES:
                items = (value,)
            elif getattr(kind, "__module__", None) == module and not issubclass(kind, type):
                items = [f for member in vars(kind).values() for f in functions_of(member)]
            else:
                continue
            for item in items:
                if type(item) is types.FunctionType and item.__qualname__ == key \
                        and item.__globals__ is namespace:
                    found[id(item)] = item
    return next(iter(found.values())) if len(found) == 1 else None
