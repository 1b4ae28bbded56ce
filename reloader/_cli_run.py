"""`python -m reloader run`: run a program as __main__ and reload its code as it changes.

The program runs in this process, on the main thread, exactly as `python
SCRIPT` or `python -m MODULE` would run it; a `Watcher` checks the watched
folders on a background thread and prints one line per reload, and every
error with its file and line, to stderr. A reload that fails is reported and
undone; what the program's own code raises later is the program's, shown
with the program's frames only, as python shows it. This module parses the
command and wires the two; it does not reload anything itself.
"""

import argparse
import importlib.util
import os
import runpy
import sys
from typing import Any, Callable, List, Optional, Tuple

from . import _web
from ._report import Report
from ._watch import Watcher

_DESCRIPTION = """\
Run SCRIPT (or -m MODULE) in this process as __main__, the way python does,
and watch the folders holding its code. When a source file under them
changes, the modules imported from it are reloaded, with every module that
imports them, while the program keeps running: same process, new code. If
the reload fails (a syntax error, or an exception while the changed modules
run their top-level code), everything is put back, the error is printed with
its file and line, and the program goes on with the old code. An exception
the new code raises later, when the program calls it, is the program's own:
uncaught, it ends the program as it would under python.

The program's own script (__main__) is never reloaded: keep what you edit in
modules it imports. Ctrl-C ends the program; the exit code is the program's
(130 when it was interrupted).
"""

_EPILOG = """\
examples:
  python -m reloader run examples/hello/server.py
  python -m reloader run --watch ../lib -m app.server --port 8080
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
        help="also watch this folder or file; repeat for several (always watched, unless "
        "--no-default-watch: the script's folder, or the folder of the module's top-level "
        "package)",
    )
    parser.add_argument(
        "--no-default-watch",
        dest="default_watch",
        action="store_false",
        help="watch only the --watch paths",
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how often to look for changes when the system does not tell of them (default: "
        "0.5; on Linux, inotify tells of each change at once)",
    )
    parser.add_argument(
        "--debounce",
        type=float,
        default=0.02,
        metavar="SECONDS",
        help="how long files must stay quiet after a save before reloading, so a "
        "burst of saves makes one reload (default: %(default)s)",
    )
    parser.add_argument(
        "--poll",
        action="store_true",
        help="look at the files' stat every interval even where the system can tell of "
        "changes (for folders whose changes it misses, such as some shared folders of a "
        "virtual machine)",
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
        "module {!r} has no folder to watch; give one with --watch and "
        "--no-default-watch".format(top), name=top
    )


def watch_paths(arguments: argparse.Namespace, script: Optional[str], module: Optional[str],
                default: Optional[str] = None) -> List[str]:
    """The default folder (unless --no-default-watch), then the --watch paths.

    `default`, when given, replaces the folder the program implies (a web
    server's app lives in the current folder, not in the server's package).
    """
    paths = list(arguments.watch)
    if arguments.default_watch or not paths:
        paths.insert(0, default or _default_watch(script, module))
    return paths


def _exit_code(code: object) -> int:
    # What the interpreter does with SystemExit's argument.
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write("{}\n".format(code))
    return 1


def _show_uncaught(error: BaseException) -> None:
    """Show the program's uncaught exception as python would: its frames, through excepthook.

    The frames of this module and of runpy, which started the program, come
    first in the traceback; they are left out. An error with no frame of the
    program (runpy could not find the module) is one line.
    """
    ours = (os.path.dirname(os.path.abspath(__file__)), os.path.abspath(runpy.__file__))
    tb = error.__traceback__
    while tb is not None and _started_by(tb.tb_frame.f_code.co_filename, ours):
        tb = tb.tb_next
    if tb is None:
        sys.stderr.write("reloader run: {}\n".format(error))
        return
    # The default hook prints the exception's own traceback, whatever it is given.
    sys.excepthook(type(error), error.with_traceback(tb), tb)


def _started_by(filename: str, ours: Tuple[str, str]) -> bool:
    if filename == "<frozen runpy>":  # 3.11 and later
        return True
    path = os.path.abspath(filename)
    return path == ours[1] or os.path.dirname(path) == ours[0]


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
        paths = watch_paths(arguments, script, module, default)
        watcher = Watcher(
            *paths,
            debounce=arguments.debounce,
            interval=arguments.interval,
            notify=not arguments.poll,
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
            assert script is not None
            # Python 3.9 and later give __main__ an absolute __file__.
            absolute = sys.version_info >= (3, 9)
            runpy.run_path(os.path.abspath(script) if absolute else script, run_name="__main__")
    except KeyboardInterrupt:
        return 130
    except SystemExit as exit:
        return _exit_code(exit.code)
    except BaseException as error:
        _show_uncaught(error)
        return 1
    finally:
        watcher.stop()
        if stop_web is not None:
            stop_web()
    return 0
