"""State kept between calls lives on one object: a fresh State reloads on its own."""

import sys
import unittest

import reloader
from reloader import _discovery, _graph, _host, _serve, _state, _update
from tests.support import PackageCase


class StateTest(PackageCase):
    def test_a_fresh_state_reloads_with_its_own_table_index_and_hosts(self) -> None:
        self.write("{pkg}/__init__.py", "from .core import VALUE\n")
        self.write("{pkg}/core.py", "VALUE = 1\n")
        self.load("{pkg}")
        default_table, default_index = _discovery.table, _graph.index
        outside = reloader.Host("outside")
        self.addCleanup(reloader.use_host(outside))
        fresh = _state.State()
        calls = []
        with fresh.use():
            self.assertIs(_state.current(), fresh)
            self.assertIsNot(_discovery.table, default_table)
            self.assertIsNot(_graph.index, default_index)
            self.assertEqual(_host.installed(), [])  # the default state's host is not here
            host = reloader.Host("inside", hooks=[
                lambda names, owned: lambda imported: calls.append((list(names), imported))])
            uninstall = reloader.use_host(host)
            self.write("{pkg}/core.py", "VALUE = 2\n")
            report = reloader.reload(self.pkg)
            self.assertTrue(report.ok, report.format())
            self.assertEqual(sys.modules[self.pkg].VALUE, 2)
            self.assertEqual(calls, [([self.pkg, self.pkg + ".core"], True)])
            table = _discovery.table
            self.assertIn(self.pkg, table.infos)  # the fresh table saw the reload
        self.assertIs(_state.current(), _state.DEFAULT)
        self.assertIs(_discovery.table, default_table)
        self.assertIs(_graph.index, default_index)
        self.assertEqual(_host.installed()[-1:], [outside])
        self.assertNotIn(host, _host.installed())
        # The default state goes on, and the fresh one keeps what it learnt.
        self.write("{pkg}/core.py", "VALUE = 3\n")
        self.assertTrue(reloader.reload(self.pkg).ok)
        self.assertEqual(sys.modules[self.pkg].VALUE, 3)
        self.assertEqual(len(calls), 1)  # the inside host is not installed here
        with fresh.use():
            self.assertIs(_discovery.table, table)
            self.assertEqual(_host.installed(), [host])
            uninstall()
            self.assertEqual(_host.installed(), [])

    def test_namespaces_and_listeners_belong_to_their_state(self) -> None:
        namespace = {}
        self.addCleanup(reloader.rebind_namespace(namespace))
        with _state.State().use():
            self.assertNotIn(namespace, _update._namespaces)
            self.assertIsNone(_serve.listening())
        self.assertIn(namespace, _update._namespaces)

    def test_the_default_state_is_not_used_from_inside_another(self) -> None:
        with _state.State().use():
            with self.assertRaisesRegex(RuntimeError, "^the default state comes back"):
                with _state.DEFAULT.use():
                    pass


if __name__ == "__main__":
    unittest.main()
