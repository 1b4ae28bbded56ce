"""Make old functions, classes and instances run the new code after a reload.

An `Updater` is told, right after each re-imported module's code ran, about
the new module; it patches the old module's classes in place with the new
class's attributes and rebinds the new module's names to the old classes, so
one class object serves old instances, new code and `from x import Cls`
names. Old functions get the new code. Every change to an object that
existed before the reload is written to an undo log, which `undo()` plays
back when the reload fails. `commit()` finishes after success: the old
module namespaces mirror the new ones and namespaces that cannot be
re-imported (`__main__`...) are rebound.

It must not walk the heap: it looks only at module namespaces, class
dictionaries and what hangs from their functions (wrappers, closure cells).
"""

import enum
import functools
import logging
import sys
import threading
import types
import warnings
import weakref
from typing import Any, Callable, Dict, List, MutableMapping, Optional, Set, Tuple

from . import _names

_MISSING = object()

#: Class dictionary entries that belong to one class object and are never copied.
_OWN = frozenset(
    (
        "__dict__",
        "__weakref__",
        "_abc_impl",
        "_abc_registry",
        "_abc_cache",
        "_abc_negative_cache",
        "_abc_negative_cache_version",
    )
)
#: Enum bookkeeping that `_update_enum` keeps on the old class.
_ENUM_OWN = frozenset(
    (
        "_member_map_",
        "_member_names_",
        "_value2member_map_",
        "_unhashable_values_",
        "_unhashable_values_map_",
        "_member_type_",
        "_new_member_",
        "_use_args_",
        "_value_repr_",
    )
)
_DESCRIPTORS = (types.MemberDescriptorType, types.GetSetDescriptorType)
_DESCRIBED = (types.FunctionType, classmethod, staticmethod, property)
_WRAPPERS = (classmethod, staticmethod, property)
_CONTAINERS = (list, dict, set)
_PLAIN = (str, int, float, bool, bytes, type(None))
_CALLABLES = (
    types.FunctionType,
    types.MethodType,
    classmethod,
    staticmethod,
    property,
    functools.partial,
)

_lock = threading.Lock()
_namespaces: List[MutableMapping[str, Any]] = []


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
    with _lock:
        _namespaces.append(namespace)

    def stop() -> None:
        with _lock:
            for number, registered in enumerate(_namespaces):
                if registered is namespace:
                    del _namespaces[number]
                    return

    return stop


def _qualname(thing: Any) -> str:
    return "{}.{}".format(
        getattr(thing, "__module__", "?"), getattr(thing, "__qualname__", type(thing).__name__)
    )


def _functions(thing: Any) -> List[types.FunctionType]:
    """The plain functions inside a class member: itself, or what a descriptor wraps."""
    kind = type(thing)
    if kind is types.FunctionType:
        return [thing]
    if kind not in _DESCRIBED and not isinstance(thing, _DESCRIBED):
        return []
    if isinstance(thing, types.FunctionType):
        return [thing]
    if isinstance(thing, (classmethod, staticmethod)):
        return _functions(thing.__func__)
    if isinstance(thing, property):
        return [f for part in (thing.fget, thing.fset, thing.fdel) for f in _functions(part)]
    return []


