"""Make old functions, classes and instances run the new code after a reload.

An `Updater` is told, right after each re-imported module's code ran, about
the new module, and updates the old module's objects in four parts:
pairing old functions with their new versions (`_pairing`), patching old
classes and enums in place (`_classes`), pointing the new code at the old
objects that stand for new ones (`_canonical`), and remembering the earlier
versions still held (`_generations`). Every change to an object that existed
before goes into the undo journal (`_journal`); `undo()` plays it back when
the reload fails and returns what could not be put back. `commit()` finishes
after success: the old module namespaces mirror the new ones and namespaces
that cannot be re-imported (`__main__`...) are rebound.

What cannot be updated safely is left exactly as it was and named in
`not_updated` with the reason. It must not walk the heap: it looks only at
module namespaces, class dictionaries and what hangs from their functions
(wrappers, closure cells).
"""

import struct
import sys
import threading
import types
import weakref
from typing import Any, Callable, Dict, List, MutableMapping, Optional, Set, Tuple

from . import _generations
from ._canonical import Canon
from ._classes import ClassPatcher
from ._journal import MISSING, Journal
from ._pairing import CALLABLES, Pairer, functions_of, qualname, wrapped

#: Values of a module namespace that are never instances of the module's classes.
_NOT_INSTANCES = frozenset((
    type(None), str, int, float, bool, bytes, tuple, list, dict, set, frozenset,
    types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type,
))

_POINTER = struct.calcsize("P")

_lock = threading.Lock()
_namespaces: List[MutableMapping[str, Any]] = []


def rebind_namespace(namespace: MutableMapping[str, Any]) -> Callable[[], None]:
    """Rebind names in `namespace` after every reload; return the callable that stops it.

    For namespaces no module import can rebuild: an interactive console's
    locals, IPython's user namespace. After a successful reload, a name bound
    to an old module, or to an old function or class that was replaced, is
    bound to the new one; a name bound to anything else is left alone.
    `__main__` is always rebound.
    """
    if not isinstance(namespace, MutableMapping):
        raise TypeError(
            "rebind_namespace() takes a dict such as globals(), not {!r}".format(namespace)
        )
    with _lock:
        _namespaces.append(namespace)

    def stop() -> None:
        with _lock:
            for number, registered in enumerate(_namespaces):
                if registered is namespace:
                    del _namespaces[number]
                    return

    return stop


