"""Remember earlier versions of functions and classes that the program still holds.

After a reload, an old function something still holds (a host's callback
list, a bound method) is remembered as an earlier version of the very new
function it was paired with, and so are that one's own earlier versions: the
next reload updates the whole chain from the one pair it makes, never by
looking names up again. The old module namespaces those functions read
their globals from are found through them, to mirror the newest namespace.
For classes, it remembers which keys their body made, so that attributes
set on a class at run time are told apart from ones an edit removed.

It holds nothing alive, with one exception: only weak references, kept by
the current state (`_state.current()`: `versions`, `held_functions`,
`body_keys`); but an old function that only a weak reference of the program
calls (a signal's `WeakMethod` of a method) would die with its place in the
class, where a plain re-import keeps it: it is kept (`weakly_held`) while
such a reference is. When garbage makes a reload find far more functions
held than usual, it collects it.
"""

import gc
import sys
import types
import weakref
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from . import _state


def older_versions(function: types.FunctionType) -> List[types.FunctionType]:
    """The earlier versions of `function` that something still holds."""
    entry = _state.current().versions.get(id(function))
    if entry is None or entry[0]() is not function:
        return []
    found = []
    for ref in entry[1]:
        older = ref()
        if older is not None:
            found.append(older)
    return found


def forget_results(caches: Sequence[Any], seen: Set[int]) -> None:
    """Empty the caches of the `lru_cache` wrappers (`caches`: those paired in this
    reload; earlier ones are remembered) whose function took new code (`seen`: the
    ids of the old functions paired): their results are the old code's. Only once
    the reload stands: an emptied cache cannot be filled back."""
    remembered = _state.current().caches
    try:
        remembered.update(caches)
    except TypeError:  # no weak references to them before 3.9: these alone
        remembered = caches  # type: ignore[assignment]
    for cache in list(remembered):
        if id(getattr(cache, "__wrapped__", None)) in seen:
            cache.cache_clear()


def weakly_called(function: Any) -> bool:
    """Whether a weak reference of the program (one with a callback, as a `WeakMethod`
    or a signal's receiver has; not this module's) may still call `function`."""
    if not weakref.getweakrefcount(function):
        return False  # told in C: most functions have none
    for ref in weakref.getweakrefs(function):
        callback = ref.__callback__
        if callback is not None and getattr(callback, "__qualname__", None) != _FORGET:
            return True
    return False


def remember(pairs: List[Any], namespaces: Set[int],
             weakly: Sequence[types.FunctionType] = ()) -> List[types.FunctionType]:
    """Remember the old functions of `pairs` (old, new, old, new...) still held.

    `weakly`: old methods that only weak references of the program may call,
    kept alive while those are (a module's functions go with it, as on a
    plain re-import). Returns the held ones. Each becomes an earlier version of its new
    function, with its own earlier versions. Those whose globals are one of
    the old module `namespaces` (ids) lead to it at the next reload; one
    made by `exec()` in a copy of them (a decorator library's wrapper, with
    names of its own there) does not: its namespace is not the module's.
    """
    state = _state.current()
    versions, held_functions = state.versions, state.held_functions
    kept = state.weakly_held
    kept[:] = [function for function in kept if weakly_called(function)]
    known = set(map(id, kept))
    kept.extend(function for function in weakly if id(function) not in known)
    held: List[types.FunctionType] = []
    old: Any = None
    # What an object held by one local variable alone shows: 2 on most
    # interpreters, 1 on those that borrow the argument's reference (3.14).
    probe = object()
    alone = sys.getrefcount(probe)
    del probe
    for index in range(0, len(pairs), 2):
        old, new = pairs[index], pairs[index + 1]
        pairs[index] = None  # a wrapper dies here, and the function it wraps with it
        # Held by `old` alone, it dies with this list: skip it, as weak
        # references to thousands of such functions would cost more than the
        # update itself.
        entry = versions.get(id(old)) if versions else None
        chain = [] if entry is None or entry[0]() is not old else [
            ref for ref in entry[1] if ref() is not None
        ]
        if sys.getrefcount(old) > alone:
            chain.insert(0, weakref.ref(old))
            held.append(old)
            name = old.__globals__.get("__name__")
            if isinstance(name, str) and id(old.__globals__) in namespaces:
                held_functions.setdefault(name, weakref.WeakSet()).add(old)
        if chain:
            for older in older_versions(new):
                if all(ref() is not older for ref in chain):
                    chain.append(weakref.ref(older))
            versions[id(new)] = (weakref.ref(new, _forget_older(versions, id(new))), chain)
    del old
    state.held_found += len(held)
    return held


_FORGET = "_forget_older.<locals>.forget"


def _forget_older(versions: Dict[int, Tuple[Any, List[Any]]], key: int) -> Any:
    def forget(ref: Any) -> None:
        entry = versions.get(key)
        if entry is not None and entry[0] is ref:
            del versions[key]

    return forget


def old_namespaces(name: str, old_module: types.ModuleType) -> List[Dict[str, Any]]:
    """The old module's namespace and every older one still held through a function.

    An old namespace that kept pointing at the modules of its own time would
    keep each generation alive: the caller makes them mirror the newest one.
    """
    namespaces = {id(old_module.__dict__): old_module.__dict__}
    for function in list(_state.current().held_functions.get(name, ())):
        namespaces.setdefault(id(function.__globals__), function.__globals__)
    return list(namespaces.values())


def collect_if_inflated() -> None:
    """Collect all garbage when the last reload found many more old functions held than usual.

    That a function is held is told by its reference count, and references
    from garbage count too: modules that other code dropped from
    `sys.modules` (a host's own plugin reload) stay in reference cycles until
    a full collection. An old namespace such garbage keeps alive mirrors the
    newest one, so each reload finds every function of that module held,
    pairs and remembers it, and through those, more namespaces to mirror.
    Past twice what the last full collection left (and 64), one full
    collection frees that garbage.
    """
    state = _state.current()
    held = state.held_functions
    for name in [name for name, functions in held.items() if not functions]:
        del held[name]  # their functions are gone: nothing to look through at the next reload
    if state.held_found > 2 * state.held_after_collection + 64 and gc.isenabled():
        gc.collect()
        state.held_after_collection = sum(map(len, held.values()))
    state.held_found = 0


def body_keys(cls: type) -> Optional[Tuple[str, ...]]:
    """The keys `cls`'s body made, when a reload saw them; None when unknown."""
    entry = _state.current().body_keys.get(id(cls))
    if entry is None or entry[0]() is not cls:
        return None
    keys: Tuple[str, ...] = entry[1]
    return keys


def remember_bodies(pairs: List[Any]) -> None:
    """Remember the keys each new class's body made (old, new, old, new...)."""
    state = _state.current()
    bodies = state.body_keys
    for index in range(0, len(pairs), 2):
        old = pairs[index]
        keys = tuple(pairs[index + 1].__dict__)
        entry = bodies.get(id(old))
        if entry is not None and entry[0]() is old:  # patched before: the same reference
            if entry[1] != keys:
                bodies[id(old)] = (entry[0], keys)
            continue
        try:
            ref = weakref.ref(old)
        except TypeError:  # a metaclass without weak references: run-time keys are guessed
            continue
        bodies[id(old)] = (ref, keys)
    if len(bodies) > state.body_keys_sweep_at:
        for key in [key for key, entry in bodies.items() if entry[0]() is None]:
            del bodies[key]
        state.body_keys_sweep_at = max(1024, 2 * len(bodies))
