"""Reloader for Maya 2022 and later: a Reloader menu, main-thread reloads, callback cleanup.

`install()` (called from userSetup.py) tells reloader about Maya: Maya's own
modules are never purged; reloads run through `maya.utils.executeDeferred`,
or directly in batch mode, where no idle queue runs; reports go to the Script
Editor. It also starts tracking script jobs and OpenMaya message callbacks:
Maya hands out only ids, and after a reload the old functions stay
registered, so `cmds.scriptJob` and the `add*Callback` functions of the
`maya.api.OpenMaya` message classes are wrapped to record each id with the
arguments it was registered with. Before a purge, every job or callback
whose function belongs to a purged module is killed or removed (the re-import
registers it once again); if the reload fails they are registered again with
the same arguments (under new ids). This file only adapts; reloader does the work.
"""

import os
import sys
import threading
import types
from typing import Any, Callable, Dict, List, Optional, Tuple

import maya.cmds as cmds
import maya.utils

import reloader

MENU = "reloaderMenu"
TOGGLE = "reloaderMenuReloadOnSave"
PROTECTED = ("maya", "pymel", "ufe", "reloader_maya")


class _State:
    def __init__(self) -> None:
        self.last: Optional[str] = None
        self.report: Optional[reloader.Report] = None
        self.watcher: Any = None
        self.uninstall: List[Callable[[], None]] = []
        self.host: Optional[reloader.Host] = None


_state = _State()


def _callables(values: Any) -> List[Callable[..., Any]]:
    """The callables among arguments, looking one level into lists (`event=["idle", fn]`)."""
    found: List[Callable[..., Any]] = []
    for value in values:
        if isinstance(value, (list, tuple)):
            found.extend(v for v in value if callable(v) and not isinstance(v, str))
        elif callable(value) and not isinstance(value, str):
            found.append(value)
    return found


