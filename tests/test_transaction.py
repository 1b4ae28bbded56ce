"""Reloading as one transaction: what is re-imported, what runs, and exact restores."""

import gc
import importlib.machinery
import importlib.util
import marshal
import os
import re
import sys
import threading
import types
import unittest
import weakref
from typing import Dict, List

import reloader
from reloader import _transaction

from .support import PackageCase


class DependentsTest(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/util.py": "def helper():\n    return 1\n",
            "{pkg}_app.py": "from {pkg}.util import helper\n",
            "{pkg}_chain.py": "import {pkg}_app\n\ndef chained():\n    return {pkg}_app.helper()\n",
            "{pkg}_late.py": """\
                def run():
                    import {pkg}.util
                    return {pkg}.util.helper()
            """,
            "{pkg}_runtime.py": """\
                import importlib
                found = getattr(importlib.import_module("{pkg}.util"), "helper")
                module = importlib.import_module("{pkg}.util")
            """,
            "{pkg}_bystander.py": "VALUE = 1\n",
        })
        for name in ("app", "chain", "late", "runtime", "bystander"):
            self.load("{pkg}_" + name)
        self.write("{pkg}/util.py", "def helper():\n    return 2\n")

    def test_importers_outside_the_prefix_are_reloaded(self) -> None:
        bystander = self.mod("{pkg}_bystander")
        chain, late = self.mod("{pkg}_chain"), self.mod("{pkg}_late")
        report = reloader.reload(self.pkg)
        p = self.pkg
        # Those whose import-time code read what changed run again; _chain
        # and _late only use what they import at call time, and stay.
        self.assertEqual(set(report.reloaded), {p, p + ".util", p + "_app", p + "_runtime"})
        order = list(report.reloaded)
        self.assertLess(order.index(p + ".util"), order.index(p + "_app"))
        self.assertIs(self.mod("{pkg}_chain"), chain)
        self.assertIs(getattr(chain, p + "_app"), self.mod("{pkg}_app"))
        self.assertIs(self.mod("{pkg}_late"), late)
        self.assertEqual(self.mod("{pkg}_app").helper(), 2)
        self.assertEqual(self.mod("{pkg}_chain").chained(), 2)
        self.assertEqual(self.mod("{pkg}_late").run(), 2)
        self.assertEqual(self.mod("{pkg}_runtime").found(), 2)
        self.assertIs(self.mod("{pkg}_runtime").module, self.mod("{pkg}.util"))
        self.assertIs(self.mod("{pkg}_bystander"), bystander)

    def test_reasons(self) -> None:
        the_plan = reloader.plan(self.pkg)
        reasons = {module.name: module.reason for module in the_plan.modules}
        p = self.pkg
        self.assertEqual(reasons[p + ".util"], "selected")
        self.assertEqual(reasons[p + "_app"],
                         "reads helper from {}.util at import (line 1)".format(p))
        self.assertEqual(reasons[p + "_runtime"], "holds objects from {}.util".format(p))
        self.assertEqual(the_plan.kept,
                         {p + "_chain": "uses {}_app at call time only".format(p)})
        for name in ("_chain", "_late", "_bystander"):
            self.assertNotIn(p + name, reasons)

    def test_without_dependents(self) -> None:
        app = self.mod("{pkg}_app")
        # update=False: the old helper app holds would otherwise run the new code.
        report = reloader.reload(self.pkg, dependents=False, update=False)
        self.assertEqual(report.reloaded, (self.pkg, self.pkg + ".util"))
        self.assertIs(self.mod("{pkg}_app"), app)
        self.assertEqual(app.helper(), 1)


