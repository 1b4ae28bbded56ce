"""Pair each old function with the new one that is surely the same definition.

A pair is made only by position, of two functions with the same qualified
name, made by the code of one module: the same name in a module or class
namespace, the same free variable of a decorator's wrapper, the function a
method, descriptor, `functools.partial` or `functools.wraps` wrapper holds,
and the earlier versions remembered for the old function. Two definitions
that share a qualified name (lambdas, wrappers one decorator made without
`functools.wraps`) are thus never confused. The old function then runs the
new code: its code, defaults, docstring and attributes become the new ones,
each change written to the journal. `same_function` is the one test of
"nothing to do". Whether an old function needs pairing at all is
`_held`'s to tell.

It must not look anything up by name across objects.
"""

import dis
import functools
import types
from typing import Any, Dict, List, Optional, Set

from . import _generations
from ._containers import attributes_of, held_functions
from ._journal import Journal
from ._made_later import Factories

_LRU_CACHE = type(functools.lru_cache()(len))
#: Constants compared by value; a set, as `kind in PLAIN` runs for most class attributes.
PLAIN = frozenset((str, int, float, bool, bytes, type(None)))
DESCRIBED = (types.FunctionType, classmethod, staticmethod, property)
CALLABLES = (
    types.FunctionType,
    types.MethodType,
    classmethod,
    staticmethod,
    property,
    functools.partial,
)


def qualname(thing: Any) -> str:
    return "{}.{}".format(
        getattr(thing, "__module__", "?"), getattr(thing, "__qualname__", type(thing).__name__)
    )


def same_values(old: Any, new: Any) -> bool:
    """Whether two tuples hold the same objects, or equal plain constants."""
    if old is new:
        return True
    if type(old) is not type(new) or len(old) != len(new):
        return False
    for index in range(len(old)):  # no generator: this runs for most functions
        a = old[index]
        b = new[index]
        if a is not b and not (type(a) is type(b) and type(a) in PLAIN and a == b):
            return False
    return True


def _same_keywords(old: Optional[Dict[str, Any]], new: Optional[Dict[str, Any]]) -> bool:
    if old is None or new is None:
        return old is new
    return old.keys() == new.keys() and same_values(
        tuple(old.values()), tuple(new[key] for key in old)
    )


def same_definition(old: types.FunctionType, new: types.FunctionType) -> bool:
    """Whether two functions can be versions of one definition: one qualified name, made by
    code of one module (by the namespaces they read: a package may rename `__module__`).

    Code made by `exec()` in a namespace of its own (a template's compiled
    `render`, an `__init__` a class builder wrote) keeps that namespace when
    it takes the new code: only where it holds every global the new code reads.
    """
    name = old.__globals__.get("__name__")
    if old.__qualname__ != new.__qualname__ or name != new.__globals__.get("__name__"):
        return False
    if isinstance(name, str) or old.__globals__ is new.__globals__:
        return True
    names = old.__globals__
    builtins = names.get("__builtins__", {})
    builtins = getattr(builtins, "__dict__", builtins)
    return all(key in names or key in builtins for key in _globals_read(new.__code__))


def _globals_read(code: types.CodeType) -> Set[str]:
    """The global names `code` and the code inside it read or write."""
    found = {i.argval for i in dis.get_instructions(code) if i.opname in _GLOBAL_OPS}
    for inner in code.co_consts:
        if type(inner) is types.CodeType:
            found |= _globals_read(inner)
    return found


_GLOBAL_OPS = frozenset(("LOAD_GLOBAL", "STORE_GLOBAL", "DELETE_GLOBAL", "LOAD_NAME"))


