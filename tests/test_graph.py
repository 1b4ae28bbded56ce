"""Import edges from source and namespaces, cycles and dependency order."""

import gc
import os
import py_compile
import sys
import types
import unittest
import weakref
from typing import Any, Dict, List

import reloader
from reloader import _graph, _state

from .support import PackageCase


class ParseImportsTest(unittest.TestCase):
    def test_statement_forms(self) -> None:
        source = (
            "import a, b.c as d\n"
            "from e import f, g as h\n"
            "from i.j import (\n    k,\n    l,\n)\n"
            "def run():\n    import m\n    from n import o\n"
            "x = 1; import p  # after a semicolon is not seen\n"
        )
        self.assertEqual(
            _graph.parse_imports(source, "tool.mod", False),
            {"a", "b.c", "e", "e.f", "e.g", "i.j", "i.j.k", "i.j.l", "m", "n", "n.o"},
        )

    def test_relative_imports(self) -> None:
        source = "from . import a\nfrom .b import c\nfrom .. import d\nfrom ...e import f\n"
        self.assertEqual(
            _graph.parse_imports(source, "top.sub.inner.mod", False),
            {"top.sub.inner", "top.sub.inner.a", "top.sub.inner.b", "top.sub.inner.b.c",
             "top.sub", "top.sub.d", "top.e", "top.e.f"},
        )

    def test_relative_imports_in_a_package(self) -> None:
        self.assertEqual(
            _graph.parse_imports("from . import a\nfrom .. import b\n", "top.sub", True),
            {"top.sub", "top.sub.a", "top", "top.b"},
        )

    def test_relative_import_above_the_top_is_ignored(self) -> None:
        self.assertEqual(_graph.parse_imports("from ... import x\n", "top.mod", False), set())


class RuntimeReferencesTest(unittest.TestCase):
    def test_modules_functions_and_classes(self) -> None:
        other = types.ModuleType("other")
        sub = types.ModuleType("own.sub")

        def function() -> None:
            pass

        function.__module__ = "lib"

        class Thing:
            pass

        Thing.__module__ = "models"
        namespace = {
            "other": other, "sub": sub, "alias": sub, "function": function, "Thing": Thing,
            "value": 3, "__name__": "own", "__builtins__": {},
        }
        # 'sub' is how the import system binds own.sub on its package; 'alias'
        # is the package's own reference to it.
        self.assertEqual(
            _graph.runtime_references(namespace, "own"), {"other", "own.sub", "lib", "models"}
        )
        del namespace["alias"]
        self.assertEqual(_graph.runtime_references(namespace, "own"), {"other", "lib", "models"})


class ModuleNameTest(PackageCase):
    def test_a_module_name_kept_in_a_str_subclass_stays_a_str(self) -> None:
        # As plum: a class's __module__ set to a str subclass with a __get__, in
        # an import cycle.
        self.files({
            "{pkg}/__init__.py": "from .func import Function\n",
            "{pkg}/user.py": "from . import func\nfrom .func import Function\n",
            "{pkg}/func.py": """
                class ModuleName(str):
                    __slots__ = ()
                    def __get__(self, instance, owner):
                        return instance.f.__module__
                class Function:
                    def __init__(self, f):
                        self.f = f
                setattr(Function, '__module__', ModuleName(__name__))
                from . import user
                """,
        })
        self.load("{pkg}")
        self.assertEqual({type(n) for n in reloader.plan(self.pkg).names}, {str})
        report = reloader.reload(self.pkg)
        self.assertTrue(report.ok, report)
        func = self.mod("{pkg}.func")
        self.assertIs(type(func.__name__), str)
        self.assertIs(type(func.__spec__.name), str)


class OrderTest(unittest.TestCase):
    def test_strongly_connected(self) -> None:
        edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
        groups = _graph.strongly_connected(["a", "b", "c", "d", "e"], edges)
        self.assertEqual(sorted(sorted(g) for g in groups), [["a", "b", "c"], ["d"], ["e"]])

    def test_deep_chain_needs_no_recursion(self) -> None:
        names = ["m{}".format(i) for i in range(5000)]
        edges = {names[i]: {names[i + 1]} for i in range(len(names) - 1)}
        self.assertEqual(len(_graph.strongly_connected(names, edges)), 5000)

    def test_dependencies_first_ties_by_rank(self) -> None:
        edges = {"app": {"util"}, "util": set(), "other": set()}
        rank = {"other": 0, "app": 1, "util": 2}
        self.assertEqual(
            _graph.import_order(["app", "util", "other"], edges, rank),
            [["other"], ["util"], ["app"]],
        )

    def test_with_parents(self) -> None:
        edges = _graph.with_parents({"p.a": set(), "p": set(), "q.b": set()}, ["p", "p.a", "q.b"])
        self.assertEqual(edges, {"p.a": {"p"}, "p": set(), "q.b": set()})


