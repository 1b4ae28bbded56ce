"""The host seam: what an adapter tells reloader about the program it runs in.

A `Host` names the program, the module prefixes never to purge, how to run a
callable later on the program's main thread, where reports go, and hooks that
tear down what the modules being reloaded registered with the program.
`use_host()` checks a host and installs it, and returns the callable that
uninstalls it. A host also runs what every adapter offers its user (a reload
shown and remembered, reload on save, the listener for editors), so an
adapter is the host-specific part only. The core consults the installed
hosts; it knows no host by name. Nothing here imports or reloads a module but
through `try_reload()`.
"""

import functools
import inspect
import os
import sys
import types
import typing
from typing import Any, Callable, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from . import _discovery, _hooks, _state
from ._hooks import failed, take, take_out
from ._report import Report
from ._schedule import Schedule as Schedule  # re-exported: the watcher names it here
from ._schedule import post_later
from ._tracker import Tracker

if typing.TYPE_CHECKING:  # a class attribute that is a type needs it; never imported at run time
    from typing_extensions import TypeAlias

    from ._watch import Watcher

#: Whether an object (a function, a bound method, a class...) belongs to a
#: module that is being reloaded.
Owned = Callable[[object], bool]
#: Ends what a hook began, once the reload is over: `finish(True)` after the
#: new modules were imported (register them), `finish(False)` after a failure
#: restored the old ones (put back what the hook tore down). It may return a
#: list of warnings for the report (see `Host.failed`); an exception in that
#: list, or one it raises, fails the reload.
Finish = _hooks.Finish
#: Runs before the purge with the module names in import order and the test
#: of what they own; tears down what they registered with the host and
#: returns its `Finish`.
Hook = Callable[[Sequence[str], Owned], Finish]
#: The built-in cleanups' shape (see _registries): removes the registrations
#: whose callables are owned and returns the callable that puts them back.
Cleanup = Callable[[Owned], Callable[[], None]]


def _ignore(*_: object) -> None:
    return None


def refused(error: Exception) -> Report:
    """The report of a reload refused before anything was selected (a bad target, say):
    it changed nothing, and its text is the error's own message."""
    from ._adapter import Refused  # it imports this module

    return Refused(error=error, rolled_back=True)


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
      `Host.take_out(containers, test)` is a hook's work for registries that
      are plain lists and dicts; a `Host.Tracker()` remembers registrations
      a host hands out ids for, and its `hook` does the same for those.

    What the adapter's user asks for runs through the host: `reload()`
    (now) and `reload_later()` (on the main thread) show the report and keep
    it in `report`, and the targets in `last`; `watch(target)` reloads on
    save; `listen(on)` answers editors. Uninstalling the host stops both.
    """

    Owned: "TypeAlias" = Owned
    Finish: "TypeAlias" = Finish
    Hook: "TypeAlias" = Hook
    Schedule: "TypeAlias" = Schedule
    post_later = staticmethod(post_later)
    refused = staticmethod(refused)
    failed = staticmethod(failed)
    take = staticmethod(take)
    take_out = staticmethod(take_out)
    Tracker = Tracker

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
        self.last: Tuple[str, ...] = ()  # what reload() was last asked for
        self.report: Optional[Report] = None  # the last report shown through this host
        self.watcher: Optional[Watcher] = None  # reload on save, while on
        self.watched = ""  # the target it watches

    def call_soon(self, callback: Callable[[], None], delay: float = 0.0) -> None:
        """Run `callback` on the host's main thread after `delay` seconds.

        Runs it now, in the calling thread, when the host has no event loop
        (`schedule` is None): a batch-mode host would never run it otherwise.
        """
        if self.schedule is None:
            callback()
        else:
            self.schedule(callback, delay)

    def reload(self, *targets: str) -> Report:
        """Reload `targets` now as `try_reload()` does; keep them and the report, show it."""
        from ._adapter import try_reload  # it imports this module

        self.last = targets
        report = try_reload(*targets)
        self._shown(report)
        return report

    def reload_later(self, *targets: str) -> None:
        """`reload(*targets)` on the host's main thread (at once when it has no event loop)."""
        def run() -> None:
            self.reload(*targets)

        self.last = targets
        self.call_soon(run)

    def _shown(self, report: Report) -> None:
        self.report = report
        self.show(report)

    def watch(self, target: Optional[str], **options: Any) -> str:
        """Reload on save: watch the folders of the loaded module `target`, or stop (None, '').

        A `Watcher` (`options` are its own) reloads what is saved there; this
        host shows and keeps its reports. Returns the one line to show;
        raises ValueError for a target that is not a loaded module with a file.
        """
        from ._watch import Watcher  # it imports this module

        if self.watcher is not None:
            self.watcher.stop()
            self.watcher, self.watched = None, ""
        if not target:
            return "reload on save is off"
        module = sys.modules.get(target)
        file: Optional[str] = getattr(module, "__file__", None)
        folders = list(getattr(module, "__path__", None) or ())
        folders = folders or ([os.path.dirname(file)] if file else [])
        if not folders:
            raise ValueError("{!r} is not a loaded module with a file; reload it once "
                             "first".format(target))
        self.watcher, self.watched = Watcher(*folders, on_report=self._shown, **options), target
        self.watcher.start()  # with no event loop it checks once: then call check() itself
        return "reloading {!r} when a file under {} is saved".format(target, ", ".join(folders))

    def listen(self, on: Optional[bool] = True) -> str:
        """Start (True) or stop (False) listening for editors, as `serve()` does with
        this host's name and schedule; None asks. Returns the one line to show."""
        from . import _serve  # it imports this module

        return _serve.switch(self, on)

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


def use_host(host: Host) -> Callable[[], None]:
    """Check `host` and install it; return the callable that uninstalls it.

    Installing an installed host again returns the same callable. Uninstalling
    also stops the host's reload on save and its listener for editors.
    """
    if not isinstance(host, Host):
        raise TypeError("use_host() takes a reloader.Host, not {!r}".format(host))
    state = _state.current()
    with state.lock:
        for installed_host, installed_uninstall in state.hosts:
            if installed_host is host:
                return installed_uninstall
    _check(host)
    unprotect = _discovery.protect(
        *host.protected, reason="protected by the {} host".format(host.name)
    ) if host.protected else _ignore

    def uninstall() -> None:
        with state.lock:
            if entry in state.hosts:
                state.hosts.remove(entry)
        unprotect()
        host.watch(None)
        host.listen(False)

    entry = (host, uninstall)
    with state.lock:
        state.hosts.append(entry)
    return uninstall


def installed() -> List[Host]:
    """The installed hosts, oldest first."""
    state = _state.current()
    with state.lock:
        return [host for host, _ in state.hosts]


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
