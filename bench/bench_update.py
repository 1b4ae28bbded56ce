"""What the update pass adds to reloading a 1,000-module package.

Builds a package of 1,000 modules (each with a function, a class with
methods, a property and a classmethod, a dataclass, an enum, an instance,
and an import of the previous module), imports it, then reloads it
alternately with update=False and update=True, and prints the medians and
their ratio. The third argument adds that many unrelated objects to the
heap first, to show the update pass does not grow with them.

A third line adds to each reload the garbage collection run right after it:
with update=False the old modules are garbage in reference cycles, freed
only by the collector after the reload returns, while the update frees
much of what it replaces during the reload. That collection also walks
every live object, the same work after either reload; the fourth line
counts only what collecting each reload's own garbage adds to a collection
that finds none, run right after. The last two lines state the CPU figure
and the CPU figure with the reload's own garbage against the budget: live
update adds at most 20 % to a reload.
Run: python3 bench/bench_update.py [modules] [rounds] [extra objects]
"""

import gc
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import reloader  # noqa: E402

MODULE = '''\
import dataclasses
import enum
from . import {previous}

CONSTANT = {number}


def helper(value):
    return value + CONSTANT


class Thing:
    kind = "thing"

    def __init__(self, value=0):
        self.value = value

    def run(self):
        return helper(self.value)

    @property
    def doubled(self):
        return self.value * 2

    @classmethod
    def make(cls):
        return cls(CONSTANT)


@dataclasses.dataclass
class Point:
    x: int = 0
    y: int = 0


class Mode(enum.Enum):
    ON = 1
    OFF = 2


INSTANCE = Thing(CONSTANT)
'''


def build(root: str, name: str, count: int) -> None:
    package = os.path.join(root, name)
    os.makedirs(package)
    with open(os.path.join(package, "__init__.py"), "w") as handle:
        handle.write("")
    for number in range(count):
        source = MODULE.format(number=number, previous="m{:04d}".format(max(number - 1, 0)))
        if number == 0:
            source = source.replace("from . import m0000\n", "")
        with open(os.path.join(package, "m{:04d}.py".format(number)), "w") as handle:
            handle.write(source)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    extra = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    ballast = [{"unrelated": number} for number in range(extra)]
    root = tempfile.mkdtemp(prefix="reloader-bench-")
    name = "bench_update_pkg"
    try:
        build(root, name, count)
        sys.path.insert(0, root)
        __import__(name)
        for number in range(count):
            __import__("{}.m{:04d}".format(name, number))
        held = [sys.modules["{}.m{:04d}".format(name, n)].Thing(n) for n in range(count)]
        times = {False: [], True: []}
        cpu = {False: [], True: []}
        collected = {False: [], True: []}
        own = {False: [], True: []}  # CPU of the reload and of collecting its garbage alone
        reloader.reload(name, update=True)  # warm caches (bytecode, finders)
        gc.collect()
        for _ in range(rounds):
            for update in (False, True):
                started, used = time.perf_counter(), time.process_time()
                report = reloader.reload(name, update=update)
                times[update].append(time.perf_counter() - started)
                cpu[update].append(time.process_time() - used)
                gc.collect()
                collected[update].append(time.process_time() - used)
                before = time.process_time()
                gc.collect()  # finds nothing: the walk over every live object, alone
                own[update].append(collected[update][-1] - (time.process_time() - before))
                assert len(report.reloaded) == count + 1, report
        print("Python {}".format(sys.version.split()[0]))
        print("{} modules, {} rounds each, {} extra objects, medians (wall; CPU; CPU with "
              "the collection after; CPU with collecting the reload's own garbage):".format(
                  count + 1, rounds, len(ballast)))
        for label, series in (("wall", times), ("cpu", cpu), ("cpu+gc", collected),
                              ("cpu+own garbage", own)):
            plain = statistics.median(series[False])
            updating = statistics.median(series[True])
            line = ("  {:<15}  update=False {:8.1f} ms   update=True {:8.1f} ms   "
                    "update adds {:+6.1f} %")
            print(line.format(label, plain * 1000, updating * 1000, (updating / plain - 1) * 100))
        # What the update adds to the CPU time of a reload, and to everything the
        # reload costs the program once the collector freed what it left.
        for what, series in (("CPU time", cpu), ("CPU time with its own garbage", own)):
            plain, updating = statistics.median(series[False]), statistics.median(series[True])
            added = (updating / plain - 1) * 100
            print("live update adds {:+.1f} % {} ({:.0f} ms) to reloading {} modules on "
                  "Python {} ({} the budget of +20 %)".format(
                      added, what, (updating - plain) * 1000, count + 1,
                      sys.version.split()[0], "within" if added <= 20 else "over"))
        assert held[-1].run() == 2 * (count - 1)
    finally:
        shutil.rmtree(root, True)


if __name__ == "__main__":
    main()
