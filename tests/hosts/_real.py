"""Shared helpers for the tests that drive real host programs (gdb, Vim, IPython, Blender).

Each such test runs the program in a subprocess on throwaway files and reads
back what the program wrote. When the program is missing the test skips with
the reason, unless RELOADER_REAL_HOSTS=1 is set (CI): then it fails, so a
broken install is never mistaken for a pass. RELOADER_REAL_HOSTS=0 skips them
all, for a run that leaves the real hosts to tests/real_hosts.py.
"""

import os
import shutil
import subprocess
import tempfile
import textwrap
import unittest
from typing import Dict, List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOSTS = os.path.join(ROOT, "hosts")
REQUIRED = os.environ.get("RELOADER_REAL_HOSTS") == "1"
DISABLED = os.environ.get("RELOADER_REAL_HOSTS") == "0"
#: Where tests/real_hosts.py keeps the virtual environments it makes.
VENVS = os.path.join(ROOT, ".venv-hosts")


def skip_if_disabled() -> None:
    """Skip when RELOADER_REAL_HOSTS=0."""
    if DISABLED:
        raise unittest.SkipTest("RELOADER_REAL_HOSTS=0: tests/real_hosts.py runs the real hosts")


def unavailable(reason: str) -> None:
    """Skip with `reason`, or fail loudly when real hosts are required."""
    if REQUIRED:
        raise AssertionError("RELOADER_REAL_HOSTS=1 but {}".format(reason))
    raise unittest.SkipTest(reason)


def vim_with_python3() -> str:
    """The path of a Vim built with +python3, or skip (fail when real hosts are required)."""
    vim = shutil.which("vim")
    if vim is None:
        unavailable("vim is not installed (tests/real_hosts.py installs vim-nox)")
    features = subprocess.run([vim, "--version"], stdout=subprocess.PIPE, text=True).stdout
    if "+python3" not in features:
        unavailable("this vim has no +python3 (tests/real_hosts.py installs vim-nox)")
    return str(vim)


def copy_reloader(folder: str) -> None:
    """Copy the reloader package into `folder`, as the install command does."""
    shutil.copytree(
        os.path.join(ROOT, "reloader"),
        os.path.join(folder, "reloader"),
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )


def copy_host(host: str, folder: str, package_in: str = "") -> str:
    """Copy hosts/<host> into `folder` and the reloader package into its `package_in`."""
    shutil.copytree(
        os.path.join(HOSTS, host), folder,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "README.md"),
    )
    copy_reloader(os.path.join(folder, package_in))
    return folder


class HostCase(unittest.TestCase):
    """A temporary folder, files written into it, and a subprocess runner."""

    def setUp(self) -> None:
        super().setUp()
        skip_if_disabled()
        self.tmp = tempfile.mkdtemp(prefix="reloader-host-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self._tick = 0

    def write(self, relative: str, text: str) -> str:
        """Write dedented `text` to `relative` under the folder; move its mtime forward."""
        path = os.path.join(self.tmp, *relative.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(textwrap.dedent(text))
        self._tick += 2
        stamp = int(os.stat(path).st_mtime) + 1000 + self._tick
        os.utime(path, ns=(stamp * 10**9, stamp * 10**9))
        return path

    def run_program(
        self,
        argv: List[str],
        *,
        stdin: Optional[str] = None,
        env: Optional[Dict[str, str]] = None,
        timeout: float = 300,
    ) -> "subprocess.CompletedProcess[str]":
        environment = dict(os.environ)
        environment.pop("PYTHONPATH", None)
        environment.update(env or {})
        return subprocess.run(
            argv, input=stdin, env=environment, cwd=self.tmp, timeout=timeout,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
