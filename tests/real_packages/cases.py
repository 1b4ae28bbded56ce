"""What the real-packages suite does with each package: the user module that uses it.

Each case names the distribution (`dist`), the top-level modules copied out of
site-packages and reloaded (`copy`), the function of the package the edit marks
(`edit`, "module:qualname", pure Python, called by the user module's `smoke` and
`use`), and the user module's source. That module defines:

  smoke()    a use of the package through the current modules; plain data back
  hold()     a dict of objects a program keeps: functions, classes, instances,
             bound methods
  use(held)  plain data from the held objects, with isinstance checks against the
             current classes
  edited(held)  (cases with `user_edit`) [whether the user's edit shows through the
             held objects, whether it shows through the new module]

`user_edit` lists (old, new) text replacements in the user module. The cases cover
decorators, dataclasses and attrs, enums, metaclasses and ORMs, validation, plugin
systems, lazy attributes, C speedups and mypyc-compiled modules.
"""

from typing import Any, Dict

CASES: Dict[str, Dict[str, Any]] = {}


def case(name: str, dist: str, copy: str, edit: str, user: str, user_edit: Any = None) -> None:
    CASES[name] = {"name": name, "dist": dist, "copy": copy.split(), "edit": edit,
                   "user": user.lstrip("\n"), "user_edit": user_edit}


case("attrs", "attrs", "attr attrs", "attr._funcs:asdict", """
import dataclasses
import enum
import sys

import attrs


class Color(enum.Enum):
    RED = 1
    BLUE = 2


NAMES = {Color.RED: "red", Color.BLUE: "blue"}


@dataclasses.dataclass(frozen=True)
class Config:
    size: int = 3

    def double(self):
        return self.size * 2


DEFAULT = Config()


@attrs.define
class Point:
    x: int
    y: int = 0

    def norm(self):
        return self.x + self.y


@attrs.frozen
class Frozen:
    a: int


def smoke():
    p = Point(1, 2)
    return [p.norm(), attrs.asdict(p), repr(Frozen(3)), attrs.has(Point),
            attrs.evolve(p, x=5).x, DEFAULT.double(), NAMES[Color.RED], Config(4).double()]


def hold():
    p = Point(4, 5)
    return {"p": p, "asdict": attrs.asdict, "bound": p.norm, "cls": Point,
            "evolve": attrs.evolve, "config": Config(7), "color": Color.BLUE}


def use(h):
    m = sys.modules[__name__]
    return [h["asdict"](h["p"]), h["bound"](), h["cls"](1).norm(), isinstance(h["p"], m.Point),
            h["evolve"](h["p"], y=1).y, h["config"].double(), isinstance(h["config"], m.Config),
            m.NAMES[h["color"]], h["color"] is m.Color.BLUE]


def edited(h):
    m = sys.modules[__name__]
    return [h["p"].norm() == 109 and h["bound"]() == 109 and h["config"].double() == 21,
            m.Point(1).norm() == 101 and m.DEFAULT.double() == 9 and m.Config(1).double() == 3]
""", [("return self.x + self.y", "return self.x + self.y + 100"),
      ("return self.size * 2", "return self.size * 3")])

case("pydantic", "pydantic", "pydantic", "pydantic.main:BaseModel.model_dump", """
import sys
from typing import List

import pydantic
from pydantic import BaseModel, Field, field_validator


class Item(BaseModel):
    name: str
    price: float = Field(gt=0)
    tags: List[str] = []

    @field_validator("name")
    @classmethod
    def strip(cls, value):
        return value.strip()

    def label(self):
        return "{}:{}".format(self.name, self.price)


def smoke():
    item = Item(name=" a ", price=2)
    try:
        Item(name="x", price=-1)
    except pydantic.ValidationError as error:
        errors = error.error_count()
    validated = Item.model_validate({"name": "b", "price": 1})
    return [item.model_dump(), item.label(), errors, validated.name,
            isinstance(validated, Item), pydantic.TypeAdapter(List[int]).validate_python(["3"])]


def hold():
    item = Item(name="c", price=3)
    return {"item": item, "cls": Item, "bound": item.label,
            "adapter": pydantic.TypeAdapter(List[int])}


def use(h):
    m = sys.modules[__name__]
    return [h["item"].model_dump(), h["bound"](), h["cls"](name="d", price=1).label(),
            isinstance(h["item"], m.Item),
            isinstance(h["cls"].model_validate({"name": "e", "price": 1}), h["cls"]),
            h["adapter"].validate_python(["1", 2])]


def edited(h):
    m = sys.modules[__name__]
    return [h["item"].label() == "c=3.0", m.Item(name="x", price=1).label() == "x=1.0"]
""", [('"{}:{}".format', '"{}={}".format')])

case("sqlalchemy", "SQLAlchemy", "sqlalchemy",
     "sqlalchemy.sql._selectable_constructors:select", """
import sys

from sqlalchemy import String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))

    def greet(self):
        return "hi " + self.name


def smoke():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([User(name="a"), User(name="b")])
        session.commit()
        users = session.scalars(select(User).order_by(User.name)).all()
        names = [user.greet() for user in users]
    return [names, str(select(User.name).where(User.id == 1)).split()]


def hold():
    user = User(name="held")
    return {"user": user, "cls": User, "bound": user.greet, "select": select}


def use(h):
    m = sys.modules[__name__]
    return [h["user"].greet(), h["bound"](), h["cls"](name="n").greet(),
            isinstance(h["user"], m.User), str(h["select"](h["cls"].id)).split()]


def edited(h):
    m = sys.modules[__name__]
    return [h["user"].greet() == "hello held", m.User(name="x").greet() == "hello x"]
""", [('"hi "', '"hello "')])

case("pluggy", "pluggy", "pluggy", "pluggy._caller:HookCaller.__call__", """
import sys

import pluggy

hookspec = pluggy.HookspecMarker("probe")
hookimpl = pluggy.HookimplMarker("probe")


class Spec:
    @hookspec
    def compute(self, x):
        pass


class Double:
    @hookimpl
    def compute(self, x):
        return x * 2


class Next:
    @hookimpl(tryfirst=True)
    def compute(self, x):
        return x + 1


def make():
    manager = pluggy.PluginManager("probe")
    manager.add_hookspecs(Spec)
    manager.register(Double())
    manager.register(Next())
    return manager


def smoke():
    manager = make()
    return [manager.hook.compute(x=3), len(manager.get_plugins())]


def hold():
    manager = make()
    return {"manager": manager, "hook": manager.hook.compute, "cls": pluggy.PluginManager}


def use(h):
    return [h["hook"](x=5), isinstance(h["manager"], sys.modules["pluggy"].PluginManager),
            len(h["cls"]("other").get_plugins())]


def edited(h):
    return [h["hook"](x=5) == [6, 100], sys.modules[__name__].make().hook.compute(x=1) == [2, 20]]
""", [("return x * 2", "return x * 20")])

case("httpx", "httpx", "httpx", "httpx._client:Client.get", """
import sys

import httpx


def handler(request):
    return httpx.Response(200, json={"path": request.url.path})


def smoke():
    with httpx.Client(transport=httpx.MockTransport(handler), base_url="http://t") as client:
        response = client.get("/a", params={"q": 1})
    return [response.status_code, response.json(), str(response.request.url),
            httpx.codes.OK == 200, httpx.codes(404).name]


def hold():
    client = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://t")
    return {"client": client, "get": client.get, "url": httpx.URL("http://x/y/"),
            "cls": httpx.Client}


def use(h):
    response = h["get"]("/b")
    return [response.json(), str(h["url"].join("z")),
            isinstance(h["client"], sys.modules["httpx"].Client),
            isinstance(response, sys.modules["httpx"].Response)]
""")

case("anyio", "anyio", "anyio", "anyio._core._eventloop:run", """
import sys

import anyio
import anyio.to_thread


async def work(count):
    results = []

    async def one(index):
        await anyio.sleep(0)
        results.append(index)

    async with anyio.create_task_group() as group:
        for index in range(count):
            group.start_soon(one, index)
    return sorted(results)


async def signal(event_class):
    event = event_class()
    event.set()
    await event.wait()
    return event.is_set()


def smoke():
    return [anyio.run(work, 3), anyio.run(anyio.to_thread.run_sync, lambda: 5)]


def hold():
    return {"run": anyio.run, "event": anyio.Event, "work": work}


def use(h):
    return [h["run"](h["work"], 2), h["run"](signal, h["event"]),
            issubclass(h["event"], sys.modules["anyio"].Event)]
""")

case("pytest", "pytest", "_pytest pytest py", "_pytest.approx:approx", """
import os
import sys

import _pytest.scope
import pytest

TEST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe_case.py")
ARGS = ["-q", "-p", "no:cacheprovider", "--rootdir", os.path.dirname(TEST), TEST]
with open(TEST, "w") as handle:
    handle.write('''
import pytest

@pytest.fixture(scope="module")
def num():
    return 2

@pytest.mark.parametrize("x", [1, 2])
def test_a(num, x):
    assert num * x in (2, 4)
    assert 0.1 + 0.2 == pytest.approx(0.3)
''')


def smoke():
    return [int(pytest.main(ARGS)), 0.1 + 0.2 == pytest.approx(0.3),
            _pytest.scope.Scope.Function.next_higher().value]


def hold():
    return {"main": pytest.main, "approx": pytest.approx, "scope": _pytest.scope.Scope.Function,
            "raises": pytest.raises}


def use(h):
    with h["raises"](ZeroDivisionError):
        1 / 0
    return [int(h["main"](ARGS)), h["scope"] is sys.modules["_pytest.scope"].Scope.Function,
            h["approx"](1.0) == 1.0]
""")

case("tqdm", "tqdm", "tqdm", "tqdm.std:tqdm.format_interval", """
import io
import sys

import tqdm


def smoke():
    out = io.StringIO()
    total = sum(tqdm.tqdm(range(5), file=out))
    return [total, "5/5" in out.getvalue(), tqdm.tqdm.format_sizeof(2048),
            tqdm.tqdm.format_interval(65)]


def hold():
    return {"cls": tqdm.tqdm, "bar": tqdm.tqdm(total=3, file=io.StringIO()),
            "interval": tqdm.tqdm.format_interval}


def use(h):
    h["bar"].update(1)
    return [h["interval"](65), isinstance(h["bar"], sys.modules["tqdm"].tqdm),
            sum(h["cls"](range(3), file=io.StringIO())), h["bar"].n > 0]
""")

