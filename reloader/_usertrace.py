"""The traceback of a failed reload as its user wants to read it.

A reload runs the user's modules from inside reloader and the import system,
so a plain traceback opens with frames the user did not write. This module
keeps the user's frames, the offending source line (with its caret for a
syntax error) and the exception, for each exception of a chain. When the
error was raised by reloader itself, the whole traceback is kept: then its
frames are the point. It formats only; it never prints.
"""

import importlib
import os
import traceback
from typing import AbstractSet, Any, List, Optional, Set

_HERE = os.path.dirname(os.path.realpath(__file__))
# A host that embeds Python may freeze the standard library: then no file is importlib's.
_IMPORTLIB = getattr(importlib, "__file__", None)
_IMPORTLIB = os.path.dirname(os.path.realpath(_IMPORTLIB)) if _IMPORTLIB else None


def _machinery(filename: str, hosts: AbstractSet[str] = frozenset()) -> bool:
    """A frame of reloader, of the import system or of a host's hooks (`hosts`: their
    files), not of the user's code."""
    if filename.startswith("<frozen importlib"):
        return True
    real = os.path.realpath(filename)
    return os.path.dirname(real) in (_HERE, _IMPORTLIB) or real in hosts


def _host_files() -> Set[str]:
    """The files that define the installed hosts' hooks: an adapter's code, not the user's."""
    from . import _host  # it imports this module through _report

    found = set()
    for host in _host.installed():
        for hook in host.hooks:
            function: Any = hook
            for _ in range(8):  # through bound methods and partials
                function = getattr(function, "__func__", None) or getattr(
                    function, "func", function)
            code = getattr(function, "__code__", None)
            if code is not None:
                found.add(os.path.realpath(code.co_filename))
    return found


def _raised_by_reloader(error: BaseException) -> bool:
    if isinstance(error, SyntaxError):  # compile() runs in reloader; the fault is the file's
        return False
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and os.path.dirname(os.path.realpath(frames[-1].filename)) == _HERE


def _chain(error: BaseException) -> List[BaseException]:
    """The error and the exceptions it was raised from or during, oldest first."""
    chain: List[BaseException] = []
    seen: Set[int] = set()
    current: Optional[BaseException] = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.insert(0, current)
        cause = current.__cause__
        current = cause if cause is not None or current.__suppress_context__ else (
            current.__context__)
    return chain


def user_traceback(error: BaseException) -> List[str]:
    """The lines to show for `error`: the user's frames and the exception, chained."""
    if _raised_by_reloader(error):
        return "".join(traceback.format_exception(type(error), error, error.__traceback__)
                       ).splitlines()
    lines: List[str] = []
    chain, hosts = _chain(error), _host_files()
    for index, exception in enumerate(chain):
        if index:
            lines += ["", (
                "The above exception was the direct cause of the following exception:"
                if exception.__cause__ is chain[index - 1] else
                "During handling of the above exception, another exception occurred:"
            ), ""]
        frames = [frame for frame in traceback.extract_tb(exception.__traceback__)
                  if not _machinery(frame.filename, hosts)]
        if frames:
            lines.append("Traceback (most recent call last):")
            lines += "".join(traceback.format_list(frames)).splitlines()
        lines += "".join(traceback.format_exception_only(type(exception), exception)).splitlines()
    return lines