class GraphShapesTest(PackageCase):
    def test_circular_imports_are_reloaded_together(self) -> None:
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/a.py": "from . import b\nVALUE = 'a1'\n\ndef other():\n    return b.VALUE\n",
            "{pkg}/b.py": "from . import a\nVALUE = 'b1'\n\ndef other():\n    return a.VALUE\n",
        })
        self.load("{pkg}.a")
        self.write("{pkg}/a.py", "from . import b\nVALUE = 'a2'\n\ndef other():\n    return b.VALUE\n")
        self.write("{pkg}/b.py", "from . import a\nVALUE = 'b2'\n\ndef other():\n    return a.VALUE\n")
        # Both were edited; each only uses the other at call time, so both are named.
        the_plan = reloader.plan(self.pkg + ".a", self.pkg + ".b")
        self.assertEqual(the_plan.cycles, ((self.pkg + ".a", self.pkg + ".b"),))
        report = reloader.reload(self.pkg + ".a", self.pkg + ".b")
        self.assertEqual(set(report.reloaded), {self.pkg + ".a", self.pkg + ".b"})
        a, b = self.mod("{pkg}.a"), self.mod("{pkg}.b")
        self.assertEqual((a.other(), b.other()), ("b2", "a2"))
        self.assertIs(a.b, b)
        self.assertIs(b.a, a)
        self.assertIs(self.mod("{pkg}").a, a)

    def test_cycle_through_a_package_that_stays(self) -> None:
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/a.py": "from {pkg} import b\nVALUE = 'a1'\n",
            "{pkg}/b.py": "from {pkg} import a\nVALUE = 'b1'\n",
        })
        self.load("{pkg}.a")
        self.write("{pkg}/b.py", "from {pkg} import a\nVALUE = 'b2'\n")
        package = self.mod("{pkg}")
        old_a = self.mod("{pkg}.a")
        report = reloader.reload(self.pkg + ".b")
        # a only binds b: it stays, its name pointed at the new b.
        self.assertEqual(report.reloaded, (self.pkg + ".b",))
        a, b = self.mod("{pkg}.a"), self.mod("{pkg}.b")
        self.assertIs(a, old_a)
        self.assertIs(self.mod("{pkg}"), package)
        self.assertIs(a.b, b)
        self.assertIs(b.a, a)
        self.assertEqual(a.b.VALUE, "b2")
        self.assertIs(package.a, a)
        self.assertIs(package.b, b)

    def test_relative_imports_in_nested_packages(self) -> None:
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/top.py": "VALUE = 10\n",
            "{pkg}/sub/__init__.py": "from .inner import mod as m\n",
            "{pkg}/sub/sibling.py": "VALUE = 1\n",
            "{pkg}/sub/inner/__init__.py": "",
            "{pkg}/sub/inner/mod.py": """\
                from ... import top
                from ..sibling import VALUE as S
                VALUE = top.VALUE + S
            """,
        })
        self.load("{pkg}.sub")
        package = self.mod("{pkg}")
        sub = self.mod("{pkg}.sub")
        self.write("{pkg}/top.py", "VALUE = 20\n")
        report = reloader.reload(self.pkg + ".top")
        p = self.pkg
        # inner.mod reads top at import and runs again; sub only binds
        # inner.mod, so it stays and its name is pointed at the new one.
        self.assertEqual(report.reloaded, (p + ".top", p + ".sub.inner.mod"))
        self.assertIs(self.mod("{pkg}.sub"), sub)
        self.assertEqual(self.mod("{pkg}.sub.inner.mod").VALUE, 21)
        self.assertIs(self.mod("{pkg}.sub").m, self.mod("{pkg}.sub.inner.mod"))
        self.assertIs(self.mod("{pkg}.sub.inner").mod, self.mod("{pkg}.sub.inner.mod"))
        self.assertIs(self.mod("{pkg}.sub").inner, self.mod("{pkg}.sub.inner"))
        self.assertIs(self.mod("{pkg}"), package)
        self.assertIs(package.sub, self.mod("{pkg}.sub"))
        self.assertIs(package.top, self.mod("{pkg}.top"))

    def test_cycle_entered_where_it_was_first_entered(self) -> None:
        # a needs b finished; b only needs a to exist. Importing a first works,
        # importing b first does not: the reload must start the cycle at a.
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/a.py": "from .b import Y\nX = 1\n",
            "{pkg}/b.py": "from . import a\nY = 2\n\ndef x():\n    return a.X\n",
        })
        self.load("{pkg}.a")
        self.write("{pkg}/b.py", "from . import a\nY = 3\n\ndef x():\n    return a.X\n")
        a, b = self.pkg + ".a", self.pkg + ".b"
        # b only uses a at call time: reloading a alone leaves b loaded.
        for target, expected in ((self.pkg, (a, b)), (b, (a, b)), (a, (a,))):
            with self.subTest(target=target):
                report = reloader.reload(target)
                self.assertEqual(report.reloaded[-len(expected):], expected)
                self.assertEqual(self.mod("{pkg}.a").Y, 3)
                self.assertEqual(self.mod("{pkg}.b").x(), 1)

    def test_added_submodule(self) -> None:
        self.files({"{pkg}/__init__.py": "", "{pkg}/util.py": "VALUE = 1\n"})
        self.load("{pkg}.util")
        self.write("{pkg}/new.py", "VALUE = 'new'\n")
        self.write("{pkg}/__init__.py", "from . import new\n")
        report = reloader.reload(self.pkg)
        self.assertEqual(report.added, (self.pkg + ".new",))
        self.assertEqual(self.mod("{pkg}").new.VALUE, "new")
        self.assertIn(
            reloader.Report.ModuleOutcome(self.pkg + ".new", "added", "imported by the new code"),
            report.outcomes,
        )

    def test_deleted_submodule_nothing_imports_is_purged(self) -> None:
        self.files({"{pkg}/__init__.py": "", "{pkg}/gone.py": "VALUE = 1\n"})
        self.load("{pkg}.gone")
        os.remove(self.path("{pkg}/gone.py"))
        report = reloader.reload(self.pkg)
        self.assertEqual(report.reloaded, (self.pkg,))
        self.assertEqual(report.removed, (self.pkg + ".gone",))
        self.assertNotIn(self.pkg + ".gone", sys.modules)
        self.assertFalse(hasattr(self.mod("{pkg}"), "gone"))
        self.assertRegex(str(report), r"^reloaded 1 module, removed 1 in \d+ ms$")
        self.assertIn(
            reloader.Report.ModuleOutcome(self.pkg + ".gone", "removed", "its source file is gone"),
            report.outcomes,
        )

    def test_deleted_submodule_of_a_package_that_stays(self) -> None:
        self.files({"{pkg}/__init__.py": "", "{pkg}/gone.py": "VALUE = 1\n"})
        package = self.load("{pkg}")
        self.load("{pkg}.gone")
        os.remove(self.path("{pkg}/gone.py"))
        report = reloader.reload(self.pkg + ".gone")
        self.assertEqual(report.removed, (self.pkg + ".gone",))
        self.assertIs(self.mod("{pkg}"), package)
        self.assertNotIn(self.pkg + ".gone", sys.modules)
        self.assertFalse(hasattr(package, "gone"))

    def test_deleted_submodule_still_imported_fails_and_restores(self) -> None:
        self.files({"{pkg}/__init__.py": "from . import gone\n", "{pkg}/gone.py": "VALUE = 1\n"})
        package = self.load("{pkg}")
        gone = self.mod("{pkg}.gone")
        os.remove(self.path("{pkg}/gone.py"))
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(self.pkg)
        self.assertIsInstance(caught.exception.__cause__, ImportError)
        self.assertTrue(caught.exception.report.rolled_back)
        self.assertEqual(caught.exception.module, self.pkg)
        self.assertIs(self.mod("{pkg}"), package)
        self.assertIs(self.mod("{pkg}.gone"), gone)
        self.assertIs(package.gone, gone)

    def test_removed_function_is_gone(self) -> None:
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/util.py": "def keep():\n    return 1\n\ndef drop():\n    return 1\n",
        })
        self.load("{pkg}.util")
        self.write("{pkg}/util.py", "def keep():\n    return 2\n")
        reloader.reload(self.pkg)
        util = self.mod("{pkg}.util")
        self.assertEqual(util.keep(), 2)
        self.assertFalse(hasattr(util, "drop"))
        self.assertNotIn("drop", vars(util))


