"""Reloader for Maya 2022 and later: a Reloader menu, main-thread reloads, callback cleanup.

`install()` (from userSetup.py) describes Maya to reloader: Maya's modules are
never purged, reloads run through `maya.utils.executeDeferred` (directly in
batch mode), reports go to the Script Editor. Maya hands out only ids for
script jobs and message callbacks and keeps calling the old functions, so
`install()` wraps `cmds.scriptJob` and puts a stand-in for each
`maya.api.OpenMaya` message class into that module (the classes are C types,
left unpatched) to record each id with its arguments. Before a purge, the
jobs and callbacks of purged code are removed (an id Maya dropped already is
skipped and reported); a failed reload registers the removed ones again.
"""

import functools
import os
import sys
from typing import Any, Callable, Dict, List, Optional, Tuple

import maya.cmds as cmds
import maya.utils

import reloader

MENU = "reloaderMenu"
TOGGLE = "reloaderMenuReloadOnSave"
PROTECTED = ("maya", "pymel", "ufe", "reloader_maya")
Registration = Tuple[Callable[..., Any], Tuple[Any, ...], Dict[str, Any]]  # add, args, kwargs


class _State:
    def __init__(self) -> None:
        self.last: Optional[str] = None
        self.report: Optional[reloader.Report] = None
        self.watcher: Any = None
        self.host: Optional[reloader.Host] = None
        self.skipped: List[str] = []  # stale ids met while cleaning up, shown with the report
        self.uninstall: List[Callable[[], None]] = []


_state = _State()


def _calls(owned: Callable[[object], bool], *values: Any) -> bool:
    """Whether an argument, or an item of a list argument (`event=["idle", fn]`), is owned."""
    items = [v for value in values
             for v in (value if isinstance(value, (list, tuple)) else [value])]
    return any(callable(item) and not isinstance(item, str) and owned(item) for item in items)


def _anything(_: object) -> bool:
    return True


class _Messages:
    """Stands in for an OpenMaya message class: add*Callback records, removeCallback forgets."""

    def __init__(self, cls: type, tracker: "Tracker") -> None:
        self._cls, self._tracker = cls, tracker

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._cls, name)
        return functools.partial(self._tracker.record, value) if name.startswith("add") else value

    def removeCallback(self, callback_id: Any) -> None:  # noqa: N802 (Maya's names)
        self._cls.removeCallback(callback_id)  # type: ignore[attr-defined]
        self._tracker.callbacks.pop(callback_id, None)

    def removeCallbacks(self, callback_ids: Any) -> None:  # noqa: N802
        for callback_id in list(callback_ids):
            self.removeCallback(callback_id)


