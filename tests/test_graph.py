"""Import edges from source and namespaces, cycles and dependency order."""

import types
import unittest
from typing import List

from reloader import _graph


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

    def test_dependents_closure(self) -> None:
        index = _graph._ImportIndex()
        index.importers = {"util": {"app", "cli"}, "app": {"main"}, "cli": {"script"}}
        index.children = {"app": {"app.views"}}
        self.assertEqual(
            index.dependents(["util"], lambda name: name != "cli"),
            {
                "app": "imports util",
                "cli": "imports util",
                "main": "imports app",
                "app.views": "submodule of app",
            },
        )

    def test_with_parents(self) -> None:
        edges = _graph.with_parents({"p.a": set(), "p": set(), "q.b": set()}, ["p", "p.a", "q.b"])
        self.assertEqual(edges, {"p.a": {"p"}, "p": set(), "q.b": set()})


if __name__ == "__main__":
    unittest.main()


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