class CycleEntryTest(unittest.TestCase):
    def test_top_level_imports_in_order_with_what_they_take(self) -> None:
        source = (
            "import os\n"
            "from . import a\n"
            "X = 1\n"
            "from .b import Y, Z\n"
            "def later():\n"
            "    from . import c\n"
        )
        found = _graph.top_level_imports(source, "pkg.m", False, {"pkg.a"}.__contains__)
        none, both = frozenset(), frozenset({"os", "a", "X"})
        self.assertEqual(
            found,
            [
                _graph.Need("os", none, none),
                _graph.Need("pkg.a", none, frozenset({"os"})),
                _graph.Need("pkg.b", frozenset({"Y"}), both),
                _graph.Need("pkg.b", frozenset({"Z"}), both),
            ],
        )

    def test_what_top_level_code_binds_before_each_import(self) -> None:
        source = (
            "x: int = 1\n"
            "a, b = 2, 3\n"
            "if x == 1:\n"
            "    hidden = 4\n"
            "async def f(): pass\n"
            "@decorate\n"
            "class C: pass\n"
            "import pkg.util\n"
            "from pkg.late import name\n"
        )
        found = _graph.top_level_imports(source, "pkg.m", False, lambda name: False)
        self.assertEqual(
            [need.bound for need in found],
            [frozenset({"x", "a", "b", "f", "C"}), frozenset({"x", "a", "b", "f", "C", "pkg"})],
        )

    def test_entry_is_the_first_member_whose_imports_run_through(self) -> None:
        # a takes Y from b before b binds it; b and c only bind modules.
        none = frozenset()
        imports = {
            "pkg.a": [_graph.Need("pkg.b", frozenset({"Y"}), none)],
            "pkg.b": [_graph.Need("pkg.a", none, none)],
            "pkg.c": [_graph.Need("pkg.b", none, none)],
        }
        entry = _graph.cycle_entry(["pkg.c", "pkg.b", "pkg.a"], imports.__getitem__)
        self.assertEqual(entry, "pkg.a")

    def test_a_half_run_member_provides_what_it_bound_before_the_import(self) -> None:
        # The larger-application layout: app binds `app`, then imports views;
        # views takes `app` from it. Entered at app it runs through.
        app = [_graph.Need("views", frozenset(), frozenset({"Flask", "app"}))]
        views = [_graph.Need("app", frozenset({"app"}), frozenset())]
        imports = {"app": app, "views": views}
        self.assertEqual(_graph.cycle_entry(["app", "views"], imports.__getitem__), "app")
        late = {"app": [_graph.Need("views", frozenset(), frozenset({"Flask"}))], "views": views}
        self.assertEqual(_graph.cycle_entry(["app", "views"], late.__getitem__), "views")

    def test_a_member_bound_as_a_module_while_it_runs_is_entered_last(self) -> None:
        # FastAPI's layout: main includes items.router after `from routers
        # import items`; items takes `settings` from main. Entered at items,
        # main would read items.router before items set it. Whatever order
        # the members come in, main goes first.
        sources = {
            "main": "from fastapi import FastAPI\nsettings = {}\napp = FastAPI()\n"
                    "from routers import items\napp.include_router(items.router)\n",
            "routers.items": "from fastapi import APIRouter\nfrom main import settings\n"
                             "router = APIRouter()\n",
        }

        def top_level(name: str) -> List[_graph.Need]:
            return _graph.top_level_imports(
                sources[name], name, False, {"routers.items"}.__contains__
            )

        for group in (["main", "routers.items"], ["routers.items", "main"]):
            self.assertEqual(_graph.cycle_entry(group, top_level), "main")

    def test_no_entry_when_every_one_fails(self) -> None:
        none = frozenset()
        imports = {
            "a": [_graph.Need("b", frozenset({"x"}), none)],
            "b": [_graph.Need("a", frozenset({"y"}), none)],
        }
        self.assertIsNone(_graph.cycle_entry(["a", "b"], imports.__getitem__))