class CycleEntryTest(PackageCase):
    # Python 3.8 and later keep sys.modules in the order imports finished,
    # which does not tell which member of this cycle was entered first: the
    # entry is found by playing the members' top-level imports.
    def test_cycle_joined_by_a_later_import_and_an_import_in_a_function(self) -> None:
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/a.py": "from .b import Y\n",
            "{pkg}/b.py": "from . import a\nY = 1\n\ndef later():\n    from . import c\n",
            "{pkg}/c.py": "from . import b\n",
        })
        self.load("{pkg}.a")  # a, then b inside it
        self.load("{pkg}.c")  # later, on its own
        self.write("{pkg}/b.py", "from . import a\nY = 2\n\ndef later():\n    from . import c\n")
        reloader.reload(self.pkg)
        self.assertEqual(self.mod("{pkg}.a").Y, 2)


class BytecodeTest(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        saved = sys.dont_write_bytecode

        def restore() -> None:
            sys.dont_write_bytecode = saved

        self.addCleanup(restore)

    def write_pyc(self, path: str, code_text: str, flags: int = 0) -> str:
        """A .pyc for `path` whose header matches the source but whose code is `code_text`."""
        cache = importlib.util.cache_from_source(path)
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        with open(path, "rb") as handle:
            source = handle.read()
        stat = os.stat(path)
        data = bytearray(importlib.util.MAGIC_NUMBER)
        data += flags.to_bytes(4, "little")
        if flags & 1:
            data += importlib.util.source_hash(source)
        else:
            data += (int(stat.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
            data += (stat.st_size & 0xFFFFFFFF).to_bytes(4, "little")
        data += marshal.dumps(compile(code_text, path, "exec"))
        with open(cache, "wb") as handle:
            handle.write(data)
        return cache

    def run_code(self, code: types.CodeType) -> Dict[str, object]:
        namespace: Dict[str, object] = {}
        exec(code, namespace)
        return namespace

    def test_same_second_same_size_edit_runs_the_new_source(self) -> None:
        sys.dont_write_bytecode = False
        path = self.write("{pkg}/util.py", "VALUE = 1\n")
        self.write("{pkg}/__init__.py", "")
        self.assertEqual(self.load("{pkg}.util").VALUE, 1)
        cache = importlib.util.cache_from_source(path)
        self.assertTrue(os.path.exists(cache), "the import wrote no .pyc")
        before = os.stat(path)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("VALUE = 2\n")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        after = os.stat(path)
        self.assertEqual((after.st_size, int(after.st_mtime)), (before.st_size, int(before.st_mtime)))
        # Python's own loader accepts the stale .pyc: the hazard is real.
        stock = importlib.machinery.SourceFileLoader(self.pkg + ".util", path)
        self.assertEqual(self.run_code(stock.get_code(self.pkg + ".util"))["VALUE"], 1)
        reloader.reload(self.pkg)
        self.assertEqual(self.mod("{pkg}.util").VALUE, 2)

    def test_a_pyc_written_after_the_source_is_used(self) -> None:
        sys.dont_write_bytecode = True
        path = self.write("{pkg}/util.py", "VALUE = 'source'\n")
        self.write("{pkg}/__init__.py", "")
        self.load("{pkg}.util")
        cache = self.write_pyc(path, "VALUE = 'cache'\n")
        stat = os.stat(path)
        later = max(stat.st_mtime_ns, stat.st_ctime_ns) + 5 * 10**9
        os.utime(cache, ns=(later, later))
        self.assertEqual(self.run_code(_transaction.source_code(path))["VALUE"], "cache")
        reloader.reload(self.pkg)
        self.assertEqual(self.mod("{pkg}.util").VALUE, "cache")

    def test_a_pyc_older_than_the_source_change_is_not_trusted(self) -> None:
        sys.dont_write_bytecode = True
        path = self.write("{pkg}/util.py", "VALUE = 'source'\n")
        cache = self.write_pyc(path, "VALUE = 'cache'\n")
        stat = os.stat(path)
        earlier = min(stat.st_mtime_ns, stat.st_ctime_ns) - 5 * 10**9
        os.utime(cache, ns=(earlier, earlier))
        self.assertEqual(self.run_code(_transaction.source_code(path))["VALUE"], "source")

    def test_a_checked_hash_pyc_is_used_only_while_the_hash_matches(self) -> None:
        sys.dont_write_bytecode = True
        path = self.write("{pkg}/util.py", "VALUE = 'source1'\n")
        self.write_pyc(path, "VALUE = 'cache'\n", flags=0b11)
        self.assertEqual(self.run_code(_transaction.source_code(path))["VALUE"], "cache")
        self.write("{pkg}/util.py", "VALUE = 'source2'\n")
        self.assertEqual(self.run_code(_transaction.source_code(path))["VALUE"], "source2")

    def test_reloader_writes_a_pyc_it_trusts_next_time(self) -> None:
        sys.dont_write_bytecode = False
        path = self.write("{pkg}/util.py", "VALUE = 1\n")
        cache = importlib.util.cache_from_source(path)
        code = _transaction.source_code(path)
        self.assertFalse(os.path.exists(cache), "written before the reload ended")
        written = _transaction.codes.write_caches()
        if written is not None:
            self.assertTrue(written.wait(30), "the .pyc was not written")
        self.assertTrue(os.path.exists(cache))
        # File times come from a coarse clock: move the .pyc clear of the
        # source's change time, as a later moment would.
        stat = os.stat(path)
        later = max(stat.st_mtime_ns, stat.st_ctime_ns) + 5 * 10**9
        os.utime(cache, ns=(later, later))
        self.assertIsNotNone(_transaction._cached_code(path, cache, os.stat(path)))
        self.assertEqual(self.run_code(code)["VALUE"], 1)


class CodeMemoryTest(PackageCase):
    """A module run again from an unchanged file reuses its code; any change is read anew."""

    def setUp(self) -> None:
        super().setUp()
        settled = _transaction._SETTLED_NS
        _transaction._SETTLED_NS = 0  # files written a moment ago count as settled
        self.addCleanup(setattr, _transaction, "_SETTLED_NS", settled)
        self.reads: List[str] = []
        read = _transaction._Codes._read

        def counting(codes: _transaction._Codes, path: str, stat: os.stat_result) -> types.CodeType:
            self.reads.append(os.path.basename(path))
            return read(codes, path, stat)

        _transaction._Codes._read = counting  # type: ignore[method-assign]
        self.addCleanup(setattr, _transaction._Codes, "_read", read)
        self.files({"{pkg}/__init__.py": "", "{pkg}/base.py": "VALUE = 1\n",
                    "{pkg}/user.py": "from .base import VALUE\nDOUBLE = VALUE * 2\n"})
        self.load("{pkg}.user")

    def test_an_unchanged_file_is_not_read_again(self) -> None:
        reloader.reload(self.pkg)
        self.assertEqual(sorted(self.reads), ["__init__.py", "base.py", "user.py"])
        del self.reads[:]
        reloader.reload(self.pkg)
        self.assertEqual(self.reads, [])
        self.assertEqual(self.mod("{pkg}.user").DOUBLE, 2)

    def test_an_edit_keeping_size_and_mtime_is_read(self) -> None:
        reloader.reload(self.pkg)
        path = self.path("{pkg}/base.py")
        before = os.stat(path)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("VALUE = 7\n")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        del self.reads[:]
        reloader.reload(self.pkg + ".base")
        self.assertEqual(self.reads, ["base.py"])
        self.assertEqual(self.mod("{pkg}.user").DOUBLE, 14)

    def test_a_file_changed_just_before_it_was_read_is_read_again(self) -> None:
        _transaction._SETTLED_NS = 3600 * 10**9  # an hour: nothing written here has settled
        reloader.reload(self.pkg)
        del self.reads[:]
        reloader.reload(self.pkg)
        self.assertEqual(sorted(self.reads), ["__init__.py", "base.py", "user.py"])

    def test_a_file_replaced_by_a_folder_counts_as_gone(self) -> None:
        reloader.reload(self.pkg)
        os.unlink(self.path("{pkg}/user.py"))
        os.mkdir(self.path("{pkg}/user.py"))
        report = reloader.reload(self.pkg)
        self.assertEqual(list(report.removed), [self.pkg + ".user"])
        self.assertNotIn(self.pkg + ".user", sys.modules)


class FailureTest(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/a.py": "VALUE = 1\n",
            "{pkg}/b.py": "from . import a\nVALUE = a.VALUE + 1\n",
            "{pkg}/c.py": "from . import b\nVALUE = b.VALUE + 1\n",
        })
        self.load("{pkg}.c")
        self.names = [self.pkg, self.pkg + ".a", self.pkg + ".b", self.pkg + ".c"]
        self.old = {name: sys.modules[name] for name in self.names}
        self.attributes = {
            name: dict(vars(module)) for name, module in self.old.items()
        }

    def assert_restored(self) -> None:
        for name, module in self.old.items():
            self.assertIs(sys.modules[name], module, name)
        for name, saved in self.attributes.items():
            namespace = vars(self.old[name])
            self.assertEqual(set(namespace), set(saved), name)
            for key, value in saved.items():
                self.assertIs(namespace[key], value, "{}.{}".format(name, key))
        package = self.old[self.pkg]
        for child in ("a", "b", "c"):
            self.assertIs(getattr(package, child), self.old[self.pkg + "." + child])

    def break_b(self) -> str:
        self.write("{pkg}/fresh.py", "VALUE = 'fresh'\n")
        self.write("{pkg}_extra.py", "VALUE = 'extra'\n")
        return self.write(
            "{pkg}/b.py",
            "from . import a, fresh\nimport {pkg}_extra\nraise RuntimeError('boom')\n",
        )

    def test_exception_in_the_middle_of_a_chain(self) -> None:
        path = self.break_b()
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(self.pkg)
        error = caught.exception
        self.assertEqual(
            str(error),
            "reloading {!r} failed at {}:3: RuntimeError: boom; restored 4 modules to "
            "their previous state".format(self.pkg + ".b", path),
        )
        self.assertIsInstance(error.__cause__, RuntimeError)
        self.assertEqual(str(error.__cause__), "boom")
        self.assertIs(error.report.error, error.__cause__)
        self.assertTrue(error.report.rolled_back)
        self.assertEqual(error.report.restored, tuple(self.names))
        self.assertEqual((error.module, error.filename, error.lineno), (self.pkg + ".b", path, 3))
        self.assertFalse(error.report.ok)
        self.assert_restored()
        self.assertNotIn(self.pkg + ".fresh", sys.modules)
        self.assertNotIn(self.pkg + "_extra", sys.modules)
        self.assertFalse(hasattr(self.old[self.pkg], "fresh"))
        self.assertEqual(self.old[self.pkg + ".c"].VALUE, 3)

    def test_failure_outcomes(self) -> None:
        path = self.break_b()
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(self.pkg)
        outcomes = caught.exception.report.outcomes
        self.assertEqual(
            outcomes,
            [
                reloader.Report.ModuleOutcome(self.pkg, "restored", "restored to its previous state"),
                reloader.Report.ModuleOutcome(self.pkg + ".a", "restored", "restored to its previous state"),
                reloader.Report.ModuleOutcome(
                    self.pkg + ".b", "failed", "at {}:3: RuntimeError: boom".format(path)
                ),
                reloader.Report.ModuleOutcome(self.pkg + ".c", "restored", "restored to its previous state"),
            ],
        )
        text = caught.exception.report.format()
        self.assertEqual(text.splitlines()[0], str(caught.exception))
        self.assertIn("RuntimeError: boom", text.splitlines()[-1])

    def test_failure_of_a_submodule_keeps_the_parent_attribute(self) -> None:
        self.break_b()
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(self.pkg + ".b")
        self.assertEqual(caught.exception.report.restored, (self.pkg + ".b", self.pkg + ".c"))
        self.assert_restored()
        self.assertNotIn(self.pkg + ".fresh", sys.modules)

    def test_exception_in_the_last_module(self) -> None:
        path = self.write("{pkg}/c.py", "from . import b\nVALUE = b.VALUE + 1\nVALUE.nope\n")
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(self.pkg)
        self.assertEqual(
            str(caught.exception),
            "reloading {!r} failed at {}:3: AttributeError: 'int' object has no attribute "
            "'nope'; restored 4 modules to their previous state".format(self.pkg + ".c", path),
        )
        self.assert_restored()

    def test_syntax_error_purges_nothing(self) -> None:
        path = self.write("{pkg}/b.py", "from . import a\nreturn 1\n")
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(self.pkg)
        self.assertEqual(
            str(caught.exception),
            "reloading {!r} failed at {}:2: SyntaxError: 'return' outside function; "
            "nothing was changed".format(self.pkg + ".b", path),
        )
        self.assertIsInstance(caught.exception.__cause__, SyntaxError)
        report = caught.exception.report
        self.assertTrue(report.rolled_back)
        self.assertEqual(report.restored, ())
        self.assert_restored()

    def test_syntax_error_in_compiled_text_is_placed_where_it_was_compiled(self) -> None:
        # A template of code the module fills in and compiles at import.
        path = self.write("{pkg}/b.py", "from . import a\nTEMPLATE = 'x = {}'\n"
                          "code = compile(TEMPLATE.format('1 +'), '<generated>', 'exec')\n")
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(self.pkg)
        self.assertRegex(str(caught.exception), "^reloading {!r} failed at {}:3: SyntaxError: "
                         .format(self.pkg + ".b", re.escape(path)))
        self.assert_restored()

    def test_keyboard_interrupt_restores_and_propagates(self) -> None:
        self.write("{pkg}/fresh.py", "VALUE = 'fresh'\n")
        self.write("{pkg}/b.py", "from . import a, fresh\nraise KeyboardInterrupt\n")
        with self.assertRaises(KeyboardInterrupt):
            reloader.reload(self.pkg)
        self.assert_restored()
        self.assertNotIn(self.pkg + ".fresh", sys.modules)
        # The reload lock was released: the next reload runs.
        self.write("{pkg}/b.py", "from . import a\nVALUE = a.VALUE + 10\n")
        reloader.reload(self.pkg)
        self.assertEqual(self.mod("{pkg}.c").VALUE, 12)

    def test_a_good_reload_after_a_failed_one(self) -> None:
        self.break_b()
        with self.assertRaises(reloader.ReloadError):
            reloader.reload(self.pkg)
        self.write("{pkg}/a.py", "VALUE = 5\n")
        self.write("{pkg}/b.py", "from . import a\nVALUE = a.VALUE + 1\n")
        report = reloader.reload(self.pkg)
        self.assertEqual(report.reloaded, tuple(self.names))
        self.assertEqual(self.mod("{pkg}.c").VALUE, 7)
        for name in self.names:
            self.assertIsNot(sys.modules[name], self.old[name])


class FirstImportCycleTest(PackageCase):
    def test_a_new_module_that_took_the_old_one_is_reported_and_then_run_again(self) -> None:
        # b's new code imports a module new to the session that imports b
        # back while b runs: the package still binds the old b (see
        # ThreadTest), so n takes it. The report says so, and the next
        # reload runs n again.
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/b.py": "VALUE = 1\n",
            "{pkg}/n.py": "from {pkg} import b\nSEVEN = b.VALUE * 7\n",
        })
        self.load("{pkg}.b")
        self.write("{pkg}/b.py", "VALUE = 5\nfrom {pkg} import n\n")
        report = reloader.reload(self.pkg + ".b")
        self.assertEqual(report.added, (self.pkg + ".n",))
        self.assertEqual(report.warnings, [
            "{0}.n was imported for the first time while {0}.b ran and took the old {0}.b "
            "as 'b': what it made from {0}.b at import stays old until {0}.b is reloaded "
            "again".format(self.pkg)])
        self.write("{pkg}/b.py", "VALUE = 6\nfrom {pkg} import n\n")
        report = reloader.reload(self.pkg + ".b")
        self.assertEqual(report.warnings, [])
        self.assertIn(self.pkg + ".n", report.reloaded)
        self.assertEqual(self.mod("{pkg}.n").SEVEN, 42)
        self.assertIs(self.mod("{pkg}.n").b, self.mod("{pkg}.b"))


