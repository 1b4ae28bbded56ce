"""Make old functions, classes and instances run the new code after a reload.

An `Updater` is told, right after each re-imported module's code ran, about
the new module, and updates the old module's objects in parts: matching
the old and new namespaces name by name (`_matching`), pairing old
functions with their new versions (`_pairing`) unless nothing else holds
them (`_held`), patching old classes (`_classes`, `_body`, `_safety`) and
enums (`_enums`) in place, pointing the new code at the old
objects that stand for new ones (`_canonical`; as soon as a module ran, where
it can have registered them: `_early`; once every class is patched, also
where code that ran later, or modules not reloaded, hold them: `_reached`,
in `settle()`), pairing what kept objects held of its functions (`_in_place`),
and remembering the earlier
versions still held (`_generations`). Every change to an object that existed
before goes into the undo journal (`_journal`); `undo()` plays it back when
the reload fails and returns what could not be put back. `commit()` finishes
after success: the old module namespaces mirror the new ones and namespaces
that cannot be re-imported (`__main__`...) are rebound; the namespaces
registered for that are the current state's (`_state.current().namespaces`).

What cannot be updated safely is left exactly as it was and named in
`not_updated` with the reason. It must not walk the heap: it looks only at
module namespaces, class dictionaries and what hangs from their functions
(wrappers, closure cells), and, where reference counts show a new class has
instances elsewhere, at the objects the module's code made (`_instances`).
"""

import sys
import types
import weakref
from typing import Any, Callable, Dict, List, MutableMapping, Optional, Sequence, Set, Tuple

from . import _early, _generations, _in_place, _instances, _matching, _names, _reached, _state
from ._body import with_globals
from ._canonical import Canon
from ._classes import ClassPatcher
from ._closures import settle_defaults, settle_function
from ._journal import MISSING, Journal
from ._pairing import Pairer, functions_of, qualname


def rebind_namespace(namespace: MutableMapping[str, Any]) -> Callable[[], None]:
    """Rebind names in `namespace` after every reload; return the callable that stops it.

    For namespaces no module import can rebuild: an interactive console's
    locals, IPython's user namespace. After a successful reload, a name bound
    to an old module, or to an old function or class that was replaced, is
    bound to the new one, and a plain value imported from a reloaded module
    follows it (see `_names`); a name bound to anything else is left alone.
    `__main__` is always rebound.
    """
    if not isinstance(namespace, MutableMapping):
        raise TypeError(
            "rebind_namespace() takes a dict such as globals(), not {!r}".format(namespace)
        )
    state = _state.current()
    with state.namespaces_lock:
        state.namespaces.append(namespace)

    def stop() -> None:
        with state.namespaces_lock:
            for number, registered in enumerate(state.namespaces):
                if registered is namespace:
                    del state.namespaces[number]
                    return

    return stop


