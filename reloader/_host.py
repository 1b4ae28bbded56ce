"""The host seam: what an adapter tells reloader about the program it runs in.

A `Host` names the program, the module prefixes never to purge, how to run a
callable later on the program's main thread, where reports go, and hooks that
tear down what the modules being reloaded registered with the program.
`use_host()` checks a host and installs it, and returns the callable that
uninstalls it. The core consults the installed hosts; it knows no host by
name. Nothing here imports or reloads a module.
"""

import functools
import inspect
import threading
import types
import typing
from typing import Any, Callable, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from . import _discovery
from ._report import Report
from ._schedule import Schedule as Schedule  # re-exported: the watcher names it here
from ._schedule import post_later

if typing.TYPE_CHECKING:  # a class attribute that is a type needs it; never imported at run time
    from typing_extensions import TypeAlias

#: Whether an object (a function, a bound method, a class...) belongs to a
#: module that is being reloaded.
Owned = Callable[[object], bool]
#: Ends what a hook began, once the reload is over: `finish(True)` after the
#: new modules were imported (register them), `finish(False)` after a failure
#: restored the old ones (put back what the hook tore down).
Finish = Callable[[bool], None]
#: Runs before the purge with the module names in import order and the test
#: of what they own; tears down what they registered with the host and
#: returns its `Finish`.
Hook = Callable[[Sequence[str], Owned], Finish]
#: The built-in cleanups' shape (see _registries): removes the registrations
#: whose callables are owned and returns the callable that puts them back.
Cleanup = Callable[[Owned], Callable[[], None]]


def _ignore(*_: object) -> None:
    return None


class Host:
    """What an adapter provides; every part is optional but the name.

    - `protected`: dotted prefixes never purged (the host's own modules).
    - `schedule(callback, delay)`: run `callback` on the main thread after
      `delay` seconds; None when the host has no running event loop, in which
      case callers run the work directly. `Host.post_later(post)` makes one
      from a call that posts to the main thread from any thread.
    - `show(report)`: where a report (success or failure) is shown.
    - `hooks`: each is `hook(names, owned) -> finish` (see `Hook`), run in
      order before the purge; on failure the finishes run in reverse order.
    """

    Owned: "TypeAlias" = Owned
    Finish: "TypeAlias" = Finish
    Hook: "TypeAlias" = Hook
    Schedule: "TypeAlias" = Schedule
    post_later = staticmethod(post_later)

    def __init__(
        self,
        name: str,
        *,
        protected: Sequence[str] = (),
        schedule: Optional[Schedule] = None,
        show: Optional[Callable[[Report], None]] = None,
        hooks: Iterable[Hook] = (),
    ) -> None:
        if not name:
            raise ValueError("a host needs a name, such as 'maya'")
        if isinstance(protected, str):
            raise TypeError("protected takes a sequence of dotted names, such as ({!r},), "
                            "not the string {!r}".format(protected, protected))
        if callable(hooks):
            raise TypeError("hooks takes a sequence of hooks, such as ({0},), not the hook "
                            "{0} itself".format(getattr(hooks, "__name__", repr(hooks))))
        self.name = name
        self.protected = tuple(protected)
        self.schedule = schedule
        self.show = show or _ignore
        self.hooks = tuple(hooks)

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


def _takes(function: Callable[..., Any], arguments: int) -> bool:
    """Whether `function` can be called with `arguments` positional arguments."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # some builtins have none: trust them
        return True
    try:
        signature.bind(*range(arguments))
    except TypeError:
        return False
    return True


def _check(host: Host) -> None:
    """Raise a one-line error for the first part of `host` that cannot work."""
    def fail(part: str, value: object, expected: str) -> None:
        raise TypeError("host {!r}: {} {!r} cannot work; {}".format(
            host.name, part, value, expected))

    if not isinstance(host.name, str) or not host.name:
        raise ValueError("a host needs a name, such as 'maya', not {!r}".format(host.name))
    for prefix in host.protected:
        if not isinstance(prefix, str) or not all(p.isidentifier() for p in prefix.split(".")):
            fail("protected prefix", prefix, "give dotted module names, such as 'maya'")
    if host.schedule is not None and not (callable(host.schedule) and _takes(host.schedule, 2)):
        fail("schedule", host.schedule, "a schedule is schedule(callback, delay)")
    if not (callable(host.show) and _takes(host.show, 1)):
        fail("show", host.show, "show is show(report)")
    for hook in host.hooks:
        if not (callable(hook) and _takes(hook, 2)):
            fail("hook", hook, "a hook is hook(names, owned) and returns finish(imported)")
        returns = getattr(hook, "__annotations__", {}).get("return", inspect.Signature.empty)
        if returns is None or returns == "None":
            fail("hook", hook, "a hook returns finish(imported), not None")


_lock = threading.Lock()
_hosts: List[Tuple[Host, Callable[[], None]]] = []


def use_host(host: Host) -> Callable[[], None]:
    """Check `host` and install it; return the callable that uninstalls it."""
    if not isinstance(host, Host):
        raise TypeError("use_host() takes a reloader.Host, not {!r}".format(host))
    _check(host)
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
