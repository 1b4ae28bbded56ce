"""The host seam: what an adapter tells reloader about the program it runs in.

A `Host` names the program, the module prefixes never to purge, how to run a
callable later on the program's main thread, where reports go, steps to run
around the purge, and cleanups that undo registrations a purged module made
with the host. `use_host()` installs one and returns the callable that
uninstalls it. The core consults the installed hosts; it knows no host by name.
Nothing here imports or reloads a module.
"""

import functools
import threading
import types
from typing import Callable, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from . import _discovery
from ._report import Report

#: Whether an object (a function, a bound method, a class...) belongs to a
#: module that is about to be purged.
Owned = Callable[[object], bool]
#: Removes the registrations whose callables are owned; returns the callable
#: that puts them back (used when the reload fails and is restored).
Cleanup = Callable[[Owned], Callable[[], None]]
#: Runs a callable on the host's main thread after `delay` seconds.
Schedule = Callable[[Callable[[], None], float], None]
#: Runs before the purge with the module names in import order; may return
#: the callable that undoes it (used when the reload fails and is restored).
BeforePurge = Callable[[Sequence[str]], Optional[Callable[[], None]]]


def _ignore(*_: object) -> None:
    return None


class Host:
    """What an adapter provides; every part is optional but the name.

    - `protected`: dotted prefixes never purged (the host's own modules).
    - `schedule(callback, delay)`: run `callback` on the main thread after
      `delay` seconds; None when the host has no running event loop, in which
      case callers run the work directly.
    - `show(report)`: where a report (success or failure) is shown.
    - `before_purge(names)` / `after_import(names)`: steps run with the module
      names in import order, before the purge and after a successful re-import.
      `before_purge` may return an undo callable, run if the reload fails and
      the old modules are restored (to register them with the host again).
    - `cleanups`: each removes the host registrations owned by purged modules
      and returns an undo callable (see `Cleanup`).

    Undo callables run in reverse order: cleanups first, then `before_purge`.
    """

    def __init__(
        self,
        name: str,
        *,
        protected: Sequence[str] = (),
        schedule: Optional[Schedule] = None,
        show: Optional[Callable[[Report], None]] = None,
        before_purge: Optional[BeforePurge] = None,
        after_import: Optional[Callable[[Sequence[str]], None]] = None,
        cleanups: Iterable[Cleanup] = (),
    ) -> None:
        if not name:
            raise ValueError("a host needs a name, such as 'maya'")
        self.name = name
        self.protected = tuple(protected)
        self.schedule = schedule
        self.show = show or _ignore
        self.before_purge = before_purge or _ignore
        self.after_import = after_import or _ignore
        self.cleanups = tuple(cleanups)

    def call_soon(self, callback: Callable[[], None], delay: float = 0.0) -> None:
        """Run `callback` on the host's main thread after `delay` seconds.

        Runs it now, in the calling thread, when the host has no event loop
        (`schedule` is None): a batch-mode host would never run it otherwise.
        """
        if self.schedule is None:
            callback()
        else:
            self.schedule(callback, delay)

    def __repr__(self) -> str:
        return "<Host {!r}>".format(self.name)


_lock = threading.Lock()
_hosts: List[Tuple[Host, Callable[[], None]]] = []


def use_host(host: Host) -> Callable[[], None]:
    """Install `host`; return the callable that uninstalls it."""
    if not isinstance(host, Host):
        raise TypeError("use_host() takes a reloader.Host, not {!r}".format(host))
    unprotect = _discovery.protect(
        *host.protected, reason="protected by the {} host".format(host.name)
    ) if host.protected else _ignore
    entry = (host, unprotect)
    with _lock:
        _hosts.append(entry)

    def uninstall() -> None:
        with _lock:
            if entry in _hosts:
                _hosts.remove(entry)
        unprotect()

    return uninstall


def installed() -> List[Host]:
    """The installed hosts, oldest first."""
    with _lock:
        return [host for host, _ in _hosts]


def current() -> Optional[Host]:
    """The most recently installed host, or None."""
    hosts = installed()
    return hosts[-1] if hosts else None


def owned_by(names: Iterable[str]) -> Owned:
    """The test that tells whether an object belongs to one of the modules `names`.

    Looks through bound methods, `functools.partial` and `__wrapped__`; any
    other object belongs to the module of its class.
    """
    modules: FrozenSet[str] = frozenset(names)

    def owned(thing: object) -> bool:
        for _ in range(16):  # a chain of wrappers, not a cycle
            if isinstance(thing, types.MethodType):
                thing = thing.__func__
            elif isinstance(thing, functools.partial):
                thing = thing.func
            elif isinstance(thing, (types.FunctionType, type)):
                if getattr(thing, "__module__", None) in modules:
                    return True
                wrapped = getattr(thing, "__wrapped__", None)
                if wrapped is None or isinstance(thing, type):
                    return False
                thing = wrapped
            else:
                return type(thing).__module__ in modules
        return False

    return owned
