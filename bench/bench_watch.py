"""How long a Watcher.check() takes, against baselines measured in the same run.

Generates a 1,000-module package (chains of ten modules, each importing the
one before it) and 9,000 unrelated modules, then prints medians of:

1. check() when nothing changed, with ~1,300 and with ~10,300 modules loaded,
   told of changes by the operating system (inotify) and polling, against a
   recursive scandir + stat of the watched folder and against IPython's
   autoreload ModuleReloader.check() (as `%autoreload 2` runs it before
   every cell) when IPython is importable;
2. check() after a one-file edit of a module with two dependents, against
   importing that module and its dependents fresh, and against
   reload(package).

Times are this thread's CPU time (--wall: wall clock), with the garbage
collector off while they run, as timeit does. With IPython 9 side by side,
from the repository's root:

    python3 -m venv /tmp/bench-venv
    /tmp/bench-venv/bin/pip install ipython==9.18.1
    /tmp/bench-venv/bin/python bench/bench_watch.py [--repeat N] [--profile]
"""

import argparse
import cProfile
import gc
import importlib
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import reloader  # noqa: E402

APP, FILLER = "wbench_app", "wbench_filler"
CHAIN = 10  # modules per import chain
# This thread's CPU time by default: on a shared machine, wall time mostly
# measures the neighbours. --wall switches to time.perf_counter.
CLOCK: List[Callable[[], float]] = [time.thread_time]

MODULE = '''\
"""Generated module {index}."""
{imports}
import os

LIMIT = {index}


class Thing{index}:
    """A class with a few methods."""

    def __init__(self, value):
        self.value = value

    def double(self):
        return self.value * 2

    def describe(self):
        return "thing {{}} of {{}}".format(self.value, LIMIT)


def helper_{index}(items):
    total = 0
    for item in items:
        if item > LIMIT:
            total += item
    return total


def path_of(name):
    return os.path.join("root", name)
'''


def write(path: str, text: str, stamp: float) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    # An hour old, as a project's files are: recent files get their content read.
    os.utime(path, (stamp, stamp))


def generate(root: str) -> List[str]:
    """Write the app (1,000 modules) and filler (9,000 modules); return the app's names."""
    stamp = time.time() - 3600
    names = []
    write(os.path.join(root, APP, "__init__.py"), "", stamp)
    names.append(APP)
    for sub in range(9):  # 9 subpackages of 110 modules, plus the packages: 1,000
        package = "{}.sub{}".format(APP, sub)
        write(os.path.join(root, APP, "sub{}".format(sub), "__init__.py"), "", stamp)
        names.append(package)
        for index in range(110):
            imports = "" if index % CHAIN == 0 else "from . import m{}\n".format(index - 1)
            text = MODULE.format(index=index, imports=imports)
            write(os.path.join(root, APP, "sub{}".format(sub), "m{}.py".format(index)),
                  text, stamp)
            names.append("{}.m{}".format(package, index))
    write(os.path.join(root, FILLER, "__init__.py"), "", stamp)
    for sub in range(30):
        write(os.path.join(root, FILLER, "f{}".format(sub), "__init__.py"), "", stamp)
        for index in range(300):
            write(os.path.join(root, FILLER, "f{}".format(sub), "m{}.py".format(index)),
                  "VALUE = {}\n\ndef f():\n    return VALUE\n".format(index), stamp)
    return names


def median_ms(
    action: Callable[[], object], repeat: int, before: Optional[Callable[[], object]] = None
) -> float:
    return interleaved_ms({"action": action}, repeat, before)["action"]


def interleaved_ms(actions: Dict[str, Callable[[], object]], repeat: int,
                   before: Optional[Callable[[], object]] = None) -> Dict[str, float]:
    """Median milliseconds of each action, timed in turn within each round, so
    that a busy machine slows them alike.

    The garbage collector is off while they run, as timeit does: a full
    collection with 10,000 modules loaded takes longer than most of these
    actions, and would land on whichever one happens to allocate past the
    threshold.
    """
    times: Dict[str, List[float]] = {name: [] for name in actions}
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeat):
            for name, action in actions.items():
                if before is not None:
                    before()
                started = CLOCK[0]()
                action()
                times[name].append(CLOCK[0]() - started)
    finally:
        if enabled:
            gc.enable()
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def scandir_stat(folder: str) -> Dict[str, os.stat_result]:
    """The baseline of a polled check: a recursive scandir, each source file stat-ed and kept."""
    found = {}
    stack = [folder]
    while stack:
        with os.scandir(stack.pop()) as listing:
            for entry in listing:
                if entry.name.endswith(".py"):
                    found[entry.path] = entry.stat()
                elif entry.is_dir():
                    stack.append(entry.path)
    return found


def ipython_reloader() -> Optional[Any]:
    try:
        from IPython.extensions.autoreload import ModuleReloader
    except ImportError:
        return None
    module_reloader = ModuleReloader()
    module_reloader.enabled = True  # what %autoreload 2 sets
    module_reloader.check_all = True
    module_reloader.check()  # the first call records every module's mtime
    return module_reloader