class FirstCallTest(PackageCase):
    """The first look of a session finds importers without reading every module."""

    def setUp(self) -> None:
        super().setUp()
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/leaf.py": "FLAG = True\nN = 3\nVALUE = 1\nT = (1, 2.5)\n\n"
                             "class Base:\n    pass\n",
            "{pkg}/flag_reader.py": "from {pkg}.leaf import FLAG\nSEEN = FLAG\n",
            "{pkg}/int_reader.py": "from {pkg}.leaf import N as m\nDOUBLE = m * 2\n",
            "{pkg}/dotted.py": "import {pkg}.leaf\nVALUE = {pkg}.leaf.VALUE\n",
            "{pkg}/based.py": "from {pkg} import leaf\n\nclass Sub(leaf.Base):\n    pass\n",
            "{pkg}/caller.py": "import {pkg}.leaf\n\ndef f():\n    return {pkg}.leaf.VALUE\n",
            "{pkg}/unrelated.py": "FLAG = True\nN = 3\nVALUE = 1\n",
        })
        for name in ("flag_reader", "int_reader", "dotted", "based", "caller", "unrelated"):
            self.load("{pkg}." + name)
        self.leaf = self.pkg + ".leaf"
        # A session that has not used reloader yet: its own table and index.
        self.session = _state.State()

    def expected(self) -> Dict[str, str]:
        return {
            self.leaf: "selected",
            self.pkg + ".flag_reader": "reads FLAG from {} at import (line 1)".format(self.leaf),
            self.pkg + ".int_reader": "reads N from {} at import (line 1)".format(self.leaf),
            self.pkg + ".dotted": "uses {} at import (line 2)".format(self.pkg),
            self.pkg + ".based": "uses leaf at import (line 3)",
        }

    def test_first_plan_finds_every_reader(self) -> None:
        with self.session.use():
            the_plan = reloader.plan(self.leaf)
        self.assertEqual({m.name: m.reason for m in the_plan.modules}, self.expected())
        self.assertEqual(the_plan.kept, {
            self.pkg + ".caller": "uses {} at call time only".format(self.leaf)})

    def test_a_plan_of_the_package_first_leaves_the_readers_known(self) -> None:
        # A plan of the whole package does not read its modules for each
        # other's importers; a later question about one of them still finds them.
        with self.session.use():
            package_plan = reloader.plan(self.pkg)
            leaf_plan = reloader.plan(self.leaf)
        self.assertIn(self.pkg + ".flag_reader", package_plan.names)
        self.assertEqual({m.name: m.reason for m in leaf_plan.modules}, self.expected())

    def test_first_reload_runs_the_readers_again(self) -> None:
        self.write("{pkg}/leaf.py", "FLAG = False\nN = 4\nVALUE = 2\nT = ()\n\n"
                                    "class Base:\n    pass\n")
        with self.session.use():
            report = reloader.reload(self.leaf)
        self.assertTrue(report.ok, report.format())
        self.assertEqual(set(report.reloaded), set(self.expected()))
        self.assertIs(self.mod("{pkg}.flag_reader").SEEN, False)
        self.assertEqual(self.mod("{pkg}.int_reader").DOUBLE, 8)
        self.assertEqual(self.mod("{pkg}.dotted").VALUE, 2)
        self.assertIs(self.mod("{pkg}.based").Sub.__bases__[0], self.mod("{pkg}.leaf").Base)
        self.assertEqual(self.mod("{pkg}.caller").f(), 2)

    def test_a_module_loaded_after_the_first_call(self) -> None:
        with self.session.use():
            reloader.plan(self.leaf)
            self.write("{pkg}/late.py", "from {pkg}.leaf import VALUE as v\nX = v + 1\n")
            self.load("{pkg}.late")
            the_plan = reloader.plan(self.leaf)
        self.assertEqual({m.name: m.reason for m in the_plan.modules}[self.pkg + ".late"],
                         "reads VALUE from {} at import (line 1)".format(self.leaf))

    def test_a_module_replaced_before_its_importers_were_asked_for(self) -> None:
        # The reader holds the old tuple, which the new leaf does not: its
        # source is read in full.
        self.write("{pkg}/tuple_reader.py", "from {pkg}.leaf import T\nSIZE = len(T)\n")
        self.load("{pkg}.tuple_reader")
        with self.session.use():
            reloader.plan(self.pkg + ".unrelated")  # the first look, before the replacement
            self.write("{pkg}/leaf.py", "FLAG = True\nN = 3\nVALUE = 1\nT = (1, 2.5, 3)\n\n"
                                        "class Base:\n    pass\n")
            self.assertTrue(reloader.reload(self.leaf, dependents=False).ok)
            names = reloader.plan(self.leaf).names
        self.assertIn(self.pkg + ".tuple_reader", names)

    def test_no_replaced_module_is_kept_alive(self) -> None:
        with self.session.use():
            reloader.plan(self.leaf)
            old = weakref.ref(self.mod("{pkg}.flag_reader"))
            self.write("{pkg}/leaf.py", "FLAG = False\nN = 3\nVALUE = 1\nT = ()\n\n"
                                        "class Base:\n    pass\n")
            self.assertTrue(reloader.reload(self.leaf).ok)
            gc.collect()
            self.assertIsNone(old())

    def test_a_namespace_that_holds_the_same_values_is_no_importer(self) -> None:
        with self.session.use():
            names = reloader.plan(self.leaf).names
        self.assertNotIn(self.pkg + ".unrelated", names)


