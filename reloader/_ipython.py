"""IPython's side of reloader: the %reload magic and the check for changes before each cell.

`%load_ext reloader` calls `load(shell)`, which adds the `%reload` line magic
and, while automatic mode is on, a `pre_run_cell` callback that asks a
`Watcher` what changed. It only uses the shell object it is handed and never
imports IPython, so reloader imports without IPython. It prints only what the
user asked for: reports and errors, into the cell's output.
"""

import os
import shlex
import sys
from typing import Any, Callable, List, Optional

from ._host import Host, use_host
from ._reload import plan, reload
from ._report import ReloadError, Report
from ._update import rebind_namespace
from ._watch import Watcher

USAGE = """\
%reload TARGET...         reload now: dotted names ('tool' is tool and tool.*) or folders
%reload --plan TARGET...  show what a reload would do, changing nothing
%reload --auto [PATH...]  before each cell, reload what changed under PATH (default: the
                          working folder)
%reload --off             stop checking before each cell"""

_PROTECTED = ("IPython", "ipykernel")


class Extension:
    """The state of one loaded extension: its shell, host and automatic mode."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.watcher: Optional[Watcher] = None
        self.paths: List[str] = []
        # The user's names bound to old modules, functions and classes are
        # rebound to the new ones after each reload.
        self.undo: List[Callable[[], None]] = [
            use_host(Host("ipython", protected=_PROTECTED)),
            rebind_namespace(shell.user_ns),
        ]
        shell.register_magic_function(self.magic, magic_kind="line", magic_name="reload")

    def close(self) -> None:
        self.auto_off()
        self.shell.magics_manager.magics["line"].pop("reload", None)
        for undo in reversed(self.undo):
            undo()
        self.undo = []

    # ---------------------------------------------------------------- magic

    def magic(self, line: str) -> None:
        """Reload modules: %reload TARGET... | --plan TARGET... | --auto [PATH...] | --off."""
        words = shlex.split(line)
        if not words:
            print(USAGE, file=sys.stderr)
        elif words[0] == "--auto":
            self.auto_on(words[1:] or [os.getcwd()])
        elif words[0] == "--off" and len(words) == 1:
            self.auto_off()
            print("reloader: automatic mode is off")
        elif words[0] == "--plan":
            self.run(lambda: plan(*words[1:]).format())
        elif words[0].startswith("-"):
            print("reloader: unknown option {!r}\n{}".format(words[0], USAGE), file=sys.stderr)
        else:
            self.run(lambda: reload(*words))

    def run(self, action: Callable[[], object]) -> None:
        try:
            print(action())
        except ReloadError as error:
            print(error, file=sys.stderr)
        except (ValueError, TypeError, RuntimeError) as error:
            print("reloader: {}".format(error), file=sys.stderr)

    # --------------------------------------------------------- automatic mode

    def auto_on(self, paths: List[str]) -> None:
        self.auto_off()
        self.watcher = Watcher(*paths, debounce=0.0, on_report=self.show)
        self.paths = [os.path.abspath(path) for path in paths]
        self.shell.events.register("pre_run_cell", self.before_cell)
        print("reloader: before each cell, reloading what changed under {}".format(
            ", ".join(self.paths)))

    def auto_off(self) -> None:
        if self.watcher is not None:
            self.shell.events.unregister("pre_run_cell", self.before_cell)
            self.watcher = None

    def before_cell(self, info: object = None) -> None:
        """pre_run_cell: reload what changed; the watcher shows it in this cell's output."""
        if self.watcher is not None:
            self.watcher.check()

    def show(self, report: Report) -> None:
        """The watcher's reports: errors on stderr, the rest on stdout."""
        if report.error is not None:
            print(report, file=sys.stderr)
        else:
            print("reloader: {}".format(report))


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
