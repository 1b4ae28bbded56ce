"""Soak: many reload cycles of a 100-module package while a fake host holds live objects.

Each cycle edits one module (a new VERSION) and reloads the package. The host
keeps callbacks, instances and bound methods taken from the first version
for the whole run, and replaces a second set with fresh ones every cycle,
as a host re-registering its handlers would. Reported: resident memory and
gc-tracked objects at cycle 100 and at the last cycle and their growth, and
the median reload time of the first 50 cycles against the last 50.

    python3 bench/soak.py                # 1,000 cycles
    python3 bench/soak.py --cycles 200   # a quicker run
"""

import argparse
import gc
import importlib
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from typing import Any, Dict, List, Tuple

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import reloader  # noqa: E402

MODULES = 100
PACKAGE = "soak_pkg"


def module_source(number: int, version: int) -> str:
    imports = sorted({number - 1, number // 2} - {number}) if number else []
    lines = ["from . import m{:03d}\n".format(i) for i in imports if i >= 0]
    lines.append("VERSION = {}\n\n".format(version))
    lines.append("def callback():\n    return VERSION\n\n")
    lines.append("class Widget:\n    def __init__(self):\n        self.size = VERSION\n\n"
                 "    def draw(self):\n        return (VERSION, self.size)\n")
    return "".join(lines)


def resident_bytes() -> Tuple[int, str]:
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE"), "resident (statm)"
    except (OSError, ValueError, AttributeError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        scale = 1 if sys.platform == "darwin" else 1024
        return peak * scale, "peak resident (maxrss)"


def trim_heap() -> bool:
    """Give freed C heap back to the system (glibc only); False where unavailable.

    Resident memory also counts heap pages the C allocator keeps after
    Python freed the objects in them; trimming tells that apart from a leak.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        trim = libc.malloc_trim
    except (OSError, AttributeError, ImportError):
        return False
    trim(0)
    return True


def gc_objects() -> int:
    gc.collect()
    return len(gc.get_objects())


class Soak:
    def __init__(self, root: str) -> None:
        self.root = root
        self.folder = os.path.join(root, PACKAGE)
        self.stamp = 1700000000
        os.mkdir(self.folder)
        for number in range(MODULES):
            self.write(number, 0)
        with open(os.path.join(self.folder, "__init__.py"), "w") as handle:
            handle.write("".join("from . import m{:03d}\n".format(i) for i in range(MODULES)))
        sys.path.insert(0, root)
        importlib.invalidate_caches()
        importlib.import_module(PACKAGE)
        # Held for the whole run: the host never lets these go.
        self.kept: List[Any] = self.take()
        self.current: List[Any] = []

    def write(self, number: int, version: int) -> None:
        path = os.path.join(self.folder, "m{:03d}.py".format(number))
        with open(path, "w") as handle:
            handle.write(module_source(number, version))
        self.stamp += 2  # a later whole second than any write before, without sleeping
        os.utime(path, ns=(self.stamp * 10**9, self.stamp * 10**9))

    def take(self) -> List[Any]:
        held: List[Any] = []
        for number in range(0, MODULES, 10):
            module = sys.modules["{}.m{:03d}".format(PACKAGE, number)]
            widget = module.Widget()
            held.extend([module.callback, widget, widget.draw])
        return held

    def cycle(self, number: int) -> float:
        edited = number % MODULES
        self.write(edited, number)
        started = time.perf_counter()
        report = reloader.reload(PACKAGE)
        elapsed = time.perf_counter() - started
        if not report.ok or len(report.reloaded) != MODULES + 1:
            raise SystemExit("cycle {}: unexpected report: {}".format(number, report))
        module = sys.modules["{}.m{:03d}".format(PACKAGE, edited)]
        if module.callback() != number:
            raise SystemExit("cycle {}: stale code".format(number))
        self.current = self.take()  # the host re-registers; the previous set is dropped
        for thing in self.kept:
            thing() if callable(thing) and not isinstance(thing, type) else None
        return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=1000, help="reload cycles (default 1000)")
    arguments = parser.parse_args()
    cycles = max(arguments.cycles, 4)
    window = min(50, cycles // 4)
    checkpoint = min(100, cycles // 2)

    trim_heap()  # imports ctypes now, not between the two counts
    root = tempfile.mkdtemp(prefix="reloader-soak-")
    try:
        soak = Soak(root)
        times: List[float] = []
        marks: Dict[int, Tuple[int, int, int]] = {}
        label = ""
        for number in range(1, cycles + 1):
            times.append(soak.cycle(number))
            if number in (checkpoint, cycles):
                memory, label = resident_bytes()
                objects = gc_objects()
                trimmed = resident_bytes()[0] if trim_heap() else -1
                marks[number] = (memory, objects, trimmed)
    finally:
        shutil.rmtree(root, True)

    first = statistics.median(times[:window])
    last = statistics.median(times[-window:])
    (mem_a, obj_a, trim_a), (mem_b, obj_b, trim_b) = marks[checkpoint], marks[cycles]
    print("soak: {} reload cycles of a {}-module package (+ __init__), one module edited "
          "per cycle".format(cycles, MODULES))
    print("Python {} on {} ({} cores)".format(
        platform.python_version(), platform.machine(), os.cpu_count()))
    print()
    print("{:<28} {:>14} {:>14} {:>12}".format(
        "", "cycle {}".format(checkpoint), "cycle {}".format(cycles), "growth"))
    print("{:<28} {:>11.1f} MB {:>11.1f} MB {:>+9.1f} MB".format(
        label, mem_a / 2**20, mem_b / 2**20, (mem_b - mem_a) / 2**20))
    if trim_a >= 0:
        print("{:<28} {:>11.1f} MB {:>11.1f} MB {:>+9.1f} MB".format(
            "resident after malloc_trim", trim_a / 2**20, trim_b / 2**20,
            (trim_b - trim_a) / 2**20))
    print("{:<28} {:>14,} {:>14,} {:>+12,}".format(
        "gc-tracked objects", obj_a, obj_b, obj_b - obj_a))
    print()
    print("{:<28} {:>14} {:>14} {:>12}".format(
        "median reload", "cycles 1-{}".format(window),
        "cycles {}-{}".format(cycles - window + 1, cycles), "last/first"))
    print("{:<28} {:>11.1f} ms {:>11.1f} ms {:>12.2f}".format(
        "", first * 1000, last * 1000, last / first))
    return 0


if __name__ == "__main__":
    sys.exit(main())