class Tracker:
    """Remembers script jobs and message callbacks with what they call, by id."""

    def __init__(self) -> None:
        self.jobs: Dict[int, Dict[str, Any]] = {}
        # id -> (the original add function, args, kwargs)
        self.callbacks: Dict[Any, Tuple[Callable[..., Any], Tuple[Any, ...], Dict[str, Any]]] = {}
        self.untracked: List[str] = []
        self._script_job: Callable[..., Any] = cmds.scriptJob
        self._remove: Optional[Callable[[Any], None]] = None

    # -- recording ---------------------------------------------------------

    def install(self) -> Callable[[], None]:
        """Wrap the registration functions; return the callable that unwraps them."""
        undo: List[Callable[[], None]] = []
        original_job = self._script_job

        def scriptJob(*args: Any, **kwargs: Any) -> Any:
            result = original_job(*args, **kwargs)
            killed = kwargs.get("kill", kwargs.get("k"))
            if killed is not None:
                self.jobs.pop(killed, None)
            elif isinstance(result, int) and _callables(kwargs.values()):
                self.jobs[result] = dict(kwargs)
            return result

        cmds.scriptJob = scriptJob
        undo.append(lambda: setattr(cmds, "scriptJob", original_job))
        try:
            import maya.api.OpenMaya as om
        except ImportError:
            self.untracked.append("maya.api.OpenMaya")
        else:
            undo.extend(self._wrap_messages(om))

        def unwrap() -> None:
            for step in reversed(undo):
                step()

        return unwrap

    def _wrap(
        self, owner: Any, attribute: str, replacement: Callable[..., Any]
    ) -> Optional[Callable[[], None]]:
        original = owner.__dict__[attribute]
        try:
            setattr(owner, attribute, staticmethod(replacement))
        except (TypeError, AttributeError):  # a type that refuses new attributes
            self.untracked.append("{}.{}".format(owner.__name__, attribute))
            return None
        return lambda: setattr(owner, attribute, original)

    def _wrap_messages(self, om: types.ModuleType) -> List[Callable[[], None]]:
        undo: List[Callable[[], None]] = []
        base = getattr(om, "MMessage", None)
        if base is None:
            return undo
        self._remove = base.removeCallback
        remove = base.removeCallback

        def removeCallback(callback_id: Any) -> None:
            remove(callback_id)
            self.callbacks.pop(callback_id, None)

        def removeCallbacks(callback_ids: Any) -> None:
            for callback_id in list(callback_ids):
                removeCallback(callback_id)

        removers = (("removeCallback", removeCallback), ("removeCallbacks", removeCallbacks))
        for name, replacement in removers:
            if name in base.__dict__:
                step = self._wrap(base, name, replacement)
                if step is not None:
                    undo.append(step)
        for cls in vars(om).values():
            if not (isinstance(cls, type) and issubclass(cls, base) and cls is not base):
                continue
            for attribute in sorted(cls.__dict__):
                if attribute.startswith("add") and callable(getattr(cls, attribute)):
                    step = self._wrap(cls, attribute, self._recorder(getattr(cls, attribute)))
                    if step is not None:
                        undo.append(step)
        return undo

    def _recorder(self, add: Callable[..., Any]) -> Callable[..., Any]:
        def add_and_record(*args: Any, **kwargs: Any) -> Any:
            result = add(*args, **kwargs)
            if _callables(list(args) + list(kwargs.values())):
                for callback_id in result if isinstance(result, (list, tuple)) else [result]:
                    self.callbacks[callback_id] = (add, args, dict(kwargs))
            return result

        return add_and_record

    # -- cleaning up -------------------------------------------------------

    def _owned_jobs(self, owned: reloader.Host.Owned) -> List[int]:
        return [
            i for i, kwargs in self.jobs.items() if any(map(owned, _callables(kwargs.values())))
        ]

    def _owned_callbacks(self, owned: reloader.Host.Owned) -> List[Any]:
        return [i for i, (_, args, kwargs) in self.callbacks.items()
                if any(map(owned, _callables(list(args) + list(kwargs.values()))))]

    def _kill(self, job_ids: List[int]) -> List[Dict[str, Any]]:
        killed = []
        for job_id in job_ids:
            kwargs = self.jobs.pop(job_id)
            if self._script_job(exists=job_id):
                self._script_job(kill=job_id, force=True)
            killed.append(kwargs)
        return killed

    def _drop(
        self, callback_ids: List[Any]
    ) -> List[Tuple[Callable[..., Any], Tuple[Any, ...], Dict[str, Any]]]:
        dropped = []
        for callback_id in callback_ids:
            dropped.append(self.callbacks.pop(callback_id))
            if self._remove is not None:
                self._remove(callback_id)
        return dropped

    def cleanup_jobs(self, names: Any, owned: reloader.Host.Owned) -> reloader.Host.Finish:
        """Kill the script jobs calling purged code; a failed reload starts them again."""
        killed = self._kill(self._owned_jobs(owned))

        def start_again(imported: bool) -> None:
            if imported:
                return
            self._kill(self._owned_jobs(owned))  # what the failed attempt started
            for kwargs in killed:
                self.jobs[self._script_job(**kwargs)] = kwargs

        return start_again

    def cleanup_callbacks(self, names: Any, owned: reloader.Host.Owned) -> reloader.Host.Finish:
        """Remove the message callbacks calling purged code; a failed reload adds them again."""
        dropped = self._drop(self._owned_callbacks(owned))

        def add_again(imported: bool) -> None:
            if imported:
                return
            self._drop(self._owned_callbacks(owned))
            for add, args, kwargs in dropped:
                self.callbacks[add(*args, **kwargs)] = (add, args, kwargs)

        return add_again


# -- reloading -----------------------------------------------------------------


def show(report: reloader.Report) -> None:
    """Print to the Script Editor; a failure also as a warning on the command line."""
    _state.report = report
    if report.ok:
        print("Reloader: {}".format(report))
    else:
        print(report.format())
        cmds.warning("Reloader: {}".format(report.message()))


