"""Patch an old class in place from its new version, where that is known to be safe.

Patched, the old class object takes the new body (functions, descriptors, constants; enum
members are reconciled so the old members stay the members) and stands for the new class
everywhere: old instances, new code and `from x import Cls` names meet one class. A class
is patched only where `_safety` finds it safe and every write succeeds, import-time
instances included; otherwise every write to it is taken back, and the new class stays
beside the old one: new code gets the new class, old instances keep the old code, and the
report says why. Attributes set on the old class at run time, not by its body, stay.

It must not touch a class the new module did not make again.
"""

import contextlib
import enum
import types
from typing import Any, Dict, FrozenSet, List, Sequence, Set, Tuple

from ._body import (
    DESCRIPTORS,
    ENUM_OWN,
    OWN,
    drop_removed,
    fields_note,
    fields_of,
    for_class,
    kept_cache,
    owned_keys,
    unsettable,
    wrapped_methods,
    wrapper_for_class,
)
from ._canonical import Canon
from ._containers import CONTAINERS, attributes_of, same_place, same_sentinel
from ._enums import update_enum
from ._generations import weakly_called
from ._held import only_held_by, unheld
from ._instances import reclass
from ._journal import MISSING, Journal, restore_class_dict
from ._pairing import (
    PLAIN,
    Pairer,
    followed,
    functions_of,
    qualname,
    same_function,
    same_values,
)
from ._safety import Refused, refusal, tied

_OWN_ENUM = OWN | ENUM_OWN
# Sets of types, not tuples: `kind in` them runs for most class attributes.
_WRAPPERS = frozenset((classmethod, staticmethod, property))
_CONTAINERS = frozenset(CONTAINERS)
_LAYOUT = frozenset(DESCRIPTORS)
#: Exactly these types are never called, never wrap a function, never an enum member.
_INERT = PLAIN | _CONTAINERS | {tuple, frozenset}
_SPLIT = "; the new class is a different object and old instances keep the old code"


class TwoHierarchies(TypeError):
    """A class cannot be patched while a base class of it was: the reload must fail."""

    refusal = True  # a reason to refuse the user's code, not reloader failing (see blame)


