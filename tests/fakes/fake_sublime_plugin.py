"""A fake of Sublime Text 4's `sublime_plugin`: plugin loading, unloading and its importers.

Follows the editor's own `sublime_plugin.py` (builds 4180 and 4205):
registries of command classes and of EventListener instances per event;
`load_module` scans a module (restricted to `__all__`, else public names),
registers its commands and listeners, stores them in `m.__plugins__` and
calls `plugin_loaded`; `unload_module` calls `plugin_unloaded` and removes
what `__plugins__` lists; `reload_plugin` is unload + `importlib.reload` +
load. `create_window_commands` and `create_text_commands` make the command
instances the editor keeps per window and per view.

Packages zipped as `.sublime-package` load through the importer of the
host chosen with `use_host()`:
- "3.8" (builds 4050-4200): a `MultizipImporter` serving each archive
  through one `ZipLoader`, which reads the zip once when created and
  prefers a loose override file under the Packages folder.
- "3.14" (build 4203 on): a `PackagePathFinder` and `PackageSourceFileLoader`,
  a `SourceFileLoader` subclass reading through `sublime_api`'s resources,
  with the module's origin inside the archive.
Either sits at the front of `sys.meta_path`.

The editor's side: `load_package` loads a package's plug-in files as the
editor does at startup, and `notice_plugin_files` loads new and unloads
removed plug-in files of those packages as its file watch does; both then
make every window and view build its command instances again. Loading and
unloading must happen on the main thread. `plugin_load_order` records every
load and unload, for tests.
"""

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import traceback
import types
import zipfile
from typing import Any, Dict, List, Optional, Set, Tuple

import sublime
import sublime_api

api_ready = True
application_command_classes: List[type] = []
window_command_classes: List[type] = []
text_command_classes: List[type] = []
all_command_classes = [application_command_classes, window_command_classes, text_command_classes]
all_callbacks: Dict[str, List[object]] = {
    name: [] for name in (
        "on_new", "on_load", "on_pre_save", "on_post_save", "on_post_save_async",
        "on_modified", "on_activated", "on_close",
    )
}
plugin_load_order: List[Tuple[str, str]] = []


class Command:
    def name(self) -> str:
        clsname = type(self).__name__
        name = clsname[0].lower()
        last_upper = False
        for c in clsname[1:]:
            if c.isupper() and not last_upper:
                name += "_" + c.lower()
            else:
                name += c.lower()
            last_upper = c.isupper()
        if name.endswith("_command"):
            name = name[: -len("_command")]
        return name

    def is_enabled(self) -> bool:
        return True

    def is_checked(self) -> bool:
        return False


class ApplicationCommand(Command):
    pass


class WindowCommand(Command):
    def __init__(self, window: Any) -> None:
        self.window = window


class TextCommand(Command):
    def __init__(self, view: Any) -> None:
        self.view = view


class EventListener:
    pass


class ViewEventListener:
    pass


def unload_module(module: types.ModuleType) -> None:
    sublime.main_thread.check("sublime_plugin.unload_module")
    plugin_load_order.append(("unload", module.__name__))
    if "plugin_unloaded" in module.__dict__:
        try:
            module.plugin_unloaded()
        except Exception:
            traceback.print_exc()
    for plugin in module.__dict__.get("__plugins__", ()):
        for classes in all_command_classes:
            if plugin in classes:
                classes.remove(plugin)
        for listeners in all_callbacks.values():
            if plugin in listeners:
                listeners.remove(plugin)


def unload_plugin(modulename: str) -> None:
    if modulename in sys.modules:
        unload_module(sys.modules.pop(modulename))


def reload_plugin(modulename: str) -> None:
    print("reloading plugin {}".format(modulename))
    module = sys.modules.get(modulename)
    loaded = False
    if module is not None:
        unload_module(module)
        loader = module.__spec__.loader if module.__spec__ else None
        if not isinstance(loader, ZipLoader) or loader in multi_importer.loaders:
            module = importlib.reload(module)
            loaded = True
        else:
            del sys.modules[modulename]
    if not loaded:
        module = importlib.import_module(modulename)
    load_module(module)


def load_module(m: types.ModuleType) -> None:
    sublime.main_thread.check("sublime_plugin.load_module")
    plugin_load_order.append(("load", m.__name__))
    names = dir(m)
    allowed = set(m.__all__) if "__all__" in names else {n for n in names if n[0] != "_"}
    plugins: List[object] = []
    for name in names:
        if name not in allowed:
            continue
        thing = m.__dict__.get(name)
        if not isinstance(thing, type):
            continue
        registered = False
        for base, classes in ((ApplicationCommand, application_command_classes),
                              (WindowCommand, window_command_classes),
                              (TextCommand, text_command_classes)):
            if issubclass(thing, base) and thing is not base:
                classes.append(thing)
                registered = True
        if registered:
            plugins.append(thing)
        if issubclass(thing, EventListener) and thing is not EventListener:
            listener = thing()
            for event, listeners in all_callbacks.items():
                if event in dir(thing):
                    listeners.append(listener)
            plugins.append(listener)
    if plugins:
        m.__plugins__ = plugins  # type: ignore[attr-defined]
    if api_ready and "plugin_loaded" in m.__dict__:
        try:
            m.plugin_loaded()
        except Exception:
            traceback.print_exc()


