"""Generated import graphs with cycles: a reload leaves one version of everything.

Each example writes a package of modules m0..mN. Module i imports some lower
modules (a DAG) in varied forms and some higher ones back (cycles), at module
level or inside a function. Every module exports VERSION, `value()` returning
it, `seen()` returning its imports' values, and `deep()` returning, down the
imports that cannot lead back to it, what each one's `deep()` gives; some
modules call `deep()` at import (DEEP), which must match a call after a reload.

`from .mJ import value` works on a first import only if the modules of a
cycle are entered in a lucky order; the generator uses that form only on
edges outside every cycle, so that every generated package imports at all.
"""

import itertools
import os
import sys
import types
import unittest
from typing import Any, Dict, List, Tuple

import reloader

from .support import PackageCase

try:
    from hypothesis import HealthCheck, assume, example, given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - exercised where hypothesis is absent
    given = None

_names = itertools.count()

# (importer, importee, form): forms are "from" (from . import mJ), "attr"
# (import pkg.mJ), "func" (from .mJ import value as vJ, DAG edges only) and
# "late" (import inside a function).
Edge = Tuple[int, int, str]


def _source(pkg: str, index: int, edges: List[Edge], version: int, fail: bool,
            safe: List[int], snap: bool) -> str:
    """Module `index`; `safe`: the targets its import-time code may call (no cycle back)."""
    lines = []
    calls = []
    deep = []
    for _, target, form in edges:
        name = "m{}".format(target)
        if form == "from":
            lines.append("from . import {}".format(name))
            calls.append("{}.value()".format(name))
            deep.append((target, "{}.deep()".format(name)))
        elif form == "attr":
            lines.append("import {}.{}".format(pkg, name))
            calls.append("{}.{}.value()".format(pkg, name))
            deep.append((target, "{}.{}.deep()".format(pkg, name)))
        elif form == "func":
            lines.append("from .{0} import value as v{1}, deep as d{1}".format(name, target))
            calls.append("v{}()".format(target))
            deep.append((target, "d{}()".format(target)))
        else:
            calls.append("_late_{}()".format(target))
            deep.append((target, "_late_deep_{}()".format(target)))
            lines.append(
                "def _late_{0}():\n    from . import {1}\n    return {1}.value()\n"
                "def _late_deep_{0}():\n    from . import {1}\n    return {1}.deep()".format(
                    target, name
                )
            )
    if fail:
        lines.append("raise RuntimeError('injected')")
    lines.append("VERSION = {}".format(version))
    lines.append("def value():\n    return VERSION")
    lines.append("def seen():\n    return [{}]".format(", ".join(calls)))
    # What the modules it imports give, down the import graph, when called.
    lines.append("def deep():\n    return [VERSION, {}]".format(
        ", ".join(call for target, call in deep if target in safe)))
    if snap:  # made at import: it must follow every reload of what it reached
        lines.append("DEEP = deep()")
    return "\n".join(lines) + "\n"


def _reached(count: int, edges: Dict[int, List[Edge]]) -> Dict[int, set]:
    """For each module, every module its imports lead to."""
    reach = {i: {j for _, j, _ in edges[i]} for i in range(count)}
    for _ in range(count):
        for i in range(count):
            reach[i] |= set().union(*(reach[j] for j in reach[i])) if reach[i] else set()
    return reach


if given is not None:

    @st.composite
    def graphs(draw: Any) -> Tuple[int, Dict[int, List[Edge]], List[int], List[bool]]:
        count = draw(st.integers(min_value=2, max_value=7))
        edges: Dict[int, List[Edge]] = {i: [] for i in range(count)}
        for i in range(count):
            for j in range(count):
                if i == j or not draw(st.booleans()):
                    continue
                if j < i:
                    form = draw(st.sampled_from(["from", "attr", "func", "late"]))
                else:  # a back edge: only the forms that tolerate a half-run module
                    form = draw(st.sampled_from(["from", "attr", "late"]))
                edges[i].append((i, j, form))
        reach = _reached(count, edges)
        for i in range(count):
            edges[i] = [
                (a, b, "from" if form == "func" and a in reach[b] else form)
                for a, b, form in edges[i]
            ]
        entry = draw(st.permutations(list(range(count))))
        snap = draw(st.lists(st.booleans(), min_size=count, max_size=count))
        return count, edges, list(entry), snap


