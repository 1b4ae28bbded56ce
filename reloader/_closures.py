"""Point what a function of the new code holds at the canonical objects (`_canonical`).

Its default values, the cells of its closure (a decorator's wrapper holds
what it was given, `@expect(State.ANY)`, and the function it wraps), its
attributes (what a decorator noted on it), the
small namespace of its own a function made with `exec()` holds its
callees in, and what `__wrapped__` names, a few levels down. Closure cells
are the new code's own and are rewritten in place; defaults go into the
journal.
"""

import operator
import sys
import types
from typing import TYPE_CHECKING, Any

from ._containers import constants
from ._journal import put_item

if TYPE_CHECKING:  # pragma: no cover
    from ._canonical import Canon


def _put_cell(cell: Any, value: Any) -> None:
    cell.cell_contents = value

_MISSING = object()


def settle_function(canon: "Canon", function: types.FunctionType, depth: int = 0) -> None:
    """Point a new function's defaults and closure cells at the canonical objects."""
    new = canon.new
    settle_defaults(canon, function, depth)
    closure = function.__closure__
    if closure is None and function.__globals__ is canon.home and not function.__dict__:
        return  # most functions: nothing held but what the module holds
    if not new or depth > 3:
        return
    for cell in closure or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        kind = type(value)
        if new.get(id(value), _MISSING) is value:
            cell.cell_contents = canon.old[id(value)]
            canon.journal.log(_put_cell, cell, value)
        elif kind is types.FunctionType:
            settle_function(canon, value, depth + 1)
        elif kind is tuple or kind is frozenset:
            settled = canon.settled(value, depth)  # (State.ACTIVE, State.PREPARED)
            if settled is not value:
                cell.cell_contents = settled
                canon.journal.log(_put_cell, cell, value)
        elif kind is dict or kind is list or kind is set:  # singledispatch's registry
            canon.container(value, function.__qualname__, depth + 1)
    # A function made with exec() in a small namespace of its own (a
    # decorator library's generated wrapper) holds what it calls there.
    # Or a copy of a module's, with names of its own (alembic's proxy methods
    # name the class they serve): its names, but not its many functions.
    namespace = function.__globals__
    if namespace is canon.home:
        pass  # the module's own namespace, canonicalised on its own
    elif getattr(
        sys.modules.get(namespace.get("__name__")),  # type: ignore[arg-type]
        "__dict__", None,
    ) is not namespace and id(namespace) not in canon.fresh:
        small = len(namespace) < 32
        for key, value in list(namespace.items()):
            if new.get(id(value), _MISSING) is value:
                namespace[key] = canon.old[id(value)]
            elif small and type(value) is types.FunctionType and value is not function:
                settle_function(canon, value, depth + 1)
    attributes = function.__dict__
    wrapped = attributes.get("__wrapped__") if attributes else None
    if type(wrapped) is types.FunctionType:
        settle_function(canon, wrapped, depth + 1)
    for key, value in list(attributes.items()) if attributes else ():
        if value is not wrapped:  # what a decorator noted (`__bindings__`: the classes to inject)
            settled = canon.settled(value, depth + 1)
            if settled is not value:
                attributes[key] = settled
                canon.journal.log(put_item, attributes, key, value)


def settle_defaults(canon: "Canon", function: types.FunctionType, depth: int = 0) -> None:
    """Point a function's default values at the canonical objects (journaled: an old
    function given the new code takes the new defaults before they are settled).

    `depth` bounds the walk: a function can be its own default (networkx's
    `argmap` wrapper is its own keyword default)."""
    defaults = function.__defaults__
    if defaults and not constants(defaults):
        settled = canon.settled(defaults, depth)  # (State.A, State.B) and OnDup(...) too
        if settled is not defaults:
            canon.journal.set(function, "__defaults__", settled)
    keywords = function.__kwdefaults__
    if keywords and not constants(keywords.values()):
        mapped = {key: canon.settled(value, depth) for key, value in keywords.items()}
        if any(map(operator.is_not, mapped.values(), keywords.values())):
            canon.journal.set(function, "__kwdefaults__", mapped)
