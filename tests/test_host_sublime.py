"""The Sublime Text adapter against a fake plug-in host, as the 3.8 host and as the 3.14 host.

The fake keeps command instances per window and view as Sublime does, and
serves zipped packages with the importer of the host under test.
"""

import os
import re
import shutil
import sys
import tempfile
import threading
import unittest
import zipfile
from typing import Any, List
from unittest import mock

from reloader import _cli_install
from tests.fakes import install_fakes
from tests.support import PackageCase

PLUGIN = """
import sublime
import sublime_plugin

from .lib import greeting


def plugin_loaded():
    sublime.status_message("loaded " + greeting())


def plugin_unloaded():
    sublime.status_message("unloaded " + greeting())


class ToolHelloCommand(sublime_plugin.WindowCommand):
    def run(self):
        sublime.status_message("hello " + greeting())


class ToolListener(sublime_plugin.EventListener):
    def on_post_save(self, view):
        pass
"""

# A plug-in whose text is a constant taken from a library: only an import
# statement ties it to the library, no function or class does.
USER = """
import sublime
import sublime_plugin

from {lib} import GREETING


class {name}Command(sublime_plugin.TextCommand):
    def run(self, edit=None):
        sublime.status_message("{name} " + GREETING)
"""


class SublimeCase(PackageCase):
    HOST = "3.8"

    def setUp(self) -> None:
        super().setUp()
        fakes = install_fakes(self, {"sublime": "fake_sublime.py",
                                     "sublime_api": "fake_sublime_api.py",
                                     "sublime_plugin": "fake_sublime_plugin.py"})
        self.sublime: Any = fakes["sublime"]
        self.plugin: Any = fakes["sublime_plugin"]
        self.plugin.use_host(self.HOST)
        self.sublime.data_dir = os.path.join(self.root, "data")
        self.packages = self.sublime.packages_path()
        os.makedirs(self.sublime.installed_packages_path())
        sys.path.insert(0, self.packages)  # Sublime puts Packages/ on sys.path
        self.plugin.set_override_path(self.packages)
        _cli_install.install("sublime", self.packages, out=lambda line: None)
        self.plugin.load_package("Reloader")
        self.addCleanup(self.plugin.unload_module, sys.modules["Reloader.reloader_commands"])
        self.commands = sys.modules["Reloader.reloader_commands"]
        self.window = self.sublime.active_window()
        self.archives: list = []

    def write_package(self, version: str = "v1", lib: str = "") -> None:
        self.write("data/Packages/{pkg}/plugin.py", PLUGIN)
        self.write("data/Packages/{pkg}/lib/__init__.py",
                   lib or "def greeting():\n    return {!r}\n".format(version))

    def write_zip(self, package: str, files: dict) -> str:
        archive = os.path.join(self.sublime.installed_packages_path(), package + ".sublime-package")
        with zipfile.ZipFile(archive, "w") as z:
            for name, text in files.items():
                z.writestr(name, text)
        if archive not in self.archives:
            self.archives.append(archive)
        self.plugin.update_compressed_packages(self.archives)
        return archive

    def hello(self) -> str:
        self.window.run_command("tool_hello")
        return str(self.sublime.statuses[-1])

    def reload(self, package: str) -> None:
        self.window.run_command("reloader_reload_package", {"package": package})
        self.sublime.run_timeouts()


