"""`python -m reloader install|uninstall HOST --dest DIR`: what is written, refused and removed."""

import contextlib
import hashlib
import io
import json
import os
import shutil
import tempfile
import unittest
from typing import Dict, List
from unittest import mock

from reloader import _cli_hosts, _cli_install as _install
from reloader.__main__ import main


def tree(root: str) -> Dict[str, str]:
    """Every file under root, by relative path, with its sha256."""
    found = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, root)] = hashlib.sha256(handle.read()).hexdigest()
    return found


class InstallTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dest = tempfile.mkdtemp(prefix="reloader-install-")
        self.addCleanup(shutil.rmtree, self.dest, True)
        self.lines: List[str] = []

    def install(self, host: str) -> List[str]:
        return _install.install(host, self.dest, out=self.lines.append)

    def test_each_host_gets_its_adapter_and_a_copy_of_the_package(self) -> None:
        expected = {
            "sublime": ["Reloader/reloader_commands.py", "Reloader/.python-version",
                        "Reloader/Default.sublime-commands", "Reloader/reloader/__init__.py"],
            "maya": ["reloader.mod", "reloader-maya/scripts/userSetup.py",
                     "reloader-maya/scripts/reloader_maya.py",
                     "reloader-maya/scripts/reloader/_reload.py"],
            "nuke": ["init.py", "reloader-nuke/init.py", "reloader-nuke/menu.py",
                     "reloader-nuke/reloader_nuke.py", "reloader-nuke/reloader/__init__.py"],
            "abaqus": ["reloader-abaqus/reloader_plugin.py", "reloader-abaqus/reloader_abaqus.py",
                       "reloader-abaqus/reloader/py.typed"],
            "blender": ["reloader_addon/__init__.py", "reloader_addon/addon_reload.py",
                        "reloader_addon/blender_manifest.toml", "reloader_addon/reloader/_watch.py"],
            "gdb": ["gdbinit", "reloader/load-reloader.py", "reloader/reloader_gdb.py",
                    "reloader/reloader/__init__.py"],
            "vim": ["reloader/plugin/reloader.vim", "reloader/python3/reloader_vim.py",
                    "reloader/python3/reloader/__init__.py"],
        }
        for host, files in expected.items():
            with self.subTest(host=host):
                del self.lines[:]
                paths = self.install(host)
                self.assertEqual(self.lines, paths)  # every path written is printed
                written = {os.path.relpath(p, self.dest) for p in paths}
                for relative in files:
                    self.assertIn(os.path.normpath(relative), written)
                self.assertFalse(any("__pycache__" in p for p in written))
                if host == "gdb":
                    with open(os.path.join(self.dest, "gdbinit")) as handle:
                        self.assertEqual(handle.read(), "source {}\n".format(
                            os.path.join(self.dest, "reloader", "load-reloader.py")))
                with open(_install.manifest_path(host, self.dest)) as handle:
                    manifest = json.load(handle)
                actual = tree(self.dest)
                for relative, digest in manifest["files"].items():
                    self.assertEqual(actual[relative], digest)

    def test_refuses_to_overwrite_a_file_it_did_not_write_and_writes_nothing(self) -> None:
        mine = os.path.join(self.dest, "Reloader", "reloader_commands.py")
        os.makedirs(os.path.dirname(mine))
        with open(mine, "w") as handle:
            handle.write("# mine\n")
        with self.assertRaises(_install.InstallError) as caught:
            self.install("sublime")
        self.assertEqual(str(caught.exception),
                         "refusing to overwrite a file not written by 'reloader install' (or changed "
                         "since): {}; move them away or pass another --dest".format(mine))
        self.assertEqual(list(tree(self.dest)), [os.path.join("Reloader", "reloader_commands.py")])
        self.assertEqual(self.lines, [])

    def test_installing_again_replaces_its_own_files(self) -> None:
        first = self.install("maya")
        self.assertEqual(self.install("maya"), first)

    def test_a_file_changed_since_install_is_not_overwritten(self) -> None:
        self.install("abaqus")
        changed = os.path.join(self.dest, "reloader-abaqus", "reloader_abaqus.py")
        with open(changed, "a") as handle:
            handle.write("# my change\n")
        with self.assertRaises(_install.InstallError):
            self.install("abaqus")

    def test_uninstall_removes_exactly_what_it_wrote(self) -> None:
        before = tree(self.dest)
        self.install("sublime")
        users = os.path.join(self.dest, "Reloader", "notes.txt")
        with open(users, "w") as handle:
            handle.write("mine\n")
        changed = os.path.join(self.dest, "Reloader", "Reloader.sublime-settings")
        with open(changed, "a") as handle:
            handle.write("// edited\n")
        del self.lines[:]
        removed = _install.uninstall("sublime", self.dest, out=self.lines.append)
        self.assertEqual(sorted(tree(self.dest)), sorted(list(before) + [
            os.path.join("Reloader", "Reloader.sublime-settings"), os.path.join("Reloader", "notes.txt")]))
        self.assertIn("kept {} (changed since it was installed)".format(changed), self.lines)
        self.assertIn("removed {}".format(_install.manifest_path("sublime", self.dest)), self.lines)
        self.assertFalse(os.path.exists(os.path.join(self.dest, "Reloader", "reloader")))
        self.assertEqual(len(removed), len([line for line in self.lines if line.startswith("removed ")]))

    def test_uninstall_leaves_no_folder_it_created(self) -> None:
        self.install("maya")
        _install.uninstall("maya", self.dest, out=self.lines.append)
        self.assertEqual(os.listdir(self.dest), [])

    def test_nuke_start_up_file_is_written_only_when_absent(self) -> None:
        self.install("nuke")
        with open(os.path.join(self.dest, "init.py")) as handle:
            self.assertEqual(handle.read(), "import nuke\n\nnuke.pluginAddPath({!r})\n".format(
                os.path.join(self.dest, "reloader-nuke")))
        _install.uninstall("nuke", self.dest, out=self.lines.append)
        self.assertEqual(os.listdir(self.dest), [])

        with open(os.path.join(self.dest, "init.py"), "w") as handle:
            handle.write("# the user's own\n")
        del self.lines[:]
        self.install("nuke")
        self.assertEqual(self.lines[-1], "add these lines to {}:\nimport nuke\n\nnuke.pluginAddPath({!r})\n".format(
            os.path.join(self.dest, "init.py"), os.path.join(self.dest, "reloader-nuke")))
        _install.uninstall("nuke", self.dest, out=self.lines.append)
        self.assertEqual(tree(self.dest), {"init.py": hashlib.sha256(b"# the user's own\n").hexdigest()})

    def test_uninstall_without_a_manifest_is_an_error(self) -> None:
        with self.assertRaises(_install.InstallError) as caught:
            _install.uninstall("nuke", self.dest)
        self.assertEqual(str(caught.exception), "nothing to uninstall: no manifest {!r}; check --dest".format(
            _install.manifest_path("nuke", self.dest)))

    def test_no_adapters_beside_the_package_is_a_clear_error(self) -> None:
        bundled, checkout = os.path.join(self.dest, "a"), os.path.join(self.dest, "b")
        with mock.patch.multiple(_cli_hosts, BUNDLED_DIR=bundled, CHECKOUT_DIR=checkout):
            with self.assertRaises(_install.InstallError) as caught:
                self.install("maya")
        self.assertEqual(str(caught.exception), (
            "no host adapters beside this copy of reloader (looked for {!r} and {!r}); run "
            "install from a checkout of reloader or from reloader installed with pip"
        ).format(bundled, checkout))

    def test_command_line(self) -> None:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            self.assertEqual(main(["install", "abaqus", "--dest", self.dest]), 0)
            self.assertEqual(main(["uninstall", "abaqus", "--dest", self.dest]), 0)
            self.assertEqual(main(["uninstall", "abaqus", "--dest", self.dest]), 1)
        self.assertIn(os.path.join(self.dest, "reloader-abaqus", "reloader_plugin.py") + "\n", out.getvalue())
        self.assertEqual(err.getvalue(), "reloader uninstall: nothing to uninstall: no manifest {!r}; "
                         "check --dest\n".format(_install.manifest_path("abaqus", self.dest)))
        self.assertEqual(os.listdir(self.dest), [])


if __name__ == "__main__":
    unittest.main()
