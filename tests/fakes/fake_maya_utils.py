"""A fake of `maya.utils`: executeDeferred queues for the main thread, processIdleEvents runs it."""

import threading
from typing import Any, Callable, List, Tuple

from tests.fakes import MainThread

main_thread = MainThread()
_deferred: List[Tuple[Callable[..., Any], Tuple[Any, ...]]] = []
_lock = threading.Lock()


def executeDeferred(fn: Callable[..., Any], *args: Any) -> None:
    """Callable from any thread, as in Maya; runs at the next idle."""
    if isinstance(fn, str) or not callable(fn):
        raise TypeError("this fake takes a callable")
    with _lock:
        _deferred.append((fn, args))


def pending() -> int:
    with _lock:
        return len(_deferred)


def processIdleEvents() -> int:
    main_thread.check("processIdleEvents")
    ran = 0
    while True:
        with _lock:
            if not _deferred:
                return ran
            fn, args = _deferred.pop(0)
        fn(*args)
        ran += 1


#: What test code running "inside Maya" records (not part of Maya's API).
log: List[str] = []