class CallsAtImportTest(PackageCase):
    """Import-time code that calls functions whose bodies read a changed module."""

    def setUp(self) -> None:
        super().setUp()
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/config.py": "LIMIT = 1\n",
            # Its own functions and classes, used at import.
            "{pkg}/own.py": """\
                import {pkg}.config

                def make():
                    return {pkg}.config.LIMIT * 10

                class Settings:
                    def __init__(self):
                        self.limit = {pkg}.config.LIMIT

                def register(function):
                    function.limit = {pkg}.config.LIMIT
                    return function

                def lazy():
                    from {pkg}.config import LIMIT
                    return LIMIT

                def unused():
                    return {pkg}.config.LIMIT

                TEN = make()
                SETTINGS = Settings()
                LAZY = lazy()

                @register
                def handler():
                    pass
                """,
            # Left loaded: it reads the config only when called.
            "{pkg}/helpers.py": """\
                from {pkg} import config

                def compute():
                    return config.LIMIT * 10

                def other():
                    return 5
                """,
            "{pkg}/caller.py": "from {pkg} import helpers\nVALUE = helpers.compute()\n",
            "{pkg}/bystander.py": "from {pkg} import helpers\nFIVE = helpers.other()\n\n"
                                  "def later():\n    return helpers.compute()\n",
            "{pkg}/deep.py": "from {pkg}.bystander import later\nVALUE = later()\n",
        })
        for name in ("own", "caller", "bystander", "deep"):
            self.load("{pkg}." + name)
        self.config = self.pkg + ".config"

    def test_the_plan_says_why(self) -> None:
        reasons = {m.name: m.reason for m in reloader.plan(self.config).modules}
        self.assertEqual(reasons, {
            self.config: "selected",
            self.pkg + ".own": "uses {} at import (line 21, in make)".format(self.pkg),
            self.pkg + ".caller": "uses helpers at import (line 2), whose compute reads "
                                  "{} when called".format(self.config),
            self.pkg + ".deep": "uses later at import (line 2), whose later reads "
                                "{} when called".format(self.config),
        })
        kept = reloader.plan(self.config).kept
        self.assertEqual(set(kept), {self.pkg + ".helpers"})

    def test_every_value_made_at_import_follows_the_edit(self) -> None:
        helpers = self.mod("{pkg}.helpers")
        bystander = self.mod("{pkg}.bystander")
        self.write("{pkg}/config.py", "LIMIT = 2\n")
        report = reloader.reload(self.config)
        self.assertTrue(report.ok, report.format())
        own = self.mod("{pkg}.own")
        self.assertEqual((own.TEN, own.SETTINGS.limit, own.LAZY, own.handler.limit),
                         (20, 2, 2, 2))
        self.assertEqual(self.mod("{pkg}.caller").VALUE, 20)
        self.assertEqual(self.mod("{pkg}.deep").VALUE, 20)
        self.assertEqual(own.unused(), 2)
        # Left loaded: the same module objects, pointed at the new config.
        self.assertIs(self.mod("{pkg}.helpers"), helpers)
        self.assertIs(self.mod("{pkg}.bystander"), bystander)
        self.assertIs(helpers.config, self.mod(self.config))

    def test_callers_run_after_the_module_their_calls_reach(self) -> None:
        # Imported again on its own, the config comes last in sys.modules,
        # after the caller that does not import it.
        self.assertTrue(reloader.reload(self.config, dependents=False).ok)
        self.write("{pkg}/config.py", "LIMIT = 3\n")
        report = reloader.reload(self.config)
        self.assertTrue(report.ok, report.format())
        order = list(report.reloaded)
        for caller in ("caller", "deep"):
            self.assertLess(order.index(self.config), order.index(self.pkg + "." + caller))
            self.assertEqual(self.mod("{pkg}." + caller).VALUE, 30)

    def test_a_failed_reload_points_the_names_back(self) -> None:
        helpers = self.mod("{pkg}.helpers")
        old_config = self.mod(self.config)
        self.write("{pkg}/caller.py", "from {pkg} import helpers\nVALUE = helpers.compute()\n"
                                      "assert VALUE < 15, 'too large'\n")
        self.write("{pkg}/config.py", "LIMIT = 2\n")
        with self.assertRaises(reloader.ReloadError) as raised:
            reloader.reload(self.config)
        self.assertIn("too large", str(raised.exception))
        self.assertIs(self.mod(self.config), old_config)
        self.assertIs(helpers.config, old_config)
        self.assertEqual(helpers.compute(), 10)


