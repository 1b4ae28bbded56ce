"""IPython's side of reloader: the %reload magic and the check for changes before each cell.

`%load_ext reloader` calls `load(shell)`, which adds the `%reload` line magic,
notes after each cell the `from m import ...` statements it ran (so those
names follow `m` when it is reloaded) and the modules it imported (so an
edit saved before automatic mode is on is not lost), and, while automatic
mode is on, asks a `Watcher` what changed before each cell. `--listen`
turns on the listener for editors, whose reloads run on a Jupyter kernel's
asyncio loop. It only uses the shell object it is handed and never imports
IPython, so reloader imports without IPython. It prints only what the user
asked for, every line starting with "reloader:", into the cell's output; an
error is one line.
"""

import ast
import asyncio
import os
import shlex
import sys
from typing import Any, Callable, List, Optional, Set, Tuple

from . import (
    Host,
    ReloadError,
    Report,
    Watcher,
    _names,
    _sources,
    plan,
    rebind_namespace,
    reload,
    use_host,
)

USAGE = """\
%reload TARGET...           reload now: dotted names ('tool' is tool and tool.*) or folders
%reload --plan TARGET...    show what a reload would do, changing nothing
%reload --verbose TARGET... reload now and show every module and the full error
%reload --auto [PATH...]    before each cell, reload what changed under PATH (default: the
                            working folder); with --verbose, show every module
%reload --off               stop checking before each cell
%reload --status            what automatic mode watches, whether it listens, the last report
%reload --listen [off]      listen for reloads sent from your editor (python -m reloader
                            send) in a Jupyter kernel, or stop"""

_OPTIONS = ("--plan", "--verbose", "--auto", "--off", "--status", "--listen")
_PROTECTED = ("IPython", "ipykernel")
Statements = List[Tuple[str, List[Tuple[str, str]]]]


def say(text: str, error: bool = False) -> None:
    """Print `text` with every line starting 'reloader: ' (errors on stderr)."""
    lines = text.splitlines() or [""]
    print("\n".join("reloader: " + line for line in lines),
          file=sys.stderr if error else sys.stdout)


class _StatementNoter(ast.NodeTransformer):
    """Kept in the shell's ast_transformers: hands each cell's from-imports over, unchanged."""

    def __init__(self, pending: Statements) -> None:
        self.pending = pending

    def visit(self, node: ast.AST) -> ast.AST:
        self.pending.extend(_names.from_imports(node))
        return node


def kernel_schedule(shell: Any) -> Optional[Host.Schedule]:
    """Run callables on the kernel's asyncio loop; None outside a kernel.

    A kernel runs its cells on that loop, in its main thread. From the
    configuration's exec_lines the loop is not running yet but already set.
    Terminal IPython runs no loop while it waits for input: None.
    """
    if getattr(shell, "kernel", None) is None:
        return None
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            return None

    def schedule(callback: Callable[[], None], delay: float) -> None:
        loop.call_soon_threadsafe(loop.call_later, delay, callback)

    return schedule


