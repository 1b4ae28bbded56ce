"""Reloader for Sublime Text 4: reload a package or a library, and every package importing it.

The target is a package (loose or zipped) or a library of this plug-in host's
Lib/python3X folder; reloads run on the main thread. A hook takes the plug-in
modules (`Pkg.file`) through `sublime_plugin.unload_module` before the purge
and `load_module` after, the halves of `reload_plugin`. Sublime keeps command
instances per window and view and makes new ones only when it loads a plug-in
itself, so a successful reload then writes an empty plug-in file, and removes it
once Sublime loaded it.
"""

import os
import sys
import types
from typing import Any, Callable, List, Optional, Sequence

import sublime
import sublime_plugin

from . import reloader

OWN = __name__.partition(".")[0]
PANEL = "reloader"
SETTINGS = "Reloader.sublime-settings"
REFRESH = "reloader_refresh"  # the plug-in file that makes Sublime rebuild command instances
FILE_REGEX = r'^\s*File "(.+)", line ([0-9]+)'  # makes traceback lines clickable
HOST_MODULES = ("sublime", "sublime_plugin", "sublime_api", "sublime_types")
_LOAD: Any = getattr(sublime_plugin, "load_module", None)  # the plug-in loader's own halves of
_UNLOAD: Any = getattr(sublime_plugin, "unload_module", None)  # reload_plugin, not documented API
_uninstall: List[Callable[[], None]] = []  # what plugin_unloaded undoes


def _plugin_modules(names: Sequence[str]) -> List[types.ModuleType]:
    """The loaded modules among `names` that Sublime loaded as plug-ins: 'Pkg.file'."""
    modules = [sys.modules.get(name) for name in names if name.count(".") == 1]
    return [m for m in modules if isinstance(m, types.ModuleType) and not hasattr(m, "__path__")]


def _plugins(names: Sequence[str], owned: object) -> Callable[[bool], None]:
    old = _plugin_modules(names)
    for module in reversed(old):  # importers first
        _UNLOAD(module)

    def finish(imported: bool) -> None:
        for module in _plugin_modules(names) if imported else old:
            _LOAD(module)

    return finish


def _refresh_archives(name: str) -> None:
    """Make the 3.8 host's zip loaders read their .sublime-package again (it reads once)."""
    for module in [m for n, m in list(sys.modules.items()) if n.split(".")[0] == name]:
        loader = getattr(getattr(module, "__spec__", None), "loader", None)
        scan = getattr(loader, "_scan_zip", None)
        if callable(scan):
            scan()


def _rebuild_commands(tries: int = 100) -> None:
    """Write an empty plug-in file; once Sublime loaded it (and rebuilt commands), remove it."""
    path = os.path.join(sublime.packages_path(), OWN, REFRESH + ".py")
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "w").close()
    except OSError as error:
        print("Reloader: open views keep their old commands: {}".format(error))
        return

    def check(left: int) -> None:
        if OWN + "." + REFRESH not in sys.modules and left:
            sublime.set_timeout(lambda: check(left - 1), 100)
        elif os.path.exists(path):
            os.remove(path)

    sublime.set_timeout(lambda: check(tries), 100)


def show(report: reloader.Report) -> None:
    """One line in the status bar; if a module failed, the error and the user's traceback too."""
    print("Reloader: " + report.format())
    sublime.status_message("Reloader: {}".format(report))
    if report.ok or report.failed_module is None and report.location is None:  # or refused
        return
    window = sublime.active_window()
    panel = window.create_output_panel(PANEL)
    panel.settings().set("result_file_regex", FILE_REGEX)
    text = "\n".join([report.message(), "", report.format(), ""])
    panel.run_command("append", {"characters": text})
    window.run_command("show_panel", {"panel": "output." + PANEL})


def library_path() -> str:  # this plug-in host's: Lib/python38 on the 3.8 host, and so on
    data = os.path.dirname(sublime.packages_path())
    return os.path.join(data, "Lib", "python{}{}".format(*sys.version_info[:2]))


def target_of(path: Optional[str]) -> Optional[str]:
    """The package or library a file belongs to, or None."""
    real = os.path.realpath(path) if path else ""
    for root, suffix in ((sublime.packages_path(), ""), (library_path(), ".py"),
                         (sublime.installed_packages_path(), ".sublime-package")):
        root = os.path.realpath(root)
        try:
            inside = real != root and os.path.commonpath([real, root]) == root
        except ValueError:  # no path, or another drive
            continue
        if inside:
            first = os.path.relpath(real, root).split(os.sep)[0]
            return first[: -len(suffix)] if suffix and first.endswith(suffix) else first
    return None


def reload_package(name: str) -> reloader.Report:
    """Reload package or library `name` and every module importing it; show the report."""
    _refresh_archives(name)
    report = reloader.try_reload(name)
    show(report)
    if report.ok:
        _rebuild_commands()
    return report


def _reload_later(name: str) -> None:  # on the main thread, once the command returned
    sublime.set_timeout(lambda: reload_package(name), 0)


class ReloaderReloadPackageCommand(sublime_plugin.WindowCommand):
    """Reload the package or library of the active view's file (or the one named)."""

    def run(self, package: str = "") -> None:
        view = self.window.active_view()
        name = package or target_of(view.file_name() if view is not None else None)
        if name:
            _reload_later(name)
        else:
            sublime.status_message("Reloader: the active file is in no package and not in "
                                   + library_path())


class ReloaderToggleReloadOnSaveCommand(sublime_plugin.ApplicationCommand):
    """Turn reloading a package or library when one of its Python files is saved on or off."""

    def run(self) -> None:
        sublime.load_settings(SETTINGS).set("reload_on_save", not self.is_checked())
        sublime.save_settings(SETTINGS)
        state = "on" if self.is_checked() else "off"
        sublime.status_message("Reloader: reload on save is " + state)

    def is_checked(self) -> bool:
        return bool(sublime.load_settings(SETTINGS).get("reload_on_save", False))


class ReloaderSaveListener(sublime_plugin.EventListener):
    """Reloads the saved file's package or library when reload on save is on."""

    def on_post_save(self, view: sublime.View) -> None:
        path = view.file_name() or ""
        name = target_of(path) if path.endswith(".py") else None
        if name and name != OWN and sublime.load_settings(SETTINGS).get("reload_on_save"):
            _reload_later(name)


def plugin_loaded() -> None:
    if not (callable(_LOAD) and callable(_UNLOAD)):
        raise RuntimeError("sublime_plugin has no load_module; this build is not supported")
    protected = HOST_MODULES + ((OWN,) if OWN.isidentifier() else ())
    host = reloader.Host("sublime", protected=protected, show=show, hooks=(_plugins,),
                         schedule=lambda run, delay: sublime.set_timeout(run, int(delay * 1000)))
    _uninstall.append(reloader.use_host(host))


def plugin_unloaded() -> None:
    while _uninstall:
        _uninstall.pop()()
