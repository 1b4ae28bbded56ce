"""Reloader for Nuke 13 and later: menu commands, main-thread reloads, callback cleanup.

`install()` (from init.py, in every mode) describes Nuke to reloader: its own
modules are never purged; reloads run on the main thread, or at once in
terminal mode (`nuke -t`); reports go to the Script Editor. Before a purge,
the entries of Nuke's callback registries (`nuke.callbacks.onCreates`,
`knobChangeds`, ...: lists of `(call, args, kwargs, nodeClass)` tuples)
whose function a purged module owns are taken out, so the re-import adds
them once; a failed reload puts them back. `add_menu()` (from menu.py)
adds the Reloader menu. This file only adapts; reloader does the work.
"""

import os
import sys
import types
from typing import Any, Callable, List, Sequence, Tuple

import nuke

import reloader

PROTECTED = ("nuke", "nukescripts", "nuke_internal", "hiero", "foundry", "reloader_nuke")
MENU = "Reloader"


# The last package and report, the reload-on-save watcher, the host (until
# install(): one with no event loop, so reloads run at once) and its undo.
_state = types.SimpleNamespace(last=None, report=None, watcher=None, host=reloader.Host("nuke"),
                               uninstall=lambda: None)


def _take(owned: reloader.Host.Owned) -> List[Tuple[List[Any], int, Any]]:
    """Remove the owned entries from nuke.callbacks; return (list, index, entry) for each."""
    taken: List[Tuple[List[Any], int, Any]] = []
    for value in vars(nuke.callbacks).values():  # whatever the Nuke version holds there
        lists = list(value.values()) if isinstance(value, dict) else [value]
        for entries in (v for v in lists if isinstance(v, list)):
            mine = {i for i, e in enumerate(entries) if isinstance(e, tuple) and e and owned(e[0])}
            taken.extend((entries, i, entries[i]) for i in sorted(mine))
            entries[:] = [e for i, e in enumerate(entries) if i not in mine]  # Nuke holds the list
    return taken


def remove_callbacks(names: Sequence[str], owned: reloader.Host.Owned) -> reloader.Host.Finish:
    """Take purged modules' callbacks out of Nuke's registries; put them back on failure."""
    taken = _take(owned)

    def finish(imported: bool) -> None:
        if not imported:
            _take(owned)  # what the failed attempt registered
            for entries, index, entry in taken:
                entries.insert(index, entry)

    return finish


def show(report: reloader.Report) -> None:
    """Print to the Script Editor (the terminal in `nuke -t`)."""
    _state.report = report
    print("Reloader: {}".format(report) if report.ok else report.format())


def reload_package(name: str) -> reloader.Report:
    """Reload `name` and everything importing it now; show and return the report."""
    _state.last = name
    report = reloader.try_reload(name)
    show(report)
    return report


def reload_later(name: str) -> None:
    """Reload `name` on Nuke's main thread (now in terminal mode)."""
    _state.host.call_soon(lambda: show(reloader.try_reload(name)))
    _state.last = name


def reload_prompt() -> None:
    """Ask for a package name, then reload it."""
    name = (nuke.getInput("Reload package or module", _state.last or "") or "").strip()
    return reload_later(name) if name else None


def reload_last() -> None:
    if _state.last is None:
        return print("Reloader: no package reloaded yet; use Reloader/Reload Package... first")
    reload_later(_state.last)


def show_last() -> None:
    print(_state.report.format() if _state.report is not None else "Reloader: no reload yet")


def toggle_reload_on_save() -> bool:
    """Start or stop watching the last reloaded package; return whether it is watched."""
    if _state.watcher is not None:
        _state.watcher.stop()
        _state.watcher = None
        print("Reloader: reload on save is off")
        return False
    module = sys.modules.get(_state.last or "")
    file = getattr(module, "__file__", None)
    folders = list(getattr(module, "__path__", None) or ([os.path.dirname(file)] if file else []))
    if not folders:
        print("Reloader: reload a package once first; reload on save watches it")
        return False
    _state.watcher = reloader.Watcher(*folders, on_report=show)
    _state.watcher.start()
    print("Reloader: reloading {} on save".format(_state.last))
    return True


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


def install() -> Callable[[], None]:
    """Describe Nuke to reloader; return the callable that undoes it."""
    uninstall()
    schedule = reloader.Host.post_later(nuke.executeInMainThread)
    _state.host = reloader.Host("nuke", protected=PROTECTED, show=show,
                                schedule=schedule if nuke.env.get("gui") else None,
                                hooks=(remove_callbacks,))
    _state.uninstall = reloader.use_host(_state.host)
    return uninstall


def uninstall() -> None:
    if _state.watcher is not None:
        _state.watcher.stop()
        _state.watcher = None
    _state.uninstall()
    _state.uninstall, _state.host = (lambda: None), reloader.Host("nuke")
