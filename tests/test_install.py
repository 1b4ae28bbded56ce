"""`python -m reloader install|uninstall HOST --dest DIR`: what is written, refused and removed."""

import contextlib
import ctypes
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest
import uuid
from typing import Any, Dict, List, Tuple
from unittest import mock

from reloader import _cli_hosts
from reloader import _cli_install as _install
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
                self.assertFalse(any(p.endswith("install.json") for p in written))
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
                         "since): {}; move it away or pass another --dest".format(mine))
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


class HostDataTest(unittest.TestCase):
    """Each host folder's install.json: read by the core, which names no host."""

    def test_every_host_folder_with_a_data_file_is_a_host(self) -> None:
        self.assertEqual(_cli_hosts.hosts(), ["abaqus", "blender", "gdb", "ipython", "maya",
                                              "nuke", "sublime", "vim"])
        for host in _cli_hosts.hosts():
            with self.subTest(host=host):
                layout = _cli_hosts.layout(host)
                for source, _ in layout.copies:
                    self.assertTrue(os.path.exists(os.path.join(layout.folder, source)), source)
                if layout.instead is None:
                    self.assertEqual(sorted(layout.dest), ["linux", "macos", "windows"])

    def test_the_install_code_names_no_host(self) -> None:
        package = os.path.dirname(_cli_hosts.__file__)
        for name in ("_cli_hosts.py", "_cli_install.py", "__main__.py"):
            with open(os.path.join(package, name), encoding="utf-8") as handle:
                text = handle.read().lower()
            for host in _cli_hosts.hosts():
                self.assertNotIn(host, text.replace("reloader", ""), name)

    def test_a_new_host_folder_installs_with_no_change_to_the_package(self) -> None:
        root = tempfile.mkdtemp(prefix="reloader-hosts-")
        self.addCleanup(shutil.rmtree, root, True)
        os.makedirs(os.path.join(root, "toy", "plug"))
        with open(os.path.join(root, "toy", "plug", "toy_adapter.py"), "w") as handle:
            handle.write("import reloader\n")
        with open(os.path.join(root, "toy", "install.json"), "w") as handle:
            json.dump({"copy": [["plug", "toy-plug"]], "package": "toy-plug/reloader",
                       "dest": {"linux": [["~/.toy", "plugins"]]}}, handle)
        dest = os.path.join(root, "dest")
        with mock.patch.object(_cli_hosts, "BUNDLED_DIR", root):
            self.assertEqual(_cli_hosts.hosts(), ["toy"])
            _install.install("toy", dest, out=lambda line: None)
            self.assertIn(os.path.join("toy-plug", "toy_adapter.py"), tree(dest))
            self.assertIn(os.path.join("toy-plug", "reloader", "__init__.py"), tree(dest))
            _install.uninstall("toy", dest, out=lambda line: None)
        self.assertFalse(os.path.exists(dest))

    def test_a_malformed_data_file_is_named(self) -> None:
        root = tempfile.mkdtemp(prefix="reloader-hosts-")
        self.addCleanup(shutil.rmtree, root, True)
        os.makedirs(os.path.join(root, "toy"))
        path = os.path.join(root, "toy", "install.json")
        with open(path, "w") as handle:
            json.dump({"copy": "plug", "package": "p", "dest": {}}, handle)
        with mock.patch.object(_cli_hosts, "BUNDLED_DIR", root):
            with self.assertRaises(_install.InstallError) as caught:
                _install.install("toy", root, out=lambda line: None)
        self.assertEqual(str(caught.exception), "cannot read {!r}: 'copy' must be a list of "
                         "[string, string] pairs; see the format in reloader/_cli_hosts.py".format(path))
        with open(path, "w") as handle:
            json.dump({"copy": [], "dest": {}}, handle)
        with mock.patch.object(_cli_hosts, "BUNDLED_DIR", root):
            with self.assertRaises(_install.InstallError) as caught:
                _install.install("toy", root, out=lambda line: None)
        self.assertEqual(str(caught.exception), "cannot read {!r}: no key 'package'; see the "
                         "format in reloader/_cli_hosts.py".format(path))


