"""Run work later through a scheduler, and repeat it until told to stop.

A scheduler is any callable `schedule(callback, delay_seconds)` that calls
`callback` once, later, on the thread it owns: a host adapter passes its
main-thread call (`sublime.set_timeout`, `bpy.app.timers.register`, an
asyncio loop's `call_later`), or `post_later` makes one from a call that
posts to the main thread from any thread (`maya.utils.executeDeferred`).
`BackgroundThread` is the scheduler for a plain program; it can also wake
early when a file descriptor becomes readable. `Repeat` runs a step
again and again through any scheduler, even one that cannot cancel what it
was given. Nothing here knows about files or reloads.
"""

import heapq
import itertools
import logging
import math
import os
import select
import threading
import time
from typing import Callable, List, Optional, Tuple

_log = logging.getLogger("reloader.schedule")

#: Runs a callable on the host's main thread after `delay` seconds.
Schedule = Callable[[Callable[[], None], float], None]


def post_later(post: Callable[[Callable[[], None]], object]) -> Schedule:
    """The schedule for a host whose main thread takes callables `post`ed from any thread.

    `post(callback)` runs `callback` soon on the main thread
    (`nuke.executeInMainThread`, `maya.utils.executeDeferred`,
    `gdb.post_event`). With a delay, a daemon timer thread waits, then posts.
    """
    def schedule(callback: Callable[[], None], delay: float) -> None:
        if delay > 0:
            timer = threading.Timer(delay, post, (callback,))
            timer.daemon = True
            timer.start()
        else:
            post(callback)

    return schedule


class BackgroundThread:
    """A scheduler running callbacks one at a time on its own daemon thread.

    The thread starts with the first callback and ends with `close()`. A
    callback that raises is logged; the thread goes on. With `wake`, a
    callable returning a file descriptor (or None), the thread also watches
    that descriptor while it waits: when it becomes readable, the callback
    due next runs at once instead of at its time (a watcher's change
    notifications: the change is handled when it happens, not at the next
    interval). The callback must read what made the descriptor readable.
    """

    def __init__(self, name: str = "reloader", *,
                 wake: Optional[Callable[[], Optional[int]]] = None) -> None:
        self.name = name
        self._condition = threading.Condition()
        self._queue: List[Tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._thread: Optional[threading.Thread] = None
        self._closed = False
        self._wake = wake
        # Interrupts a wait on the descriptor when a callback comes or close() is called.
        self._pipe: Optional[Tuple[int, int]] = None

    def __call__(self, callback: Callable[[], None], delay: float) -> None:
        with self._condition:
            if self._closed:
                raise RuntimeError(
                    "scheduler {!r} is closed; create a new one".format(self.name)
                )
            due = time.monotonic() + max(0.0, delay)
            heapq.heappush(self._queue, (due, next(self._order), callback))
            if self._thread is None:
                if self._wake is not None:
                    self._pipe = os.pipe()
                    os.set_blocking(self._pipe[1], False)
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            self._interrupt()

    def close(self, timeout: Optional[float] = None) -> None:
        """Drop what is waiting, let a running callback finish, and end the thread."""
        with self._condition:
            self._closed = True
            self._queue.clear()
            self._interrupt()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _interrupt(self) -> None:
        self._condition.notify()
        if self._pipe is not None:
            try:
                os.write(self._pipe[1], b"\0")
            except BlockingIOError:  # full: the thread has wake-ups enough to read
                pass

    def _run(self) -> None:
        try:
            while True:
                callback = self._next()
                if callback is None:
                    return
                try:
                    callback()
                except Exception:
                    _log.exception("a callback scheduled on %r failed", self.name)
        finally:
            with self._condition:
                pipe, self._pipe = self._pipe, None
            if pipe is not None:
                os.close(pipe[0])
                os.close(pipe[1])

    def _next(self) -> Optional[Callable[[], None]]:
        """The callback due next, once it is due or woken; None once closed."""
        while True:
            with self._condition:
                if self._closed:
                    return None
                wait = self._queue[0][0] - time.monotonic() if self._queue else None
                if wait is not None and wait <= 0:
                    return heapq.heappop(self._queue)[2]
                descriptor = self._wake() if self._wake is not None else None
                if descriptor is None or self._pipe is None or not self._queue:
                    self._condition.wait(wait)
                    continue
                pipe = self._pipe[0]
            # Wait outside the lock, so that callers can schedule and close meanwhile.
            try:
                readable = _readable([descriptor, pipe], wait)
            except (OSError, ValueError):
                _log.exception("%r cannot wait on descriptor %r; it keeps to its clock",
                               self.name, descriptor)
                self._wake = None
                continue
            if pipe in readable:
                os.read(pipe, 4096)
            if descriptor in readable:
                with self._condition:
                    if self._queue and not self._closed:
                        return heapq.heappop(self._queue)[2]


def _readable(descriptors: List[int], timeout: Optional[float]) -> List[int]:
    """Which of `descriptors` become readable within `timeout` seconds (None: no limit)."""
    if not hasattr(select, "poll"):  # Windows
        return list(select.select(descriptors, [], [], timeout)[0])
    # poll, not select: select refuses descriptors numbered 1024 and above,
    # and a server may have that many open.
    poller = select.poll()
    for descriptor in descriptors:
        poller.register(descriptor, select.POLLIN)
    milliseconds = None if timeout is None else math.ceil(timeout * 1000)
    return [fd for fd, events in poller.poll(milliseconds) if events & select.POLLIN]


class Repeat:
    """Call `step` through `schedule` again and again; `step` returns the next delay.

    `stop()` takes effect even with a scheduler that cannot cancel: a call
    already handed over finds the repeat stopped and does nothing.
    """

    def __init__(self, schedule: Schedule, step: Callable[[], float]) -> None:
        self._schedule = schedule
        self._step = step
        self._lock = threading.Lock()
        self._run = 0  # which start() the scheduled calls belong to; 0 when stopped
        self._delay = 0.0

    @property
    def running(self) -> bool:
        """Whether the repeat is started and not stopped."""
        return self._run != 0

    def start(self, delay: float) -> None:
        """Run the step after `delay` seconds, then as often as it asks."""
        with self._lock:
            if self._run:
                return
            self._run = run = next(_runs)
            self._delay = delay
        self._schedule(lambda: self._tick(run), delay)

    def stop(self) -> None:
        """Run the step no more."""
        with self._lock:
            self._run = 0

    def _tick(self, run: int) -> None:
        if self._run != run:
            return
        try:
            delay = self._step()
        except Exception:  # a step is meant not to raise; keep going all the same
            _log.exception("a repeated step failed")
            delay = self._delay
        self._delay = delay
        if self._run == run:
            self._schedule(lambda: self._tick(run), delay)


_runs = itertools.count(1)