def create_application_commands() -> List[Tuple[object, str]]:
    commands = []
    for cls in application_command_classes:
        command = cls()
        commands.append((command, command.name()))
    return commands


def create_window_commands(window: Any) -> List[Tuple[object, str]]:
    commands = []
    for cls in window_command_classes:
        command = cls(window)
        commands.append((command, command.name()))
    return commands


def create_text_commands(view: Any) -> List[Tuple[object, str]]:
    commands = []
    for cls in text_command_classes:
        command = cls(view)
        commands.append((command, command.name()))
    return commands


def run_command(commands: List[Tuple[Any, str]], cmd: str, args: Dict[str, Any]) -> None:
    """Run the instance named `cmd` among a window's or a view's `commands`."""
    matches = [command for command, name in commands if name == cmd]
    if len(matches) > 1:
        raise AssertionError("command {!r} is registered {} times".format(cmd, len(matches)))
    if not matches:
        raise AssertionError("no command {!r} is registered".format(cmd))
    command = matches[0]
    try:  # as Command.is_enabled_ does: with the arguments if it takes them
        enabled = command.is_enabled(**args) if args else command.is_enabled()
    except TypeError:
        enabled = command.is_enabled()
    if enabled:
        command.run(**args)


def run_application_command(cmd: str, args: Dict[str, Any]) -> None:
    run_command(create_application_commands(), cmd, args)


def command_names() -> List[str]:
    """Every registered command's name, for tests (duplicates show up twice)."""
    names = [cls().name() for cls in application_command_classes]
    names += [cls(None).name() for cls in window_command_classes]
    names += [cls(None).name() for cls in text_command_classes]
    return sorted(names)


def on_post_save(view: Any) -> None:
    """What the editor does after a view was saved: every listener's on_post_save."""
    for listener in list(all_callbacks["on_post_save"]):
        try:
            listener.on_post_save(view)  # type: ignore[attr-defined]
        except Exception:
            traceback.print_exc()


# --------------------------------------------------------------------------
# the zip importer for .sublime-package files

override_path: Optional[str] = None


class ZipLoader(importlib.abc.InspectLoader):
    """Serves one package from its .sublime-package zip, read once when created."""

    def __init__(self, zippath: str) -> None:
        self.zippath = zippath
        self.name = os.path.splitext(os.path.basename(zippath))[0]
        self._scan_zip()

    def _scan_zip(self) -> None:
        self.contents: Dict[str, str] = {"": ""}
        self.filenames: Dict[str, str] = {"": ""}
        self.packages = {""}
        with zipfile.ZipFile(self.zippath, "r") as z:
            for f in z.namelist():
                base, ext = os.path.splitext(f)
                if ext != ".py":
                    continue
                paths = base.split("/")
                if paths[-1] == "__init__":
                    paths.pop()
                    self.packages.add(".".join(paths))
                key = ".".join(paths)
                self.contents[key] = z.read(f).decode("utf-8")
                self.filenames[key] = f
                while len(paths) > 1:
                    paths.pop()
                    parent = ".".join(paths)
                    if parent not in self.contents:
                        self.contents[parent] = ""
                        self.filenames[parent] = parent
                        self.packages.add(parent)

    def _key(self, fullname: str) -> Optional[str]:
        name, _, key = fullname.partition(".")
        return key if name == self.name else None

    def _override(self, fullname: str) -> Optional[str]:
        if override_path is None or "." not in fullname:
            return None
        path = os.path.join(override_path, *fullname.split(".")) + ".py"
        return path if os.path.isfile(path) else None

    def has(self, fullname: str) -> bool:
        key = self._key(fullname)
        return key is not None and (key in self.contents or self._override(fullname) is not None)

    def _spec_info(self, fullname: str) -> Tuple[Optional[str], Optional[bool]]:
        override = self._override(fullname)
        if override is not None:
            return override, False
        key = self._key(fullname)
        if key is None or key not in self.contents:
            return None, None
        return (os.path.join(self.zippath, self.filenames[key]).rstrip(os.sep),
                key in self.packages)

    def get_filename(self, fullname: str) -> str:
        origin = self._spec_info(fullname)[0]
        if origin is None:
            raise ImportError(fullname)
        return origin

    def is_package(self, fullname: str) -> bool:
        return bool(self._spec_info(fullname)[1])

    def get_source(self, fullname: str) -> str:
        origin = self._spec_info(fullname)[0]
        if origin is None:
            raise ModuleNotFoundError("No module named {!r}".format(fullname))
        if origin.startswith(self.zippath + os.sep) or origin == self.zippath:
            return self.contents[self._key(fullname) or ""]
        with open(origin, encoding="utf-8") as handle:
            return handle.read()

    def get_code(self, fullname: str) -> types.CodeType:
        origin = self._spec_info(fullname)[0]
        return self.source_to_code(self.get_source(fullname), origin or fullname)


