"""How long a whole-package reload and a plan take, against a baseline in the same run.

Generates, in a temporary folder, a package of 1,000 modules (subpackages,
pairs of modules importing each other, `from x import y`, imports inside
functions) and measures, as medians of several runs in this process:

a. `reloader.reload(package)` against importing the same package fresh
   (purged from sys.modules by hand, then imported), with warm .pyc files
   both ways. Target: a ratio of at most 1.3.
b. `reloader.plan()` of one module with 10,000 modules loaded (9,000 more
   small modules in another package): the first call and later calls.
   Target: under 50 ms.

Run: python3 bench/bench_core.py [--runs N]
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
from typing import Callable, List

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import reloader  # noqa: E402

SUBPACKAGES = 20
MODULES = 49  # per subpackage, plus its __init__: 20 * 50 = 1,000 modules


def module_source(sub: int, index: int) -> str:
    lines = ['"""Module {} of subpackage {}."""'.format(index, sub)]
    if index > 0 and index % 10 != 2:
        lines.append("from .m{0:02d} import f{0:02d}".format(index - 1))  # from x import y
    if index % 10 == 1:
        lines.append("from . import m{:02d}".format(index + 1))  # a cycle with the next one
    if index % 10 == 2:
        lines.append("from . import m{:02d}".format(index - 1))
    if sub > 0 and index % 5 == 0:
        lines.append("from ..s{:02d} import m{:02d} as other".format(sub - 1, index))
    lines.append("import os")
    lines.append("")
    lines.append("CONSTANT = {}".format(sub * 1000 + index))
    lines.append("")
    for number in range(4):
        lines.append("def f{:02d}(x=1):".format(index if number == 0 else 50 + number))
        lines.append("    total = x")
        lines.append("    for step in range({}):".format(number + 2))
        lines.append("        total += step * CONSTANT")
        lines.append("    return os.path.join(str(total), 'x')")
        lines.append("")
    if sub > 0 and index % 7 == 3:
        lines.append("def lazy():")
        lines.append("    from ..s{:02d}.m{:02d} import f{:02d}".format(sub - 1, 10, 10))
        lines.append("    return f10()")
        lines.append("")
    lines.append("class Thing{}:".format(index))
    lines.append('    """A class with a few methods."""')
    lines.append("")
    lines.append("    def __init__(self, value):")
    lines.append("        self.value = value")
    lines.append("")
    lines.append("    def double(self):")
    lines.append("        return self.value * 2")
    lines.append("")
    lines.append("    @property")
    lines.append("    def name(self):")
    lines.append("        return 'thing-%d' % self.value")
    return "\n".join(lines) + "\n"


def write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def generate_main(root: str, name: str) -> None:
    subs = ["s{:02d}".format(s) for s in range(SUBPACKAGES)]
    write(os.path.join(root, name, "__init__.py"), "from . import {}\n".format(", ".join(subs)))
    for sub in range(SUBPACKAGES):
        folder = os.path.join(root, name, subs[sub])
        modules = ["m{:02d}".format(i) for i in range(MODULES)]
        write(os.path.join(folder, "__init__.py"), "from . import {}\n".format(", ".join(modules)))
        for index in range(MODULES):
            write(os.path.join(folder, modules[index] + ".py"), module_source(sub, index))


def generate_extra(root: str, name: str, subpackages: int = 90, modules: int = 100) -> int:
    subs = ["x{:02d}".format(s) for s in range(subpackages)]
    write(os.path.join(root, name, "__init__.py"), "from . import {}\n".format(", ".join(subs)))
    count = 1
    for sub in subs:
        folder = os.path.join(root, name, sub)
        names = ["e{:03d}".format(i) for i in range(modules - 1)]
        write(os.path.join(folder, "__init__.py"), "from . import {}\n".format(", ".join(names)))
        count += 1
        for index, module in enumerate(names):
            text = "VALUE = {}\n\ndef get():\n    return VALUE\n".format(index)
            if index:
                text = "from .{} import get as previous\n".format(names[index - 1]) + text
            write(os.path.join(folder, module + ".py"), text)
            count += 1
    return count


def purge(name: str) -> None:
    for loaded in [n for n in sys.modules if n == name or n.startswith(name + ".")]:
        del sys.modules[loaded]


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def median_ms(samples: List[float]) -> str:
    return "{:.1f} ms".format(statistics.median(samples) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per measurement (default 7)")
    parser.add_argument(
        "--profile", action="store_true", help="print where reload and plan spend time"
    )
    arguments = parser.parse_args()
    runs = arguments.runs

    sys.dont_write_bytecode = False  # warm .pyc files for both sides
    root = tempfile.mkdtemp(prefix="reloader-bench-")
    sys.path.insert(0, root)
    try:
        main_name, extra_name = "benchpkg", "benchextra"
        generate_main(root, main_name)
        importlib.invalidate_caches()
        loaded_before = len(sys.modules)

        # Warm up: write every .pyc, and let reloader trust them.
        importlib.import_module(main_name)
        count = len(sys.modules) - loaded_before
        reloader.reload(main_name)
        reloader.reload(main_name)

        fresh: List[float] = []
        transactions: List[float] = []
        reloads: List[float] = []
        for _ in range(runs):
            purge(main_name)
            importlib.invalidate_caches()
            fresh.append(timed(lambda: importlib.import_module(main_name)))
            transactions.append(timed(lambda: reloader.reload(main_name, update=False)))
            reloads.append(timed(lambda: reloader.reload(main_name)))
        base = statistics.median(fresh)
        print("python {}".format(sys.version.split()[0]))
        print("a. package of {} modules, {} runs".format(count, runs))
        print("   fresh import                    {}".format(median_ms(fresh)))
        print("   reload(package, update=False)   {}  ratio {:.2f} (target <= 1.3)".format(
            median_ms(transactions), statistics.median(transactions) / base))
        print("   reload(package), live update    {}  ratio {:.2f}".format(
            median_ms(reloads), statistics.median(reloads) / base))
        if arguments.profile:
            profile = cProfile.Profile()
            profile.runcall(reloader.reload, main_name)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)

        extra = generate_extra(root, extra_name)
        importlib.invalidate_caches()
        importlib.import_module(extra_name)
        target = main_name + ".s10.m20"
        loaded = len(sys.modules)
        cold = timed(lambda: reloader.plan(target))
        warm = [timed(lambda: reloader.plan(target)) for _ in range(runs)]
        print("b. plan({!r}) with {} modules loaded ({} generated)".format(
            target, loaded, count + extra))
        print("   first call        {:.1f} ms".format(cold * 1000))
        print("   later calls       {} (target < 50 ms)".format(median_ms(warm)))
        if arguments.profile:
            profile = cProfile.Profile()
            profile.runcall(reloader.plan, target)
            pstats.Stats(profile).sort_stats("tottime").print_stats(15)
    finally:
        purge("benchpkg")
        purge("benchextra")
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
