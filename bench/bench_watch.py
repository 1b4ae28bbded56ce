"""How long a Watcher.check() takes, against baselines measured in the same run.

Generates two 1,000-module packages and 9,000 unrelated modules:

- "imports": the common layout. Each package's `__init__` imports its
  submodules; in each chain of ten modules, each does `import app.x.m1` and
  `from app.x import m1 as prev` and reads `prev.VALUE` at import time, and
  the fifth and sixth import each other (a cycle);
- "chains": empty `__init__` files; each module does `from . import m1`
  and reads nothing at import time.

Then, with ~2,300 and with ~11,300 modules loaded, it prints medians of:

1. check() when nothing changed, told of changes by the operating system
   (inotify) and polling, against a recursive scandir + stat of the watched
   folder and against IPython's autoreload ModuleReloader.check() (as
   `%autoreload 2` runs it before every cell) when IPython is importable;
2. check() after a one-leaf edit, against importing fresh the modules that
   must run again (those that read the edited value at import time), and
   IPython's check after the same edit, each with what it left stale;
3. reload(package) with live update, against importing the package fresh.

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

FILLER = "wbench_filler"
LAYOUTS = {"imports": "wbench_app", "chains": "wbench_chains"}  # layout -> top package
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


def generate(root: str) -> Dict[str, List[str]]:
    """Write both packages and the filler; return each package's module names."""
    stamp = time.time() - 3600
    names: Dict[str, List[str]] = {}
    for layout in LAYOUTS:
        top = LAYOUTS[layout]
        subs = ["sub{}".format(sub) for sub in range(9)]  # 9 x (110 modules + package) + 1
        names[layout] = [top]
        imports = "from . import {}\n".format(", ".join(subs)) if layout == "imports" else ""
        write(os.path.join(root, top, "__init__.py"), imports, stamp)
        for sub in subs:
            package = "{}.{}".format(top, sub)
            modules = ["m{}".format(index) for index in range(110)]
            imports = "from . import {}\n".format(", ".join(modules)) \
                if layout == "imports" else ""
            write(os.path.join(root, top, sub, "__init__.py"), imports, stamp)
            names[layout].append(package)
            for index in range(110):
                text = MODULE.format(index=index, imports=_imports(layout, package, index))
                write(os.path.join(root, top, sub, "m{}.py".format(index)), text, stamp)
                names[layout].append("{}.m{}".format(package, index))
    write(os.path.join(root, FILLER, "__init__.py"), "", stamp)
    for number in range(30):
        write(os.path.join(root, FILLER, "f{}".format(number), "__init__.py"), "", stamp)
        for index in range(300):
            write(os.path.join(root, FILLER, "f{}".format(number), "m{}.py".format(index)),
                  "VALUE = {}\n\ndef f():\n    return VALUE\n".format(index), stamp)
    return names


def _imports(layout: str, package: str, index: int) -> str:
    """The top of module `index` of `package`: its imports, and VALUE."""
    if layout == "chains":
        return "" if index % CHAIN == 0 else "from . import m{}\n".format(index - 1)
    if index % CHAIN == 0:
        return "VALUE = {}\n".format(index)
    lines = ["import {}.m{}".format(package, index - 1),
             "from {} import m{} as prev".format(package, index - 1),
             "VALUE = prev.VALUE + 1"]
    if index % CHAIN == 5:  # a cycle: the next module imports this one
        lines.append("import {}.m{}".format(package, index + 1))
    return "\n".join(lines) + "\n"


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


class Edit:
    """One-leaf edits of one layout's package: the leaf sub4.m50, whose VALUE
    (imports) or LIMIT (chains) changes, and the modules that must run again."""

    def __init__(self, root: str, layout: str) -> None:
        self.layout, self.top = layout, LAYOUTS[layout]
        self.path = os.path.join(root, self.top, "sub4", "m50.py")
        with open(self.path, encoding="utf-8") as handle:
            self.original = handle.read()
        package = "{}.sub4".format(self.top)
        # imports: the chain reads VALUE at import time; chains: m51 only binds m50.
        last = 59 if layout == "imports" else 50
        self.rerun = ["{}.m{}".format(package, index) for index in range(50, last + 1)]
        self.last = 0

    def edit(self) -> None:
        self.last += 1
        old, new = ("VALUE = 50", "VALUE = {}") if self.layout == "imports" else \
            ("LIMIT = 50", "LIMIT = {}")
        text = self.original.replace(old, new.format(1000 + self.last), 1)
        with open(self.path, "w", encoding="utf-8") as handle:
            handle.write(text)

    def stale(self) -> Optional[str]:
        """What the program still sees of the version before the last edit; None: nothing."""
        modules = sys.modules
        package = "{}.sub4".format(self.top)
        leaf = modules[package + ".m50"]
        if self.layout == "imports":
            end = modules[package + ".m59"]
            if end.VALUE != 1000 + self.last + 9:
                return "m59.VALUE is {}".format(end.VALUE)
        elif leaf.LIMIT != 1000 + self.last:
            return "m50.LIMIT is {}".format(leaf.LIMIT)
        if modules[package].m50 is not leaf:
            return "sub4.m50 is an old module"
        if getattr(modules[package + ".m51"], "m50" if self.layout == "chains" else "prev") \
                is not leaf:
            return "m51's m50 is an old module"
        return None

    def purge(self) -> None:
        """Forget the modules that must run again, for a fresh import."""
        self.edit()
        package = sys.modules["{}.sub4".format(self.top)]
        for name in self.rerun:
            del sys.modules[name]
            package.__dict__.pop(name.rpartition(".")[2], None)
        importlib.invalidate_caches()

    def import_fresh(self) -> None:
        for name in self.rerun:
            importlib.import_module(name)


