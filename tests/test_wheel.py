"""The README's Install commands, run as a user would, and the wheel against the checkout.

Runs when RELOADER_WHEEL_PYTHON names a CPython 3.9 or later (`python3
tests/check.py` sets it in its wheel suite); the fast suite skips it. With
that interpreter it makes two fresh virtual environments in a temporary
folder, and a copy of the checkout as a fresh clone holds it:

1. the README's `pip install .` in the first;
2. the README's other Install commands in the second (build a wheel with
   pip, install it, install and uninstall hosts), in a home folder of its
   own, with the setuptools that builds pinned through PIP_CONSTRAINT;
3. every host installed and uninstalled with --dest from the installed
   wheel, and from the checkout, writing the very same files.

pip fetches setuptools from the package registry (once; pip caches it).
"""

import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile
from typing import Dict, List

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETUPTOOLS = "setuptools==80.9.0"  # builds the wheel (needs Python 3.9+)
PYTHON = os.environ.get("RELOADER_WHEEL_PYTHON", "")


def tree(root: str) -> Dict[str, str]:
    """Every file under root, by relative path, with its sha256."""
    found = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, root)] = hashlib.sha256(handle.read()).hexdigest()
    return found


def install_commands() -> List[List[str]]:
    """The shell commands of each code block in the README's Install section."""
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        section = handle.read().split("\n## Install\n", 1)[1].split("\n## ", 1)[0]
    blocks = section.split("```sh\n")[1:]
    return [[line for line in block.split("```")[0].splitlines() if line.strip()]
            for block in blocks]


class ReadmeInstallTest(unittest.TestCase):
    """The Install section: where it stands, and that each of its commands is run by a test."""

    def test_install_comes_right_after_the_quick_start(self) -> None:
        with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
            headings = [line for line in handle.read().splitlines() if line.startswith("## ")]
        self.assertEqual(headings[:2], ["## Quick start", "## Install"])

    def test_each_command_is_run_by_a_test(self) -> None:
        blocks = install_commands()
        self.assertEqual(blocks[0], ["python3 -m pip install ."])  # WheelTest runs them all
        self.assertEqual(len(blocks), 4)
        with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
            section = handle.read().split("\n## Install\n", 1)[1].split("\n## ", 1)[0]
        magics = re.findall(r"`(%[a-z_]+ [^`]+)`", section)
        self.assertEqual(magics, ["%load_ext reloader"])
        with open(os.path.join(REPO, "tests", "hosts", "test_ipython.py"), encoding="utf-8") as handle:
            self.assertIn('self.cell("%load_ext reloader")', handle.read())


@unittest.skipUnless(PYTHON, "needs RELOADER_WHEEL_PYTHON, an interpreter to build and install "
                     "the wheel with; python3 tests/check.py sets it in its wheel suite")