def same_function(old: types.FunctionType, new: types.FunctionType) -> bool:
    """Whether `old` already does what `new` does: same code, defaults, doc, no attributes.

    Code objects compare by value (bytecode, constants, names, first line);
    the globals differ, but the old module's namespace will mirror the new
    one. What the closure cells hold is paired on its own.
    """
    if old.__code__ != new.__code__ or old.__doc__ != new.__doc__ or old.__dict__ or new.__dict__:
        return False
    defaults = old.__defaults__
    if defaults is not None and not same_values(defaults, new.__defaults__):
        return False
    if defaults is None and new.__defaults__ is not None:
        return False
    keywords = old.__kwdefaults__
    return keywords is new.__kwdefaults__ or _same_keywords(keywords, new.__kwdefaults__)


def functions_of(thing: Any) -> List[types.FunctionType]:
    """The plain functions inside a class member: itself, or what a descriptor wraps."""
    kind = type(thing)
    if kind is types.FunctionType:
        return [thing]
    if kind is property:
        functions = []
        for part in (thing.fget, thing.fset, thing.fdel):
            if type(part) is types.FunctionType:
                functions.append(part)
            elif part is not None:
                functions.extend(functions_of(part))
        return functions
    if kind is classmethod or kind is staticmethod:
        part = thing.__func__
        return [part] if type(part) is types.FunctionType else functions_of(part)
    if not issubclass(kind, DESCRIBED):
        return []
    if issubclass(kind, types.FunctionType):
        return [thing]
    if issubclass(kind, (classmethod, staticmethod)):
        return functions_of(thing.__func__)
    if issubclass(kind, property):
        return [f for part in (thing.fget, thing.fset, thing.fdel) for f in functions_of(part)]
    return []


def wrapped(thing: Any) -> Any:
    """What `functools.wraps` or `lru_cache` left in `__wrapped__`, or None."""
    if not callable(thing):
        return None  # and no AttributeError raised and caught for every constant
    attributes = attributes_of(thing)
    return attributes.get("__wrapped__") if attributes is not None else None


def followed(thing: Any) -> bool:
    """Whether pairing looks into `thing`: what `pair` sees through, or holds functions."""
    kind = type(thing)
    return issubclass(kind, CALLABLES) or wrapped(thing) is not None or bool(held_functions(thing))


def cell_value(cell: Any) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return None


