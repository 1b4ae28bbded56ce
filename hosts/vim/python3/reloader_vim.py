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


def show(report: object) -> None:
    """Where reports go: the message area, errors highlighted."""
    failed = getattr(report, "error", None) is not None
    _message("reloader: {}".format(report), error=failed)


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
    try:
        report = reloader.reload(*shlex.split(arguments))
    except reloader.ReloadError as error:
        show(error.report)
        return
    except (ValueError, TypeError, RuntimeError) as error:
        _message("reloader: {}".format(error), error=True)
        return
    show(report)


def saved(path: str) -> None:
    """BufWritePost: reload the module whose file was just written, if one is loaded."""
    try:
        report = reloader.reload(path)
    except reloader.ReloadError as error:
        show(error.report)
        return
    except ValueError:
        # Any .py file may be saved; most are not loaded modules. Nothing to do.
        return
    show(report)
