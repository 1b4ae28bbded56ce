"""Side by side: reloader, IPython's autoreload, importlib.reload and a purge-by-prefix.

Every scenario runs with every tool in a fresh interpreter (sys.executable).
Each run imports a small package `app` from a host namespace that is never
reloaded (like `__main__` or a notebook), edits a file five times, lets the
tool reload after each edit, and checks what the host sees. The table gives
"ok" or the first thing found wrong, and the median time of the reload call.

    python3 bench/compare.py
"""

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
REPEATS = 5
BIG = 10000

TOOLS = ("reloader", "autoreload", "importlib.reload", "purge")
SCENARIOS = (
    ("leaf", "one-leaf edit"),
    ("dependents", "edit with dependents"),
    ("held", "held callbacks and instances"),
    ("from_import", "`from x import y` names"),
    ("failing", "a failing edit"),
    ("unchanged", "nothing changed, 10,000 modules"),
)


def leaf_source(version: int, broken: bool = False) -> str:
    return "".join([
        "VERSION = {}\n".format(version),
        "undefined_name_{}\n".format(version) if broken else "",
        # Literals, not VERSION: an old function runs new code only if its
        # code was replaced, not merely because it reads a re-executed global.
        "def f():\n    return {}\n\n".format(version),
        "class Thing:\n    def method(self):\n        return {}\n".format(version),
    ])


PACKAGE = {
    "app/__init__.py": "",
    "app/leaf.py": leaf_source(1),
    "app/mid.py": (
        "from . import leaf\nfrom .leaf import f\n\nLEAF_AT_IMPORT = leaf.VERSION\n\n"
        "def g():\n    return f()\n"
    ),
    "app/user.py": "from app.leaf import f\n\ndef call():\n    return f()\n",
}


# --------------------------------------------------------------------------
# inside the fresh interpreter


class Tool:
    """One way to reload; `reload(edited)` runs after each edit."""

    def __init__(self, name: str, root: str) -> None:
        self.name = name
        self.root = root
        self.error: Optional[str] = None  # what the tool reported for a failure
        self.watcher: Any = None
        self.loaded: List[str] = []

    def prepare(self, watch: bool) -> Optional[str]:
        """After the first import and before any edit; returns why it cannot run."""
        if self.name == "reloader":
            import reloader

            if watch:
                watcher_type = getattr(reloader, "Watcher", None)
                if watcher_type is None:
                    return "n/a (Watcher missing)"
                # The program's own package, as a user would watch it; the
                # 10,000 other modules are loaded but not watched.
                self.watcher = watcher_type(os.path.join(self.root, "app"), debounce=0)
                self.watcher.check()
        elif self.name == "autoreload":
            try:
                from IPython.extensions.autoreload import ModuleReloader
            except ImportError:
                return "n/a (IPython missing)"
            # `%autoreload 2`: every module, checked before each cell.
            self.autoreload = ModuleReloader()
            self.autoreload.enabled = True
            self.autoreload.check_all = True
            self.autoreload.check()  # records the modification times
        elif watch:
            return "n/a (no change detection)"
        self.loaded = [n for n in sys.modules if n == "app" or n.startswith("app.")]
        return None

    def reload(self, edited: str) -> None:
        if self.name == "reloader":
            import reloader

            if self.watcher is not None:
                report = self.watcher.check()
                if report is not None and report.error is not None:
                    self.error = str(report.error)
                return
            try:
                reloader.reload(edited)
            except reloader.ReloadError as error:
                self.error = str(error)
        elif self.name == "autoreload":
            import contextlib
            import io

            stream = io.StringIO()
            with contextlib.redirect_stderr(stream):
                self.autoreload.check()
            if "failed" in stream.getvalue():
                self.error = stream.getvalue().splitlines()[0]
        elif self.name == "importlib.reload":
            import importlib

            try:
                importlib.reload(sys.modules[edited])
            except Exception as error:
                self.error = repr(error)
        else:
            import importlib

            # The common hand-made snippet: drop everything under the prefix,
            # then import again.
            for name in list(sys.modules):
                if name == "app" or name.startswith("app."):
                    del sys.modules[name]
            try:
                for name in self.loaded:
                    importlib.import_module(name)
            except Exception as error:
                self.error = repr(error)


def write(path: str, text: str, stamp: List[int]) -> None:
    with open(path, "w") as handle:
        handle.write(text)
    stamp[0] += 2  # a later whole second than any write before, without sleeping
    os.utime(path, ns=(stamp[0] * 10**9, stamp[0] * 10**9))