class GeneratedGraphTest(PackageCase):
    def build(self, count: int, edges: Dict[int, List[Edge]], entry: List[int],
              snap: List[bool]) -> str:
        pkg = "gen_{}_{}".format(self.pkg, next(_names))
        self.addCleanup(self.forget, pkg)
        folder = os.path.join(self.root, pkg)
        os.makedirs(folder)
        with open(os.path.join(folder, "__init__.py"), "w") as handle:
            handle.write("")
        self.snap = snap
        self.rewrite(pkg, count, edges, version=1)
        try:
            for index in entry:
                self.load("{}.m{}".format(pkg, index))
        except ImportError:
            # A graph that cannot be imported the first time says nothing
            # about reloading.
            assume(False)
        return pkg

    def rewrite(
        self, pkg: str, count: int, edges: Dict[int, List[Edge]], version: int, fail: int = -1
    ) -> None:
        reach = _reached(count, edges)
        for index in range(count):
            path = os.path.join(self.root, pkg, "m{}.py".format(index))
            safe = [j for _, j, _ in edges[index] if index not in reach[j]]
            with open(path, "w") as handle:
                handle.write(_source(pkg, index, edges[index], version, index == fail, safe,
                                     self.snap[index]))
            self.advance(path)

    def forget(self, pkg: str) -> None:
        for name in [n for n in sys.modules if n == pkg or n.startswith(pkg + ".")]:
            del sys.modules[name]

    def modules(self, pkg: str) -> Dict[str, types.ModuleType]:
        return {
            name: module for name, module in sys.modules.items()
            if (name == pkg or name.startswith(pkg + ".")) and isinstance(module, types.ModuleType)
        }

    def assert_one_version(self, pkg: str) -> None:
        """No module of `pkg` reaches another module of `pkg` that is not the loaded one."""
        loaded = self.modules(pkg)
        for name, module in loaded.items():
            for key, value in vars(module).items():
                if isinstance(value, types.ModuleType):
                    other = value.__name__
                    if other in loaded:
                        self.assertIs(value, loaded[other], "{}.{}".format(name, key))
                elif isinstance(value, types.FunctionType) and value.__module__ in loaded:
                    owner = loaded[value.__module__]
                    self.assertIs(value.__globals__, vars(owner), "{}.{}".format(name, key))

    if given is not None:

        @settings(
            max_examples=75, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        @given(graphs())
        # m1 made DEEP at import from m0, which it only binds: it runs again.
        @example((3, {0: [], 1: [(1, 0, "from")], 2: []}, [0, 1, 2], [False, True, False]))
        # m2 made DEEP at import by calling m1.deep(), and m1 stays: m2 runs again.
        @example((3, {0: [], 1: [(1, 0, "attr")], 2: [(2, 1, "from")]}, [0, 1, 2],
                  [False, False, True]))
        def test_reload_runs_new_code_everywhere(
            self, graph: Tuple[int, Dict[int, List[Edge]], List[int], List[bool]]
        ) -> None:
            count, edges, entry, snap = graph
            pkg = self.build(count, edges, entry, snap)
            self.rewrite(pkg, count, edges, version=2)
            target = "{}.m{}".format(pkg, entry[0])
            report = reloader.reload(target if count % 2 else pkg)
            self.assertTrue(report.ok)
            loaded = self.modules(pkg)
            for index in range(count):
                module = loaded["{}.m{}".format(pkg, index)]
                reloaded = module.__name__ in report.reloaded
                self.assertEqual(module.value(), 2 if reloaded else 1)
                imported = [loaded["{}.m{}".format(pkg, j)] for _, j, _ in edges[index]]
                self.assertEqual(module.seen(), [other.value() for other in imported])
                for (_, _, form), other in zip(edges[index], imported):
                    if reloaded or other.__name__ not in report.reloaded:
                        continue
                    # A module left alone only binds a reloaded module, to
                    # read it at call time; one that read a value from it
                    # at import runs again.
                    self.assertNotEqual(form, "func", module.__name__)
                if snap[index]:  # made at import from what deep() reaches: still current
                    self.assertEqual(module.DEEP, module.deep(), module.__name__)
            self.assert_one_version(pkg)

        @settings(
            max_examples=75, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        @given(graphs(), st.data())
        def test_injected_failure_restores_every_entry(
            self, graph: Tuple[int, Dict[int, List[Edge]], List[int], List[bool]], data: Any
        ) -> None:
            count, edges, entry, snap = graph
            pkg = self.build(count, edges, entry, snap)
            before = dict(self.modules(pkg))
            namespaces = {name: dict(vars(module)) for name, module in before.items()}
            fail = data.draw(st.integers(min_value=0, max_value=count - 1))
            self.rewrite(pkg, count, edges, version=2, fail=fail)
            with self.assertRaises(reloader.ReloadError) as caught:
                reloader.reload(pkg)
            self.assertTrue(caught.exception.report.rolled_back)
            self.assertIsInstance(caught.exception.__cause__, RuntimeError)
            after = self.modules(pkg)
            self.assertEqual(set(after), set(before))
            for name, module in before.items():
                self.assertIs(after[name], module, name)
                for key, value in namespaces[name].items():
                    self.assertIs(vars(module)[key], value, "{}.{}".format(name, key))
                if name != pkg:
                    self.assertEqual(module.value(), 1)
                    self.assertEqual(module.seen(), [1] * len(edges[int(name.rpartition("m")[2])]))
            self.assert_one_version(pkg)

    else:  # pragma: no cover

        def test_generated_graphs(self) -> None:
            self.skipTest("hypothesis is not installed")


if __name__ == "__main__":
    unittest.main()