def edit_rows(root: str, edit: Edit, names: List[str], repeat: int) -> Dict[str, Any]:
    """Medians of a one-leaf edit and of reload(package), with their baselines."""
    top = edit.top
    folder = os.path.join(root, top)
    watcher = reloader.Watcher(folder, debounce=0, on_report=lambda r: None)
    watcher.check()
    reports: List[reloader.Report] = []

    def check() -> None:
        report = watcher.check()
        assert report is not None and report.ok, report
        reports.append(report)

    row: Dict[str, Any] = {"mode": watcher.mode}
    row["check"] = median_ms(check, repeat, before=edit.edit)
    row["check_stale"] = edit.stale()
    row["reloaded"] = len(reports[-1].reloaded)
    row["fresh"] = median_ms(edit.import_fresh, repeat, before=edit.purge)
    row["rerun"] = len(edit.rerun)
    watcher.check()  # takes the last edit the fresh imports made
    ipython = ipython_reloader()
    if ipython is not None:
        row["ipython"] = median_ms(ipython.check, repeat, before=edit.edit)
        row["ipython_stale"] = edit.stale()
        watcher.check()  # IPython's edits are this watcher's, too

    whole: List[reloader.Report] = []
    row["reload"] = median_ms(lambda: whole.append(reloader.reload(top)), max(3, repeat // 5))
    assert all(report.ok for report in whole), whole[-1]
    row["modules"] = len(whole[-1].reloaded)

    def purge_all() -> None:
        for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
            del sys.modules[name]
        importlib.invalidate_caches()

    def import_all() -> None:
        for name in names:
            importlib.import_module(name)

    row["import"] = median_ms(import_all, max(3, repeat // 5), before=purge_all)
    watcher.check()
    return row


def print_edit_rows(rows: Dict[str, Dict[str, Any]], loaded: int) -> None:
    def line(title: str, value: float, text: str) -> None:
        print("  {:<44} {:>9.2f}  {}".format(title, value, text))

    for layout, row in rows.items():
        print("\n{} layout, {} modules loaded:".format(layout, loaded))
        line("one-leaf edit, Watcher.check(), {}".format(row["mode"]), row["check"],
             "{} reloaded, {}".format(row["reloaded"], _outcome(row["check_stale"])))
        line("the {} that must run again, fresh".format(_modules(row["rerun"])), row["fresh"],
             "check / fresh {:.2f}x (target <= 1.2)".format(row["check"] / row["fresh"]))
        if "ipython" in row:
            line("IPython ModuleReloader.check()", row["ipython"],
                 "{}; check / IPython {:.2f}x".format(_outcome(row["ipython_stale"]),
                                                     row["check"] / row["ipython"]))
        line("reload(package), live update", row["reload"], _modules(row["modules"]))
        line("the package imported fresh", row["import"],
             "reload / fresh {:.2f}x (target <= 1.3)".format(row["reload"] / row["import"]))


def _outcome(stale: Optional[str]) -> str:
    return "ok" if stale is None else "stale: " + stale


def _modules(count: int) -> str:
    return "{} module{}".format(count, "" if count == 1 else "s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--profile", action="store_true",
                        help="profile check() after an edit, imports layout, large session")
    parser.add_argument("--wall", action="store_true",
                        help="time wall clock, not this thread's CPU time")
    arguments = parser.parse_args()
    repeat = arguments.repeat
    if arguments.wall:
        CLOCK[0] = time.perf_counter
    sys.dont_write_bytecode = False
    root = tempfile.mkdtemp(prefix="reloader-bench-")
    try:
        names = generate(root)
        # A project's files were not all created a moment ago: a change time
        # this recent makes a polled scan read their content (see _changes).
        time.sleep(2.1)
        sys.path.insert(0, root)
        for layout in LAYOUTS:
            for name in names[layout]:
                importlib.import_module(name)
        folder = os.path.join(root, LAYOUTS["imports"])
        print("Python {}; IPython {}; times in ms of {}, medians of {}".format(
            sys.version.split()[0], _ipython_version() or "not importable",
            "wall clock" if arguments.wall else "CPU time", repeat))
        print("each package: {} modules, {} source files watched".format(
            len(names["imports"]), len(scandir_stat(folder))))

        # A small session, then one with 9,000 more modules loaded.
        edits = {layout: Edit(root, layout) for layout in LAYOUTS}
        small = no_change_rows(folder, repeat)
        small_edits = {layout: edit_rows(root, edits[layout], names[layout], repeat)
                       for layout in LAYOUTS}
        for sub in range(30):
            for index in range(300):
                importlib.import_module("{}.f{}.m{}".format(FILLER, sub, index))
        large = no_change_rows(folder, repeat)
        large_edits = {layout: edit_rows(root, edits[layout], names[layout], repeat)
                       for layout in LAYOUTS}

        print("\nno-change check:")
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
        print_edit_rows(small_edits, int(small["loaded"]))
        print_edit_rows(large_edits, int(large["loaded"]))

        if arguments.profile:
            edit = edits["imports"]
            watcher = reloader.Watcher(folder, debounce=0, on_report=lambda r: None)
            watcher.check()
            profile = cProfile.Profile()
            for _ in range(5):
                edit.edit()
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
