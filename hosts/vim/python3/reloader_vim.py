"""The Vim adapter: what `:ReloaderReload`, `:ReloaderListen` and reload on save run.

Vim's `{rtp}/python3` folders are on sys.path, so this module and the copy of
`reloader` beside it are imported by plugin/reloader.vim. Reports go to Vim's
message area (`:messages` keeps them). This module never reloads anything
on its own; the autocommand in plugin/reloader.vim decides when. The
listener for editors puts its reloads in a queue that a Vim timer drains on
Vim's main thread: Vim's API must not be called from another thread.
"""

import queue
import shlex
from typing import Callable, List, Optional

import vim  # type: ignore[import-not-found]

import reloader

DRAIN_MS = 20  # how often the timer looks for requests from editors: the most it adds
_uninstall: Optional[Callable[[], None]] = None
_jobs: "queue.Queue[Callable[[], None]]" = queue.Queue()
_timer: List[int] = []  # the timer draining _jobs, while listening


def _message(text: str, error: bool = False) -> None:
    quoted = "'{}'".format(text.replace("'", "''"))
    if error:
        vim.command("echohl ErrorMsg | echomsg {} | echohl None".format(quoted))
    else:
        vim.command("echomsg {}".format(quoted))


def show(report: reloader.Report) -> None:
    """Where reports go: the message area, errors highlighted."""
    _message("reloader: {}".format(report), error=not report.ok)


_host = reloader.Host("vim", protected=("vim", __name__), show=show,
                      schedule=reloader.Host.post_later(_jobs.put))


def install() -> Callable[[], None]:
    """Tell reloader it runs inside Vim (once); return the uninstall callable."""
    global _uninstall
    if _uninstall is None:
        _uninstall = reloader.use_host(_host)
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


def drain() -> None:
    """The timer's work: run the reloads the listener queued, here on Vim's main thread."""
    while not _jobs.empty():
        _jobs.get_nowait()()


def listen_command(argument: str) -> None:
    """`:ReloaderListen [on|off|status]`: listen for reloads sent from your editor, or stop."""
    choices = {"": True, "on": True, "off": False, "status": None}
    if argument.strip() not in choices:
        return _message("reloader: :ReloaderListen takes on, off or status, not {!r}".format(
            argument.strip()), error=True)
    on = choices[argument.strip()]
    _message("reloader: {}".format(_host.listen(on)))
    if on and not _timer:
        _timer.append(int(vim.eval("timer_start({}, {{-> py3eval('reloader_vim.drain()')}}, "
                                   "{{'repeat': -1}})".format(DRAIN_MS))))
    elif on is False and _timer:
        vim.eval("timer_stop({})".format(_timer.pop()))


def stop() -> None:
    """VimLeavePre: stop listening, so the connection file goes with Vim."""
    _host.listen(False)
