"""Live update never leaves a program worse than a plain re-import, and never silently.

Each test stands for a way real packages broke, written with the standard
library only: the same shapes (a dict subclass that refuses writes, state a
metaclass builds per class, a class re-exported under another module name,
enum-keyed dicts...) in throwaway packages.
"""

import textwrap

import reloader
from tests.support import PackageCase

_SPLIT = "; the new class is a different object and old instances keep the old code"


class UpdateCase(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        self.write("{pkg}/__init__.py")

    def reload(self) -> reloader.Report:
        report = reloader.reload(self.pkg)
        self.assertTrue(report.ok, report)
        return report

    def read(self, relative: str) -> str:
        with open(self.path(relative), encoding="utf-8") as handle:
            return handle.read()


class PairingTest(UpdateCase):
    def test_wrappers_of_one_decorator_without_wraps_keep_their_own_code(self) -> None:
        self.write(
            "{pkg}/ops.py",
            """
            def logged(f):
                def wrapper(*args):
                    return f(*args)
                return wrapper
            @logged
            def add(a, b):
                return a + b
            @logged
            def mul(a, b):
                return a * b
            square = lambda x: x * x
            cube = lambda x: x * x * x
            """,
        )
        ops = self.load("{pkg}.ops")
        held = {"add": ops.add, "mul": ops.mul, "square": ops.square, "cube": ops.cube}
        for _ in range(3):
            self.reload()
            self.assertEqual(
                [held["add"](3, 4), held["mul"](3, 4), held["square"](2), held["cube"](2)],
                [7, 12, 4, 8],
            )
        ops = self.mod("{pkg}.ops")
        self.assertEqual((ops.add(3, 4), ops.mul(3, 4)), (7, 12))

    def test_an_edit_reaches_every_held_version_of_the_right_wrapper(self) -> None:
        body = """
            def logged(f):
                def wrapper(*args):
                    return f(*args)
                return wrapper
            @logged
            def add(a, b):
                return a + b + {extra}
            @logged
            def mul(a, b):
                return a * b
            """
        self.write("{pkg}/ops.py", body.replace("{extra}", "0"))
        ops = self.load("{pkg}.ops")
        first = (ops.add, ops.mul)
        self.reload()
        second = (self.mod("{pkg}.ops").add, self.mod("{pkg}.ops").mul)
        self.write("{pkg}/ops.py", body.replace("{extra}", "100"))
        self.reload()
        for add, mul in (first, second):
            self.assertEqual((add(3, 4), mul(3, 4)), (107, 12))

    def test_a_name_rebound_to_another_function_pairs_nothing_twice(self) -> None:
        self.write("{pkg}/a.py", "def f():\n    return 'f'\ndef g():\n    return 'g'\nh = f\n")
        a = self.load("{pkg}.a")
        f, g = a.f, a.g
        self.write("{pkg}/a.py", "def f():\n    return 'f'\ndef g():\n    return 'g'\nh = g\n")
        self.reload()
        self.assertEqual((f(), g(), self.mod("{pkg}.a").h()), ("f", "g", "g"))

    def test_a_module_that_wraps_a_library_function_wraps_it_once_more(self) -> None:
        # As beartype on typing._generic_class_getitem: the new code takes the
        # old wrapper as the function to wrap. Neither is the library's
        # function, which must stay as it was; and no wrapper may call itself.
        original = textwrap.shorten
        self.addCleanup(setattr, textwrap, "shorten", original)
        code = original.__code__
        self.write("{pkg}/patcher.py", """
            import textwrap
            _shorten = textwrap.shorten
            def shorten(text, width, **kwargs):
                return "[" + _shorten(text, width, **kwargs) + "]"
            textwrap.shorten = shorten
            """)
        self.load("{pkg}.patcher")
        names = {"kept": original}
        self.addCleanup(reloader.rebind_namespace(names))
        for wrapped in ("[[hello]]", "[[[hello]]]"):
            report = self.reload()
            self.assertEqual(report.not_updated, {})
            self.assertEqual(textwrap.shorten("hello", 20), wrapped)  # as a fresh import gives
        self.assertIs(original.__code__, code)
        self.assertEqual(original("hello", 20), "hello")
        self.assertIs(names["kept"], original)


class HeldPartsTest(UpdateCase):
    """A method is replaced without an update only when nothing else holds it."""

    def test_every_held_part_of_a_class_runs_the_new_code(self) -> None:
        body = """
            import functools
            def logged(function):
                @functools.wraps(function)
                def wrapper(*args):
                    return function(*args)
                return wrapper
            class A:
                def run(self):
                    return '{v}'
                @property
                def p(self):
                    return '{v}'
                @classmethod
                def c(cls):
                    return '{v}'
                @staticmethod
                def s():
                    return '{v}'
                @logged
                def w(self):
                    return '{v}'
            """
        self.write("{pkg}/a.py", body.replace("{v}", "old"))
        A = self.load("{pkg}.a").A
        parts = vars(A)
        held = [parts["run"], parts["p"].fget, parts["c"], parts["s"], parts["w"].__wrapped__]
        self.write("{pkg}/a.py", body.replace("{v}", "new"))
        self.reload()
        run, getter, c, s, inner = held
        self.assertEqual(
            (run(A()), getter(A()), c.__func__(A), s.__func__(), inner(A())),
            ("new",) * 5,
        )
        self.assertEqual((A().run(), A().p, A.c(), A.s(), A().w()), ("new",) * 5)

    def test_what_a_dropped_wrapper_holds_runs_the_new_code_when_held_elsewhere(self) -> None:
        # The wrappers go with their class or module; the functions in
        # their cells, a cell two wrappers share, or a __wrapped__ do not.
        body = """
            import functools
            SEEN = []
            def plain(function):
                SEEN.append(function)
                def wrapper(*args):
                    return function(*args)
                return wrapper
            def logged(function):
                @functools.wraps(function)
                def wrapper(*args):
                    return function(*args)
                return wrapper
            def twice(function):
                def first(*args):
                    return function(*args)
                def second(*args):
                    return function(*args)
                first.other = second
                return first
            class A:
                @plain
                def run(self):
                    return '{v}'
                @logged
                @plain
                def deep(self):
                    return '{v}'
            @plain
            def top():
                return '{v}'
            @twice
            def pair():
                return '{v}'
            """
        self.write("{pkg}/a.py", body.replace("{v}", "old"))
        a = self.load("{pkg}.a")
        held = list(a.SEEN) + [a.pair.other]
        self.write("{pkg}/a.py", body.replace("{v}", "new"))
        self.reload()
        run, deep, top, other = held
        self.assertEqual((run(None), deep(None), top(), other()), ("new",) * 4)


class NoEditTest(UpdateCase):
    """Reloading three times with no edit changes no behaviour."""

    SOURCE = """
        import abc, dataclasses, enum, functools
        class Scope(enum.Enum):
            SESSION = 's'
            FUNCTION = 'f'
        ORDER = {scope: index for index, scope in enumerate(Scope)}
        WIDE = frozenset({Scope.SESSION})
        class Shape(abc.ABC):
            @abc.abstractmethod
            def area(self): ...
            def describe(self):
                return 'shape of ' + str(self.area())
        class Square(Shape):
            def __init__(self, side=2):
                self.side = side
            def area(self):
                return self.side ** 2
            @property
            def doubled(self):
                return 2 * self.area()
            @classmethod
            def unit(cls):
                return cls(1)
        @dataclasses.dataclass(frozen=True)
        class Point:
            x: int = 0
            def moved(self):
                return Point(self.x + 1)
        ORIGIN = Point()
        def twice(f):
            def wrapper(*args):
                return f(f(*args))
            return wrapper
        @twice
        def inc(x):
            return x + 1
        @functools.lru_cache(maxsize=None)
        def cached(x):
            return x * 3
        def rank(scope):
            return ORDER[scope]
        """

    def snapshot(self, held: dict) -> list:
        m = self.mod("{pkg}.m")
        return [
            held["square"].describe(), held["doubled"](), held["Square"].unit().area(),
            isinstance(held["square"], m.Square), isinstance(m.Square(), held["Shape"]),
            issubclass(m.Square, held["Shape"]), held["origin"].moved(), held["origin"] == m.ORIGIN,
            isinstance(held["origin"], m.Point), held["inc"](1), held["cached"](2),
            held["rank"](held["function"]), m.rank(held["function"]), m.ORDER[held["function"]],
            held["function"] is m.Scope.FUNCTION, m.Scope("f") is held["function"],
            held["session"] in m.WIDE, held["bound"](),
        ]

    def test_three_reloads_without_an_edit_change_nothing(self) -> None:
        self.write("{pkg}/m.py", self.SOURCE)
        m = self.load("{pkg}.m")
        square = m.Square()
        held = {
            "square": square, "doubled": lambda: square.doubled, "Square": m.Square,
            "Shape": m.Shape, "origin": m.ORIGIN, "inc": m.inc, "cached": m.cached,
            "rank": m.rank, "function": m.Scope.FUNCTION, "session": m.Scope.SESSION,
            "bound": square.describe,
        }
        before = self.snapshot(held)
        self.assertEqual(before[0], "shape of 4")
        for _ in range(3):
            report = self.reload()
            self.assertEqual(report.not_updated, {})
            self.assertEqual(self.snapshot(held), before)


class ClassesTest(UpdateCase):
    def test_state_a_metaclass_built_for_the_new_class_is_never_copied(self) -> None:
        # As pydantic: a validator compiled per class, making instances of it.
        self.write(
            "{pkg}/models.py",
            """
            class Validator:
                def __init__(self, cls):
                    self.cls = cls
                def validate(self, data):
                    return self.cls(**data)
            class ModelMeta(type):
                def __new__(mcs, name, bases, namespace):
                    cls = super().__new__(mcs, name, bases, namespace)
                    cls.__validator__ = Validator(cls)
                    return cls
            class Model(metaclass=ModelMeta):
                def __init__(self, **data):
                    self.__dict__.update(data)
                @classmethod
                def model_validate(cls, data):
                    return cls.__validator__.validate(data)
            class User(Model):
                def hello(self):
                    return 'hello ' + self.name
            """,
        )
        models = self.load("{pkg}.models")
        old_user = models.User(name="old")
        report = self.reload()
        models = self.mod("{pkg}.models")
        made = models.User.model_validate({"name": "ann"})
        self.assertIsInstance(made, models.User)
        self.assertEqual(made.hello(), "hello ann")
        self.assertEqual(old_user.hello(), "hello old")  # whole, on the old code
        self.assertEqual(
            report.not_updated["{}.models.Model".format(self.pkg)],
            "its new version holds '__validator__', state tied to the new class (built by "
            "its body, or by code run at import) that the old class cannot share" + _SPLIT,
        )

    def test_a_class_left_beside_its_new_version_keeps_the_names_its_code_read(self) -> None:
        # As traitlets: a descriptor remembering its owner leaves Configurable
        # beside its new version; the old Application.__init__ calls its base by
        # name, which must stay the old class for the old code.
        self.write("{pkg}/base.py", """
            class Trait:
                def __set_name__(self, owner, name):
                    self.this_class = owner
                    self.name = name
            class Base:
                config = Trait()
                def __init__(self, **kw):
                    super().__init__()
                    self.kw = kw
            class Mid(Base):
                def __init__(self, **kw):
                    Base.__init__(self, **kw)
            """)
        base = self.load("{pkg}.base")
        App = type("App", (base.Mid,), {})
        report = self.reload()
        self.assertIn("{}.base.Base".format(self.pkg), report.not_updated)
        self.assertEqual(App(a=1).kw, {"a": 1})
        new = self.mod("{pkg}.base")
        self.assertEqual(type("NewApp", (new.Mid,), {})(b=2).kw, {"b": 2})

    def test_state_an_init_subclass_built_is_never_copied(self) -> None:
        # As an ORM mapper: a manager per class that instruments __init__.
        self.write(
            "{pkg}/orm.py",
            """
            class Manager:
                def __init__(self, cls):
                    self.class_ = cls
                    self.original_init = cls.__init__
                    def __init__(instance, **kw):
                        instance._sa_state = cls
                        self.original_init(instance, **kw)
                    cls.__init__ = __init__
            class Base:
                def __init_subclass__(cls, **kw):
                    super().__init_subclass__(**kw)
                    cls._sa_class_manager = Manager(cls)
            class Item(Base):
                def __init__(self, **kw):
                    self.__dict__.update(kw)
            """,
        )
        orm = self.load("{pkg}.orm")
        Item = orm.Item
        report = self.reload()
        item = self.mod("{pkg}.orm").Item(name="x")
        self.assertEqual(item.name, "x")
        self.assertIs(item._sa_state, self.mod("{pkg}.orm").Item)
        self.assertEqual(Item(name="y")._sa_state, Item)
        self.assertIn("{}.orm.Item".format(self.pkg), report.not_updated)

    def test_a_class_whose_module_names_the_package_stays_one_class(self) -> None:
        # As httpx and anyio: classes re-exported with __module__ set to the package.
        self.write("{pkg}/__init__.py", "from ._client import Client, Transport\n")
        self.write(
            "{pkg}/_client.py",
            """
            class Transport:
                pass
            class Client:
                def __init__(self):
                    self.transport = Transport()
                def send(self):
                    if not isinstance(self.transport, Transport):
                        raise RuntimeError('sync request with an async transport')
                    return 'sent'
            for cls in (Client, Transport):
                cls.__module__ = '{pkg}'
            """,
        )
        package = self.load("{pkg}")
        Client, client = package.Client, package.Client()
        for _ in range(2):
            self.reload()
        self.assertIs(self.mod("{pkg}").Client, Client)
        self.assertIs(self.mod("{pkg}._client").Client, Client)
        self.assertEqual((client.send(), self.mod("{pkg}").Client().send()), ("sent", "sent"))

    def test_classes_registered_in_dict_subclasses_an_instance_holds(self) -> None:
        # bs4's TreeBuilderRegistry: `builders_for_feature`, a defaultdict,
        # kept the new class, whose `super(Cls, self)` then met the patched
        # old class under its name: every BeautifulSoup() raised TypeError.
        self.write("{pkg}/__init__.py", """
            import collections
            class Registry:
                def __init__(self):
                    self.by_feature = collections.defaultdict(list)
                    self.ordered = collections.OrderedDict()
                def register(self, cls):
                    self.by_feature[cls.feature].insert(0, cls)
                    self.ordered[cls.feature] = cls
            registry = Registry()
            class Base:
                def __init__(self):
                    self.ready = True
            class Builder(Base):
                feature = "html"
                def __init__(self):
                    super(Builder, self).__init__()
            registry.register(Builder)
            def make():
                return registry.by_feature["html"][0]()
            """)
        package = self.load("{pkg}")
        Builder = package.Builder
        report = self.reload()
        self.assertEqual(report.not_updated, {})
        registry = self.mod("{pkg}").registry
        self.assertIs(registry.by_feature["html"][0], Builder)
        self.assertIs(registry.ordered["html"], Builder)
        self.assertTrue(self.mod("{pkg}").make().ready)

    def test_library_objects_in_the_new_codes_containers_name_the_kept_enum(self) -> None:
        # marshmallow-enum: `color = EnumField(Color)` in a schema body, which
        # marshmallow's metaclass moves into the class's `_declared_fields`
        # dict; the field kept the discarded enum, whose members never equal
        # the module's. In a module-level dict too.
        self.write("lib_{pkg}.py", """
            class EnumField:
                def __init__(self, enum):
                    self.enum = enum
                def load(self, name):
                    return self.enum[name]
            class SchemaMeta(type):
                def __new__(mcs, name, bases, namespace):
                    fields = {k: v for k, v in namespace.items() if isinstance(v, EnumField)}
                    for key in fields:
                        del namespace[key]
                    cls = super().__new__(mcs, name, bases, namespace)
                    cls._declared_fields = fields
                    return cls
            class Schema(metaclass=SchemaMeta):
                def load(self, data):
                    return {k: f.load(data[k]) for k, f in self._declared_fields.items()}
            """)
        self.write("{pkg}/__init__.py", """
            import enum
            import lib_{pkg}
            class Color(enum.Enum):
                RED = 1
                BLUE = 2
            class PaintSchema(lib_{pkg}.Schema):
                color = lib_{pkg}.EnumField(Color)
            FIELDS = {"color": lib_{pkg}.EnumField(Color)}
            """)
        package = self.load("{pkg}")
        blue = package.Color.BLUE
        report = self.reload()
        self.assertEqual(report.not_updated, {})
        module = self.mod("{pkg}")
        self.assertIs(module.PaintSchema().load({"color": "BLUE"})["color"], blue)
        self.assertIs(module.FIELDS["color"].enum, module.Color)
        self.assertIs(module.FIELDS["color"].load("BLUE"), blue)

    def test_a_class_a_function_of_a_module_not_reloaded_made_is_reported(self) -> None:
        # jsonschema's `Even = validators.extend(Draft202012Validator, {...})`,
        # and make_dataclass (its class names 'types' on 3.11): made anew by
        # code that is not the module's, never patched: said so, not silent.
        self.write("lib_{pkg}.py", """
            def extend(checks):
                class Validator:
                    CHECKS = dict(checks)
                    def valid(self, value):
                        return all(check(value) for check in self.CHECKS.values())
                return Validator
            """)
        self.write("{pkg}/__init__.py", """
            import dataclasses
            import lib_{pkg}
            Even = lib_{pkg}.extend({"even": lambda value: value % 2 == 0})
            Point = dataclasses.make_dataclass("Point", [("x", int)])
            class Own:
                pass
            """)
        package = self.load("{pkg}")
        held, point = package.Even(), package.Point(1)
        report = self.reload()
        expected = [self.pkg + ".Even"]
        if package.Point.__module__ != self.pkg:  # before 3.12 it names 'types'
            expected.append(self.pkg + ".Point")
        self.assertEqual(sorted(report.not_updated), expected)
        self.assertIn("a class a function made as this module ran",
                      report.not_updated[self.pkg + ".Even"])
        self.assertTrue(held.valid(2))  # left whole, on its old code
        self.assertIsNot(self.mod("{pkg}").Even, type(held))
        self.assertEqual((self.mod("{pkg}").Point(2).x, point.x), (2, 1))
        report = reloader.reload("lib_" + self.pkg)  # the function's module too: the same
        self.assertIn(self.pkg, report.reloaded)
        self.assertIn(self.pkg + ".Even", report.not_updated)

    def test_dict_keys_and_set_members_that_are_enum_members(self) -> None:
        # As pytest's scopes: a dict keyed by members, built at import.
        self.write(
            "{pkg}/scope.py",
            """
            import enum
            class Scope(enum.Enum):
                Session = 'session'
                Function = 'function'
            _INDEX = {scope: i for i, scope in enumerate(Scope)}
            HIGH = {Scope.Session}
            def index(scope):
                return _INDEX[scope]
            """,
        )
        self.write("{pkg}/use.py", "from {pkg}.scope import Scope\nTABLE = {Scope.Function: 'f'}\n")
        scope = self.load("{pkg}.scope")
        self.load("{pkg}.use")
        function, session = scope.Scope.Function, scope.Scope.Session
        self.reload()
        scope = self.mod("{pkg}.scope")
        self.assertEqual((scope.index(function), scope.index(session)), (1, 0))
        self.assertIn(session, scope.HIGH)
        self.assertEqual(self.mod("{pkg}.use").TABLE[function], "f")

    def test_a_dict_that_refuses_writes_fails_the_reload_and_everything_is_restored(self) -> None:
        # As SQLAlchemy's immutabledict: left holding the new members, it
        # would miss every lookup by the old ones the module names give.
        self.write(
            "{pkg}/frozen.py",
            """
            import enum
            class frozendict(dict):
                def __setitem__(self, key, value):
                    raise TypeError('frozendict is immutable')
                def clear(self):
                    raise TypeError('frozendict is immutable')
            class Kind(enum.Enum):
                A = 1
            NAMES = frozendict({Kind.A: 'a'})
            """,
        )
        frozen = self.load("{pkg}.frozen")
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(self.pkg)
        self.assertIs(self.mod("{pkg}.frozen"), frozen)
        self.assertEqual(frozen.NAMES[frozen.Kind.A], "a")
        self.assertIn(
            "cannot update '{}.frozen.NAMES': it holds new objects that old ones stand for "
            "(a class, an enum's members) and refused the rewrite (TypeError: frozendict is "
            "immutable)".format(self.pkg),
            str(caught.exception),
        )

    def test_a_read_only_registry_of_a_library_found_late_restores_everything(self) -> None:
        # Found once every module ran (a library's registry the new code put
        # its class in): the refusal ends the reload with everything put back,
        # the old module and the old class in place, not the new code half kept.
        self.write("lib_{pkg}.py", """
            class frozendict(dict):
                def __setitem__(self, key, value):
                    raise TypeError('frozendict is immutable')
            REGISTRY = frozendict()
            def register(cls):
                dict.__setitem__(REGISTRY, cls.__name__, cls)
                return cls
            """)
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/models.py", "import lib_{pkg}\n@lib_{pkg}.register\nclass Thing:\n"
                                      "    pass\n")
        models = self.load("{pkg}.models")
        Thing = models.Thing
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(self.pkg)
        self.assertTrue(caught.exception.report.rolled_back)
        self.assertIn("refused the rewrite", str(caught.exception))
        self.assertIs(self.mod("{pkg}.models"), models)
        self.assertIs(models.Thing, Thing)

    def test_a_dict_subclass_with_methods_of_its_own_is_read_as_a_dict(self) -> None:
        # cherrypy's HeaderMap: `values(key)` takes an argument.
        self.write("{pkg}/__init__.py")
        body = """
            class HeaderMap(dict):
                def values(self, key):
                    return [self[key]]
                def items(self, key):
                    return [(key, self[key])]
            class Response:
                headers = HeaderMap(server="{v}")
            MAP = HeaderMap(response=Response)
            """
        self.write("{pkg}/web.py", body.replace("{v}", "old"))
        response = self.load("{pkg}.web").Response
        self.write("{pkg}/web.py", body.replace("{v}", "new"))
        report = reloader.reload(self.pkg)
        self.assertEqual(report.not_updated, {})
        self.assertIs(self.mod("{pkg}.web").MAP["response"], response)
        self.assertEqual(response.headers["server"], "new")

    def test_flags_combined_at_import_in_a_read_only_dict_fail_the_reload(self) -> None:
        # As SQLAlchemy's operator classes: Flag members and their
        # combinations in an immutabledict, combined by another module's code.
        self.write(
            "{pkg}/ops.py",
            """
            import enum
            class Kind(enum.Flag):
                NONE = enum.auto()
                EQ = enum.auto()
                ORD = enum.auto()
                COMPARE = EQ | ORD
            class ReadOnly(dict):
                def __setitem__(self, key, value):
                    raise TypeError('read-only')
            KINDS = ReadOnly({'eq': Kind.EQ, 'lt': Kind.ORD, 'cmp': Kind.EQ | Kind.NONE})
            """,
        )
        self.write(
            "{pkg}/types_.py",
            """
            from .ops import KINDS, Kind
            class Integer:
                kinds = Kind.COMPARE
                def allows(self, op):
                    return bool(KINDS[op] & self.kinds)
            """,
        )
        ops = self.load("{pkg}.ops")
        types_ = self.load("{pkg}.types_")
        held = types_.Integer()
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(self.pkg)
        self.assertIn("cannot update '{}.ops.KINDS'".format(self.pkg), str(caught.exception))
        self.assertIs(self.mod("{pkg}.ops"), ops)
        self.assertIs(self.mod("{pkg}.types_"), types_)
        self.assertEqual((held.allows("eq"), held.allows("cmp")), (True, True))
        self.assertEqual(self.mod("{pkg}.types_").Integer().allows("lt"), True)
        self.assertIs(type(ops.KINDS["cmp"]), ops.Kind)

    def test_class_attributes_set_at_run_time_stay(self) -> None:
        # As tqdm's lock, made the first time it is asked for.
        body = """
            class Bar:
                _instances = []
                {extra}
                @classmethod
                def get_lock(cls):
                    if not hasattr(cls, '_lock'):
                        cls._lock = object()
                    return cls._lock
            """
        self.write("{pkg}/bar.py", body.replace("{extra}", "speed = 1"))
        Bar = self.load("{pkg}.bar").Bar
        lock = Bar.get_lock()
        self.reload()
        Bar.count = 5
        self.write("{pkg}/bar.py", body.replace("{extra}", "pass"))
        self.reload()
        self.assertIs(self.mod("{pkg}.bar").Bar.get_lock(), lock)
        self.assertEqual(Bar.count, 5)
        self.assertFalse(hasattr(Bar, "speed"))  # removed from the body by the edit

    def test_a_class_attribute_none_in_the_body_and_set_at_run_time(self) -> None:
        # As tqdm's `monitor = None`, replaced by a thread once one is started.
        self.write("{pkg}/bar.py", """
            class Bar:
                monitor = None
                def start(self):
                    type(self).monitor = object()
            """)
        Bar = self.load("{pkg}.bar").Bar
        Bar().start()
        report = self.reload()
        self.assertEqual(report.not_updated, {})
        self.assertIs(self.mod("{pkg}.bar").Bar, Bar)  # patched in place, not split
        self.assertIsNone(Bar.monitor)  # the body's value, as a re-import gives

    def test_a_tuple_subclass_that_cannot_be_reclassed_is_not_half_updated(self) -> None:
        self.write(
            "{pkg}/t.py",
            """
            class Pair(tuple):
                def first(self):
                    return self[0]
            ORIGIN = Pair((0, 0))
            def is_pair(value):
                return isinstance(value, Pair)
            """,
        )
        t = self.load("{pkg}.t")
        Pair, old = t.Pair, t.Pair((1, 2))
        report = self.reload()
        t = self.mod("{pkg}.t")
        self.assertTrue(t.is_pair(t.ORIGIN))
        self.assertIs(type(t.ORIGIN), t.Pair)
        self.assertEqual((t.ORIGIN.first(), old.first()), (0, 1))
        if t.Pair is not Pair:  # Python 3.13 can re-class it; older ones cannot
            self.assertIn("{}.t.Pair".format(self.pkg), report.not_updated)

    def test_a_subclass_that_cannot_follow_its_patched_base_refuses_the_reload(self) -> None:
        self.write(
            "{pkg}/t.py",
            """
            class Base(tuple):
                def first(self):
                    return self[0]
            class Pair(Base):
                pass
            ORIGIN = Pair((0, 0))
            """,
        )
        t = self.load("{pkg}.t")
        Base, origin = t.Base, t.ORIGIN
        try:
            report = reloader.reload(self.pkg)
        except reloader.ReloadError as error:  # Python before 3.13 cannot re-class ORIGIN
            self.assertIs(self.mod("{pkg}.t"), t)
            # A refusal of the user's code, placed in the user's file, not reloader's.
            self.assertEqual(error.filename, t.__file__)
            self.assertNotIn("reloader itself", str(error))
            self.assertIn(
                "cannot update class '{0}.t.Pair': it could not be patched (TypeError: "
                "__class__ assignment: 'Pair' object layout differs from 'Pair'); it cannot "
                "take the patched bases: __bases__ assignment: 'Base' object layout differs "
                "from 'Base'; its base class '{0}.t.Base' was updated in place".format(self.pkg),
                str(error),
            )
        else:
            self.assertEqual(report.not_updated, {})
            self.assertIsInstance(self.mod("{pkg}.t").ORIGIN, Base)
        self.assertEqual((origin.first(), t.Base((5,)).first()), (0, 5))

    def test_a_method_an_lru_cache_wraps_keeps_its_super(self) -> None:
        # As importlib_metadata's FastPath: the class attribute is the lru_cache.
        source = """
            import functools
            class FastPath:
                @functools.lru_cache(maxsize=None)
                def __new__(cls, root):
                    return super().__new__(cls)
                def __init__(self, root):
                    self.root = root
            class Shape:
                def area(self):
                    return 1
            class Square(Shape):
                @functools.lru_cache(maxsize=None)
                def area(self):
                    return super().area() * {factor}
            """
        self.write("{pkg}/shapes.py", source.replace("{factor}", "4"))
        shapes = self.load("{pkg}.shapes")
        held = shapes.Square()
        self.assertEqual(held.area(), 4)
        self.write("{pkg}/shapes.py", source.replace("{factor}", "5"))
        self.reload()
        shapes = self.mod("{pkg}.shapes")
        self.assertEqual((shapes.FastPath("b").root, shapes.Square().area()), ("b", 5))
        self.assertEqual(type(held)().area(), 5)

    def test_classes_that_are_their_own_metaclass_stay_the_values_held(self) -> None:
        # As h11's states: each sentinel is a class whose type is itself.
        source = """
            class Sentinel(type):
                def __new__(cls, name, bases, namespace, **kwds):
                    made = super().__new__(cls, name, bases, namespace, **kwds)
                    made.__class__ = made
                    return made
                def __repr__(self):
                    return '<{}>'.format(self.__name__)
            class IDLE(Sentinel, metaclass=Sentinel):
                pass
            class DONE(Sentinel, metaclass=Sentinel):
                pass
            NEXT = {IDLE: DONE}
            class Machine:
                def __init__(self):
                    self.state = IDLE
                def step(self):
                    self.state = NEXT[self.state]
                    return '{v}'
            """
        self.write("{pkg}/states.py", source.replace("{v}", "one"))
        states = self.load("{pkg}.states")
        IDLE, held = states.IDLE, states.Machine()
        self.write("{pkg}/states.py", source.replace("{v}", "two"))
        report = self.reload()
        self.assertEqual(report.not_updated, {})
        states = self.mod("{pkg}.states")
        self.assertIs(states.IDLE, IDLE)
        self.assertIs(type(states.IDLE), IDLE)
        self.assertEqual((held.step(), held.state, repr(states.DONE)), ("two", states.DONE, "<DONE>"))

    def test_a_slotted_subclass_of_a_metaclass_that_cannot_take_the_patched_bases(self) -> None:
        # As param's Parameter: CPython checks a new __bases__ of a class whose
        # metaclass is not `type` against its current method resolution order,
        # and refuses the new NAME the old String (two hierarchies of bases):
        # a copy of it made as an old String stands for it.
        self.write("{pkg}/params.py", """
            class ParameterMetaclass(type):
                pass
            class Parameter(metaclass=ParameterMetaclass):
                __slots__ = ('default',)
                def __init__(self, default=None):
                    self.default = default
            class String(Parameter):
                __slots__ = ('regex',)
                def __init__(self, default='', regex=None):
                    super().__init__(default)
                    self.regex = regex
            NAME = String('n')
            """)
        params = self.load("{pkg}.params")
        String, name = params.String, params.NAME
        report = reloader.reload(self.pkg)
        self.assertEqual(report.not_updated, {})
        params = self.mod("{pkg}.params")
        self.assertIs(params.String, String)
        self.assertIs(type(params.NAME), String)
        self.assertEqual((params.NAME.default, params.NAME.regex), ("n", None))
        self.assertIsInstance(name, params.Parameter)

    def test_a_metaclass_made_anew_with_each_class_says_so(self) -> None:
        # As pandas' ABCs: each made by a function with a metaclass of its own.
        self.write("{pkg}/abcs.py", """
            def create(name, kinds):
                check = classmethod(lambda cls, inst: getattr(inst, "_typ", None) in kinds)
                meta = type("ABCBase", (type,), {"__instancecheck__": check})
                return meta(name, (), {})
            ABCIndex = create("ABCIndex", {"index"})
            """)
        abcs = self.load("{pkg}.abcs")
        report = reloader.reload(self.pkg)
        self.assertEqual(
            report.not_updated["{}.abcs.ABCIndex".format(self.pkg)],
            "its metaclass {}.abcs.ABCBase is made anew with each class (by a function), and "
            "the old class cannot take the new one".format(self.pkg) + _SPLIT)
        index = type("Index", (), {"_typ": "index"})()
        self.assertTrue(isinstance(index, abcs.ABCIndex) and isinstance(
            index, self.mod("{pkg}.abcs").ABCIndex))

    def test_a_metaclass_using_super_survives_reloads(self) -> None:
        # As sympy's metaclasses.
        self.write(
            "{pkg}/meta.py",
            """
            class Meta(type):
                def __new__(mcs, name, bases, namespace):
                    namespace.setdefault('tag', name.lower())
                    return super().__new__(mcs, name, bases, namespace)
                def __init__(cls, name, bases, namespace):
                    super().__init__(name, bases, namespace)
            class Base(metaclass=Meta):
                def hello(self):
                    return 'base'
            """,
        )
        self.write(
            "{pkg}/leaf.py",
            "from {pkg}.meta import Base, Meta\n"
            "class Leaf(Base):\n    pass\n"
            "class Named(Base, metaclass=Meta):\n    pass\n",
        )
        self.load("{pkg}.leaf")
        for _ in range(3):
            self.reload()
            meta = self.mod("{pkg}.meta")
            late = meta.Meta("Late", (self.mod("{pkg}.leaf").Leaf,), {})
            self.assertEqual((late.tag, late().hello()), ("late", "base"))
            self.assertIs(type(self.mod("{pkg}.leaf").Named), meta.Meta)