class FakeWindows:
    """ctypes.windll as far as SHGetKnownFolderPath goes: records the folder ids asked for."""

    def __init__(self, folders: Dict[str, str], result: int = 0) -> None:
        self.folders = folders  # KNOWNFOLDERID (upper case) -> path
        self.result = result
        self.asked: List[str] = []
        self.freed: List[object] = []
        self.shell32 = self
        self.ole32 = self

    def SHGetKnownFolderPath(self, guid: Any, flags: int, token: Any, path: Any) -> int:  # noqa: N802
        self.asked.append(str(uuid.UUID(bytes_le=bytes(guid._obj))).upper())
        if self.result == 0:
            path._obj.value = self.folders[self.asked[-1]]
        return self.result

    def CoTaskMemFree(self, pointer: object) -> None:  # noqa: N802
        self.freed.append(pointer)


class DefaultFolderTest(unittest.TestCase):
    """Where install writes without --dest: the folder each host reads, which must exist."""

    def setUp(self) -> None:
        self.home = os.path.realpath(tempfile.mkdtemp(prefix="reloader-home-"))
        self.addCleanup(shutil.rmtree, self.home, True)
        environ = {k: v for k, v in os.environ.items()
                   if k not in ("MAYA_APP_DIR", "BLENDER_USER_SCRIPTS", "XDG_CONFIG_HOME")}
        environ["HOME"] = self.home
        patch = mock.patch.dict(os.environ, environ, clear=True)
        patch.start()
        self.addCleanup(patch.stop)

    def on(self, platform: str) -> None:
        patch = mock.patch.object(sys, "platform", platform)
        patch.start()
        self.addCleanup(patch.stop)

    def dest(self, host: str, create: bool = False) -> str:
        return _cli_hosts.default_dest(_cli_hosts.layout(host), create=create)

    def make(self, *parts: str) -> str:
        path = os.path.join(self.home, *parts)
        os.makedirs(path, exist_ok=True)
        return path

    def test_linux_folders(self) -> None:
        self.on("linux")
        expected = {
            "sublime": (".config/sublime-text", "Packages"), "maya": ("maya", "modules"),
            "nuke": (".nuke", ""), "abaqus": ("", "abaqus_plugins"),
            "blender": (".config/blender/4.2", "scripts/addons"), "gdb": (".config", "gdb"),
            "vim": (".vim", "pack/reloader/start"),
        }
        for host, (folder, under) in expected.items():
            with self.subTest(host=host):
                user = os.path.join(self.home, *folder.split("/")) if folder else self.home
                if folder:
                    with self.assertRaises(_install.InstallError) as caught:
                        self.dest(host)
                    self.assertIn("does not exist", str(caught.exception))
                    os.makedirs(user)
                self.assertEqual(self.dest(host),
                                 os.path.join(user, *under.split("/")) if under else user)
                for name in os.listdir(self.home):
                    shutil.rmtree(os.path.join(self.home, name))

    def test_the_message_says_what_to_do(self) -> None:
        self.on("linux")
        with self.assertRaises(_install.InstallError) as caught:
            self.dest("sublime")
        self.assertEqual(str(caught.exception), (
            "sublime's user folder {!r} does not exist; start sublime once, or give --dest DIR, "
            "or --create to make it").format(os.path.join(self.home, ".config", "sublime-text")))
        self.make(".config", "blender", "config")
        with self.assertRaises(_install.InstallError) as caught:
            self.dest("blender")
        self.assertEqual(str(caught.exception), (
            "blender's user folder {!r} holds no version folder; start blender once, or give "
            "--dest DIR").format(os.path.join(self.home, ".config", "blender")))

    def test_blender_takes_the_newest_version_and_honours_its_variable(self) -> None:
        self.on("linux")
        for version in ("4.2", "4.10", "5.0", "config"):
            self.make(".config", "blender", version)
        self.assertEqual(self.dest("blender"),
                         os.path.join(self.home, ".config", "blender", "5.0", "scripts", "addons"))
        os.environ["BLENDER_USER_SCRIPTS"] = self.make("scripts")
        self.assertEqual(self.dest("blender"), os.path.join(self.home, "scripts", "addons"))

    def test_variables_that_move_the_user_folder(self) -> None:
        self.on("linux")
        os.environ["MAYA_APP_DIR"] = self.make("prefs", "maya")
        self.assertEqual(self.dest("maya"), os.path.join(self.home, "prefs", "maya", "modules"))
        os.environ["XDG_CONFIG_HOME"] = self.make("xdg")
        self.assertEqual(self.dest("gdb"), os.path.join(self.home, "xdg", "gdb"))

    def test_create_makes_no_folder_itself_but_lets_install_make_it(self) -> None:
        self.on("linux")
        self.assertEqual(self.dest("vim", create=True),
                         os.path.join(self.home, ".vim", "pack", "reloader", "start"))
        self.assertEqual(os.listdir(self.home), [])

    def test_windows_documents_appdata_home_and_maya_app_dir(self) -> None:
        self.on("win32")
        documents = self.make("OneDrive", "Documents")
        appdata = self.make("AppData", "Roaming")
        windows = FakeWindows({_cli_hosts.KNOWN_FOLDERS["documents"]: documents,
                               _cli_hosts.KNOWN_FOLDERS["appdata"]: appdata})
        patch = mock.patch.object(ctypes, "windll", windows, create=True)
        patch.start()
        self.addCleanup(patch.stop)

        self.make("OneDrive", "Documents", "maya")
        self.assertEqual(self.dest("maya"), os.path.join(documents, "maya", "modules"))
        self.assertEqual(windows.asked, ["FDD39AD0-238F-46AF-ADB4-6C85480369C7"])
        self.assertEqual(len(windows.freed), 1)  # the string the system allocated is freed
        os.environ["MAYA_APP_DIR"] = self.make("mayaprefs")
        self.assertEqual(self.dest("maya"), os.path.join(self.home, "mayaprefs", "modules"))

        self.make("AppData", "Roaming", "Sublime Text")
        self.assertEqual(self.dest("sublime"),
                         os.path.join(appdata, "Sublime Text", "Packages"))
        self.assertEqual(windows.asked[-1], "3EB685DB-65F9-4CF6-A03A-E3EF65729F3D")
        self.make("AppData", "Roaming", "Blender Foundation", "Blender", "4.5")
        self.assertEqual(self.dest("blender"), os.path.join(
            appdata, "Blender Foundation", "Blender", "4.5", "scripts", "addons"))

        # Nuke reads %HOME%\.nuke when HOME is set, which expanduser ignores on Windows.
        os.environ["HOME"] = self.make("nukehome")
        self.make("nukehome", ".nuke")
        self.assertEqual(self.dest("nuke"), os.path.join(self.home, "nukehome", ".nuke"))
        self.make("nukehome", "vimfiles")
        self.assertEqual(self.dest("vim"), os.path.join(
            self.home, "nukehome", "vimfiles", "pack", "reloader", "start"))

    def test_windows_known_folder_failure_is_an_install_error(self) -> None:
        self.on("win32")
        windows = FakeWindows({}, result=-2147024894)  # E_FILENOTFOUND as a signed HRESULT
        with mock.patch.object(ctypes, "windll", windows, create=True):
            with self.assertRaises(_install.InstallError) as caught:
                self.dest("maya")
        self.assertEqual(str(caught.exception), "Windows did not say where the documents "
                         "folder is (error 0x80070002); give --dest")
        self.assertEqual(len(windows.freed), 1)

    def test_known_folders_exist_on_windows_only(self) -> None:
        self.on("linux")
        with mock.patch.object(ctypes, "windll", None, create=True):
            with self.assertRaises(_install.InstallError) as caught:
                _cli_hosts.known_folder("documents")
        self.assertEqual(str(caught.exception), "the documents folder is known on Windows only")


