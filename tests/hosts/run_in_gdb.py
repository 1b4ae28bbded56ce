"""Run the core test suite inside gdb's embedded Python.

    gdb -nx -batch -x tests/hosts/run_in_gdb.py

The same unittest cases as `python -m unittest discover -s tests -t .`,
minus tests/hosts (they start host programs themselves). Prints a closing
line "N passed, M failed" and makes gdb exit non-zero on any failure, or
when no test was found.
"""

import os
import sys
import unittest

import gdb


def _here() -> None:
    """Its code knows this file's name; gdb's __file__ is the outermost sourced file."""


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    _here.__code__.co_filename))))


def _real_executable() -> None:
    # gdb reports /usr/bin/python, which need not exist; tests that start a
    # Python of their own need the interpreter gdb embeds.
    if not os.path.exists(sys.executable):
        candidate = os.path.join(sys.base_exec_prefix, "bin", "python{}.{}".format(
            *sys.version_info[:2]))
        if os.path.exists(candidate):
            sys.executable = candidate


def main() -> int:
    _real_executable()
    sys.path.insert(0, ROOT)
    os.chdir(ROOT)
    loader = unittest.TestLoader()
    found = loader.discover(os.path.join(ROOT, "tests"), pattern="test_*.py", top_level_dir=ROOT)
    suite = unittest.TestSuite()

    def add(tests: unittest.TestSuite) -> None:
        for test in tests:
            if isinstance(test, unittest.TestSuite):
                add(test)
            elif not type(test).__module__.startswith("tests.hosts."):
                suite.addTest(test)

    add(found)
    print("running {} tests in gdb's Python {}".format(
        suite.countTestCases(), sys.version.split()[0]))
    result = unittest.TextTestRunner(stream=sys.stderr, verbosity=1).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    if result.skipped:
        print("{} skipped".format(len(result.skipped)))
    print("{} passed, {} failed".format(passed, failed))
    return 1 if failed or not result.testsRun else 0


_code = main()
sys.stdout.flush()
sys.stderr.flush()
gdb.execute("quit {}".format(_code))