class Updater:
    """Updates old objects module by module during one reload; undoes on failure."""

    def __init__(self, old_modules: Dict[str, Optional[types.ModuleType]]) -> None:
        self.not_updated: Dict[str, str] = {}
        self._forget()
        self.old_modules: Dict[str, types.ModuleType] = {n: m for n, m in old_modules.items() if m}

    def starting(self, name: str) -> None:
        """Module `name`'s new code is about to run: the modules that finish meanwhile are its."""
        self.started[name] = len(self.new_modules)
        old = self.old_modules.get(name)
        self.held_elsewhere[name] = _in_place.before(old.__dict__) if old is not None else []

    def executed(self, module: types.ModuleType, name: str) -> None:
        """Update the old version of `module`, imported as `name`, whose new code just ran."""
        self.new_modules.append(module)
        self.new_names.append(name)
        mapped, paired = len(self.canon.new), len(self.pairer.pairs)
        old_module = self.old_modules.get(name)
        new_dict = module.__dict__
        if len(self.new_modules) == 1:
            self.classes.running = set(self.old_modules)
            self.classes.reloading = frozenset(self.old_modules)
        self.classes.running.discard(name)
        if old_module is not None and old_module is not module:
            self.replaced[id(old_module)] = (old_module, module, name)
            _matching.match(self, old_module.__dict__, new_dict)
            for old, new in _in_place.replaced(self.held_elsewhere.pop(name, []), new_dict):
                self.pairer.pair(old, new)  # put in place of the old in a kept object
        if self.classes.waiting:
            self.classes.retry()
        self.canon.home = new_dict
        self.canon.fresh.add(id(new_dict))
        containers, self.classes.containers = self.classes.containers, []
        for container, where in containers:  # class attributes, now that every class is patched
            self.canon.look(container, where)
        functions, self.classes.functions = self.classes.functions, []
        for function in functions:
            settle_function(self.canon, function)
        self._class_attributes(final=False)
        if len(self.canon.new) > mapped:  # before later modules read what it registered
            _early.now(self.canon, new_dict, self.bases, self.classes)
        self.canon.namespace(name, new_dict, self.classes.patched)
        for function in self.pairer.pairs[paired::2]:  # old functions given the new code
            settle_defaults(self.canon, function)
        first = self.started.pop(name, None)
        if first is not None and len(self.canon.new) > mapped:
            # Modules it imported ran while it was unfinished (an import cycle)
            # and may name its new classes: name the old ones before more code runs.
            self._canonical_names(self.new_modules[first:-1])

    def _class_attributes(self, final: bool) -> None:
        """Class attributes set to what was patched later (an enum's members): canonical."""
        attributes, self.classes.attributes = self.classes.attributes, []
        running = self.classes.running
        for index in range(0, len(attributes), 3):
            cls, key, value = attributes[index:index + 3]
            canonical = self.canon.get(value)
            if canonical is not value:
                if cls.__dict__.get(key) is value:
                    type.__setattr__(cls, key, canonical)  # the class dictionary's undo covers it
            elif not final and getattr(
                value if issubclass(type(value), type) else type(value), "__module__", None
            ) in running:
                self.classes.attributes += (cls, key, value)  # its module has not finished

    def undo(self) -> List[str]:
        """Put every old object back as it was; return what could not be put back.

        Never raises: the reload failed already, and every step must run.
        """
        try:
            failures = self.journal.undo()
        finally:
            self._forget()
        return failures

    def settle(self) -> None:
        """Once every module ran: patch what waited, and point what later code stored at the
        canonical objects. Every write goes into the journal: a failure here undoes all."""
        self.classes.retry(final=True)
        for new, made in self.search.rest():  # instances found late (see _instances.Search)
            self._reclass_late(new, made)
        self._class_attributes(final=True)
        self._rebound()
        reloaded = [m.__dict__ for m in self.new_modules + list(self.old_modules.values())]
        _reached.settle(self.canon, self.new_modules, set(self.new_names), reloaded,
                        self.classes.bodies[1::2], [entry[1] for entry in self.replaced.values()
                                                    if id(entry[1]) in self.classes.split])
        if self.canon:  # names bound before their module ran (cycles)
            self._canonical_names(self.new_modules)

    def commit(self) -> List[Tuple[str, Callable[[], Any]]]:
        """Finish a successful reload; return weak references to the replaced old objects."""
        main = sys.modules.get("__main__")
        state = _state.current()
        with state.namespaces_lock:
            namespaces: List[MutableMapping[str, Any]] = list(state.namespaces)
        if main is not None:
            namespaces.insert(0, main.__dict__)
        # Before the old namespaces mirror the new: plain values imported from them.
        self.not_updated.update(_names.follow(namespaces, self.old_modules, sys.modules,
                                              set(self.replaced)))
        self._keep_old_globals()
        mirrored: Set[int] = set()  # the old module namespaces (never an exec()'s copy of one)
        for name, old_module in self.old_modules.items():
            new_module = sys.modules.get(name)
            if new_module is not None and new_module is not old_module:
                keep = self.captured.get(name, ())
                for old_namespace in _generations.old_namespaces(name, old_module):
                    if old_namespace is not new_module.__dict__:
                        _mirror(old_namespace, new_module.__dict__, keep)
                        mirrored.add(id(old_namespace))
        for namespace in namespaces:
            self._rebind(namespace)
        self.pairer.factories.update(self.journal, self.not_updated, self.pairer.seen)
        _generations.forget_results(self.pairer.caches, self.pairer.seen)
        self.journal.forget()
        tracked: List[Tuple[str, Callable[[], Any]]] = []
        entry = None
        for entry in self.replaced.values():
            if issubclass(type(entry[0]), (types.ModuleType, type)):
                tracked.append((entry[2] or qualname(entry[0]), weakref.ref(entry[0])))
        del entry
        self.replaced.clear()
        _generations.remember_bodies(self.classes.bodies)
        self.classes.bodies = []
        pairs, self.pairer.pairs = self.pairer.pairs, []
        for function in _generations.remember(pairs, mirrored, self.classes.weakly):
            tracked.append((qualname(function), weakref.ref(function)))
        del pairs
        self._forget()
        return tracked

    def _rebound(self) -> None:
        # A class that later code bound to a module's name (schematics puts a
        # subclass it makes in a function in place of `models.Model`): paired
        # with the old one there, made by the same code.
        for name, key, old in self.rebound:
            new = getattr(sys.modules.get(name), "__dict__", {}).get(key)
            if issubclass(type(new), type) and new is not old and self.canon.get(new) is new \
                    and old.__qualname__ == new.__qualname__ and old.__module__ == new.__module__:
                self.classes.update(old, new)

    def _keep_old_globals(self) -> None:
        # A class left beside its new version keeps the old code, and the names
        # that code reads: its functions get the old module's names as they are
        # before it mirrors the new one (traitlets' old `Application.__init__`
        # calls `SingletonConfigurable.__init__` by name, new if it read them).
        old_namespaces = {id(m.__dict__) for m in self.old_modules.values()}
        kept: Dict[int, Dict[str, Any]] = {}
        for old, new, _ in list(self.replaced.values()):
            if not issubclass(type(old), type) or id(new) not in self.classes.split:
                continue
            for key, value in list(vars(old).items()):
                namespace = next((f.__globals__ for f in functions_of(value)), None)
                if namespace is not None and id(namespace) in old_namespaces:
                    names = kept.setdefault(id(namespace), dict(namespace))
                    try:
                        self.journal.set_class_attribute(old, key, with_globals(value, names))
                    except (TypeError, AttributeError):  # a metaclass that refuses (ctypes)
                        break  # its functions read the names as they are

    def _reclass_late(self, new: type, made: List[Any]) -> None:
        if self.canon.new.get(id(new)) is not new:
            return  # left beside its old class: its instances stay with it
        mark = self.journal.mark()
        try:
            _instances.reclass(self.journal, made, new, self.canon.old[id(new)], self.canon)
        except TypeError as error:  # all of them stay new, as one class
            self.journal.undo(mark)
            self.not_updated[qualname(new) + " instances"] = (
                "instances the module made of it keep the new class: {}".format(error))

    def _canonical_names(self, modules: List[types.ModuleType]) -> None:
        canon = self.canon
        mapped = canon.new.keys()
        for module in modules:
            names = module.__dict__
            if mapped.isdisjoint(map(id, names.values())):
                continue  # the usual case, told without a loop in Python
            for key in list(names):
                value = names[key]
                if canon.new.get(id(value), MISSING) is value:
                    names[key] = canon.old[id(value)]

    def _rebind(self, namespace: MutableMapping[str, Any]) -> None:
        for key, value in list(namespace.items()):
            entry = self.replaced.get(id(value))
            if entry is not None and entry[0] is value:
                if namespace.get(key) is value:  # not rebound meanwhile
                    namespace[key] = self.canon.get(entry[1])

    def _forget(self) -> None:
        """Let go of everything this reload held, but what it did not update."""
        self.old_modules = {}
        self.new_modules: List[types.ModuleType] = []
        self.new_names: List[str] = []  # the names they are imported as
        #: module, name, old class: a name later code may bind to the class's new version.
        self.rebound: List[Tuple[str, str, type]] = []
        #: name -> len(new_modules) when its code started: those after it finished inside.
        self.started: Dict[str, int] = {}
        #: name -> the module's functions that objects of other modules' classes held then.
        self.held_elsewhere: Dict[str, _in_place.Noted] = {}
        self.bases: Dict[Any, Any] = {}  # what `_early` knows of bases and registries
        #: name -> its names the new code bound to an earlier version of its own function.
        self.captured: Dict[str, List[str]] = {}
        self.search = _instances.Search()
        #: id(old object) -> (old, new, name): the new object replaces the old one.
        self.replaced: Dict[int, Tuple[Any, Any, str]] = {}
        self.journal = Journal()
        self.canon = Canon(self.journal, self.not_updated)
        self.pairer = Pairer(self.journal, self.canon, self.not_updated)
        self.classes = ClassPatcher(
            self.journal, self.canon, self.pairer, self.not_updated, self.replaced
        )


def _mirror(old: Dict[str, Any], new: Dict[str, Any], keep: Sequence[str] = ()) -> None:
    # Never cleared: a thread still running old code sees each name old or new.
    # `keep`: names the new code bound to an earlier version of its own
    # function (`orig = lib.f; lib.f = wrapper`, once again): the old
    # namespace keeps what its version wrapped, or it would call itself.
    kept = [(key, old[key]) for key in keep if key in old]
    if not old.keys() <= new.keys():  # told in C, without a set made
        for key in old.keys() - new.keys():
            del old[key]
    old.update(new)
    old.update(kept)