def no_change_rows(folder: str, repeat: int) -> Dict[str, float]:
    """Medians of a check that finds nothing, both ways, against the baselines."""
    notified = reloader.Watcher(folder, notify=True, debounce=0, on_report=lambda r: None)
    polled = reloader.Watcher(folder, notify=False, debounce=0, on_report=lambda r: None)
    if notified.mode != "inotify":
        print("  (no notification here: {})".format(notified.fallback))
    notified.check()  # the first check also looks at every loaded module, once
    polled.check()
    for watcher in (notified, polled):
        if watcher.check() is not None:
            raise SystemExit("a check found a change where nothing changed")
    # Polling and its baseline take turns, so that a busy machine slows both alike.
    result = interleaved_ms({"polled": polled.check, "scandir": lambda: scandir_stat(folder)},
                            repeat)
    result["notified"] = median_ms(notified.check, repeat)
    ipython = ipython_reloader()
    if ipython is not None:
        result["ipython"] = median_ms(ipython.check, repeat)
    result["loaded"] = len(sys.modules)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--profile", action="store_true", help="profile check() after an edit")
    parser.add_argument("--wall", action="store_true",
                        help="time wall clock, not this thread's CPU time")
    arguments = parser.parse_args()
    repeat = arguments.repeat
    if arguments.wall:
        CLOCK[0] = time.perf_counter
    sys.dont_write_bytecode = False
    root = tempfile.mkdtemp(prefix="reloader-bench-")
    try:
        app_names = generate(root)
        sys.path.insert(0, root)
        for name in app_names:
            importlib.import_module(name)
        folder = os.path.join(root, APP)
        print("Python {}; IPython {}".format(
            sys.version.split()[0], _ipython_version() or "not importable"))
        print("app: {} modules, {} source files watched".format(
            len(app_names), len(scandir_stat(folder))))

        # 1. A check that finds nothing, before and after 9,000 unrelated modules load.
        small = no_change_rows(folder, repeat)
        for sub in range(30):
            for index in range(300):
                importlib.import_module("{}.f{}.m{}".format(FILLER, sub, index))
        large = no_change_rows(folder, repeat)
        print("\nno-change check, median of {} (ms of {}):".format(
            repeat, "wall clock" if arguments.wall else "CPU time"))
        print("  {:<34} {:>10.0f} {:>10.0f}".format("modules loaded", small["loaded"],
                                                   large["loaded"]))
        for key, title in (("notified", "Watcher.check(), inotify"),
                           ("polled", "Watcher.check(), polling"),
                           ("scandir", "scandir + stat of the folder"),
                           ("ipython", "IPython ModuleReloader.check()")):
            if key in large:
                print("  {:<34} {:>10.3f} {:>10.3f}".format(title, small[key], large[key]))
        print("  {:<34} {:>10.2f} {:>10.2f}  (target <= 1.2)".format(
            "polling / scandir + stat", small["polled"] / small["scandir"],
            large["polled"] / large["scandir"]))
        if "ipython" in large:
            for key, mode, target in (("notified", "inotify", "  (target <= 0.05 at 10,000)"),
                                      ("polled", "polling", "")):
                print("  {:<34} {:>10.4f} {:>10.4f}{}".format(
                    "{} / IPython".format(mode), small[key] / small["ipython"],
                    large[key] / large["ipython"], target))
        gc.collect()  # the polling watcher goes: one watcher sees the edits below

        # 2. A one-file edit of a module with two dependents (m7 <- m8 <- m9).
        watcher = reloader.Watcher(folder, debounce=0, on_report=lambda r: None)
        watcher.check()
        edited = os.path.join(root, APP, "sub4", "m57.py")
        chain = ["{}.sub4.m{}".format(APP, i) for i in (57, 58, 59)]
        with open(edited, encoding="utf-8") as handle:
            original = handle.read()
        counter = [0]

        def edit() -> None:
            counter[0] += 1
            with open(edited, "w", encoding="utf-8") as handle:
                handle.write(original.replace("LIMIT = 57", "LIMIT = {}".format(1000 + counter[0])))

        reports: List[reloader.Report] = []

        def check() -> None:
            report = watcher.check()
            assert report is not None and report.ok, report
            reports.append(report)

        edit_check = median_ms(check, repeat, before=edit)
        assert all(r.reloaded == tuple(chain) for r in reports), reports[-1].reloaded

        def purge() -> None:
            edit()
            package = sys.modules[APP + ".sub4"]
            for name in chain:
                del sys.modules[name]
                package.__dict__.pop(name.rpartition(".")[2], None)
            importlib.invalidate_caches()

        fresh = median_ms(lambda: importlib.import_module(chain[-1]), repeat, before=purge)
        watcher.check()  # takes the purge's last edit
        selection = median_ms(lambda: reloader.plan(chain[0]), repeat)
        whole = median_ms(lambda: reloader.reload(APP), max(3, repeat // 5))
        print("\none-file edit (3 modules: the edited one and 2 dependents), {} loaded, "
              "median (ms of {}):".format(len(sys.modules),
                                         "wall clock" if arguments.wall else "CPU time"))
        print("  Watcher.check(), {:<17} {:8.2f}".format(watcher.mode, edit_check))
        print("    of which plan() (select)     {:8.2f} (walks every loaded module)".format(
            selection))
        print("  import those 3 fresh           {:8.2f}".format(fresh))
        print("  reload('{}')           {:8.2f} ({} modules)".format(APP, whole, len(app_names)))
        print("  check / fresh import           {:8.2f}x".format(edit_check / fresh))
        print("  reload(package) / check        {:8.1f}x".format(whole / edit_check))

        if arguments.profile:
            profile = cProfile.Profile()
            for _ in range(5):
                edit()
                profile.enable()
                watcher.check()
                profile.disable()
            print()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    finally:
        shutil.rmtree(root, True)


def _ipython_version() -> Optional[str]:
    try:
        import IPython
    except ImportError:
        return None
    return str(IPython.__version__)


if __name__ == "__main__":
    main()