case("toolz", "toolz", "toolz tlz", "toolz.itertoolz:groupby", """
import sys

import toolz
from toolz import curried


@toolz.curry
def add(a, b):
    return a + b


def smoke():
    return [toolz.pipe(3, add(1), str), toolz.groupby(len, ["a", "bb", "c"]),
            list(toolz.take(3, toolz.iterate(add(2), 0))), list(curried.map(str)([1]))]


def hold():
    return {"curry": toolz.curry, "add": add, "add1": add(1), "groupby": toolz.groupby,
            "compose": toolz.compose(str, add(1))}


def use(h):
    return [h["add1"](5), h["groupby"](len, ["x", "yy"]), h["compose"](1),
            isinstance(h["add"], sys.modules["toolz"].curry), isinstance(h["add1"], h["curry"])]
""")

case("typing_extensions", "typing_extensions", "typing_extensions",
     "typing_extensions:get_type_hints", """
import sys

import typing_extensions as te


@te.runtime_checkable
class Runs(te.Protocol):
    def go(self) -> int:
        pass


class Runner:
    def go(self):
        return 1


class Movie(te.TypedDict):
    title: str
    year: te.NotRequired[int]


def smoke():
    return [isinstance(Runner(), Runs), sorted(Movie.__required_keys__),
            sorted(te.get_type_hints(Movie)), str(te.get_args(te.Annotated[int, "x"]))]


def hold():
    return {"protocol": Runs, "runner": Runner(), "hints": te.get_type_hints, "movie": Movie,
            "literal": te.Literal}


def use(h):
    return [isinstance(h["runner"], h["protocol"]), sorted(h["hints"](h["movie"])),
            str(h["literal"][1, 2]), isinstance(h["runner"], sys.modules[__name__].Runs)]
""")

case("werkzeug", "Werkzeug", "werkzeug", "werkzeug.routing.map:MapAdapter.match", """
import sys

from werkzeug.local import Local
from werkzeug.routing import Map, Rule
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

URLS = Map([Rule("/hi/<name>", endpoint="hi")])
local = Local()
current = local("value")


@Request.application
def app(request):
    endpoint, args = URLS.bind_to_environ(request.environ).match()
    return Response("hello " + args["name"])


def smoke():
    local.value = "v"
    return [Client(app).get("/hi/x").get_data(as_text=True), str(current),
            Client(app).get("/nope").status_code]


def hold():
    return {"app": app, "client": Client, "proxy": current, "urls": URLS}


def use(h):
    local.value = "w"
    return [h["client"](h["app"]).get("/hi/y").get_data(as_text=True), str(h["proxy"]),
            isinstance(h["urls"], sys.modules["werkzeug.routing"].Map)]
""")

case("flask", "Flask", "flask", "flask.app:Flask.dispatch_request", """
import sys

import flask

app = flask.Flask("probe_flask_app")


@app.route("/hi/<name>")
def hi(name):
    return flask.jsonify(greeting="hi " + name, path=flask.request.path)


def smoke():
    client = app.test_client()
    with app.test_request_context():
        url = flask.url_for("hi", name="z")
    return [client.get("/hi/a").get_json(), url, client.get("/missing").status_code]


def hold():
    return {"app": app, "view": hi, "request": flask.request}


def use(h):
    return [h["app"].test_client().get("/hi/b").get_json(),
            isinstance(h["app"], sys.modules["flask"].Flask)]


def edited(h):
    return [h["app"].test_client().get("/hi/b").get_json()["greeting"] == "hello b",
            sys.modules[__name__].smoke()[0]["greeting"] == "hello a"]
""", [('"hi " + name', '"hello " + name')])

case("sympy", "sympy", "sympy", "sympy.core.function:expand", """
import sys

import sympy

x, y = sympy.symbols("x y")


def smoke():
    return [str(sympy.expand((x + 1) ** 2)), str(sympy.diff(sympy.sin(x) * x, x)),
            str(sympy.solve(x ** 2 - 4, x)), str(sympy.Rational(1, 3) + sympy.Rational(1, 6))]


def hold():
    return {"expr": (x + y) ** 2, "expand": sympy.expand, "symbol": sympy.Symbol, "x": x}


def use(h):
    return [str(h["expand"](h["expr"])), isinstance(h["x"], sys.modules["sympy"].Symbol),
            str(h["expr"].subs(h["x"], 1)), h["symbol"]("x") == h["x"]]
""")

case("black", "black", "black blib2to3 _black_version", "black.report:Report.done", """
import sys
from pathlib import Path

import black
from black.report import Changed, Report


def smoke():
    report = Report(quiet=True)
    report.done(Path("a.py"), Changed.YES)
    return [black.format_str("x = ( 1, )\\n", mode=black.Mode()), report.change_count,
            report.return_code]


def hold():
    report = Report(quiet=True)
    return {"report": report, "done": report.done, "format": black.format_str,
            "mode": black.Mode(line_length=20), "changed": Changed.NO}


def use(h):
    h["done"](Path("b.py"), h["changed"])
    return [h["format"]("f(a,b)\\n", mode=h["mode"]), h["report"].same_count > 0,
            isinstance(h["report"], sys.modules["black.report"].Report),
            h["changed"] is sys.modules["black.report"].Changed.NO]
""")

case("charset_normalizer", "charset-normalizer", "charset_normalizer",
     "charset_normalizer.api:from_bytes", """
import sys

import charset_normalizer

TEXT = "Bonjour, ça va très bien. Où êtes-vous allés cet été ?".encode("cp1252")


def smoke():
    best = charset_normalizer.from_bytes(TEXT).best()
    return [best.encoding, str(best)[:10]]


def hold():
    return {"from_bytes": charset_normalizer.from_bytes,
            "match": charset_normalizer.from_bytes(TEXT).best()}


def use(h):
    return [h["from_bytes"](TEXT).best().encoding, str(h["match"])[:7],
            isinstance(h["match"], sys.modules["charset_normalizer"].CharsetMatch)]
""")

case("click", "click", "click", "click.core:Command.invoke", """
import sys

import click
from click.testing import CliRunner


@click.group()
def cli():
    pass


@cli.command()
@click.option("--count", default=1, type=int)
@click.argument("name")
def hello(count, name):
    for _ in range(count):
        click.echo("hi " + name)


def smoke():
    result = CliRunner().invoke(cli, ["hello", "--count", "2", "x"])
    return [result.exit_code, result.output, CliRunner().invoke(cli, ["nope"]).exit_code]


def hold():
    return {"cli": cli, "hello": hello, "runner": CliRunner()}


def use(h):
    return [h["runner"].invoke(h["cli"], ["hello", "y"]).output,
            isinstance(h["hello"], sys.modules["click"].Command), h["hello"].name]


def edited(h):
    return [h["runner"].invoke(h["cli"], ["hello", "y"]).output == "hey y\\n",
            sys.modules[__name__].smoke()[1] == "hey x\\nhey x\\n"]
""", [('"hi "', '"hey "')])

case("jinja2", "Jinja2", "jinja2", "jinja2.environment:Template.render", """
import sys

import jinja2

ENV = jinja2.Environment(loader=jinja2.DictLoader({
    "base.html": "<{% block body %}{% endblock %}>",
    "page.html": "{% extends 'base.html' %}{% block body %}"
                 "{% for i in range(n) %}{{ i|double }}{% endfor %}{{ x }}{% endblock %}",
}), autoescape=True)
ENV.filters["double"] = lambda value: value * 2


def smoke():
    return [ENV.get_template("page.html").render(n=3, x="<b>"),
            jinja2.Template("{{ a + 1 }}").render(a=1)]


def hold():
    template = ENV.get_template("page.html")
    return {"template": template, "render": template.render, "env": ENV}


def use(h):
    return [h["render"](n=2, x="&"), isinstance(h["template"], sys.modules["jinja2"].Template),
            h["env"].from_string("{{ 2 * 3 }}").render()]
""")

case("markupsafe", "MarkupSafe", "markupsafe", "markupsafe:Markup.striptags", """
import sys

import markupsafe
from markupsafe import Markup, escape


def smoke():
    return [str(escape("<a>&")), str(Markup("<b>%s</b>") % "<i>"),
            Markup("<p>x  <br>y</p>").striptags()]


def hold():
    markup = Markup("<em>held</em>")
    return {"markup": markup, "strip": markup.striptags, "escape": escape}


def use(h):
    return [h["strip"](), str(h["escape"]("'")), h["markup"].striptags(),
            isinstance(h["markup"], sys.modules["markupsafe"].Markup)]
""")

case("marshmallow", "marshmallow", "marshmallow", "marshmallow.schema:Schema.load", """
import sys

from marshmallow import Schema, ValidationError, fields, post_load, validate


class UserSchema(Schema):
    name = fields.Str(required=True)
    age = fields.Int(validate=validate.Range(min=0))

    @post_load
    def make(self, data, **kwargs):
        return dict(data, made=1)


def smoke():
    schema = UserSchema()
    try:
        schema.load({"age": -1})
    except ValidationError as error:
        errors = sorted(error.messages)
    return [schema.load({"name": "a", "age": 3}), errors, schema.dump({"name": "b", "age": 1})]


def hold():
    schema = UserSchema()
    return {"schema": schema, "cls": UserSchema, "load": schema.load}


def use(h):
    return [h["load"]({"name": "c"}), isinstance(h["schema"], sys.modules[__name__].UserSchema),
            h["cls"]().dump({"name": "d"})]


def edited(h):
    return [h["load"]({"name": "c"})["made"] == 2,
            sys.modules[__name__].UserSchema().load({"name": "e"})["made"] == 2]
""", [("made=1", "made=2")])