class HeldObjectsTest(UpdateCase):
    def test_enum_member_in_a_decorators_closure_is_the_modules_member(self) -> None:
        self.write(
            "{pkg}/states.py",
            """
            import enum
            def declare(expected):
                def decorate(function):
                    def go(self):
                        return 'any' if expected is State.ANY else 'specific'
                    return go
                return decorate
            class Transaction:
                @declare(1)
                def begin(self):
                    pass
            class State(enum.Enum):
                ANY = 1
                CLOSED = 2
            def allow(allowed):
                def decorate(function):
                    def go(self):
                        return 'allowed' if State.ANY in allowed else 'refused'
                    return go
                return decorate
            class Session:
                @declare(State.ANY)
                def close(self):
                    pass
                @allow((State.ANY, State.CLOSED))
                def begin(self):
                    pass
            """,
        )
        held = self.load("{pkg}.states").Session()
        self.assertEqual((held.close(), held.begin()), ("any", "allowed"))
        for _ in range(2):
            self.reload()
            new = self.mod("{pkg}.states").Session()
            self.assertEqual((held.close(), new.close(), held.begin(), new.begin()),
                             ("any", "any", "allowed", "allowed"))

    def test_enum_members_in_a_named_tuple_and_in_default_tuples(self) -> None:
        # As bidict's `ON_DUP_DEFAULT = OnDup(key=DROP_OLD, val=RAISE)`.
        self.write(
            "{pkg}/dup.py",
            """
            import enum
            import typing
            class Action(enum.Enum):
                RAISE = 'raise'
                DROP_OLD = 'drop_old'
            RAISE, DROP_OLD = Action.RAISE, Action.DROP_OLD
            class OnDup(typing.NamedTuple):
                key: Action = DROP_OLD
                val: Action = RAISE
            DEFAULT = OnDup(key=DROP_OLD, val=RAISE)
            def raises(on_dup=DEFAULT, *, allowed=(RAISE, DROP_OLD)):
                return on_dup.val is RAISE and RAISE in allowed and allowed[0] is RAISE
            def chosen(allowed=(RAISE,)):
                return allowed[0] is Action.RAISE
            """,
        )
        held = self.load("{pkg}.dup")
        raises, chosen = held.raises, held.chosen
        for _ in range(2):
            self.reload()
            dup = self.mod("{pkg}.dup")
            self.assertIs(dup.DEFAULT.val, dup.RAISE)
            self.assertIs(dup.OnDup().val, dup.Action.RAISE)
            self.assertEqual((raises(), dup.raises(), chosen(), dup.chosen()),
                             (True, True, True, True))

    def test_a_descriptor_in_a_class_body_holds_the_kept_class(self) -> None:
        # As openpyxl's `left = Typed(expected_type=Side)`, a descriptor of another module.
        self.write(
            "{pkg}/descriptors.py",
            """
            class Typed:
                def __init__(self, expected_type):
                    self.expected_type = expected_type
                def __set_name__(self, owner, name):
                    self.name = name
                def __set__(self, instance, value):
                    if not isinstance(value, self.expected_type):
                        raise TypeError('{} should be {}'.format(self.name, self.expected_type))
                    instance.__dict__[self.name] = value
            """,
        )
        self.write(
            "{pkg}/styles.py",
            """
            from .descriptors import Typed
            class Side:
                pass
            class Border:
                left = Typed(expected_type=Side)
                def __init__(self, left):
                    self.left = left
            """,
        )
        styles = self.load("{pkg}.styles")
        Side = styles.Side
        for _ in range(2):
            self.reload()
            styles = self.mod("{pkg}.styles")
            self.assertIs(styles.Side, Side)
            self.assertIsInstance(styles.Border(Side()).left, Side)

    def test_a_class_whose_name_holds_its_one_instance_is_patched(self) -> None:
        # As construct's `@singleton class GreedyBytes(Construct)`.
        source = """
            def singleton(cls):
                return cls()
            class Construct:
                def parse(self, data):
                    return self._parse(data)
            class Wrapper(Construct):
                def __init__(self, subcon):
                    if not isinstance(subcon, Construct):
                        raise TypeError('subcon should be a Construct field')
                    self.subcon = subcon
                def _parse(self, data):
                    return self.subcon._parse(data)
            @singleton
            class GreedyBytes(Construct):
                def _parse(self, data):
                    return {kind}(data)
            """
        self.write("{pkg}/core.py", source.replace("{kind}", "bytes"))
        core = self.load("{pkg}.core")
        held, wrapper = core.GreedyBytes, core.Wrapper(core.GreedyBytes)
        self.write("{pkg}/core.py", source.replace("{kind}", "bytearray"))
        report = self.reload()
        self.assertEqual(report.not_updated, {})
        core = self.mod("{pkg}.core")
        self.assertIs(type(core.GreedyBytes), type(held))
        self.assertEqual((core.Wrapper(core.GreedyBytes).parse(b"ab"), wrapper.parse(b"ab")),
                         (bytearray(b"ab"), bytearray(b"ab")))

    def test_a_base_class_another_module_replaces_by_a_subclass_stays_one(self) -> None:
        # As schematics' deprecated.patch_models(): `models.Model` becomes a
        # subclass made in a function, once the package is imported.
        self.write("{pkg}/__init__.py", "from . import compat\ncompat.patch()\n")
        self.write("{pkg}/models.py", """
            class Model:
                def version(self):
                    return 'v1'
            """)
        self.write("{pkg}/compat.py", """
            from . import models
            def patch():
                global original
                original = models.Model
                class Model(models.Model):
                    pass
                models.Model = Model
            """)
        models = self.load("{pkg}.models")
        self.load("{pkg}")
        Person = type("Person", (models.Model,), {})
        held = Person()
        self.write("{pkg}/models.py", self.read("{pkg}/models.py").replace("v1", "v2"))
        report = self.reload()
        self.assertEqual(report.not_updated, {})
        models, compat = self.mod("{pkg}.models"), self.mod("{pkg}.compat")
        self.assertIsInstance(held, models.Model)
        self.assertTrue(issubclass(Person, compat.original))
        self.assertEqual((held.version(), models.Model().version()), ("v2", "v2"))

    def test_a_sentinel_holding_the_same_constants_stays_the_old_object(self) -> None:
        # As returns' `Nothing = _Nothing()` (a slot holding None, a singleton) and a
        # named sentinel; an instance of a class holding other data stays new.
        source = """
            class Container:
                __slots__ = ('_inner_value',)
                def __init__(self, inner_value):
                    self._inner_value = inner_value
            class _Nothing(Container):
                __slots__ = ()
                _instance = None
                def __new__(cls, *args):
                    if cls._instance is None:
                        cls._instance = object.__new__(cls)
                    return cls._instance
                def __init__(self, inner_value=None):
                    super().__init__(None)
            Nothing = _Nothing()
            class _Sentinel:
                def __init__(self, name):
                    self.name = name
            MISSING = _Sentinel('MISSING')
            class Code(int):
                pass
            CODE = Code({code})
            COUNTS = _Sentinel([])
            """
        self.write("{pkg}/maybe.py", source.replace("{code}", "1"))
        maybe = self.load("{pkg}.maybe")
        nothing, missing, code, counts = maybe.Nothing, maybe.MISSING, maybe.CODE, maybe.COUNTS
        self.write("{pkg}/maybe.py", source.replace("{code}", "2"))
        self.reload()
        maybe = self.mod("{pkg}.maybe")
        self.assertIs(maybe.Nothing, nothing)
        self.assertIs(maybe._Nothing(), nothing)
        self.assertIs(maybe.MISSING, missing)
        self.assertEqual((code, maybe.CODE), (1, 2))  # data of a built-in base: the new object
        self.assertIsNot(maybe.COUNTS, counts)  # a list: not a constant, made anew

    def test_a_sentinel_kept_is_the_one_a_class_body_holds(self) -> None:
        # As traitlets: `Undefined = Sentinel(...)`, a class of another module,
        # held by the class bodies after it (`default_value = Undefined`).
        self.write("{pkg}/sentinel.py", """
            class Sentinel:
                def __init__(self, name):
                    self.name = name
            """)
        self.write("{pkg}/traits.py", """
            from .sentinel import Sentinel
            Undefined = Sentinel('Undefined')
            class TraitType:
                default_value = Undefined
                def undefined(self):
                    return self.default_value is Undefined
            """)
        traits = self.load("{pkg}.traits")
        undefined = traits.Undefined
        for _ in range(2):
            self.reload()
            traits = self.mod("{pkg}.traits")
            self.assertIs(traits.Undefined, undefined)
            self.assertIs(traits.TraitType.default_value, undefined)
            self.assertTrue(traits.TraitType().undefined())

    def test_a_sentinel_a_factory_made_stays_the_one_old_data_holds(self) -> None:
        # As boltons' `make_sentinel()`: every call makes a class of its own.
        self.write("{pkg}/typeutils.py", """
            def make_sentinel(name):
                class Sentinel:
                    def __init__(self):
                        self.name = name
                    def __bool__(self):
                        return False
                return Sentinel()
            """)
        self.write("{pkg}/fields.py", """
            from .typeutils import make_sentinel
            _MISSING = make_sentinel('_MISSING')
            OTHER = make_sentinel('OTHER')
            class Field:
                def __init__(self, default=_MISSING):
                    self.default = default
                def value(self):
                    return None if self.default is _MISSING else self.default
            """)
        fields = self.load("{pkg}.fields")
        field, missing, other = fields.Field(), fields._MISSING, fields.OTHER
        for _ in range(2):
            report = self.reload()
            fields = self.mod("{pkg}.fields")
            self.assertEqual(report.not_updated, {})
            self.assertEqual((field.value(), fields.Field().value()), (None, None))
            self.assertIs(fields._MISSING, missing)
            self.assertIs(fields.OTHER, other)

    def test_a_lambda_standing_for_a_default_stays_the_one_old_data_holds(self) -> None:
        # As pyrsistent's `PFIELD_NO_SERIALIZER = lambda _, value: value`.
        body = """
            NO_SERIALIZER = lambda _, value: value{edit}
            class Field:
                def __init__(self, serializer=NO_SERIALIZER):
                    self.serializer = serializer
                def plain(self):
                    return self.serializer is NO_SERIALIZER
            """
        self.write("{pkg}/fields.py", body.replace("{edit}", ""))
        fields = self.load("{pkg}.fields")
        field, serializer = fields.Field(), fields.NO_SERIALIZER
        for edit in ("", "  # edited", " * 2"):
            self.write("{pkg}/fields.py", body.replace("{edit}", edit))
            report = self.reload()
            fields = self.mod("{pkg}.fields")
            self.assertEqual(report.not_updated, {})
            self.assertEqual((field.plain(), fields.Field().plain()), (True, True))
            self.assertIs(fields.NO_SERIALIZER, serializer)
        self.assertEqual((serializer(None, 3), field.serializer(None, 3)), (6, 6))

    def test_a_sentinel_stays_the_one_old_data_holds(self) -> None:
        # As marshmallow's `missing`.
        self.write(
            "{pkg}/fields.py",
            """
            class _Missing:
                def __repr__(self):
                    return '<missing>'
            missing = _Missing()
            _Auto = object()
            class Field:
                def __init__(self, default=missing, label=_Auto):
                    self.default = default
                    self.label = label
                def value(self):
                    return None if self.default is missing else self.default
                def labelled(self):
                    return self.label is not _Auto
            """,
        )
        field = self.load("{pkg}.fields").Field()
        for _ in range(2):
            self.reload()
            fields = self.mod("{pkg}.fields")
            self.assertEqual((field.value(), fields.Field().value()), (None, None))
            self.assertIs(fields.Field().default, field.default)
            self.assertEqual((field.labelled(), fields.Field().labelled()), (False, False))

    def test_function_held_by_an_object_a_decorator_made(self) -> None:
        # As click's Command holding its callback.
        body = """
            class Command:
                def __init__(self, callback):
                    self.callback = callback
            def command(function):
                return Command(function)
            @command
            def hello():
                return '{v}'
            """
        self.write("{pkg}/cli.py", body.replace("{v}", "hi"))
        self.write("framework_{pkg}.py", body.split("@command")[0])
        self.write("{pkg}/app.py", "from framework_{pkg} import command\n@command\n"
                   "def hello():\n    return '{v}'\n")
        held = [self.load("{pkg}.cli").hello, self.load("{pkg}.app").hello]
        self.write("{pkg}/cli.py", body.replace("{v}", "hey"))
        self.write("{pkg}/app.py", self.read("{pkg}/app.py").replace("{v}", "hey"))
        self.reload()
        self.assertEqual([command.callback() for command in held], ["hey", "hey"])
        self.assertEqual(self.mod("{pkg}.cli").hello.callback(), "hey")