class EveryHost:
    """Tests run once on each plug-in host (see the subclasses at the end)."""

    def test_reload_runs_on_the_main_thread_and_replaces_commands_and_listeners(
        self: Any,
    ) -> None:
        self.write_package("v1")
        self.plugin.load_package(self.pkg)
        old_plugin = sys.modules[self.pkg + ".plugin"]
        self.assertEqual(self.hello(), "hello v1")
        self.window.open_file(self.path("data/Packages/{pkg}/lib/__init__.py"))
        self.write_package("v2")
        del self.sublime.statuses[:]

        self.window.run_command("reloader_reload_package")
        # 1. Only scheduled: nothing reloaded inside the command.
        self.assertEqual(len(self.sublime.pending_timeouts()), 1)
        self.assertIs(sys.modules[self.pkg + ".plugin"], old_plugin)
        self.assertEqual(self.sublime.statuses, [])

        # 2. The main thread runs it, then waits for the editor to load the refresh file.
        self.assertEqual(self.sublime.run_timeouts(), 2)
        new_plugin = sys.modules[self.pkg + ".plugin"]
        self.assertIsNot(new_plugin, old_plugin)
        self.assertEqual(self.sublime.statuses[:2], ["unloaded v1", "loaded v2"])
        self.assertRegex(self.sublime.statuses[2], r"^Reloader: reloaded 3 modules in \d+ ms$")
        self.assertFalse(os.path.exists(os.path.join(self.packages, "Reloader",
                                                     "reloader_refresh.py")))
        self.assertNotIn("Reloader.reloader_refresh", sys.modules)

        # 3. Registries hold the new classes once; the old ones are gone.
        self.assertEqual(self.plugin.command_names(), [
            "reloader_reload_package", "reloader_toggle_listen", "reloader_toggle_reload_on_save",
            "tool_hello"])
        listeners = [item for item in self.plugin.all_callbacks["on_post_save"]
                     if type(item).__name__ == "ToolListener"]
        self.assertEqual(len(listeners), 1)
        self.assertIs(type(listeners[0]), new_plugin.ToolListener)
        self.assertEqual(self.hello(), "hello v2")
        self.assertIsNone(self.window.shown_panel)

    def test_open_views_run_the_new_commands(self: Any) -> None:
        self.write("data/Packages/{pkg}/lib.py", "GREETING = 'v1'\n")
        self.write("data/Packages/{pkg}/plugin.py",
                   USER.format(lib=".lib", name="ToolOld"))
        self.plugin.load_package(self.pkg)
        view = self.window.open_file(self.path("data/Packages/{pkg}/plugin.py"))
        view.run_command("tool_old")
        self.assertEqual(self.sublime.statuses[-1], "ToolOld v1")
        self.write("data/Packages/{pkg}/plugin.py", USER.format(lib=".lib", name="ToolNew"))

        self.commands.reload_package(self.pkg)
        # Sublime's instances of this view are those it made before the reload.
        with self.assertRaisesRegex(AssertionError, "no command 'tool_new'"):
            view.run_command("tool_new")
        self.sublime.run_timeouts()  # the editor loads the refresh file
        view.run_command("tool_new")
        self.assertEqual(self.sublime.statuses[-1], "ToolNew v1")
        with self.assertRaisesRegex(AssertionError, "no command 'tool_old'"):
            view.run_command("tool_old")

    def test_a_zipped_package_reloads_its_new_contents(self: Any) -> None:
        files = {"plugin.py": PLUGIN, "lib.py": "def greeting():\n    return 'v1'\n"}
        archive = self.write_zip(self.pkg, files)
        self.plugin.load_package(self.pkg)
        self.assertEqual(self.hello(), "hello v1")
        lib = sys.modules[self.pkg + ".lib"]
        self.assertEqual(lib.__spec__.origin, os.path.join(archive, "lib.py"))
        self.write_zip(self.pkg, dict(files, **{"lib.py": "def greeting():\n    return 'v2'\n"}))
        self.reload(self.pkg)
        self.assertEqual(self.hello(), "hello v2")
        self.assertEqual(self.plugin.command_names().count("tool_hello"), 1)

    def test_a_loose_override_file_wins_over_the_zip(self: Any) -> None:
        self.write_zip(self.pkg, {"plugin.py": PLUGIN,
                                  "lib.py": "def greeting():\n    return 'v1'\n"})
        self.plugin.load_package(self.pkg)
        self.write("data/Packages/{pkg}/lib.py", "def greeting():\n    return 'override'\n")
        self.reload(self.pkg)
        self.assertEqual(self.hello(), "hello override")

    def test_saving_a_library_reloads_it_and_the_loose_and_zipped_packages_using_it(
        self: Any,
    ) -> None:
        library = self.commands.library_path()
        self.assertEqual(os.path.basename(library), "python{}{}".format(*sys.version_info[:2]))
        sys.path.insert(0, library)  # Sublime's site.addsitedir
        lib = "lib" + self.pkg
        path = self.write("data/Lib/{}/{}.py".format(os.path.basename(library), lib),
                          "GREETING = 'v1'\n")
        self.write("data/Packages/{pkg}/plugin.py", USER.format(lib=lib, name="Loose"))
        self.write_zip("Z" + self.pkg, {"plugin.py": USER.format(lib=lib, name="Zipped")})
        self.plugin.load_package(self.pkg)
        self.plugin.load_package("Z" + self.pkg)
        view = self.window.open_file(path)
        self.sublime.run_command("reloader_toggle_reload_on_save")

        self.write("data/Lib/{}/{}.py".format(os.path.basename(library), lib), "GREETING = 'v2'\n")
        self.plugin.on_post_save(view)
        self.sublime.run_timeouts()
        self.assertRegex(self.sublime.statuses[-1], r"^Reloader: reloaded 3 modules in ")
        view.run_command("loose")
        view.run_command("zipped")
        self.assertEqual(self.sublime.statuses[-2:], ["Loose v2", "Zipped v2"])
        self.assertEqual(self.commands.target_of(path), lib)

    def test_a_syntax_error_shows_the_users_line_and_caret_only(self: Any) -> None:
        self.write_package("v1")
        self.plugin.load_package(self.pkg)
        lib = self.write("data/Packages/{pkg}/lib/__init__.py", "def greeting(:\n    return 2\n")
        self.reload(self.pkg)
        self.assertEqual(self.hello(), "hello v1")
        text = self.window.find_output_panel("reloader").text
        tail = text.split("\n\n")[-1].splitlines()
        self.assertEqual(tail[:2], ['  File "{}", line 1'.format(lib), "    def greeting(:"])
        self.assertEqual(tail[2].strip(), "^")
        self.assertTrue(tail[3].startswith("SyntaxError: "), tail)
        self.assertNotIn(os.path.join("Reloader", "reloader"), text)
        self.assertNotIn("<frozen", text)