class ClassPatcher:
    """Patches old classes, or leaves them whole beside their new version."""

    def __init__(
        self, journal: Journal, canon: Canon, pairer: Pairer, notes: Dict[str, str],
        replaced: Dict[int, Tuple[Any, Any, str]],
    ) -> None:
        self.journal, self.canon, self.pairer = journal, canon, pairer
        self.notes, self.replaced = notes, replaced
        self.patched: Set[int] = set()
        self.split: Set[int] = set()  # ids of new classes that stand beside their old version
        #: Registries in class bodies, functions with closures or defaults: settled later.
        self.containers: List[Tuple[Any, str]] = []
        self.functions: List[types.FunctionType] = []
        #: Old methods only weak references call, kept alive once the reload succeeds.
        self.weakly: List[types.FunctionType] = []
        #: class, key, value, ...: other attributes set, canonicalised at that time too.
        self.attributes: List[Any] = []
        #: old class, new class, old, new...: whose body keys are remembered after success.
        self.bodies: List[type] = []
        #: Modules of this reload whose new code has not finished running, and all of them.
        self.running: Set[str] = set()
        self.reloading: FrozenSet[str] = frozenset()
        #: Classes waiting for their bases or metaclass to be patched first.
        self.waiting: List[Tuple[type, type, List[Any]]] = []
        self.waiting_ids: Set[int] = set()
        #: ids of new classes that must not replace their old one, or take its bases -> why.
        self.refused: Dict[int, str] = {}
        self.unbased: Dict[int, str] = {}
        #: metaclass -> owned_keys(), for this reload (a metaclass is patched before its classes).
        self.owned: Dict[type, FrozenSet[str]] = {}

    def update_later(self, old: type, new: type, instances: Sequence[Any]) -> None:
        """`update`, once the modules that made `new`'s bases and metaclass finished.

        In an import cycle a module can subclass a class of one that has not
        finished running; that base is patched (or not) only then.
        """
        running, waiting = self.running, self.waiting_ids
        for base in new.__bases__ + (type(new),):
            if (base.__module__ in running or id(base) in waiting) and (
                self.canon.new.get(id(base)) is not base
            ):
                self.waiting.append((old, new, list(instances)))
                self.waiting_ids.add(id(new))
                self._adopt_metaclass(new)
                return
        self.update(old, new, instances)

    def retry(self, final: bool = False) -> None:
        """Update the waiting classes whose bases are done; with `final`, all of them."""
        waiting, self.waiting = self.waiting, []
        self.waiting_ids = set()
        for old, new, instances in waiting:
            (self.update if final else self.update_later)(old, new, instances)

    def update(self, old: type, new: type, instances: Sequence[Any] = ()) -> bool:
        """Patch `old` with `new`'s body, and re-class `instances` of `new`; or report why not."""
        if self.canon.new.get(id(new)) is new:
            return self.canon.old[id(new)] is old
        if old.__qualname__ != new.__qualname__ or id(new) in self.split:
            return False
        self.rebase(new)
        why = self.refused.get(id(new)) or refusal(old, new, self.canon, self.split)
        if why is None:
            marks = (len(self.journal.entries), len(self.canon.new), len(self.pairer.pairs),
                     len(self.containers), len(self.bodies))
            self.canon.new[id(new)] = new  # canon.map, inline: this runs for every class
            self.canon.old[id(new)] = old
            try:
                self._patch(old, new, list(instances))
            except TwoHierarchies:
                raise
            except Exception as error:
                failures = self.journal.undo(marks[0])
                self.canon.rollback(marks[1])
                del self.pairer.pairs[marks[2]:]
                del self.containers[marks[3]:]
                del self.bodies[marks[4]:]
                why = str(error) if isinstance(error, Refused) else "it could not be patched " \
                    "({}: {}){}".format(type(error).__name__, error, self.unbased.get(id(new), ""))
                why += "".join("; " + failure for failure in failures)
            else:
                self.patched.add(id(old))
                return True
        for base in new.__mro__[1:]:
            if self.canon.new.get(id(base)) is base:
                raise TwoHierarchies(
                    "cannot update class {!r}: {}; its base class {!r} was updated in place, "
                    "so old and new code would meet two class hierarchies".format(
                        qualname(old), why, qualname(base)
                    )
                )
        self.notes[qualname(old)] = why + _SPLIT
        self.replaced[id(old)] = (old, new, qualname(old))
        self.split.add(id(new))
        self._adopt_metaclass(new)
        return False

    def rebase(self, new: type) -> None:
        """Put `new` on the patched bases, as new code names them; `unbased` says why not."""
        if not self.canon.new.keys().isdisjoint(map(id, new.__bases__)):
            try:
                self.journal.set(new, "__bases__", tuple(map(self.canon.get, new.__bases__)))
            except TypeError as error:  # a layout, or CPython's check of it: split, or refused
                self.unbased[id(new)] = "; it cannot take the patched bases: {}".format(error)

    def _adopt_metaclass(self, new: type) -> None:
        # A new class in use beside (or before) its old one, made by a metaclass already patched:
        # of the patched metaclass, or a class naming it and deriving from it meets two.
        meta = self.canon.get(type(new))
        if meta is not type(new):
            with contextlib.suppress(TypeError):  # a metaclass conflict: the new code's
                self.journal.set_class(new, meta)

    def _patch(self, old: type, new: type, instances: List[Any]) -> None:
        journal, canon = self.journal, self.canon
        old_dict = old.__dict__
        new_dict = new.__dict__
        if new.__bases__ != old.__bases__:
            bases = tuple(canon.get(b) for b in new.__bases__)
            if bases != old.__bases__:
                journal.set(old, "__bases__", bases)
        is_enum = type(old) is not type and isinstance(old, enum.EnumMeta)
        own = _OWN_ENUM.union(new._member_map_) if is_enum else OWN  # type: ignore[attr-defined]
        fields = fields_of(old_dict, "__dataclass_fields__")
        owned = self.owned.get(type(old))
        if owned is None:
            owned = self.owned[type(old)] = owned_keys(type(old))
        # The whole dictionary comes back on undo: also what the rest of the
        # new code writes on the old class while the reload goes on (a
        # registry kept as class attributes). Logged before the writes, as
        # putting a copy back is right however far they got.
        journal.log(restore_class_dict, old, old_dict.copy())
        mapped, canonical = canon.new, canon.old
        get = old_dict.get
        for key, value in new_dict.items():
            current = get(key, MISSING)
            if current is value:
                continue  # Enum.__new__ and the like, shared by both versions
            kind = type(value)
            if kind is types.FunctionType:  # the common case, kept short
                if value.__closure__:
                    value = for_class(value, new, old)
                    self.functions.append(value)  # its cells once the module's enums are done
                elif value.__defaults__ or value.__kwdefaults__ or value.__dict__:
                    self.functions.append(value)  # or a wrapper (functools.wraps)
                if type(current) is types.FunctionType:
                    if unheld(current, 2):  # the class dictionary and its saved copy
                        self.pairer.factories.dropped(current, value)
                    elif current.__closure__ is None and same_function(current, value):
                        self.pairer.keep(current, value)  # most methods of a reload
                    else:  # dropped, a wrapper needs only what it holds paired
                        self.pairer.pair(current, value, not only_held_by(current, 2))
                    if weakly_called(current):  # a signal's WeakMethod: alive, as its class
                        self.weakly.append(current)
                type.__setattr__(old, key, value)
                continue
            if key in own:
                continue
            if key in owned and kind not in _LAYOUT:  # the old entry stays, new code
                why = unsettable(key, current, value)
                if why is not None:
                    raise Refused(why)
                self.pairer.pair(current, value)
                continue
            if kind in _WRAPPERS:  # a property or classmethod: never canonical, no module's
                if type(current) is kind is not property and current.__func__ is value.__func__:
                    continue  # one function wrapped again (on 3.12, each enum's staticmethod)
                value = wrapper_for_class(value, new, old)
                self.functions.extend(functions_of(value))
                if (type(current) in _WRAPPERS or _pairable(current)) and not unheld(current, 2):
                    self.pairer.pair(current, value)
                type.__setattr__(old, key, value)
                continue
            if kind is type(current) and (kind in PLAIN and current == value or (
                    kind is tuple and same_values(current, value))):
                continue  # setting a class attribute is not free: leave what is equal
            if kind in _LAYOUT and getattr(value, "__objclass__", None) is new:
                continue  # a slot or __dict__ of the new layout: the old one is the same
            if issubclass(kind, type) and issubclass(type(current), type):
                if current.__qualname__ == "{}.{}".format(old.__qualname__, key):
                    if self.update(current, value):
                        continue  # the old nested class stays, patched
            elif kind is new:
                instances.append(value)  # made at import time: re-classed below
            elif kind is tuple or kind is frozenset:
                value = canon.settled(value)  # (Cls, int): the class itself, canonical
            elif kind is type(current) and key[:2] != "__" and kind.__module__ != "builtins" \
                    and same_sentinel(current, value):  # `closed = State("closed")`, held
                canon.map(value, current)
                value = current
            elif kind in _CONTAINERS:
                if kind is type(current) and kept_cache(journal, current, value):
                    value = current  # a weak cache of its instances: the old ones stay found
                if not (key[:1] == "_" and key[-1:] == "_"):
                    self.containers.append((value, "{}.{}".format(qualname(old), key)))
                    for one, two in same_place(current, value):  # a table of lambdas, by key
                        self.pairer.pair(one, two)
            elif kind is types.MethodType and value.__self__ is new:  # enum.Flag's _iter_member_
                value = types.MethodType(value.__func__, old)
            elif kind not in PLAIN and not issubclass(kind, type) and tied(value, new):
                raise Refused(
                    "its new version holds {!r}, state tied to the new class (built by its "
                    "body, or by code run at import) that the old class cannot share".format(key)
                )
            if _pairable(current) and not unheld(current, 2):
                self.pairer.pair(current, value)
            if mapped.get(id(value), MISSING) is value:  # value may be None
                value = canonical[id(value)]
            type.__setattr__(old, key, value)
            if kind not in _INERT:  # an enum member or a class patched later, maybe
                self.functions.extend(wrapped_methods(value))  # an lru_cache's: its super()
                attributes = None if issubclass(kind, type) else attributes_of(value)
                if attributes:  # a descriptor's (openpyxl's `Typed(expected_type=Side)`)
                    self.containers.append((attributes, "{}.{}".format(qualname(old), key)))
                module = getattr(value if issubclass(kind, type) else kind, "__module__", None)
                if module == old.__module__ or module in self.running:
                    self.attributes += (old, key, value)
        if not old_dict.keys() <= new_dict.keys():
            drop_removed(old, new, is_enum, owned, self.reloading)
        if is_enum:
            update_enum(old, new, self.canon, self.journal, self.notes)
        reclass(journal, instances, new, old, canon)
        note = fields_note(fields, new)
        if note is not None:
            self.notes[qualname(old) + " instances"] = note
        self.bodies += (old, new)


def _pairable(current: Any) -> bool:
    """Whether an old class attribute is something pairing follows (a function, a wrapper)."""
    return type(current) not in _INERT and current is not MISSING and followed(current)
