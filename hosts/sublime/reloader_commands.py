"""Reloader for Sublime Text 4: reload a package or a library, and every package importing it.

A hook runs plug-in modules (`Pkg.file`) through `sublime_plugin.unload_module` before the
purge and `load_module` after; an empty plug-in file then makes Sublime rebuild commands.
"""

import os
import sys
import types
from typing import Any, Callable, List, Optional, Sequence

import sublime
import sublime_plugin

from . import reloader

OWN, PANEL, SETTINGS = __name__.partition(".")[0], "reloader", "Reloader.sublime-settings"
REFRESH = "reloader_refresh"  # the plug-in file that makes Sublime rebuild command instances
PROTECTED = ("sublime", "sublime_plugin", "sublime_api", "sublime_types") + (
    (OWN,) if OWN.isidentifier() else ())
_PLUGINS: Any = sublime_plugin  # its load_module and unload_module: undocumented, so untyped


def _plugins(names: Sequence[str], owned: object) -> Callable[[bool], None]:
    """Unload the plug-in modules ('Pkg.file'), importers first; finish by loading them."""
    def plugins() -> List[types.ModuleType]:
        found = [sys.modules.get(name) for name in names if name.count(".") == 1]
        return [m for m in found if isinstance(m, types.ModuleType) and not hasattr(m, "__path__")]

    old = plugins()
    for module in reversed(old):
        _PLUGINS.unload_module(module)

    def finish(imported: bool) -> None:
        for module in plugins() if imported else old:
            _PLUGINS.load_module(module)

    return finish


def _rebuild_commands(left: int = 100) -> None:
    """Write an empty plug-in file; once Sublime loaded it (and rebuilt commands), remove it."""
    path = os.path.join(sublime.packages_path(), OWN, REFRESH + ".py")
    try:
        if left == 100:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "w").close()
        elif OWN + "." + REFRESH in sys.modules or not left:
            return os.remove(path) if os.path.exists(path) else None
    except OSError as error:
        return print("Reloader: open views keep their old commands: {}".format(error))
    sublime.set_timeout(lambda: _rebuild_commands(left - 1), 100)


def shown(report: reloader.Report) -> None:
    """The status bar, the console, the user's traceback in a panel; new commands if it worked."""
    print("Reloader: " + report.format())
    sublime.status_message("Reloader: {}".format(report))
    if report.ok and report.reloaded:
        _rebuild_commands()
    if not report.ok and (report.failed_module or report.location):  # not a refusal
        panel = sublime.active_window().create_output_panel(PANEL)
        panel.settings().set("result_file_regex", r'^\s*File "(.+)", line ([0-9]+)')  # clickable
        panel.run_command("append", {"characters": report.format() + "\n"})
        sublime.active_window().run_command("show_panel", {"panel": "output." + PANEL})


def library_path() -> str:  # this plug-in host's: Lib/python38 on the 3.8 host, and so on
    data = os.path.dirname(sublime.packages_path())
    return os.path.join(data, "Lib", "python{}{}".format(*sys.version_info[:2]))


def target_of(path: Optional[str]) -> Optional[str]:
    """The package or library a file belongs to, or None."""
    for root, suffix in ((sublime.packages_path(), ""), (library_path(), ".py"),
                         (sublime.installed_packages_path(), ".sublime-package")):
        try:
            inside = os.path.relpath(os.path.realpath(path or root), os.path.realpath(root))
        except ValueError:  # on another drive
            continue
        first = inside.split(os.sep)[0]
        if first not in (os.curdir, os.pardir):
            return first[: len(first) - len(suffix)] if first.endswith(suffix) else first
    return None


HOST = reloader.Host("sublime", protected=PROTECTED, show=shown, hooks=(_plugins,),
                     schedule=lambda run, delay: sublime.set_timeout(run, int(delay * 1000)))


def reload_package(name: str) -> reloader.Report:
    """Reload package or library `name` and every module importing it; show the report."""
    for module in [m for n, m in list(sys.modules.items()) if n.split(".")[0] == name]:
        loader = getattr(getattr(module, "__spec__", None), "loader", None)
        getattr(loader, "_scan_zip", lambda: None)()  # the 3.8 host's zip loader reads once
    return HOST.reload(name)


def _flip(name: str) -> str:  # turn a setting over and save it; "on" or "off"
    settings = sublime.load_settings(SETTINGS)
    settings.set(name, not settings.get(name, False))
    sublime.save_settings(SETTINGS)
    return "on" if settings.get(name) else "off"


class ReloaderReloadPackageCommand(sublime_plugin.WindowCommand):
    """Reload the package or library of the active view's file (or the one named)."""

    def run(self, package: str = "") -> None:
        view = self.window.active_view()
        name = package or target_of(view.file_name() if view is not None else None)
        if not name:
            return sublime.status_message(
                "Reloader: the active file is in no package and not in " + library_path())
        sublime.set_timeout(lambda: reload_package(name), 0)  # once the command returned


class ReloaderToggleReloadOnSaveCommand(sublime_plugin.ApplicationCommand):
    """Turn reloading a package or library when one of its Python files is saved on or off."""

    def run(self) -> None:
        sublime.status_message("Reloader: reload on save is " + _flip("reload_on_save"))


class ReloaderToggleListenCommand(sublime_plugin.ApplicationCommand):
    """Listen for reloads sent from your editor (python -m reloader send), or stop."""

    def run(self) -> None:
        sublime.status_message("Reloader: " + HOST.listen(_flip("listen") == "on"))


class ReloaderSaveListener(sublime_plugin.EventListener):
    """Reloads the saved file's package or library when reload on save is on."""

    def on_post_save(self, view: sublime.View) -> None:
        name = target_of(view.file_name()) if (view.file_name() or "").endswith(".py") else None
        if name and name != OWN and sublime.load_settings(SETTINGS).get("reload_on_save"):
            sublime.set_timeout(lambda: reload_package(name), 0)  # once the command returned


def plugin_loaded() -> None:
    if not callable(getattr(_PLUGINS, "load_module", None)):
        raise RuntimeError("sublime_plugin has no load_module; this build is not supported")
    reloader.use_host(HOST)
    if sublime.load_settings(SETTINGS).get("listen"):
        print("Reloader: " + HOST.listen(True))


def plugin_unloaded() -> None:
    reloader.use_host(HOST)()  # uninstalled, it stops listening
