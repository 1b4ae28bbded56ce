"""Reloader for Sublime Text 4: reload a package, its submodules and its dependents.

Commands: `reloader_reload_package` (the package of the active view's file,
or `package`), `reloader_toggle_reload_on_save`; a save listener. A reload
runs on the plugin host's main thread (`sublime.set_timeout`). Around the
purge the package's plugin modules go through Sublime's own registration:
`sublime_plugin.unload_module` before (so `plugin_unloaded` runs and its
commands and listeners are removed) and `sublime_plugin.load_module` on the
new module after (so `plugin_loaded` runs and they are registered once):
the two halves of `reload_plugin`, with reloader's transaction in between
instead of its single-module `importlib.reload`. If the new code fails, the
old modules are registered again. This file only adapts; reloader does the work.
"""

import os
import sys
import types
from typing import Callable, Dict, List, Optional, Sequence

import sublime
import sublime_plugin

from . import reloader

PANEL = "reloader"
SETTINGS = "Reloader.sublime-settings"
# Makes "  File "/path/x.py", line 12" lines of the panel clickable.
FILE_REGEX = r'^\s*File "(.+)", line ([0-9]+)'
HOST_MODULES = ("sublime", "sublime_plugin", "sublime_api", "sublime_types")

_uninstall: List[Callable[[], None]] = []


def _loader_function(name: str) -> Callable[[types.ModuleType], None]:
    # The plug-in loader's functions are not part of the documented API.
    function = getattr(sublime_plugin, name, None)
    if not callable(function):
        raise RuntimeError(
            "sublime_plugin has no {!r}; this Sublime Text build is not supported".format(name)
        )
    return function  # type: ignore[no-any-return]


def _plugin_modules(names: List[str]) -> List[types.ModuleType]:
    """The loaded modules among `names` that Sublime loaded as plugins: 'Pkg.file'."""
    found = []
    for name in names:
        module = sys.modules.get(name)
        if name.count(".") == 1 and isinstance(module, types.ModuleType):
            if not hasattr(module, "__path__"):  # a subpackage is no plugin
                found.append(module)
    return found


def _unregister(names: List[str]) -> Callable[[], None]:
    plugins = _plugin_modules(names)
    unload = _loader_function("unload_module")
    for module in reversed(plugins):  # importers first
        unload(module)

    def register_old_again() -> None:
        load = _loader_function("load_module")
        for module in plugins:
            load(module)

    return register_old_again


def _register(names: List[str]) -> None:
    load = _loader_function("load_module")
    for module in _plugin_modules(names):
        load(module)


def _plugins(names: Sequence[str], owned: object) -> Callable[[bool], None]:
    register_old_again = _unregister(list(names))
    return lambda imported: _register(list(names)) if imported else register_old_again()


def _refresh_archives(package: str) -> None:
    """Make the zip importer read the package's .sublime-package again.

    Sublime's `ZipLoader` reads its zip once; the editor builds new loaders
    when it notices a changed zip, but a reload may come first.
    """
    scans: Dict[int, Callable[[], None]] = {}
    for name, module in list(sys.modules.items()):
        if name == package or name.startswith(package + "."):
            loader = getattr(getattr(module, "__spec__", None), "loader", None)
            scan = getattr(loader, "_scan_zip", None)
            if callable(scan):
                scans[id(loader)] = scan
    for scan in scans.values():
        scan()


def show(report: reloader.Report) -> None:
    """One line in the status bar; on failure, the details in an output panel."""
    print("Reloader: " + report.format())
    sublime.status_message("Reloader: {}".format(report))
    if report.ok:
        return
    window = sublime.active_window()
    panel = window.create_output_panel(PANEL)
    panel.settings().set("result_file_regex", FILE_REGEX)
    lines = [report.message()]
    if report.location is not None:
        where = report.location
        lines.append('  File "{}", line {}'.format(where.filename, where.lineno))
    lines.extend(["", report.format(), ""])
    panel.run_command("append", {"characters": "\n".join(lines)})
    window.run_command("show_panel", {"panel": "output." + PANEL})


def package_of(path: Optional[str]) -> Optional[str]:
    """The package a file belongs to: loose under Packages/ or zipped in Installed Packages/."""
    if not path:
        return None
    real = os.path.realpath(path)
    for root, suffix in ((sublime.packages_path(), ""),
                         (sublime.installed_packages_path(), ".sublime-package")):
        root = os.path.realpath(root)
        try:
            if os.path.commonpath([real, root]) != root or real == root:
                continue
        except ValueError:  # another drive
            continue
        first = os.path.relpath(real, root).split(os.sep)[0]
        if suffix and first.endswith(suffix):
            first = first[: -len(suffix)]
        return first if first and first != ".." else None
    return None


def reload_package(package: str) -> Optional[reloader.Report]:
    """Reload `package`, its submodules and every module importing them; show the report."""
    module = sys.modules.get(package)
    if not isinstance(module, types.ModuleType):
        sublime.status_message(
            "Reloader: package {!r} has no module loaded in this plugin host".format(package)
        )
        return None
    _refresh_archives(package)
    try:
        report = reloader.reload(module)
    except reloader.ReloadError as error:
        report = error.report
    except (ValueError, TypeError, RuntimeError) as error:
        sublime.status_message("Reloader: {}".format(error))
        return None
    show(report)
    return report


def _schedule(callback: Callable[[], None], delay: float) -> None:
    sublime.set_timeout(callback, int(delay * 1000))


def _reload_later(package: str) -> None:
    """Reload on the plugin host's main thread, after the current command returns."""
    sublime.set_timeout(lambda: _ignore(reload_package(package)), 0)


def _ignore(_: object) -> None:
    return None


def _settings() -> sublime.Settings:
    return sublime.load_settings(SETTINGS)


class ReloaderReloadPackageCommand(sublime_plugin.WindowCommand):
    """Reload the package of the active view's file (or the one named)."""

    def run(self, package: str = "") -> None:
        view = self.window.active_view()
        name = package or package_of(view.file_name() if view is not None else None)
        if not name:
            sublime.status_message("Reloader: the active file is not inside a package")
            return
        _reload_later(name)


class ReloaderToggleReloadOnSaveCommand(sublime_plugin.ApplicationCommand):
    """Turn reloading a package when one of its Python files is saved on or off."""

    def run(self) -> None:
        settings = _settings()
        enabled = not settings.get("reload_on_save", False)
        settings.set("reload_on_save", enabled)
        sublime.save_settings(SETTINGS)
        sublime.status_message("Reloader: reload on save is {}".format("on" if enabled else "off"))

    def is_checked(self) -> bool:
        return bool(_settings().get("reload_on_save", False))


class ReloaderSaveListener(sublime_plugin.EventListener):
    """Reloads the saved file's package when reload on save is on."""

    def on_post_save(self, view: sublime.View) -> None:
        path = view.file_name()
        if not path or not path.endswith(".py") or not _settings().get("reload_on_save", False):
            return
        package = package_of(path)
        if package and package != __name__.partition(".")[0]:
            _reload_later(package)


def plugin_loaded() -> None:
    own = __name__.partition(".")[0]
    protected = HOST_MODULES + ((own,) if own.isidentifier() else ())
    _uninstall.append(reloader.use_host(reloader.Host(
        "sublime",
        protected=protected,
        schedule=_schedule,
        show=show,
        hooks=(_plugins,),
    )))


def plugin_unloaded() -> None:
    while _uninstall:
        _uninstall.pop()()
