"""Reloader for Abaqus/CAE 2024 and later, in the kernel process.

The Plug-ins menu buttons that reloader_plugin.py registers import this
module in the kernel and call `reload_package()` or `reload_last()`. The
kernel runs one command at a time on its own thread and has no event queue a
plug-in can post to, so reloads run directly. The name is asked for with the
kernel's `getInput` dialog; reports are printed to the message area.
This file only adapts; reloader does the work.
"""

from typing import Callable, Optional

import reloader

PROTECTED = ("abaqus", "abaqusConstants", "caeModules", "driverUtils", "customKernel",
             "symbolicConstants", "odbAccess", "reloader_abaqus")


def show(report: reloader.Report) -> None:
    """Print to the message area: one line, or the details with file and line."""
    print("Reloader: {}".format(report) if report.ok else report.format())


HOST = reloader.Host("abaqus", protected=PROTECTED, schedule=None, show=show)


def install() -> Callable[[], None]:
    """Describe the kernel to reloader (once); return the callable that undoes it."""
    return reloader.use_host(HOST)


def uninstall() -> None:
    install()()


def reload_package(name: Optional[str] = None) -> Optional[reloader.Report]:
    """Reload `name` (asked for when not given) and every module importing it."""
    install()
    if name is None:
        from abaqus import getInput  # the kernel's modal input dialog

        name = getInput("Package or module to reload:", " ".join(HOST.last))
    return HOST.reload(name.strip()) if name and name.strip() else None  # None: cancelled


def reload_last() -> Optional[reloader.Report]:
    """Reload the package reloaded last."""
    if not HOST.last:
        print("Reloader: no package reloaded yet; "
              "use Plug-ins > Reloader > Reload package... first")
        return None
    return reload_package(HOST.last[0])
