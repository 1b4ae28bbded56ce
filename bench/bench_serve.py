"""What asking a running host for a reload over the listener adds to the reload itself.

Starts a host program in a subprocess (a main-thread loop, as a GUI host has,
with `reloader.serve()` on and a 20-module package loaded), then, for each
round, edits one module and asks for a reload:

1. with the client's `send()` from this process: the round trip (connect,
   sign, verify, hand over to the host's main thread, answer) minus the
   reload's own time as the host measured it;
2. with `python -m reloader send` in a new process, as an editor runs it: the
   whole call, reload and starting a Python interpreter included.

Prints medians.

    python3 bench/bench_serve.py [--repeat N]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from typing import List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from reloader import _wire  # noqa: E402
from reloader._cli_send import send  # noqa: E402

HOST = textwrap.dedent("""
    import queue, time
    import reloader, sbench
    jobs = queue.Queue()
    listener = reloader.serve("bench", schedule=lambda job, delay: jobs.put(job))
    print("ready", flush=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:  # bounded; the bench ends it sooner
        try:
            jobs.get(timeout=0.05)()
        except queue.Empty:
            pass
    """)


def write_package(folder: str) -> str:
    package = os.path.join(folder, "sbench")
    os.makedirs(package)
    with open(os.path.join(package, "__init__.py"), "w") as handle:
        handle.write("from . import {}\n".format(", ".join("m{:02d}".format(i) for i in range(20))))
    for index in range(20):
        with open(os.path.join(package, "m{:02d}.py".format(index)), "w") as handle:
            handle.write("VALUE = 0\n\ndef f(x):\n    return x + VALUE\n")
    return os.path.join(package, "m07.py")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    arguments = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="reloader-bench-serve-")
    runtime = os.path.join(folder, "run")
    edited = write_package(folder)
    env = dict(os.environ, RELOADER_RUNTIME_DIR=runtime,
               PYTHONPATH=os.pathsep.join([ROOT, folder]), PYTHONDONTWRITEBYTECODE="1")
    with open(os.path.join(folder, "host.py"), "w") as handle:
        handle.write(HOST)
    host = subprocess.Popen([sys.executable, os.path.join(folder, "host.py")], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert host.stdout is not None
        assert host.stdout.readline().strip() == "ready"
        (connection,) = _wire.connections(runtime)
        library: List[float] = []
        command: List[float] = []
        reloads: List[float] = []
        for round_ in range(arguments.repeat):
            with open(edited, "w") as handle:
                handle.write("VALUE = {}\n\ndef f(x):\n    return x + VALUE\n".format(round_))
            started = time.perf_counter()
            answer = send(connection, "reload", targets=["sbench.m07"])
            elapsed = time.perf_counter() - started
            assert answer["ok"], answer
            reloads.append(answer["seconds"])
            library.append(elapsed - answer["seconds"])
            if round_ % 4 == 0:  # a new interpreter each time: fewer rounds
                started = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-m", "reloader", "send", "-v", "sbench.m07"], env=env,
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                elapsed = time.perf_counter() - started
                assert done.returncode == 0, done.stdout
                command.append(elapsed)
        print("Python {}, {} rounds, reload of 1 module and its package importer".format(
            sys.version.split()[0], arguments.repeat))
        print("  reload itself (in the host):           {:7.2f} ms".format(
            statistics.median(reloads) * 1000))
        print("  round trip added, client library:      {:7.2f} ms".format(
            statistics.median(library) * 1000))
        print("  `python -m reloader send`, whole call: {:7.2f} ms (includes starting Python)"
              .format(statistics.median(command) * 1000))
    finally:
        if host.stdin is not None:
            host.stdin.close()
        host.terminate()
        host.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
