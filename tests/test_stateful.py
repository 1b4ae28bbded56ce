"""Stateful property tests: random edits, breakages, new and deleted modules, reloads.

A generated package has modules m0, m1, ... that import each other (cycles
included); each has a VERSION and a `value()` returning its VERSION and those
of its imports. Rules edit the files; after every reload (through `reload()`
or a Watcher's `check()`) the invariants are checked against a model of what
is on disk. RELOADER_STATEFUL_SCALE=N multiplies the number of examples.
"""

import importlib
import itertools
import os
import shutil
import sys
import tempfile
import types
import unittest
import uuid
from typing import Any, Callable, Dict, List, Set, Tuple

import reloader
from reloader import _reuse, _state

try:
    from hypothesis import HealthCheck, settings
    from hypothesis import strategies as st
    from hypothesis.stateful import (
        RuleBasedStateMachine,
        initialize,
        invariant,
        precondition,
        rule,
    )
except ImportError:  # pragma: no cover - hypothesis is optional
    RuleBasedStateMachine = None  # type: ignore[misc,assignment]

_counter = itertools.count()
#: Steps run (rules, including the first), for the run to show how many it did.
STEPS = [0]
_SCALE = int(os.environ.get("RELOADER_STATEFUL_SCALE", "1") or "1")