class Pairer:
    """Gives old functions the new code, following each pair into what it holds."""

    def __init__(self, journal: Journal, canon: Any, notes: Dict[str, str]) -> None:
        self.journal = journal
        self.canon = canon
        self.notes = notes
        self.seen: Set[int] = set()
        #: old, new, old, new...: every old function paired, for the memory of versions.
        self.pairs: List[Any] = []
        #: The code replaced, for the functions it made at run time.
        self.factories = Factories()
        #: Old `lru_cache` wrappers given the new code, whose results go once the reload stands.
        self.caches: List[Any] = []

    def pair(self, old: Any, new: Any, itself: bool = True) -> None:
        """Make `old` run what `new` runs, looking through wrappers and descriptors.

        With `itself` False, `old` is a function about to be dropped (see
        `_held.only_held_by`): only what it holds is paired.
        """
        if old is new or old is None or new is None or id(old) in self.seen:
            return
        # Types, not isinstance: a proxy's __class__ may raise, or lie.
        old_kind, new_kind = type(old), type(new)
        if (old_kind is new_kind is types.FunctionType) or (
            issubclass(old_kind, types.FunctionType) and issubclass(new_kind, types.FunctionType)
        ):
            if not same_definition(old, new):
                return  # a name bound to another function (one it wraps, say)
            self.seen.add(id(old))
            self.pairs += (old, new)
            if itself and not same_function(old, new):
                self._update(old, new)
            elif not itself:
                self.factories.dropped(old, new)
            if old.__closure__ and new.__closure__:
                self._pair_cells(old, new)
            if old.__dict__ or new.__dict__:
                self.pair(wrapped(old), wrapped(new))
            for older in _generations.older_versions(old):  # still held from reloads before
                self.pair(older, new)
            return
        self.seen.add(id(old))
        if issubclass(old_kind, types.MethodType) and issubclass(new_kind, types.MethodType) or (
                issubclass(old_kind, (classmethod, staticmethod)) and old_kind is new_kind):
            self.pair(old.__func__, new.__func__)
        elif issubclass(old_kind, property) and issubclass(new_kind, property):
            for part in ("fget", "fset", "fdel"):
                self.pair(getattr(old, part), getattr(new, part))
        elif issubclass(old_kind, functools.partial) and issubclass(new_kind, functools.partial):
            self.pair(old.func, new.func)
        if issubclass(old_kind, type):
            return
        if old_kind is _LRU_CACHE:
            self.caches.append(old)  # its results are the old code's: cleared on success
        inner, new_inner = wrapped(old), wrapped(new)
        if inner is not None:  # with what the new one wraps, or itself (the decorator went)
            self.pair(inner, new if new_inner is None else new_inner)
        elif old_kind is new_kind and not issubclass(old_kind, CALLABLES):
            # A wrapper with no `__wrapped__` to read (slots; wrapt's, in C): what it holds.
            held = held_functions(new)
            for name, function in held_functions(old).items():
                self.pair(function, held.get(name))

    def keep(self, old: types.FunctionType, new: types.FunctionType) -> None:
        """`new` takes the place of `old`, which already does the same (maybe held)."""
        self.pairs += (old, new)

    def _pair_cells(self, old: types.FunctionType, new: types.FunctionType) -> None:
        # A decorator's wrapper holds the decorated function in a cell.
        old_cells = old.__closure__ or ()
        new_cells = new.__closure__ or ()
        old_names = old.__code__.co_freevars
        new_names = new.__code__.co_freevars
        for index in range(len(old_cells)):
            name = old_names[index]
            if name == "__class__" or name not in new_names:
                continue
            value = cell_value(old_cells[index])
            if callable(value) or issubclass(type(value), CALLABLES):
                self.pair(value, cell_value(new_cells[new_names.index(name)]))

    def _update(self, old: types.FunctionType, new: types.FunctionType) -> None:
        if old.__code__.co_freevars != new.__code__.co_freevars:
            if old.__code__.co_filename == new.__code__.co_filename != "<string>":
                self.notes[qualname(old)] = (
                    "its closure changed from ({}) to ({}); the old function object "
                    "keeps running the old code".format(
                        ", ".join(old.__code__.co_freevars), ", ".join(new.__code__.co_freevars)
                    )
                )
            return
        canon = self.canon.get
        defaults = new.__defaults__
        if defaults and any(canon(d) is not d for d in defaults):
            defaults = tuple(canon(d) for d in defaults)
        keywords = new.__kwdefaults__
        if keywords and any(canon(v) is not v for v in keywords.values()):
            keywords = {k: canon(v) for k, v in keywords.items()}
        attributes = old.__dict__
        if attributes or new.__dict__:
            attributes = dict(new.__dict__)
            if "__wrapped__" in old.__dict__:
                attributes["__wrapped__"] = old.__dict__["__wrapped__"]  # keep the old chain
        before = (
            old.__code__, old.__defaults__, old.__kwdefaults__, old.__doc__,
            old.__annotations__, old.__dict__,
        )
        try:
            _put_function(
                old, new.__code__, defaults, keywords, new.__doc__, new.__annotations__,
                attributes,
            )
        except Exception as error:  # a function whose attributes refuse the new values
            _put_function(old, *before)
            self.notes[qualname(old)] = "its new code could not be set: {}".format(error)
            return
        self.journal.log(_put_function, old, *before)
        self.factories.note(before[0], new.__code__, qualname(old))


def _put_function(
    function: types.FunctionType, code: types.CodeType, defaults: Any, kwdefaults: Any,
    doc: Any, annotations: Any, attributes: Any,
) -> None:
    function.__code__ = code
    function.__defaults__ = defaults
    function.__kwdefaults__ = kwdefaults
    function.__doc__ = doc
    function.__annotations__ = annotations
    if function.__dict__ is not attributes:
        function.__dict__ = attributes