class Updater:
    """Updates old objects module by module during one reload; undoes on failure."""

    def __init__(self, old_modules: Dict[str, Optional[types.ModuleType]]) -> None:
        self.old_modules = {n: m for n, m in old_modules.items() if m is not None}
        self.new_modules: List[types.ModuleType] = []
        #: The changes, in the order made: arguments..., their count, the function
        #: that puts the change back.
        self.undo_log: List[Any] = []
        #: id(new object) -> new object, and -> the old object that stands for it
        #: (two dictionaries, no tuple per entry: see _log).
        self.canonical: Dict[int, Any] = {}
        self.canonical_old: Dict[int, Any] = {}
        #: id(old object) -> (old, new): the new object replaces the old one.
        self.replaced: Dict[int, Tuple[Any, Any, str]] = {}
        self.not_updated: Dict[str, str] = {}
        self.seen: Set[int] = set()
        #: Every old function given new code, to look for holders of at the end.
        self.old_functions: List[types.FunctionType] = []
        self.patched: Set[int] = set()
        self.containers: List[Any] = []

    # ------------------------------------------------------------------
    # during the transaction

    def executed(self, module: types.ModuleType) -> None:
        """Update the old version of `module`, whose new code just ran."""
        self.new_modules.append(module)
        name = module.__name__
        old_module = self.old_modules.get(name)
        new_dict = module.__dict__
        if old_module is not None and old_module is not module:
            self.replaced[id(old_module)] = (old_module, module, name)
            self._update_namespace(name, old_module.__dict__, new_dict)
        containers, self.containers = self.containers, []
        for container in containers:  # class attributes, now that every class is patched
            self._canon_container(container)
        self._canonicalize(name, new_dict)

    def _update_namespace(
        self, name: str, old_dict: Dict[str, Any], new_dict: Dict[str, Any]
    ) -> None:
        for key in list(new_dict):
            new = new_dict[key]
            old = old_dict.get(key, _MISSING)
            if old is _MISSING or old is new:
                continue
            if isinstance(old, type) and isinstance(new, type):
                if old.__module__ == name == new.__module__:
                    self._update_class(old, new)
            elif isinstance(old, _CALLABLES) or _wrapped(old) is not None:
                self.replaced[id(old)] = (old, new, "")  # rebound in namespaces like __main__
                self._pair(old, new)  # a function, or what a decorator made of one

    def _canonicalize(self, name: str, namespace: Dict[str, Any]) -> None:
        """Point the new module's names (and what they hold) at the canonical objects."""
        if not self.canonical:
            return
        canonical = self.canonical
        for key in list(namespace):
            value = namespace[key]
            if canonical.get(id(value), _MISSING) is value:
                namespace[key] = value = self.canonical_old[id(value)]
            elif key[:2] == "__" or isinstance(value, (types.ModuleType, str, int, float)):
                continue  # __builtins__, __spec__...: nothing of the new code
            if isinstance(value, type):
                if value.__module__ == name and id(value) not in self.patched:
                    for member in list(vars(value).values()):
                        self._canon_member(member)  # a class new in this version
                continue
            old_class = self._canon(type(value))
            if old_class is not type(value):
                try:
                    value.__class__ = old_class  # an instance made at import time
                except TypeError as error:
                    self.not_updated["{}.{}".format(name, key)] = (
                        "made at import time from the new class, which could not be "
                        "merged into the old one: {}".format(error)
                    )
            elif getattr(value, "__module__", None) == name or not callable(value):
                self._canon_member(value)

    def _canon_member(self, member: Any) -> None:
        if isinstance(member, (list, dict, set)):
            self._canon_container(member)
        for function in _functions(member):
            self._canon_defaults(function)

    def _map(self, new: Any, old: Any) -> None:
        self.canonical[id(new)] = new
        self.canonical_old[id(new)] = old

    def _canon(self, thing: Any) -> Any:
        if self.canonical.get(id(thing), _MISSING) is thing:
            return self.canonical_old[id(thing)]
        return thing

    def _canon_container(self, container: Any) -> None:
        # One level deep: registries filled at import time (`REGISTRY[name] = Cls`).
        if isinstance(container, list):
            for index, item in enumerate(container):
                canonical = self._canon(item)
                if canonical is not item:
                    self._record_item(container, index, item)
                    container[index] = canonical
        elif isinstance(container, dict):
            for key, item in list(container.items()):
                canonical = self._canon(item)
                if canonical is not item:
                    self._record_item(container, key, item)
                    container[key] = canonical
        else:
            for item in list(container):
                canonical = self._canon(item)
                if canonical is not item:
                    container.discard(item)
                    container.add(canonical)
                    self._log(_swap_back, container, canonical, item)

    def _record_item(self, container: Any, key: Any, item: Any) -> None:
        self._log(container.__setitem__, key, item)

    def _canon_defaults(self, function: types.FunctionType) -> None:
        canonical = self.canonical
        defaults = function.__defaults__
        if defaults:
            for default in defaults:
                if id(default) in canonical:
                    self._set(function, "__defaults__", tuple(self._canon(d) for d in defaults))
                    break
        keywords = function.__kwdefaults__
        if keywords:
            for default in keywords.values():
                if id(default) in canonical:
                    mapped = {k: self._canon(v) for k, v in keywords.items()}
                    self._set(function, "__kwdefaults__", mapped)
                    break

    def _log(self, function: Callable[..., Any], *arguments: Any) -> None:
        # One flat list, no object per entry: entries outlive a few garbage
        # collections, and many small survivors would make the collector walk
        # the whole heap more often.
        self.undo_log.extend(arguments)
        self.undo_log.append(len(arguments))
        self.undo_log.append(function)

    def _set(self, target: Any, attribute: str, value: Any) -> None:
        """setattr, written to the undo log."""
        before = getattr(target, attribute)
        setattr(target, attribute, value)
        self._log(setattr, target, attribute, before)

    # ------------------------------------------------------------------
    # functions

    def _pair(self, old: Any, new: Any) -> None:
        """Make `old` run what `new` runs, looking through wrappers and descriptors."""
        if old is new or old is None or new is None:
            return
        if id(old) in self.seen:
            return
        self.seen.add(id(old))
        if type(old) is type(new) is types.FunctionType or (
            isinstance(old, types.FunctionType) and isinstance(new, types.FunctionType)
        ):
            self.old_functions.append(old)
            if not (
                old.__code__ == new.__code__  # most functions of a reload are unchanged
                and old.__defaults__ is None is new.__defaults__
                and old.__kwdefaults__ is None is new.__kwdefaults__
                and old.__doc__ == new.__doc__
                and not old.__dict__
                and not new.__dict__
            ):
                self._update_function(old, new)
            if old.__closure__ and new.__closure__:
                self._pair_cells(old, new)
            if old.__dict__ or new.__dict__:
                self._pair(_wrapped(old), _wrapped(new))
            for older in _older_versions(old):  # still held from reloads before
                self._pair(older, new)
            return
        elif isinstance(old, types.MethodType) and isinstance(new, types.MethodType):
            self._pair(old.__func__, new.__func__)
        elif isinstance(old, (classmethod, staticmethod)) and type(old) is type(new):
            self._pair(old.__func__, new.__func__)
        elif isinstance(old, property) and isinstance(new, property):
            self._pair(old.fget, new.fget)
            self._pair(old.fset, new.fset)
            self._pair(old.fdel, new.fdel)
        elif isinstance(old, functools.partial) and isinstance(new, functools.partial):
            self._pair(old.func, new.func)
        if not isinstance(old, type):
            self._pair(_wrapped(old), _wrapped(new))

    def _pair_cells(self, old: types.FunctionType, new: types.FunctionType) -> None:
        # A decorator's wrapper holds the decorated function in a cell.
        old_cells = old.__closure__ or ()
        new_cells = new.__closure__ or ()
        old_names = old.__code__.co_freevars
        new_names = new.__code__.co_freevars
        for index in range(len(old_cells)):
            name = old_names[index]
            if name == "__class__":
                continue
            other = index if new_names[index:index + 1] == (name,) else (
                new_names.index(name) if name in new_names else -1
            )
            if other >= 0:
                value = _cell_value(old_cells[index])
                if callable(value) or isinstance(value, _CALLABLES):
                    self._pair(value, _cell_value(new_cells[other]))

    def _update_function(self, old: types.FunctionType, new: types.FunctionType) -> None:
        if _same_function(old, new):
            return  # most functions of a reload are unchanged: nothing to do, nothing to undo
        if old.__code__.co_freevars != new.__code__.co_freevars:
            if old.__code__.co_filename == new.__code__.co_filename != "<string>":
                self.not_updated[_qualname(old)] = (
                    "its closure changed from ({}) to ({}); the old function object "
                    "keeps running the old code".format(
                        ", ".join(old.__code__.co_freevars), ", ".join(new.__code__.co_freevars)
                    )
                )
            return
        self._log(
            _restore_function,
            old,
            old.__code__,
            old.__defaults__,
            old.__kwdefaults__,
            old.__doc__,
            old.__annotations__,
            old.__dict__,
        )
        old.__code__ = new.__code__
        defaults = new.__defaults__
        if defaults and any(self._canon(d) is not d for d in defaults):
            defaults = tuple(self._canon(d) for d in defaults)
        old.__defaults__ = defaults
        keywords = new.__kwdefaults__
        if keywords and any(self._canon(v) is not v for v in keywords.values()):
            keywords = {k: self._canon(v) for k, v in keywords.items()}
        old.__kwdefaults__ = keywords
        old.__doc__ = new.__doc__
        old.__annotations__ = new.__annotations__
        if old.__dict__ or new.__dict__:
            attributes = dict(new.__dict__)
            if "__wrapped__" in old.__dict__:
                attributes["__wrapped__"] = old.__dict__["__wrapped__"]  # keep the old chain
            old.__dict__ = attributes

    # ------------------------------------------------------------------
    # classes

    def _incompatible(
        self, old: type, new: type, old_dict: Any, new_dict: Any
    ) -> Optional[str]:
        if self._canon(type(new)) is not type(old):
            return "its metaclass changed from {} to {}".format(
                _qualname(type(old)), _qualname(type(new))
            )
        if (
            old.__basicsize__ != new.__basicsize__
            or old.__itemsize__ != new.__itemsize__
            or old.__dictoffset__ != new.__dictoffset__
            or old.__weakrefoffset__ != new.__weakrefoffset__
            or old_dict.get("__slots__") != new_dict.get("__slots__")
        ):
            return "its instance layout changed (__slots__ or a built-in base)"
        return None

    def _update_class(self, old: type, new: type) -> bool:
        """Patch `old` with `new`'s attributes and make it stand for `new`."""
        if self.canonical.get(id(new), _MISSING) is new:
            return self.canonical_old[id(new)] is old
        if old.__qualname__ != new.__qualname__:
            return False
        old_dict = old.__dict__
        new_dict = new.__dict__
        why = self._incompatible(old, new, old_dict, new_dict)
        if why is None and new.__bases__ != old.__bases__:
            bases = tuple(self._canon(b) for b in new.__bases__)
            if bases != old.__bases__:
                try:
                    self._set(old, "__bases__", bases)
                except TypeError as error:
                    why = "its base classes changed and cannot be reassigned: {}".format(error)
        if why is not None:
            self.not_updated[_qualname(old)] = (
                why + "; the new class is a different object and old instances keep the old code"
            )
            self.replaced[id(old)] = (old, new, _qualname(old))
            return False
        self._map(new, old)
        self.patched.add(id(old))
        is_enum = isinstance(old, enum.EnumMeta)
        members = getattr(new, "_member_map_", {}) if is_enum else {}
        fields = old_dict.get("__dataclass_fields__"), old_dict.get("_fields")
        record = self.undo_log.append
        for key, value in new_dict.items():  # nothing below changes the new class
            current = old_dict.get(key, _MISSING)
            if current is value:
                continue  # Enum.__new__ and the like, shared by both versions
            kind = type(value)
            if kind is types.FunctionType:  # the common case, kept short
                if value.__closure__:
                    _fix_class_cell(value, new, old)
                if value.__defaults__ or value.__kwdefaults__:
                    self._canon_defaults(value)
                if type(current) is types.FunctionType and _unchanged(current, value):
                    self.old_functions.append(current)  # nothing to update, maybe held
                elif current is not _MISSING:
                    self._pair(current, value)
                type.__setattr__(old, key, value)  # past metaclass __setattr__ (Enum's)
                # The undo log entry, without making a tuple: see _log.
                record(old)
                record(key)
                record(current)
                record(3)
                record(_put_class_attribute)
                continue
            if key in _OWN or (is_enum and (key in _ENUM_OWN or key in members)):
                continue
            if kind is type(current) and (
                (kind in _PLAIN and current == value)
                or (kind is tuple and _same_values(current, value))
            ):
                continue  # setting a class attribute is not free: leave what is equal
            if kind in _DESCRIPTORS and getattr(value, "__objclass__", None) is new:
                continue  # a slot or __dict__ of the new layout: the old one is the same
            if isinstance(value, type) and isinstance(current, type):
                if current.__qualname__ == "{}.{}".format(old.__qualname__, key):
                    if self._update_class(current, value):
                        continue  # the old nested class stays, patched
            if kind in _WRAPPERS:
                for function in _functions(value):
                    _fix_class_cell(function, new, old)
                    self._canon_defaults(function)
            elif kind in _CONTAINERS and not (key[:1] == "_" and key[-1:] == "_"):
                self.containers.append(value)  # a registry: canonicalized once all ran
            if current is not _MISSING and (
                isinstance(current, _CALLABLES) or _wrapped(current) is not None
            ):
                self._pair(current, value)
            self._set_class_attribute(old, key, self._canon(value))
        dropped = [k for k in old_dict if k not in new_dict] if len(old_dict) > 0 else []
        for key in dropped:
            value = old_dict[key]
            if key in _OWN or (is_enum and key in _ENUM_OWN):
                continue
            if isinstance(value, _DESCRIPTORS) and getattr(value, "__objclass__", None) is old:
                continue
            if is_enum and key in getattr(old, "_member_map_", {}):
                continue  # members are reconciled below
            self._delete_class_attribute(old, key)
        if is_enum:
            self._update_enum(old, new)
        self._note_fields(old, fields, new)
        return True

    def _set_class_attribute(self, cls: type, key: str, value: Any) -> None:
        before = cls.__dict__.get(key, _MISSING)
        type.__setattr__(cls, key, value)  # past metaclass __setattr__ (Enum forbids it)
        record = self.undo_log.append  # an entry as _log makes it, without a tuple
        record(cls)
        record(key)
        record(before)
        record(3)
        record(_put_class_attribute)

    def _delete_class_attribute(self, cls: type, key: str) -> None:
        before = cls.__dict__[key]
        type.__delattr__(cls, key)
        self._log(_put_class_attribute, cls, key, before)

    def _note_fields(self, old: type, before: Tuple[Any, Any], new: type) -> None:
        # Instances made before the reload keep the fields they were made with.
        if before[0] is None and before[1] is None:
            return
        for attribute, fields in zip(("__dataclass_fields__", "_fields"), before):
            after = new.__dict__.get(attribute)
            if fields is not None and after is not None and list(fields) != list(after):
                self.not_updated[_qualname(old) + " instances"] = (
                    "its fields changed from ({}) to ({}); instances made before the reload "
                    "keep the old fields".format(", ".join(fields), ", ".join(after))
                )

    def _update_enum(self, old: Any, new: Any) -> None:
        # The old members stay the members: new code that names Color.RED gets
        # the very member old objects hold.
        old_map = old._member_map_
        new_map = new._member_map_
        unchanged = len(old_map) == len(new_map)
        for name, member in new_map.items():
            current = old_map.get(name)
            if current is None or current._value_ != member._value_:
                unchanged = False
            if unchanged:
                self._map(member, current)
        if unchanged:
            return  # the usual case: same members, same values
        saved = (dict(old_map), list(old._member_names_), dict(old._value2member_map_))
        self._log(_restore_enum, old, saved)
        changed = False
        for name, member in new_map.items():
            current = old_map.get(name)
            if current is not None:
                self._map(member, current)
                if current._value_ != member._value_:
                    if old._member_type_ is object:
                        self._set_member_value(current, member._value_)
                        changed = True
                    else:
                        self.not_updated[_qualname(old) + "." + name] = (
                            "its value changed and a {} member cannot change value in "
                            "place".format(old._member_type_.__name__)
                        )
                continue
            try:
                object.__setattr__(member, "__class__", old)
            except TypeError as error:
                self.not_updated[_qualname(old) + "." + name] = (
                    "the new member could not join the old enum: {}".format(error)
                )
                continue
            old_map[name] = member
            old._member_names_.append(name)
            self._set_class_attribute(old, name, member)
            self._map(member, member)
            changed = True
        for name in [n for n in old_map if n not in new_map]:
            self.not_updated[_qualname(old) + "." + name] = (
                "the member was removed; objects holding it keep a member of no enum"
            )
            del old_map[name]
            if name in old._member_names_:
                old._member_names_.remove(name)
            if name in old.__dict__:
                self._delete_class_attribute(old, name)
            changed = True
        if changed:
            old._member_names_[:] = [n for n in new._member_names_ if n in old_map]
            values = old._value2member_map_
            values.clear()
            for name in old._member_names_:
                member = old_map[name]
                try:
                    values.setdefault(member._value_, member)
                except TypeError:
                    pass  # unhashable values are looked up by a linear search

    def _set_member_value(self, member: Any, value: Any) -> None:
        before = member._value_
        object.__setattr__(member, "_value_", value)
        self._log(object.__setattr__, member, "_value_", before)

    # ------------------------------------------------------------------
    # after the transaction

    def undo(self) -> None:
        """Put every old object back exactly as it was; the reload failed."""
        log, self.undo_log = self.undo_log, []
        end = len(log)
        while end:
            function, count = log[end - 1], log[end - 2]
            start = end - 2 - count
            function(*log[start:end - 2])
            end = start
        self._forget()

    def commit(self) -> List[Tuple[str, Callable[[], Any]]]:
        """Finish a successful reload; return weak references to the replaced old objects."""
        canonical = self.canonical
        for module in self.new_modules:  # names bound before their module ran (cycles)
            names = module.__dict__
            for key in list(names):
                if canonical.get(id(names[key]), _MISSING) is names[key]:
                    names[key] = self.canonical_old[id(names[key])]
        main = sys.modules.get("__main__")
        with _lock:
            namespaces: List[MutableMapping[str, Any]] = list(_namespaces)
        if main is not None:
            namespaces.insert(0, main.__dict__)
        # Before the old namespaces mirror the new: plain values imported from them.
        self.not_updated.update(_names.follow(namespaces, self.old_modules, sys.modules,
                                              set(self.replaced)))
        for name, old_module in self.old_modules.items():
            new_module = sys.modules.get(name)
            if new_module is not None and new_module is not old_module:
                for old_namespace in _old_namespaces(name, old_module):
                    if old_namespace is not new_module.__dict__:
                        _mirror(old_namespace, new_module.__dict__)
        for namespace in namespaces:
            self._rebind(namespace)
        self._canon_registries()
        self.undo_log = []
        tracked: List[Tuple[str, Callable[[], Any]]] = []
        for old, _new, name in self.replaced.values():
            if isinstance(old, (types.ModuleType, type)):
                tracked.append((name or _qualname(old), weakref.ref(old)))
        self.replaced = {}
        # An old function nothing else holds dies with this list: skip it, as
        # weak references to thousands of dying functions would cost more
        # than the update itself. The count such a function shows depends on
        # the interpreter (3.14 borrows references), so an object held only
        # by this list and the loop, first in it, gives the count to beat.
        functions: List[Any] = [object()]
        functions += self.old_functions
        self.old_functions = []
        floor: Optional[int] = None
        for function in functions:
            count = sys.getrefcount(function)
            if floor is None:
                floor = count
            elif count > floor:
                tracked.append((_qualname(function), weakref.ref(function)))
                _hold_namespace(function)
        del function, functions
        self._forget()
        return tracked

    def _canon_registries(self) -> None:
        # What the new code registered while it ran names the new classes.
        filters: List[Any] = warnings.filters  # type: ignore[assignment]
        for index, entry in enumerate(list(filters)):
            category = self._canon(entry[2])
            if category is not entry[2]:
                filters[index] = entry[:2] + (category,) + entry[3:]
        manager = logging.Logger.manager
        loggers = [logging.getLogger()] + list(manager.loggerDict.values())
        for logger in loggers:
            for thing in getattr(logger, "handlers", []) + getattr(logger, "filters", []):
                old_class = self._canon(type(thing))
                if old_class is not type(thing):
                    try:
                        thing.__class__ = old_class
                    except TypeError as error:
                        self.not_updated[_qualname(type(thing)) + " instances"] = str(error)

    def _rebind(self, namespace: MutableMapping[str, Any]) -> None:
        for key, value in list(namespace.items()):
            entry = self.replaced.get(id(value))
            if entry is not None and entry[0] is value:
                new = self._canon(entry[1])
                if namespace.get(key) is value:  # not rebound meanwhile
                    namespace[key] = new

    def _forget(self) -> None:
        self.old_modules = {}
        self.new_modules = []
        self.canonical = {}
        self.canonical_old = {}
        self.replaced = {}
        self.seen = set()
        self.patched = set()
        self.old_functions = []