class Extension:
    """The state of one loaded extension: its shell, host and automatic mode."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.watcher: Optional[Watcher] = None
        self.verbose = False  # in automatic mode
        self.verbose_now = False  # for the magic running now
        self.last: Optional[Report] = None
        self.pending: Statements = []
        self.noter = _StatementNoter(self.pending)
        self.known: Set[str] = set(sys.modules)
        # The user's names bound to old modules, functions and classes, and
        # the names cells imported from reloaded modules, follow each reload.
        namespace = shell.user_ns
        _names.track(namespace)
        self.host = Host("ipython", protected=_PROTECTED, schedule=kernel_schedule(shell),
                         show=self.remember)
        self.undo: List[Callable[[], None]] = [
            use_host(self.host),
            rebind_namespace(namespace),
            lambda: _names.forget(namespace),
        ]
        shell.ast_transformers.append(self.noter)
        shell.events.register("post_run_cell", self.after_cell)
        shell.register_magic_function(self.magic, magic_kind="line", magic_name="reload")

    def close(self) -> None:
        self.auto_off()
        self.host.listen(False)
        self.shell.magics_manager.magics["line"].pop("reload", None)
        self.shell.events.unregister("post_run_cell", self.after_cell)
        if self.noter in self.shell.ast_transformers:
            self.shell.ast_transformers.remove(self.noter)
        for undo in reversed(self.undo):
            undo()
        self.undo = []

    # ---------------------------------------------------------------- magic

    def magic(self, line: str) -> None:
        """%reload TARGET... | --plan TARGET... | --auto [PATH...] | --off | --status."""
        try:
            words = shlex.split(line)
        except ValueError as error:
            say("cannot read {!r}: {}; quote paths that hold spaces".format(line, error), True)
            return
        options = [w for w in words if w.startswith("-")]
        rest = [w for w in words if not w.startswith("-")]
        unknown = [o for o in options if o not in _OPTIONS]
        self.verbose_now = "--verbose" in options
        modes = [o for o in options if o != "--verbose"]
        if unknown:
            say("unknown option {!r}; use {}".format(unknown[0], ", ".join(_OPTIONS)), True)
        elif not words:
            say(USAGE)
        elif len(modes) > 1:
            say("{} and {} do not go together; give one".format(modes[0], modes[1]), True)
        elif modes == ["--auto"]:
            self.auto_on(rest or [os.getcwd()], verbose=self.verbose_now)
        elif modes == ["--listen"] and rest not in ([], ["on"], ["off"]):
            say("--listen takes on or off, not {!r}".format(" ".join(rest)), True)
        elif modes == ["--listen"]:
            say(self.host.listen(rest != ["off"]))
        elif modes in (["--off"], ["--status"]) and rest:
            say("{} takes no target, not {!r}".format(modes[0], rest[0]), True)
        elif modes == ["--off"]:
            self.auto_off()
            say("automatic mode is off")
        elif modes == ["--status"]:
            say(self.status())
        elif not rest:
            say("{} needs a target: a dotted module name or a folder".format(
                " ".join(options)), True)
        elif modes == ["--plan"]:
            self.run(lambda: plan(*rest).format())
        else:
            self.run(lambda: reload(*rest))

    def run(self, action: Callable[[], object]) -> None:
        try:
            result = action()
        except ReloadError as error:
            self.show(error.report, self.verbose_now)
            return
        except (ValueError, TypeError, RuntimeError, OSError) as error:
            say(str(error), True)
            return
        if isinstance(result, Report):
            _sources.note_loaded(result.reloaded + result.added)
            self.show(result, self.verbose_now)
        else:
            say(str(result))

    def status(self) -> str:
        if self.watcher is None:
            lines = ["automatic mode is off"]
        else:
            watcher = self.watcher
            if watcher.mode == "inotify":
                how = "inotify: the system tells of changes, an empty check reads no file"
            else:
                how = "polling: each check looks at the files' stat{}".format(
                    "; " + watcher.fallback if watcher.fallback else "")
            lines = ["automatic mode is on: before each cell, checking the source files "
                     "under {} ({})".format(", ".join(watcher.paths), how)]
        if self.last is None:
            lines.append("last report: none yet")
        else:
            lines.append("last report: {}".format(self.last))
        lines.append(self.host.listen(None))
        return "\n".join(lines)

    # --------------------------------------------------------- automatic mode

    def auto_on(self, paths: List[str], verbose: bool = False) -> None:
        try:
            watcher = Watcher(*paths, debounce=0.0, on_report=self.show_auto)
        except (OSError, TypeError, ValueError) as error:
            say(str(error), True)
            return
        self.auto_off()
        self.watcher, self.verbose = watcher, verbose
        self.shell.events.register("pre_run_cell", self.before_cell)
        say("before each cell, reloading what changed under {}".format(
            ", ".join(watcher.paths)))

    def auto_off(self) -> None:
        if self.watcher is not None:
            self.shell.events.unregister("pre_run_cell", self.before_cell)
            self.watcher = None

    def before_cell(self, info: object = None) -> None:
        """pre_run_cell: reload what changed; the report shows in this cell's output."""
        if self.watcher is not None:
            self.watcher.check()

    def after_cell(self, result: object = None) -> None:
        """post_run_cell: note the from-imports the cell ran and the modules it imported."""
        statements, self.pending[:] = list(self.pending), []
        if statements:
            _names.note_statements(self.shell.user_ns, statements, sys.modules)
        if len(sys.modules) != len(self.known) or statements:
            loaded = set(sys.modules)
            _sources.note_loaded(loaded - self.known)
            self.known = loaded

    def remember(self, report: Report) -> None:
        """The host's show, for reloads sent from an editor: the answer went there; keep it
        for --status (printing would land in whichever cell ran last)."""
        self.last = report

    def show_auto(self, report: Report) -> None:
        self.show(report, self.verbose)

    def show(self, report: Report, verbose: bool = False) -> None:
        """A report: one line (errors on stderr), or every module when verbose."""
        self.last = report
        say(report.format() if verbose else str(report), report.error is not None)


_extensions: List[Extension] = []


def load(shell: Any) -> None:
    """`%load_ext reloader`."""
    unload(shell)
    _extensions.append(Extension(shell))


def unload(shell: Any) -> None:
    """`%unload_ext reloader`."""
    for extension in [e for e in _extensions if e.shell is shell]:
        extension.close()
        _extensions.remove(extension)