class MustReloadTest(UpdateCase):
    """Packages that reload, even where their objects cannot be updated in place."""

    def test_module_level_frozen_dataclass_instance(self) -> None:
        self.write(
            "{pkg}/cfg.py",
            "import dataclasses\n"
            "@dataclasses.dataclass(frozen=True)\nclass Config:\n    debug: bool = False\n"
            "DEFAULT = Config()\n",
        )
        cfg = self.load("{pkg}.cfg")
        held = cfg.DEFAULT
        self.reload()
        cfg = self.mod("{pkg}.cfg")
        self.assertIsInstance(cfg.DEFAULT, cfg.Config)
        self.assertIsInstance(held, cfg.Config)

    def test_class_with_a_name_property(self) -> None:
        # As toolz's curry and typing_extensions.
        self.write(
            "{pkg}/c.py",
            """
            class curry:
                def __init__(self, func):
                    self.func = func
                def __call__(self, *args):
                    return self.func(*args)
                @property
                def __name__(self):
                    return self.func.__name__
            inc = curry(lambda x: x + 1)
            """,
        )
        old = self.load("{pkg}.c").inc
        curry = type(old)
        report = self.reload()
        c = self.mod("{pkg}.c")
        self.assertEqual((old(1), c.inc(1), c.curry(len)("ab")), (2, 2, 2))
        self.assertIsInstance(c.inc, c.curry)
        # The property stays in the class (a write would rename it), with the new code.
        self.assertEqual(report.not_updated, {})
        self.assertIs(c.curry, curry)
        self.assertEqual((curry.__name__, old.__name__), ("curry", "<lambda>"))

    def test_a_name_property_runs_the_new_code_and_a_name_constant_cannot_change(self) -> None:
        body = """
            class Named:
                def __init__(self, func):
                    self.func = func
                @property
                def __name__(self):
                    return "{v}" + self.func.__name__
            class Tagged:
                {tag}
            class Slotted:  # as zope.interface's InterfaceBase
                __slots__ = ("__name__",)
                def __init__(self, name):
                    self.__name__ = name
                def show(self):
                    return "{v}" + self.__name__
            held = Named(len)
            slotted = Slotted("s")
            """
        self.write("{pkg}/n.py", body.replace("{v}", "old").replace("{tag}", "pass"))
        n = self.load("{pkg}.n")
        Named, held = n.Named, n.held
        self.write("{pkg}/n.py", body.replace("{v}", "new").replace("{tag}", "__name__ = 'tag'"))
        report = self.reload()
        n = self.mod("{pkg}.n")
        self.assertIs(n.Named, Named)
        self.assertEqual((held.__name__, n.held.__name__, Named.__name__), ("newlen",) * 2 + ("Named",))
        self.assertIn("cannot be set on the class", report.not_updated["{}.n.Tagged".format(self.pkg)])
        self.assertEqual(n.Tagged.__name__, "Tagged")
        self.assertNotIn("{}.n.Slotted".format(self.pkg), report.not_updated)
        self.assertEqual((n.slotted.show(), type(n.slotted).__name__), ("news", "Slotted"))

    def test_names_the_class_object_owns_in_a_body_run_the_new_code(self) -> None:
        # As mock's `__class__` property, soupsieve's `__base__` classmethod,
        # paramiko's `_fields` property (no named tuple's fields), and a
        # metaclass's property: a write there is no entry's.
        body = """
            class Meta(type):
                @property
                def kind(cls):
                    return "meta"
            class Proxy:
                @property
                def __class__(self):
                    return {cls}
                def f(self):
                    return "{v}"
            class Child(Proxy):
                pass
            class Immutable:
                @classmethod
                def __base__(cls):
                    return "{v}"
            class Key:
                @property
                def _fields(self):
                    return "{v}"
            class Sub(Key):
                pass
            class Kinded(metaclass=Meta):
                @property
                def kind(self):
                    return "{v}"
            """
        self.write("{pkg}/o.py", body.replace("{v}", "old").replace("{cls}", "type(self)"))
        o = self.load("{pkg}.o")
        held = (o.Proxy(), o.Child(), o.Immutable(), o.Key(), o.Sub(), o.Kinded())
        self.write("{pkg}/o.py", body.replace("{v}", "new").replace("{cls}", "Proxy"))
        report = self.reload()
        self.assertEqual(report.not_updated, {})
        o = self.mod("{pkg}.o")
        proxy, child, immutable, key, sub, kinded = held
        self.assertEqual((proxy.f(), child.f(), immutable.__base__(), key._fields, sub._fields,
                          kinded.kind, o.Kinded.kind), ("new",) * 6 + ("meta",))
        self.assertIs(child.__class__, o.Proxy)  # the property's new code
        for instance, name in zip(held, ("Proxy", "Child", "Immutable", "Key", "Sub", "Kinded")):
            self.assertIs(type(instance), getattr(o, name))
        self.assertIs(o.Immutable.__base__, object)  # the class object's own is its own still

    def test_metaclass_that_refuses_type_setattr(self) -> None:
        # ctypes.Structure, like Blender's PropertyGroup, has a C __setattr__.
        self.write(
            "{pkg}/s.py",
            "import ctypes\n"
            "class Point(ctypes.Structure):\n"
            "    _fields_ = [('x', ctypes.c_int)]\n"
            "    def double(self):\n        return self.x * 2\n",
        )
        point = self.load("{pkg}.s").Point(3)
        report = self.reload()
        s = self.mod("{pkg}.s")
        self.assertEqual((point.double(), s.Point(4).double()), (6, 8))
        self.assertIn("{}.s.Point".format(self.pkg), report.not_updated)

    def test_metaclass_that_intercepts_attribute_writes(self) -> None:
        # Like an RNA-registering metaclass: writes on its classes have effects.
        self.write(
            "{pkg}/rna.py",
            """
            WRITES = []
            class RNAMeta(type):
                def __setattr__(cls, key, value):
                    WRITES.append(key)
                    super().__setattr__(key, value)
            class Props(metaclass=RNAMeta):
                def label(self):
                    return 'props'
            """,
        )
        props = self.load("{pkg}.rna").Props()
        report = self.reload()
        rna = self.mod("{pkg}.rna")
        self.assertEqual((props.label(), rna.Props().label(), rna.WRITES), ("props", "props", []))
        self.assertEqual(
            report.not_updated["{}.rna.Props".format(self.pkg)],
            "its metaclass {}.rna.RNAMeta intercepts attribute writes".format(self.pkg)
            + _SPLIT,
        )

    def test_object_whose_dict_lookup_raises(self) -> None:
        # As werkzeug's LocalProxy outside a request.
        self.write(
            "{pkg}/proxy.py",
            """
            class LocalProxy:
                def __getattr__(self, name):
                    raise RuntimeError('working outside of application context')
                @property
                def __dict__(self):
                    raise RuntimeError('working outside of application context')
                def __call__(self):
                    raise RuntimeError('working outside of application context')
            current_app = LocalProxy()
            class Holder:
                app = current_app
                def run(self):
                    return 'run'
            """,
        )
        run = self.load("{pkg}.proxy").Holder().run
        self.reload()
        self.assertEqual(run(), "run")


    def test_a_lazy_object_is_never_evaluated(self) -> None:
        # As Django's LazyObject (settings, staticfiles_storage): its __class__
        # sets it up, and setting up may fail outside a configured project.
        self.write(
            "{pkg}/lazy.py",
            """
            SETUPS = []
            class LazyObject:
                def __init__(self, fail):
                    self.__dict__['fail'] = fail
                @property
                def __class__(self):
                    SETUPS.append(self.fail)
                    raise RuntimeError('settings are not configured')
                def __getattr__(self, name):
                    SETUPS.append(self.fail)
                    raise RuntimeError('settings are not configured')
            settings = LazyObject(fail=True)
            class Thing:
                storage = LazyObject(fail=True)
                def run(self):
                    return 'run'
            """,
        )
        self.write("{pkg}/user.py", "from . import lazy\nHELD = lazy.settings\n")
        self.write("outside_{pkg}.py", "from {pkg} import lazy\nHELD = lazy.settings\n")
        lazy = self.load("{pkg}.lazy")
        self.load("{pkg}.user")
        self.load("outside_{pkg}")
        run = lazy.Thing().run
        self.assertEqual(reloader.plan(self.pkg + ".lazy").names[0], self.pkg + ".lazy")
        report = reloader.reload(self.pkg + ".lazy")
        self.assertTrue(report.ok, report)
        report = reloader.reload(self.pkg)
        self.assertEqual(run(), "run")
        self.assertEqual(self.mod("{pkg}.lazy").SETUPS, [])
        self.assertEqual(lazy.SETUPS, [])
        # Its class patched, the import-time instances re-classed past the property.
        self.assertEqual(report.not_updated, {})
        self.assertIs(type(self.mod("{pkg}.lazy").settings), lazy.LazyObject)


    def test_a_class_with_no_function_renamed_into_another_module_is_said_to_stay(self) -> None:
        # As trio's fixup_module_metadata: the package names its re-exports'
        # module as the public one; a class with no function of its own then
        # tells nothing of where it was made.
        self.write("{pkg}/__init__.py", """
            from . import api
            for _obj in list(vars(api).values()):
                if isinstance(_obj, type):
                    _obj.__module__ = api.__name__
            """)
        self.write("{pkg}/api.py", "from ._impl import Stream, WithMethod\n")
        self.write("{pkg}/_impl.py", """
            class Stream:
                __slots__ = ()
            class WithMethod:
                def hello(self):
                    return "hi"
            """)
        impl = self.load("{pkg}._impl")
        stream, with_method = impl.Stream(), impl.WithMethod()
        report = self.reload()
        impl = self.mod("{pkg}._impl")
        self.assertIsInstance(with_method, impl.WithMethod)
        self.assertNotIsInstance(stream, impl.Stream)  # left whole, and said so:
        self.assertIn("has no function of its own",
                      report.not_updated["{}.api.Stream".format(self.pkg)])  # its public name
        self.assertEqual(list(report.not_updated), ["{}.api.Stream".format(self.pkg)])


