"""Give the new code to the functions an old function made at run time.

A factory's closures (the handler a router wraps round each route, the
wrapper a decorator of a package not reloaded made, the methods of a class
made in a function) are held by the program's data, not by a module or a
class: nothing names them. When a function that was replaced or updated
holds nested code whose behaviour changed (its bytecode, constants, names
or arguments; not only its line numbers), one search of the heap finds the
functions still running that nested code, and each takes the new code,
keeping its cells (what the call captured) and defaults. One whose free
variables changed, or whose defaults would fall on other arguments, keeps
the old code and is reported. Nested code is paired by name; among several
of one name (lambdas, a decorator's sync and async `wrapper`), those doing
the same first, then the one changed: several changed cannot be told apart,
and what they made keeps the old code, reported. A reload whose nested code
did not change searches nothing.

It must not look at anything but code objects and the functions that run them.
"""

import gc
import types
import weakref
from typing import Any, Dict, Iterator, List, Set, Tuple

from . import _instances, _state
from ._journal import Journal

_NEW_LOCALS = 0x2  # inspect.CO_NEWLOCALS: a function's code, not a class body's
_ARGUMENT_FLAGS = 0x4 | 0x8  # *args, **kwargs
#: Nested code that makes no function another object could keep.
_COMPREHENSIONS = frozenset(("<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>"))

_Found = Dict[int, Tuple[types.CodeType, Any, str]]


class Factories:
    """The code objects of the old functions a reload replaced, with their new code."""

    def __init__(self) -> None:
        self.codes: List[Any] = []  # old code, new code, qualified name, ... (flat)

    def note(self, old: types.CodeType, new: types.CodeType, name: str) -> None:
        """`old` (of the function `name`) is replaced by `new`: look inside later."""
        if old is not new:
            self.codes += (old, new, name)

    def dropped(self, old: types.FunctionType, new: types.FunctionType) -> None:
        """`old` goes, unpaired: look inside it later if it may have made functions (it
        holds the code of a function, not only of comprehensions; the test is cheap)."""
        for constant in old.__code__.co_consts:
            if type(constant) is types.CodeType and constant.co_name not in _COMPREHENSIONS:
                self.codes += (old.__code__, new.__code__,
                               "{}.{}".format(old.__module__, old.__qualname__))
                return

    def update(self, journal: Journal, notes: Dict[str, str], seen: Set[int]) -> None:
        """Give the new code to the functions made from changed nested code.

        `seen`: ids of the old functions pairing took care of already.
        """
        codes, self.codes = self.codes, []
        changed: _Found = {}
        earlier = _state.current().nested_codes
        for index in range(0, len(codes), 3):
            for old, new, name in _nested_pairs(codes[index], codes[index + 1], codes[index + 2]):
                # And the versions before it that did the same: the closures
                # made before an earlier reload that changed nothing run those.
                entry = earlier.pop(id(old), None)
                versions = [old]
                if entry is not None and entry[0]() is old:
                    versions += [v for v in map(_call, entry[1]) if v is not None]
                if new is not None and _behaviour(old) == _behaviour(new):
                    earlier[id(new)] = (weakref.ref(new), list(map(weakref.ref, versions)))
                else:
                    changed.update((id(version), (version, new, name)) for version in versions)
        if len(earlier) > 64:
            for key, entry in list(earlier.items()):
                if entry[0]() is None:
                    del earlier[key]
        if changed:
            self._search(changed, journal, notes, seen)

    @staticmethod
    def _search(changed: _Found, journal: Journal, notes: Dict[str, str], seen: Set[int]) -> None:
        kept: Dict[str, List[str]] = {}
        _instances.thaw()  # Python 3.7: the old functions are frozen out of the search
        old_codes = [entry[0] for entry in changed.values()]
        thing = None
        for thing in gc.get_referrers(*old_codes):
            if type(thing) is not types.FunctionType or id(thing) in seen:
                continue
            entry = changed.get(id(thing.__code__))
            if entry is None or thing.__code__ is not entry[0]:
                continue
            why = _AMBIGUOUS if entry[1] is None else _refusal(thing, entry[1])
            if why is None:
                journal.set(thing, "__code__", entry[1])
            else:
                kept.setdefault(entry[2], []).append(why)
        del thing
        for name, reasons in kept.items():
            notes[name] = "{} {} it made before the reload keep{} the old code: {}".format(
                len(reasons), "function" if len(reasons) == 1 else "functions",
                "s" if len(reasons) == 1 else "", "; ".join(sorted(set(reasons))))


