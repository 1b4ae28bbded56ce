"""A host program with a listener, for the tests that send it requests from other processes.

`start_host(folder, runtime)` runs HOST_PROGRAM in a subprocess: a plain Python
program with a main-thread event loop (a queue, as a GUI host has), a package
`shop` on its path, and `reloader.serve()` on. It prints one line per event
("ready", "value 2 main True", ...) and ends when its stdin closes or after a
bounded time. `send(...)` runs `python -m reloader send` in another process.
"""

import os
import queue
import subprocess
import sys
import textwrap
import threading
from typing import List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HOST_PROGRAM = textwrap.dedent("""
    import os, queue, sys, threading, time
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import reloader
    import shop

    jobs = queue.Queue()
    listener = reloader.serve(sys.argv[1], schedule=lambda job, delay: jobs.put(job))
    print("ready", listener.port, flush=True)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    seen = None
    deadline = time.monotonic() + 120  # bounded, whatever the test does
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            jobs.get(timeout=0.02)()
        except queue.Empty:
            pass
        now = (shop.VALUE, shop.ON_MAIN)
        if now != seen:
            seen = now
            print("value", *now, flush=True)
    listener.stop()
    print("bye", flush=True)
    """)

SHOP = textwrap.dedent("""
    import os, threading
    VALUE = {value}
    ON_MAIN = threading.current_thread() is threading.main_thread()
    if os.environ.get("SHOP_EXIT") and VALUE == 99:
        os._exit(3)  # the host dies in the middle of a request
    """)


def environment(runtime: str) -> dict:
    env = dict(os.environ, RELOADER_RUNTIME_DIR=runtime, PYTHONPATH=ROOT,
               PYTHONDONTWRITEBYTECODE="1")
    env.pop("XDG_RUNTIME_DIR", None)
    return env


def write_shop(folder: str, value: object) -> str:
    path = os.path.join(folder, "shop.py")
    with open(path, "w") as handle:
        handle.write(SHOP.format(value=value))
    return path


class RunningHost:
    """The host subprocess and the lines it printed."""

    def __init__(self, folder: str, runtime: str, name: str = "testhost",
                 extra_env: Optional[dict] = None) -> None:
        program = os.path.join(folder, "host.py")
        with open(program, "w") as handle:
            handle.write(HOST_PROGRAM)
        env = environment(runtime)
        env.update(extra_env or {})
        self.process = subprocess.Popen(
            [sys.executable, program, name], cwd=folder, env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: "queue.Queue[str]" = queue.Queue()  # noqa: UP037 (3.7 evaluates it)
        self.seen: List[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.port = int(self.expect("ready").split()[1])

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, prefix: str, timeout: float = 30.0) -> str:
        """The next line starting with `prefix`; AssertionError if none comes in time."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError("host printed no {!r} line; it printed {}".format(
                    prefix, self.seen)) from None
            self.seen.append(line)
            if line.startswith(prefix):
                return line

    def close(self) -> int:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
        try:
            return self.process.wait(30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            assert self.process.stdout is not None
            self.process.stdout.close()


def send(runtime: str, *arguments: str, cwd: Optional[str] = None
         ) -> "subprocess.CompletedProcess[str]":
    """`python -m reloader send ARGUMENTS` in its own process, without a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "reloader", "send"] + list(arguments), cwd=cwd or ROOT,
        env=environment(runtime), stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=120)