class RollbackTest(UpdateCase):
    def test_a_failed_reload_puts_back_every_old_object(self) -> None:
        self.write(
            "{pkg}/a.py",
            """
            import enum
            class frozendict(dict):
                def __setitem__(self, key, value):
                    raise TypeError('frozendict is immutable')
            class Kind(enum.Enum):
                A = 1
            NAMES = frozendict({Kind.A: 'a'})
            class Widget:
                def draw(self):
                    return 'old'
            def callback():
                return 'old'
            """,
        )
        self.write("{pkg}/b.py", "from {pkg}.a import Widget\nVALUE = 1\n")
        a = self.load("{pkg}.a")
        self.load("{pkg}.b")
        widget, callback, names = a.Widget(), a.callback, dict(a.NAMES)
        self.write("{pkg}/a.py", self.read_a().replace("'old'", "'new'"))
        self.write("{pkg}/b.py", "from {pkg}.a import Widget\nVALUE = 1 / 0\n")
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(self.pkg)
        self.assertIs(self.mod("{pkg}.a"), a)
        self.assertEqual((widget.draw(), callback(), dict(a.NAMES)), ("old", "old", names))
        self.assertIsInstance(caught.exception.report, reloader.Report)

    def read_a(self) -> str:
        with open(self.path("{pkg}/a.py"), encoding="utf-8") as handle:
            return handle.read()