class CommandLineTest(unittest.TestCase):
    def setUp(self) -> None:
        self.home = os.path.realpath(tempfile.mkdtemp(prefix="reloader-home-"))
        self.addCleanup(shutil.rmtree, self.home, True)
        patch = mock.patch.dict(os.environ, {"HOME": self.home})
        patch.start()
        self.addCleanup(patch.stop)
        os.environ.pop("XDG_CONFIG_HOME", None)
        patch = mock.patch.object(sys, "platform", "linux")
        patch.start()
        self.addCleanup(patch.stop)

    def main(self, *arguments: str) -> Tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(arguments))
        return code, out.getvalue(), err.getvalue()

    def test_a_missing_user_folder_needs_dest_or_create(self) -> None:
        code, out, err = self.main("install", "vim")
        self.assertEqual((code, out), (1, ""))
        self.assertEqual(err, "reloader install: vim's user folder {!r} does not exist; start vim "
                         "once, or give --dest DIR, or --create to make it\n".format(
                             os.path.join(self.home, ".vim")))
        self.assertEqual(os.listdir(self.home), [])

        code, out, err = self.main("install", "vim", "--create")
        self.assertEqual((code, err), (0, ""))
        start = os.path.join(self.home, ".vim", "pack", "reloader", "start")
        self.assertIn(os.path.join(start, "reloader", "plugin", "reloader.vim") + "\n", out)
        code, out, err = self.main("uninstall", "vim")
        self.assertEqual((code, err), (0, ""))
        self.assertTrue(out.endswith("removed {}\n".format(os.path.join(self.home, ".vim"))))
        self.assertEqual(os.listdir(self.home), [])  # every folder install made is gone

    def test_uninstall_keeps_folders_that_were_there(self) -> None:
        os.makedirs(os.path.join(self.home, ".config", "gdb"))
        self.assertEqual(self.main("install", "gdb")[0], 0)
        with open(os.path.join(self.home, ".config", "gdb", "gdbinit")) as handle:
            self.assertEqual(handle.read(), "source {}\n".format(os.path.join(
                self.home, ".config", "gdb", "reloader", "load-reloader.py")))
        self.assertEqual(self.main("uninstall", "gdb")[0], 0)
        self.assertEqual(tree(self.home), {})
        self.assertTrue(os.path.isdir(os.path.join(self.home, ".config", "gdb")))

    def test_maya_modules_folder_holds_only_the_module_description(self) -> None:
        os.makedirs(os.path.join(self.home, "maya"))
        self.assertEqual(self.main("install", "maya")[0], 0)
        modules = os.path.join(self.home, "maya", "modules")
        files = [n for n in os.listdir(modules) if os.path.isfile(os.path.join(modules, n))]
        self.assertEqual(files, ["reloader.mod"])  # Maya reads every file here as a module
        self.assertEqual(self.main("uninstall", "maya")[0], 0)
        self.assertEqual(os.listdir(os.path.join(self.home, "maya")), [])

    def test_ipython_says_what_to_do_instead(self) -> None:
        for arguments in (["install", "ipython"], ["install", "ipython", "--dest", self.home]):
            code, out, err = self.main(*arguments)
            self.assertEqual((code, out), (1, ""))
            self.assertEqual(err, "reloader install: nothing to copy: reloader itself is the "
                             "IPython extension; install reloader into the kernel's Python with "
                             "pip (a checkout or a wheel of live-reloader), then run "
                             "'%load_ext reloader' in a session\n")

    def test_unknown_host(self) -> None:
        code, out, err = self.main("install", "emacs", "--dest", self.home)
        self.assertEqual(err, "reloader install: unknown host 'emacs'; choose one of abaqus, "
                         "blender, gdb, ipython, maya, nuke, sublime, vim\n")
        self.assertEqual(code, 1)


if __name__ == "__main__":
    unittest.main()
