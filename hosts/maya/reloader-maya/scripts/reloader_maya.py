"""Reloader for Maya 2022 and later: a Reloader menu, main-thread reloads, callback cleanup.

`install()` (userSetup.py) describes Maya to reloader. Maya hands out only ids for script
jobs and message callbacks, so `install()` wraps `cmds.scriptJob` and puts a stand-in for
each `maya.api.OpenMaya` message class (C types, left unpatched) into that module, to
record each id with its arguments. Before a purge the ids of purged code are removed (one
Maya dropped already is skipped and reported); a failed reload registers them again.
"""

import functools
import sys
from typing import Any, Callable, List

import maya.cmds as cmds
import maya.utils

import reloader

MENU, TOGGLE = "reloaderMenu", "reloaderMenuReloadOnSave"
LISTEN = "reloaderListen"  # optionVar: listen for editors (Maya saves it in userPrefs.mel)
PROTECTED = ("maya", "pymel", "ufe", "reloader_maya")
TRACKER = reloader.Host.Tracker()  # the script jobs and message callbacks made with callables
_undo: List[Callable[[], None]] = []
_job: Callable[..., Any] = cmds.scriptJob


class _Messages:
    """Stands in for an OpenMaya message class: add*Callback records, remove* forgets."""

    def __init__(self, cls: Any) -> None:
        self._cls = cls

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._cls, name)
        if name.startswith("add"):
            return TRACKER.record(value, self._cls.removeCallback)
        return TRACKER.forget(value) if name.startswith("remove") else value


def _kill(job: int) -> None:
    if not _job(exists=job):
        raise RuntimeError("no longer exists")
    _job(kill=job, force=True)


def _script_job(*args: Any, **kwargs: Any) -> Any:
    killed = kwargs.get("kill", kwargs.get("k"))
    if killed is None:
        return TRACKER.record(_job, _kill, "script job")(*args, **kwargs)
    return TRACKER.forget(lambda _: _job(*args, **kwargs))(killed)


def show(report: reloader.Report) -> None:
    """Print to the Script Editor; a failure also as a warning on the command line."""
    print("Reloader: {}".format(report) if report.ok else report.format())
    while TRACKER.skipped:
        print("Reloader: skipped {}".format(TRACKER.skipped.pop(0)))
    if not report.ok:
        cmds.warning("Reloader: {}".format(report.message()))


HOST = reloader.Host("maya", protected=PROTECTED, show=show, hooks=(TRACKER.hook,),
                     schedule=None if cmds.about(batch=True) else reloader.Host.post_later(
                         maya.utils.executeDeferred))  # callable from any thread
reload_package, reload_later = HOST.reload, HOST.reload_later


def reload_prompt() -> None:
    """Ask for a package name, then reload it."""
    if cmds.promptDialog(title="Reload Package", message="Package or module name:",
                         text=" ".join(HOST.last), button=["Reload", "Cancel"],
                         defaultButton="Reload", cancelButton="Cancel",
                         dismissString="Cancel") == "Reload":
        name = str(cmds.promptDialog(query=True, text=True)).strip()
        return reload_later(name) if name else None


def reload_last() -> None:
    if not HOST.last:
        return cmds.warning("Reloader: no package reloaded yet; use Reload Package... first")
    reload_later(*HOST.last)


def toggle_reload_on_save(on: bool) -> bool:
    """Watch the last reloaded package's folders and reload on change; return the new state."""
    try:
        if on and not HOST.last:
            raise ValueError("reload a package once first; reload on save watches it")
        print("Reloader: " + HOST.watch(HOST.last[0] if on else None))
    except ValueError as error:
        cmds.warning("Reloader: {}".format(error))
    if cmds.menuItem(TOGGLE, exists=True):
        cmds.menuItem(TOGGLE, edit=True, checkBox=HOST.watcher is not None)
    return HOST.watcher is not None


def toggle_listen(on: bool) -> str:
    """Listen for reloads sent from your editor, or stop; remembered in an optionVar."""
    cmds.optionVar(intValue=(LISTEN, int(on)))
    line = HOST.listen(on)
    print("Reloader: " + line)
    return line


def build_menu() -> None:
    """The Reloader menu in Maya's main window (built again if it exists)."""
    if cmds.menu(MENU, exists=True):
        cmds.deleteUI(MENU)
    cmds.menu(MENU, parent="MayaWindow", label="Reloader", tearOff=True)
    cmds.menuItem(label="Reload Package...", command=lambda *_: reload_prompt())
    cmds.menuItem(label="Reload Last", command=lambda *_: reload_last())
    cmds.menuItem(TOGGLE, label="Reload on Save", checkBox=False,
                  command=lambda on, *_: toggle_reload_on_save(bool(on)))
    cmds.menuItem(label="Listen for Editor", checkBox=_listening_remembered(),
                  command=lambda on, *_: toggle_listen(bool(on)))
    cmds.menuItem(label="Show Last Report", command=lambda *_: print(
        HOST.report.format() if HOST.report is not None else "Reloader: no reload yet"))


def _listening_remembered() -> bool:
    # types-maya lacks optionVar(q=NAME), Maya's documented query form.
    return bool(cmds.optionVar(exists=LISTEN) and cmds.optionVar(q=LISTEN))  # type: ignore[call-overload]


def install() -> Callable[[], None]:
    """Describe Maya to reloader, track callbacks, add the menu (GUI only); return the undo."""
    uninstall()
    om = sys.modules.get("maya.api.OpenMaya")
    base: Any = getattr(om, "MMessage", None)
    for name, cls in list(vars(om).items()) if isinstance(base, type) else ():
        if isinstance(cls, type) and issubclass(cls, base):
            setattr(om, name, _Messages(cls))
            _undo.append(functools.partial(setattr, om, name, cls))
    cmds.scriptJob = _script_job
    _undo.extend([functools.partial(setattr, cmds, "scriptJob", _job), reloader.use_host(HOST)])
    if HOST.schedule is not None:
        maya.utils.executeDeferred(build_menu)  # the main window exists after start-up
        if _listening_remembered():
            print("Reloader: " + HOST.listen(True))
    return uninstall


def uninstall() -> None:
    """Undo install(): stop watching and listening, untrack, forget the host, remove the menu."""
    while _undo:
        _undo.pop()()
    if HOST.schedule is not None and cmds.menu(MENU, exists=True):
        cmds.deleteUI(MENU)