case("requests", "requests", "requests", "requests.models:PreparedRequest.prepare_url", """
import sys

import requests


def smoke():
    prepared = requests.Request("GET", "http://x/a", params={"q": 1}).prepare()
    headers = requests.structures.CaseInsensitiveDict({"A": 1})
    return [prepared.url, requests.codes.ok, headers["a"]]


def hold():
    session = requests.Session()
    return {"session": session, "request": requests.Request, "prepare": session.prepare_request}


def use(h):
    return [h["prepare"](h["request"]("GET", "http://y/b", params={"z": 2})).url,
            isinstance(h["session"], sys.modules["requests"].Session)]
""")

case("packaging", "packaging", "packaging", "packaging.specifiers:SpecifierSet.contains", """
import sys

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version


def smoke():
    return [Version("1.2.post1") > Version("1.2"), SpecifierSet(">=1,<2").contains("1.5"),
            Requirement("foo[bar]>=1; python_version>'3'").name,
            Marker("python_version > '3'").evaluate()]


def hold():
    return {"version": Version, "v": Version("2.0"), "spec": SpecifierSet(">1")}


def use(h):
    return [h["spec"].contains(h["v"]), isinstance(h["v"], sys.modules["packaging.version"].Version),
            str(h["version"]("1.0rc1"))]
""")

case("rich", "rich", "rich", "rich.console:Console.print", """
import io
import sys

from rich.console import Console
from rich.table import Table


def render(console_class):
    console = console_class(file=io.StringIO(), width=40, color_system=None)
    table = Table("a", "b")
    table.add_row("1", "[bold]2[/bold]")
    console.print(table)
    return console.file.getvalue()


def smoke():
    return [render(Console)]


def hold():
    console = Console(file=io.StringIO(), width=30, color_system=None)
    return {"console": console, "print": console.print, "table": Table}


def use(h):
    h["print"]("x")
    return [h["console"].file.getvalue().count("x") > 0, render(Console),
            isinstance(h["console"], sys.modules["rich.console"].Console)]
""")

case("pyyaml", "PyYAML", "yaml _yaml", "yaml:safe_load", """
import sys

import yaml


def smoke():
    return [yaml.safe_load("a: [1, 2]\\nb: {c: d}"), yaml.dump({"z": 1, "a": [2]}),
            hasattr(yaml, "CSafeLoader")]


def hold():
    return {"load": yaml.safe_load, "dumper": yaml.SafeDumper, "node": yaml.compose("x: 1")}


def use(h):
    return [h["load"]("- 1"), yaml.dump([1], Dumper=h["dumper"]),
            isinstance(h["node"], sys.modules["yaml"].MappingNode)]
""")

case("msgpack", "msgpack", "msgpack", "msgpack:unpack", """
import io
import sys

import msgpack


def smoke():
    packed = msgpack.packb({"a": [1, 2.5, b"x"]})
    return [msgpack.unpackb(packed), msgpack.unpack(io.BytesIO(packed)),
            msgpack.unpackb(msgpack.packb(msgpack.ExtType(1, b"y"))).code]


def hold():
    return {"packer": msgpack.Packer(), "unpack": msgpack.unpack, "ext": msgpack.ExtType}


def use(h):
    data = h["packer"].pack([1, "z"])
    return [h["unpack"](io.BytesIO(data)), h["ext"](2, b"q").code,
            isinstance(h["packer"], sys.modules["msgpack"].Packer)]
""")

case("wrapt", "wrapt", "wrapt", "wrapt.decorators:decorator", """
import sys

import wrapt


@wrapt.decorator
def twice(wrapped, instance, args, kwargs):
    return wrapped(*args, **kwargs) * 2


@twice
def inc(x):
    return x + 1


class Box:
    @twice
    def get(self, x):
        return x


def passing(wrapped, instance, args, kwargs):
    return wrapped(*args, **kwargs)


def smoke():
    return [inc(1), Box().get(3), wrapt.ObjectProxy(5) + 1, inc.__name__,
            wrapt.decorator(passing)(len)([1, 2])]


def hold():
    return {"inc": inc, "box": Box(), "bound": Box().get, "proxy": wrapt.ObjectProxy([1]),
            "decorator": wrapt.decorator}


def use(h):
    return [h["inc"](2), h["bound"](2), h["box"].get(1), len(h["proxy"]),
            isinstance(h["proxy"], sys.modules["wrapt"].ObjectProxy),
            h["decorator"](passing)(len)([1])]
""")

case("decorator", "decorator", "decorator", "decorator:decorate", """
import sys

import decorator


@decorator.decorator
def traced(func, *args, **kwargs):
    return ("traced", func(*args, **kwargs))


@traced
def add(a, b=1):
    return a + b


def caller(func, *args, **kwargs):
    return func(*args, **kwargs) + 1


def smoke():
    return [add(1), add(1, 2), add.__name__, decorator.decorate(len, caller)([1, 2])]


def hold():
    return {"add": add, "decorate": decorator.decorate, "traced": traced}


def use(h):
    return [h["add"](2), h["decorate"](len, caller)([1]),
            h["traced"](lambda: 3)(), callable(sys.modules["decorator"].decorate)]
""")

case("cachetools", "cachetools", "cachetools", "cachetools:LRUCache.popitem", """
import sys

import cachetools


@cachetools.cached(cachetools.LRUCache(maxsize=2))
def square(x):
    return x * x


def fill(cache):
    for key in range(4):
        cache[key] = key
    return sorted(cache)


def smoke():
    return [[square(n) for n in (1, 2, 3, 1)], fill(cachetools.LRUCache(2)),
            fill(cachetools.TTLCache(maxsize=3, ttl=60))]


def hold():
    return {"cache": cachetools.LRUCache(2), "square": square, "lru": cachetools.LRUCache}


def use(h):
    return [fill(h["cache"]), h["square"](4), fill(h["lru"](3)),
            isinstance(h["cache"], sys.modules["cachetools"].LRUCache)]
""")

case("more_itertools", "more-itertools", "more_itertools", "more_itertools.more:chunked", """
import sys

import more_itertools as mi


def smoke():
    return [list(mi.chunked(range(5), 2)), list(mi.windowed([1, 2, 3], 2)),
            list(mi.flatten([[1], [2]])), mi.first([], default=0)]


def hold():
    return {"chunked": mi.chunked, "peekable": mi.peekable(iter([7, 8])), "spy": mi.spy}


def use(h):
    return [list(h["chunked"]("abc", 2)), h["peekable"].peek(),
            isinstance(h["peekable"], sys.modules["more_itertools"].peekable)]
""")

case("dateutil", "python-dateutil", "dateutil", "dateutil.parser._parser:parse", """
import datetime
import sys

from dateutil import parser, relativedelta, rrule


def smoke():
    start = datetime.datetime(2020, 1, 31)
    return [parser.parse("2020-01-02 03:04").isoformat(),
            (start + relativedelta.relativedelta(months=1)).isoformat(),
            [d.day for d in rrule.rrule(rrule.DAILY, count=3, dtstart=start)]]


def hold():
    return {"parse": parser.parse, "delta": relativedelta.relativedelta(days=2),
            "parser": parser.parser()}


def use(h):
    return [h["parse"]("2021-05-06").isoformat(), str(h["delta"]),
            h["parser"].parse("2022-01-01").year,
            isinstance(h["delta"], sys.modules["dateutil.relativedelta"].relativedelta)]
""")

case("six", "six", "six", "six:ensure_str", """
import sys

import six
from six.moves import reduce


def smoke():
    return [reduce(lambda a, b: a + b, [1, 2, 3]), six.text_type is str, six.ensure_str(b"x"),
            six.moves.urllib.parse.quote("a b")]


def hold():
    return {"ensure_str": six.ensure_str, "moves": six.moves, "reduce": reduce}


def use(h):
    return [h["ensure_str"](b"y"), h["moves"].urllib.parse.unquote("a%20b"),
            h["reduce"](max, [1, 3, 2]), sys.modules["six"].ensure_str("z")]
""")

case("idna", "idna", "idna", "idna.core:encode", """
import sys

import idna


def smoke():
    return [idna.encode("ドメイン.テスト"), idna.decode("xn--eckwd4c7c.xn--zckzah")]


def hold():
    return {"encode": idna.encode, "error": idna.IDNAError}


def use(h):
    return [h["encode"]("bücher.example"),
            issubclass(h["error"], sys.modules["idna"].IDNAError)]
""")

case("numpy", "numpy", "numpy numpy.libs", "numpy.lib._shape_base_impl:column_stack", """
import sys

import numpy as np


def smoke():
    a = np.arange(6).reshape(2, 3)
    return [a.sum(axis=0).tolist(), np.column_stack([[1, 2], [3, 4]]).tolist(),
            str(np.float64(1.5)), np.dtype("int32").name]


def hold():
    return {"array": np.ones(3), "column_stack": np.column_stack, "dtype": np.dtype("float32"),
            "ndarray": np.ndarray}


def use(h):
    return [h["array"].tolist(), h["column_stack"]([h["array"], h["array"]]).shape,
            isinstance(h["array"], sys.modules["numpy"].ndarray), h["dtype"].itemsize]
""")

case("pyparsing", "pyparsing", "pyparsing", "pyparsing.core:ParserElement.parse_string", """
import sys

import pyparsing as pp

INTEGER = pp.Word(pp.nums).set_parse_action(lambda tokens: int(tokens[0]))
PAIR = pp.Suppress("(") + INTEGER + pp.Suppress(",") + INTEGER + pp.Suppress(")")


def smoke():
    core = sys.modules["pyparsing.core"]
    return [PAIR.parse_string("(1, 2)").as_list(),
            pp.Word(pp.alphas)[1, ...].parse_string("ab cd").as_list(),
            pp.common.integer.parse_string("42").as_list(),
            (pp.Literal("a") + "b").parse_string("ab").as_list(),
            all(isinstance(part, core.ParserElement) for part in pp.common.number.exprs)]


def hold():
    word = pp.Word(pp.alphas)
    return {"word": word, "parse": word.parse_string, "cls": pp.Word, "pair": PAIR}


def use(h):
    core = sys.modules["pyparsing.core"]
    return [h["parse"]("hello").as_list(), h["pair"].parse_string("(3,4)").as_list(),
            isinstance(h["word"], core.Word), h["cls"]("xy").parse_string("yx").as_list()]
""")

