"""The Sublime Text adapter against a fake plugin host: command, main thread, reload, registries, report."""

import os
import re
import sys
import unittest
import zipfile
from typing import Any

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


class SublimeCase(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        fakes = install_fakes(self, {"sublime": "fake_sublime.py",
                                     "sublime_plugin": "fake_sublime_plugin.py"})
        self.sublime: Any = fakes["sublime"]
        self.plugin: Any = fakes["sublime_plugin"]
        self.sublime.data_dir = os.path.join(self.root, "data")
        self.packages = self.sublime.packages_path()
        os.makedirs(self.sublime.installed_packages_path())
        sys.path.insert(0, self.packages)  # Sublime puts Packages/ on sys.path
        self.plugin.set_override_path(self.packages)
        _cli_install.install("sublime", self.packages, out=lambda line: None)
        self.plugin.load_package("Reloader")
        self.addCleanup(self.plugin.unload_module, sys.modules["Reloader.reloader_commands"])
        self.window = self.sublime.active_window()

    def write_package(self, version: str = "v1", lib: str = "") -> None:
        self.write("data/Packages/{pkg}/plugin.py", PLUGIN)
        self.write("data/Packages/{pkg}/lib/__init__.py",
                   lib or "def greeting():\n    return {!r}\n".format(version))

    def statuses(self) -> Any:
        return self.sublime.statuses

    def hello(self) -> str:
        self.window.run_command("tool_hello")
        return str(self.sublime.statuses[-1])


class ReloadCommandTest(SublimeCase):
    def test_reload_runs_on_the_main_thread_and_replaces_commands_and_listeners(self) -> None:
        self.write_package("v1")
        self.plugin.load_package(self.pkg)
        old_plugin = sys.modules[self.pkg + ".plugin"]
        self.assertEqual(self.hello(), "hello v1")
        lib = self.path("data/Packages/{pkg}/lib/__init__.py")
        self.window.open_file(lib)
        self.write_package("v2")
        del self.sublime.statuses[:]

        self.window.run_command("reloader_reload_package")
        # 1. Only scheduled: nothing reloaded inside the command.
        self.assertEqual(len(self.sublime.pending_timeouts()), 1)
        self.assertIs(sys.modules[self.pkg + ".plugin"], old_plugin)
        self.assertEqual(self.sublime.statuses, [])

        # 2. The main thread runs it.
        self.assertEqual(self.sublime.run_timeouts(), 1)
        new_plugin = sys.modules[self.pkg + ".plugin"]
        self.assertIsNot(new_plugin, old_plugin)
        self.assertEqual(self.sublime.statuses[:2], ["unloaded v1", "loaded v2"])
        self.assertRegex(self.sublime.statuses[2], r"^Reloader: reloaded 3 modules in \d+ ms$")

        # 3. Registries hold the new classes once; the old ones are gone.
        self.assertEqual(self.plugin.command_names(), [
            "reloader_reload_package", "reloader_toggle_reload_on_save", "tool_hello"])
        listeners = [item for item in self.plugin.all_callbacks["on_post_save"]
                     if type(item).__name__ == "ToolListener"]
        self.assertEqual(len(listeners), 1)
        self.assertIs(type(listeners[0]), new_plugin.ToolListener)
        self.assertEqual(self.hello(), "hello v2")
        self.assertIsNone(self.window.shown_panel)

    def test_a_failing_edit_keeps_the_old_commands_and_shows_file_and_line(self) -> None:
        self.write_package("v1")
        self.plugin.load_package(self.pkg)
        old_plugin = sys.modules[self.pkg + ".plugin"]
        lib = self.write("data/Packages/{pkg}/lib/__init__.py",
                         "def greeting():\n    return 'v2'\nundefined_name\n")
        del self.sublime.statuses[:]

        self.window.run_command("reloader_reload_package", {"package": self.pkg})
        self.sublime.run_timeouts()

        self.assertIs(sys.modules[self.pkg + ".plugin"], old_plugin)
        self.assertEqual(self.sublime.statuses[:2], ["unloaded v1", "loaded v1"])
        self.assertEqual(
            self.sublime.statuses[2],
            "Reloader: reloading {!r} failed at {}:3: NameError: name 'undefined_name' is not "
            "defined; restored 3 modules to their previous state".format(self.pkg + ".lib", lib))
        self.assertEqual(self.plugin.command_names(), [
            "reloader_reload_package", "reloader_toggle_reload_on_save", "tool_hello"])
        self.assertEqual(self.hello(), "hello v1")
        panel = self.window.find_output_panel("reloader")
        self.assertEqual(self.window.shown_panel, "output.reloader")
        regex = panel.settings().get("result_file_regex")
        places = re.findall(regex, panel.text, re.MULTILINE)
        self.assertIn((lib, "3"), [(os.path.realpath(f), n) for f, n in places])

    def test_the_active_file_names_the_package(self) -> None:
        commands = sys.modules["Reloader.reloader_commands"]
        self.assertEqual(commands.package_of(os.path.join(self.packages, "Tool", "a", "b.py")), "Tool")
        zipped = os.path.join(self.sublime.installed_packages_path(), "Tool.sublime-package", "x.py")
        self.assertEqual(commands.package_of(zipped), "Tool")
        self.assertIsNone(commands.package_of(os.path.join(self.root, "elsewhere.py")))
        self.assertIsNone(commands.package_of(None))
        self.window.open_file(os.path.join(self.root, "elsewhere.py"))
        self.window.run_command("reloader_reload_package")
        self.assertEqual(self.sublime.pending_timeouts(), [])
        self.assertEqual(self.sublime.statuses[-1],
                         "Reloader: the active file is not inside a package")


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


class ZippedPackageTest(SublimeCase):
    def write_zip(self, version: str) -> str:
        archive = os.path.join(self.sublime.installed_packages_path(), self.pkg + ".sublime-package")
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("plugin.py", PLUGIN)
            z.writestr("lib.py", "def greeting():\n    return {!r}\n".format(version))
        return archive

    def test_a_sublime_package_zip_reloads_its_new_contents(self) -> None:
        archive = self.write_zip("v1")
        self.plugin.update_compressed_packages([archive])
        self.plugin.load_package(self.pkg)
        self.assertEqual(self.hello(), "hello v1")
        self.assertEqual(sys.modules[self.pkg + ".lib"].__spec__.origin, os.path.join(archive, "lib.py"))
        self.write_zip("v2")
        self.window.run_command("reloader_reload_package", {"package": self.pkg})
        self.sublime.run_timeouts()
        self.assertEqual(self.hello(), "hello v2")
        self.assertEqual(self.plugin.command_names().count("tool_hello"), 1)

    def test_a_loose_override_file_wins_over_the_zip(self) -> None:
        archive = self.write_zip("v1")
        self.plugin.update_compressed_packages([archive])
        self.plugin.load_package(self.pkg)
        self.write("data/Packages/{pkg}/lib.py", "def greeting():\n    return 'override'\n")
        self.window.run_command("reloader_reload_package", {"package": self.pkg})
        self.sublime.run_timeouts()
        self.assertEqual(self.hello(), "hello override")


if __name__ == "__main__":
    unittest.main()
