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
import types
from typing import Any, Callable, List, Optional

USAGE = """\
%reload TARGET...         reload now: dotted names ('tool' is tool and tool.*) or folders
%reload --plan TARGET...  show what a reload would do, changing nothing
%reload --auto [PATH...]  before each cell, reload what changed under PATH (default: the
                          working folder)
%reload --off             stop checking before each cell"""

_PROTECTED = ("IPython", "ipykernel")


def _package() -> Any:
    return sys.modules[__name__.rpartition(".")[0]]


class Extension:
    """The state of one loaded extension: its shell, host and automatic mode."""

    def __init__(self, shell: Any) -> None:
        package = _package()
        self.shell = shell
        self.watcher: Any = None
        self.paths: List[str] = []
        self.undo: List[Callable[[], None]] = [
            package.use_host(package.Host("ipython", protected=_PROTECTED))
        ]
        rebind = getattr(package, "rebind_namespace", None)
        self.rebinds = rebind is not None
        if rebind is not None:
            self.undo.append(rebind(shell.user_ns))
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
            self.run(lambda: _package().plan(*words[1:]).format())
        elif words[0].startswith("-"):
            print("reloader: unknown option {!r}\n{}".format(words[0], USAGE), file=sys.stderr)
        else:
            self.run(lambda: self.rebound(_package().reload(*words)))

    def rebound(self, report: Any) -> Any:
        """Bind user names of reloaded modules to the new modules; return `report`.

        Only needed where reloader cannot rebind namespaces itself: `import
        tool` in a cell binds `tool` in a namespace no import rebuilds.
        """
        if self.rebinds or getattr(report, "error", None) is not None:
            return report
        reloaded = set(getattr(report, "reloaded", ()))
        namespace = self.shell.user_ns
        for key, value in list(namespace.items()):
            if isinstance(value, types.ModuleType) and value.__name__ in reloaded:
                new = sys.modules.get(value.__name__)
                if isinstance(new, types.ModuleType):
                    namespace[key] = new
        return report

    def run(self, action: Callable[[], object]) -> None:
        package = _package()
        try:
            print(action())
        except package.ReloadError as error:
            print(error, file=sys.stderr)
        except (ValueError, TypeError, RuntimeError) as error:
            print("reloader: {}".format(error), file=sys.stderr)

    # --------------------------------------------------------- automatic mode

    def auto_on(self, paths: List[str]) -> None:
        watcher_class = getattr(_package(), "Watcher", None)
        if watcher_class is None:
            print("reloader: automatic mode needs reloader.Watcher, which this copy of "
                  "reloader lacks; use %reload TARGET instead", file=sys.stderr)
            return
        self.auto_off()
        self.watcher = watcher_class(*paths, debounce=0.0, on_report=self.show)
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
        watcher = self.watcher
        report: Optional[Any] = watcher.check() if watcher is not None else None
        if report is not None:
            self.rebound(report)

    def show(self, report: Any) -> None:
        """The watcher's reports: errors on stderr, the rest on stdout."""
        if getattr(report, "error", None) is not None:
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
