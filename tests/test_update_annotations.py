"""Live update: annotations and the generics in them name the classes the module names.

Found reloading cattrs, dataclasses-json and marshmallow-dataclass (fields
annotated `List[Inner]` built instances of a discarded class), typer and
FastAPI (the annotations of functions), and ruamel.yaml (a classmethod bound
to its class, stored as a constructor): each a pattern common in real code.
"""

import dataclasses
import sys
import typing
import unittest

import reloader
from tests.support import PackageCase

MODELS = """
import dataclasses
from typing import Generic, List, Optional, TypeVar

T = TypeVar("T")


class Box(Generic[T]):
    pass


def fields_of(cls):  # as attrs: frozen fields, in a tuple, each with its type
    cls.__attrs_attrs__ = tuple(Field(k, v) for k, v in cls.__annotations__.items())
    return cls


class Field:
    __slots__ = ("name", "type")

    def __init__(self, name, kind):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "type", kind)

    def __setattr__(self, key, value):
        raise AttributeError("frozen")


@dataclasses.dataclass
class Inner:
    x: int = {v}

    @classmethod
    def make(cls):
        return cls()


@dataclasses.dataclass
class Outer:
    one: Inner
    items: List[Inner]
    first: Optional[Inner] = None
    boxed: Optional[Box[Inner]] = None


@fields_of
class Frozen:
    inner: List[Inner]


def endpoint(body: Inner, many: List[Inner]) -> Optional[Inner]:
    return body


class Service:
    def __init__(self, inner: Inner) -> None:
        self.inner = inner


HINT = Optional[Inner]
TABLE = {{"hint": List[Inner], "make": Inner.make}}
MAKE = Inner.make
top: Inner = Inner()
"""


class AnnotationsTest(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/models.py", MODELS.format(v=1))
        self.models = self.load("{pkg}.models")
        self.Inner = self.models.Inner

    def assert_names_the_module_class(self) -> None:
        m, Inner = self.mod("{pkg}.models"), self.Inner
        self.assertIs(m.Inner, Inner)
        hints = typing.get_type_hints(m.Outer)
        self.assertIs(hints["one"], Inner)
        self.assertEqual(hints["items"], typing.List[Inner])
        self.assertIs(hints["items"].__args__[0], Inner)
        self.assertIs(hints["first"].__args__[0], Inner)
        self.assertIs(hints["boxed"].__args__[0].__args__[0], Inner)
        self.assertIs(hints["boxed"].__args__[0].__origin__, m.Box)
        types_ = [field.type for field in dataclasses.fields(m.Outer)]
        self.assertIs(types_[0], Inner)
        self.assertIs(types_[1].__args__[0], Inner)
        self.assertIs(m.Frozen.__attrs_attrs__[0].type.__args__[0], Inner)
        endpoint = typing.get_type_hints(m.endpoint)
        self.assertEqual([endpoint["body"], endpoint["many"].__args__[0],
                          endpoint["return"].__args__[0]], [Inner] * 3)
        self.assertIs(typing.get_type_hints(m.Service.__init__)["inner"], Inner)
        self.assertIs(m.HINT.__args__[0], Inner)
        self.assertIs(m.TABLE["hint"].__args__[0], Inner)
        self.assertIs(m.__annotations__["top"], Inner)
        for make in (m.MAKE, m.TABLE["make"], self.models.MAKE):
            self.assertIsInstance(make(), Inner)

    def test_no_edit_keeps_every_annotation_on_the_one_class(self) -> None:
        for _ in range(3):
            report = reloader.reload(self.pkg)
            self.assertEqual(report.not_updated, {})
            self.assert_names_the_module_class()

    def test_an_edit_and_a_failed_reload(self) -> None:
        self.write("{pkg}/models.py", MODELS.format(v=2))
        reloader.reload(self.pkg)
        self.assert_names_the_module_class()
        self.assertEqual(self.mod("{pkg}.models").MAKE().x, 2)
        self.write("{pkg}/models.py", MODELS.format(v=3) + "raise ValueError\n")
        with self.assertRaises(reloader.ReloadError):
            reloader.reload(self.pkg)
        self.assert_names_the_module_class()
        self.assertEqual(self.mod("{pkg}.models").MAKE().x, 2)

    def test_what_a_decorator_noted_on_a_function(self) -> None:
        # As injector's @inject: the classes the annotations name, kept in a
        # function attribute; bindings are looked up by the module's classes.
        self.write("{pkg}/di.py", """
            class Inner:  # the module's own: new while its code runs
                pass
            def inject(function):
                function.__bindings__ = dict(function.__annotations__)
                function.__kinds__ = (Inner,)
                return function
            class Service:
                @inject
                def __init__(self, inner: Inner):
                    self.inner = inner
            def build(cls, bound):
                init = cls.__init__
                return cls(**{k: bound.get(v) or v() for k, v in init.__bindings__.items()})
            """)
        Inner = self.load("{pkg}.di").Inner
        reloader.reload(self.pkg)
        di = self.mod("{pkg}.di")
        mine = Inner()
        self.assertIs(di.Inner, Inner)
        self.assertIs(di.build(di.Service, {Inner: mine}).inner, mine)
        self.assertIs(di.Service.__init__.__kinds__[0], Inner)
        self.assertIs(typing.get_type_hints(di.Service.__init__)["inner"], Inner)

    @unittest.skipUnless(sys.version_info >= (3, 10), "list[X] and X | None: Python 3.10")
    def test_builtin_generics_and_unions(self) -> None:
        self.write("{pkg}/new.py", """
            import dataclasses
            from .models import Inner
            @dataclasses.dataclass
            class Line:
                points: list[Inner]
                last: Inner | None = None
                table: dict[str, list[Inner | None]] | None = None
            """)
        new = self.load("{pkg}.new")
        reloader.reload(self.pkg)
        hints = typing.get_type_hints(new.Line)
        self.assertIs(hints["points"].__args__[0], self.Inner)
        self.assertIs(hints["last"].__args__[0], self.Inner)
        inner = hints["table"].__args__[0].__args__[1].__args__[0]
        self.assertIs(inner.__args__[0], self.Inner)


if __name__ == "__main__":
    unittest.main()
