"""What following calls at import costs when a widely used helper module changes.

Generates a package `ub` of N modules (default 500). Each imports the helper
module `ub.utils` and two earlier modules, and uses them only inside its
functions, as most modules use a project's helpers: an edit of the helper's
constant makes nothing else run again, but reloader must look at every
module whose functions call it, and at their importers, to know that no
import-time code calls them. With `--callers K`, K of the modules (spread
over the package) also call a function at import, so some must run again.

Prints medians of `Watcher.check()` after each edit of the helper against a
fresh import of the modules that must run again (the plan's list), and how
many modules the plan runs again and leaves loaded. After each check it
verifies that every module sees the new constant through its functions, and
that the import-time callers hold values made from it.

    python3 bench/bench_calls.py [--modules N] [--callers K] [--repeat R]
"""

import argparse
import importlib
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from typing import List

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import reloader  # noqa: E402

PACKAGE = "ub"
UTILS = "FACTOR = {factor}\n\n\ndef scale(x):\n    return x * FACTOR\n"


def write(path: str, text: str, age: float = 3600) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    stamp = time.time() - age  # older than the scanner's two-second caution
    os.utime(path, (stamp, stamp))


def generate(root: str, count: int, callers: List[int]) -> None:
    folder = os.path.join(root, PACKAGE)
    os.makedirs(folder)
    write(os.path.join(folder, "__init__.py"), "")
    write(os.path.join(folder, "utils.py"), UTILS.format(factor=1))
    chooser = random.Random(1)
    for index in range(count):
        others = sorted(chooser.sample(range(index), min(index, 2)))
        lines = ["from {} import utils".format(PACKAGE)]
        lines += ["from {} import m{}".format(PACKAGE, other) for other in others]
        lines += ["", "", "def work(x):",
                  "    return utils.scale(x)" + "".join(" + m{}.work(1)".format(o) for o in others),
                  "", "", "class Thing:", "    def run(self):", "        return work(2)", ""]
        if index in callers:
            lines.append("MADE = work(1)  # made at import: runs again after each edit")
        write(os.path.join(folder, "m{}.py".format(index)), "\n".join(lines) + "\n")


def median_ms(times: List[float]) -> float:
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=500)
    parser.add_argument("--callers", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=9)
    arguments = parser.parse_args()
    count = arguments.modules
    callers = [i * count // arguments.callers for i in range(arguments.callers)] \
        if arguments.callers else []
    root = tempfile.mkdtemp(prefix="reloader-bench-calls-")
    sys.dont_write_bytecode = False
    try:
        generate(root, count, callers)
        sys.path.insert(0, root)
        importlib.invalidate_caches()
        names = ["{}.m{}".format(PACKAGE, index) for index in range(count)]
        for name in names:
            importlib.import_module(name)
        utils = os.path.join(root, PACKAGE, "utils.py")
        watcher = reloader.Watcher(os.path.join(root, PACKAGE), debounce=0)
        checks = []
        factor = 1
        for round_ in range(arguments.repeat + 1):
            factor += 1
            write(utils, UTILS.format(factor=factor), age=3600 - 10 * (round_ + 1))
            started = time.perf_counter()
            report = watcher.check()
            checks.append(time.perf_counter() - started)
            assert report is not None and report.ok, report
            last = sys.modules[names[-1]]
            assert last.Thing().run() > 0
            for index in callers:
                module = sys.modules[names[index]]
                assert module.MADE == module.work(1), names[index]
        plan = reloader.plan(PACKAGE + ".utils")
        rerun = plan.names

        def fresh() -> float:
            for name in reversed(rerun):
                sys.modules.pop(name, None)
            started = time.perf_counter()
            for name in rerun:
                importlib.import_module(name)
            return time.perf_counter() - started

        floors = [fresh() for _ in range(arguments.repeat)]
        watcher.check()
        print("Python {}, {} modules using {}.utils at call time, {} calling at import".format(
            sys.version.split()[0], count, PACKAGE, len(callers)))
        print("  plan: {} modules run again, {} left loaded".format(len(rerun), len(plan.kept)))
        print("  first Watcher.check() {:8.2f} ms".format(
            checks[0] * 1000))
        check, floor = median_ms(checks[1:]), median_ms(floors)
        print("  later Watcher.check() {:8.2f} ms; fresh import of those {}: {:.2f} ms; "
              "ratio {:.2f}x".format(check, len(rerun), floor, check / floor))
    finally:
        if root in sys.path:
            sys.path.remove(root)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
