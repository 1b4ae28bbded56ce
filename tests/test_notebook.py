"""What `%reload --auto` does for a notebook, cell by cell.

The behaviours IPython's own autoreload promises in its modes 2 and 3, and
ours on top (messages, status, options), written as a mixin over "run this
cell": here against a small fake shell that follows IPython's documented
cell cycle, and in tests/hosts/test_ipython.py against a real IPython shell.
"""

import ast
import contextlib
import io
import os
import pickle
import sys
import textwrap
import unittest
from typing import Any, Dict, Tuple

import reloader
from reloader import _names

from .fakes.fake_ipython import FakeShell
from .support import PackageCase

#: How `%reload --status` says the watcher learns of changes on this system.
HOW = ("inotify: the system tells of changes, an empty check reads no file"
       if sys.platform.startswith("linux") else
       "polling: each check looks at the files' stat; inotify is Linux only (this is {})".format(
           sys.platform))


class NotebookBehaviour:
    """Needs: self.shell (with user_ns), self.cell(code) -> (stdout, stderr); PackageCase."""

    shell: Any

    def cell(self, code: str) -> Tuple[str, str]:
        raise NotImplementedError

    def start(self) -> None:
        """Call from setUp once the extension is loaded: automatic mode on the test folder."""
        case: Any = self
        self.module = case.pkg  # one plain module, as a notebook user writes
        out, err = self.cell("%reload --auto " + case.root)
        assert err == "", err

    @property
    def ns(self) -> Dict[str, Any]:
        return self.shell.user_ns  # type: ignore[no-any-return]

    def module_source(self, source: str) -> str:
        case: Any = self
        return case.write("{pkg}.py", textwrap.dedent(source))  # type: ignore[no-any-return]

    def do(self, code: str) -> Tuple[str, str]:
        return self.cell(code.replace("MOD", self.module))

    # ------------------------------------------------ classes and enums

    def test_an_enum_gains_a_member(self) -> None:
        case: Any = self
        self.module_source("from enum import Enum\nclass Color(Enum):\n    A = 'A'\n")
        self.do("from MOD import Color")
        old = self.ns["Color"]
        self.module_source("from enum import Enum\nclass Color(Enum):\n    A = 'A'\n"
                           "    B = 'B'\n")
        out, err = self.do("pass")
        case.assertEqual(err, "")
        case.assertRegex(out, r"^reloader: reloaded 1 module in \d+ ms\n$")
        case.assertIs(self.ns["Color"], old)
        case.assertEqual(old.B.value, "B")

    def test_an_instance_belongs_to_the_class_now_loaded_and_pickles(self) -> None:
        case: Any = self
        self.module_source("class Thing:\n    def meth(self):\n        return 'old'\n")
        self.do("from MOD import Thing\nthing = Thing()")
        self.module_source("class Thing:\n    def meth(self):\n        return 'new'\n")
        self.do("pass")
        thing = self.ns["thing"]
        case.assertIsInstance(thing, sys.modules[self.module].Thing)
        case.assertEqual(thing.meth(), "new")
        case.assertEqual(type(pickle.loads(pickle.dumps(thing))).__name__, "Thing")

    def test_methods_removed_and_added_on_old_and_new_instances(self) -> None:
        case: Any = self
        self.module_source("""
            class Shape:
                def __init__(self, a=10):
                    self.a = a
                    self.b = 22
                def square(self):
                    return self.a * self.a
            """)
        self.do("from MOD import Shape\nfirst = Shape(5)")
        case.assertEqual(self.ns["first"].square(), 25)
        self.module_source("""
            class Shape:
                def __init__(self, a=10):
                    self.a = a
                    self.b = 11
                def power(self, p):
                    return self.a ** p
            """)
        self.do("second = Shape(5)")
        for name in ("first", "second"):
            instance = self.ns[name]
            case.assertEqual(instance.power(3), 125)
            case.assertFalse(hasattr(instance, "square"))
            case.assertFalse(hasattr(instance, "toto"))
        case.assertEqual((self.ns["first"].b, self.ns["second"].b), (22, 11))

    def test_class_attributes_that_cannot_be_compared(self) -> None:
        # Like numpy arrays: == gives something whose truth cannot be taken.
        case: Any = self
        self.module_source("""
            class Vague:
                def __init__(self, x):
                    self.x = x
                def __eq__(self, other):
                    return self
                def __bool__(self):
                    raise ValueError("the truth value is ambiguous")
                __hash__ = object.__hash__
            class Holder:
                a = (Vague(0.1), Vague(0.2))
            """)
        self.do("from MOD import Holder\nfirst = Holder()")
        self.module_source(open(self.path_of_module()).read().replace("0.1", "0.3"))
        out, err = self.do("value = first.a[0].x")
        case.assertEqual(err, "")
        case.assertEqual(self.ns["value"], 0.3)

    def path_of_module(self) -> str:
        case: Any = self
        return case.path("{pkg}.py")  # type: ignore[no-any-return]

    # ------------------------------------------------ names that follow the module

    def test_a_star_import_brings_what_the_module_gains(self) -> None:
        case: Any = self
        self.module_source("def func1(): pass\n")
        self.do("from MOD import *")
        for code in ("func2()", "Test()", "number"):
            with case.assertRaises(NameError):
                self.do(code)
        self.module_source("""
            def func1(): pass
            def func2(): return 'two'
            class Test: pass
            number = 0
            from enum import Enum
            class TestEnum(Enum):
                A = 'a'
            """)
        self.do("two = func2()\nt = Test()\nn = number\na = TestEnum.A.value")
        case.assertEqual([self.ns[k] for k in ("two", "n", "a")], ["two", 0, "a"])
        self.module_source("""
            def func1(): return 'changed'
            def func2(): return 'changed'
            class Test:
                def new_func(self):
                    return 'changed'
            number = 1
            from enum import Enum
            class TestEnum(Enum):
                A = 'a'
                B = 'added'
            """)
        self.do("got = (func1(), func2(), Test().new_func(), t.new_func(), number)")
        case.assertEqual(self.ns["got"], ("changed",) * 4 + (1,))
        case.assertEqual(self.ns["TestEnum"].B.value, "added")

    def test_a_star_import_follows_a_module_that_star_imports_another(self) -> None:
        case: Any = self
        self.module_source("def func1(): pass\n")
        self.do("from MOD import *")
        other = case.pkg + "_ext"
        case.write(other + ".py", textwrap.dedent("""
            from enum import Enum
            class Ext(Enum):
                A = 'ext'
            def ext_func():
                return 'ext'
            class ExtTest:
                def meth(self):
                    return 'ext'
            ext_int = 2
            """))
        self.module_source("from {} import *\n".format(other))
        self.do("got = (Ext.A.value, ext_func(), ExtTest().meth(), ext_int)")
        case.assertEqual(self.ns["got"], ("ext", "ext", "ext", 2))

    def test_a_value_imported_under_another_name_follows(self) -> None:
        case: Any = self
        self.module_source("def func1(): pass\nn = 1\n")
        self.do("from MOD import n as foo")
        with case.assertRaises(NameError):
            self.do("func1()")
        self.module_source("n = 100\ndef func2(): pass\ndef func1(): pass\nm = 5\n")
        self.do("pass")
        case.assertEqual(self.ns["foo"], 100)
        for code in ("n", "m", "func2"):
            with case.assertRaises(NameError):
                self.do(code)

    def test_a_renamed_import_keeps_its_source_when_the_module_gains_its_name(self) -> None:
        case: Any = self
        self.module_source("def func1(): pass\nn = 1\n")
        self.do("from MOD import n as foo")
        self.module_source("n = 100\ndef func1(): pass\nfoo = 45\n")
        self.do("pass")
        case.assertEqual(self.ns["foo"], 100)
        self.do("from MOD import foo")
        case.assertEqual(self.ns["foo"], 45)
        self.module_source("n = 200\ndef func1(): pass\nfoo = 46\n")
        self.do("pass")
        case.assertEqual(self.ns["foo"], 46)

    def test_the_last_import_of_a_name_decides_what_it_follows(self) -> None:
        case: Any = self
        self.module_source("foo = 'original_foo'\nbar = 'original_bar'\n")
        self.do("from MOD import foo as bar")
        self.do("from MOD import bar")
        self.do("from MOD import bar as baz")
        self.do("from MOD import foo as baz")
        self.module_source("foo = 'modified_foo'\nbar = 'modified_bar'\n")
        self.do("x = 1")
        case.assertEqual((self.ns["bar"], self.ns["baz"]), ("modified_bar", "modified_foo"))

    def test_one_attribute_imported_under_two_names(self) -> None:
        case: Any = self
        self.module_source("foo = 'original_foo'\nbar = 'original_bar'\n")
        self.do("from MOD import foo as bar")
        self.do("from MOD import foo")
        self.module_source("foo = 'modified_foo'\nbar = 'modified_bar'\n")
        self.do("pass")
        case.assertEqual((self.ns["bar"], self.ns["foo"]), ("modified_foo", "modified_foo"))

    def test_a_plain_import_sees_new_attributes(self) -> None:
        case: Any = self
        self.module_source("def func1(): pass\nn = 1\n")
        self.do("from MOD import n")
        self.do("import MOD")
        self.module_source("n = 100\ndef func2(): return 2\ndef func1(): pass\nm = 5\n")
        self.do("got = (MOD.n, MOD.func2(), MOD.m, n)")
        case.assertEqual(self.ns["got"], (100, 2, 5, 100))

    def test_names_not_imported_stay_out(self) -> None:
        case: Any = self
        self.module_source("def func1(): pass\nn = 1\n")
        self.do("from MOD import n")
        self.module_source("n = 1\ndef func2(): pass\ndef func1(): pass\nm = 5\n")
        for code in ("func1", "func2", "m"):
            with case.assertRaises(NameError):
                self.do(code)
        self.do("from MOD import m")
        self.do("from MOD import func1, func2")
        case.assertEqual(self.ns["m"], 5)
        self.module_source("n = 1\ndef func2(): pass\ndef func1(): pass\nm = 6\ndef func3(): pass\n")
        self.do("pass")
        case.assertEqual(self.ns["m"], 6)
        case.assertNotIn("func3", self.ns)  # every name imported one by one is not a star

    def test_a_name_the_user_rebound_is_left_alone(self) -> None:
        case: Any = self
        self.module_source("n = 1\nlimit = 3\n")
        self.do("from MOD import n, limit\nn = 'mine'")
        self.module_source("n = 2\nlimit = 4\n")
        self.do("pass")
        case.assertEqual((self.ns["n"], self.ns["limit"]), ("mine", 4))

    def test_a_user_variable_named_In(self) -> None:
        case: Any = self
        self.module_source("def hello():\n    return 'Hello'\n")
        self.do("import MOD\nres = MOD.hello()")
        self.ns["In"] = "some_value"
        self.module_source("def hello():\n    return 'Changed'\n")
        self.do("res = MOD.hello()")
        case.assertEqual(self.ns["res"], "Changed")

    # ------------------------------------------------ the whole cycle

    def test_failure_success_deletion_off_and_on(self) -> None:
        case: Any = self
        path = self.module_source("""
            x = 9
            z = 123
            def foo(y):
                return y + 3
            class Baz(object):
                def __init__(self, x):
                    self.x = x
                def bar(self, y):
                    return self.x + y
                @property
                def quux(self):
                    return 42
                def zzz(self):
                    return 99
            """)
        self.do("import MOD")
        module = sys.modules[self.module]
        old_foo, old_obj = module.foo, module.Baz(9)

        def unchanged() -> None:
            case.assertEqual((module.x, module.z, old_foo(0), module.foo(0)), (9, 123, 3, 3))
            case.assertEqual((old_obj.bar(1), old_obj.quux, old_obj.zzz()), (10, 42, 99))

        # A failed reload: one line naming the file and line, once; nothing changes.
        self.module_source("\na syntax error\n")
        out, err = self.do("pass")
        case.assertEqual(out, "")
        case.assertRegex(err, r"^reloader: reloading {!r} failed at {}:2: SyntaxError: "
                         r"invalid syntax; nothing was changed\n$".format(
                             self.module, _escape(path)))
        case.assertEqual(self.do("pass"), ("", ""))
        unchanged()
        self.module_source("""
            x = 10
            def foo(y):
                return y + 4
            class Baz(object):
                def __init__(self, x):
                    self.x = x
                def bar(self, y):
                    return self.x + y + 1
                @property
                def quux(self):
                    return 43
            """)
        self.do("pass")
        case.assertEqual((module.x, old_foo(0), module.foo(0)), (10, 4, 4))
        case.assertFalse(hasattr(module, "z"))
        case.assertEqual((old_obj.bar(1), old_obj.quux, module.Baz(9).bar(1)), (11, 43, 11))
        case.assertFalse(hasattr(old_obj, "zzz"))

        # A deleted file reloads nothing; the module stays.
        current = sys.modules[self.module]
        os.remove(path)
        out, err = self.do("pass")
        case.assertRegex(out, r"^reloader: reloaded 0 modules, 1 missing in \d+ ms\n$")
        case.assertIs(sys.modules[self.module], current)
        case.assertEqual(module.x, 10)

        # Off: an edit is not reloaded; on again: it is.
        case.assertEqual(self.do("%reload --off"), ("reloader: automatic mode is off\n", ""))
        self.module_source("x = -99\n")
        self.do("pass")
        case.assertEqual(module.x, 10)
        self.do("%reload --auto " + case.root)
        self.do("pass")
        case.assertEqual(module.x, -99)

    def test_an_edit_saved_before_automatic_mode(self) -> None:
        case: Any = self
        self.do("%reload --off")
        self.module_source("VALUE = 1\n")
        self.do("import MOD")
        self.module_source("VALUE = 2\n")
        self.do("%reload --auto " + case.root)
        self.do("got = MOD.VALUE")
        case.assertEqual(self.ns["got"], 2)

    def test_a_fix_after_a_failed_reload_before_automatic_mode(self) -> None:
        case: Any = self
        self.do("%reload --off")
        self.module_source("VALUE = 1\n")
        self.do("import MOD")
        self.module_source("VALUE = (\n")
        out, err = self.do("%reload MOD")
        case.assertTrue(err.startswith("reloader: reloading {!r} failed at ".format(
            self.module)), err)
        self.module_source("VALUE = 3\n")
        self.do("%reload --auto " + case.root)
        self.do("got = MOD.VALUE")
        case.assertEqual(self.ns["got"], 3)

    def test_a_cell_that_fails_before_its_import_notes_nothing(self) -> None:
        case: Any = self
        self.module_source("foo = 'foo1'\nbar = 'bar1'\n")
        self.do("from MOD import foo as bar")
        with case.assertRaises(ZeroDivisionError):
            self.do("1 / 0\nfrom MOD import bar")
        self.module_source("foo = 'foo2'\nbar = 'bar2'\n")
        self.do("pass")
        case.assertEqual(self.ns["bar"], "foo2")

    def test_verbose_automatic_mode_lists_every_module(self) -> None:
        case: Any = self
        self.module_source("VALUE = 1\n")
        self.do("import MOD")
        self.do("%reload --auto --verbose " + case.root)
        self.module_source("VALUE = 2\n")
        out, _ = self.do("pass")
        lines = out.splitlines()
        case.assertRegex(lines[0], r"^reloader: reloaded 1 module in \d+ ms$")
        case.assertEqual(lines[1], "reloader:   reloaded  {} (selected)".format(self.module))
        for line in lines[2:]:  # IPython's user namespace is __main__, never reloaded
            case.assertTrue(line.startswith("reloader:   skipped   __main__ ("), line)

    # ------------------------------------------------ what the extension prints

    def test_status_says_what_is_watched_how_and_the_last_report(self) -> None:
        case: Any = self
        out, _ = self.do("%reload --status")
        case.assertEqual(out.splitlines(), [
            "reloader: automatic mode is on: before each cell, checking the source files "
            "under {} ({})".format(os.path.realpath(case.root), HOW),
            "reloader: last report: none yet",
            "reloader: not listening for editors",
        ])
        self.module_source("VALUE = 1\n")
        self.do("import MOD")
        self.module_source("VALUE = 2\n")
        self.do("pass")
        out, _ = self.do("%reload --status")
        case.assertRegex(out.splitlines()[1], r"^reloader: last report: reloaded 1 module in ")
        self.do("%reload --off")
        out, _ = self.do("%reload --status")
        case.assertEqual(out.splitlines()[0], "reloader: automatic mode is off")

    def test_bad_options_and_paths_are_one_line(self) -> None:
        case: Any = self
        missing = os.path.join(case.root, "does", "not", "exist")
        for line, expected in [
            ("%reload --auto " + missing,
             "watched path {!r} does not exist; give an existing folder or file".format(
                 missing)),
            ("%reload --bogus x", "unknown option '--bogus'; use --plan, --verbose, --auto, "
                                  "--off, --status, --listen"),
            ("%reload --plan --auto", "--plan and --auto do not go together; give one"),
            ("%reload --off now", "--off takes no target, not 'now'"),
            ("%reload --plan", "--plan needs a target: a dotted module name or a folder"),
            ("%reload 'unclosed", "cannot read \"'unclosed\": No closing quotation; quote "
                                  "paths that hold spaces"),
            ("%reload no_such_package_here", "no loaded module matches "
             "'no_such_package_here'; import it first, or check the spelling"),
        ]:
            case.assertEqual(self.do(line), ("", "reloader: " + expected + "\n"), line)
        out, _ = self.do("%reload --status")  # the bad --auto left automatic mode as it was
        case.assertTrue(out.startswith("reloader: automatic mode is on"), out)

    def test_every_line_printed_starts_with_the_prefix(self) -> None:
        case: Any = self
        self.module_source("VALUE = 1\n")
        self.do("import MOD")
        outputs = [self.do("%reload"), self.do("%reload --plan MOD"),
                   self.do("%reload --verbose MOD")]
        path = self.module_source("VALUE = (\n")
        outputs.append(self.do("%reload --verbose MOD"))
        for out, err in outputs:
            for line in (out + err).splitlines():
                case.assertTrue(line.startswith("reloader:"), line)
        case.assertIn("reloader:   reload  {} (selected)".format(self.module),
                      outputs[1][0].splitlines())
        case.assertIn("reloader:   reloaded  {} (selected)".format(self.module),
                      outputs[2][0].splitlines())
        lines = outputs[3][1].splitlines()
        case.assertTrue(lines[0].startswith("reloader: reloading {!r} failed at {}:1: "
                                            "SyntaxError".format(self.module, path)), lines[0])
        case.assertIn("reloader: SyntaxError: '(' was never closed"
                      if sys.version_info >= (3, 10) else "reloader: SyntaxError: "
                      "unexpected EOF while parsing", lines)


