"""A fake of Sublime Text's `sublime` module: the calls the adapter makes, recorded.

`set_timeout` queues callbacks for the plugin host's main thread; the test
plays that thread with `run_timeouts()`, which also plays the editor's
watch on plug-in files between callbacks (`sublime_plugin.notice_plugin_files`).
Windows hold views and output panels; views keep their text, settings and
file name. As in Sublime, every window and view keeps its own command
instances, made when it is created and made again only when the editor
itself loads or unloads a plug-in (`plugins_changed`): a plug-in loaded
from Python alone leaves them as they were. `status_message` records what
the user would see.
"""

import itertools
import os
import sys
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

from tests.fakes import MainThread

main_thread = MainThread()
_timeouts: List[Tuple[int, Callable[[], object]]] = []
_timeouts_lock = threading.Lock()
statuses: List[str] = []
saved_settings: List[str] = []
_ids = itertools.count(1)
_settings: Dict[str, "Settings"] = {}
data_dir = "/nonexistent"


def packages_path() -> str:
    return os.path.join(data_dir, "Packages")


def installed_packages_path() -> str:
    return os.path.join(data_dir, "Installed Packages")


def set_timeout(callback: Callable[[], object], delay: int = 0) -> None:
    """Thread-safe, as in Sublime Text: queue `callback` for the main thread."""
    if not callable(callback):
        raise TypeError("callback must be callable")
    with _timeouts_lock:
        _timeouts.append((delay, callback))


def set_timeout_async(callback: Callable[[], object], delay: int = 0) -> None:
    raise AssertionError("the adapter must not run reloads on the async thread")


def pending_timeouts() -> List[Tuple[int, Callable[[], object]]]:
    with _timeouts_lock:
        return list(_timeouts)


def run_timeouts() -> int:
    """Play the main thread: run every queued callback (and those they queue)."""
    main_thread.check("run_timeouts")
    count = 0
    while True:
        notice_plugin_files()
        with _timeouts_lock:
            if not _timeouts:
                return count
            _, callback = _timeouts.pop(0)
        callback()
        count += 1


def notice_plugin_files() -> None:
    """The editor's watch on Packages/: it loads new plug-in files and unloads removed ones."""
    plugin = sys.modules.get("sublime_plugin")
    if plugin is not None:
        plugin.notice_plugin_files()


def plugins_changed() -> None:
    """What the editor does after it loaded or unloaded plug-ins: new command instances."""
    plugin = sys.modules["sublime_plugin"]
    for window in _windows:
        window.commands = plugin.create_window_commands(window)
        for view in window.views_:
            view.commands = plugin.create_text_commands(view)


def status_message(msg: str) -> None:
    statuses.append(msg)


class Settings:
    def __init__(self) -> None:
        self.values: Dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self.values[key] = value


def load_settings(base_name: str) -> Settings:
    return _settings.setdefault(base_name, Settings())


def save_settings(base_name: str) -> None:
    saved_settings.append(base_name)


class View:
    def __init__(self, window: "Window", file_name: Optional[str] = None) -> None:
        self.view_id = next(_ids)
        self.window_ = window
        self.file_name_ = file_name
        self.text = ""
        self.settings_ = Settings()
        plugin = sys.modules.get("sublime_plugin")
        self.commands: List[Tuple[Any, str]] = (
            plugin.create_text_commands(self) if plugin is not None and file_name else [])

    def id(self) -> int:
        return self.view_id

    def file_name(self) -> Optional[str]:
        return self.file_name_

    def window(self) -> "Window":
        return self.window_

    def settings(self) -> Settings:
        return self.settings_

    def run_command(self, cmd: str, args: Optional[Dict[str, Any]] = None) -> None:
        main_thread.check("View.run_command")
        if cmd == "append":  # the Default package's text command
            self.text += (args or {})["characters"]
        else:
            sys.modules["sublime_plugin"].run_command(self.commands, cmd, dict(args or {}))


class Window:
    def __init__(self) -> None:
        self.window_id = next(_ids)
        self.views_: List[View] = []
        self.panels: Dict[str, View] = {}
        self.shown_panel: Optional[str] = None
        self.commands_run: List[Tuple[str, Dict[str, Any]]] = []
        self.commands: List[Tuple[Any, str]] = []

    def id(self) -> int:
        return self.window_id

    def open_file(self, path: str) -> View:
        view = View(self, path)
        self.views_.append(view)
        return view

    def views(self) -> List[View]:
        return list(self.views_)

    def active_view(self) -> Optional[View]:
        return self.views_[-1] if self.views_ else None

    def create_output_panel(self, name: str, unlisted: bool = False) -> View:
        main_thread.check("Window.create_output_panel")
        panel = View(self)
        self.panels[name] = panel  # creating it again empties it, as in Sublime
        return panel

    def find_output_panel(self, name: str) -> Optional[View]:
        return self.panels.get(name)

    def run_command(self, cmd: str, args: Optional[Dict[str, Any]] = None) -> None:
        """Run a built-in window command, or one of this window's plug-in command instances."""
        main_thread.check("Window.run_command")
        args = dict(args or {})
        self.commands_run.append((cmd, args))
        if cmd == "show_panel":
            self.shown_panel = args["panel"]
            return
        sys.modules["sublime_plugin"].run_command(self.commands, cmd, args)


_windows: List[Window] = [Window()]


def windows() -> List[Window]:
    return list(_windows)


def active_window() -> Window:
    return _windows[0]


def run_command(cmd: str, args: Optional[Dict[str, Any]] = None) -> None:
    main_thread.check("sublime.run_command")
    import sublime_plugin

    sublime_plugin.run_application_command(cmd, dict(args or {}))
