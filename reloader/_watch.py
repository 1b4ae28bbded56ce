"""Watch folders and reload exactly the loaded modules whose files changed.

A `Watcher` asks `_changes` what moved on disk (told by the operating
system where it can, else by polling), waits for a burst of saves to
settle, maps the changed files to the loaded modules they were imported from
and hands those to `reload()` with their dependents. `check()` does one
round and never raises; `start()` repeats it through a scheduler (the
host's, or a background thread). When made, a watcher asks `_sources`
which loaded modules run older source than their files hold (edits saved
before it existed: the first check reloads them) and has the import index
learn what imports the watched modules, so that the first reload costs like
a later one. A check that finds nothing never looks at `sys.modules`, nor
at any file when notified. A module whose file is gone is kept loaded and
reported missing, not purged: the file may be on its way back.
"""

import gc
import logging
import os
import sys
import threading
import time
import types
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

from . import _discovery, _host, _sources, _transaction
from ._changes import Changes, Scanner
from ._reload import learn_importers, reload
from ._report import ReloadError, Report, locate
from ._schedule import BackgroundThread, Repeat

_ONE_SEPARATOR = os.altsep is None  # a file's folder is what comes before its last os.sep
_log = logging.getLogger("reloader.watch")

PathArgument = Union[str, "os.PathLike[str]"]

#: Default seconds between checks: a polled check stats every watched file; a
#: notified one that finds nothing reads one descriptor, so a host's scheduler
#: can afford it often (on its own thread the watcher is woken by the notifier).
POLLED_INTERVAL, NOTIFIED_INTERVAL = 0.5, 0.05


def _log_report(report: object) -> None:
    if isinstance(report, Report) and not report.ok:
        _log.error("%s", report.message())
    else:
        _log.info("%s", report)