case("peewee", "peewee", "peewee", "peewee:Field.db_value", """
import sys

import peewee

DB = peewee.SqliteDatabase(":memory:")


class Item(peewee.Model):
    name = peewee.CharField()
    size = peewee.IntegerField(default=1)

    class Meta:
        database = DB


DB.connect()
DB.create_tables([Item])


def smoke():
    Item.delete().execute()
    Item.create(name="a", size=2)
    Item.create(name="b")
    return [[(item.name, item.size) for item in Item.select().order_by(Item.name)],
            Item.select().where(Item.size > 1).count(),
            peewee.IntegerField().field_type,
            isinstance(Item.name, sys.modules["peewee"].CharField)]


def hold():
    item = Item(name="held", size=3)
    return {"item": item, "model": Item, "field": Item.size, "value": Item.size.db_value}


def use(h):
    return [h["item"].name, h["field"].name, isinstance(h["item"], h["model"]),
            h["value"](5), h["field"].db_value("6"),
            isinstance(h["field"], sys.modules["peewee"].IntegerField)]
""")

case("beartype", "beartype", "beartype", "beartype.door._func.doorfunc:is_bearable", """
import sys

from beartype import beartype
from beartype.door import is_bearable
from beartype.typing import List, Protocol


@beartype
def double(number: int) -> int:
    return number * 2


class Sized(Protocol):
    def size(self) -> int: ...


def smoke():
    try:
        double("a")
        refused = None
    except Exception as error:
        refused = type(error).__name__
    return [double(2), refused, is_bearable(3, int), is_bearable("a", int),
            is_bearable([1, 2], List[int]), sys.modules["beartype.typing"].Protocol in Sized.__mro__]


def hold():
    return {"double": double, "check": is_bearable, "protocol": Protocol}


def use(h):
    return [h["double"](5), h["check"](1, int), h["check"]("x", List[int]),
            h["protocol"] in Sized.__mro__]
""")

case("pynacl", "PyNaCl", "nacl", "nacl.utils:random", """
import sys

import nacl.secret
import nacl.utils
from nacl.encoding import HexEncoder

KEY = bytes(range(32))


def smoke():
    box = nacl.secret.SecretBox(KEY)
    sealed = box.encrypt(b"hello", bytes(24))
    return [box.decrypt(sealed), len(nacl.utils.random(8)), HexEncoder.encode(b"ab"),
            type(sys.modules["_sodium.lib"]).__name__]  # cffi's library: a module without a dict


def hold():
    return {"box": nacl.secret.SecretBox(KEY), "cls": nacl.secret.SecretBox,
            "random": nacl.utils.random}


def use(h):
    sealed = h["box"].encrypt(b"x", bytes(24))
    return [h["box"].decrypt(sealed), isinstance(h["box"], sys.modules["nacl.secret"].SecretBox),
            len(h["random"](4))]
""")


case("pycparser", "pycparser", "pycparser", "pycparser.c_parser:CParser.parse", """
import sys

import pycparser
from pycparser import c_ast

PARSER = pycparser.CParser()


class Names(c_ast.NodeVisitor):
    def __init__(self):
        self.names = []

    def visit_Decl(self, node):
        self.names.append(node.name)


def smoke():
    tree = PARSER.parse("int x; int f(int a) { return a + 1; }")
    names = Names()
    names.visit(tree)
    return [type(tree).__name__, names.names, len(tree.ext)]


def hold():
    return {"parser": PARSER, "parse": PARSER.parse, "cls": pycparser.CParser,
            "node": c_ast.ID("y")}


def use(h):
    ast = sys.modules["pycparser.c_ast"]
    tree = h["parse"]("long z;")
    return [type(tree).__name__, isinstance(tree, ast.FileAST), isinstance(h["node"], ast.ID),
            type(h["cls"]().parse("char c;")).__name__]
""")


case("dnspython", "dnspython", "dns", "dns.name:Name.to_text", """
import sys

import dns.flags
import dns.name
import dns.rdataclass
import dns.rdataset
import dns.rdatatype


def smoke():
    name = dns.name.from_text("www.example.com")
    return [name.parent().to_text(), dns.flags.to_text(dns.flags.QR | dns.flags.AA),
            dns.rdatatype.to_text(dns.rdatatype.AAAA), name.is_subdomain(name.parent()),
            type(dns.rdataset.Rdataset(dns.rdataclass.IN, dns.rdatatype.A)).__name__]


def hold():
    name = dns.name.from_text("a.b.")
    return {"name": name, "cls": dns.name.Name, "to_text": name.to_text,
            "flag": dns.flags.Flag.QR}


def use(h):
    names, flags = sys.modules["dns.name"], sys.modules["dns.flags"]
    return [h["to_text"](), isinstance(h["name"], names.Name), h["flag"] is flags.Flag.QR,
            flags.to_text(h["flag"]), h["cls"](["x", ""]).to_text()]
""")


case("mock", "mock", "mock", "mock.mock:NonCallableMock.assert_called_once_with", """
import sys

import mock


def smoke():
    called = mock.Mock(return_value=3)
    called(1)
    called.assert_called_once_with(1)
    magic = mock.MagicMock()
    magic.__len__.return_value = 2
    return [called.return_value, len(magic), type(mock.MagicMock().x).__name__,
            mock.sentinel.a is mock.sentinel.a, isinstance(mock.Mock(), mock.NonCallableMock)]


def hold():
    held = mock.Mock(return_value=5)
    return {"mock": held, "cls": mock.Mock, "check": held.assert_called_once_with,
            "magic": mock.MagicMock()}


def use(h):
    module = sys.modules["mock.mock"]
    h["mock"].reset_mock()
    h["mock"](2)
    h["check"](2)
    return [isinstance(h["mock"], module.Mock), isinstance(h["magic"], module.MagicMock),
            h["cls"](return_value=1)(), h["mock"].call_count]
""")


case("bidict", "bidict", "bidict", "bidict._base:BidictBase._dedup", """
import sys

import bidict


def smoke():
    pairs = bidict.bidict({"a": 1, "b": 2})
    pairs.put("c", 3)
    try:
        pairs["d"] = 1
        duplicate = None
    except bidict.ValueDuplicationError as error:
        duplicate = type(error).__name__
    pairs.forceput("d", 1)
    return [sorted(pairs.items()), dict(pairs.inverse), duplicate,
            bidict.ON_DUP_DEFAULT.val is bidict.RAISE]


def hold():
    pairs = bidict.bidict({"x": 1})
    return {"pairs": pairs, "put": pairs.put, "cls": bidict.bidict,
            "frozen": bidict.frozenbidict({"f": 1})}


def use(h):
    module = sys.modules["bidict"]
    h["put"]("y", 2)
    try:
        h["pairs"]["z"] = 2
        duplicate = None
    except module.ValueDuplicationError:
        duplicate = "refused"
    del h["pairs"]["y"]
    return [duplicate, isinstance(h["pairs"], module.bidict), h["cls"]({"k": 9}).inverse[9],
            isinstance(h["frozen"], module.frozenbidict), dict(h["pairs"].inverse)]
""")


case("construct", "construct", "construct", "construct.core:Construct.parse", """
import sys

import construct

HEADER = construct.Struct(
    "kind" / construct.Enum(construct.Byte, one=1, two=2),
    "name" / construct.PascalString(construct.Byte, "ascii"),
    "data" / construct.Prefixed(construct.Byte, construct.GreedyBytes),
)


def smoke():
    built = HEADER.build(dict(kind="two", name="ab", data=b"xyz"))
    parsed = HEADER.parse(built)
    return [built.hex(), str(parsed.kind), parsed.name, parsed.data,
            construct.Int16ub.parse(b"\\x01\\x02")]


def hold():
    return {"header": HEADER, "parse": HEADER.parse, "greedy": construct.GreedyBytes,
            "cls": construct.Struct}


def use(h):
    core = sys.modules["construct.core"]
    parsed = h["parse"](bytes([1, 1]) + b"q" + bytes([2]) + b"hi")
    wrapped = core.Prefixed(core.Byte, h["greedy"]).parse(b"\\x02ok")
    return [str(parsed.kind), parsed.name, parsed.data, wrapped,
            isinstance(h["header"], core.Construct), isinstance(h["greedy"], core.Construct)]
""")


case("openpyxl", "openpyxl", "openpyxl", "openpyxl.worksheet.worksheet:Worksheet.__setitem__", """
import sys

import openpyxl
from openpyxl.styles import Border, Font, Side
from openpyxl.utils import get_column_letter


def smoke():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = 3
    sheet.cell(row=2, column=1, value=4)
    sheet["A1"].border = Border(left=Side(style="thin"))
    sheet["A1"].font = Font(bold=True)
    return [get_column_letter(28), sheet["A1"].value + sheet["A2"].value,
            sheet["A1"].border.left.style, sheet["A1"].font.b]


def hold():
    book = openpyxl.Workbook()
    return {"book": book, "side": Side(style="thick"), "letter": get_column_letter,
            "cls": Border}


def use(h):
    styles = sys.modules["openpyxl.styles.borders"]
    sheet = h["book"].active
    sheet["B2"] = 7
    border = styles.Border(left=h["side"], right=styles.Side(style="thin"))
    return [h["letter"](3), sheet["B2"].value, border.left.style, h["cls"](top=h["side"]).top.style,
            isinstance(h["side"], styles.Side)]
""")


case("importlib_metadata", "importlib_metadata", "importlib_metadata",
     "importlib_metadata:version", """
import sys

import importlib_metadata


def smoke():
    found = importlib_metadata.distribution("bidict")
    return [importlib_metadata.version("bidict"), found.metadata["Name"],
            importlib_metadata.packages_distributions().get("bidict"),
            type(importlib_metadata.entry_points()).__name__]


def hold():
    found = importlib_metadata.distribution("zipp")
    return {"dist": found, "version": importlib_metadata.version,
            "cls": importlib_metadata.Distribution}


def use(h):
    module = sys.modules["importlib_metadata"]
    return [h["version"]("zipp"), h["dist"].metadata["Name"], isinstance(h["dist"], module.Distribution),
            module.version("bidict"), module.packages_distributions().get("zipp")]
""")