class WheelTest(unittest.TestCase):
    root = ""

    @classmethod
    def setUpClass(cls) -> None:
        cls.root = os.path.realpath(tempfile.mkdtemp(prefix="reloader-wheel-"))
        cls.checkout = os.path.join(cls.root, "checkout")
        shutil.copytree(REPO, cls.checkout, ignore=shutil.ignore_patterns(
            ".git", ".venv*", "__pycache__", "*.egg-info", "build", "dist", ".*_cache"))
        cls.home = os.path.join(cls.root, "home")
        for folder in ("maya", "myproject"):  # as if Maya had run once
            os.makedirs(os.path.join(cls.home, folder))
        constraints = os.path.join(cls.root, "constraints.txt")
        with open(constraints, "w") as handle:
            handle.write(SETUPTOOLS + "\n")
        cls.venvs = {}
        for name in ("checkout", "wheel"):
            venv = os.path.join(cls.root, "venv-" + name)
            subprocess.run([PYTHON, "-m", "venv", venv], check=True)
            cls.venvs[name] = venv
        cls.env = {key: value for key, value in os.environ.items()
                   if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
        cls.env.update(HOME=cls.home, PIP_CONSTRAINT=constraints, PIP_NO_INPUT="1",
                       PIP_DISABLE_PIP_VERSION_CHECK="1")

    @classmethod
    def tearDownClass(cls) -> None:
        if cls.root:
            shutil.rmtree(cls.root, ignore_errors=True)

    def shell(self, venv: str, command: str) -> str:
        """Run a README command with the venv's python3 first on PATH, in the checkout copy."""
        env = dict(self.env, VIRTUAL_ENV=self.venvs[venv])
        env["PATH"] = os.path.join(self.venvs[venv], "bin") + os.pathsep + env.get("PATH", "")
        done = subprocess.run(["sh", "-c", command], cwd=self.checkout, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.assertEqual(done.returncode, 0, "{}\n{}".format(command, done.stdout))
        return done.stdout

    def reloader(self, python: str, *arguments: str) -> "subprocess.CompletedProcess[str]":
        """`python -m reloader ...`: from the checkout for sys.executable, else from elsewhere."""
        return subprocess.run([python, "-m", "reloader"] + list(arguments),
                              cwd=REPO if python == sys.executable else self.root,
                              env=self.env, capture_output=True, text=True)

    def venv_python(self, name: str) -> str:
        return os.path.join(self.venvs[name], "bin", "python")

    def test_readme_install_commands_then_every_host_as_from_the_checkout(self) -> None:
        blocks = install_commands()
        self.assertEqual(blocks[0], ["python3 -m pip install ."])

        # 1. From the checkout: pip install . gives an importable reloader with its adapters.
        self.shell("checkout", blocks[0][0])
        where = self.reloader(self.venv_python("checkout"), "--version")
        self.assertEqual((where.returncode, where.stdout.split()[0]), (0, "reloader"))
        # 2. The other commands, in order, in the second environment.
        for block in blocks[1:]:
            for command in block:
                self.shell("wheel", command)
        wheels = glob.glob(os.path.join(self.checkout, "dist", "live_reloader-*.whl"))
        self.assertEqual(len(wheels), 1, wheels)
        with zipfile.ZipFile(wheels[0]) as archive:
            generator = [line for line in archive.read(
                "live_reloader-0.1.0.dist-info/WHEEL").decode().splitlines()
                if line.startswith("Generator: ")]
        self.assertEqual(generator, ["Generator: setuptools (80.9.0)"])
        home = self.home
        self.assertTrue(os.path.isfile(os.path.join(home, "maya", "modules", "reloader.mod")))
        self.assertTrue(os.path.isfile(os.path.join(
            home, ".vim", "pack", "reloader", "start", "reloader", "plugin", "reloader.vim")))
        self.assertFalse(os.path.exists(os.path.join(home, "nuke-plugins")))  # uninstalled
        self.assertTrue(os.path.isfile(os.path.join(home, "myproject", "reloader", "__init__.py")))

        # 3. Every host from the installed wheel writes what the checkout writes.
        for name in ("checkout", "wheel"):  # the adapters come from the installed copy
            location = subprocess.run(
                [self.venv_python(name), "-c",
                 "import reloader._cli_hosts as h; print(h.hosts_dir())"],
                cwd=self.root, env=self.env, stdout=subprocess.PIPE, text=True, check=True)
            self.assertTrue(location.stdout.startswith(self.venvs[name] + os.sep))
            self.assertTrue(location.stdout.endswith(os.path.join("reloader", "_hosts") + "\n"))
        hosts = self.reloader(self.venv_python("wheel"), "install", "--help").stdout
        self.assertIn("one of: abaqus, blender, gdb, ipython, maya, nuke, sublime, vim", hosts)
        for host in ("abaqus", "blender", "gdb", "maya", "nuke", "sublime", "vim"):
            with self.subTest(host=host):
                dest = os.path.join(self.root, "dest", host)
                written = {}
                for name, python in (("checkout", sys.executable),
                                     ("wheel", self.venv_python("wheel"))):
                    done = self.reloader(python, "install", host, "--dest", dest)
                    self.assertEqual((done.returncode, done.stderr), (0, ""), name)
                    written[name] = (done.stdout, tree(dest))
                    done = self.reloader(python, "uninstall", host, "--dest", dest)
                    self.assertEqual((done.returncode, done.stderr), (0, ""), name)
                    self.assertFalse(os.path.exists(dest), name)
                self.assertEqual(written["wheel"], written["checkout"])
                self.assertGreater(len(written["wheel"][1]), 20)
        done = self.reloader(self.venv_python("wheel"), "install", "ipython")
        self.assertEqual(done.returncode, 1)
        self.assertIn("nothing to copy", done.stderr)


if __name__ == "__main__":
    unittest.main()