class ReloadCommandTest(SublimeCase):
    def test_a_failing_edit_keeps_the_old_commands_and_shows_file_and_line(self) -> None:
        self.write_package("v1")
        self.plugin.load_package(self.pkg)
        old_plugin = sys.modules[self.pkg + ".plugin"]
        lib = self.write("data/Packages/{pkg}/lib/__init__.py",
                         "def greeting():\n    return 'v2'\nundefined_name\n")
        del self.sublime.statuses[:]

        self.reload(self.pkg)

        self.assertIs(sys.modules[self.pkg + ".plugin"], old_plugin)
        self.assertEqual(self.sublime.statuses[:2], ["unloaded v1", "loaded v1"])
        self.assertEqual(
            self.sublime.statuses[2],
            "Reloader: reloading {!r} failed at {}:3: NameError: name 'undefined_name' is not "
            "defined; restored 3 modules to their previous state".format(self.pkg + ".lib", lib))
        self.assertEqual(self.plugin.command_names(), [
            "reloader_reload_package", "reloader_toggle_listen", "reloader_toggle_reload_on_save",
            "tool_hello"])
        self.assertEqual(self.hello(), "hello v1")
        panel = self.window.find_output_panel("reloader")
        self.assertEqual(self.window.shown_panel, "output.reloader")
        regex = panel.settings().get("result_file_regex")
        places = re.findall(regex, panel.text, re.MULTILINE)
        self.assertIn((lib, "3"), [(os.path.realpath(f), n) for f, n in places])
        self.assertIn("    undefined_name", panel.text.splitlines())

    def test_a_package_with_nothing_loaded_is_named_in_the_status_bar_only(self) -> None:
        self.reload("NotLoaded")
        self.assertRegex(self.sublime.statuses[-1], r"^Reloader: .*'NotLoaded'")
        self.assertIsNone(self.window.find_output_panel("reloader"))

    def test_the_active_file_names_the_package(self) -> None:
        target_of = self.commands.target_of
        self.assertEqual(target_of(os.path.join(self.packages, "Tool", "a", "b.py")), "Tool")
        zipped = os.path.join(self.sublime.installed_packages_path(), "Tool.sublime-package", "x.py")
        self.assertEqual(target_of(zipped), "Tool")
        library = self.commands.library_path()
        self.assertEqual(target_of(os.path.join(library, "tool", "x.py")), "tool")
        other = "python33" if os.path.basename(library) != "python33" else "python38"
        self.assertIsNone(target_of(os.path.join(os.path.dirname(library), other, "tool.py")))
        self.assertIsNone(target_of(os.path.join(self.root, "elsewhere.py")))
        self.assertIsNone(target_of(None))
        self.window.open_file(os.path.join(self.root, "elsewhere.py"))
        self.window.run_command("reloader_reload_package")
        self.assertEqual(self.sublime.pending_timeouts(), [])
        self.assertEqual(self.sublime.statuses[-1], "Reloader: the active file is in no package "
                         "and not in " + library)