if __name__ == "__main__":
    unittest.main()


class EditedImporterTest(PackageCase):
    """An importer whose file changed since it was loaded: what it runs cannot be read."""

    def setUp(self) -> None:
        super().setUp()
        writing = sys.dont_write_bytecode
        self.addCleanup(setattr, sys, "dont_write_bytecode", writing)
        sys.dont_write_bytecode = False  # the import leaves a .pyc, as in most sessions
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/leaf.py": "VALUE = 1\n",
            "{pkg}/reader.py": "from {pkg}.leaf import VALUE\nLIMIT = VALUE\n",
        })
        self.load("{pkg}.reader")
        self.leaf, self.reader = self.pkg + ".leaf", self.pkg + ".reader"
        self.session = _state.State()

    def edit_reader_then_leaf(self) -> None:
        # The reader no longer reads the leaf at import, but the code that
        # runs still holds what it read.
        self.write("{pkg}/reader.py", "import {pkg}.leaf\n\n"
                                      "def limit():\n    return {pkg}.leaf.VALUE\n")
        self.write("{pkg}/leaf.py", "VALUE = 2\n")

    def test_it_runs_again_and_the_plan_says_why(self) -> None:
        self.edit_reader_then_leaf()
        with self.session.use():
            the_plan = reloader.plan(self.leaf)
            report = reloader.reload(self.leaf)
        self.assertEqual(
            {m.name: m.reason for m in the_plan.modules}[self.reader],
            "imports {} (its file changed since it was loaded: what its code read at "
            "import cannot be told)".format(self.leaf))
        self.assertTrue(report.ok, report.format())
        self.assertIn(self.reader, report.reloaded)
        self.assertEqual(self.mod("{pkg}.reader").limit(), 2)

    def test_a_module_reloaded_runs_what_the_reload_read(self) -> None:
        # Reloaded with bytecode writing off, its .pyc still names the first
        # source; the reload noted what it read: an unedited file is read again.
        self.write("{pkg}/reader.py", "import {pkg}.leaf\n\n"
                                      "def limit():\n    return {pkg}.leaf.VALUE\n")
        with self.session.use():
            sys.dont_write_bytecode = True
            self.assertTrue(reloader.reload(self.reader).ok)
            self.write("{pkg}/leaf.py", "VALUE = 2\n")
            the_plan = reloader.plan(self.leaf)
        self.assertEqual(the_plan.names, [self.leaf])
        self.assertEqual(the_plan.kept,
                         {self.reader: "uses {} at call time only".format(self.leaf)})

    def test_a_module_loaded_from_bytecode_alone_has_no_source_to_compare(self) -> None:
        # Its .pyc is its file: no source edited since, and none to read.
        self.write("{pkg}/leaf.py", "VALUE = 1\n\ndef f():\n    return VALUE\n")
        del sys.modules[self.leaf]
        self.write("{pkg}/user.py", "from {pkg}.leaf import f\nUSED = f()\n")
        py_compile.compile(self.path("{pkg}/user.py"), cfile=self.path("{pkg}/user.pyc"))
        os.remove(self.path("{pkg}/user.py"))
        self.load("{pkg}.user")
        with self.session.use():
            self.write("{pkg}/leaf.py", "VALUE = 2\n\ndef f():\n    return VALUE\n")
            the_plan = reloader.plan(self.leaf)
        self.assertEqual({m.name: m.reason for m in the_plan.modules}.get(self.pkg + ".user"),
                         "imports {} (its source cannot be read)".format(self.leaf))

    def test_edited_after_its_first_reading_it_is_read_as_loaded(self) -> None:
        with self.session.use():
            reloader.plan(self.leaf)  # reads the reader as it runs
            self.edit_reader_then_leaf()
            the_plan = reloader.plan(self.leaf)
        self.assertEqual({m.name: m.reason for m in the_plan.modules}[self.reader],
                         "reads VALUE from {} at import (line 1)".format(self.leaf))


    @unittest.skipUnless(hasattr(os, "symlink"), "no symbolic links here")
    def test_a_module_reloaded_through_a_linked_folder(self) -> None:
        # The reload notes the path the module was found at; the selection
        # asks with the file's real path.
        linked = os.path.join(self.root, "linked")
        os.makedirs(linked)
        os.symlink(self.path("{pkg}"), os.path.join(linked, self.pkg))
        sys.path.insert(0, linked)
        for name in (self.pkg, self.leaf, self.reader):
            del sys.modules[name]
        self.load("{pkg}.reader")
        self.assertTrue(self.mod("{pkg}.reader").__file__.startswith(linked))
        self.test_a_module_reloaded_runs_what_the_reload_read()