def _unchanged(old: types.FunctionType, new: types.FunctionType) -> bool:
    """The common case, decided quickly: same code, no closure, no defaults, no wrapper."""
    return (
        old.__closure__ is None
        and new.__closure__ is None
        and old.__code__ == new.__code__
        and old.__defaults__ is None is new.__defaults__
        and old.__kwdefaults__ is None is new.__kwdefaults__
        and old.__doc__ == new.__doc__
        and not old.__dict__
        and not new.__dict__
    )


def _same_values(old: Any, new: Any) -> bool:
    if old is new:
        return True
    if type(old) is not type(new) or len(old) != len(new):
        return False
    for index in range(len(old)):  # no generator: this runs for most functions
        a = old[index]
        b = new[index]
        if a is not b and not (type(a) is type(b) and type(a) in _PLAIN and a == b):
            return False
    return True


def _same_keywords(old: Optional[Dict[str, Any]], new: Optional[Dict[str, Any]]) -> bool:
    if old is None or new is None:
        return old is new
    return old.keys() == new.keys() and _same_values(
        tuple(old.values()), tuple(new[key] for key in old)
    )


def _same_function(old: types.FunctionType, new: types.FunctionType) -> bool:
    """Whether `old` already does what `new` does: same code, defaults, doc, no attributes.

    Code objects compare by value (bytecode, constants, names, first line);
    the globals differ, but the old module's namespace will mirror the new one.
    """
    return (
        old.__code__ == new.__code__
        and _same_values(old.__defaults__, new.__defaults__)
        and _same_keywords(old.__kwdefaults__, new.__kwdefaults__)
        and old.__doc__ == new.__doc__
        and not old.__dict__
        and not new.__dict__
    )