class MultizipImporter(importlib.abc.MetaPathFinder):
    def __init__(self) -> None:
        self.loaders: List[ZipLoader] = []

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Optional[importlib.machinery.ModuleSpec]:
        for loader in self.loaders:
            if (not path or list(path) == [loader.zippath]) and loader.has(fullname):
                origin, is_package = loader._spec_info(fullname)
                spec = importlib.util.spec_from_loader(
                    fullname, loader, origin=origin, is_package=is_package
                )
                if spec is not None and is_package:
                    spec.submodule_search_locations = [loader.zippath]
                return spec
        return None


class PackagePathFinder(importlib.abc.MetaPathFinder):
    """The 3.14 host's finder: modules of zipped packages, found as resources."""

    def __init__(self) -> None:
        self.packages: Dict[str, str] = {}

    def update_packages(self, pkgs: List[str]) -> None:
        self.packages = {os.path.splitext(os.path.basename(p))[0]: p for p in pkgs}

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Optional[importlib.machinery.ModuleSpec]:
        package = self.packages.get(fullname.partition(".")[0])
        if not package:
            return None
        resource = "Packages/" + fullname.replace(".", "/")
        for candidate, package_file in ((resource + "/__init__.py", True), (resource + ".py", False)):
            stats = sublime_api.stat_resource_file(candidate)
            if stats:
                fullpath, size, mtime = stats
                is_package = package_file
                loader: Optional[PackageSourceFileLoader] = PackageSourceFileLoader(
                    fullname, fullpath, candidate, {"size": size, "mtime": mtime})
                break
        else:
            found = sublime_api.stat_resource_dir(resource)
            if not found:
                return None
            fullpath, loader, is_package = found[0], None, True
        spec = importlib.util.spec_from_loader(fullname, loader, origin=fullpath, is_package=is_package)
        assert spec is not None
        spec.has_location = True
        if is_package:
            spec.submodule_search_locations = [package]
        return spec


class PackageSourceFileLoader(importlib.machinery.SourceFileLoader):
    """Source read through sublime_api; `path` (the origin) lies inside the archive."""

    def __init__(self, fullname: str, path: str, resource_path: str, stats: Dict[str, Any]) -> None:
        super().__init__(fullname, path)
        self.resource_path = resource_path
        self._stats = stats

    def path_stats(self, path: str) -> Dict[str, Any]:
        return self._stats

    def get_data(self, path: str) -> bytes:
        if os.path.splitext(path)[1] == ".pyc":  # a cache beside the archive member
            try:
                with open(path, "rb") as handle:
                    return handle.read()
            except OSError:
                pass
        data = sublime_api.load_binary_resource(self.resource_path, -1)
        return data if isinstance(data, bytes) else b""


multi_importer: Any = MultizipImporter()
sys.meta_path.insert(0, multi_importer)


def use_host(version: str) -> None:
    """Serve zipped packages as the "3.8" or the "3.14" plug-in host does."""
    global multi_importer
    sys.meta_path.remove(multi_importer)
    multi_importer = PackagePathFinder() if version == "3.14" else MultizipImporter()
    sys.meta_path.insert(0, multi_importer)


def update_compressed_packages(pkgs: List[str]) -> None:
    if isinstance(multi_importer, PackagePathFinder):
        multi_importer.update_packages(pkgs)
    else:
        multi_importer.loaders = [ZipLoader(p) for p in pkgs]


def set_override_path(path: str) -> None:
    global override_path
    override_path = path


editor_packages: Set[str] = set()  # the packages whose plug-in files the editor watches


def _loose_plugins(package: str) -> Set[str]:
    folder = os.path.join(sublime.packages_path(), package)
    if not os.path.isdir(folder):
        return set()
    return {"{}.{}".format(package, f[:-3]) for f in os.listdir(folder) if f.endswith(".py")}


def load_package(package: str) -> None:
    """What the editor does at startup for one package: reload_plugin per top-level file."""
    names = _loose_plugins(package)
    archive = os.path.join(sublime.installed_packages_path(), package + ".sublime-package")
    if os.path.isfile(archive):
        with zipfile.ZipFile(archive) as z:
            names.update("{}.{}".format(package, f[:-3]) for f in z.namelist()
                         if f.endswith(".py") and "/" not in f)
    for name in sorted(names):
        reload_plugin(name)
    editor_packages.add(package)
    sublime.plugins_changed()


def notice_plugin_files() -> None:
    """The editor's file watch: load new loose plug-in files, unload removed ones."""
    changed = False
    for package in sorted(editor_packages):
        present = _loose_plugins(package)
        for name in sorted(present):
            if name not in sys.modules:
                reload_plugin(name)
                changed = True
        for name in [n for n in list(sys.modules) if n.startswith(package + ".")]:
            module = sys.modules[name]
            if name.count(".") == 1 and name not in present and _is_loose(module):
                unload_plugin(name)
                changed = True
    if changed:
        sublime.plugins_changed()


def _is_loose(module: Any) -> bool:
    origin = getattr(getattr(module, "__spec__", None), "origin", None) or ""
    return not hasattr(module, "__path__") and origin.startswith(sublime.packages_path() + os.sep)
