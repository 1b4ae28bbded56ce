"""Reloader for Nuke 13 and later: menu commands, main-thread reloads, callback cleanup.

`install()` (init.py, every mode) describes Nuke to reloader; `add_menu()` (menu.py) adds
the Reloader menu, and starts the listener for editors if it was left on (see README.md).
"""

import os
from typing import Any, Callable, Iterator, List, Sequence

import nuke

import reloader

PROTECTED = ("nuke", "nukescripts", "nuke_internal", "hiero", "foundry", "reloader_nuke")
#: There while the listener for editors is on: remembered per user, for every Nuke version.
LISTENING = os.path.join(os.path.expanduser("~"), ".nuke", "reloader-listening")


def _registries() -> Iterator[List[Any]]:
    """The lists in nuke.callbacks, whatever the Nuke version holds there (Nuke holds them)."""
    for value in list(vars(nuke.callbacks).values()):
        for entries in list(value.values()) if isinstance(value, dict) else [value]:
            if isinstance(entries, list):
                yield entries


def remove_callbacks(names: Sequence[str], owned: reloader.Host.Owned) -> reloader.Host.Finish:
    """Take purged modules' callbacks out of Nuke's registries; put them back on failure."""
    return reloader.Host.take_out(
        _registries, lambda entry: isinstance(entry, tuple) and bool(entry) and owned(entry[0]))


def show(report: reloader.Report) -> None:
    """Print to the Script Editor (the terminal in `nuke -t`)."""
    print("Reloader: {}".format(report) if report.ok else report.format())


HOST = reloader.Host("nuke", protected=PROTECTED, show=show, hooks=(remove_callbacks,),
                     schedule=reloader.Host.post_later(nuke.executeInMainThread)
                     if nuke.env.get("gui") else None)  # none in terminal mode: reload now
reload_package, reload_later = HOST.reload, HOST.reload_later


def reload_prompt() -> None:
    """Ask for a package name, then reload it."""
    name = (nuke.getInput("Reload package or module", " ".join(HOST.last)) or "").strip()
    return reload_later(name) if name else None


def reload_last() -> None:
    if not HOST.last:
        return print("Reloader: no package reloaded yet; use Reloader/Reload Package... first")
    reload_later(*HOST.last)


def show_last() -> None:
    print(HOST.report.format() if HOST.report is not None else "Reloader: no reload yet")


def toggle_reload_on_save() -> bool:
    """Start or stop watching the last reloaded package; return whether it is watched."""
    if HOST.watcher is None and not HOST.last:
        print("Reloader: reload a package once first; reload on save watches it")
        return False
    try:
        print("Reloader: " + HOST.watch(None if HOST.watcher else HOST.last[0]))
    except ValueError as error:
        print("Reloader: {}".format(error))
    return HOST.watcher is not None


def toggle_listen() -> None:
    """Listen for reloads sent from your editor (`python -m reloader send`), or stop."""
    listen = not os.path.exists(LISTENING)
    print("Reloader: {}".format(HOST.listen(listen)))
    try:
        open(LISTENING, "w").close() if listen else os.remove(LISTENING)  # the remembered choice
    except OSError as error:
        print("Reloader: could not remember it in {}: {}".format(LISTENING, error))


def add_menu() -> None:
    """The Reloader menu in Nuke's main menu bar; commands are strings, resolved when run."""
    menu = nuke.menu("Nuke")
    for label, function, shortcut in (
        ("Reload Package...", "reload_prompt", "ctrl+alt+r"),
        ("Reload Last", "reload_last", "ctrl+alt+shift+r"),
        ("Toggle Reload on Save", "toggle_reload_on_save", ""),
        ("Show Last Report", "show_last", ""),
        ("Toggle Listen for Editor", "toggle_listen", ""),
    ):
        command = "import reloader_nuke; reloader_nuke.{}()".format(function)
        menu.addCommand("Reloader/{}".format(label), command, shortcut)
    if os.path.exists(LISTENING):
        print("Reloader: {}".format(HOST.listen(True)))


def install() -> Callable[[], None]:
    """Describe Nuke to reloader; return the callable that undoes it."""
    return reloader.use_host(HOST)


def uninstall() -> None:
    """Undo install(): stop reload on save and listening, forget the host."""
    install()()
