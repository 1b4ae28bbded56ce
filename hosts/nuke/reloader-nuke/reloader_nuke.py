"""Reloader for Nuke 13 and later: menu commands, main-thread reloads, callback cleanup.

`install()` (from this folder's init.py, in every mode) tells reloader
about Nuke: its own modules are never purged; reloads run through
`nuke.executeInMainThread`, or directly in terminal mode (`nuke -t`), where
the GUI loop does not run; reports go to the Script Editor. Before a purge,
every entry of Nuke's callback registries (`nuke.callbacks.onCreates`,
`knobChangeds`, `onScriptLoads`, `beforeRenders`, ... : dicts of lists of
`(call, args, kwargs, nodeClass)` tuples, and plain lists for background
renders) whose function belongs to a purged module is taken out, so the
re-import registers it once; if the reload fails the old entries are put
back where they were. `add_menu()` (from menu.py) adds the Reloader menu.
This file only adapts; reloader does the work.
"""

import os
import sys
import threading
from typing import Any, Callable, List, Optional, Tuple

import nuke

import reloader

PROTECTED = ("nuke", "nukescripts", "nuke_internal", "hiero", "foundry", "reloader_nuke")
MENU = "Reloader"


class _State:
    def __init__(self) -> None:
        self.last: Optional[str] = None
        self.report: Optional[reloader.Report] = None
        self.watcher: Any = None
        self.uninstall: Optional[Callable[[], None]] = None
        self.host: Optional[reloader.Host] = None


_state = _State()


def _registries() -> List[List[Any]]:
    """Every list of callback entries in nuke.callbacks, whatever the Nuke version."""
    found: List[List[Any]] = []
    for value in vars(nuke.callbacks).values():
        if isinstance(value, dict):
            found.extend(v for v in value.values() if isinstance(v, list))
        elif isinstance(value, list):
            found.append(value)
    return found


def _take(owned: reloader.Owned) -> List[Tuple[List[Any], int, Any]]:
    """Remove the owned entries; return (list, index, entry) for each, in order."""
    taken = []
    for entries in _registries():
        kept = []
        for index, entry in enumerate(entries):
            if isinstance(entry, tuple) and entry and owned(entry[0]):
                taken.append((entries, index, entry))
            else:
                kept.append(entry)
        entries[:] = kept  # the same list object: Nuke holds it
    return taken


def remove_callbacks(owned: reloader.Owned) -> Callable[[], None]:
    """Take purged modules' callbacks out of Nuke's registries; the undo puts them back."""
    taken = _take(owned)

    def put_back() -> None:
        _take(owned)  # what the failed attempt registered
        for entries, index, entry in taken:
            entries.insert(index, entry)

    return put_back


def show(report: reloader.Report) -> None:
    """Print to the Script Editor (the terminal in `nuke -t`)."""
    _state.report = report
    print("Reloader: {}".format(report) if report.ok else report.format())


def reload_package(name: str) -> Optional[reloader.Report]:
    """Reload `name` and everything importing it now; show and return the report."""
    _state.last = name
    try:
        report = reloader.reload(name)
    except reloader.ReloadError as error:
        report = error.report
    except (ValueError, TypeError, RuntimeError) as error:
        print("Reloader: {}".format(error))
        return None
    show(report)
    return report


def _ignore(_: object) -> None:
    return None


def reload_later(name: str) -> None:
    """Reload `name` on Nuke's main thread (now in terminal mode)."""
    host = _state.host or reloader.Host("nuke")
    host.call_soon(lambda: _ignore(reload_package(name)))


def reload_prompt() -> None:
    """Ask for a package name, then reload it."""
    name = nuke.getInput("Reload package or module", _state.last or "")
    if name and name.strip():
        reload_later(name.strip())


def reload_last() -> None:
    if _state.last is None:
        print("Reloader: no package reloaded yet; use Reloader/Reload Package... first")
        return
    reload_later(_state.last)


def show_last() -> None:
    print(_state.report.format() if _state.report is not None else "Reloader: no reload yet")


def _folders(name: str) -> List[str]:
    module = sys.modules.get(name)
    folders = list(getattr(module, "__path__", None) or [])
    file = getattr(module, "__file__", None)
    if not folders and file:
        folders = [os.path.dirname(str(file))]
    return folders


def toggle_reload_on_save() -> bool:
    """Start or stop watching the last reloaded package; return whether it is watched."""
    if _state.watcher is not None:
        _state.watcher.stop()
        _state.watcher = None
        print("Reloader: reload on save is off")
        return False
    if _state.last is None or not _folders(_state.last):
        print("Reloader: reload a package once first; reload on save watches it")
    else:
        _state.watcher = reloader.Watcher(*_folders(_state.last), on_report=show)
        _state.watcher.start()
        print("Reloader: reloading {} on save".format(_state.last))
    return _state.watcher is not None


def add_menu() -> None:
    """The Reloader menu in Nuke's main menu bar; commands are strings, resolved when run."""
    menu = nuke.menu("Nuke")
    for label, function, shortcut in (
        ("Reload Package...", "reload_prompt", "ctrl+alt+r"),
        ("Reload Last", "reload_last", "ctrl+alt+shift+r"),
        ("Toggle Reload on Save", "toggle_reload_on_save", ""),
        ("Show Last Report", "show_last", ""),
    ):
        command = "import reloader_nuke; reloader_nuke.{}()".format(function)
        menu.addCommand("{}/{}".format(MENU, label), command, shortcut)


def _schedule(callback: Callable[[], None], delay: float) -> None:
    if delay > 0:  # executeInMainThread may be called from any thread
        timer = threading.Timer(delay, nuke.executeInMainThread, (callback,))
        timer.daemon = True
        timer.start()
    else:
        nuke.executeInMainThread(callback)


def install() -> Callable[[], None]:
    """Describe Nuke to reloader; return the callable that undoes it."""
    uninstall()
    gui = bool(nuke.env.get("gui"))
    _state.host = reloader.Host(
        "nuke",
        protected=PROTECTED,
        schedule=_schedule if gui else None,
        show=show,
        cleanups=(remove_callbacks,),
    )
    _state.uninstall = reloader.use_host(_state.host)
    return uninstall


def uninstall() -> None:
    if _state.watcher is not None:
        _state.watcher.stop()
        _state.watcher = None
    if _state.uninstall is not None:
        _state.uninstall()
        _state.uninstall = None
    _state.host = None
