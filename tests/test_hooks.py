"""Module hooks around a reload: order, state, failures, and reloads from inside one."""

import sys
import unittest

import reloader

from .support import PackageCase

HOOKS = """\
import {pkg}_log

VALUE = {value!r}

def __before_reload__():
    {pkg}_log.calls.append(("before", __name__, VALUE))
    return {pkg}_log.state(__name__)

def __after_reload__(state):
    {pkg}_log.calls.append(("after", __name__, VALUE, state))
"""


class HookCase(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        self.write("{pkg}_log.py", "calls = []\n\ndef state(name):\n    return {'from': name}\n")
        self.log = self.load("{pkg}_log")

    def module(self, relative: str, value: object, extra: str = "", imports: str = "") -> None:
        self.write(relative, imports + HOOKS.replace("{value!r}", repr(value)) + extra)

    def chain(self, value: object) -> None:
        """a; b imports a; c imports b; all with hooks."""
        self.write("{pkg}/__init__.py", "")
        self.module("{pkg}/a.py", value)
        self.module("{pkg}/b.py", value, imports="from . import a\n")
        self.module("{pkg}/c.py", value, imports="from . import b\n")


class OrderTest(HookCase):
    def test_before_importers_first_after_dependencies_first(self) -> None:
        self.chain("old")
        self.load("{pkg}.c")
        self.chain("new")
        reloader.reload(self.pkg)
        a, b, c = (self.pkg + "." + n for n in "abc")
        self.assertEqual(
            self.log.calls,
            [
                ("before", c, "old"),
                ("before", b, "old"),
                ("before", a, "old"),
                ("after", a, "new", {"from": a}),
                ("after", b, "new", {"from": b}),
                ("after", c, "new", {"from": c}),
            ],
        )

    def test_state_is_handed_over_as_is(self) -> None:
        self.write("{pkg}/__init__.py", "")
        source = """\
            import {pkg}_log
            items = []

            def __before_reload__():
                return items

            def __after_reload__(state):
                {pkg}_log.calls.append(state)
                items.extend(state)
        """
        self.write("{pkg}/a.py", source)
        old = self.load("{pkg}.a")
        old.items.append("kept")
        old_items = old.items
        reloader.reload(self.pkg)
        self.assertIs(self.log.calls[0], old_items)
        self.assertEqual(self.mod("{pkg}.a").items, ["kept"])
        self.assertIsNot(self.mod("{pkg}.a").items, old_items)

    def test_module_without_before_hook_gets_none(self) -> None:
        self.write("{pkg}/__init__.py", "")
        self.write(
            "{pkg}/a.py",
            "import {pkg}_log\n\ndef __after_reload__(state):\n"
            "    {pkg}_log.calls.append(state)\n",
        )
        self.load("{pkg}.a")
        reloader.reload(self.pkg)
        self.assertEqual(self.log.calls, [None])

    def test_hooks_that_are_not_callable_are_ignored(self) -> None:
        self.write("{pkg}/__init__.py", "__before_reload__ = 1\n__after_reload__ = None\n")
        self.load("{pkg}")
        report = reloader.reload(self.pkg)
        self.assertEqual(report.reloaded, (self.pkg,))
        self.assertEqual(report.warnings, [])


class HookFailureTest(HookCase):
    def test_before_hook_raising_is_a_warning(self) -> None:
        self.chain("old")
        path = self.write(
            "{pkg}/b.py",
            "from . import a\n\ndef __before_reload__():\n    raise ValueError('nope')\n",
        )
        self.load("{pkg}.c")
        self.chain("new")
        self.write(
            "{pkg}/b.py",
            "from . import a\n\ndef __before_reload__():\n    raise ValueError('nope')\n",
        )
        report = reloader.reload(self.pkg)
        self.assertTrue(report.ok)
        self.assertEqual(
            report.warnings,
            [
                "__before_reload__ of {!r} failed at {}:4: ValueError: nope".format(
                    self.pkg + ".b", path
                )
            ],
        )
        self.assertEqual(self.mod("{pkg}.c").VALUE, "new")
        self.assertEqual(str(report).split(" in ")[0], "reloaded 4 modules, 1 warning")
        a, c = self.pkg + ".a", self.pkg + ".c"
        self.assertEqual(
            self.log.calls,
            [
                ("before", c, "old"),
                ("before", a, "old"),
                ("after", a, "new", {"from": a}),
                ("after", c, "new", {"from": c}),
            ],
        )

    def test_after_hook_raising_keeps_the_new_code(self) -> None:
        self.chain("old")
        self.load("{pkg}.c")
        self.chain("new")
        path = self.path("{pkg}/b.py")
        self.module(
            "{pkg}/b.py", "new",
            imports="from . import a\n",
            extra="\ndef __after_reload__(state):\n    raise LookupError('lost')\n",
        )
        line = open(path).read().splitlines().index("    raise LookupError('lost')") + 1
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(self.pkg)
        error = caught.exception
        self.assertEqual(
            str(error),
            "reloading {!r} failed at {}:{}: LookupError: lost; the new code stays "
            "loaded".format(self.pkg + ".b", path, line),
        )
        self.assertIsInstance(error.__cause__, LookupError)
        self.assertFalse(error.report.rolled_back)
        self.assertEqual(error.report.reloaded, tuple(self.pkg + n for n in ("", ".a", ".b", ".c")))
        for name in "abc":
            self.assertEqual(self.mod("{pkg}." + name).VALUE, "new")
        # The other modules' hooks still ran.
        self.assertIn(("after", self.pkg + ".c", "new", {"from": self.pkg + ".c"}), self.log.calls)

    def test_failed_reload_gives_old_modules_their_state_back(self) -> None:
        self.chain("old")
        self.load("{pkg}.c")
        old = {name: self.mod("{pkg}." + name) for name in "abc"}
        self.chain("new")
        self.module("{pkg}/b.py", "new", imports="from . import a\nraise RuntimeError('boom')\n")
        with self.assertRaises(reloader.ReloadError):
            reloader.reload(self.pkg)
        a, b, c = (self.pkg + "." + n for n in "abc")
        self.assertEqual(
            self.log.calls,
            [
                ("before", c, "old"),
                ("before", b, "old"),
                ("before", a, "old"),
                ("after", c, "old", {"from": c}),
                ("after", b, "old", {"from": b}),
                ("after", a, "old", {"from": a}),
            ],
        )
        for name, module in old.items():
            self.assertIs(self.mod("{pkg}." + name), module)

    def test_keyboard_interrupt_gives_old_modules_their_state_back(self) -> None:
        self.chain("old")
        self.load("{pkg}.c")
        self.chain("new")
        self.write("{pkg}/c.py", "raise KeyboardInterrupt\n")
        with self.assertRaises(KeyboardInterrupt):
            reloader.reload(self.pkg)
        after = [call for call in self.log.calls if call[0] == "after"]
        self.assertEqual([call[1:3] for call in after], [
            (self.pkg + ".c", "old"), (self.pkg + ".b", "old"), (self.pkg + ".a", "old"),
        ])

    def test_syntax_error_calls_no_hook(self) -> None:
        self.chain("old")
        self.load("{pkg}.c")
        self.write("{pkg}/b.py", "def broken(:\n")
        with self.assertRaises(reloader.ReloadError):
            reloader.reload(self.pkg)
        self.assertEqual(self.log.calls, [])


class NestedReloadTest(HookCase):
    MESSAGE = (
        "reload() was called while a reload is running (from module code or a reload "
        "hook); schedule it to run after the current reload instead"
    )

    def test_reload_from_an_after_hook(self) -> None:
        self.write("{pkg}/__init__.py", "")
        self.write(
            "{pkg}/a.py",
            "import reloader\n\ndef __after_reload__(state):\n    reloader.reload({pkg!r})\n"
            .replace("{pkg!r}", repr(self.pkg)),
        )
        self.load("{pkg}.a")
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(self.pkg)
        cause = caught.exception.__cause__
        self.assertIsInstance(cause, RuntimeError)
        self.assertEqual(str(cause), self.MESSAGE)
        self.assertFalse(caught.exception.report.rolled_back)

    def test_reload_from_a_before_hook(self) -> None:
        self.write("{pkg}/__init__.py", "")
        self.write(
            "{pkg}/a.py",
            "import reloader\n\ndef __before_reload__():\n    reloader.reload({pkg!r})\n"
            .replace("{pkg!r}", repr(self.pkg)),
        )
        self.load("{pkg}.a")
        report = reloader.reload(self.pkg)
        self.assertEqual(len(report.warnings), 1)
        self.assertTrue(report.warnings[0].endswith("RuntimeError: " + self.MESSAGE))

    def test_reload_from_module_code(self) -> None:
        self.write("{pkg}/__init__.py", "")
        self.write("{pkg}/a.py", "VALUE = 1\n")
        old = self.load("{pkg}.a")
        self.write("{pkg}/a.py", "import reloader\nreloader.reload({!r})\n".format(self.pkg))
        with self.assertRaises(reloader.ReloadError) as caught:
            reloader.reload(self.pkg)
        self.assertEqual(str(caught.exception.__cause__), self.MESSAGE)
        self.assertTrue(caught.exception.report.rolled_back)
        self.assertIs(self.mod("{pkg}.a"), old)

    def test_a_reload_after_a_refused_one_runs(self) -> None:
        self.test_reload_from_an_after_hook()
        self.write("{pkg}/a.py", "VALUE = 2\n")
        report = reloader.reload(self.pkg)
        self.assertTrue(report.ok)
        self.assertIn(self.pkg + "_log", sys.modules)


if __name__ == "__main__":
    unittest.main()