case("msgspec", "msgspec", "msgspec", "msgspec.inspect:type_info", """
import enum
import sys
from typing import List, Optional

import msgspec


class Color(enum.Enum):
    RED = 1
    BLUE = 2


class Point(msgspec.Struct, frozen=True):
    x: int
    y: int = 0

    def norm(self):
        return self.x + self.y


class Shape(msgspec.Struct, tag=True):
    points: List[Point]
    color: Color = Color.RED
    label: Optional[str] = None


ENC = msgspec.json.Encoder()
DEC = msgspec.json.Decoder(Shape)


def smoke():
    s = Shape([Point(1, 2), Point(3)], Color.BLUE)
    b = ENC.encode(s)
    back = DEC.decode(b)
    return [b.decode(), back == s, back.points[0].norm(), msgspec.msgpack.decode(msgspec.msgpack.encode(s), type=Shape) == s,
            type(msgspec.inspect.type_info(Point)).__name__, msgspec.structs.asdict(Point(5)),
            msgspec.to_builtins(s), isinstance(back, Shape), msgspec.convert({"x": 1}, Point).norm()]


def hold():
    p = Point(7, 1)
    return {"p": p, "bound": p.norm, "cls": Point, "enc": ENC, "dec": DEC, "ti": msgspec.inspect.type_info}


def use(h):
    m = sys.modules[__name__]
    return [h["p"].norm(), h["bound"](), h["cls"](2).norm(), h["enc"].encode(h["p"]).decode(),
            h["dec"].decode(b'{"type":"Shape","points":[{"x":1}]}').points[0].norm(),
            type(h["ti"](h["cls"])).__name__, isinstance(h["p"], m.Point),
            isinstance(msgspec.json.decode(b'{"x":1}', type=m.Point), h["cls"])]


def edited(h):
    m = sys.modules[__name__]
    return [h["p"].norm() == 108 and h["bound"]() == 108, m.Point(1).norm() == 101]
""", [("return self.x + self.y", "return self.x + self.y + 100")])


case("glom", "glom", "glom", "glom.core:glom", """
import sys

import glom
from glom import Coalesce, Iter, Path, T, glom as g

SPEC = {"names": ("items", ["name"]), "first": "items.0.name", "n": ("items", len)}
TARGET = {"items": [{"name": "a", "v": 1}, {"name": "b", "v": 2}]}


def smoke():
    return [g(TARGET, SPEC), g(TARGET, Coalesce("missing", default=0)), g(TARGET, T["items"][1]["v"]),
            g(TARGET, ("items", Iter("v").all())), g(TARGET, Path("items", 0, "v")),
            glom.Assign("a.b", 3).glomit if False else g({"a": {}}, glom.Assign("a.b", 3)),
            isinstance(glom.Glommer(), glom.Glommer), repr(T.a.b)]


def hold():
    return {"glom": g, "spec": SPEC, "glommer": glom.Glommer(), "t": T["items"][0], "path": Path("items", 1)}


def use(h):
    m = sys.modules["glom"]
    return [h["glom"](TARGET, h["spec"]), h["glommer"].glom(TARGET, "items.1.name"), h["glom"](TARGET, h["t"]),
            h["glom"](TARGET, h["path"]), isinstance(h["glommer"], m.Glommer), m.glom(TARGET, h["t"]) ]
""")


case("chameleon", "Chameleon", "chameleon", "chameleon.template:BaseTemplate.render", """
import sys

from chameleon import PageTemplate, PageTextTemplate

T = PageTemplate('<div><p tal:repeat="i items" tal:content="i * 2"/>'
                 '<span tal:condition="flag">${name}</span></div>')
TT = PageTextTemplate("hello ${name}!")


class View:
    def title(self):
        return "view"


def smoke():
    return [T(items=[1, 2], flag=True, name="<x>"), TT(name="a"),
            PageTemplate("<b>${v.title()}</b>")(v=View())]


def hold():
    return {"t": T, "call": T.render, "view": View(), "cls": PageTemplate}


def use(h):
    m = sys.modules[__name__]
    return [h["call"](items=[3], flag=False, name=""), isinstance(h["t"], sys.modules["chameleon"].PageTemplate),
            h["cls"]("<i>${v.title()}</i>")(v=h["view"]), isinstance(h["view"], m.View)]


def edited(h):
    m = sys.modules[__name__]
    return [h["view"].title() == "VIEW", m.View().title() == "VIEW"]
""", [('return "view"', 'return "VIEW"')])


case("typer", "typer", "typer", "typer.main:get_command", """
import enum
import sys
from typing import Optional

import typer
from typer.testing import CliRunner

app = typer.Typer()
sub = typer.Typer()
app.add_typer(sub, name="sub")


class Color(str, enum.Enum):
    red = "red"
    blue = "blue"


@app.command()
def hello(name: str, count: int = 1, color: Color = Color.red):
    for _ in range(count):
        typer.echo("hi %s %s" % (name, color.value))


@sub.command()
def bye(loud: bool = False, who: Optional[str] = None):
    typer.echo("BYE" if loud else "bye")


def smoke():
    r = CliRunner()
    return [r.invoke(app, ["hello", "x", "--count", "2", "--color", "blue"]).output,
            r.invoke(app, ["sub", "bye", "--loud"]).output, r.invoke(app, ["nope"]).exit_code,
            r.invoke(app, ["hello", "y", "--color", "green"]).exit_code]


def hold():
    return {"app": app, "hello": hello, "runner": CliRunner(), "color": Color.blue}


def use(h):
    m = sys.modules[__name__]
    return [h["runner"].invoke(h["app"], ["hello", "y"]).output, h["color"] is m.Color.blue,
            isinstance(h["app"], sys.modules["typer"].Typer),
            h["runner"].invoke(h["app"], ["sub", "bye"]).output]


def edited(h):
    m = sys.modules[__name__]
    return [h["runner"].invoke(h["app"], ["hello", "y"]).output == "hey y red\\n",
            m.smoke()[0] == "hey x blue\\nhey x blue\\n"]
""", [('"hi %s %s"', '"hey %s %s"')])


case("pony", "pony", "pony", "pony.orm.core:Entity.to_dict", """
import sys

from pony import orm

db = orm.Database()


class Person(db.Entity):
    name = orm.Required(str)
    age = orm.Optional(int)
    pets = orm.Set("Pet")

    def label(self):
        return "{}:{}".format(self.name, self.age)


class Pet(db.Entity):
    name = orm.Required(str)
    owner = orm.Required(Person)


db.bind(provider="sqlite", filename=":memory:")
db.generate_mapping(create_tables=True)

with orm.db_session:
    p = Person(name="ann", age=3)
    Pet(name="rex", owner=p)


@orm.db_session
def names():
    return sorted(p.name for p in orm.select(p for p in Person))


def smoke():
    with orm.db_session:
        ann = Person.get(name="ann")
        d = ann.to_dict(exclude="id")
        pets = sorted(x.name for x in ann.pets)
        n = orm.count(p for p in Pet)
    return [names(), d, pets, n, ann.label() if False else "x"]


def hold():
    return {"db": db, "cls": Person, "names": names, "session": orm.db_session}


def use(h):
    m = sys.modules[__name__]
    with h["session"]:
        ann = h["cls"].get(name="ann")
        out = [ann.to_dict(exclude="id"), ann.label(), isinstance(ann, m.Person)]
    return out + [h["names"](), isinstance(h["db"], sys.modules["pony.orm"].Database)]


def edited(h):
    m = sys.modules[__name__]
    with orm.db_session:
        held, new = h["cls"].get(name="ann"), m.Person.get(name="ann")
        return [held.label() == "ann=3", new.label() == "ann=3"]
""", [('"{}:{}".format', '"{}={}".format')])


case("alembic", "alembic", "alembic", "alembic.autogenerate.api:compare_metadata", """
import sys

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations, ops

meta = sa.MetaData()
users = sa.Table("users", meta, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("name", sa.String(20)))


def diff():
    engine = sa.create_engine("sqlite://")
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn)
        first = [type(d).__name__ if not isinstance(d, tuple) else d[0]
                 for d in compare_metadata(ctx, meta)]
        op = Operations(ctx)
        op.create_table("users", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("name", sa.String(20)))
        op.add_column("users", sa.Column("extra", sa.Integer))
        second = [d[0] if isinstance(d, tuple) else [x[0] for x in d]
                  for d in compare_metadata(ctx, meta)]
    return [first, second]


def smoke():
    return diff() + [type(ops.CreateTableOp.from_table(users)).__name__]


def hold():
    return {"op": ops.CreateTableOp.from_table(users), "cmp": compare_metadata,
            "cls": ops.CreateTableOp, "diff": diff}


def use(h):
    return [h["diff"](), h["op"].table_name, isinstance(h["op"], sys.modules["alembic.operations.ops"].CreateTableOp),
            h["op"].to_table().name, type(h["op"].reverse()).__name__]
""")


case("injector", "injector", "injector", "injector:Injector.get", """
import sys
from dataclasses import dataclass

from injector import Injector, Module, inject, provider, singleton, Binder


class Config:
    def __init__(self, value="cfg"):
        self.value = value


@singleton
class Db:
    @inject
    def __init__(self, config: Config):
        self.config = config

    def query(self):
        return "db:" + self.config.value


@inject
@dataclass
class Service:
    db: Db

    def run(self):
        return "svc/" + self.db.query()


class AppModule(Module):
    def configure(self, binder: Binder):
        binder.bind(Config, to=Config("bound"))

    @provider
    def number(self) -> int:
        return 42


def smoke():
    inj = Injector([AppModule()])
    s = inj.get(Service)
    return [s.run(), inj.get(int), inj.get(Db) is inj.get(Db), inj.get(Service) is s,
            Injector().get(Service).run()]


def hold():
    inj = Injector([AppModule()])
    return {"inj": inj, "svc": inj.get(Service), "get": inj.get, "cls": Service, "mod": AppModule}


def use(h):
    m = sys.modules[__name__]
    return [h["svc"].run(), h["get"](m.Service).run(), h["get"](int), h["inj"].get(h["cls"]).run(),
            isinstance(h["svc"], m.Service), Injector([h["mod"]()]).get(m.Db).query(),
            isinstance(h["inj"], sys.modules["injector"].Injector)]


def edited(h):
    return [h["svc"].run() == "svc2/db:bound", sys.modules[__name__].smoke()[0] == "svc2/db:bound"]
""", [('"svc/"', '"svc2/"')])