class Updater:
    """Updates old objects module by module during one reload; undoes on failure."""

    def __init__(self, old_modules: Dict[str, Optional[types.ModuleType]]) -> None:
        self.old_modules = {n: m for n, m in old_modules.items() if m is not None}
        self.new_modules: List[types.ModuleType] = []
        self.not_updated: Dict[str, str] = {}
        #: id(old object) -> (old, new, name): the new object replaces the old one.
        self.replaced: Dict[int, Tuple[Any, Any, str]] = {}
        self.journal = Journal()
        self.canon = Canon(self.journal, self.not_updated)
        self.pairer = Pairer(self.journal, self.canon, self.not_updated)
        self.classes = ClassPatcher(
            self.journal, self.canon, self.pairer, self.not_updated, self.replaced
        )

    def executed(self, module: types.ModuleType) -> None:
        """Update the old version of `module`, whose new code just ran."""
        self.new_modules.append(module)
        name = module.__name__
        old_module = self.old_modules.get(name)
        new_dict = module.__dict__
        if len(self.new_modules) == 1:
            self.classes.running = set(self.old_modules)
        self.classes.running.discard(name)
        if old_module is not None and old_module is not module:
            self.replaced[id(old_module)] = (old_module, module, name)
            self._update_namespace(old_module.__dict__, new_dict)
        if self.classes.waiting:
            self.classes.retry()
        containers, self.classes.containers = self.classes.containers, []
        for container, where in containers:  # class attributes, now that every class is patched
            self.canon.container(container, where)
        functions, self.classes.functions = self.classes.functions, []
        for function in functions:
            self.canon.function(function)
        attributes, self.classes.attributes = self.classes.attributes, []
        for index in range(0, len(attributes), 3):  # members of enums patched after the class
            cls, key, value = attributes[index:index + 3]
            if self.canon.get(value) is not value and cls.__dict__.get(key) is value:
                type.__setattr__(cls, key, self.canon.get(value))
        self.canon.namespace(name, new_dict, self.classes.patched)

    def _update_namespace(self, old_dict: Dict[str, Any], new_dict: Dict[str, Any]) -> None:
        # Instances the module made at import time, by id(class): re-classed
        # with their class, or the class is not patched.
        instances: Dict[int, List[Any]] = {}
        for value in new_dict.values():
            if type(value) not in _NOT_INSTANCES:  # classes too, made by a metaclass here
                instances.setdefault(id(type(value)), []).append(value)
        # 1. Definitions: a class or function bound to the name it was defined as.
        classes: List[Tuple[type, type]] = []
        later = []
        used: Set[int] = set()
        for key in list(new_dict):
            new = new_dict[key]
            old = old_dict.get(key, MISSING)
            if old is MISSING or old is new:
                continue
            old_kind = type(old)
            if issubclass(old_kind, type):
                if (
                    issubclass(type(new), type)
                    and _defined_in(new, new_dict)
                    and _defined_in(old, old_dict)
                ):
                    classes.append((old, new))
            elif (
                old_kind is types.FunctionType
                and type(new) is types.FunctionType
                and old.__qualname__ == key == new.__qualname__
                and old.__module__ == new.__module__
            ):
                self.replaced[id(old)] = (old, new, "")  # rebound in namespaces like __main__
                used.add(id(new))
                self.pairer.pair(old, new)
            elif issubclass(old_kind, CALLABLES) or wrapped(old) is not None:
                later.append(key)
        # In the order of the names, but metaclasses and bases before the
        # classes made from them.
        for old, new in _bases_first(classes) if len(classes) > 1 else classes:
            self.classes.update_later(old, new, instances.get(id(new), ()))
        if instances:
            self._update_instances(old_dict, new_dict)
        # 2. Anything else callable (lambdas, what a decorator made), by name,
        #    when neither side is already taken by another name.
        for key in later:
            old, new = old_dict[key], new_dict[key]
            if id(old) in self.pairer.seen or id(new) in used:
                continue
            used.add(id(new))
            self.replaced[id(old)] = (old, new, "")
            self.pairer.pair(old, new)

    def _update_instances(self, old_dict: Dict[str, Any], new_dict: Dict[str, Any]) -> None:
        """Module-level instances of a patched class, under the same name in both versions.

        A stateless one (a sentinel such as `missing = _Missing()`) is one
        object: the old one stands for the new, as old data holds it. Others
        stay new, and functions they hold (a command's callback) are paired.
        """
        patched = self.classes.patched
        for key, new in new_dict.items():
            old = old_dict.get(key, MISSING)
            kind = type(old)
            if kind is not type(new) or id(kind) not in patched or old is new:
                continue
            old_vars, new_vars = _attributes(old), _attributes(new)
            if old_vars is None or new_vars is None:
                continue
            if not old_vars and not new_vars and not _has_slots(kind):
                self.canon.map(new, old)
                continue
            for name, value in old_vars.items():
                if type(value) is types.FunctionType:
                    self.pairer.pair(value, new_vars.get(name))

    def undo(self) -> List[str]:
        """Put every old object back as it was; return what could not be put back.

        Never raises: the reload failed already, and every step must run.
        """
        try:
            failures = self.journal.undo()
        finally:
            self._forget()
        return failures

    def commit(self) -> List[Tuple[str, Callable[[], Any]]]:
        """Finish a successful reload; return weak references to the replaced old objects."""
        self.classes.retry(final=True)
        canon = self.canon
        if canon:
            for module in self.new_modules:  # names bound before their module ran (cycles)
                names = module.__dict__
                for key in list(names):
                    value = names[key]
                    if canon.new.get(id(value), MISSING) is value:
                        names[key] = canon.old[id(value)]
        for name, old_module in self.old_modules.items():
            new_module = sys.modules.get(name)
            if new_module is not None and new_module is not old_module:
                for old_namespace in _generations.old_namespaces(name, old_module):
                    if old_namespace is not new_module.__dict__:
                        _mirror(old_namespace, new_module.__dict__)
        main = sys.modules.get("__main__")
        with _lock:
            namespaces: List[MutableMapping[str, Any]] = list(_namespaces)
        if main is not None:
            namespaces.insert(0, main.__dict__)
        for namespace in namespaces:
            self._rebind(namespace)
        canon.registries()
        self.journal.forget()
        tracked: List[Tuple[str, Callable[[], Any]]] = []
        entry = None
        for entry in self.replaced.values():
            if isinstance(entry[0], (types.ModuleType, type)):
                tracked.append((entry[2] or qualname(entry[0]), weakref.ref(entry[0])))
        del entry
        self.replaced.clear()
        _generations.remember_bodies(self.classes.bodies)
        self.classes.bodies = []
        pairs, self.pairer.pairs = self.pairer.pairs, []
        for function in _generations.remember(pairs):
            tracked.append((qualname(function), weakref.ref(function)))
        del pairs
        self._forget()
        return tracked

    def _rebind(self, namespace: MutableMapping[str, Any]) -> None:
        for key, value in list(namespace.items()):
            entry = self.replaced.get(id(value))
            if entry is not None and entry[0] is value:
                new = self.canon.get(entry[1])
                if namespace.get(key) is value:  # not rebound meanwhile
                    namespace[key] = new

    def _forget(self) -> None:
        self.old_modules = {}
        self.new_modules = []
        self.journal = Journal()
        self.canon = Canon(self.journal, self.not_updated)
        self.pairer = Pairer(self.journal, self.canon, self.not_updated)
        self.replaced = {}
        self.classes = ClassPatcher(
            self.journal, self.canon, self.pairer, self.not_updated, self.replaced
        )


def _defined_in(cls: type, namespace: Dict[str, Any]) -> bool:
    """Whether `cls` was made by the module whose namespace is `namespace`.

    Its methods read that namespace; `__module__` can name another module
    (a package re-exporting it), and in an import cycle a module can hold a
    class of another that has not finished running.
    """
    if namespace.get("__name__") == cls.__module__:
        return True
    for value in cls.__dict__.values():
        for function in functions_of(value):
            if function.__globals__ is namespace:
                return True
    return False


def _bases_first(classes: List[Tuple[type, type]]) -> List[Tuple[type, type]]:
    pairs = {id(new): (old, new) for old, new in classes}
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


def _attributes(thing: Any) -> Optional[Dict[str, Any]]:
    try:
        attributes = object.__getattribute__(thing, "__dict__")
    except Exception:  # no __dict__, or a proxy whose lookup raises
        return None
    return attributes if type(attributes) is dict else None


def _has_slots(cls: type) -> bool:
    """Whether instances hold data besides their __dict__ (slots, a built-in base)."""
    return (
        cls.__itemsize__ != 0
        or cls.__basicsize__ > object.__basicsize__ + 2 * _POINTER
        or any("__slots__" in vars(base) for base in cls.__mro__[:-1])
    )


def _mirror(old: Dict[str, Any], new: Dict[str, Any]) -> None:
    # Never cleared: a thread still running old code sees each name old or new.
    for key in [k for k in old if k not in new]:
        del old[key]
    old.update(new)
