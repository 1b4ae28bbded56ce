"""Fault injection: break a reload at every step and check nothing is left half done.

The package under test has seven modules (one import cycle among them) and an
outside module that imports it; a fake host holds old callbacks. Each fault
is followed by the same checks: the interpreter still imports and runs code,
the package's `sys.modules` entries are all the old objects or all new ones,
nothing the failed attempt imported is left behind, parent attributes are the
old objects, and the error names the module and the file and line.
"""

import _imp
import functools
import importlib
import os
import random
import shutil
import signal
import sys
import threading
import types
import unittest
import uuid
from typing import Any, Callable, Dict, List, Optional, Tuple
from unittest import mock

import reloader
from reloader import _report as reloader_report
from reloader import _steps, _update
from tests.support import PackageCase

RELOADER_DIR = os.path.dirname(os.path.realpath(reloader.__file__))
# Weak reference callbacks in reloader: an exception there is printed and dropped.
_CALLBACKS = ("<lambda>", "forget")

# name (relative to the package) -> source; {v} is the version written.
MODULES = {
    "__init__": "VERSION = {v}\n",
    "base": "VERSION = {v}\n\ndef value():\n    return VERSION\n",
    "util": "from . import base\n\ndef value():\n    return ('util', {v}, base.value())\n",
    "model": (
        "from .util import value as util_value\n\n"
        "class Thing:\n"
        "    def method(self):\n"
        "        return ('model', {v}, util_value())\n"
    ),
    "cycle_a": (
        "from . import cycle_b\n\n"
        "def value():\n    return ('a', {v}, cycle_b.VERSION)\n"
    ),
    "cycle_b": "from . import cycle_a\n\nVERSION = {v}\n",
    "app": (
        "from . import model, cycle_a\n"
        "from registry_{pkg} import log\n\n"
        "def run():\n    return ('app', {v}, model.Thing().method(), cycle_a.value())\n\n"
        "def __before_reload__():\n    log.append(('before', __name__))\n    return {v}\n\n"
        "def __after_reload__(state):\n    log.append(('after', __name__))\n"
    ),
}
CLIENT = "from {pkg}.app import run\nfrom {pkg} import model\n\nVERSION = {v}\n"


def source(name: str, version: int) -> str:
    return MODULES[name].replace("{v}", str(version))


def expected_run(version: int) -> object:
    v = version
    return ("app", v, ("model", v, ("util", v, v)), ("a", v, v))


class Snapshot:
    """The package's sys.modules entries and parent attributes at one moment."""

    def __init__(self, names: List[str]) -> None:
        self.modules: Dict[str, object] = {n: sys.modules[n] for n in names}
        self.attributes: Dict[Tuple[str, str], object] = {}
        for name in names:
            parent, _, child = name.rpartition(".")
            if parent in self.modules:
                self.attributes[(parent, child)] = getattr(self.modules[parent], child, None)


class FaultCase(PackageCase):
    """A package of seven modules plus an outside importer, and the checks."""

    def setUp(self) -> None:
        super().setUp()
        # Identical code paths on every attempt: never read bytecode caches.
        saved = sys.dont_write_bytecode
        sys.dont_write_bytecode = True
        self.addCleanup(setattr, sys, "dont_write_bytecode", saved)
        self.client = "{}_client".format(self.pkg)
        self.write("registry_{pkg}.py", "log = []\n")
        self.write_all(1)
        self.load(self.client)
        self.registry = self.load("registry_{pkg}")
        self.order = reloader.plan(self.pkg).names
        # A fake host: callbacks and instances taken from the old code.
        self.held: List[Callable[[], object]] = [
            self.mod(self.client).run,
            self.mod("{pkg}.model").Thing().method,
        ]
        self.held_results = [cb() for cb in self.held]
        self.meta_path = list(sys.meta_path)
        self.sys_path = list(sys.path)

    def write_all(self, version: int) -> None:
        for name, text in MODULES.items():
            self.write(self.file_of(name), text.replace("{v}", str(version)))
        self.write(self.client + ".py", CLIENT.replace("{v}", str(version)))

    def file_of(self, name: str) -> str:
        """The relative path of package module `name` ('base' or '{pkg}.base')."""
        short = name.rpartition(".")[2] if name != self.pkg else "__init__"
        if name == self.client:
            return self.client + ".py"
        return "{pkg}/" + short + ".py"

    def names(self) -> List[str]:
        """The package's and the client's sys.modules entries, in order."""
        return [n for n in sys.modules if n == self.client or n == self.pkg
                or n.startswith(self.pkg + ".")]

    # ---------------------------------------------------------------- checks

    def assert_machinery_intact(self) -> None:
        self.assertFalse(_imp.lock_held(), "the import lock is still held")
        self.assertEqual(sys.meta_path, self.meta_path)
        self.assertEqual(sys.path, self.sys_path)
        self.assertIsNone(sys.gettrace())

    def assert_interpreter_works(self, held_unchanged: bool = True) -> None:
        """Fresh code imports and runs; the host's old callbacks still run.

        After a failed reload they return exactly what they did before; after
        a successful one what they return becomes the new baseline (live
        update may make them run the new code).
        """
        self.assert_machinery_intact()
        fresh = "fresh_{}".format(uuid.uuid4().hex[:8])
        self.write(fresh + ".py", "def answer():\n    return 42\n")
        self.assertEqual(self.load(fresh).answer(), 42)
        results = [cb() for cb in self.held]
        if held_unchanged:
            self.assertEqual(results, self.held_results)
        self.held_results = results

    def assert_all_old(self, before: Snapshot) -> None:
        self.assert_interpreter_works()
        now = self.names()
        self.assertEqual(sorted(now), sorted(before.modules), "entries added or lost")
        for name, module in before.modules.items():
            self.assertIs(sys.modules[name], module, name)
        for (parent, child), value in before.attributes.items():
            self.assertIs(getattr(sys.modules[parent], child, None), value,
                          "{}.{}".format(parent, child))

    def assert_all_new(self, before: Snapshot, version: int) -> None:
        self.assert_interpreter_works(held_unchanged=False)
        old = {id(m) for m in before.modules.values()}
        for name in before.modules:
            module = sys.modules[name]
            self.assertIsNot(module, before.modules[name], name + " was not reloaded")
            for key, value in vars(module).items():
                if isinstance(value, types.ModuleType):
                    self.assertNotIn(id(value), old, "{}.{} is an old module".format(name, key))
        for (parent, child) in before.attributes:
            self.assertIs(getattr(sys.modules[parent], child), sys.modules[parent + "." + child])
        self.assertEqual(self.mod(self.client).run(), expected_run(version))

    def assert_one_state(self, before: Snapshot, version: int) -> bool:
        """All old or all new; returns True when new."""
        current = [sys.modules.get(name) for name in before.modules]
        if all(m is before.modules[n] for m, n in zip(current, before.modules)):
            self.assert_all_old(before)
            return False
        self.assert_all_new(before, version)
        return True

    def assert_hooks_balanced(self) -> None:
        log = self.registry.log
        self.assertEqual(log.count(("before", self.pkg + ".app")),
                         log.count(("after", self.pkg + ".app")), log)

    def fail_reload(self, *targets: object) -> reloader.ReloadError:
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(*(targets or (self.pkg,)))
        return caught.exception