case("pendulum", "pendulum", "pendulum", "pendulum.datetime:DateTime.add", """
import sys

import pendulum

ZONE = pendulum.timezone("Europe/Paris")
START = pendulum.datetime(2024, 3, 1, 12, tz="Europe/Paris")


class Meeting:
    def __init__(self, at):
        self.at = at

    def later(self):
        return self.at.add(days=1)


def smoke():
    return [str(START.add(days=1)), str(pendulum.datetime(2024, 1, 1, tz="UTC").in_tz("Asia/Tokyo")),
            pendulum.timezone("Europe/Paris") is ZONE, str(pendulum.duration(hours=5)),
            pendulum.parse("2024-05-06T01:02:03+02:00").isoformat(),
            START.diff(pendulum.datetime(2024, 4, 1, tz="Europe/Paris")).in_days(),
            isinstance(START, pendulum.DateTime), str(Meeting(START).later())]


def hold():
    return {"zone": ZONE, "start": START, "meeting": Meeting(START), "add": START.add,
            "cls": pendulum.DateTime}


def use(h):
    module = sys.modules["pendulum"]
    return [str(h["meeting"].later()), str(h["add"](hours=2)), h["zone"] is module.timezone("Europe/Paris"),
            isinstance(h["start"], module.DateTime), isinstance(h["zone"], module.Timezone),
            h["start"].tzinfo is h["zone"], str(h["cls"](2024, 1, 2))]


def edited(h):
    m = sys.modules[__name__]
    return [h["meeting"].later().day == 3, m.Meeting(m.START).later().day == 3]
""", [("return self.at.add(days=1)", "return self.at.add(days=2)")])


case("pyrsistent", "pyrsistent", "pyrsistent _pyrsistent_version", "pyrsistent._pmap:PMap.set", """
import sys

from pyrsistent import PClass, PRecord, field, freeze, pmap, pset, pvector, thaw


class Point(PRecord):
    x = field(type=int, initial=0)
    y = field(type=int, initial=0)

    def norm(self):
        return self.x + self.y


class Box(PClass):
    size = field(type=int)


EMPTY = pmap()
ORIGIN = Point()


def smoke():
    m = pmap({"a": 1, "b": 2})
    return [sorted(m.items()), m.set("c", 3)["c"], list(pvector([1, 2]).append(3)),
            sorted(pset([1, 2]).add(3)), thaw(freeze({"k": [1]})), Point(x=1, y=2).norm(),
            ORIGIN.set(x=5).norm(), Box(size=2).set(size=3).size, EMPTY.set("z", 0)["z"]]


def hold():
    m = pmap({"h": 1})
    return {"map": m, "items": m.items, "point": Point(x=3), "vec": pvector([4]), "cls": Point}


def use(h):
    module = sys.modules[__name__]
    return [sorted(h["map"].items()), sorted(h["items"]()), h["point"].norm(),
            h["point"].set(y=1).norm(), list(h["vec"].append(5)), isinstance(h["point"], module.Point),
            sorted(h["map"].set("i", 2).keys()), h["cls"](x=1).norm()]


def edited(h):
    m = sys.modules[__name__]
    return [h["point"].norm() == 103, m.Point(x=1).norm() == 101]
""", [("return self.x + self.y", "return self.x + self.y + 100")])

# Lazy task proxies (a `__dict__` property that evaluates them), task classes made by
# type(), a proxy class celery's own reload leaves beside its new version.
case("celery", "celery", "celery", "celery.app.task:Task.apply", """
import sys

from celery import Celery, shared_task

app = Celery("probe", broker="memory://", backend="cache+memory://")
app.conf.task_always_eager = True


@app.task
def add(x, y):
    return x + y


@app.task(bind=True, name="probe.mul")
def mul(self, x, y):
    return [self.name, x * y]


class Base(app.Task):
    def label(self):
        return "base:" + self.name


@app.task(base=Base, name="probe.sub")
def sub(x, y):
    return x - y


def smoke():
    return [add.apply((1, 2)).get(), mul.apply((3, 4)).get(), sub.apply((5, 1)).get(),
            add.delay(2, 2).get(), sub.label(), sorted(k for k in app.tasks if k.startswith("probe"))]


def hold():
    return {"app": app, "add": add, "mul": mul, "sub": sub, "apply": add.apply,
            "sig": add.s(10, 1), "cls": Celery}


def use(h):
    return [h["add"].apply((1, 1)).get(), h["apply"]((2, 3)).get(), h["sig"].apply().get(),
            h["mul"].apply((2, 2)).get(), h["sub"].label(),
            isinstance(h["app"], sys.modules["celery"].Celery), h["app"].tasks["probe.sub"].apply((9, 1)).get()]


def edited(h):
    return [h["add"].apply((1, 1)).get() == 102, sys.modules[__name__].smoke()[0] == 103]
""", [("return x + y", "return x + y + 100")])

# Receivers kept weakly (`WeakMethod`s of a module-level listener's methods), a
# namespace's signals made anew, a global signal registry not reloaded.
case("blinker", "blinker", "blinker", "blinker.base:Signal.send", """
import sys

import blinker
from blinker import Namespace, signal

ns = Namespace()
started = ns.signal("started")
named = signal("probe-named")


class Listener:
    def __init__(self):
        self.got = []

    def on(self, sender, **kw):
        self.got.append((sender, sorted(kw)))
        return "listener"


LISTENER = Listener()


@started.connect
def on_started(sender, **kw):
    return "fn:" + str(sender)


started.connect(LISTENER.on)


@named.connect_via("special", weak=True)  # strongly, any re-import connects it twice
def on_special(sender):
    return "special"


def smoke():
    r = started.send("s1", a=1)
    r2 = named.send("special")
    r3 = named.send("other")
    with started.connected_to(lambda s: "tmp"):
        n = len(started.send("s2"))
    return [[v for _, v in r], [v for _, v in r2], r3, n, started.receivers_for("x") is not None,
            bool(started.receivers), signal("probe-named") is named]


def hold():
    return {"signal": started, "named": named, "send": started.send, "listener": LISTENER,
            "fn": on_started, "cls": blinker.Signal}


def use(h):
    m = sys.modules[__name__]
    # `named` comes from blinker's namespace, made anew (empty) when blinker is
    # reloaded, as by a plain re-import: the current module's is asked.
    return [[v for _, v in h["send"]("h")], [v for _, v in m.named.send("special")],
            isinstance(h["signal"], sys.modules["blinker"].Signal), h["signal"].name == m.started.name,
            h["fn"]("q"), len(h["cls"]().send("z"))]


def edited(h):
    return ["fn2:h" in [v for _, v in h["send"]("h")], "fn2:h" in [v for _, v in sys.modules[__name__].started.send("h")]]
""", [('return "fn:" + str(sender)', 'return "fn2:" + str(sender)')])


# Classes registered in a defaultdict a registry instance holds (bs4's builder registry).
case("bs4", "beautifulsoup4", "bs4", "bs4.element:PageElement.get_text", '''
import sys

from bs4 import BeautifulSoup, Tag, NavigableString


class Doc:
    def __init__(self, text):
        self.soup = BeautifulSoup(text, "html.parser")

    def titles(self):
        return [h.get_text() for h in self.soup.find_all("h1")]


def smoke():
    soup = BeautifulSoup("<html><h1>A</h1><p class='x'>b <i>c</i></p></html>", "html.parser")
    return [soup.h1.get_text(), soup.find("p", class_="x").get_text(), Doc("<h1>z</h1>").titles(),
            [t.name for t in soup.select("p i")], isinstance(soup.p, Tag), str(soup.i)]


def hold():
    d = Doc("<h1>q</h1><h1>r</h1>")
    return {"d": d, "bound": d.titles, "cls": Doc, "tag": d.soup.h1, "soup": d.soup}


def use(h):
    m = sys.modules[__name__]
    return [h["bound"](), h["cls"]("<h1>s</h1>").titles(), h["tag"].get_text(),
            isinstance(h["d"], m.Doc), isinstance(h["tag"], sys.modules["bs4"].Tag),
            h["soup"].find("h1").string, isinstance(h["tag"].string, sys.modules["bs4"].NavigableString)]


def edited(h):
    m = sys.modules[__name__]
    return [h["bound"]() == ["Q", "R"], m.Doc("<h1>s</h1>").titles() == ["S"]]
''', [("return [h.get_text() for", "return [h.get_text().upper() for")])


# A vendored package under a subpackage left loaded (bleach._vendor.html5lib).
case("bleach", "bleach", "bleach", "bleach.sanitizer:Cleaner.clean", '''
import sys
from functools import partial

import bleach
from bleach.linkifier import LinkifyFilter
from bleach.sanitizer import Cleaner


def set_target(attrs, new=False):
    attrs[(None, "target")] = "_blank"
    return attrs


cleaner = Cleaner(tags={"a", "b"}, attributes={"a": ["href", "target"]},
                  filters=[partial(LinkifyFilter, callbacks=[set_target])])


class Safe:
    def __init__(self, text):
        self.text = text

    def html(self):
        return cleaner.clean(self.text)


def smoke():
    return [bleach.clean("<script>x</script><b>b</b>"), cleaner.clean("see http://a.com <i>i</i>"),
            bleach.linkify("go to http://x.org"), Safe("<b>x</b><u>y</u>").html()]


def hold():
    s = Safe("<a href='h'>l</a>")
    return {"s": s, "bound": s.html, "cleaner": cleaner, "clean": bleach.clean, "cls": Safe}


def use(h):
    m = sys.modules[__name__]
    return [h["bound"](), h["cleaner"].clean("<b>q</b>"), h["clean"]("<i>z</i>"),
            isinstance(h["s"], m.Safe), isinstance(h["cleaner"], sys.modules["bleach"].sanitizer.Cleaner)]


def edited(h):
    m = sys.modules[__name__]
    return [h["bound"]().startswith("[") and h["s"].html().startswith("["), m.Safe("b").html() == "[b]"]
''', [("return cleaner.clean(self.text)", 'return "[" + cleaner.clean(self.text) + "]"')])