class RegistryRollbackTest(UpdateCase):
    def test_what_new_code_wrote_on_a_patched_class_is_undone(self) -> None:
        # As sympy's S: singletons kept as attributes of the registry's class.
        self.write(
            "{pkg}/registry.py",
            """
            class Registry:
                def register(self, cls):
                    setattr(type(self), cls.__name__, cls())
            S = Registry()
            """,
        )
        self.write(
            "{pkg}/nums.py",
            "from {pkg}.registry import S\nclass One:\n    pass\nS.register(One)\n",
        )
        self.write("{pkg}/z.py", "from {pkg} import nums\n")
        registry = self.load("{pkg}.registry")
        self.load("{pkg}.z")
        before = dict(vars(registry.Registry))
        self.write("{pkg}/z.py", "from {pkg} import nums\nFAIL = 1 / 0\n")
        with self.assertRaises(reloader.ReloadError):
            reloader.reload(self.pkg)
        self.assertEqual(dict(vars(registry.Registry)), before)
        self.assertIs(registry.S.One, before["One"])


class JournalTest(UpdateCase):
    def test_every_undo_step_runs_and_failures_come_back_as_warnings(self) -> None:
        from reloader._journal import Journal

        journal = Journal()
        done = []

        def refuse(what: str) -> None:
            raise TypeError("{} refuses".format(what))

        journal.log(done.append, 1)
        journal.log(refuse, "first")
        journal.log(done.append, 2)
        journal.log(refuse, "second")
        self.assertEqual(
            journal.undo(),
            ["could not put back a str object: TypeError: second refuses",
             "could not put back a str object: TypeError: first refuses"],
        )
        self.assertEqual(done, [2, 1])
        self.assertEqual(journal.undo(), [])

    def test_a_write_that_fails_is_not_journaled(self) -> None:
        from reloader._journal import Journal

        class Locked:
            x = 0

            def __setattr__(self, key: str, value: object) -> None:
                raise AttributeError("locked")

        journal = Journal()
        with self.assertRaises(AttributeError):
            journal.set(Locked(), "x", 1)
        self.assertEqual(journal.entries, [])


