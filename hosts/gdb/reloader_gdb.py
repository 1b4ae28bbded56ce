"""The gdb adapter: the `reloader-reload` command and gdb's side of a reload.

gdb keeps extension objects in lists it owns (pretty printers, type
printers, unwinders, xmethods) on the `gdb` module, on every progspace and on
every objfile, plus a `frame_filters` dict on each. A purged module's entries
are taken out before it is imported again, so the new code can register
under the same names (gdb.printing refuses duplicates), and put back if the
reload fails. Commands need nothing: creating a `gdb.Command` with the name
of an existing one replaces it. This module never reloads anything itself.
"""

from typing import Any, Callable, Iterator, Optional, Sequence

import gdb  # type: ignore[import-not-found]

import reloader

_LISTS = ("pretty_printers", "type_printers", "frame_unwinders", "xmethods")
_uninstall: Optional[Callable[[], None]] = None
_host = reloader.Host("gdb")  # until install(): no event loop, so it never listens


def _holders() -> Iterator[Any]:
    yield gdb
    for progspace in gdb.progspaces():
        yield progspace
        yield from progspace.objfiles()


def _owned_entry(entry: object, owned: Callable[[object], bool]) -> bool:
    # A gdb.printing collection belongs to gdb.printing; its subprinters name
    # the printer classes of the module that built it.
    if owned(entry):
        return True
    for sub in getattr(entry, "subprinters", None) or ():
        if owned(getattr(sub, "gen_printer", sub)):
            return True
    return False


def remove_extensions(names: Sequence[str], owned: reloader.Host.Owned) -> reloader.Host.Finish:
    """Take purged modules' entries out of gdb's lists; put them back if the reload fails."""
    def registries() -> Iterator[Any]:
        for holder in _holders():
            yield from (getattr(holder, name, None) for name in _LISTS + ("frame_filters",))

    return reloader.Host.take_out(
        lambda: [r for r in registries() if isinstance(r, (list, dict))],
        lambda entry: _owned_entry(entry, owned))


#: Runs a callable on gdb's main thread after a delay. `gdb.post_event` only
#: runs while gdb reads commands: never under `gdb -batch`, where a pending
#: event also crashes gdb at exit.
schedule = reloader.Host.post_later(gdb.post_event)


def show(report: object) -> None:
    gdb.write("reloader: {}\n".format(report))


class ReloadCommand(gdb.Command):  # type: ignore[misc]
    """Reload Python packages used by gdb extensions, with all their submodules.

Usage: reloader-reload PACKAGE...

PACKAGE is a dotted module name (`myprinters` means myprinters and
myprinters.*) or a folder. Modules importing it are reloaded too. Pretty
printers, type printers, unwinders, xmethods and frame filters the old code
registered are replaced, not duplicated. If the new code fails, everything
is put back as it was and the error names the file and line."""

    def __init__(self) -> None:
        super().__init__("reloader-reload", gdb.COMMAND_USER, gdb.COMPLETE_NONE)

    def invoke(self, argument: str, from_tty: bool) -> None:
        targets = gdb.string_to_argv(argument)
        if not targets:
            raise gdb.GdbError("reloader-reload needs a package name, such as 'myprinters'")
        report = reloader.try_reload(*targets)
        if not report.ok:
            raise gdb.GdbError(str(report)) from report.error
        gdb.write("{}\n".format(report))


class ListenCommand(gdb.Command):  # type: ignore[misc]
    """Listen for reloads sent from your editor (`python -m reloader send`), or stop.

Usage: reloader-listen on|off (with no argument: says whether it listens). Put
`reloader-listen on` in gdbinit, after sourcing load-reloader.py, to listen in
every session; requests run between gdb commands, never under gdb -batch."""

    def __init__(self) -> None:
        super().__init__("reloader-listen", gdb.COMMAND_USER, gdb.COMPLETE_NONE)

    def invoke(self, argument: str, from_tty: bool) -> None:
        choices = {"on": True, "off": False, "": None}
        if argument.strip() not in choices:
            raise gdb.GdbError("reloader-listen takes on or off, not {!r}".format(argument))
        show(_host.listen(choices[argument.strip()]))


def install() -> Callable[[], None]:
    """Install the gdb host and the commands (once); return the uninstall callable."""
    global _uninstall, _host
    if _uninstall is None:
        _host = reloader.Host("gdb", protected=("gdb", __name__), schedule=schedule, show=show,
                              hooks=(remove_extensions,))
        _uninstall = reloader.use_host(_host)
    ReloadCommand(), ListenCommand()
    return _uninstall