# Library field objects in a schema's `_declared_fields`, holding the user's enum.
case("marshmallow_enum", "marshmallow-enum", "marshmallow_enum",
     "marshmallow_enum:EnumField._serialize", """
import enum
import sys

from marshmallow import Schema
from marshmallow_enum import EnumField


class Color(enum.Enum):
    RED = 1
    BLUE = 2

    def describe(self):
        return "color " + self.name


class PaintSchema(Schema):
    color = EnumField(Color)
    by_value = EnumField(Color, by_value=True)


def smoke():
    schema = PaintSchema()
    return [schema.dump({"color": Color.RED, "by_value": Color.BLUE}),
            schema.load({"color": "BLUE", "by_value": 1}) == {"color": Color.BLUE,
                                                               "by_value": Color.RED},
            Color.RED.describe()]


def hold():
    schema = PaintSchema()
    return {"schema": schema, "dump": schema.dump, "color": Color.BLUE, "field": EnumField,
            "cls": PaintSchema}


def use(h):
    m = sys.modules[__name__]
    return [h["dump"]({"color": h["color"], "by_value": m.Color.RED}),
            h["schema"].load({"color": "RED"})["color"] is m.Color.RED,
            h["color"] is m.Color.BLUE, h["color"].describe(),
            isinstance(h["cls"]().fields["color"], h["field"]),
            isinstance(h["schema"], m.PaintSchema)]


def edited(h):
    m = sys.modules[__name__]
    return [h["color"].describe() == "colour BLUE", m.Color.RED.describe() == "colour RED"]
""", [('"color " + self.name', '"colour " + self.name')])


# Validator classes a library function makes as the user module runs (reported).
case("jsonschema", "jsonschema", "jsonschema", "jsonschema._keywords:required", """
import sys

import jsonschema
from jsonschema import Draft202012Validator, validators

SCHEMA = {"type": "object", "required": ["name"],
          "properties": {"name": {"type": "string"}, "age": {"type": "integer", "even": True}}}


def even(validator, value, instance, schema):
    if value and instance % 2:
        yield jsonschema.ValidationError("%r is odd" % (instance,))


Even = validators.extend(Draft202012Validator, {"even": even})


def smoke():
    validator = Even(SCHEMA)
    errors = sorted(e.message for e in validator.iter_errors({"age": 3}))
    try:
        jsonschema.validate({"name": 1}, SCHEMA)
    except jsonschema.ValidationError as error:
        first = error.validator
    return [errors, first, validator.is_valid({"name": "a", "age": 2})]


def hold():
    validator = Even(SCHEMA)
    return {"validator": validator, "iter": validator.iter_errors, "cls": Even,
            "validate": jsonschema.validate, "error": jsonschema.ValidationError}


def use(h):
    try:
        h["validate"]({}, SCHEMA)
    except sys.modules["jsonschema"].ValidationError as error:
        caught = [error.validator, isinstance(error, h["error"])]
    return [sorted(e.message for e in h["iter"]({"age": 5})), caught,
            h["cls"](SCHEMA).is_valid({"name": "x"}),
            isinstance(h["validator"], sys.modules[__name__].Even)]


def edited(h):
    m = sys.modules[__name__]
    return [any("is uneven" in e.message for e in h["iter"]({"name": "a", "age": 5})),
            any("is uneven" in e.message for e in m.Even(SCHEMA).iter_errors({"age": 5}))]
""", [('"%r is odd"', '"%r is uneven"')])


# A registry in a module that defines no class, filled by the user module's classes.
case("zope_event", "zope.event", "zope", "zope.event:notify", """
import sys

import zope.event
from zope.event import classhandler


class Saved:
    def __init__(self, name):
        self.name = name


LOG = []


def on_any(event):
    LOG.append("any " + type(event).__name__)


zope.event.subscribers[:] = [s for s in zope.event.subscribers
                             if getattr(s, "__module__", None) != __name__]
zope.event.subscribers.append(on_any)


def on_saved(event):
    LOG.append("saved " + event.name)


classhandler.handler(Saved, on_saved)


def smoke():
    del LOG[:]
    zope.event.notify(Saved("a"))
    zope.event.notify(object())
    return sorted(LOG)


def hold():
    return {"notify": zope.event.notify, "cls": Saved, "event": Saved("held"), "log": LOG,
            "handler": on_saved}


def use(h):
    m = sys.modules[__name__]
    del m.LOG[:]
    h["notify"](h["event"])
    h["notify"](h["cls"]("x"))
    h["handler"](h["event"])
    return [sorted(m.LOG), isinstance(h["event"], m.Saved)]


def edited(h):
    m = sys.modules[__name__]
    del m.LOG[:]
    h["handler"](h["event"])
    old = list(m.LOG)
    return [old == ["stored held"], "stored a" in m.smoke()]
""", [('"saved " + event.name', '"stored " + event.name')])


# A wrapper written in C (wrapt's) on the user's methods, holding what they were.
case("deprecated", "Deprecated", "deprecated", "deprecated.classic:ClassicAdapter.get_deprecated_msg", """
import sys
import warnings

from deprecated import deprecated


@deprecated(reason="use new_add", version="1.0")
def old_add(a, b):
    return a + b


class Api:
    @deprecated("use run2")
    def run(self, x):
        return "run " + str(x)


@deprecated(reason="gone")
class Legacy:
    def __init__(self, v):
        self.v = v

    def value(self):
        return self.v * 10


def caught(call):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        result = call()
    return [result, [str(x.message)[:40] for x in w]]


def smoke():
    return [caught(lambda: old_add(1, 2)), caught(lambda: Api().run(1)),
            caught(lambda: Legacy(2).value())]


def hold():
    a = Api()
    return {"a": a, "cls": Api, "bound": a.run, "fn": old_add, "legacy": Legacy(3),
            "lcls": Legacy}


def use(h):
    m = sys.modules[__name__]
    return [caught(lambda: h["bound"](2)), caught(lambda: h["fn"](2, 2)),
            caught(lambda: h["lcls"](1).value()), h["legacy"].value(),
            isinstance(h["a"], m.Api), isinstance(h["legacy"], m.Legacy)]


def edited(h):
    m = sys.modules[__name__]
    return [h["bound"](1) == "go 1" and h["legacy"].value() == 31,
            m.Api().run(1) == "go 1" and m.Legacy(1).value() == 11]
""", [('"run " + str', '"go " + str'), ("return self.v * 10", "return self.v * 10 + 1")])


# A registry __init_subclass__ fills on a base class (flexparser's), read by pint at import.
case("pint", "Pint", "pint flexcache flexparser", "pint.facets.plain.quantity:PlainQuantity.to", """
import sys

import pint

ureg = pint.UnitRegistry()
Q_ = ureg.Quantity


class Trip:
    def __init__(self, km):
        self.distance = km * ureg.kilometer

    def miles(self):
        return round(self.distance.to(ureg.mile).magnitude, 3)


def smoke():
    q = Q_(3, "m") * 2
    return [str(q), round(q.to("cm").magnitude, 3), Trip(10).miles(),
            str((5 * ureg.second).to("ms").units)]


def hold():
    t = Trip(5)
    return {"t": t, "cls": Trip, "bound": t.miles, "q": Q_(2, "inch"), "ureg": ureg}


def use(h):
    m = sys.modules[__name__]
    return [h["bound"](), h["cls"](1).miles(), round(h["q"].to("cm").magnitude, 3),
            isinstance(h["t"], m.Trip), isinstance(h["q"], m.ureg.Quantity),
            str(h["ureg"]("3 m/s").to("km/h"))]


def edited(h):
    m = sys.modules[__name__]
    return [h["t"].miles() == 3.11, m.Trip(1).miles() == 0.62]
""", [("round(self.distance.to(ureg.mile).magnitude, 3)",
       "round(self.distance.to(ureg.mile).magnitude, 2)")])


# A module the package makes at run time (bottle.ext, with bottle.py as its file).
case("bottle", "bottle", "bottle", "bottle:Router.match", """
import io
import sys
import wsgiref.util

import bottle

app = bottle.Bottle()


@app.route("/hi/<name>")
def hi(name):
    return "hi " + name


@app.get("/json")
def js():
    return {"a": 1}


class Plugin:
    name = "probe"
    api = 2

    def apply(self, callback, route):
        def wrapper(*args, **kwargs):
            return callback(*args, **kwargs)
        return wrapper


app.install(Plugin())


def call(application, path):
    environ = {}
    wsgiref.util.setup_testing_defaults(environ)
    environ["PATH_INFO"] = path
    status = []
    body = b"".join(application(environ, lambda s, h, e=None: status.append(s)))
    return [status[0], body.decode()]


def smoke():
    return [call(app, "/hi/a"), call(app, "/json"), call(app, "/nope")[0],
            app.get_url("/hi/<name>", name="z")]


def hold():
    return {"app": app, "hi": hi, "cls": bottle.Bottle}


def use(h):
    return [call(h["app"], "/hi/b"), h["hi"]("c"), isinstance(h["app"], sys.modules["bottle"].Bottle)]


def edited(h):
    m = sys.modules[__name__]
    return [call(h["app"], "/hi/b")[1] == "hello b", m.smoke()[0][1] == "hello a"]
""", [('"hi " + name', '"hello " + name')])