def run_one(scenario: str, tool_name: str, root: str) -> Dict[str, Any]:
    import importlib

    sys.path.insert(0, root)
    sys.path.insert(0, REPO)
    importlib.invalidate_caches()
    host: Dict[str, Any] = {}
    exec("import app.leaf, app.mid, app.user\nfrom app.leaf import f", host)
    if scenario == "unchanged":
        exec("import big", host)
        for number in range(BIG):
            importlib.import_module("big.m{:05d}".format(number))
    tool = Tool(tool_name, root)
    why = tool.prepare(watch=scenario == "unchanged")
    if why is not None:
        return {"result": why, "times": []}
    leaf_path = os.path.join(root, "app", "leaf.py")
    stamp = [int(os.stat(leaf_path).st_mtime) + 10]
    old_leaf = sys.modules["app.leaf"]
    held = (host["app"].leaf.f, host["app"].leaf.Thing())
    times: List[float] = []
    wrong: Optional[str] = None

    def expect(what: str, value: Any, wanted: Any) -> None:
        nonlocal wrong
        if wrong is None and value != wanted:
            wrong = "{}: {} is {!r}".format("stale" if value == 1 else "wrong", what, value)

    for version in range(2, 2 + REPEATS):
        if scenario == "failing":
            write(leaf_path, leaf_source(version, broken=True), stamp)
        elif scenario != "unchanged":
            write(leaf_path, leaf_source(version), stamp)
        tool.error = None
        started = time.perf_counter()
        try:
            tool.reload("app.leaf")
        except Exception as error:  # a tool that should have caught its own failure
            tool.error = repr(error)
        times.append(time.perf_counter() - started)
        app = host["app"]
        try:
            if scenario == "leaf":
                expect("app.leaf.f()", app.leaf.f(), version)
            elif scenario == "dependents":
                expect("app.mid.LEAF_AT_IMPORT", app.mid.LEAF_AT_IMPORT, version)
                expect("app.mid.g()", app.mid.g(), version)
            elif scenario == "held":
                expect("held callback()", held[0](), version)
                expect("held instance.method()", held[1].method(), version)
                expect("isinstance(held, app.leaf.Thing)",
                       isinstance(held[1], app.leaf.Thing), True)
            elif scenario == "from_import":
                expect("f() imported by name", host["f"](), version)
                expect("app.user.call()", app.user.call(), version)
            elif scenario == "failing":
                if wrong is None and tool.error is None:
                    wrong = "silent: no error reported"
                if wrong is None and sys.modules.get("app.leaf") is not old_leaf:
                    wrong = ("lost: app.leaf not in sys.modules" if "app.leaf" not in sys.modules
                             else "replaced: sys.modules['app.leaf'] is a new module")
                expect("app.leaf.VERSION", old_leaf.VERSION, 1)
                expect("app.leaf.f()", app.leaf.f(), 1)
                expect("app.mid.g()", app.mid.g(), 1)
            else:
                if wrong is None and sys.modules.get("app.leaf") is not old_leaf:
                    wrong = "reloaded although nothing changed"
                if wrong is None and tool.error is not None:
                    wrong = "error: " + tool.error
        except Exception as error:
            if wrong is None:
                wrong = "broken: {!r}".format(error)
    return {"result": wrong or "ok", "times": times}


# --------------------------------------------------------------------------
# the driver


def make_tree(root: str, big: bool) -> None:
    for relative, text in PACKAGE.items():
        path = os.path.join(root, *relative.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write(text)
    if big:
        folder = os.path.join(root, "big")
        os.makedirs(folder)
        open(os.path.join(folder, "__init__.py"), "w").close()
        for number in range(BIG):
            with open(os.path.join(folder, "m{:05d}.py".format(number)), "w") as handle:
                handle.write("X = {}\n".format(number))


def versions() -> Tuple[str, str]:
    ipython = subprocess.run(
        [sys.executable, "-c", "import IPython; print(IPython.__version__)"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    ).stdout.strip() or "not installed"
    return platform.python_version(), ipython


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--run":
        print(json.dumps(run_one(sys.argv[2], sys.argv[3], sys.argv[4])))
        return 0
    python, ipython = versions()
    print("compare: each cell is a fresh {} process; {} edits per run, median reload "
          "call time".format(os.path.basename(sys.executable), REPEATS))
    print("Python {}, IPython {}, {} ({} cores), {}".format(
        python, ipython, platform.machine(), os.cpu_count(), time.strftime("%Y-%m-%d")))
    print()
    rows: List[List[str]] = []
    started = time.perf_counter()
    big_root = tempfile.mkdtemp(prefix="reloader-compare-big-")
    try:
        make_tree(big_root, big=True)
        for scenario, title in SCENARIOS:
            row = [title]
            for tool in TOOLS:
                root = big_root
                if scenario != "unchanged":
                    root = tempfile.mkdtemp(prefix="reloader-compare-")
                    make_tree(root, big=False)
                try:
                    done = subprocess.run(
                        [sys.executable, os.path.abspath(__file__), "--run", scenario, tool, root],
                        capture_output=True, text=True, timeout=300,
                    )
                finally:
                    if root != big_root:
                        shutil.rmtree(root, True)
                if done.returncode != 0:
                    lines = done.stderr.strip().splitlines() or ["exit {}".format(done.returncode)]
                    row.append("crashed: " + lines[-1][:60])
                    continue
                outcome = json.loads(done.stdout.strip().splitlines()[-1])
                cell = outcome["result"]
                if outcome["times"]:
                    cell += ", {:.2f} ms".format(statistics.median(outcome["times"]) * 1000)
                row.append(cell)
            rows.append(row)
    finally:
        shutil.rmtree(big_root, True)
    header = ["scenario"] + list(TOOLS)
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    print("total {:.0f} s".format(time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
