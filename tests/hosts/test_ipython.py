"""reloader in a real IPython shell (in this process) and in a real Jupyter kernel.

The shell tests need IPython importable here. The kernel tests run a driver
in a Python that has ipykernel and jupyter_client: $RELOADER_IPYKERNEL_PYTHON,
else .venv-hosts/ipykernel (made by tests/real_hosts.py), else this Python.
"""

import contextlib
import io
import json
import os
import subprocess
import sys
import unittest
from typing import Any, List, Tuple

from ..support import PackageCase
from ..test_notebook import HOW, NotebookBehaviour
from ._real import ROOT, VENVS, HostCase, skip_if_disabled, unavailable


class ShellTest(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        skip_if_disabled()
        try:
            from IPython.core.interactiveshell import InteractiveShell
        except ImportError:
            unavailable("IPython is not installed for {}".format(sys.executable))
        self.shell = InteractiveShell.instance()
        self.addCleanup(self.cell, "%unload_ext reloader")
        self.files({
            "{pkg}/__init__.py": "from . import core\n",
            "{pkg}/core.py": "def greet():\n    return 'v1'\n",
        })
        self.assertEqual(self.cell("%load_ext reloader"), ("", ""))
        self.cell("import {pkg}\nfrom {pkg}.core import greet".format(pkg=self.pkg))
        self.addCleanup(self.shell.user_ns.pop, self.pkg, None)
        self.addCleanup(self.shell.user_ns.pop, "greet", None)

    def cell(self, code: str) -> Tuple[str, str]:
        """Run a cell; return what it printed to stdout and stderr."""
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            result = self.shell.run_cell(code)
        if result.error_in_exec is not None:
            raise result.error_in_exec
        return out.getvalue(), err.getvalue()

    def test_reload_magic_prints_the_report(self) -> None:
        self.write("{pkg}/core.py", "def greet():\n    return 'v2'\n")
        out, err = self.cell("%reload " + self.pkg)
        self.assertRegex(out, r"^reloader: reloaded 2 modules in \d+ ms\n$")
        self.assertEqual(err, "")
        self.assertEqual(self.shell.user_ns[self.pkg].core.greet(), "v2")
        self.assertIs(self.shell.user_ns[self.pkg], sys.modules[self.pkg])

    def test_failed_reload_prints_the_error_with_file_and_line(self) -> None:
        old = self.mod("{pkg}.core")
        path = self.write("{pkg}/core.py", "x = 1\nundefined_name\n")
        out, err = self.cell("%reload " + self.pkg)
        self.assertEqual(out, "")
        self.assertEqual(
            err,
            "reloader: reloading '{}.core' failed at {}:2: NameError: name 'undefined_name' is not "
            "defined; restored 2 modules to their previous state\n".format(self.pkg, path),
        )
        self.assertIs(sys.modules[self.pkg + ".core"], old)

    def test_plan_and_usage(self) -> None:
        out, _ = self.cell("%reload --plan " + self.pkg)
        lines = out.splitlines()
        self.assertEqual(lines[0], "reloader: would reload 2 modules, skip 1")
        self.assertEqual(sorted(lines[1:3]), [  # the order in a cycle is the core's business
            "reloader:   reload  {} (selected)".format(self.pkg),
            "reloader:   reload  {}.core (selected)".format(self.pkg),
        ])
        self.assertTrue(lines[3].startswith("reloader:   skip    __main__ ("), out)
        self.assertEqual(len(lines), 4)
        out, err = self.cell("%reload")
        self.assertEqual(err, "")
        self.assertTrue(out.startswith("reloader: %reload TARGET...  "), out)
        _, err = self.cell("%reload no_such_package_here")
        self.assertEqual(
            err,
            "reloader: no loaded module matches 'no_such_package_here'; import it first, "
            "or check the spelling\n",
        )

    def test_names_in_the_user_namespace_are_rebound(self) -> None:
        self.write("{pkg}/core.py", "def greet():\n    return 'v2'\n")
        self.cell("%reload " + self.pkg)
        self.cell("result = greet()")
        self.assertEqual(self.shell.user_ns.pop("result"), "v2")

    def test_unload_removes_the_magic(self) -> None:
        self.cell("%unload_ext reloader")
        self.assertNotIn("reload", self.shell.magics_manager.magics["line"])
        self.cell("%load_ext reloader")
        self.assertIn("reload", self.shell.magics_manager.magics["line"])

    def test_automatic_mode_reloads_before_each_cell(self) -> None:
        out, _ = self.cell("%reload --auto " + self.root)
        self.assertEqual(out, "reloader: before each cell, reloading what changed under {}\n"
                         .format(os.path.realpath(self.root)))
        self.assertEqual(self.cell("pass"), ("", ""))
        self.write("{pkg}/core.py", "def greet():\n    return 'v2'\n")
        out, _ = self.cell("result = {}.core.greet()".format(self.pkg))
        self.assertRegex(out, r"^reloader: reloaded \d+ modules? in \d+ ms\n$")
        self.assertEqual(self.shell.user_ns.pop("result"), "v2")
        self.assertEqual(self.cell("%reload --off"), ("reloader: automatic mode is off\n", ""))
        self.write("{pkg}/core.py", "def greet():\n    return 'v3'\n")
        self.assertEqual(self.cell("pass"), ("", ""))
        self.assertEqual(self.shell.user_ns[self.pkg].core.greet(), "v2")


class ShellBehaviourTest(NotebookBehaviour, PackageCase):
    """What %reload --auto promises a notebook, in a real IPython shell."""

    def setUp(self) -> None:
        super().setUp()
        skip_if_disabled()
        try:
            from IPython.core.interactiveshell import InteractiveShell
        except ImportError:
            unavailable("IPython is not installed for {}".format(sys.executable))
        self.shell = InteractiveShell.instance()
        before = set(self.shell.user_ns)

        def forget_new_names() -> None:
            for name in set(self.shell.user_ns) - before:
                del self.shell.user_ns[name]

        self.addCleanup(forget_new_names)
        self.addCleanup(self.cell, "%unload_ext reloader")
        self.cell("%load_ext reloader")
        self.start()

    def cell(self, code: str) -> Tuple[str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            result = self.shell.run_cell(code)
        if result.error_in_exec is not None:
            raise result.error_in_exec
        return out.getvalue(), err.getvalue()


DRIVER = r"""
import json, os, sys
from jupyter_client.manager import start_new_kernel

steps = json.load(open(sys.argv[1]))
outputs = []
km, kc = start_new_kernel(kernel_name="python3")
try:
    for step in steps:
        if step[0] == "edit":
            _, path, text, stamp = step
            with open(path, "w") as handle:
                handle.write(text)
            os.utime(path, (stamp, stamp))
            continue
        out = {"stdout": "", "stderr": "", "error": None, "result": None}
        def hook(message, out=out):
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                out[content["name"]] += content["text"]
            elif kind == "error":
                out["error"] = content["ename"] + ": " + content["evalue"]
            elif kind == "execute_result":
                out["result"] = content["data"].get("text/plain")
        kc.execute_interactive(step[1], output_hook=hook, timeout=120)
        outputs.append(out)
    outputs.append({"pid": kc.execute_interactive("import os; print(os.getpid())",
                                                  timeout=60)["content"]["status"]})
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
with open(sys.argv[2], "w") as handle:
    json.dump(outputs, handle)
"""


def _kernel_python() -> str:
    candidates = [os.environ.get("RELOADER_IPYKERNEL_PYTHON", ""),
                  os.path.join(VENVS, "ipykernel", "bin", "python"), sys.executable]
    for python in candidates:
        if python and os.path.exists(python) and subprocess.run(
            [python, "-c", "import ipykernel, jupyter_client"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ).returncode == 0:
            return python
    unavailable("no Python with ipykernel and jupyter_client (tests/real_hosts.py makes "
                ".venv-hosts/ipykernel; or set RELOADER_IPYKERNEL_PYTHON)")
    raise AssertionError("unreachable")


class KernelTest(HostCase):
    def setUp(self) -> None:
        super().setUp()
        self.python = _kernel_python()
        self.write("lib/kpkg/__init__.py", "from . import core\n")
        self.core = self.write("lib/kpkg/core.py", "def greet():\n    return 'v1'\n")
        self.stamp = int(os.stat(self.core).st_mtime)

    def edit(self, text: str, path: str = "") -> List[Any]:
        self.stamp += 2
        return ["edit", path or self.core, text, self.stamp]

    def kernel(self, *steps: List[Any]) -> List[Any]:
        setup = ["run", "import sys; sys.path[:0] = [{!r}, {!r}]\n%load_ext reloader\n"
                 "import kpkg".format(ROOT, os.path.join(self.tmp, "lib"))]
        with open(os.path.join(self.tmp, "steps.json"), "w") as handle:
            json.dump([setup] + list(steps), handle)
        driver = self.write("driver.py", DRIVER)
        results = os.path.join(self.tmp, "outputs.json")
        done = self.run_program([self.python, driver, "steps.json", results], timeout=300)
        self.assertEqual(done.returncode, 0, done.stdout)
        with open(results) as handle:
            outputs = json.load(handle)
        self.assertEqual(outputs[0], {"stdout": "", "stderr": "", "error": None, "result": None})
        return outputs[1:]

    def test_reload_magic_in_a_kernel(self) -> None:
        outputs = self.kernel(
            self.edit("def greet():\n    return 'v2'\n"),
            ["run", "%reload kpkg"],
            ["run", "kpkg.core.greet()"],
            self.edit("undefined_name\n"),
            ["run", "%reload kpkg"],
            ["run", "kpkg.core.greet()"],
        )
        self.assertRegex(outputs[0]["stdout"], r"^reloader: reloaded 2 modules in \d+ ms\n$",
                         outputs[0])
        self.assertEqual(outputs[1]["result"], "'v2'")
        self.assertEqual(
            outputs[2]["stderr"],
            "reloader: reloading 'kpkg.core' failed at {}:1: NameError: name 'undefined_name' is not "
            "defined; restored 2 modules to their previous state\n".format(self.core),
        )
        self.assertEqual(outputs[3]["result"], "'v2'")
        self.assertEqual(outputs[4], {"pid": "ok"})

    def test_automatic_mode_in_a_kernel(self) -> None:
        lib = os.path.join(self.tmp, "lib")
        outputs = self.kernel(
            ["run", "%reload --auto " + lib],
            ["run", "pass"],
            self.edit("def greet():\n    return 'v2'\n"),
            ["run", "kpkg.core.greet()"],
        )
        self.assertEqual(
            outputs[0]["stdout"],
            "reloader: before each cell, reloading what changed under {}\n".format(lib),
        )
        self.assertEqual(outputs[1]["stdout"], "")
        self.assertRegex(outputs[2]["stdout"], r"^reloader: reloaded \d+ modules? in \d+ ms\n$")
        self.assertEqual(outputs[2]["result"], "'v2'")

    def test_names_earlier_edits_status_and_errors_in_a_kernel(self) -> None:
        lib = os.path.join(self.tmp, "lib")
        module = self.write("lib/knb.py", "LIMIT = 1\nNAME = 'a'\n")
        missing = os.path.join(self.tmp, "does", "not", "exist")
        outputs = self.kernel(
            ["run", "from knb import *\nfrom knb import LIMIT as limit"],
            self.edit("LIMIT = 2\nNAME = 'a'\nNEW = 'new'\n", module),  # before --auto
            ["run", "%reload --auto " + lib],
            ["run", "(LIMIT, limit, NAME, NEW)"],
            ["run", "%reload --status"],
            ["run", "%reload --auto " + missing],
        )
        self.assertEqual(outputs[0]["error"], None, outputs[0])
        self.assertRegex(outputs[2]["stdout"], r"^reloader: reloaded 1 module in \d+ ms\n$")
        self.assertEqual(outputs[2]["result"], "(2, 2, 'a', 'new')")
        self.assertEqual(outputs[3]["stdout"].splitlines()[0],
                         "reloader: automatic mode is on: before each cell, checking the "
                         "source files under {} ({})".format(os.path.realpath(lib), HOW))
        self.assertRegex(outputs[3]["stdout"].splitlines()[1],
                         r"^reloader: last report: reloaded 1 module in \d+ ms$")
        self.assertEqual(outputs[4], {
            "stdout": "", "error": None, "result": None,
            "stderr": "reloader: watched path {!r} does not exist; give an existing folder or "
                      "file\n".format(missing)})


if __name__ == "__main__":
    unittest.main()
