"""The error text of a failed reload: the user's frames, never reloader's unless it failed."""

import os
import sys

import reloader
from reloader import _usertrace
from tests.support import PackageCase

RELOADER = os.path.dirname(os.path.realpath(reloader.__file__))


def failed_report(case: PackageCase) -> reloader.Report:
    with case.assertRaises(reloader.ReloadError) as caught:
        reloader.reload(case.pkg)
    return caught.exception.report


class UserTracebackTest(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        self.files({"{pkg}/__init__.py": "from . import ui\n", "{pkg}/ui.py": "X = 1\n"})
        self.load("{pkg}")

    def assert_no_machinery(self, lines: list) -> None:
        for line in lines:
            self.assertNotIn(RELOADER, line)
            self.assertNotIn("<frozen", line)
            self.assertNotIn("importlib", line)

    def test_syntax_error_shows_file_line_source_and_caret(self) -> None:
        path = self.write("{pkg}/ui.py", "X = 1\ndef broken(:\n    pass\n")
        lines = failed_report(self).format().split("\n\n", 1)[1].splitlines()
        self.assert_no_machinery(lines)
        self.assertEqual(lines[0], '  File "{}", line 2'.format(path))
        self.assertEqual(lines[1].strip(), "def broken(:")
        self.assertEqual(lines[2].strip(), "^")
        self.assertLess(lines[1].index("def"), lines[2].index("^"))  # under the line:
        self.assertLess(lines[2].index("^"), len(lines[1]) + 1)  # where varies by version
        self.assertTrue(lines[-1].startswith("SyntaxError: "), lines[-1])

    def test_runtime_error_shows_only_the_users_frames(self) -> None:
        helper = self.write("{pkg}/helper.py", "def fail():\n    raise KeyError('gone')\n")
        ui = self.write("{pkg}/ui.py", "from {pkg}.helper import fail\n\nfail()\n")
        lines = failed_report(self).format().split("\n\n", 1)[1].splitlines()
        self.assert_no_machinery(lines)
        init = self.path("{pkg}/__init__.py")
        self.assertEqual(
            [line for line in lines if line.startswith("  File")],
            [
                '  File "{}", line 1, in <module>'.format(init),
                '  File "{}", line 3, in <module>'.format(ui),
                '  File "{}", line 2, in fail'.format(helper),
            ],
        )
        self.assertEqual(lines[0], "Traceback (most recent call last):")
        self.assertEqual(lines[-1], "KeyError: 'gone'")
        self.assertIn("    raise KeyError('gone')", lines)

    def test_a_chained_error_shows_both_exceptions(self) -> None:
        self.write(
            "{pkg}/ui.py",
            "try:\n    {}['key']\nexcept KeyError as error:\n    raise ValueError('bad') from error\n",
        )
        lines = failed_report(self).format().split("\n\n", 1)[1].splitlines()
        self.assert_no_machinery(lines)
        self.assertIn("KeyError: 'key'", lines)
        self.assertIn(
            "The above exception was the direct cause of the following exception:", lines
        )
        self.assertEqual(lines[-1], "ValueError: bad")

    def test_an_error_raised_by_reloader_keeps_its_frames(self) -> None:
        try:
            reloader.reload(42)  # type: ignore[arg-type]
        except TypeError as error:
            raised = error
        lines = _usertrace.user_traceback(raised)
        self.assertEqual(lines[0], "Traceback (most recent call last):")
        self.assertTrue(any(RELOADER in line for line in lines), lines)
        self.assertEqual(lines[-1], "TypeError: " + str(raised))
        self.assertIs(sys.modules[self.pkg + ".ui"].X, 1)