class ModuleFaults(FaultCase):
    def test_plan_covers_the_package_and_the_importer(self) -> None:
        self.assertEqual(len(self.order), 8)
        self.assertEqual(self.order[0], self.pkg)
        self.assertEqual(self.order[-1], self.client)
        cycles = reloader.plan(self.pkg).cycles
        self.assertEqual([sorted(c) for c in cycles],
                         [[self.pkg + ".cycle_a", self.pkg + ".cycle_b"]])

    def test_exception_in_each_module_in_import_order(self) -> None:
        # First, every middle one, last: each in turn.
        self.write_all(2)
        for name in self.order:
            with self.subTest(module=name):
                relative = self.file_of(name)
                path = self.path(relative)
                with open(path) as handle:
                    good = handle.read()
                line = good.count("\n") + 1
                self.write(relative, good + "raise RuntimeError('broken {}')\n".format(name))
                before = Snapshot(self.names())
                error = self.fail_reload()
                self.assert_all_old(before)
                self.assertEqual(error.module, name)
                self.assertEqual((error.filename, error.lineno), (path, line))
                self.assertEqual(
                    str(error),
                    "reloading {!r} failed at {}:{}: RuntimeError: broken {}; restored 8 "
                    "modules to their previous state".format(name, path, line, name),
                )
                self.write(relative, good)
        self.assert_hooks_balanced()
        before = Snapshot(self.names())
        reloader.reload(self.pkg)
        self.assert_all_new(before, 2)

    def test_error_raised_in_an_imported_module_names_that_module(self) -> None:
        # base raises only when util imports it again: the fault is in base.
        self.write_all(2)
        path = self.write("{pkg}/base.py", "import sys\nVERSION = 2\nif 1:\n    1 / 0\n")
        before = Snapshot(self.names())
        error = self.fail_reload()
        self.assert_all_old(before)
        self.assertEqual((error.module, error.filename, error.lineno),
                         (self.pkg + ".base", path, 4))

    def test_before_reload_hook_failure_is_a_warning(self) -> None:
        self.write_all(2)
        text = source("app", 2).replace(
            "def __before_reload__():\n",
            "def __before_reload__():\n    raise ValueError('cannot save')\n",
        )
        # The old module's hook is the one that runs: put it in the old code.
        self.write("{pkg}/app.py", text)
        reloader.reload(self.pkg)
        self.write_all(3)
        before = Snapshot(self.names())
        report = reloader.reload(self.pkg)
        self.assert_all_new(before, 3)
        path = self.path("{pkg}/app.py")
        self.assertEqual(report.warnings, [
            "__before_reload__ of {!r} failed at {}:8: ValueError: cannot save".format(
                self.pkg + ".app", path)
        ])

    def test_after_reload_hook_failure_keeps_the_new_code(self) -> None:
        text = source("app", 2).replace(
            "def __after_reload__(state):\n",
            "def __after_reload__(state):\n    raise ValueError('cannot restore ' + repr(state))\n",
        )
        self.write_all(2)
        path = self.write("{pkg}/app.py", text)
        before = Snapshot(self.names())
        error = self.fail_reload()
        self.assert_all_new(before, 2)
        self.assertFalse(error.report.rolled_back)
        self.assertEqual(
            str(error),
            "reloading {!r} failed at {}:12: ValueError: cannot restore 1; the new code stays "
            "loaded".format(self.pkg + ".app", path),
        )

    def test_keyboard_interrupt_from_module_code(self) -> None:
        self.write_all(2)
        for name in (self.order[0], self.order[4], self.order[-1]):
            with self.subTest(module=name):
                relative = self.file_of(name)
                with open(self.path(relative)) as handle:
                    good = handle.read()
                self.write(relative, good + "raise KeyboardInterrupt\n")
                before = Snapshot(self.names())
                with self.assertRaises(KeyboardInterrupt):
                    reloader.reload(self.pkg)
                self.assert_all_old(before)
                self.write(relative, good)
        self.assert_hooks_balanced()

    @unittest.skipUnless(hasattr(os, "kill") and os.name == "posix", "needs POSIX signals")
    def test_keyboard_interrupt_from_a_signal_handler(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            self.skipTest("signal handlers run only on the main thread")
        # The default SIGINT handler raises KeyboardInterrupt at the next
        # bytecode boundary of the main thread: deterministic, inside the import.
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        self.addCleanup(signal.signal, signal.SIGINT, previous)
        self.write_all(2)
        self.write("{pkg}/model.py", "import os, signal\nos.kill(os.getpid(), signal.SIGINT)\n"
                   + source("model", 2) + "for _ in range(1000):\n    pass\n")
        before = Snapshot(self.names())
        with self.assertRaises(KeyboardInterrupt):
            reloader.reload(self.pkg)
        self.assert_all_old(before)
        self.assert_hooks_balanced()

    def test_keyboard_interrupt_at_every_call_of_the_reload(self) -> None:
        # A trace hook raises KeyboardInterrupt as each function of reloader,
        # and each module body of the package, starts (where CPython runs a
        # pending signal handler), at every distinct place once per attempt.
        # Not inside `with` or `finally` lines themselves: no pure-Python code
        # (nor the import machinery's own locks) survives an exception there.
        self.write_all(2)
        points = self._trace_reload(None)
        self.assertGreater(len(points), 50)
        self.assert_interpreter_works(held_unchanged=False)  # live update: a new baseline
        before = Snapshot(self.names())
        previous = None
        for point in points:
            try:
                try:
                    self._trace_reload(point)
                except KeyboardInterrupt:
                    pass  # else it hit a weakref callback, where Python ignores it
                self.assertIsNone(sys.gettrace())
                if self.assert_one_state(before, 2):
                    # The new code is in; an interrupt before its
                    # __after_reload__ ran leaves the handed-over state unused.
                    before = Snapshot(self.names())
                    self.registry.log[:] = []
                else:
                    self.assert_hooks_balanced()
            except AssertionError as error:
                raise AssertionError("interrupted at {} (the attempt before at {}): "
                                     "{}".format(point, previous, error)) from error
            except RuntimeError as error:
                raise AssertionError(
                    "after an interrupt at {}: {}".format(previous, error)
                ) from error
            previous = point

    def _trace_reload(self, stop: Optional[Tuple[str, str, int]]) -> List[Tuple[str, str, int]]:
        """Reload; raise KeyboardInterrupt when point `stop` is first reached.

        Returns the distinct points reached, in the order first reached: a
        point is (file, function, first line).
        """
        seen: Dict[Tuple[str, str, int], None] = {}
        package = os.path.realpath(self.path("{pkg}"))

        def start(frame: Any, event: str, arg: Any) -> Any:
            code = frame.f_code
            filename = code.co_filename
            # (Not weakref callbacks: Python prints and drops their errors.)
            inside = filename.startswith(RELOADER_DIR) and code.co_name not in _CALLBACKS or (
                code.co_name == "<module>" and os.path.realpath(filename).startswith(package)
            )
            if inside and event == "call":
                point = (os.path.basename(filename), code.co_name, code.co_firstlineno)
                if point == stop:
                    raise KeyboardInterrupt("{} {}:{}".format(point[1], point[0], point[2]))
                seen[point] = None
            return None

        sys.settrace(start)
        try:
            reloader.reload(self.pkg)
        finally:
            sys.settrace(None)
        return list(seen)

    def test_module_replaced_in_sys_modules_by_a_module_object(self) -> None:
        swap = (
            "import sys, types\nVERSION = {v}\n\n"
            "class Wrapper(types.ModuleType):\n"
            "    def value(self):\n        return VERSION\n\n"
            "_wrapper = Wrapper(__name__)\n_wrapper.__dict__.update(globals())\n"
            "sys.modules[__name__] = _wrapper\n"
        )
        self.write("{pkg}/swap.py", swap.replace("{v}", "1"))
        self.write("{pkg}/app.py", source("app", 1) + "from . import swap\n")
        self.load("{pkg}.app")
        reloader.reload(self.pkg)
        old = self.mod("{pkg}.swap")
        self.assertEqual(old.value(), 1)
        self.assertIs(self.mod("{pkg}.app").swap, old)

        # Failing: the wrapper that replaced the module comes back.
        self.write("{pkg}/swap.py", swap.replace("{v}", "2"))
        self.write("{pkg}/cycle_b.py", source("cycle_b", 2) + "undefined_name\n")
        before = Snapshot(self.names())
        error = self.fail_reload()
        self.assertEqual(error.module, self.pkg + ".cycle_b")
        self.assert_all_old(before)
        self.assertIs(self.mod("{pkg}.swap"), old)

        # Succeeding: the new wrapper, in sys.modules and in its importers.
        self.write("{pkg}/cycle_b.py", source("cycle_b", 2))
        self.write_all(2)
        self.write("{pkg}/app.py", source("app", 2) + "from . import swap\n")
        reloader.reload(self.pkg)
        new = self.mod("{pkg}.swap")
        self.assertIsNot(new, old)
        self.assertEqual(new.value(), 2)
        self.assertIs(self.mod("{pkg}.app").swap, new)
        self.assertIs(self.mod(self.pkg).swap, new)
        self.assert_all_new(before, 2)

    def test_module_replaced_in_sys_modules_by_a_plain_object(self) -> None:
        # Not a module: reloader leaves the entry alone (documented), and a
        # failing reload puts everything else back around it.
        self.write("{pkg}/const.py", "import sys\nclass C:\n    VERSION = 1\n"
                   "sys.modules[__name__] = C()\n")
        self.load("{pkg}.const")
        entry = self.mod("{pkg}.const")
        self.write_all(2)
        self.write("{pkg}/base.py", "raise OSError('no disk')\n")
        before = Snapshot(self.names())
        self.fail_reload()
        self.assert_all_old(before)
        self.assertIs(self.mod("{pkg}.const"), entry)
        self.write_all(2)
        report = reloader.reload(self.pkg)
        self.assertNotIn(self.pkg + ".const", report.reloaded)
        self.assertIs(self.mod("{pkg}.const"), entry)

    def test_circular_import_that_fails(self) -> None:
        self.write_all(2)
        # Each now needs a name the other defines after its own import.
        self.write("{pkg}/cycle_a.py", "from .cycle_b import VERSION\n\ndef value():\n"
                   "    return ('a', 2, VERSION)\n")
        self.write("{pkg}/cycle_b.py", "from .cycle_a import value\n\nVERSION = 2\n")
        before = Snapshot(self.names())
        error = self.fail_reload()
        self.assert_all_old(before)
        self.assertIsInstance(error.__cause__, ImportError)
        # The first of the cycle imports the second, which finds the first
        # partially initialized: the fault is at the second one's first line.
        second = [n for n in self.order if ".cycle_" in n][1]
        self.assertEqual((error.module, error.filename, error.lineno),
                         (second, self.path(self.file_of(second)), 1))
        self.assertIn("ImportError: cannot import name", str(error))


class FileFaults(FaultCase):
    def _replace_with_garbage(self, relative: str) -> str:
        path = self.path(relative)
        with open(path, "wb") as handle:
            handle.write(random.Random(7).getrandbits(8 * 4096).to_bytes(4096, "little"))
        self.advance(path)
        return path

    def test_binary_garbage(self) -> None:
        self.write_all(2)
        path = self._replace_with_garbage("{pkg}/util.py")
        before = Snapshot(self.names())
        error = self.fail_reload()
        self.assert_all_old(before)
        self.assertEqual(error.module, self.pkg + ".util")
        self.assertEqual(error.filename, path)
        self.assertIsNone(error.lineno)
        self.assertTrue(str(error).startswith(
            "reloading {!r} failed at {}: ".format(self.pkg + ".util", path)), str(error))
        self.assertTrue(str(error).endswith("; nothing was changed"), str(error))

    def test_file_disappears(self) -> None:
        self.write_all(2)
        os.unlink(self.path("{pkg}/base.py"))
        before = Snapshot(self.names())
        error = self.fail_reload()
        self.assert_all_old(before)
        # util imports base: the error points at that import statement.
        self.assertEqual(error.module, self.pkg + ".util")
        self.assertEqual((error.filename, error.lineno), (self.path("{pkg}/util.py"), 1))
        self.assertIsInstance(error.__cause__, ImportError)

    def test_file_nobody_imports_disappears(self) -> None:
        self.write("{pkg}/spare.py", "X = 1\n")
        self.load("{pkg}.spare")
        self.write_all(2)
        os.unlink(self.path("{pkg}/spare.py"))
        before = Snapshot([n for n in self.names() if n != self.pkg + ".spare"])
        report = reloader.reload(self.pkg)
        self.assertEqual(report.removed, (self.pkg + ".spare",))
        self.assertNotIn(self.pkg + ".spare", sys.modules)
        self.assertFalse(hasattr(self.mod(self.pkg), "spare"))
        self.assert_all_new(before, 2)

    def _make_unreadable(self, path: str) -> str:
        """Make `path` unreadable; returns how (root reads through chmod 000)."""
        os.chmod(path, 0)
        self.addCleanup(lambda: os.path.islink(path) or os.chmod(path, 0o644))
        try:
            with open(path, "rb"):
                pass
        except PermissionError:
            return "chmod"
        os.chmod(path, 0o644)
        # Running as root: a regular file that stats fine and fails to read.
        if os.path.exists("/proc/self/mem"):
            os.unlink(path)
            os.symlink("/proc/self/mem", path)
            return "eio"
        self.skipTest("cannot make a file unreadable for this user")
        raise AssertionError  # unreachable

    def test_file_becomes_unreadable(self) -> None:
        self.write_all(2)
        path = self.path("{pkg}/model.py")
        self._make_unreadable(path)
        importlib.invalidate_caches()
        before = Snapshot(self.names())
        error = self.fail_reload()
        self.assert_all_old(before)
        self.assertEqual(error.module, self.pkg + ".model")
        self.assertIsInstance(error.__cause__, OSError)
        self.assertEqual(error.filename, path)
        self.assertTrue(str(error).startswith(
            "reloading {!r} failed at {}: ".format(self.pkg + ".model", path)), str(error))
        self.assertTrue(str(error).endswith("; nothing was changed"), str(error))

    def test_file_replaced_by_a_directory_or_a_dangling_link(self) -> None:
        for how in ("directory", "dangling"):
            with self.subTest(how=how):
                self.write_all(2)
                path = self.path("{pkg}/model.py")
                os.unlink(path)
                if how == "directory":
                    os.mkdir(path)
                else:
                    os.symlink(path + ".missing", path)
                before = Snapshot(self.names())
                error = self.fail_reload()
                self.assert_all_old(before)
                self.assertIsInstance(error.__cause__, ImportError)
                self.assertEqual(error.module, self.pkg + ".app")
                self.assertEqual(error.filename, self.path("{pkg}/app.py"))
                if how == "directory":
                    os.rmdir(path)
                else:
                    os.unlink(path)
        self.write_all(2)
        before = Snapshot(self.names())
        reloader.reload(self.pkg)
        self.assert_all_new(before, 2)

    def test_very_large_file(self) -> None:
        self.write_all(2)
        lines = ["TABLE_{0} = {0}\n".format(i) for i in range(330000)]
        text = source("base", 2) + "".join(lines)
        self.assertGreater(len(text), 5 * 1024 * 1024)
        path = self.write("{pkg}/base.py", text)
        self.assertGreater(os.path.getsize(path), 5 * 1024 * 1024)
        before = Snapshot(self.names())
        reloader.reload(self.pkg)
        self.assert_all_new(before, 2)
        self.assertEqual(self.mod("{pkg}.base").TABLE_329999, 329999)


class WatchedTreeFaults(FaultCase):
    def _watcher(self) -> Any:
        watcher_type = getattr(reloader, "Watcher", None)
        if watcher_type is None:
            self.skipTest("reloader.Watcher is missing on this branch")
        watcher = watcher_type(self.root, debounce=0)
        self.addCleanup(watcher.stop)
        return watcher

    def _check_without_hanging(self, watcher: Any) -> Any:
        # A guard against a hang, not a timing assertion: the check runs in a
        # thread so that a walk that never ends fails the test instead of the run.
        result: List[Any] = []
        thread = threading.Thread(target=lambda: result.append(watcher.check()), daemon=True)
        thread.start()
        thread.join(120)
        self.assertFalse(thread.is_alive(), "Watcher.check() hangs on a symlink loop")
        self.assertEqual(len(result), 1, "Watcher.check() raised")
        return result[0]

    def _loop_sub_package(self, kind: str) -> None:
        self.write("{pkg}/sub/__init__.py", "VERSION = 1\n")
        self.write("{pkg}/sub/leaf.py", "VERSION = 1\n")
        self.load("{pkg}.sub.leaf")
        sub = self.path("{pkg}/sub")
        shutil.rmtree(sub)
        if kind == "self":
            os.symlink(sub, sub)  # sub -> sub: ELOOP
        elif kind == "pair":
            os.symlink(sub + "2", sub)
            os.symlink(sub, sub + "2")
        else:
            os.symlink(self.path("{pkg}"), sub)  # sub -> its own parent: endless tree
        importlib.invalidate_caches()

    def test_reload_with_a_package_replaced_by_a_symlink_loop(self) -> None:
        for kind in ("self", "pair", "ancestor"):
            with self.subTest(kind=kind):
                self.setUp_again()
                self._loop_sub_package(kind)
                self.write_all(2)
                before = Snapshot([n for n in self.names() if ".sub" not in n])
                try:
                    reloader.reload(self.pkg)
                except reloader.ReloadError as error:
                    self.assertEqual(error.module, self.pkg + ".sub")
                    self.assert_all_old(Snapshot(self.names()))
                else:
                    self.assert_all_new(before, 2)

    def setUp_again(self) -> None:
        if os.path.lexists(self.path("{pkg}/sub2")):
            os.unlink(self.path("{pkg}/sub2"))
        if os.path.lexists(self.path("{pkg}/sub")):
            if os.path.islink(self.path("{pkg}/sub")):
                os.unlink(self.path("{pkg}/sub"))
            else:
                shutil.rmtree(self.path("{pkg}/sub"))
        for name in [n for n in sys.modules if n.startswith(self.pkg + ".sub")]:
            del sys.modules[name]
        vars(self.mod(self.pkg)).pop("sub", None)

    def test_watcher_survives_a_symlink_loop(self) -> None:
        watcher = self._watcher()
        for kind in ("self", "pair", "ancestor"):
            with self.subTest(kind=kind):
                self.setUp_again()
                self._check_without_hanging(watcher)
                self._loop_sub_package(kind)
                self.write_all(2)
                report = self._check_without_hanging(watcher)
                reloaded = report is not None and report.error is None
                # Live update: after a reload the held callbacks run the new code.
                self.assert_interpreter_works(held_unchanged=not reloaded)
                if reloaded:
                    self.assertEqual(self.mod(self.client).run(), expected_run(2))
                # Still watching: a later edit is seen.
                self.write_all(3)
                report = self._check_without_hanging(watcher)
                self.assertIsNotNone(report)
                assert report is not None
                self.assert_interpreter_works(held_unchanged=report.error is not None)



def _line_of(function: Callable[..., Any], text: str) -> Tuple[str, int]:
    """The file of `function` and the number of the line in it that holds `text`."""
    filename = function.__code__.co_filename
    with open(filename) as handle:
        lines = handle.read().splitlines()
    first = function.__code__.co_firstlineno
    return filename, next(n for n in range(first, len(lines) + 1) if text in lines[n - 1])


class HostFaults(FaultCase):
    """A host's hook that raises, or returns no finish: ReloadError, and all put back."""

    def setUp(self) -> None:
        super().setUp()
        self.calls: List[str] = []

    def install(self, host: reloader.Host) -> None:
        self.addCleanup(reloader.use_host(host))

    def install_recording_host(self, name: str) -> None:
        """A host whose hook succeeds and records its finish."""
        def hook(names: Any, owned: Any) -> Callable[[bool], None]:
            self.calls.append(name + " hook")
            return lambda imported: self.calls.append("{} finish {}".format(name, imported))

        self.install(reloader.Host(name, hooks=[hook]))

    def assert_put_back(self, before: Snapshot, error: reloader.ReloadError) -> None:
        self.assert_all_old(before)
        self.assert_hooks_balanced()
        self.assertEqual(self.registry.log[-1], ("after", self.pkg + ".app"))
        self.assertTrue(error.report.rolled_back)
        self.assertEqual(error.report.restored, tuple(self.order))

    def test_a_hook_that_raises(self) -> None:
        self.install_recording_host("a")

        def failing(names: Any, owned: Any) -> Callable[[bool], None]:
            raise RuntimeError("host down")

        self.install(reloader.Host("b", hooks=[failing]))
        self.write_all(2)
        before = Snapshot(self.names())
        error = self.fail_reload()
        self.assert_put_back(before, error)
        self.assertEqual(self.calls, ["a hook", "a finish False"])
        path, line = _line_of(failing, "raise RuntimeError")
        self.assertIsInstance(error.__cause__, RuntimeError)
        self.assertEqual((error.module, error.filename, error.lineno), (None, path, line))
        self.assertEqual(error.report.failed_in, "the 'b' host's hook 'failing'")
        self.assertEqual(
            str(error),
            "reloading failed in the 'b' host's hook 'failing' at {}:{}: RuntimeError: host "
            "down; restored 8 modules to their previous state".format(path, line),
        )

    def test_a_hook_that_returns_none(self) -> None:
        self.install_recording_host("a")

        def forgetful(names: Any, owned: Any) -> Any:  # not `-> None`: use_host refuses that
            self.calls.append("forgetful")

        self.install(reloader.Host("b", hooks=[forgetful]))
        self.write_all(2)
        before = Snapshot(self.names())
        error = self.fail_reload()
        self.assert_put_back(before, error)
        self.assertEqual(self.calls, ["a hook", "forgetful", "a finish False"])
        # No traceback to follow: the place to fix is where the hook is defined.
        path, line = forgetful.__code__.co_filename, forgetful.__code__.co_firstlineno
        self.assertIsInstance(error.__cause__, TypeError)
        self.assertEqual(
            str(error),
            "reloading failed in the 'b' host's hook 'forgetful' at {}:{}: TypeError: host "
            "'b': hook 'forgetful' returned None; a hook returns finish(imported); restored 8 "
            "modules to their previous state".format(path, line),
        )

    def test_a_hook_that_returns_something_not_callable(self) -> None:
        def hook(names: Any, owned: Any) -> object:
            return "done"

        self.install(reloader.Host("b", hooks=[hook]))  # type: ignore[list-item]
        self.write_all(2)
        before = Snapshot(self.names())
        error = self.fail_reload()
        self.assert_put_back(before, error)
        self.assertEqual(str(error.__cause__),
                         "host 'b': hook 'hook' returned 'done'; a hook returns finish(imported)")

    def test_a_finish_that_raises_keeps_the_new_code(self) -> None:
        def first(names: Any, owned: Any) -> Callable[[bool], None]:
            def finish(imported: bool) -> None:
                self.calls.append("a finish")
                raise RuntimeError("cannot register")
            return finish

        def second(names: Any, owned: Any) -> Callable[[bool], None]:
            def finish(imported: bool) -> None:
                self.calls.append("b finish")
                raise LookupError("no menu")
            return finish

        self.install(reloader.Host("a", hooks=[first]))
        self.install(reloader.Host("b", hooks=[second]))
        self.install(reloader.Host(
            "c", hooks=[lambda names, owned: lambda imported: self.calls.append("c")]))
        self.write_all(2)
        before = Snapshot(self.names())
        error = self.fail_reload()
        self.assert_all_new(before, 2)
        # Every host's finish ran; live update completed; the new modules took
        # their state back.
        self.assertEqual(self.calls, ["a finish", "b finish", "c"])
        self.assertEqual(self.held[0](), expected_run(2))
        self.assert_hooks_balanced()
        self.assertFalse(error.report.rolled_back)
        self.assertEqual(error.report.reloaded, tuple(self.order))
        path, line = _line_of(first, "raise RuntimeError")
        path2, line2 = _line_of(second, "raise LookupError")
        self.assertEqual(
            str(error),
            "reloading failed in the 'a' host's hook 'first' at {}:{}: RuntimeError: cannot "
            "register; the new code stays loaded".format(path, line),
        )
        self.assertEqual(error.report.warnings, [
            "the 'b' host's hook 'second' failed at {}:{}: LookupError: no menu".format(
                path2, line2)
        ])


class UndoFaults(FaultCase):
    """An undo that fails, at every position of the undo stack."""

    def setUp(self) -> None:
        super().setUp()
        self.calls: List[str] = []

        def first(names: Any, owned: Any) -> Callable[[bool], None]:
            return lambda imported: self.calls.append("undo first")

        def second(names: Any, owned: Any) -> Callable[[bool], None]:
            return lambda imported: self.calls.append("undo second")

        self.addCleanup(reloader.use_host(reloader.Host("h", hooks=[first, second])))
        self.write_all(2)
        # The reload fails in the middle, once every undo has been pushed.
        with open(self.path("{pkg}/util.py")) as handle:
            self.write("{pkg}/util.py", handle.read() + "raise RuntimeError('broken')\n")

    def _fail(self, position: int, instead: bool) -> Tuple[reloader.ReloadError, List[str],
                                                            List[str]]:
        """Fail the reload; the undo pushed at `position` raises after (or `instead` of) its work.

        Returns the error, what each undo puts back in the order pushed, and
        the order in which they ran.
        """
        pushed: List[str] = []
        ran: List[str] = []
        push = _steps.UndoStack.push

        def pushing(stack: Any, what: str, undo: Callable[[], object]) -> None:
            index = len(pushed)
            pushed.append(what)

            def run() -> object:
                ran.append(what)
                if index == position and instead:
                    raise OSError("undo {} failed".format(index))
                result = undo()
                if index == position:
                    raise OSError("undo {} failed".format(index))
                return result

            push(stack, what, run)

        with mock.patch.object(_steps.UndoStack, "push", pushing):
            error = self.fail_reload()
        return error, pushed, ran

    def test_a_failing_undo_at_every_position_is_a_warning_and_the_rest_run(self) -> None:
        _, pushed, _ = self._fail(-1, instead=False)
        self.assertGreaterEqual(len(pushed), 10, pushed)
        expected = str(self.fail_reload())
        for position in range(len(pushed)):
            with self.subTest(position=position, undo=pushed[position]):
                before = Snapshot(self.names())
                self.calls[:] = []
                self.registry.log[:] = []
                error, _, ran = self._fail(position, instead=False)
                self.assertEqual(str(error), expected)
                self.assertEqual(ran, pushed[::-1])
                self.assertEqual(len(error.report.warnings), 1, error.report.warnings)
                path, line = _line_of(self._fail, "raise OSError")
                self.assertEqual(error.report.warnings[0], (
                    "putting back {} failed at {}:{}: OSError: undo {} failed".format(
                        pushed[position], path, line + 3, position)))
                self.assertEqual(self.calls, ["undo second", "undo first"])
                self.assert_all_old(before)
                self.assert_hooks_balanced()
                self.assertIn(("after", self.pkg + ".app"), self.registry.log)

    def test_a_host_undo_that_fails_instead_of_its_work(self) -> None:
        _, pushed, _ = self._fail(-1, instead=False)
        for what, left in (("the 'h' host's hook 'second'", ["undo first"]),
                           ("the 'h' host's hook 'first'", ["undo second"]),
                           ("the old modules' state", ["undo second", "undo first"])):
            with self.subTest(undo=what):
                before = Snapshot(self.names())
                self.calls[:] = []
                self.registry.log[:] = []
                error, _, ran = self._fail(pushed.index(what), instead=True)
                self.assertEqual(ran, pushed[::-1])
                self.assertEqual(self.calls, left)
                self.assertEqual(len(error.report.warnings), 1)
                self.assertTrue(error.report.warnings[0].startswith(
                    "putting back {} failed at ".format(what)))
                self.assert_all_old(before)
                handed_back = ("after", self.pkg + ".app") in self.registry.log
                self.assertEqual(handed_back, what != "the old modules' state")

    def test_an_undo_may_return_warnings(self) -> None:
        undo = _update.Updater.undo

        def undo_with_warnings(updater: Any) -> List[str]:
            undo(updater)
            return ["'tool.Thing.run' could not be put back"]

        before = Snapshot(self.names())
        with mock.patch.object(_update.Updater, "undo", undo_with_warnings):
            error = self.fail_reload()
        self.assertEqual(error.report.warnings, ["'tool.Thing.run' could not be put back"])
        self.assert_all_old(before)
        self.assert_hooks_balanced()


class ReloaderFaults(FaultCase):
    """An error inside reloader itself is reported as reloader's, with its place."""

    def test_inside_reloader_during_the_import(self) -> None:
        self.write_all(2)
        before = Snapshot(self.names())
        # int(module) raises in C: the innermost Python frame is reloader's call.
        with mock.patch.object(_update.Updater, "executed", int):
            error = self.fail_reload()
        self.assert_all_old(before)
        self.assert_hooks_balanced()
        path, line = _line_of(_steps.Attempt._executed, "self.updater.executed(module, name)")
        self.assertEqual((error.filename, error.lineno), (path, line))
        self.assertTrue(error.report.location.in_reloader)
        self.assertEqual(
            str(error),
            "reloading {!r} failed in reloader itself at {}:{}: {}; restored 8 modules to "
            "their previous state".format(self.pkg, path, line,
                                          reloader_report.describe_error(error.__cause__)),
        )

    def test_inside_reloader_once_the_new_code_is_in(self) -> None:
        self.write_all(2)
        before = Snapshot(self.names())
        with mock.patch.object(_update.Updater, "commit", staticmethod(functools.partial(int, object()))):
            error = self.fail_reload()
        self.assert_all_new(before, 2)
        self.assert_hooks_balanced()
        path, line = _line_of(_steps.Attempt.complete, "updater.commit()")
        self.assertEqual(
            str(error),
            "reloading failed in reloader itself at {}:{}: {}; the new code stays "
            "loaded".format(path, line, reloader_report.describe_error(error.__cause__)),
        )

    def test_generated_code_and_the_import_machinery_are_not_the_place(self) -> None:
        # A frozen dataclass's generated __setattr__ (file "<string>") and
        # importlib.import_module raise on the user's behalf: the user's line
        # is the place.
        text = source("app", 2).replace(
            "def __before_reload__():\n",
            "def __before_reload__():\n"
            "    import importlib\n"
            "    importlib.import_module('missing_' + __name__.replace('.', '_'))\n",
        ).replace(
            "def __after_reload__(state):\n",
            "import dataclasses\n\n"
            "@dataclasses.dataclass(frozen=True)\n"
            "class Point:\n    x: int\n\n"
            "def __after_reload__(state):\n"
            "    Point(1).x = 2\n",
        )
        path = self.write("{pkg}/app.py", text)
        lines = text.splitlines()
        missing = lines.index(
            "    importlib.import_module('missing_' + __name__.replace('.', '_'))") + 1
        frozen = lines.index("    Point(1).x = 2") + 1
        for attempt in ("new hooks", "old hooks"):
            with self.subTest(attempt):
                error = self.fail_reload()
                self.assertEqual((error.filename, error.lineno), (path, frozen))
                self.assertEqual(
                    str(error),
                    "reloading {!r} failed at {}:{}: FrozenInstanceError: cannot assign to "
                    "field 'x'; the new code stays loaded".format(self.pkg + ".app", path, frozen)
                )
        # The second time, the old module's own __before_reload__ ran.
        self.assertEqual(error.report.warnings, [
            "__before_reload__ of {!r} failed at {}:{}: ModuleNotFoundError: No module "
            "named 'missing_{}_app'".format(self.pkg + ".app", path, missing, self.pkg)
        ])

    def _before_reload_warning(self, imported: str, call: str) -> Tuple[str, str]:
        """The one warning of a reload whose old app's __before_reload__ runs `call`,
        and the place it must name ("file:line")."""
        text = source("app", 2).replace(
            "def __before_reload__():\n",
            "def __before_reload__():\n    import {}\n    {}\n".format(imported, call),
        )
        path = self.write("{pkg}/app.py", text)
        reloader.reload(self.pkg)
        report = reloader.reload(self.pkg)
        line = text.splitlines().index("    " + call) + 1
        self.assertEqual(len(report.warnings), 1)
        return report.warnings[0], "{}:{}".format(path, line)

    def test_the_standard_library_is_not_the_place(self) -> None:
        warning, place = self._before_reload_warning("json", "json.loads('{')")
        self.assertTrue(warning.startswith(
            "__before_reload__ of {!r} failed at {}: JSONDecodeError: ".format(
                self.pkg + ".app", place)), warning)

    def test_reloader_called_from_the_users_code_is_the_users_place(self) -> None:
        warning, place = self._before_reload_warning("reloader", "reloader.reload(__name__)")
        self.assertTrue(warning.startswith(
            "__before_reload__ of {!r} failed at {}: RuntimeError: reload() was called "
            "while a reload is running".format(self.pkg + ".app", place)), warning)


if __name__ == "__main__":
    unittest.main()
