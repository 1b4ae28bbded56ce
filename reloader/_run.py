"""`python -m reloader run`: run a program as __main__ and reload its code as it changes.

The program runs in this process, on the main thread, exactly as `python
SCRIPT` or `python -m MODULE` would run it; a `Watcher` checks the watched
folders on a background thread and prints one line per reload, and every
error with its file and line, to stderr. A bad edit is reported, never fatal.
This module parses the command and wires the two; it does not reload
anything itself.
"""

import argparse
import importlib.util
import os
import runpy
import sys
import traceback
from typing import Any, Callable, List, Optional

from . import _web
from ._report import Report
from ._watch import Watcher

_DESCRIPTION = """\
Run SCRIPT (or -m MODULE) in this process as __main__, the way python does,
and watch the folders holding its code. When a source file under them
changes, the modules imported from it are reloaded, with every module that
imports them, while the program keeps running: same process, new code. If
the new code fails, everything is put back, the error is printed with its
file and line, and the program goes on with the old code.

The program's own script (__main__) is never reloaded: keep what you edit in
modules it imports. Ctrl-C ends the program; the exit code is the program's
(130 when it was interrupted).
"""

_EPILOG = """\
examples:
  python -m reloader run examples/hello/server.py
  python -m reloader run --watch src -m app.server --port 8080
"""


def add_command(subparsers: Any) -> None:
    """Add the `run` command to the `python -m reloader` parser."""
    parser = subparsers.add_parser(
        "run",
        usage="python -m reloader run [--watch PATH]... [options] (SCRIPT | -m MODULE) [ARGS...]",
        help="run a program and reload its code as it changes",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--watch",
        metavar="PATH",
        action="append",
        default=[],
        help="folder or file to watch; repeat for several (default: the script's "
        "folder, or the folder of the module's top-level package)",
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=0.5,
        metavar="SECONDS",
        help="how often to look for changes (default: %(default)s)",
    )
    parser.add_argument(
        "--debounce",
        type=float,
        default=0.1,
        metavar="SECONDS",
        help="how long files must stay quiet after a save before reloading, so a "
        "burst of saves makes one reload (default: %(default)s)",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="print only errors and warnings, not a line per successful reload",
    )
    parser.add_argument(
        "-m",
        dest="module",
        nargs=argparse.REMAINDER,
        metavar="MODULE [ARGS]",
        help="run library module MODULE as a script, like python -m; the rest are its arguments",
    )
    parser.add_argument(
        "script",
        nargs=argparse.REMAINDER,
        metavar="SCRIPT [ARGS]",
        help="the program to run, then its arguments",
    )
    parser.set_defaults(run=run)


def print_report(report: Report, *, quiet: bool = False) -> None:
    """One line per reload on stderr: what was reloaded and how long it took, or the error."""
    lines = ["reloader: warning: {}".format(text) for text in report.warnings]
    if not report.ok:
        lines.append("reloader: {}".format(report.message()))
    elif report.reloaded or report.removed:
        if not quiet:
            names = list(report.reloaded) + ["{} (removed)".format(n) for n in report.removed]
            lines.append("reloader: {}: {}".format(report, ", ".join(names)))
    sys.stderr.write("".join(line + "\n" for line in lines))
    sys.stderr.flush()


def _default_watch(script: Optional[str], module: Optional[str]) -> str:
    if script is not None:
        return os.path.dirname(os.path.abspath(script))
    assert module is not None
    top = module.partition(".")[0]
    spec = importlib.util.find_spec(top)
    if spec is None:
        raise ImportError("no module named {!r}".format(top), name=top)
    locations = list(spec.submodule_search_locations or [])
    if locations:
        return str(locations[0])
    if spec.origin and spec.has_location:
        return os.path.dirname(spec.origin)
    raise ImportError(
        "module {!r} has no folder to watch; give one with --watch".format(top), name=top
    )


def _exit_code(code: object) -> int:
    # What the interpreter does with SystemExit's argument.
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write("{}\n".format(code))
    return 1


def run(arguments: argparse.Namespace) -> int:
    """Run the program the arguments name under a watcher; return its exit code."""
    program: List[str] = arguments.module or arguments.script
    if not program or (arguments.module and arguments.script):
        sys.stderr.write(
            "reloader run: give the program to run, as SCRIPT [ARGS] or -m MODULE [ARGS]\n"
        )
        return 2
    module = program[0] if arguments.module else None
    script = None if module else program[0]
    web = _web.server_for(program, module is not None)  # a web server reloader knows

    # 1. Arrange sys.argv and sys.path as `python SCRIPT` or `python -m MODULE` would.
    if script is not None:
        if not os.path.isfile(script):
            sys.stderr.write("reloader run: can't open file {!r}: no such file\n".format(script))
            return 2
        sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        default = web.default_watch() if web is not None else None
        paths = arguments.watch or [default or _default_watch(script, module)]
        watcher = Watcher(
            *paths,
            debounce=arguments.debounce,
            interval=arguments.interval,
            on_report=lambda report: print_report(report, quiet=arguments.quiet),
        )
    except (ImportError, OSError, ValueError) as error:
        sys.stderr.write("reloader run: {}\n".format(error))
        return 2
    sys.argv[:] = program

    # 2. Run the program on this thread while the watcher checks on its own.
    stop_web: Optional[Callable[[], None]] = None
    watcher.start()
    try:
        if web is not None:
            stop_web = web.install(watcher)  # the server's app gets a front: see _web
        if module is not None:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
        else:
            runpy.run_path(script, run_name="__main__")  # type: ignore[arg-type]
    except KeyboardInterrupt:
        return 130
    except SystemExit as exit:
        return _exit_code(exit.code)
    except BaseException:
        traceback.print_exc()
        return 1
    finally:
        watcher.stop()
        if stop_web is not None:
            stop_web()
    return 0