def _write(path: str, text: str, tick: List[int]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    # Every write lands on a later whole second than any before: no sleeps.
    tick[0] += 2
    stamp = 1700000000 + tick[0]
    os.utime(path, ns=(stamp * 10**9, stamp * 10**9))


def _has_live_update() -> bool:
    """Whether a reload makes an old function run the new code (feature check)."""
    root = tempfile.mkdtemp(prefix="reloader-probe-")
    name = "probe_{}".format(uuid.uuid4().hex[:8])
    tick = [0]
    sys.path.insert(0, root)
    try:
        os.mkdir(os.path.join(root, name))
        _write(os.path.join(root, name, "__init__.py"), "def f():\n    return 1\n", tick)
        importlib.invalidate_caches()
        old = importlib.import_module(name).f
        _write(os.path.join(root, name, "__init__.py"), "def f():\n    return 2\n", tick)
        reloader.reload(name)
        return bool(old() == 2)
    finally:
        sys.path.remove(root)
        for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
            del sys.modules[key]
        shutil.rmtree(root, True)


if RuleBasedStateMachine is None:

    @unittest.skip("hypothesis is not installed")
    class PackageMachineTest(unittest.TestCase):
        def test_skipped(self) -> None:
            pass  # pragma: no cover

else:
    LIVE_UPDATE = _has_live_update()
    names_strategy = st.integers(min_value=0, max_value=1000)

    class PackageMachine(RuleBasedStateMachine):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.root = tempfile.mkdtemp(prefix="reloader-stateful-")
            self.pkg = "spkg_{}_{}".format(uuid.uuid4().hex[:8], next(_counter))
            self.folder = os.path.join(self.root, self.pkg)
            os.mkdir(self.folder)
            self.saved_path = list(sys.path)
            sys.path.insert(0, self.root)
            self.saved_bytecode = sys.dont_write_bytecode
            sys.dont_write_bytecode = True
            self.tick = [0]
            self.versions: Dict[str, int] = {}
            self.imports: Dict[str, List[str]] = {}
            self.broken: Set[str] = set()
            self.next_module = 0
            self.next_version = itertools.count(100)
            # A fake host: old callbacks captured before each reload, with
            # the module they came from and what they returned then.
            self.held: List[Tuple[str, Callable[[], object], object]] = []
            self.watcher: Any = None

        def teardown(self) -> None:
            if self.watcher is not None:
                self.watcher.stop()
            sys.path[:] = self.saved_path
            sys.dont_write_bytecode = self.saved_bytecode
            for name in [n for n in sys.modules if self._ours(n)]:
                del sys.modules[name]
            shutil.rmtree(self.root, True)

        # ------------------------------------------------------------ files

        def _ours(self, name: str) -> bool:
            return name == self.pkg or name.startswith(self.pkg + ".")

        def _source(self, short: str) -> str:
            imports = self.imports[short]
            lines = ["from . import {}\n".format(i) for i in imports]
            lines.append("VERSION = {}\n\n".format(self.versions[short]))
            pairs = "".join("({!r}, {}.VERSION), ".format(i, i) for i in imports)
            lines.append("def value():\n    return (VERSION, ({}))\n".format(pairs))
            if short in self.broken:
                lines.append("def broken(:\n")
            return "".join(lines)

        def _write_module(self, short: str) -> None:
            _write(os.path.join(self.folder, short + ".py"), self._source(short), self.tick)

        def _write_init(self) -> None:
            text = "".join("from . import {}\n".format(n) for n in sorted(self.versions))
            _write(os.path.join(self.folder, "__init__.py"), text, self.tick)

        def expected(self, short: str) -> object:
            return (self.versions[short],
                    tuple((i, self.versions[i]) for i in self.imports[short]))

        def _module_names(self) -> List[str]:
            return sorted(self.versions)

        # ------------------------------------------------------------ rules

        @initialize(
            graph=st.lists(st.lists(st.integers(min_value=0, max_value=4), max_size=3),
                           min_size=2, max_size=5),
            watch=st.booleans(),
        )
        def create(self, graph: List[List[int]], watch: bool) -> None:
            count = len(graph)
            for number in range(count):
                self.versions["m{}".format(number)] = next(self.next_version)
            for number, targets in enumerate(graph):
                short = "m{}".format(number)
                self.imports[short] = sorted(
                    {"m{}".format(t % count) for t in targets} - {short})
            self.next_module = count
            for short in self.versions:
                self._write_module(short)
            self._write_init()
            importlib.invalidate_caches()
            importlib.import_module(self.pkg)
            watcher_type = getattr(reloader, "Watcher", None)
            if watch and watcher_type is not None:
                self.watcher = watcher_type(self.root, debounce=0)
            self._check_runs()

        @rule(which=names_strategy)
        def edit(self, which: int) -> None:
            short = self._module_names()[which % len(self.versions)]
            self.versions[short] = next(self.next_version)
            self._write_module(short)

        @rule(which=names_strategy)
        def break_module(self, which: int) -> None:
            short = self._module_names()[which % len(self.versions)]
            self.broken.add(short)
            self._write_module(short)

        @precondition(lambda self: bool(self.broken))
        @rule(which=names_strategy)
        def fix_module(self, which: int) -> None:
            short = sorted(self.broken)[which % len(self.broken)]
            self.broken.discard(short)
            self._write_module(short)

        @precondition(lambda self: len(self.versions) < 8)
        @rule(importer=names_strategy, imports=st.lists(names_strategy, max_size=2))
        def add_module(self, importer: int, imports: List[int]) -> None:
            existing = self._module_names()
            short = "m{}".format(self.next_module)
            self.next_module += 1
            self.versions[short] = next(self.next_version)
            self.imports[short] = sorted({existing[i % len(existing)] for i in imports})
            self._write_module(short)
            user = existing[importer % len(existing)]
            self.imports[user] = sorted(set(self.imports[user]) | {short})
            self._write_module(user)
            self._write_init()

        @precondition(lambda self: len(self.versions) > 2)
        @rule(which=names_strategy)
        def delete_module(self, which: int) -> None:
            short = self._module_names()[which % len(self.versions)]
            os.unlink(os.path.join(self.folder, short + ".py"))
            del self.versions[short]
            del self.imports[short]
            self.broken.discard(short)
            for other, imports in self.imports.items():
                if short in imports:
                    imports.remove(short)
                    self._write_module(other)
            self._write_init()

        @rule()
        def reload_package(self) -> None:
            before = self._before()
            try:
                report = reloader.reload(self.pkg)
            except reloader.ReloadError as error:
                report = error.report
            self._after(before, report)

        @rule()
        def watcher_check(self) -> None:
            if self.watcher is None:
                return  # no Watcher on this branch, or this example does not watch
            before = self._before()
            report = self.watcher.check()
            if report is None:
                self._assert_unchanged(before)
                return
            self._after(before, report)

        # ------------------------------------------------------- invariants

        def _before(self) -> Dict[str, types.ModuleType]:
            self.held = []
            for name, module in list(sys.modules.items()):
                if self._ours(name) and name != self.pkg and hasattr(module, "value"):
                    function = module.value
                    self.held.append((name, function, function()))
            return {n: m for n, m in sys.modules.items() if self._ours(n)}

        def _assert_unchanged(self, before: Dict[str, types.ModuleType]) -> None:
            now = {n: m for n, m in sys.modules.items() if self._ours(n)}
            assert sorted(now) == sorted(before), (sorted(now), sorted(before))
            for name, module in before.items():
                assert now[name] is module, name + " is not the old module"
                parent, _, child = name.rpartition(".")
                if parent in before:
                    assert getattr(before[parent], child, None) is module, name
            for name, function, result in self.held:
                assert function() == result, name

        def _after(self, before: Dict[str, types.ModuleType], report: Any) -> None:
            if self.broken:
                assert report.error is not None, "a broken module reloaded: {}".format(report)
            if report.error is not None:
                assert report.rolled_back, report.format()
                self._assert_unchanged(before)
                assert self.broken, "the reload failed with nothing broken: " + report.format()
                return
            self._check_runs()
            # Only what the change reaches runs again (and the report says
            # so); what stays must not hold a module that was replaced.
            old = {id(m) for n, m in before.items() if sys.modules.get(n) is not m}
            for name, module in sys.modules.items():
                if not self._ours(name):
                    continue
                if name in before:
                    replaced = module is not before[name]
                    assert replaced == (name in report.reloaded), (name, report.format())
                for key, value in vars(module).items():
                    if isinstance(value, types.ModuleType):
                        assert id(value) not in old, "{}.{} is an old module".format(name, key)
            for name, function, result in self.held:
                short = name.rpartition(".")[2]
                if LIVE_UPDATE and short in self.versions:
                    assert function() == self.expected(short), name
                elif not LIVE_UPDATE:
                    # Without live update an old function runs its old code.
                    assert function() == result, name

        def _check_runs(self) -> None:
            for short in self.versions:
                name = "{}.{}".format(self.pkg, short)
                module = sys.modules.get(name)
                assert module is not None, name + " is not loaded"
                assert module.value() == self.expected(short), (
                    name, module.value(), self.expected(short))
            gone = [n for n in sys.modules if self._ours(n) and n != self.pkg
                    and n.rpartition(".")[2] not in self.versions]
            assert not gone, "deleted modules still loaded: {}".format(gone)

        @invariant()
        def one_version_reachable(self) -> None:
            STEPS[0] += 1
            # No module of the package holds another version of a module.
            for name, module in list(sys.modules.items()):
                if not self._ours(name):
                    continue
                for key, value in vars(module).items():
                    if isinstance(value, types.ModuleType) and self._ours(value.__name__):
                        assert sys.modules.get(value.__name__) is value, (
                            "{}.{} is not the loaded {}".format(name, key, value.__name__))

        @invariant()
        def kept_selection_is_made_anew(self) -> None:
            # The last reload's kept selection answers as a selection made anew.
            kept = _state.current().reuse
            if kept is None:
                return
            names = kept.key[0]
            if not all(name in sys.modules for name in names):
                return  # another question now: the kept one cannot answer it
            answer = reloader.plan(*names).format()
            _reuse.ENABLED = False
            try:
                assert reloader.plan(*names).format() == answer, answer
            finally:
                _reuse.ENABLED = True

    PackageMachine.TestCase.settings = settings(
        max_examples=100 * _SCALE,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )

    class PackageMachineTest(PackageMachine.TestCase):  # type: ignore[misc,valid-type]
        """Runs the machine; counts steps so the run proves it did enough."""


if __name__ == "__main__":
    unittest.main()