def _escape(text: str) -> str:
    import re

    return re.escape(text)


class FakeShellTest(NotebookBehaviour, PackageCase):
    """The behaviours against the fake shell: the extension's logic, without IPython."""

    def setUp(self) -> None:
        super().setUp()
        self.shell = FakeShell()
        reloader.load_ipython_extension(self.shell)
        self.addCleanup(reloader.unload_ipython_extension, self.shell)
        self.start()

    def cell(self, code: str) -> Tuple[str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            result = self.shell.run_cell(code)
        if result.error_in_exec is not None:
            raise result.error_in_exec
        return out.getvalue(), err.getvalue()

    def test_unload_takes_back_everything_it_added(self) -> None:
        reloader.unload_ipython_extension(self.shell)
        self.assertEqual(self.shell.magics_manager.magics["line"], {})
        self.assertEqual(self.shell.ast_transformers, [])
        self.assertEqual(self.shell.events.callbacks,
                         {"pre_run_cell": [], "post_run_cell": []})


class FromImportsTest(unittest.TestCase):
    def test_the_statements_a_cell_runs_at_its_top_level_in_order(self) -> None:
        tree = ast.parse(textwrap.dedent("""
            from a import x as y, z
            if True:
                from b import *
            try:
                from c.d import w
            except ImportError:
                pass
            from . import local
            def f():
                from e import hidden
            class K:
                from g import member
            """))
        self.assertEqual(_names.from_imports(tree), [
            ("a", [("x", "y"), ("z", "z")]),
            ("b", [("*", "*")]),
            ("c.d", [("w", "w")]),
        ])


class ConsoleTest(PackageCase):
    """A namespace given to rebind_namespace() with nothing noting its statements."""

    def setUp(self) -> None:
        super().setUp()
        self.ns: Dict[str, Any] = {"__name__": "__console__"}
        self.addCleanup(reloader.rebind_namespace(self.ns))

    def run_code(self, code: str) -> None:
        exec(code.replace("MOD", self.pkg), self.ns)  # noqa: S102

    def test_plain_values_imported_by_name_follow(self) -> None:
        self.write("{pkg}.py", "LIMIT = 3\nNAME = 'a'\nPAIR = (1, 2)\n")
        self.run_code("from MOD import LIMIT, NAME\nmine = 3")
        self.write("{pkg}.py", "LIMIT = 4\nNAME = 'b'\nPAIR = (1, 2)\n")
        reloader.reload(self.pkg)
        self.assertEqual((self.ns["LIMIT"], self.ns["NAME"], self.ns["mine"]), (4, "b", 3))
        self.assertNotIn("PAIR", self.ns)  # not every name was imported: not a star

    def test_a_star_import_brings_new_names(self) -> None:
        self.write("{pkg}.py", "A = 1\nB = 2\n")
        self.run_code("from MOD import *")
        self.write("{pkg}.py", "A = 1\nB = 3\nC = 4\ndef f():\n    return 5\n")
        reloader.reload(self.pkg)
        self.assertEqual((self.ns["B"], self.ns["C"], self.ns["f"]()), (3, 4, 5))

    def test_a_name_rebound_since_is_left_alone(self) -> None:
        self.write("{pkg}.py", "A = 'one'\nB = 2\n")
        self.run_code("from MOD import *\nA = 'mine'")
        self.write("{pkg}.py", "A = 'two'\nB = 2\nC = 3\n")
        reloader.reload(self.pkg)
        self.assertEqual(self.ns["A"], "mine")
        self.assertNotIn("C", self.ns)  # A no longer comes from it: no proof of a star

    def test_modules_that_disagree_leave_the_name_alone(self) -> None:
        self.write("{pkg}_a.py", "LIMIT = 3\n")
        self.write("{pkg}_b.py", "LIMIT = 3\n")
        self.run_code("from MOD_a import LIMIT\nimport MOD_b")
        self.write("{pkg}_a.py", "LIMIT = 4\n")
        self.write("{pkg}_b.py", "LIMIT = 5\n")
        reloader.reload(self.pkg + "_a", self.pkg + "_b")
        self.assertEqual(self.ns["LIMIT"], 3)

    def test_the_standard_console(self) -> None:
        import code

        self.write("{pkg}.py", "LIMIT = 3\n")
        console = code.InteractiveConsole(self.ns)
        console.push("from {} import LIMIT".format(self.pkg))
        self.write("{pkg}.py", "LIMIT = 4\n")
        console.push("import reloader; reloader.reload({!r})".format(self.pkg))
        console.push("seen = LIMIT")
        self.assertEqual(self.ns["seen"], 4)


if __name__ == "__main__":
    unittest.main()
