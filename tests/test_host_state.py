"""State kept between calls lives on one object: a fresh State reloads on its own."""

import gc
import sys
import unittest

import reloader
from reloader import _host, _serve, _state
from tests.support import PackageCase


class StateTest(PackageCase):
    def test_a_fresh_state_reloads_with_its_own_table_index_and_hosts(self) -> None:
        self.write("{pkg}/__init__.py", "from .core import VALUE\n")
        self.write("{pkg}/core.py", "VALUE = 1\n")
        self.load("{pkg}")
        default = _state.DEFAULT
        default_table, default_index = default.table, default.index
        outside = reloader.Host("outside")
        self.addCleanup(reloader.use_host(outside))
        fresh = _state.State()
        calls = []
        with fresh.use():
            self.assertIs(_state.current(), fresh)
            self.assertIsNot(_state.current().table, default_table)
            self.assertIsNot(_state.current().index, default_index)
            self.assertEqual(_host.installed(), [])  # the default state's host is not here
            host = reloader.Host("inside", hooks=[
                lambda names, owned: lambda imported: calls.append((list(names), imported))])
            uninstall = reloader.use_host(host)
            self.write("{pkg}/core.py", "VALUE = 2\n")
            report = reloader.reload(self.pkg)
            self.assertTrue(report.ok, report.format())
            self.assertEqual(sys.modules[self.pkg].VALUE, 2)
            self.assertEqual(calls, [([self.pkg, self.pkg + ".core"], True)])
            table = _state.current().table
            self.assertIn(self.pkg, table.infos)  # the fresh table saw the reload
        self.assertIs(_state.current(), default)
        self.assertIs(default.table, default_table)
        self.assertIs(default.index, default_index)
        self.assertEqual(_host.installed()[-1:], [outside])
        self.assertNotIn(host, _host.installed())
        # The default state goes on, and the fresh one keeps what it learnt.
        self.write("{pkg}/core.py", "VALUE = 3\n")
        self.assertTrue(reloader.reload(self.pkg).ok)
        self.assertEqual(sys.modules[self.pkg].VALUE, 3)
        self.assertEqual(len(calls), 1)  # the inside host is not installed here
        with fresh.use():
            self.assertIs(_state.current().table, table)
            self.assertEqual(_host.installed(), [host])
            uninstall()
            self.assertEqual(_host.installed(), [])

    def test_a_fresh_state_sees_nothing_the_default_one_kept(self) -> None:
        self.write("{pkg}/__init__.py", "def greet():\n    return 1\n")
        module = self.load("{pkg}")
        held = module.greet  # an old function something holds: remembered as a version
        namespace = {}
        self.addCleanup(reloader.rebind_namespace(namespace))
        self.addCleanup(reloader.use_host(reloader.Host("default-host", protected=["zz_kept"])))
        self.write("{pkg}/__init__.py", "def greet():\n    return 2\n")
        self.assertTrue(reloader.reload(self.pkg).ok)
        self.assertEqual(held(), 2)
        default = _state.DEFAULT
        self.assertIn(self.pkg, default.table.infos)
        self.assertIn(id(sys.modules[self.pkg].greet), default.versions)
        self.assertIn(namespace, default.namespaces)

        fresh = _state.State()
        self.assertEqual(fresh.table.infos, {})
        self.assertEqual(fresh.table.protected, [])
        self.assertEqual(fresh.index.edges, {})
        self.assertEqual(fresh.versions, {})
        self.assertEqual(fresh.held_functions, {})
        self.assertEqual(fresh.body_keys, {})
        self.assertEqual(fresh.namespaces, [])
        self.assertEqual(fresh.statements, {})
        self.assertEqual(fresh.replaced, [])
        self.assertEqual(fresh.sources, {})
        self.assertEqual(len(fresh.added_by), 0)
        self.assertEqual(fresh.hosts, [])
        self.assertIsNone(fresh.listener)
        # No container is shared with the default state.
        for name, value in vars(fresh).items():
            if isinstance(value, (dict, list)):
                self.assertIsNot(value, vars(default)[name], name)
        with fresh.use():
            self.assertEqual(_host.installed(), [])
            plan = reloader.plan(self.pkg)  # the fresh table looks at sys.modules itself
            self.assertEqual(plan.names, [self.pkg])
        self.assertIn(self.pkg, fresh.table.infos)

    def test_a_reload_in_a_fresh_state_leaves_the_default_one_untouched(self) -> None:
        self.write("{pkg}/__init__.py", "from .core import greet\n")
        self.write("{pkg}/core.py", "def greet():\n    return 1\n")
        self.load("{pkg}")
        held = self.mod("{pkg}.core").greet
        default = _state.DEFAULT
        reloader.plan(self.pkg)  # the default table and index know the package
        old_modules = {name: sys.modules[name] for name in (self.pkg, self.pkg + ".core")}
        gc.collect()
        seen = dict(default.table.seen)
        infos = dict(default.table.infos)
        edges = dict(default.index.edges)
        versions = set(default.versions)
        replaced = list(default.replaced)
        fresh = _state.State()
        with fresh.use():
            self.write("{pkg}/core.py", "def greet():\n    return 2\n")
            report = reloader.reload(self.pkg)
            self.assertTrue(report.ok, report.format())
        new = self.mod("{pkg}.core").greet
        self.assertEqual(held(), 2)
        self.assertIsNot(sys.modules[self.pkg], old_modules[self.pkg])
        # The fresh state learnt the reload...
        self.assertIs(fresh.table.seen[self.pkg], sys.modules[self.pkg])
        self.assertIn(self.pkg + ".core", fresh.index.edges)
        self.assertIn(id(new), fresh.versions)
        self.assertTrue(fresh.replaced)
        # ...and the default one is as it was: it still holds the modules it last saw.
        for name, module in old_modules.items():
            self.assertIs(default.table.seen[name], module)
        self.assertEqual(default.table.seen, seen)
        self.assertEqual(default.table.infos, infos)
        self.assertEqual(default.index.edges, edges)
        self.assertNotIn(id(new), default.versions)
        self.assertLessEqual(set(default.versions), versions)  # only dead ones may go
        self.assertEqual(default.replaced, replaced)
        # The default state catches up by itself at its next look.
        self.assertEqual(reloader.plan(self.pkg + ".core").names, [self.pkg, self.pkg + ".core"])
        self.assertIs(default.table.seen[self.pkg], sys.modules[self.pkg])

    def test_the_default_state_is_back_when_the_block_raises(self) -> None:
        self.write("{pkg}/__init__.py", "VALUE = 1\n")
        module = self.load("{pkg}")
        fresh = _state.State()
        with self.assertRaises(reloader.ReloadError):
            with fresh.use():
                self.write("{pkg}/__init__.py", "VALUE = (\n")
                reloader.reload(self.pkg)
        self.assertIs(_state.current(), _state.DEFAULT)
        self.assertIs(sys.modules[self.pkg], module)
        with self.assertRaisesRegex(KeyError, "inside"):
            with fresh.use():
                self.assertIs(_state.current(), fresh)
                raise KeyError("inside")
        self.assertIs(_state.current(), _state.DEFAULT)

    def test_blocks_nest_and_each_brings_back_the_one_before(self) -> None:
        first, second = _state.State(), _state.State()
        with first.use():
            with second.use():
                self.assertIs(_state.current(), second)
                with _state.DEFAULT.use():
                    self.assertIs(_state.current(), _state.DEFAULT)
                self.assertIs(_state.current(), second)
            self.assertIs(_state.current(), first)
            with first.use():
                self.assertIs(_state.current(), first)
            self.assertIs(_state.current(), first)
        self.assertIs(_state.current(), _state.DEFAULT)

    def test_protected_prefixes_belong_to_their_state(self) -> None:
        self.write("{pkg}/__init__.py", "VALUE = 1\n")
        self.load("{pkg}")
        fresh = _state.State()
        with fresh.use():
            uninstall = reloader.use_host(reloader.Host("guard", protected=[self.pkg]))
            with self.assertRaisesRegex(ValueError, "selects only protected modules"):
                reloader.plan(self.pkg)
        self.assertEqual(reloader.plan(self.pkg).names, [self.pkg])
        with fresh.use():
            uninstall()
            self.assertEqual(reloader.plan(self.pkg).names, [self.pkg])

    def test_namespaces_and_listeners_belong_to_their_state(self) -> None:
        namespace = {}
        self.addCleanup(reloader.rebind_namespace(namespace))
        with _state.State().use():
            self.assertNotIn(namespace, _state.current().namespaces)
            self.assertIsNone(_serve.listening())
        self.assertIn(namespace, _state.current().namespaces)


if __name__ == "__main__":
    unittest.main()
