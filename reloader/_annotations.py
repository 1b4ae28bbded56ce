"""Point annotations, and the generics written in them, at the objects that stand for the new ones.

The new code's annotations name its classes as they were while it ran: the
new ones, which patching discards (`items: List[Inner]` in a dataclass, the
parameters of an endpoint or of an `__init__` a container injects). Converters
and frameworks read them back (`typing.get_type_hints`, `dataclasses.fields`,
attrs' `fields`) and build instances from them, which must be of the class
the module names. A subscripted generic (`List[Inner]`, `list[Inner]`,
`Inner | None`, `Box[Inner]`) cannot change: `rebuilt` makes it again around
the canonical objects, and `_canonical` maps the old one to it. Annotation
dictionaries (a module's, a class's, a function's) and the `type` of the
fields of dataclasses and attrs classes are rewritten, each write journaled.

It must not evaluate an annotation: on Python 3.14 a function's are made
when first asked for, from the module's names, which are canonical by then.
"""

import functools
import operator
import types
import typing
from typing import TYPE_CHECKING, Any, FrozenSet, List

if TYPE_CHECKING:  # pragma: no cover
    from ._canonical import Canon


def _alias_kinds() -> FrozenSet[type]:
    samples: List[Any] = [typing.List[int], typing.Optional[int], typing.Callable[[int], int],
                          typing.Tuple[int, ...], typing.Type[int]]
    if _GENERIC is not None:  # 3.9 and later
        annotated = getattr(typing, "Annotated")  # noqa: B009 (3.9 and later)
        samples += [_GENERIC(list, (int,)), annotated[int, 0]]
    if _UNION is not None:  # 3.10 and later
        samples.append(operator.or_(int, None))
    return frozenset(map(type, samples))


_GENERIC = getattr(types, "GenericAlias", None)  # list[int]
_UNION = getattr(types, "UnionType", None)  # `int | None` (3.10 to 3.13; typing.Union on 3.14)
#: The kinds of a subscripted generic.
ALIASES = _alias_kinds()
#: What an annotation dictionary holds when it names nothing that may need rewriting.
_PLAIN = frozenset((type, str, type(None)))


def rebuilt(canon: "Canon", alias: Any, depth: int, where: str) -> Any:
    """`alias`, a subscripted generic, made again around the canonical objects; or itself."""
    arguments = getattr(alias, "__args__", None)
    if type(arguments) is not tuple:
        return alias
    origin = getattr(alias, "__origin__", None)
    items = tuple(canon.settled(item, depth + 1, where) for item in arguments)
    base = canon.get(origin)
    if base is origin and all(map(operator.is_, items, arguments)):
        return alias
    kind = type(alias)
    try:
        if base is not origin:  # a generic class of the module's: Box[Inner]
            made = base[items if len(items) > 1 else items[0]]
        elif kind is _GENERIC:
            made = kind(origin, items)
        elif kind is _UNION or origin is typing.Union:
            made = functools.reduce(operator.or_, items) if kind is _UNION else \
                typing.Union[items]
        else:
            made = alias.copy_with(items)
    except Exception:  # an alias that cannot be made again: left as it is
        return alias
    canon.map(alias, made)
    return made


def settle_annotations(canon: "Canon", annotations: Any, where: str) -> None:
    """Rewrite an annotation dictionary naming discarded objects; told in C when it
    names none (classes, strings)."""
    if type(annotations) is not dict or not annotations:
        return
    values = annotations.values()
    if canon.new.keys().isdisjoint(map(id, values)) and _PLAIN.issuperset(map(type, values)):
        return
    canon.look(annotations, where)


def settle_function(canon: "Canon", function: types.FunctionType) -> None:
    """A function's annotations, when it has them already (never evaluated here)."""
    if not _LAZY:  # 3.14 makes them when asked for, from the module's names
        settle_annotations(canon, function.__annotations__, function.__qualname__)


def settle_class(canon: "Canon", cls: type, where: str) -> None:
    """A class's annotations (3.14: those asked for during import), its `__init__`'s
    (what a dependency injector reads: its other methods' are left, as reading
    each would cost every reload), and the types of its dataclass or attrs
    fields; those naming nothing that may need it are told in C."""
    attributes = cls.__dict__
    for key in ("__annotations__", "__annotations_cache__"):
        settle_annotations(canon, attributes.get(key), where)
    init = attributes.get("__init__")
    if type(init) is types.FunctionType:
        settle_function(canon, init)
    fields: Any = attributes.get("__dataclass_fields__")
    fields = list(fields.values()) if type(fields) is dict else attributes.get("__attrs_attrs__")
    if isinstance(fields, (list, tuple)) and fields:
        try:
            kinds = list(map(_type_of, fields))
        except Exception:  # not fields of dataclasses or attrs after all
            return
        if not canon.new.keys().isdisjoint(map(id, kinds)) or not _PLAIN.issuperset(
                map(type, kinds)):
            _settle_types(canon, fields, kinds, where)


def _settle_types(canon: "Canon", fields: Any, kinds: List[Any], where: str) -> None:
    # Fields are frozen in attrs: written past their __setattr__, as their slot.
    for field, before in zip(fields, kinds):
        after = canon.settled(before, 0, where)
        if after is not before:
            object.__setattr__(field, "type", after)
            canon.journal.log(object.__setattr__, field, "type", before)


#: Python 3.14: a function's annotations are made when first asked for.
_LAZY = hasattr(types.FunctionType, "__annotate__")
_type_of = operator.attrgetter("type")