class RegisteredTest(UpdateCase):
    """What the new code stored in containers the module's own first look came too early for."""

    REGISTRY = """
        import functools
        import weakref
        BY_NAME = {}
        ALL = []
        WEAK_BY_NAME = weakref.WeakValueDictionary()
        WEAK_KEYED = weakref.WeakKeyDictionary()
        WEAK_SET = weakref.WeakSet()
        class Registry:
            def __init__(self):
                self.items = {}
        REGISTRY = Registry()
        def register(name, cls):
            BY_NAME[name] = WEAK_BY_NAME[name] = cls
            WEAK_KEYED[cls] = name
            WEAK_SET.add(cls)
            REGISTRY.items[name] = cls
            return cls
        def hidden():
            kept = {}
            def keep(name, cls):
                kept[name] = cls
            return keep, kept.get
        keep, kept = hidden()
        def logged(function):
            @functools.wraps(function)
            def wrapper(*args, **kwargs):
                return function(*args, **kwargs)
            return wrapper
        class Base:
            subclasses = []
            makers = {}
            def __init__(self, x):
                self.x = x
            def __init_subclass__(cls, **kwargs):
                super().__init_subclass__(**kwargs)
                Base.subclasses.append(cls)
                Base.makers[cls] = lambda: cls
                ALL.append(cls)
        class Catalog:
            entries = {}
            @classmethod
            def add(cls, item):
                cls.entries[item.__name__] = item
        class Meta(type):
            made = []
            def __new__(meta, name, bases, namespace):
                cls = super().__new__(meta, name, bases, namespace)
                Meta.made.append(cls)
                return cls
        """
    PLUGIN = """
        from . import registry
        class Plain(registry.Base):
            def __init__(self, x):
                super().__init__(x + {add})
        class Decorated(registry.Base):
            @registry.logged
            def __init__(self, x):
                super().__init__(x * {mul})
        registry.register('plain', Plain)
        registry.register('decorated', Decorated)
        registry.keep('decorated', Decorated)
        registry.Catalog.add(Plain)
        class Tagged(metaclass=registry.Meta):
            pass
        """

    def check(self, target: str) -> None:
        self.write("{pkg}/registry.py", self.REGISTRY)
        self.write("{pkg}/plugin.py", self.PLUGIN.format(add=0, mul=1))
        registry, plugin = self.load("{pkg}.registry"), self.load("{pkg}.plugin")
        Plain, Decorated, held = plugin.Plain, plugin.Decorated, plugin.Plain(1)
        for number in range(1, 4):
            self.write("{pkg}/plugin.py", self.PLUGIN.format(add=number, mul=number + 1))
            report = reloader.reload(target)
            self.assertTrue(report.ok, report)
            registry, plugin = self.mod("{pkg}.registry"), self.mod("{pkg}.plugin")
            self.assertIs(plugin.Plain, Plain)
            self.assertIs(plugin.Decorated, Decorated)
            for name, cls in (("plain", Plain), ("decorated", Decorated)):
                self.assertIs(registry.BY_NAME[name], cls, name)
                self.assertIs(registry.REGISTRY.items[name], cls, name)
            for registered in (registry.Base.subclasses, registry.ALL):
                self.assertEqual({id(c) for c in registered}, {id(Plain), id(Decorated)})
            self.assertIs(registry.Catalog.entries["Plain"], Plain)
            self.assertIs(registry.Base.makers[Plain](), Plain)  # the entry old code made
            self.assertIs(registry.WEAK_BY_NAME["plain"], Plain)
            for weak in (registry.WEAK_KEYED, registry.WEAK_SET):
                self.assertEqual({id(c) for c in weak}, {id(Plain), id(Decorated)})
            self.assertEqual({id(c) for c in registry.Meta.made}, {id(plugin.Tagged)})
            self.assertIsInstance(registry.BY_NAME["plain"](1), Plain)
            self.assertEqual((registry.BY_NAME["plain"](1).x, held.__class__(1).x,
                              registry.BY_NAME["decorated"](2).x), (1 + number, 1 + number,
                                                                   2 * (number + 1)))
            # Where nothing can look (a closure of a module not reloaded), the new class
            # stays whole on the new code: its super() finds its own class.
            self.assertEqual(registry.kept("decorated")(3).x, 3 * (number + 1))

    def test_a_method_an_lru_cache_also_holds_keeps_its_super(self) -> None:
        # As sympy's cacheit: a wrapper calling an lru_cache of the method.
        self.write(
            "{pkg}/cached.py",
            """
            import functools
            def cacheit(function):
                cached = functools.lru_cache(maxsize=None)(function)
                @functools.wraps(function)
                def wrapper(*args):
                    return cached(*args)
                return wrapper
            class Base:
                def __new__(cls, x):
                    made = object.__new__(cls)
                    made.x = x
                    return made
            class Application(Base):
                @cacheit
                def __new__(cls, x):
                    return super().__new__(cls, x * {factor})
            class Function(Application):
                pass
            """.replace("{factor}", "1"),
        )
        cached = self.load("{pkg}.cached")
        Function = cached.Function
        for factor in (1, 2, 3):
            self.write("{pkg}/cached.py", self.read("{pkg}/cached.py").replace(
                "x * {}".format(max(factor - 1, 1)), "x * {}".format(factor)))
            self.reload()
            self.assertEqual((Function(5).x, self.mod("{pkg}.cached").Application(7).x),
                             (5 * factor, 7 * factor))

    def test_a_registry_reloaded_before_the_module_that_fills_it(self) -> None:
        self.check(self.pkg)

    def test_a_registry_in_a_module_not_reloaded(self) -> None:
        self.check(self.pkg + ".plugin")

    def test_a_reload_from_inside_a_running_call_of_the_module_says_so(self) -> None:
        # trio.run calling code that reloads trio: the running run() goes on
        # with its own code but reads the new module's fresh run context.
        self.write("{pkg}/__init__.py", """
            import threading
            class RunContext(threading.local):
                pass
            CONTEXT = RunContext()
            def run(task):
                CONTEXT.runner = "runner"
                return task()
            """)
        package = self.load("{pkg}")
        report = package.run(self.reload)
        self.assertTrue(report.ok)
        self.assertEqual(len(report.warnings), 1, report.warnings)
        self.assertTrue(report.warnings[0].startswith(
            "{}.run (line 8) was running when {} was reloaded: it goes on with its own "
            "code, reading the new module's globals".format(self.pkg, self.pkg)),
            report.warnings)

    def test_a_registry_whose_module_defines_no_class(self) -> None:
        # zope.event's classhandler: `registry = {}` keyed by event classes,
        # filled by a module run after it. Nothing was mapped when the
        # registry's module finished, so it was never looked at again.
        self.write("{pkg}/__init__.py", """
            registry = {}
            plugins = []
            def handler(event_class, function):
                registry.setdefault(event_class, []).append(function)
                plugins.append(event_class)
            def dispatch(event):
                return [f(event) for c in type(event).__mro__ for f in registry.get(c, ())]
            """)
        self.write("{pkg}_app.py", """
            import {pkg}
            class Saved:
                pass
            def on_saved(event):
                return "saved"
            {pkg}.handler(Saved, on_saved)
            """)
        app = self.load("{pkg}_app")
        Saved = app.Saved
        report = self.reload()
        self.assertEqual(report.not_updated, {})
        package = self.mod("{pkg}")
        self.assertIs(self.mod("{pkg}_app").Saved, Saved)
        self.assertEqual(list(package.registry), [Saved])
        self.assertEqual(package.plugins, [Saved])
        self.assertEqual(package.dispatch(Saved()), ["saved"])