class Watcher:
    """Reload the loaded modules whose source files under `paths` change.

    - `debounce`: seconds the files must stay quiet after a change before
      the reload, so a burst of saves makes one reload; each further change
      starts the wait again.
    - `interval`: seconds between checks once started. Default: 0.5, but
      0.05 with notification through a host's scheduler, where a check that
      finds nothing is one read of the notifier. A watcher on its own
      background thread with notification wakes as soon as the operating
      system tells of a change, whatever the interval.
    - `notify`: learn of changes from the operating system where it can
      (Linux inotify); False always polls.
    - `schedule(callback, delay)`: how `start()` runs checks; default: the
      installed host's, else a background thread.
    - `on_report(report)`: called with every report a check produces;
      default: the installed host's `show`, else the "reloader.watch" logger.
    - `clock`: the monotonic clock the debounce reads (tests pass a fake).

    Construction records what the files look like now, and learns what
    imports the watched modules and what their import-time code reads
    (about 0.2 ms a watched module), so the first save reloads as fast as
    later ones. The first check also reloads the modules whose files were
    edited after they were imported, so no edit is lost, whenever the
    watcher was made. A module whose file is deleted stays loaded and is
    reported `missing` until the file returns, then it is reloaded with its
    dependents. `mode` says how changes are learnt ("inotify" or "polling")
    and `fallback` why it polls although notification was asked for.
    """

    def __init__(
        self,
        *paths: PathArgument,
        debounce: float = 0.02,
        interval: Optional[float] = None,
        notify: bool = True,
        schedule: Optional[_host.Schedule] = None,
        on_report: Optional[Callable[[Report], None]] = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not paths:
            raise TypeError("Watcher() needs at least one folder or file to watch")
        roots = []
        for path in paths:
            raw = os.fspath(path)
            if not isinstance(raw, str):
                raise TypeError("watched path {!r} is bytes; give it as str".format(path))
            if not os.path.exists(raw):
                raise FileNotFoundError(
                    "watched path {!r} does not exist; give an existing folder or file".format(raw)
                )
            roots.append(raw)
        if debounce < 0 or interval is not None and interval <= 0:
            raise ValueError(
                "debounce must be >= 0 and interval > 0 seconds, not {!r} and {!r}".format(
                    debounce, interval
                )
            )
        self.debounce = float(debounce)
        self._interval = None if interval is None else float(interval)
        self._schedule = schedule
        self._on_report = on_report
        self._clock = clock
        self._lock = threading.RLock()
        self._scanner = Scanner(roots, notify=notify)
        self._pending: Set[str] = set()  # changed since the last reload
        self._held: Set[str] = set()  # part of a reload that failed
        self._moved_at = 0.0
        self._index: Dict[str, List[str]] = {}  # resolved path -> loaded module names
        # Folders the watched paths are (a file's folder), and whether each
        # folder modules were loaded from is, resolved, under one of them.
        self._bases = [r if os.path.isdir(r) else os.path.dirname(r) for r in self._scanner.roots]
        self._folders_inside: Dict[str, bool] = {}
        self._repeat: Optional[Repeat] = None
        self._thread: Optional[BackgroundThread] = None
        # The first look, now: the edits saved before this watcher existed
        # are taken at the first check, and the importers of the watched
        # modules are learnt and the thread that writes .pyc files after a
        # reload is started, so that the first reload costs like a later one.
        # Should it fail, the first check looks again, and reports what fails.
        self._caught_up = False
        try:
            self._pending = self._edited_before()
            learn_importers(name for names in self._index.values() for name in names)
            if not sys.dont_write_bytecode:
                _transaction.start_writer()
        except Exception:
            _log.debug("the first look failed; the first check looks again", exc_info=True)
        else:
            self._caught_up = True
        if gc.isenabled():
            # The first look's allocations leave the collector a pass over
            # the young objects due: it runs now, as part of making the
            # watcher, not in the first check.
            gc.collect(1)

    @property
    def mode(self) -> str:
        """How changes are learnt: "inotify" (the operating system tells) or "polling"."""
        return self._scanner.mode

    @property
    def fallback(self) -> Optional[str]:
        """Why the watcher polls although notification was asked for; else None."""
        return self._scanner.fallback

    @property
    def interval(self) -> float:
        """Seconds between checks once started (see the class docstring for the default)."""
        if self._interval is not None:
            return self._interval
        if self.mode == "inotify" and self._thread is None:
            return NOTIFIED_INTERVAL
        return POLLED_INTERVAL  # polling, or woken by the notification itself

    @property
    def paths(self) -> Tuple[str, ...]:
        """The watched folders and files, resolved."""
        return self._scanner.roots

    @property
    def running(self) -> bool:
        """Whether checks are scheduled (between start() and stop())."""
        return self._repeat is not None and self._repeat.running

    def __repr__(self) -> str:
        fallback = self.fallback
        return "<Watcher {} ({}){}>".format(
            ", ".join(repr(p) for p in self.paths),
            self.mode + (": " + fallback if fallback else ""),
            " running" if self.running else "",
        )

    # ----------------------------------------------------------------------
    # one round

    def mark_changed(self, *paths: str) -> None:
        """Count `paths` as changed at the next check, as if their files had been saved."""
        with self._lock:
            self._pending.update(os.path.realpath(path) for path in paths)

    def check(self) -> Optional[Report]:
        """Reload what changed since the last look, now; None when nothing changed.

        This is the whole job in one call, for hosts with no event loop and
        for programs that check at moments of their choosing. Never raises: a
        failed reload is restored by the core and its report has `error` set.
        A file that failed is tried again only together with the next change.
        """
        return self._round(settle=False)

    def poll(self) -> Optional[Report]:
        """One scheduled round: like check(), but a burst of saves must first
        stay quiet for `debounce` seconds, so that it makes one reload."""
        return self._round(settle=True)

    def _round(self, settle: bool) -> Optional[Report]:
        with self._lock:
            try:
                report = self._check(settle)
            except Exception as error:  # the core restored everything already
                report = Report(error=error, location=locate(error), rolled_back=True)
            if report is not None:
                self._show(report)
            return report

    def _check(self, settle: bool) -> Optional[Report]:
        # 1. What moved since the last look; when settling, a burst must end
        #    first. The first round also takes the edits saved before this
        #    watcher existed.
        changes: Changes = self._scanner.scan()
        now = self._clock()
        if not self._caught_up:  # the first look failed when the watcher was made
            self._caught_up = True
            self._pending |= self._edited_before()
        if changes:
            self._pending |= changes.paths
            self._moved_at = now
            if settle and self.debounce > 0:
                return None
        if not self._pending or settle and now - self._moved_at < self.debounce:
            return None
        paths = self._pending | self._held
        self._pending = set()

        # 2. The loaded modules those files were imported from. A module whose
        #    file is gone stays loaded (a checkout or an editor may be putting
        #    it back): it is reported missing and reloaded when the file returns.
        present = {path for path in paths if self._scanner.signature(path) is not None}
        targets, warnings, skipped = self._modules_for(present)
        missing = [name for path in sorted(paths - present) for name in self._loaded_from(path)
                   if name not in skipped and self._reloadable(name)]
        if not targets:
            self._held = set()
            if warnings or missing:
                return Report(skipped=skipped, warnings=warnings, missing=missing)
            return None

        # 3. Reload them and their dependents as one transaction.
        try:
            report = reload(*targets, dependents=True)
        except ReloadError as error:
            report = error.report
        except Exception as error:  # a target that vanished, a reload in progress...
            report = Report(error=error, location=locate(error), rolled_back=True)
        if report.ok:
            self._held = set()
            self._note_loaded(report.reloaded + report.added)
        else:
            self._held = present
        report.warnings[:0] = warnings
        report.missing = tuple(missing)
        return report

    def _edited_before(self) -> Set[str]:
        """The watched files whose loaded module runs older source than the file holds."""
        edited: Set[str] = set()
        self._build_index(everything=False)
        for path, names in self._index.items():
            current = self._scanner.signature(path)
            if current is None:
                continue
            for name in names:
                module = _discovery.loaded_module(name)
                info = _discovery.describe(name, module)
                if module is None or info is None or info.protected is not None:
                    continue
                if _sources.edited(module, path, current):
                    edited.add(path)
        return edited

    def _build_index(self, everything: bool) -> None:
        """Index the loaded modules by resolved path: those under the watched folders, or all."""
        infos: Iterable[Tuple[str, Optional[_discovery.ModuleInfo]]]
        if everything:
            infos = _discovery.describe_loaded().items()
        else:
            infos = ((n, _discovery.describe(n, m)) for n, m in self._under_roots())
        self._index = {}
        for name, info in infos:
            if info is not None and info.path is not None:
                self._index.setdefault(info.path, []).append(name)

    def _under_roots(self) -> List[Tuple[str, types.ModuleType]]:
        """The loaded modules whose file lies in a folder that is, resolved, under a watched path.

        One look at each module's file name and a resolved folder remembered,
        not a full look at every loaded module: a session may hold thousands
        outside the watched folders. (A module file that is itself a link
        from outside into them is found when it changes, not here.)
        """
        found = []
        inside = self._folders_inside
        for name, module in list(sys.modules.items()):
            if not _discovery.is_module(module):
                continue
            origin = _discovery.written_file(object.__getattribute__(module, "__dict__"))
            if origin is None:
                continue
            if _ONE_SEPARATOR:
                head, separator, _ = origin.rpartition(os.sep)
                folder = head or separator  # "/tool.py" lies in "/"
            else:
                folder = os.path.dirname(origin)
            known = inside.get(folder)
            if known is None:
                real = os.path.realpath(folder)
                known = inside[folder] = any(
                    real == base or real.startswith(base + os.sep) for base in self._bases)
            if known:
                found.append((name, module))
        return found

    def _note_loaded(self, names: Sequence[str]) -> None:
        """Remember which file version each freshly imported module runs.

        The reload noted what it read for the modules it ran again; the
        others (imported for the first time) run what the last scan saw.
        """
        for name in names:
            module = _discovery.loaded_module(name)
            if module is None or _sources.is_noted(module):
                continue
            info = _discovery.describe(name, module)
            if info is None or info.path is None:
                continue
            signature = self._scanner.signature(info.path)
            if signature is not None:
                _sources.note(module, info.path, signature)

    @staticmethod
    def _reloadable(name: str) -> bool:
        info = _discovery.describe(name, sys.modules.get(name))
        return info is not None and info.protected is None

    def _modules_for(self, paths: Set[str]) -> Tuple[List[str], List[str], Dict[str, str]]:
        """Names of the reloadable modules loaded from `paths`, and a warning per protected one.

        Names, not paths, go to reload(): with dependents a name prefix selects
        the same modules (a package's submodules depend on it) and is cheaper.
        """
        targets: List[str] = []
        warnings: List[str] = []
        skipped: Dict[str, str] = {}
        for path in sorted(paths):
            for name in self._loaded_from(path):
                info = _discovery.describe(name, sys.modules.get(name))
                if info is None:
                    continue
                if info.protected is None:
                    targets.append(name)
                else:
                    skipped[name] = info.protected
                    warnings.append(
                        "{!r} changed, but module {!r} is not reloaded ({}); restart the "
                        "program to run the new code".format(path, name, info.protected)
                    )
        return targets, warnings, skipped

    def _loaded_from(self, path: str) -> List[str]:
        """The names of the modules loaded from `path`, from an index rebuilt on a miss."""
        names = self._index.get(path)
        if names is not None and all(self._path_of(name) == path for name in names):
            return names
        # Something was imported, reloaded or purged since the index was
        # built: first from the modules under the watched folders, then, if
        # the file is still unknown, from every loaded module.
        for everything in (False, True):
            self._build_index(everything)
            if path in self._index:
                break
        return self._index.get(path, [])

    @staticmethod
    def _path_of(name: str) -> Optional[str]:
        info = _discovery.describe(name, sys.modules.get(name))
        return info.path if info is not None else None

    def _show(self, report: Report) -> None:
        show = self._on_report
        if show is None:
            host = _host.current()
            show = host.show if host is not None else _log_report
        try:
            show(report)
        except Exception:
            _log.exception("showing a reload report failed")

    # ----------------------------------------------------------------------
    # repeating

    def start(self) -> Callable[[], None]:
        """Check every `interval` seconds from now on; return the callable that stops.

        On its own background thread with notification, a change wakes the
        watcher at once: the reload starts `debounce` seconds after the
        last save of a burst.

        When the installed host has no running event loop (its `schedule` is
        None), nothing can run later: this checks once, at once, and the
        program calls `check()` itself whenever it can.
        """
        with self._lock:
            if self.running:
                return self.stop
            schedule = self._schedule
            if schedule is None:
                host = _host.current()
                if host is not None and host.schedule is None:
                    self.check()
                    return self.stop
                if host is not None:
                    schedule = host.schedule
                else:
                    # A change notification wakes the thread at once.
                    self._thread = BackgroundThread(
                        "reloader watcher", wake=self._scanner.fileno)
                    schedule = self._thread
            assert schedule is not None
            self._repeat = Repeat(schedule, self._step)
            self._repeat.start(self.interval)
            return self.stop

    def stop(self) -> None:
        """Stop checking; a check running on another thread finishes first."""
        repeat, thread = self._repeat, self._thread
        self._repeat, self._thread = None, None
        if repeat is not None:
            repeat.stop()
        if thread is not None:
            thread.close()

    def _step(self) -> float:
        self.poll()
        with self._lock:
            if self._pending:  # a burst is settling: look again when it may be quiet
                return max(0.01, self.debounce - (self._clock() - self._moved_at))
            return self.interval

    def __enter__(self) -> "Watcher":
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