# Module name -> weak references to old functions still held after a reload
# of that module. Their globals are old namespaces of the module, made to
# mirror the newest one at every reload: an old namespace that kept pointing
# at the modules of its own time would keep each generation alive.
_held: Dict[str, Dict[int, "weakref.ref[types.FunctionType]"]] = {}


def _hold_namespace(function: types.FunctionType) -> None:
    name = function.__globals__.get("__name__")
    if isinstance(name, str):
        held = _held.setdefault(name, {})
        for key in [key for key, ref in held.items() if ref() is None]:
            del held[key]
        held[id(function)] = weakref.ref(function)


def _older_versions(function: types.FunctionType) -> List[types.FunctionType]:
    """Functions of earlier versions of `function` that something still holds."""
    name = function.__globals__.get("__name__")
    held = _held.get(name) if isinstance(name, str) else None
    if not held:
        return []
    found = []
    for ref in list(held.values()):
        older = ref()
        if older is not None and older is not function:
            if older.__qualname__ == function.__qualname__:
                found.append(older)
    return found


def _old_namespaces(name: str, old_module: types.ModuleType) -> List[Dict[str, Any]]:
    """The old module's namespace and every older one still held through a function."""
    namespaces = {id(old_module.__dict__): old_module.__dict__}
    for ref in list(_held.get(name, {}).values()):
        function = ref()
        if function is not None:
            namespaces.setdefault(id(function.__globals__), function.__globals__)
    return list(namespaces.values())


