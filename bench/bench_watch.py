"""How long a Watcher.check() takes, against baselines measured in the same run.

Generates a 1,000-module package (chains of ten modules, each importing the
one before it) and 9,000 unrelated modules, then prints medians of:

1. check() when nothing changed, with ~1,000 and with ~10,000 modules loaded,
   against IPython's autoreload ModuleReloader.check() (as `%autoreload 2`
   runs it before every cell) when IPython is importable;
2. check() after a one-file edit of a module with two dependents, against
   importing that module and its dependents fresh, and against
   reload(package).

    python3 bench/bench_watch.py [--repeat N] [--profile]
"""

import argparse
import cProfile
import importlib
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from typing import Callable, List, Optional

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import reloader  # noqa: E402

APP, FILLER = "wbench_app", "wbench_filler"
CHAIN = 10  # modules per import chain

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
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def ipython_reloader() -> Optional[object]:
    try:
        from IPython.extensions.autoreload import ModuleReloader
    except ImportError:
        return None
    module_reloader = ModuleReloader()
    module_reloader.enabled = True  # what %autoreload 2 sets
    module_reloader.check_all = True
    module_reloader.check()  # the first call records every module's mtime
    return module_reloader


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--profile", action="store_true", help="profile check() after an edit")
    arguments = parser.parse_args()
    repeat = arguments.repeat
    sys.dont_write_bytecode = False
    root = tempfile.mkdtemp(prefix="reloader-bench-")
    try:
        app_names = generate(root)
        sys.path.insert(0, root)
        for name in app_names:
            importlib.import_module(name)
        print("Python {}; IPython {}".format(
            sys.version.split()[0], _ipython_version() or "not importable"))
        print("app: {} modules; loaded now: {}".format(len(app_names), len(sys.modules)))

        # 1. A check that finds nothing, before and after 9,000 unrelated modules load.
        loaded_small = len(sys.modules)
        watcher = reloader.Watcher(os.path.join(root, APP), debounce=0, on_report=lambda r: None)
        small = median_ms(watcher.check, repeat)
        ipython = ipython_reloader()
        ipython_small = median_ms(ipython.check, repeat) if ipython else None  # type: ignore
        for sub in range(30):
            for index in range(300):
                importlib.import_module("{}.f{}.m{}".format(FILLER, sub, index))
        loaded = len(sys.modules)
        large = median_ms(watcher.check, repeat)
        ipython = ipython_reloader()
        ipython_large = median_ms(ipython.check, repeat) if ipython else None  # type: ignore
        print("\nno-change check, median of {}:".format(repeat))
        print("  Watcher.check()            {:8.2f} ms with {} modules loaded".format(
            small, loaded_small))
        print("  Watcher.check()            {:8.2f} ms with {} modules loaded".format(
            large, loaded))
        if ipython_small is not None and ipython_large is not None:
            print("  IPython ModuleReloader     {:8.2f} ms (fewer modules loaded)".format(
                ipython_small))
            print("  IPython ModuleReloader     {:8.2f} ms with {} modules loaded".format(
                ipython_large, loaded))
            print("  ratio watcher / IPython    {:8.3f}  (target <= 0.1)".format(
                large / ipython_large))
        print("  growth 1k -> 10k loaded    {:8.2f}x (target: flat)".format(large / small))

        # 2. A one-file edit of a module with two dependents (m7 <- m8 <- m9).
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
        selection = median_ms(lambda: reloader.plan(chain[0]), repeat)
        scan = median_ms(watcher._scanner.scan, repeat)
        whole = median_ms(lambda: reloader.reload(APP), max(3, repeat // 5))
        print("\none-file edit (3 modules: the edited one and 2 dependents), median:")
        print("  Watcher.check()            {:8.2f} ms".format(edit_check))
        print("    of which scanning files  {:8.2f} ms".format(scan))
        print("    of which plan() (select) {:8.2f} ms (walks every loaded module)".format(
            selection))
        print("  import those 3 fresh       {:8.2f} ms".format(fresh))
        print("  reload('{}')       {:8.2f} ms ({} modules)".format(APP, whole, len(app_names)))
        print("  check / fresh import       {:8.2f}x (target <= 1.5)".format(edit_check / fresh))
        print("  reload(package) / check    {:8.1f}x (target >= 10)".format(whole / edit_check))

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