# A dispatcher the package keeps in a registry of its own; the user's edit
# replaces the function inside it (`@dispatch` reuses the module's dispatcher).
case("multipledispatch", "multipledispatch", "multipledispatch",
     "multipledispatch.dispatcher:Dispatcher.__call__", """
import sys

from multipledispatch import dispatch


@dispatch(int)
def area(x):
    return x * 1


@dispatch(str)
def area(x):
    return len(x)


class Box:
    def __init__(self, side):
        self.side = side

    def size(self):
        return area(self.side)


def smoke():
    return [area(3), area("ab"), Box(4).size(), Box("xyz").size()]


def hold():
    box = Box(5)
    return {"area": area, "box": box, "bound": box.size, "cls": Box}


def use(h):
    m = sys.modules[__name__]
    return [h["area"](2), h["area"]("q"), h["bound"](), h["cls"](6).size(),
            isinstance(h["box"], m.Box)]


def edited(h):
    m = sys.modules[__name__]
    return [h["area"](3) == 30 and h["bound"]() == 50, m.area(3) == 30 and m.Box(1).size() == 10]
""", [("return x * 1", "return x * 10")])


# A class body's table of lambdas, cached per class by a module not reloaded.
case("sqlglot_dialect", "sqlglot", "sqlglot", "sqlglot:transpile", """
import sys

from sqlglot import exp, parse_one, transpile
from sqlglot.dialects.dialect import Dialect
from sqlglot.generator import Generator as BaseGenerator


class Custom(Dialect):
    class Generator(BaseGenerator):
        TRANSFORMS = {**BaseGenerator.TRANSFORMS,
                      exp.Upper: lambda self, e: "SHOUT(" + self.sql(e, "this") + ")"}

        def tag(self):
            return "v1"


def smoke():
    return [transpile("SELECT UPPER(a) FROM t", write="custom"),
            Custom().generate(parse_one("SELECT UPPER(b)")), type(Dialect.get_or_raise("custom")).__name__]


def hold():
    d = Custom()
    return {"d": d, "gen": d.generator(), "cls": Custom, "get": Dialect.get_or_raise}


def use(h):
    m = sys.modules[__name__]
    return [h["d"].generate(parse_one("SELECT UPPER(c)")), h["gen"].generate(parse_one("SELECT UPPER(d)")),
            isinstance(h["d"], m.Custom), h["gen"].tag(), type(h["get"]("custom")) is m.Custom,
            transpile("SELECT UPPER(e)", write="custom")]


def edited(h):
    m = sys.modules[__name__]
    return [h["d"].generate(parse_one("SELECT UPPER(c)")) == "SELECT YELL(c)" and h["gen"].tag() == "v2",
            transpile("SELECT UPPER(e)", write="custom") == ["SELECT YELL(e)"]]
""", [('"SHOUT("', '"YELL("'), ('return "v1"', 'return "v2"')])


# A dict subclass whose values() takes a key, found in the late looks (HeaderMap).
case("cherrypy", "CherryPy", "cherrypy", "cherrypy._cprequest:Request.respond", """
import io
import json
import sys

import cherrypy

cherrypy.config.update({"environment": "embedded", "log.screen": False})


def add_header():
    cherrypy.response.headers["X-Probe"] = "yes"


cherrypy.tools.probe = cherrypy.Tool("before_finalize", add_header)


class Api:
    @cherrypy.expose
    @cherrypy.tools.json_out()
    def item(self, n="1"):
        return {"n": int(n), "double": self.double(int(n))}

    def double(self, n):
        return n * 2


class Root:
    def __init__(self):
        self.api = Api()

    @cherrypy.expose
    def index(self):
        return "root"

    @cherrypy.expose
    @cherrypy.tools.probe()
    def hello(self, name="x"):
        return "hello " + name


APP = cherrypy.tree.mount(Root(), "/probe", {"/": {"tools.encode.on": True}})


def call(app, path, query=""):
    environ = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "/probe", "PATH_INFO": path,
               "QUERY_STRING": query, "SERVER_NAME": "localhost", "SERVER_PORT": "80",
               "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "localhost", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
               "wsgi.errors": io.StringIO(), "wsgi.multithread": False, "wsgi.multiprocess": False,
               "wsgi.run_once": False, "wsgi.version": (1, 0), "REMOTE_ADDR": "127.0.0.1",
               "REMOTE_PORT": "1"}
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = status
        seen["headers"] = dict(headers)

    body = b"".join(app(environ, start_response))
    return [seen["status"], seen["headers"].get("X-Probe"), body.decode()]


def smoke():
    return [call(APP, "/"), call(APP, "/hello", "name=bo"), call(APP, "/api/item", "n=4"),
            call(APP, "/missing")[0]]


def hold():
    root = APP.root
    return {"app": APP, "root": root, "hello": root.hello, "api": root.api, "double": root.api.double}


def use(h):
    m = sys.modules[__name__]
    return [call(h["app"], "/hello", "name=held"), call(h["app"], "/api/item", "n=2"),
            h["hello"]("x"), h["double"](5), isinstance(h["root"], m.Root),
            isinstance(h["app"], sys.modules["cherrypy"].Application)]


def edited(h):
    m = sys.modules[__name__]
    return [h["double"](2) == 6 and "6" in call(h["app"], "/api/item", "n=2")[2],
            m.Api().double(2) == 6]
""", [("return n * 2", "return n * 3")])


# An import cycle through dask and pandas, with pandas' extension modules left loaded.
case("xarray", "xarray", "xarray", "xarray.core.dataarray:DataArray.to_dict", """
import sys

import numpy as np
import xarray as xr


@xr.register_dataarray_accessor("geo")
class GeoAccessor:
    def __init__(self, obj):
        self._obj = obj

    def center(self):
        return float(self._obj.mean())

    @property
    def span(self):
        return float(self._obj.max() - self._obj.min())


@xr.register_dataset_accessor("summ")
class Summ:
    def __init__(self, ds):
        self._ds = ds

    def names(self):
        return sorted(self._ds.data_vars)


DA = xr.DataArray(np.arange(6.0).reshape(2, 3), dims=("x", "y"), coords={"x": [10, 20]}, name="v")


def smoke():
    ds = DA.to_dataset()
    return [DA.sum("y").values.tolist(), DA.geo.center(), DA.geo.span, ds.summ.names(),
            float(ds["v"].sel(x=20).mean()), DA.isel(y=0).to_dict()["data"], (DA + 1).max().item(),
            isinstance(DA, xr.DataArray)]


def hold():
    da = xr.DataArray([1.0, 2.0, 3.0], dims="t", name="h")
    return {"da": da, "ds": da.to_dataset(), "acc": da.geo, "bound": da.geo.center,
            "cls": GeoAccessor, "mean": da.mean, "DataArray": xr.DataArray, "to_dict": da.to_dict}


def use(h):
    m = sys.modules[__name__]
    return [h["bound"](), h["acc"].span, h["da"].geo.center(), h["ds"].summ.names(),
            isinstance(h["da"], sys.modules["xarray"].DataArray), isinstance(h["da"].geo, m.GeoAccessor),
            float(h["mean"]()), h["DataArray"]([1, 2], dims="a").sum().item(), h["to_dict"]()["data"],
            (h["da"] * 2).to_dict()["data"], float(h["ds"]["h"].sum())]


def edited(h):
    m = sys.modules[__name__]
    return [h["bound"]() == 200.0 and h["da"].geo.center() == 200.0,
            m.DA.geo.center() == 250.0 and xr.DataArray([1.0]).geo.center() == 100.0]
""", [("return float(self._obj.mean())", "return float(self._obj.mean()) * 100")])


# Dispatch registries filled by the user module; delayed graphs held.
case("dask", "dask", "dask", "dask.local:get_sync", """
import sys

import dask
import dask.array as da
from dask import delayed
from dask.base import normalize_token, tokenize
from dask.sizeof import sizeof
from dask.utils import Dispatch


class Box:
    def __init__(self, n):
        self.n = n

    def double(self):
        return self.n * 2


@sizeof.register(Box)
def _sizeof_box(b):
    return 1000 + b.n


@normalize_token.register(Box)
def _token_box(b):
    return ("Box", b.n)


describe = Dispatch("describe")


@describe.register(int)
def _describe_int(x):
    return "int:%d" % x


@describe.register(Box)
def _describe_box(b):
    return "box:%d" % b.n


@delayed
def inc(x):
    return x + 1


@delayed(pure=True)
def add(x, y):
    return x + y


def smoke():
    total = add(inc(1), inc(Box(2).double()))
    arr = da.arange(10, chunks=3)
    return [total.compute(scheduler="sync"), int((arr * 2).sum().compute(scheduler="sync")),
            sizeof(Box(5)), describe(3), describe(Box(1)), tokenize(Box(4)) == tokenize(Box(4)),
            arr.chunks, dask.compute(inc(1), scheduler="sync")]


def hold():
    b = Box(3)
    return {"box": b, "graph": add(inc(b.n), 10), "arr": da.ones((4,), chunks=2), "inc": inc,
            "bound": b.double, "describe": describe, "sizeof": sizeof, "cls": Box,
            "compute": dask.compute}


def use(h):
    m = sys.modules[__name__]
    return [h["graph"].compute(scheduler="sync"), int(h["arr"].sum().compute(scheduler="sync")),
            h["inc"](4).compute(scheduler="sync"), h["bound"](), h["describe"](h["box"]),
            h["sizeof"](h["box"]), m.sizeof(h["box"]), isinstance(h["box"], m.Box),
            h["compute"](h["inc"](1), scheduler="sync"), m.describe(h["box"]),
            sys.modules["dask.sizeof"].sizeof(h["box"])]


def edited(h):
    m = sys.modules[__name__]
    return [h["bound"]() == 30 and h["describe"](h["box"]) == "BOX:3" and h["sizeof"](h["box"]) == 2003,
            m.Box(1).double() == 10 and m.describe(m.Box(2)) == "BOX:2" and m.sizeof(m.Box(1)) == 2001]
""", [("return self.n * 2", "return self.n * 10"), ('return "box:%d" % b.n', 'return "BOX:%d" % b.n'),
      ("return 1000 + b.n", "return 2000 + b.n")])