class ThreadTest(PackageCase):
    ROUNDS = 50
    MAX_CALLS = 5_000_000

    def setUp(self) -> None:
        super().setUp()
        # The package's own code gives other threads time to run while its
        # submodules are purged and not yet imported again.
        self.files({
            "{pkg}/__init__.py": "for _ in range(20000):\n    pass\n",
            "{pkg}/mod.py": self.source(0),
            "{pkg}/user.py": "from .mod import value\n",
            "{pkg}_log.py": "runs = []\n",
        })
        self.load("{pkg}.user")
        interval = sys.getswitchinterval()
        self.addCleanup(sys.setswitchinterval, interval)
        sys.setswitchinterval(1e-5)

    def source(self, number: int) -> str:
        text = "import {pkg}_log\n{pkg}_log.runs.append(NUMBER)\n\ndef value():\n    return NUMBER\n"
        return text.replace("NUMBER", str(number))

    def hammer(self, target: str) -> None:
        code = compile(
            "import {0}.mod\nresult = {0}.mod.value()\n".format(self.pkg), "<thread>", "exec"
        )
        errors: List[BaseException] = []
        seen: List[object] = []
        started = threading.Event()
        stop = threading.Event()

        def worker() -> None:
            calls = 0
            try:
                while not stop.is_set() and calls < self.MAX_CALLS:
                    namespace: Dict[str, object] = {}
                    exec(code, namespace)
                    seen.append(namespace["result"]) if calls % 1000 == 0 else None
                    calls += 1
                    started.set()
            except BaseException as error:  # noqa: B902 - report whatever it was
                errors.append(error)
            finally:
                started.set()

        thread = threading.Thread(target=worker, daemon=True)
        thread.start()
        started.wait()
        try:
            for number in range(1, self.ROUNDS + 1):
                self.write("{pkg}/mod.py", self.source(number))
                reloader.reload(target)
        finally:
            stop.set()
            thread.join()
        self.assertEqual(errors, [])
        # The thread never found the module missing and imported it itself.
        self.assertEqual(self.mod("{pkg}_log").runs, list(range(self.ROUNDS + 1)))
        self.assertEqual(self.mod("{pkg}.mod").value(), self.ROUNDS)

    def test_whole_package(self) -> None:
        self.hammer(self.pkg)

    def test_one_submodule(self) -> None:
        self.hammer(self.pkg + ".mod")