class ReloadOnSaveTest(SublimeCase):
    def test_saving_reloads_the_package_only_when_toggled_on(self) -> None:
        self.write_package("v1")
        self.plugin.load_package(self.pkg)
        view = self.window.open_file(self.path("data/Packages/{pkg}/lib/__init__.py"))
        self.write_package("v2")
        self.plugin.on_post_save(view)
        self.assertEqual(self.sublime.pending_timeouts(), [])

        self.sublime.run_command("reloader_toggle_reload_on_save")
        self.assertEqual(self.sublime.statuses[-1], "Reloader: reload on save is on")
        self.assertEqual(self.sublime.saved_settings, ["Reloader.sublime-settings"])
        self.plugin.on_post_save(view)
        self.assertEqual(len(self.sublime.pending_timeouts()), 1)
        self.sublime.run_timeouts()
        self.assertEqual(self.hello(), "hello v2")

        self.sublime.run_command("reloader_toggle_reload_on_save")
        self.assertEqual(self.sublime.statuses[-1], "Reloader: reload on save is off")
        self.plugin.on_post_save(view)
        self.assertEqual(self.sublime.pending_timeouts(), [])


@unittest.skipIf(sys.platform == "emscripten",
                 "needs threads (the listener), which this platform lacks")
class ListenTest(SublimeCase):
    def test_the_toggle_listens_runs_requests_on_the_main_thread_and_is_remembered(self) -> None:
        from reloader import _wire
        from reloader._cli_send import send

        runtime = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, runtime, True)
        patcher = mock.patch.dict(os.environ, {"RELOADER_RUNTIME_DIR": runtime})
        patcher.start()
        self.addCleanup(patcher.stop)
        self.write_package("v1")
        self.plugin.load_package(self.pkg)
        self.sublime.run_command("reloader_toggle_listen")
        self.assertRegex(self.sublime.statuses[-1],
                         r"^Reloader: listening for editors on port \d+")
        (connection,) = _wire.connections(runtime)
        self.write_package("v2")
        answers: List[Any] = []
        client = threading.Thread(target=lambda: answers.append(
            send(connection, "reload", targets=[self.pkg], timeout=30)))
        client.start()
        while client.is_alive() and not self.sublime.pending_timeouts():
            client.join(0.01)
        self.sublime.run_timeouts()  # the request runs on Sublime's main thread
        client.join(30)
        self.assertTrue(answers[0]["ok"], answers)
        self.assertEqual(self.hello(), "hello v2")
        # Remembered: the plug-in listens again when it is loaded again; unloading stops it.
        self.plugin.unload_module(sys.modules["Reloader.reloader_commands"])
        self.assertEqual(_wire.connections(runtime), [])
        self.plugin.load_package("Reloader")
        self.assertEqual(len(_wire.connections(runtime)), 1)
        self.sublime.run_command("reloader_toggle_listen")
        self.assertEqual(self.sublime.statuses[-1], "Reloader: stopped listening for editors")
        self.assertEqual(_wire.connections(runtime), [])


class Host38Test(EveryHost, SublimeCase):
    """Builds 4050-4200: zipped packages through ZipLoader."""

    HOST = "3.8"


class Host314Test(EveryHost, SublimeCase):
    """Build 4203 on: zipped packages through a SourceFileLoader subclass and sublime_api."""

    HOST = "3.14"

    def test_origins_lie_inside_the_archive_and_the_loader_is_the_hosts(self) -> None:
        archive = self.write_zip(self.pkg, {"plugin.py": PLUGIN, "lib/__init__.py": "",
                                            "lib/more.py": "def greeting():\n    return 'v1'\n"})
        self.write("data/Packages/{pkg}/lib/__init__.py", "from .more import greeting\n")
        self.plugin.load_package(self.pkg)
        more = sys.modules[self.pkg + ".lib.more"]
        self.assertIsInstance(more.__spec__.loader, self.plugin.PackageSourceFileLoader)
        self.assertEqual(more.__spec__.origin, os.path.join(archive, "lib", "more.py"))
        self.assertFalse(os.path.exists(more.__spec__.origin))


if __name__ == "__main__":
    unittest.main()
