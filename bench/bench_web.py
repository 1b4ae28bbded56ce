"""Save to first new answer: reloader against each framework's own restarting reloader.

For Flask (Werkzeug's reloader, `--debug`), FastAPI (`uvicorn --reload`) and
Django (`runserver`'s autoreloader), the app of tests/web/test_servers.py,
with a module that imports a realistic stack beside the framework, is served
twice in this script: once under `python -m reloader run` (default polling:
every 0.5 s, 0.1 s debounce), once with the framework's own reloader (its
defaults). One client asks back to back; each of EDITS version bumps is timed
from the save to the first answer with the new version. Printed per
framework: the median of each, their ratio, the requests that failed, the
process ids seen, and what a restart repeats: the time from starting the
server to its first answer, and the serving process's resident memory.

Needs the frameworks: run it with the test venv's Python, which
`python3 tests/check.py` makes (or any with flask, fastapi, uvicorn, django):

    .venv-check/web/bin/python bench/bench_web.py [EDITS [FRAMEWORK...]]
"""

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)

from tests.web import test_servers  # noqa: E402  (the apps, and their command lines)

EDITS = int(sys.argv[1]) if len(sys.argv) > 1 else 8
ONLY = sys.argv[2:]  # names of the frameworks to run (default: all)
TIMEOUT = 60.0
PAUSE = 2.0  # seconds between an edit being served and the next save

# What a real app imports beside its framework, so that a restart has work to redo.
STACK = """
import asyncio, csv, decimal, email.mime.multipart, email.mime.text, hashlib, http.cookies
import json, logging.handlers, sqlite3, ssl, uuid, xml.etree.ElementTree, zipfile
import concurrent.futures, difflib, statistics, unittest.mock
import jinja2, pydantic, click, anyio
"""

# The tests' command lines turn each framework's own reloader on (flask --debug,
# uvicorn --reload, runserver without --noreload): the same line serves both runs.
FRAMEWORKS = {
    "Flask": (test_servers.FlaskTest, "Werkzeug's reloader (flask run --debug)"),
    "FastAPI": (test_servers.FastAPITest, "uvicorn --reload"),
    "Django": (test_servers.DjangoTest, "runserver's autoreloader"),
}


class Server:
    """One app in a fresh folder, served by `command`; asked back to back by one client."""

    def __init__(self, case: Any, prefix: List[str]) -> None:
        self.case = case
        self.folder = tempfile.mkdtemp(prefix="reloader-bench-web-")
        case.folder = self.folder
        for relative, text in case.files().items():
            case.write(relative, text)
        case.write("stack.py", STACK)
        case.write("store.py", "import stack\n" + textwrap.dedent(test_servers.STORE))
        case.write(case.edited, case.source(1))
        port = test_servers.free_port()
        self.url = case.url(port, 1)
        env = dict(os.environ, PYTHONPATH=REPO, PYTHONDONTWRITEBYTECODE="1")
        self.log = open(os.path.join(self.folder, "server.log"), "wb")
        started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable] + prefix + case.command(port),
            cwd=self.folder, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self.latest: Dict[str, object] = {}
        self.failed = 0
        self.pids: set = set()
        self.stop = threading.Event()
        while not self.latest:
            self.ask(quiet=True)
            if time.monotonic() - started > TIMEOUT or self.process.poll() is not None:
                raise RuntimeError("the server did not start: " + self.output())
        self.startup = time.monotonic() - started
        self.failed = 0
        time.sleep(PAUSE)
        self.client = threading.Thread(target=self.run, daemon=True)
        self.client.start()

    def ask(self, quiet: bool = False) -> None:
        try:
            with urllib.request.urlopen(self.url, timeout=5) as response:
                answer = json.loads(response.read().decode("utf-8"))
        except Exception:  # refused, reset, cut short: a failed request
            self.failed += 1
            if quiet:
                time.sleep(0.05)
            return
        self.pids.add(answer["pid"])
        self.latest = answer

    def run(self) -> None:
        while not self.stop.is_set():
            self.ask(quiet=True)

    def edit(self, version: int) -> float:
        """Save version `version`; seconds until the first answer with it."""
        saved = time.monotonic()
        self.case.write(self.case.edited, self.case.source(version))
        while self.latest.get("version") != version:
            if time.monotonic() - saved > TIMEOUT:
                raise RuntimeError("version {} never served: {}".format(version, self.output()))
            time.sleep(0.002)
        return time.monotonic() - saved

    def memory(self) -> Optional[int]:
        """Resident memory of the process that answered last, in KiB (Linux only)."""
        try:
            with open("/proc/{}/status".format(self.latest["pid"])) as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def output(self) -> str:
        self.log.flush()
        with open(self.log.name, encoding="utf-8", errors="replace") as handle:
            lines = [line for line in handle if "GET /v" not in line]
        return "".join(lines)[-3000:]

    def close(self) -> None:
        self.stop.set()
        self.client.join(TIMEOUT)
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def measure(case: Any, prefix: List[str]) -> Tuple[List[float], Server]:
    server = Server(case, prefix)
    try:
        delays = []
        for version in range(2, EDITS + 2):
            delays.append(server.edit(version))
            # A restarted server's reloader takes its first look at the views a
            # moment after they are imported: an edit before that goes unseen.
            # The spread keeps saves from falling at one phase of the polling.
            time.sleep(PAUSE + (version * 0.618) % 1.0)
        server.memory_kib = server.memory()  # type: ignore[attr-defined]
    finally:
        server.close()
    return delays, server


def main() -> int:
    print("Python {} on {}, {} edits per server".format(
        platform.python_version(), platform.system(), EDITS))
    print("{:<8} {:<40} {:>10} {:>9} {:>11} {:>7} {:>5}".format(
        "app", "served by", "save->new", "startup", "memory", "failed", "pids"))
    for name, (cls, native) in FRAMEWORKS.items():
        if ONLY and name not in ONLY:
            continue
        case = cls("test_edits_under_load")
        results = {}
        for label, prefix in (("reloader", ["-m", "reloader", "run"]), (native, [])):
            delays, server = measure(case, prefix)
            results[label] = statistics.median(delays)
            memory = getattr(server, "memory_kib", None)
            print("{:<8} {:<40} {:>8.0f}ms {:>7.0f}ms {:>9} {:>7} {:>5}".format(
                name, label, statistics.median(delays) * 1000, server.startup * 1000,
                "{:.0f} MiB".format(memory / 1024) if memory else "?", server.failed,
                len(server.pids)))
        print("{:<8} {:<40} {:>9.2f}x".format(
            name, "ratio: own reloader / reloader", results[native] / results["reloader"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