class Tracker:
    """Remembers script jobs and message callbacks, by id, with what they were given."""

    def __init__(self) -> None:
        self.jobs: Dict[int, Dict[str, Any]] = {}
        self.callbacks: Dict[Any, Registration] = {}
        self._job: Callable[..., Any] = cmds.scriptJob
        self._remove: Callable[[Any], object] = _anything

    def install(self) -> Callable[[], None]:
        """Wrap scriptJob and stand in for the message classes; return the undo."""
        def scriptJob(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 (Maya's name)
            result = self._job(*args, **kwargs)
            killed = kwargs.get("kill", kwargs.get("k"))
            if killed is not None:
                self.jobs.pop(killed, None)
            elif isinstance(result, int) and _calls(_anything, *kwargs.values()):
                self.jobs[result] = dict(kwargs)
            return result

        undo = [functools.partial(setattr, cmds, "scriptJob", self._job)]
        cmds.scriptJob = scriptJob
        om = sys.modules.get("maya.api.OpenMaya")
        base = getattr(om, "MMessage", None)
        if isinstance(base, type):
            self._remove = base.removeCallback  # type: ignore[attr-defined]
            for name, cls in list(vars(om).items()):
                if isinstance(cls, type) and issubclass(cls, base):
                    setattr(om, name, _Messages(cls, self))
                    undo.append(functools.partial(setattr, om, name, cls))

        def unwrap() -> None:
            for step in reversed(undo):
                step()

        return unwrap

    def record(self, add: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        result = add(*args, **kwargs)
        if _calls(_anything, *args, *kwargs.values()):
            for callback_id in result if isinstance(result, (list, tuple)) else [result]:
                self.callbacks[callback_id] = (add, args, kwargs)
        return result

    def _take_out(self, owned: Callable[[object], bool]) -> Tuple[List[Any], List[Registration]]:
        """Kill the owned jobs and remove the owned callbacks; return what was taken out."""
        jobs, callbacks = [], []
        for job_id in [i for i, kw in self.jobs.items() if _calls(owned, *kw.values())]:
            kwargs = self.jobs.pop(job_id)
            if self._job(exists=job_id):
                self._job(kill=job_id, force=True)
                jobs.append(kwargs)
            else:
                _state.skipped.append("script job {} no longer exists".format(job_id))
        for callback_id in [i for i, (_, args, kw) in self.callbacks.items()
                            if _calls(owned, *args, *kw.values())]:
            registration = self.callbacks.pop(callback_id)
            try:
                self._remove(callback_id)
                callbacks.append(registration)
            except RuntimeError as error:  # (kInvalidParameter): Maya dropped it with its node
                _state.skipped.append("callback {}: {}".format(callback_id, error))
        return jobs, callbacks

    def cleanup(self, names: Any, owned: Callable[[object], bool]) -> Callable[[bool], None]:
        """Take out what purged code registered; a failed reload registers it again."""
        jobs, callbacks = self._take_out(owned)

        def finish(imported: bool) -> None:
            if not imported:
                self._take_out(owned)  # what the failed attempt registered
                for kwargs in jobs:
                    self.jobs[self._job(**kwargs)] = kwargs
                for add, args, kwargs in callbacks:
                    self.record(add, *args, **kwargs)

        return finish


def show(report: reloader.Report) -> None:
    """Print to the Script Editor; a failure also as a warning on the command line."""
    _state.report = report
    print("Reloader: {}".format(report) if report.ok else report.format())
    for note in _state.skipped:
        print("Reloader: skipped {}".format(note))
    del _state.skipped[:]
    if not report.ok:
        cmds.warning("Reloader: {}".format(report.message()))


def reload_package(name: str) -> reloader.Report:
    """Reload `name` and everything importing it now; show and return the report."""
    _state.last = name
    report = reloader.try_reload(name)
    show(report)
    return report


def reload_later(name: str) -> None:
    """Reload `name` on the main thread at the next idle (now in batch mode)."""
    _state.last = name
    (_state.host or reloader.Host("maya")).call_soon(lambda: show(reloader.try_reload(name)))


def reload_prompt() -> None:
    """Ask for a package name, then reload it."""
    answer = cmds.promptDialog(
        title="Reload Package", message="Package or module name:", text=_state.last or "",
        button=["Reload", "Cancel"], defaultButton="Reload", cancelButton="Cancel",
        dismissString="Cancel")
    name = str(cmds.promptDialog(query=True, text=True)).strip() if answer == "Reload" else ""
    if name:
        reload_later(name)


def reload_last() -> None:
    if _state.last is None:
        cmds.warning("Reloader: no package reloaded yet; use Reload Package... first")
    else:
        reload_later(_state.last)


def show_last() -> None:
    print(_state.report.format() if _state.report is not None else "Reloader: no reload yet")


def toggle_reload_on_save(on: bool) -> bool:
    """Watch the last reloaded package's folders and reload on change; return the new state."""
    if _state.watcher is not None:
        _state.watcher.stop()
        _state.watcher = None
    module = sys.modules.get(_state.last or "")
    file = getattr(module, "__file__", None)
    folders = list(getattr(module, "__path__", None) or ([os.path.dirname(file)] if file else []))
    if on and not folders:
        cmds.warning("Reloader: reload a package once first; reload on save watches it")
    elif on:
        _state.watcher = reloader.Watcher(*folders, on_report=show)
        _state.watcher.start()
        print("Reloader: reloading {} on save".format(_state.last))
    if cmds.menuItem(TOGGLE, exists=True):
        cmds.menuItem(TOGGLE, edit=True, checkBox=_state.watcher is not None)
    return _state.watcher is not None


def build_menu() -> None:
    """The Reloader menu in Maya's main window (built again if it exists)."""
    if cmds.menu(MENU, exists=True):
        cmds.deleteUI(MENU)
    cmds.menu(MENU, parent="MayaWindow", label="Reloader", tearOff=True)
    cmds.menuItem(label="Reload Package...", command=lambda *_: reload_prompt())
    cmds.menuItem(label="Reload Last", command=lambda *_: reload_last())
    cmds.menuItem(TOGGLE, label="Reload on Save", checkBox=False,
                  command=lambda checked, *_: toggle_reload_on_save(bool(checked)))
    cmds.menuItem(label="Show Last Report", command=lambda *_: show_last())


def install() -> Callable[[], None]:
    """Describe Maya to reloader, track callbacks, add the menu (GUI only); return the undo."""
    uninstall()
    batch = bool(cmds.about(batch=True))
    tracker = Tracker()
    _state.uninstall.append(tracker.install())
    _state.host = reloader.Host("maya", protected=PROTECTED, show=show, hooks=(tracker.cleanup,),
                                schedule=None if batch else reloader.Host.post_later(
                                    maya.utils.executeDeferred))  # callable from any thread
    _state.uninstall.append(reloader.use_host(_state.host))
    if not batch:
        maya.utils.executeDeferred(build_menu)  # the main window exists after start-up
    return uninstall


def uninstall() -> None:
    """Undo install(): stop watching, untrack, forget the host, remove the menu."""
    if _state.watcher is not None:
        toggle_reload_on_save(False)
    while _state.uninstall:
        _state.uninstall.pop()()
    _state.host = None
    if not cmds.about(batch=True) and cmds.menu(MENU, exists=True):
        cmds.deleteUI(MENU)
