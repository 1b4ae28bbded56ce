"""From saving a file to the reload, end to end, under `python -m reloader run`.

Copies examples/hello (an HTTP server whose answers come from handlers.py)
into a temporary folder beside 1,000 source files the server never imports,
runs it under `python -m reloader run` in a subprocess with the command's
default settings, and saves handlers.py again and again: in place, or
through a temporary file renamed over it (as many editors save), at random
moments. For each save it times, from the moment the save returned:

- when the reload started: the arrival of the reloader's first line on
  stderr ("reloader: reloaded 1 module in 2 ms: handlers"), printed once the
  reload is done, less the reload's own time that line states; detection
  and debounce included;
- the new answer: the arrival of the line after which the server answers
  with the new text (it asks the server after each line).

It does this with notification (the default on Linux) and with `--poll`,
and prints medians, the slowest start, and reloads per save (more than one
when a save in place is seen half written: `--debounce 0`):

    python3 bench/bench_latency.py [--saves N] [--debounce SECONDS]
"""

import argparse
import http.client
import os
import queue
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import IO, Dict, List, Optional, Tuple

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(REPO, "examples", "hello")
RELOADED = re.compile(r"reloader: reloaded 1 module in (\d+) ms: handlers$")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(root: str) -> str:
    """The example and 1,000 unimported source files under `root`; return handlers.py."""
    folder = os.path.join(root, "hello")
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    for package in range(10):
        for index in range(100):
            path = os.path.join(folder, "lib", "p{}".format(package), "m{}.py".format(index))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write("VALUE = {}\n".format(index))
    return os.path.join(folder, "handlers.py")


def read_lines(stream: IO[str], lines: "queue.Queue[Tuple[float, str]]") -> None:
    """Put each line of `stream` in `lines` with the moment it arrived."""
    for line in stream:
        lines.put((time.perf_counter(), line.rstrip("\n")))


def answer(port: int) -> Optional[str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/")
        return connection.getresponse().read().decode("utf-8")
    except OSError:
        return None
    finally:
        connection.close()


def save(path: str, text: str, atomic: bool) -> None:
    if atomic:
        temporary = os.path.join(os.path.dirname(path), ".handlers.py.tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    else:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)


def measure(options: List[str], saves: int, seed: int) -> Dict[str, List[float]]:
    """Run the server under the reloader with `options`; time `saves` saves."""
    root = tempfile.mkdtemp(prefix="reloader-latency-")
    process: Optional[subprocess.Popen[str]] = None
    try:
        handlers = prepare(root)
        with open(handlers, encoding="utf-8") as handle:
            original = handle.read()
        port = free_port()
        env = dict(os.environ, PYTHONPATH=REPO, PYTHONDONTWRITEBYTECODE="1")
        process = subprocess.Popen(
            [sys.executable, "-m", "reloader", "run"] + options + ["hello/server.py", str(port)],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        assert process.stderr is not None
        lines: queue.Queue[Tuple[float, str]] = queue.Queue()
        threading.Thread(target=read_lines, args=(process.stderr, lines), daemon=True).start()
        deadline = time.monotonic() + 30
        while answer(port) is None:
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.05)
        time.sleep(0.3)  # let the watcher's first check happen
        rng = random.Random(seed)
        done: List[float] = []
        started: List[float] = []
        reload_ms: List[float] = []
        reloads = [0]
        for number in range(saves):
            greeting = "edit {}".format(number)
            text = original.replace('"Hello from the hello server"', repr(greeting))
            save(handlers, text, atomic=number % 2 == 1)
            saved = time.perf_counter()
            first = True
            while True:  # without debounce, a save in place can make two reloads
                arrived, line = lines.get(timeout=30)
                match = RELOADED.search(line)
                if match is None and "reloader:" not in line:
                    continue  # the server's own output: asked while half written
                if match is None:
                    raise SystemExit("unexpected line from the reloader: {!r}".format(line))
                took = int(match.group(1)) / 1000
                if first:
                    started.append(arrived - saved - took)
                    reload_ms.append(took)
                    first = False
                else:
                    reloads[0] += 1
                body = answer(port)
                if body == greeting + "\n":
                    break
                time.sleep(0.5 if lines.empty() else 0)  # another reload may be on its way
                if lines.empty():
                    raise SystemExit("the server answered {!r} after the reload of {!r}".format(
                        body, greeting))
            done.append(arrived - saved)
            reloads[0] += 1
            # The next save lands at a random moment of the watcher's cycle.
            time.sleep(rng.uniform(0.1, 0.6))
            while not lines.empty():  # late reloads of this save
                reloads[0] += RELOADED.search(lines.get()[1]) is not None
        return {"done": done, "started": started, "reload": reload_ms,
                "reloads": [reloads[0] / saves]}
    finally:
        if process is not None:
            process.kill()
            process.wait(30)
        shutil.rmtree(root, True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=21, help="saves per mode (default: 21)")
    parser.add_argument("--debounce", type=float, default=None,
                        help="pass --debounce to the command (default: the command's own)")
    arguments = parser.parse_args()
    extra = [] if arguments.debounce is None else ["--debounce", str(arguments.debounce)]
    print("Python {} on {}; {} saves per mode, half in place, half renamed over".format(
        sys.version.split()[0], sys.platform, arguments.saves))
    print("{:<34} {:>14} {:>14} {:>10} {:>14} {:>9}".format(
        "median, from the save returning", "reload starts", "new answer", "reload",
        "slowest start", "reloads"))
    for title, options in (("python -m reloader run", extra),
                           ("python -m reloader run --poll", ["--poll"] + extra)):
        times = measure(options, arguments.saves, seed=17)
        print("{:<34} {:>11.1f} ms {:>11.1f} ms {:>7.1f} ms {:>11.1f} ms {:>9.2f}".format(
            title, *(statistics.median(times[k]) * 1000 for k in ("started", "done", "reload")),
            max(times["started"]) * 1000, times["reloads"][0]))
    print("target: the reload starts within 50 ms of the save with notification")


if __name__ == "__main__":
    main()