class MemoryTest(PackageCase):
    def test_old_versions_are_freed(self) -> None:
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/util.py": """\
                class Thing:
                    pass

                def __before_reload__():
                    return {"kept": 1}

                def __after_reload__(state):
                    pass
            """,
            "{pkg}_app.py": "from {pkg}.util import Thing\n",
        })
        self.load("{pkg}_app")
        old = [weakref.ref(sys.modules[n]) for n in (self.pkg, self.pkg + ".util", self.pkg + "_app")]
        old_class = weakref.ref(self.mod("{pkg}.util").Thing)
        report = reloader.reload(self.pkg)
        self.assertEqual(len(report.reloaded), 3)
        gc.collect()
        for ref in old:
            self.assertIsNone(ref())
        # The update keeps the old class as the one class, patched.
        self.assertIs(old_class(), self.mod("{pkg}.util").Thing)

    def test_held_old_function_keeps_no_generation_alive(self) -> None:
        # A host holds a function of the first version for good. Its old
        # namespace follows the newest version at every reload, so it never
        # keeps an in-between version of another module alive.
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/base.py": "VALUE = 0\n",
            "{pkg}/user.py": "from {pkg} import base\n\ndef callback():\n    return base.VALUE\n",
        })
        held = self.load("{pkg}.user").callback
        generations = []
        for version in range(1, 4):
            self.write("{pkg}/base.py", "VALUE = {}\n".format(version))
            reloader.reload(self.pkg)
            generations.append(weakref.ref(self.mod("{pkg}.base")))
            self.assertEqual(held(), version)
        gc.collect()
        self.assertEqual([ref() is None for ref in generations], [True, True, False])

    def test_failed_attempt_leaves_nothing_alive(self) -> None:
        self.files({"{pkg}/__init__.py": "", "{pkg}/util.py": "VALUE = 1\n"})
        self.load("{pkg}.util")
        self.write(
            "{pkg}/util.py",
            "import sys\nsys.modules[__name__ + '_probe'] = None\nMARK = object()\n"
            "raise RuntimeError('boom')\n",
        )
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(self.pkg)
        self.assertNotIn(self.pkg + ".util_probe", sys.modules)
        # The error keeps its traceback (and so the failed module's frame) only
        # as long as the caller keeps the error.
        del caught
        gc.collect()
        alive = [
            o for o in gc.get_objects()
            if isinstance(o, types.ModuleType) and getattr(o, "__name__", None) == self.pkg + ".util"
        ]
        self.assertEqual(alive, [self.mod("{pkg}.util")])


class ReportTest(PackageCase):
    def test_one_line_with_plurals(self) -> None:
        self.assertEqual(str(reloader.Report(reloaded=["a"], seconds=0.0381)), "reloaded 1 module in 38 ms")
        self.assertEqual(
            str(reloader.Report(reloaded=["a", "b", "c"], seconds=0.002)), "reloaded 3 modules in 2 ms"
        )
        self.assertEqual(str(reloader.Report(seconds=1.5)), "reloaded 0 modules in 1.5 s")
        self.assertEqual(
            str(reloader.Report(reloaded=["a"], removed=["b", "c"], warnings=["w"], seconds=0.01)),
            "reloaded 1 module, removed 2, 1 warning in 10 ms",
        )
        self.assertEqual(
            str(reloader.Report(reloaded=["a"], warnings=["w", "v"], seconds=0.01)),
            "reloaded 1 module, 2 warnings in 10 ms",
        )

    def test_real_report(self) -> None:
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/a.py": "VALUE = 1\n",
            "{pkg}/b.py": "from . import a\n",
        })
        self.load("{pkg}.b")
        report = reloader.reload(self.pkg)
        line = str(report)
        self.assertRegex(line, r"^reloaded 3 modules in \d+ ms$")
        self.assertNotIn("\n", line)
        self.assertTrue(report.ok)
        self.assertIsNone(report.error)
        self.assertFalse(report.rolled_back)
        self.assertGreaterEqual(report.seconds, 0)
        self.assertEqual(report.reloaded, (self.pkg, self.pkg + ".a", self.pkg + ".b"))
        self.assertEqual(
            report.outcomes,
            [
                reloader.Report.ModuleOutcome(self.pkg, "reloaded", "selected"),
                reloader.Report.ModuleOutcome(self.pkg + ".a", "reloaded", "selected"),
                reloader.Report.ModuleOutcome(self.pkg + ".b", "reloaded", "selected"),
            ],
        )
        self.assertEqual(
            report.format().splitlines()[1:],
            [
                "  reloaded  {} (selected)".format(self.pkg),
                "  reloaded  {}.a (selected)".format(self.pkg),
                "  reloaded  {}.b (selected)".format(self.pkg),
            ],
        )
        self.assertEqual(repr(report), "<Report: {}>".format(line))
        for value in vars(report).values():
            self.assertNotIsInstance(value, types.ModuleType)

    def test_plan_text(self) -> None:
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/a.py": "from . import b\nNAME = b.__name__\n",
            "{pkg}/b.py": "from . import a\n",
            "{pkg}_app.py": "import {pkg}.a\n",
        })
        self.load("{pkg}_app")
        the_plan = reloader.plan(self.pkg + ".b")
        p = self.pkg
        self.assertEqual(str(the_plan), "would reload 2 modules")
        self.assertEqual(
            the_plan.format().splitlines(),
            [
                "would reload 2 modules",
                "  reload  {}.a (uses b at import (line 2))".format(p),
                "  reload  {}.b (selected)".format(p),
                "  keep    {}_app (uses {}.a at call time only)".format(p, p),
                "  cycle   {0}.a, {0}.b".format(p),
            ],
        )
        self.assertEqual(repr(the_plan), "<Plan: would reload 2 modules>")


if __name__ == "__main__":
    unittest.main()
