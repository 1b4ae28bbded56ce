"""Live update: what a module made at import of its own classes follows them to the old class.

Found reloading pyparsing (grammar parts inside module-level grammars, a
class attribute naming a class defined later), peewee (a slotted subclass of
a patched base), jsonschema and pyrsistent (layouts CPython before 3.12 will
not re-class), pendulum (a weak cache `__init_subclass__` gives each
subclass) and beartype (a class named for its package, whose method a
decorator wraps): each stands for a pattern common in real packages.
"""

import gc
import unittest
from unittest import mock

import reloader
from reloader import _instances
from tests.support import PackageCase

GRAMMAR = """
class Part:
    def kind(self):
        return "{v}"

class Whole:
    def __init__(self, parts):
        self.parts = parts

class Registry:
    pass

Registry.default = Part()
GRAMMAR = Whole([Part(), Whole([Part()])])
"""


class InstancesTest(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        self.write("{pkg}/__init__.py")

    def test_instances_inside_other_objects_follow_their_patched_class(self) -> None:
        self.write("{pkg}/g.py", GRAMMAR.replace("{v}", "old"))
        Part = self.load("{pkg}.g").Part
        held = Part()
        self.write("{pkg}/g.py", GRAMMAR.replace("{v}", "new"))
        report = reloader.reload(self.pkg)
        self.assertTrue(report.ok, report)
        g = self.mod("{pkg}.g")
        self.assertIs(g.Part, Part)  # patched in place: one class
        inner = [g.GRAMMAR.parts[0], g.GRAMMAR.parts[1].parts[0], g.Registry.default]
        self.assertEqual([type(part) for part in inner], [Part] * 3)
        self.assertEqual([part.kind() for part in inner + [held]], ["new"] * 4)
        self.assertEqual(report.not_updated, {})

    def test_an_instance_bound_to_two_names_counts_once(self) -> None:
        body = """
            class Part:
                def kind(self):
                    return "{v}"
            class Box:
                def __init__(self, item):
                    self.item = item
            SAME = ALIAS = Part()
            BOX = Box(Part())
            """
        self.write("{pkg}/b.py", body.replace("{v}", "old"))
        Part = self.load("{pkg}.b").Part
        self.write("{pkg}/b.py", body.replace("{v}", "new"))
        self.assertTrue(reloader.reload(self.pkg).ok)
        b = self.mod("{pkg}.b")
        self.assertEqual([type(b.SAME), type(b.BOX.item)], [Part, Part])

    def test_past_many_objects_listed_the_search_waits_for_the_end_of_the_reload(self) -> None:
        # A package whose every module has a class a registry holds would list
        # the young generation once a module: past LISTED, one search at the end.
        self.write("{pkg}/g.py", GRAMMAR.replace("{v}", "old"))
        self.write("{pkg}/h.py", "from . import g\n" + GRAMMAR.replace("{v}", "old"))
        g, h = self.load("{pkg}.g"), self.load("{pkg}.h")
        Part, HPart = g.Part, h.Part
        with mock.patch.object(_instances, "LISTED", 0):
            report = reloader.reload(self.pkg)
        self.assertTrue(report.ok, report)
        g, h = self.mod("{pkg}.g"), self.mod("{pkg}.h")
        self.assertEqual((g.Part, h.Part), (Part, HPart))
        self.assertIs(type(g.GRAMMAR.parts[1].parts[0]), Part)  # found at once
        self.assertIs(type(h.GRAMMAR.parts[1].parts[0]), HPart)  # found at the end
        self.assertEqual(report.not_updated, {})

    def test_without_generations_the_objects_older_than_the_reload_are_frozen_out(self) -> None:
        # Python 3.7's gc.get_objects() lists every generation: the reload
        # freezes what existed before it, and lists the rest.
        self.write("{pkg}/g.py", GRAMMAR.replace("{v}", "old"))
        Part = self.load("{pkg}.g").Part
        with mock.patch.object(_instances, "BY_GENERATION", False):
            self.write("{pkg}/g.py", GRAMMAR.replace("{v}", "new"))
            report = reloader.reload(self.pkg)
        g = self.mod("{pkg}.g")
        self.assertEqual(report.not_updated, {})
        self.assertIs(type(g.GRAMMAR.parts[1].parts[0]), Part)
        self.assertEqual(gc.get_freeze_count(), 0)

    def test_a_program_that_froze_objects_keeps_them_and_gets_the_new_class(self) -> None:
        self.write("{pkg}/g.py", GRAMMAR.replace("{v}", "old"))
        Part = self.load("{pkg}.g").Part
        gc.freeze()
        try:
            with mock.patch.object(_instances, "BY_GENERATION", False):
                self.write("{pkg}/g.py", GRAMMAR.replace("{v}", "new"))
                report = reloader.reload(self.pkg)
            self.assertGreater(gc.get_freeze_count(), 1000)  # not thawed: the program's
        finally:
            gc.unfreeze()
        g = self.mod("{pkg}.g")
        self.assertIsNot(g.Part, Part)  # left beside the old one, with all its instances
        self.assertIs(type(g.GRAMMAR.parts[1].parts[0]), g.Part)
        self.assertIn("that reloader cannot find", report.not_updated["{}.g.Part".format(self.pkg)])

    def test_a_class_attribute_naming_a_class_defined_later_names_the_patched_one(self) -> None:
        # As pyparsing's ParserElement._literalStringClass, set to Literal at import.
        body = """
            class Base:
                literal_class = None
                def make(self, text):
                    return self.literal_class(text)
            class Literal(Base):
                def __init__(self, text):
                    self.text = text
                def show(self):
                    return "{v}" + self.text
            Base.literal_class = Literal
            """
        self.write("{pkg}/p.py", body.replace("{v}", "old"))
        p = self.load("{pkg}.p")
        Base, Literal = p.Base, p.Literal
        self.write("{pkg}/p.py", body.replace("{v}", "new"))
        report = reloader.reload(self.pkg)
        self.assertTrue(report.ok, report)
        p = self.mod("{pkg}.p")
        self.assertEqual((p.Base, p.Literal), (Base, Literal))
        self.assertIs(Base.literal_class, Literal)
        made = Base().make("x")
        self.assertIsInstance(made, Literal)
        self.assertEqual(made.show(), "newx")

    def test_a_class_left_beside_its_old_one_names_the_patched_classes(self) -> None:
        # A metaclass that intercepts writes keeps Holder's new class in use.
        body = """
            class Meta(type):
                def __setattr__(cls, key, value):
                    super().__setattr__(key, value)
            class Part:
                def kind(self):
                    return "{v}"
            class Holder(metaclass=Meta):
                kind = Part
            """
        self.write("{pkg}/h.py", body.replace("{v}", "old"))
        Part = self.load("{pkg}.h").Part
        self.write("{pkg}/h.py", body.replace("{v}", "new"))
        report = reloader.reload(self.pkg)
        h = self.mod("{pkg}.h")
        self.assertIn("{}.h.Holder".format(self.pkg), report.not_updated)
        self.assertIs(h.Part, Part)
        self.assertIs(h.Holder.kind, Part)
        self.assertEqual(h.Holder.kind().kind(), "new")

    def test_an_instance_of_a_slotted_subclass_of_a_patched_base(self) -> None:
        # As peewee's EXCLUDED, a _Namespace (slots) made from Node.
        body = """
            class Node:
                def name(self):
                    return "{v}"
            class Named(Node):
                __slots__ = ("label",)
                def __init__(self, label):
                    self.label = label
            EXCLUDED = Named("x")
            """
        self.write("{pkg}/n.py", body.replace("{v}", "old"))
        n = self.load("{pkg}.n")
        Node, Named, excluded = n.Node, n.Named, n.EXCLUDED
        self.write("{pkg}/n.py", body.replace("{v}", "new"))
        report = reloader.reload(self.pkg)
        self.assertTrue(report.ok, report)
        n = self.mod("{pkg}.n")
        self.assertEqual(report.not_updated, {})
        self.assertEqual((n.Node, n.Named), (Node, Named))
        self.assertIs(type(n.EXCLUDED), Named)
        self.assertEqual((excluded.name(), n.EXCLUDED.name()), ("new", "new"))

    def test_an_instance_cpython_will_not_reclass_is_copied_into_the_old_class(self) -> None:
        # As jsonschema's TypeChecker (attrs, frozen, a __weakref__ slot): before
        # Python 3.12, __class__ assignment refuses such a layout. A copy made as
        # an instance of the old class stands for it, its __setattr__ not run.
        body = """
            class Checker:
                __slots__ = ("rules", "__weakref__")
                def __init__(self):
                    object.__setattr__(self, "rules", "{v}")
                def __setattr__(self, key, value):
                    raise AttributeError("frozen")
                def check(self, other):
                    return isinstance(other, Checker)
            DEFAULT = Checker()
            TABLE = {"default": DEFAULT}
            """
        self.write("{pkg}/c.py", body.replace("{v}", "old"))
        c = self.load("{pkg}.c")
        Checker, held = c.Checker, c.DEFAULT
        self.write("{pkg}/c.py", body.replace("{v}", "new"))
        report = reloader.reload(self.pkg)
        self.assertEqual(report.not_updated, {})
        c = self.mod("{pkg}.c")
        self.assertIs(c.Checker, Checker)
        self.assertIs(type(c.DEFAULT), Checker)
        self.assertIs(c.TABLE["default"], c.DEFAULT)
        self.assertEqual((c.DEFAULT.rules, held.rules), ("new", "old"))
        self.assertTrue(c.DEFAULT.check(held) and held.check(c.DEFAULT))

    def test_a_slotted_empty_value_of_a_persistent_map_after_no_edit(self) -> None:
        # As pyrsistent: PMap (slots naming __weakref__) and _EMPTY_PMAP; an
        # old map's items() makes a view whose __init__ checks isinstance(m, PMap).
        # Left split, the old map met the new class and recursed without end.
        self.write("{pkg}/pmap.py", """
            class PMap:
                __slots__ = ("_size", "_items", "__weakref__")
                def __new__(cls, size, items):
                    self = super().__new__(cls)
                    self._size, self._items = size, items
                    return self
                def set(self, key, value):
                    return PMap(self._size + 1, self._items + ((key, value),))
                def items(self):
                    return Items(self)
            class Items:
                def __init__(self, m):
                    if not isinstance(m, PMap):
                        m = pmap(m)
                    self.pairs = list(m._items)
            _EMPTY = PMap(0, ())
            def pmap(initial=()):
                result = _EMPTY
                for key, value in dict(initial).items():
                    result = result.set(key, value)
                return result
            """)
        self.write("{pkg}/pset.py", """
            from .pmap import pmap
            class PSet:
                __slots__ = ("_map", "__weakref__")
                def __new__(cls, m):
                    self = super().__new__(cls)
                    self._map = m
                    return self
            _EMPTY_SET = PSet(pmap())
            """)
        pm = self.load("{pkg}.pmap")
        ps = self.load("{pkg}.pset")
        held, empty_set = pm.pmap({"a": 1}), ps._EMPTY_SET
        for _ in range(3):
            report = reloader.reload(self.pkg)
            self.assertEqual(report.not_updated, {})
            self.assertEqual(held.items().pairs, [("a", 1)])
            pm, ps = self.mod("{pkg}.pmap"), self.mod("{pkg}.pset")
            self.assertIs(type(pm._EMPTY), type(held))
            self.assertIs(ps._EMPTY_SET._map, pm._EMPTY)
            self.assertIs(type(ps._EMPTY_SET), type(empty_set))
            self.assertEqual(pm.pmap({"b": 2}).items().pairs, [("b", 2)])

    def test_a_weak_cache_of_instances_keeps_those_made_before(self) -> None:
        # As pendulum's Timezone: ZoneInfo's __init_subclass__ gives each subclass
        # a weak cache, and `pendulum.timezone(name)` must return the zone old
        # datetimes hold (datetimes with one tzinfo object compare without offsets).
        self.write("{pkg}/base.py", """
            import weakref
            class Cached:
                def __init_subclass__(cls, **options):
                    super().__init_subclass__(**options)
                    cls._weak_cache = weakref.WeakValueDictionary()
                def __init__(self, key):
                    self.key, self.rules = key, [key]  # not a sentinel: made anew
                @classmethod
                def get(cls, key):
                    found = cls._weak_cache.get(key)
                    if found is None:
                        found = cls._weak_cache[key] = cls(key)
                    return found
            """)
        body = """
            from .base import Cached
            class Zone(Cached):
                def name(self):
                    return "{v} " + self.key
            UTC = Zone.get("UTC")
            """
        self.write("{pkg}/zones.py", body.replace("{v}", "old"))
        zones = self.load("{pkg}.zones")
        Zone, paris, utc = zones.Zone, zones.Zone.get("Paris"), zones.UTC
        self.write("{pkg}/zones.py", body.replace("{v}", "new"))
        report = reloader.reload(self.pkg)
        self.assertEqual(report.not_updated, {})
        zones = self.mod("{pkg}.zones")
        self.assertIs(zones.Zone, Zone)
        self.assertIs(Zone.get("Paris"), paris)
        self.assertIs(Zone.get("UTC"), zones.UTC)  # the new module's, as a fresh import
        self.assertEqual((paris.name(), zones.UTC.name()), ("new Paris", "new UTC"))
        new_utc = zones.UTC
        self.write("{pkg}/zones.py", body.replace("{v}", "newer") + "raise ValueError\n")
        with self.assertRaises(reloader.ReloadError):
            reloader.reload(self.pkg)
        self.assertEqual(sorted(Zone._weak_cache), ["Paris", "UTC"])
        self.assertIs(Zone.get("UTC"), new_utc)
        self.assertIsNot(new_utc, utc)

    def test_a_sentinel_naming_itself_stays_the_old_object(self) -> None:
        # As glom's T: `T.__ops__ = (T,)`; specs built from it keep it as their
        # root, and the new code tests `ops[0] is T`.
        self.write("{pkg}/t.py", """
            class TType:
                __slots__ = ("__ops__",)
                def __getitem__(self, key):
                    made = TType()
                    made.__ops__ = self.__ops__ + (key,)
                    return made
            def evaluate(target, spec):
                if spec.__ops__[0] is not T:
                    raise ValueError("TType instance with invalid root")
                for key in spec.__ops__[1:]:
                    target = target[key]
                return target
            T = TType()
            T.__ops__ = (T,)
            """)
        t = self.load("{pkg}.t")
        held, spec = t.T, t.T["a"]
        for _ in range(2):
            reloader.reload(self.pkg)
            t = self.mod("{pkg}.t")
            self.assertIs(t.T, held)
            self.assertEqual(t.evaluate({"a": 1}, spec), 1)

    def test_an_accessor_registered_on_a_class_as_a_descriptor(self) -> None:
        # As pandas' register_dataframe_accessor: a descriptor keeping the
        # registered class, set on a class of a library (not reloaded), and on
        # a class of a module reloaded before the one that registers.
        self.write("frames_{pkg}.py", """
            class Accessor:
                def __init__(self, name, accessor):
                    self._name, self._accessor = name, accessor
                def __get__(self, obj, cls):
                    return self._accessor if obj is None else self._accessor(obj)
            class Frame:
                pass
            def register(name, on=Frame):
                def decorator(accessor):
                    setattr(on, name, Accessor(name, accessor))
                    return accessor
                return decorator
            """)
        self.write("{pkg}/core.py", "class Table:\n    pass\n")
        self.write("{pkg}/user.py", """
            import frames_{pkg} as frames
            from .core import Table
            @frames.register("probe")
            class Probe:
                def __init__(self, frame):
                    self.frame = frame
            @frames.register("probe", on=Table)
            class TableProbe:
                def __init__(self, table):
                    self.table = table
            """)
        self.load("{pkg}.user")
        frames = self.mod("frames_{pkg}")
        for _ in range(2):
            reloader.reload(self.pkg)
            user, core = self.mod("{pkg}.user"), self.mod("{pkg}.core")
            self.assertIsInstance(frames.Frame().probe, user.Probe)
            self.assertIsInstance(core.Table().probe, user.TableProbe)

    def test_a_converter_of_a_library_keeps_what_was_registered_at_import(self) -> None:
        # As cattrs' Converter (slots): hooks registered for the module's
        # classes go into a functools.singledispatch registry, held in the
        # closure of a function a slot of a dispatcher holds.
        self.write("convert_{pkg}.py", """
            import functools
            class Dispatch:
                __slots__ = ("single", "exact")
                def __init__(self):
                    self.single = functools.singledispatch(lambda value: ("plain", value))
                    self.exact = {}
            class Converter:
                __slots__ = ("_hooks", "__weakref__")
                def __init__(self):
                    self._hooks = Dispatch()
                def register(self, cls, hook):
                    self._hooks.single.register(cls, hook)
                    self._hooks.exact[(cls, "hook")] = hook
                def convert(self, value):
                    return self._hooks.single(value)
                def exact(self, value):
                    return self._hooks.exact.get((type(value), "hook"), repr)(value)
            """)
        self.write("{pkg}/models.py", """
            import enum
            import convert_{pkg}
            class Kind(enum.Enum):
                A = "a"
            CONV = convert_{pkg}.Converter()
            CONV.register(Kind, lambda kind: kind.value.upper())
            """)
        models = self.load("{pkg}.models")
        Kind = models.Kind
        for _ in range(2):
            reloader.reload(self.pkg)
            models = self.mod("{pkg}.models")
            self.assertIs(models.Kind, Kind)
            self.assertEqual(models.CONV.convert(Kind.A), "A")
            self.assertEqual(models.CONV.exact(Kind.A), "A")

    def test_classes_registered_in_objects_a_library_keeps_in_a_list(self) -> None:
        # plum's conversion methods: a dispatcher of a library (compiled, never
        # reloaded) keeps a list of methods, each a signature of the types
        # registered; a package reloaded before the user module holds it.
        self.write("core_{pkg}.py", """
            class Signature:
                def __init__(self, types):
                    self.types = types
            class Method:
                def __init__(self, signature, function):
                    self.signature, self.function = signature, function
            class Function:
                def __init__(self):
                    self.methods = []
                def register(self, kind, function):
                    self.methods.append(Method(Signature((kind,)), function))
                def __call__(self, value):
                    for method in self.methods:
                        if method.signature.types[0] is type(value):
                            return method.function(value)
                    raise TypeError("cannot convert {!r}".format(value))
            """)
        self.write("{pkg}/__init__.py", """
            import core_{pkg}
            convert = core_{pkg}.Function()
            convert.register(int, str)
            """)
        self.write("user_{pkg}.py", """
            import {pkg}
            class Meter:
                def __init__(self, value):
                    self.value = value
            {pkg}.convert.register(Meter, lambda meter: float(meter.value))
            """)
        Meter = self.load("user_{pkg}").Meter
        for _ in range(2):
            report = reloader.reload(self.pkg)
            self.assertEqual(report.not_updated, {})
            self.assertIs(self.mod("user_{pkg}").Meter, Meter)
            self.assertEqual(self.mod("{pkg}").convert(Meter(3)), 3.0)

    def test_a_registry_in_the_class_dictionary_of_a_library_object(self) -> None:
        # As ruamel.yaml's YAML().register_class(Monster): the constructor the
        # module's YAML object holds keeps `Monster.from_yaml` in its class's
        # dictionary (a copy per class), a class the module never names.
        self.write("constructors_{pkg}.py", """
            class Constructor:
                constructors = {}
                @classmethod
                def add(cls, tag, make):
                    if "constructors" not in cls.__dict__:
                        cls.constructors = dict(cls.constructors)
                    cls.constructors[tag] = make
            class RoundTrip(Constructor):
                pass
            """)
        self.write("yamlish_{pkg}.py", """
            from constructors_{pkg} import RoundTrip
            class YAML:
                def __init__(self):
                    self._constructor = RoundTrip()
                def register(self, cls):
                    self._constructor.add("!" + cls.__name__, cls.from_yaml)
                def load(self, tag, value):
                    return self._constructor.constructors[tag](value)
            """)
        self.write("{pkg}/monsters.py", """
            import yamlish_{pkg}
            class Monster:
                def __init__(self, name):
                    self.name = name
                @classmethod
                def from_yaml(cls, value):
                    return cls(value)
            yaml = yamlish_{pkg}.YAML()
            yaml.register(Monster)
            """)
        Monster = self.load("{pkg}.monsters").Monster
        for _ in range(2):
            reloader.reload(self.pkg)
            monsters = self.mod("{pkg}.monsters")
            self.assertIs(monsters.Monster, Monster)
            self.assertIsInstance(monsters.yaml.load("!Monster", "al"), Monster)

    def test_a_class_named_for_its_package_whose_methods_a_decorator_wraps(self) -> None:
        # As beartype.typing.Protocol: its only method wrapped by a caching
        # decorator of another module, its __module__ set to the package.
        self.write("{pkg}/cache.py", """
            import functools
            def cached(func):
                @functools.wraps(func)
                def wrapper(*args):
                    return func(*args)
                return wrapper
            """)
        body = """
            from .cache import cached
            class Proto:
                @classmethod
                @cached
                def check(cls):
                    return "{v}", cls is Proto
            Proto.__module__ = __name__.rpartition(".")[0]
            """
        self.write("{pkg}/impl.py", body.replace("{v}", "old"))
        Proto = self.load("{pkg}.impl").Proto
        self.write("{pkg}/impl.py", body.replace("{v}", "new"))
        report = reloader.reload(self.pkg + ".impl", dependents=False)
        self.assertTrue(report.ok, report)
        self.assertIs(self.mod("{pkg}.impl").Proto, Proto)
        self.assertEqual(Proto.check(), ("new", True))

    def test_a_module_inside_an_import_cycle_names_the_patched_class_at_once(self) -> None:
        # As zope.interface: interface.py imports declarations.py after making
        # InterfaceClass, declarations takes it from the unfinished module, and
        # the package's own code then checks objects against it.
        self.write("{pkg}/__init__.py", """
            from . import a, b
            CHECK = b.is_thing(a.THING)
            """)
        self.write("{pkg}/a.py", """
            class Thing:
                pass
            THING = Thing()
            from . import b
            """)
        self.write("{pkg}/b.py", """
            from .a import Thing
            def is_thing(value):
                return isinstance(value, Thing)
            """)
        Thing = self.load("{pkg}.a").Thing
        self.assertTrue(self.mod(self.pkg).CHECK)
        report = reloader.reload(self.pkg)
        self.assertTrue(report.ok, report)
        self.assertIs(self.mod("{pkg}.a").Thing, Thing)
        self.assertIs(self.mod("{pkg}.b").Thing, Thing)
        self.assertTrue(self.mod(self.pkg).CHECK)  # computed while the reload ran


if __name__ == "__main__":
    unittest.main()