class EditedCycleTest(PackageCase):
    def edit(self, loaded: Dict[str, str], edited: Dict[str, str], load: str) -> List[Any]:
        """Load `loaded`, plan, write `edited`: the plans before and after, and the reload's report."""
        self.files(dict(loaded, **{"{pkg}/__init__.py": ""}))
        self.load(load)
        with _state.State().use():
            before = reloader.plan(self.pkg)  # the first reading, as loaded
            self.files(edited)
            after = reloader.plan(self.pkg)
            report = reloader.reload(self.pkg)
        self.assertTrue(report.ok, report.format())
        return [before.cycles, after.cycles]

    def test_a_cycle_is_entered_as_its_files_now_require(self) -> None:
        # Read when loaded, neither module needs the other first. As edited,
        # b must run first: a takes B from b, which binds it before its own
        # import of a, while a binds A only after its import of b.
        cycles = self.edit(
            {"{pkg}/a.py": "import {pkg}.b\nA = 1\n", "{pkg}/b.py": "import {pkg}.a\nB = 1\n"},
            {"{pkg}/a.py": "from {pkg}.b import B\nA = B + 1\n",
             "{pkg}/b.py": "B = 1\nfrom {pkg}.a import A\n"},
            "{pkg}.a")
        a, b = self.pkg + ".a", self.pkg + ".b"
        self.assertEqual(cycles, [((a, b),), ((b, a),)])
        self.assertEqual((self.mod("{pkg}.a").A, self.mod("{pkg}.b").A), (2, 2))

    def test_a_cycle_an_edit_made_is_found_and_entered_where_it_runs(self) -> None:
        # As loaded, b reads a and a imports nothing: a runs first. As
        # edited, a takes Z from b, which binds it before importing a: b
        # must run first.
        cycles = self.edit(
            {"{pkg}/a.py": "X = 1\n", "{pkg}/b.py": "import {pkg}.a\nY = {pkg}.a.X\n"},
            {"{pkg}/a.py": "from {pkg}.b import Z\nX = Z\n",
             "{pkg}/b.py": "Z = 5\nimport {pkg}.a\nY = {pkg}.a.X\n"},
            "{pkg}.b")
        a, b = self.pkg + ".a", self.pkg + ".b"
        self.assertEqual(cycles, [(), ((b, a),)])
        self.assertEqual(self.mod("{pkg}.b").Y, 5)
