"""Tell which old and new classes are one definition, and in which order to patch them.

A class belongs to the module whose namespace its methods read, whatever
its `__module__` says; a decorator may have remade it as a subclass under
its own name (dnspython's `@immutable`, trafaret's `py3metafix`), and then
its base is paired too; bases and metaclasses are patched before the
classes made from them.

It must not look past the classes, their bases and their own functions.
"""

import types
from typing import Any, Dict, List, Set, Tuple

from ._pairing import functions_of, wrapped


def defined_in(cls: type, namespace: Dict[str, Any]) -> bool:
    """Whether `cls` was made by the module whose namespace is `namespace`.

    Its methods read that namespace (or the functions they wrap do);
    `__module__` can name another module (a package re-exporting it), and in
    an import cycle a module can hold a class of another that has not
    finished running.
    """
    if namespace.get("__name__") == cls.__module__:
        return True
    for value in cls.__dict__.values():
        for function in functions_of(value):
            for _ in range(4):  # and what a decorator's wrapper names as what it wraps
                if function.__globals__ is namespace:
                    return True
                function = wrapped(function)
                if type(function) is not types.FunctionType:
                    break
    return False


def made_from_here(
    old: type, new: type, old_dict: Dict[str, Any], new_dict: Dict[str, Any]
) -> List[Tuple[type, type]]:
    """A class a decorator of another module remade as a subclass of the one
    defined here, under its name (trafaret's `py3metafix`): both pairs, or none.

    The subclass names the decorator's module and has no function of its own;
    its base at the same place in both versions, with the same name and
    defined in each namespace, tells the two are one definition.
    """
    if old.__qualname__ != new.__qualname__ or len(old.__bases__) != len(new.__bases__):
        return []
    for old_base, new_base in zip(old.__bases__, new.__bases__):
        if (old_base is not new_base
                and old_base.__qualname__ == new_base.__qualname__ == new.__qualname__
                and defined_in(new_base, new_dict) and defined_in(old_base, old_dict)):
            return [(old_base, new_base), (old, new)]
    return []


def hidden_bases(classes: List[Tuple[type, type]]) -> List[Tuple[type, type]]:
    """The bases of paired classes that no name holds, by their position: a class a
    decorator subclassed and renamed as itself (dnspython's `@immutable`)."""
    found: List[Tuple[type, type]] = []
    if all(old.__bases__ == new.__bases__ for old, new in classes):
        return found  # the usual case: the same bases, or none of them paired
    paired = {id(new) for _, new in classes}
    stack = list(classes)
    while stack:
        old, new = stack.pop()
        if len(old.__bases__) != len(new.__bases__):
            continue
        for old_base, new_base in zip(old.__bases__, new.__bases__):
            if (old_base is not new_base and id(new_base) not in paired
                    and old_base.__qualname__ == new_base.__qualname__ == new.__qualname__
                    and old_base.__module__ == old.__module__
                    and new_base.__module__ == new.__module__):
                paired.add(id(new_base))
                found.append((old_base, new_base))
                stack.append((old_base, new_base))
    return found


def bases_first(classes: List[Tuple[type, type]]) -> List[Tuple[type, type]]:
    pairs = {id(new): (old, new) for old, new in classes}
    made = pairs.keys()
    for _, new in classes:
        if id(type(new)) in pairs or not made.isdisjoint(map(id, new.__bases__)):
            break
    else:
        return classes  # no class made from another of these
    ordered: List[Tuple[type, type]] = []
    placed: Set[int] = set()

    def place(pair: Tuple[type, type]) -> None:
        new = pair[1]
        if id(new) not in placed:
            placed.add(id(new))
            for base in new.__bases__ + (type(new),):
                if id(base) in pairs:
                    place(pairs[id(base)])
            ordered.append(pair)

    for pair in classes:
        place(pair)
    return ordered


def one_local_class(old: type, new: type) -> bool:
    """Whether two classes are what one function's class statement made on two
    calls: made anew by each call, their instances can still be one sentinel."""
    return (
        "<locals>" in new.__qualname__
        and old.__qualname__ == new.__qualname__
        and old.__module__ == new.__module__
        and type(old) is type(new)
        and len(old.__bases__) == len(new.__bases__)
        and all(a is b for a, b in zip(old.__bases__, new.__bases__))
    )
