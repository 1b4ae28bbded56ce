"""The Vim adapter: what `:ReloaderReload` and the reload-on-save autocommand run.

Vim's `{rtp}/python3` folders are on sys.path, so this module and the copy of
`reloader` beside it are imported by plugin/reloader.vim. Reports go to Vim's
message area (`:messages` keeps them). This module never reloads anything
on its own; the autocommand in plugin/reloader.vim decides when.
"""

import shlex
from typing import Callable, Optional

import vim  # type: ignore[import-not-found]

import reloader

_uninstall: Optional[Callable[[], None]] = None


def _message(text: str, error: bool = False) -> None:
    quoted = "'{}'".format(text.replace("'", "''"))
    if error:
        vim.command("echohl ErrorMsg | echomsg {} | echohl None".format(quoted))
    else:
        vim.command("echomsg {}".format(quoted))


def show(report: reloader.Report) -> None:
    """Where reports go: the message area, errors highlighted."""
    _message("reloader: {}".format(report), error=not report.ok)


def install() -> Callable[[], None]:
    """Tell reloader it runs inside Vim (once); return the uninstall callable."""
    global _uninstall
    if _uninstall is None:
        _uninstall = reloader.use_host(
            reloader.Host("vim", protected=("vim", __name__), show=show)
        )
    return _uninstall


def reload_command(arguments: str) -> None:
    """`:ReloaderReload tool other/folder`: reload and show the one-line report."""
    show(reloader.try_reload(*shlex.split(arguments)))


def saved(path: str) -> None:
    """BufWritePost: reload the module whose file was just written, if one is loaded."""
    report = reloader.try_reload(path)
    # Any .py file may be saved; most are not loaded modules. Nothing to do then.
    if not isinstance(report.error, ValueError):
        show(report)