_AMBIGUOUS = "several nested definitions of its name changed, which cannot be told apart"


def _call(reference: Any) -> Any:
    return reference()


def _nested_pairs(
    old: types.CodeType, new: types.CodeType, name: str
) -> Iterator[Tuple[types.CodeType, Any, str]]:
    """The nested code objects of `old` and `new` that are one definition, paired by
    name and then as `_one_to_one` tells among those of one name, at every depth
    (None for the new one: which it is cannot be told); `name` is `old`'s
    qualified name."""
    olds = [c for c in old.co_consts if type(c) is types.CodeType]
    if not olds:
        return
    news: Dict[str, List[types.CodeType]] = {}
    for code in new.co_consts:
        if type(code) is types.CodeType:
            news.setdefault(code.co_name, []).append(code)
    by_name: Dict[str, List[types.CodeType]] = {}
    for code in olds:
        by_name.setdefault(code.co_name, []).append(code)
    inside = name + (".<locals>." if old.co_flags & _NEW_LOCALS else ".")
    for key, same_name in by_name.items():
        if len(news.get(key, ())) != len(same_name):
            continue  # added or removed: which is which is not sure
        for old_code, new_code in _one_to_one(same_name, news[key]):
            if old_code is not new_code:
                yield old_code, new_code, inside + key
                if new_code is not None:
                    yield from _nested_pairs(old_code, new_code, inside + key)


def _one_to_one(olds: List[types.CodeType], news: List[types.CodeType]
                ) -> List[Tuple[types.CodeType, Any]]:
    """Old and new nested code objects of one name, as pairs. Several (lambdas, a
    decorator's two `wrapper`s): those doing the same are paired first, then the one
    changed, if one; several changed cannot be told apart (swapped lambdas would run
    each other's bodies): those are paired with None."""
    if len(olds) == 1:
        return [(olds[0], news[0])]
    left = list(news)
    pairs: List[Tuple[types.CodeType, Any]] = []
    changed = []
    for old in olds:
        same = next((new for new in left if _behaviour(new) == _behaviour(old)), None)
        if same is None:
            changed.append(old)
        else:
            left.remove(same)
            pairs.append((old, same))
    pairs.extend(zip(changed, left) if len(changed) == 1 else ((c, None) for c in changed))
    return pairs


def _behaviour(code: types.CodeType) -> Tuple[Any, ...]:
    """What a code object does, whatever line it starts on."""
    return (
        code.co_code, code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars,
        code.co_argcount, code.co_kwonlyargcount, code.co_flags,
        tuple(_behaviour(c) if type(c) is types.CodeType else (type(c), c)
              for c in code.co_consts),
    )


def _refusal(function: types.FunctionType, code: types.CodeType) -> Any:
    """Why `function` cannot run `code` with its own cells and defaults, or None."""
    old = function.__code__
    if old.co_freevars != code.co_freevars:
        return "its closure changed from ({}) to ({})".format(
            ", ".join(old.co_freevars), ", ".join(code.co_freevars))
    if (function.__defaults__ or function.__kwdefaults__) and _arguments(old) != _arguments(code):
        return "its arguments changed, and the defaults it was made with would not fit"
    return None


def _arguments(code: types.CodeType) -> Tuple[Any, ...]:
    count = code.co_argcount + code.co_kwonlyargcount
    return (code.co_varnames[:count], code.co_argcount, getattr(code, "co_posonlyargcount", 0),
            code.co_flags & _ARGUMENT_FLAGS)
