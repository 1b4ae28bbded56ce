"""Reloader for Abaqus/CAE 2024 and later, in the kernel process.

The Plug-ins menu buttons that reloader_plugin.py registers import this
module in the kernel and call `reload_package()` or `reload_last()`. The
kernel runs one command at a time on its own thread and has no event queue a
plug-in can post to, so reloads run directly. The name is asked for with the
kernel's `getInput` dialog; reports are printed to the message area.
This file only adapts; reloader does the work.
"""

from typing import Callable, List, Optional

import reloader

PROTECTED = ("abaqus", "abaqusConstants", "caeModules", "driverUtils", "customKernel",
             "symbolicConstants", "odbAccess", "reloader_abaqus")


class _State:
    def __init__(self) -> None:
        self.last: Optional[str] = None
        self.report: Optional[reloader.Report] = None
        self.uninstall: List[Callable[[], None]] = []


_state = _State()


def show(report: reloader.Report) -> None:
    """Print to the message area: one line, or the details with file and line."""
    _state.report = report
    print("Reloader: {}".format(report) if report.ok else report.format())


def install() -> Callable[[], None]:
    """Describe the kernel to reloader (once); return the callable that undoes it."""
    if not _state.uninstall:
        _state.uninstall.append(reloader.use_host(
            reloader.Host("abaqus", protected=PROTECTED, schedule=None, show=show)
        ))
    return uninstall


def uninstall() -> None:
    while _state.uninstall:
        _state.uninstall.pop()()


def reload_package(name: Optional[str] = None) -> Optional[reloader.Report]:
    """Reload `name` (asked for when not given) and every module importing it."""
    install()
    if name is None:
        from abaqus import getInput  # the kernel's modal input dialog

        name = getInput("Package or module to reload:", _state.last or "")
    if not name or not name.strip():
        return None  # cancelled
    _state.last = name = name.strip()
    report = reloader.try_reload(name)
    show(report)
    return report


def reload_last() -> Optional[reloader.Report]:
    """Reload the package reloaded last."""
    if _state.last is None:
        print("Reloader: no package reloaded yet; "
              "use Plug-ins > Reloader > Reload package... first")
        return None
    return reload_package(_state.last)