def reload_package(name: str) -> Optional[reloader.Report]:
    """Reload `name` and everything importing it now; show and return the report."""
    _state.last = name
    try:
        report = reloader.reload(name)
    except reloader.ReloadError as error:
        report = error.report
    except (ValueError, TypeError, RuntimeError) as error:
        cmds.warning("Reloader: {}".format(error))
        return None
    show(report)
    return report


def reload_later(name: str) -> None:
    """Reload `name` on the main thread at the next idle (now in batch mode)."""
    host = _state.host or reloader.Host("maya")
    host.call_soon(lambda: _ignore(reload_package(name)))


def _ignore(_: object) -> None:
    return None


def reload_prompt() -> None:
    """Ask for a package name, then reload it."""
    answer = cmds.promptDialog(
        title="Reload Package", message="Package or module name:", text=_state.last or "",
        button=["Reload", "Cancel"], defaultButton="Reload", cancelButton="Cancel",
        dismissString="Cancel",
    )
    if answer != "Reload":
        return
    name = str(cmds.promptDialog(query=True, text=True)).strip()
    if name:
        reload_later(name)


def reload_last() -> None:
    if _state.last is None:
        cmds.warning("Reloader: no package reloaded yet; use Reload Package... first")
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


def toggle_reload_on_save(on: bool) -> bool:
    """Watch the last reloaded package's folders and reload on change; return the new state."""
    if _state.watcher is not None:
        _state.watcher.stop()
        _state.watcher = None
    if on:
        if _state.last is None or not _folders(_state.last):
            cmds.warning("Reloader: reload a package once first; reload on save watches it")
        else:
            _state.watcher = reloader.Watcher(*_folders(_state.last), on_report=show)
            _state.watcher.start()
            print("Reloader: reloading {} on save".format(_state.last))
    enabled = _state.watcher is not None
    if cmds.menuItem(TOGGLE, exists=True):
        cmds.menuItem(TOGGLE, edit=True, checkBox=enabled)
    return enabled


def build_menu() -> None:
    """The Reloader menu in Maya's main window (built again if it exists)."""
    if cmds.menu(MENU, exists=True):
        cmds.deleteUI(MENU)
    cmds.menu(MENU, parent="MayaWindow", label="Reloader", tearOff=True)
    cmds.menuItem(label="Reload Package...", command=lambda *_: reload_prompt())
    cmds.menuItem(label="Reload Last", command=lambda *_: reload_last())
    cmds.menuItem(TOGGLE, label="Reload on Save", checkBox=False,
                  command=lambda checked, *_: _ignore(toggle_reload_on_save(bool(checked))))
    cmds.menuItem(label="Show Last Report", command=lambda *_: show_last())


def _schedule(callback: Callable[[], None], delay: float) -> None:
    if delay > 0:  # executeDeferred may be called from any thread
        timer = threading.Timer(delay, maya.utils.executeDeferred, (callback,))
        timer.daemon = True
        timer.start()
    else:
        maya.utils.executeDeferred(callback)


def install() -> Callable[[], None]:
    """Describe Maya to reloader, track callbacks, add the menu (GUI only); return the undo."""
    uninstall()
    batch = bool(cmds.about(batch=True))
    tracker = Tracker()
    _state.uninstall.append(tracker.install())
    _state.host = reloader.Host(
        "maya",
        protected=PROTECTED,
        schedule=None if batch else _schedule,
        show=show,
        hooks=(tracker.cleanup_jobs, tracker.cleanup_callbacks),
    )
    _state.uninstall.append(reloader.use_host(_state.host))
    if tracker.untracked:
        print("Reloader: cannot track {}".format(", ".join(tracker.untracked)))
    if not batch:
        maya.utils.executeDeferred(build_menu)  # the main window exists after start-up
    return uninstall


def uninstall() -> None:
    """Undo install(): stop watching, untrack, forget the host, remove the menu."""
    if _state.watcher is not None:
        _state.watcher.stop()
        _state.watcher = None
    while _state.uninstall:
        _state.uninstall.pop()()
    _state.host = None
    if not cmds.about(batch=True) and cmds.menu(MENU, exists=True):
        cmds.deleteUI(MENU)