def _mirror(old: Dict[str, Any], new: Dict[str, Any]) -> None:
    # Never cleared: a thread still running old code sees each name old or new.
    for key in [k for k in old if k not in new]:
        del old[key]
    old.update(new)


def _wrapped(thing: Any) -> Any:
    # functools.wraps and lru_cache leave the decorated function here.
    if not callable(thing):
        return None  # and no AttributeError raised and caught for every constant
    attributes = getattr(thing, "__dict__", None)
    return attributes.get("__wrapped__") if isinstance(attributes, dict) else None


def _cell_value(cell: Any) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return None


def _fix_class_cell(function: types.FunctionType, new: type, old: type) -> None:
    # super() without arguments reads the __class__ cell; the new class is discarded.
    code = function.__code__
    if "__class__" in code.co_freevars and function.__closure__:
        cell = function.__closure__[code.co_freevars.index("__class__")]
        if _cell_value(cell) is new:
            cell.cell_contents = old


def _restore_function(
    function: types.FunctionType, code: types.CodeType, defaults: Any, kwdefaults: Any,
    doc: Any, annotations: Any, attributes: Any,
) -> None:
    function.__code__ = code
    function.__defaults__ = defaults
    function.__kwdefaults__ = kwdefaults
    function.__doc__ = doc
    function.__annotations__ = annotations
    function.__dict__ = attributes


def _put_class_attribute(cls: type, key: str, value: Any) -> None:
    if value is _MISSING:
        if key in cls.__dict__:
            type.__delattr__(cls, key)
    else:
        type.__setattr__(cls, key, value)


def _restore_enum(cls: Any, saved: Tuple[Dict[str, Any], List[str], Dict[Any, Any]]) -> None:
    members, names, values = saved
    cls._member_map_.clear()
    cls._member_map_.update(members)
    cls._member_names_[:] = names
    cls._value2member_map_.clear()
    cls._value2member_map_.update(values)


def _swap_back(container: Set[Any], new: Any, old: Any) -> None:
    container.discard(new)
    container.add(old)
