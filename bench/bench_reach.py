"""Reload cost against the floor, on package layouts found in real projects.

Generates a 1,000-module package `app` in one of two layouts:

- "imports": every package's `__init__.py` imports its submodules (`from .
  import a, b, c`); modules use `import app.x.y` and `from app.x import y as
  z` and read `z.VALUE` at import time; some pairs import each other (cycles);
- "empty": the same modules, every `__init__.py` empty;

then edits one leaf module that many others depend on, and prints medians of:

1. `Watcher.check()` after the edit, against a fresh import of exactly the
   modules that must run again (those whose import-time code reads what
   changed: the plan's list), the two timed in turns, and against IPython's
   `ModuleReloader.check()` (`%autoreload 2`) when IPython is importable;
2. `reload("app")` with live update, against a fresh import of the package
   (the first two reloads of the package, which select anew, printed apart);
3. the first call of a session against a later one, each after an edit of
   the leaf: `reload(leaf)`, and `Watcher.check()` (a watcher made just
   before; making it, which takes the first look, is timed apart), each
   first call in a fresh process (`--first` processes) that imports the
   same modules and has not used reloader yet;
4. the first `plan()` of the session against a later one, after a watcher
   was made (which took the first look).

Each row runs in a small session (the package only) and with 10,000 other
modules loaded (`--large`). After each check and each first call the bench
verifies what the edit must change: the leaf's new value is seen by every
module that read it at import, through held references too.

    python3 bench/bench_reach.py [--layout imports|empty] [--large] [--loggers N]
                                 [--repeat N] [--first N]
"""

import argparse
import importlib
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import reloader  # noqa: E402

APP = "rbench_app"
FILLER = "rbench_filler"
WIDTH = 10  # subpackages per package, modules per leaf package: 10 x 10 x 10 = 1,000

LEAF = '''\
"""Generated module {name}."""
{imports}
VALUE = {value}
LIMIT = {limit}


class Thing:
    def __init__(self, value):
        self.value = value

    def total(self):
        return self.value + VALUE + {calls}


def helper(items):
    return [item for item in items if item > LIMIT]
'''


def module_names() -> List[str]:
    return ["{}.p{}.q{}.m{}".format(APP, a, b, c)
            for a in range(WIDTH) for b in range(WIDTH) for c in range(WIDTH)]


def write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    stamp = time.time() - 3600  # an hour old, as a project's files are
    os.utime(path, (stamp, stamp))


def generate(root: str, layout: str, value: int = 1) -> None:
    """Write the package; module k reads VALUE from one earlier module at import."""
    names = module_names()
    for index, name in enumerate(names):
        imports, reads, calls = [], [], []
        if index:
            # The second of a cycle's pair reads from before the pair.
            back = 2 if index % 50 == 2 else 1 + (index * 7) % min(index, 40)
            source = names[index - back]
            parent, _, last = source.rpartition(".")
            imports.append("from {} import {} as z".format(parent, last))
            reads.append("z.VALUE")
        if index > 2:
            other = names[(index * 13) % index]
            imports.append("import {}".format(other))
            calls.append("{}.VALUE".format(other))  # read at call time only
        if index % 50 == 1:  # a cycle: both use each other at call time only
            partner = names[index + 1]
            imports.append("import {}".format(partner))
            calls.append("{}.VALUE".format(partner))
        if index % 50 == 2:
            partner = names[index - 1]
            imports.append("import {}".format(partner))
            calls.append("{}.VALUE".format(partner))
        limit = " + ".join(reads) or "0"
        text = LEAF.format(name=name, imports="\n".join(imports), value=value, limit=limit,
                           calls=" + ".join(calls) or "0")
        write(os.path.join(root, *name.split(".")) + ".py", text)
    packages = sorted({n.rpartition(".")[0] for n in names}
                      | {n.rpartition(".")[0].rpartition(".")[0] for n in names} | {APP})
    for package in packages:
        children = sorted({n[len(package) + 1:].split(".")[0] for n in names
                           if n.startswith(package + ".")})
        text = "from . import {}\n".format(", ".join(children)) if layout == "imports" else ""
        write(os.path.join(root, *package.split("."), "__init__.py"), text)


def generate_filler(root: str, count: int) -> List[str]:
    names = []
    for index in range(count):
        package, module = index // 300, index % 300
        if module == 0:
            write(os.path.join(root, FILLER, "f{}".format(package), "__init__.py"), "")
        write(os.path.join(root, FILLER, "f{}".format(package), "m{}.py".format(module)),
              "VALUE = {}\n\ndef f():\n    return VALUE\n".format(index))
        names.append("{}.f{}.m{}".format(FILLER, package, module))
    write(os.path.join(root, FILLER, "__init__.py"), "")
    return names


def median_ms(action: Callable[[], object], repeat: int,
              before: Optional[Callable[[], object]] = None) -> float:
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def purge(names: List[str]) -> None:
    for name in names:
        module = sys.modules.pop(name, None)
        parent, _, child = name.rpartition(".")
        if module is not None and parent in sys.modules:
            sys.modules[parent].__dict__.pop(child, None)


def fresh_import(names: List[str]) -> None:
    for name in names:
        importlib.import_module(name)


def ipython_reloader() -> Optional[object]:
    try:
        from IPython.extensions.autoreload import ModuleReloader
    except ImportError:
        return None
    module_reloader = ModuleReloader()
    module_reloader.enabled = True
    module_reloader.check_all = True
    return module_reloader


def pick_leaf(wanted: int) -> str:
    """The module whose change reaches the number of readers closest to `wanted`."""
    names = module_names()
    readers: Dict[str, List[str]] = {}
    for name in names:
        source = getattr(sys.modules[name], "z", None)
        if source is not None:
            readers.setdefault(source.__name__, []).append(name)

    def reach(name: str) -> int:
        seen, stack = set(), [name]
        while stack:
            for reader in readers.get(stack.pop(), ()):
                if reader not in seen:
                    seen.add(reader)
                    stack.append(reader)
        return len(seen)

    counts = {name: reach(name) for name in names[::7]}
    return min(counts, key=lambda name: (abs(counts[name] - wanted), name))


def readers_of(leaf: str) -> Dict[str, Tuple[str, str]]:
    """Modules whose LIMIT was read from `leaf` at import: name -> (module, attribute)."""
    found = {}
    for name in module_names():
        module = sys.modules[name]
        source = getattr(module, "z", None)
        if getattr(source, "__name__", None) == leaf:
            found[name] = (name, "LIMIT")
    return found


def load(root: str, large: bool) -> List[str]:
    """Import the filler (with `large`) and the package, as a session would."""
    sys.path.insert(0, root)
    importlib.invalidate_caches()
    fresh_import(generate_filler_names(large))
    importlib.import_module(APP)
    fresh_import(module_names())
    return module_names()


def generate_filler_names(large: bool) -> List[str]:
    if not large:
        return []
    return ["{}.f{}.m{}".format(FILLER, index // 300, index % 300) for index in range(10000)]


class Editor:
    """Edits the leaf's VALUE; `check()` asserts every reader and held object sees it."""

    def __init__(self, root: str, leaf: str, start: int) -> None:
        self.leaf = leaf
        self.path = os.path.join(root, *leaf.split(".")) + ".py"
        with open(self.path) as handle:
            self.text = handle.read()
        self.versions = iter(range(start, start + 10**5))
        self.value = 0
        self.held = sys.modules[module_names()[501]].Thing(1)  # held across reloads

    def edit(self) -> None:
        self.value = next(self.versions)
        write(self.path, re.sub(r"(?m)^VALUE = \d+$", "VALUE = {}".format(self.value),
                                self.text))
        now = time.time() + 10 + self.value % 1000  # another signature each time
        os.utime(self.path, (now, now))

    def check(self) -> None:
        assert sys.modules[self.leaf].VALUE == self.value
        for name in readers_of(self.leaf):
            module = sys.modules[name]
            assert module.z is sys.modules[self.leaf], name
            assert module.LIMIT >= self.value, (name, module.LIMIT, self.value)
        assert self.held.total() == type(self.held)(1).total()


def first_call_child(root: str, leaf: str, large: bool, kind: str, repeat: int) -> None:
    """In a fresh process: the first reload()/check() after an edit, then later ones."""
    sys.dont_write_bytecode = False
    load(root, large)
    editor = Editor(root, leaf, 10**6 if kind == "reload" else 2 * 10**6)
    started = time.perf_counter()
    watcher = reloader.Watcher(os.path.join(root, APP), debounce=0) if kind == "check" else None
    made = time.perf_counter() - started

    def call() -> None:
        if watcher is None:
            report = reloader.reload(leaf)
        else:
            report = watcher.check()
        assert report is not None and report.ok, report

    times = []
    for _ in range(repeat + 1):
        editor.edit()
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
        editor.check()
    print("{} {} {}".format(times[0] * 1000, statistics.median(times[1:]) * 1000, made * 1000))


def first_calls(root: str, leaf: str, large: bool, kind: str, processes: int,
                repeat: int) -> Tuple[float, float, float]:
    """Medians over fresh processes of the first call, the later ones and making the watcher."""
    firsts, laters, makes = [], [], []
    for _ in range(processes):
        output = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--child", root, leaf, kind,
             "--repeat", str(repeat)] + (["--large"] if large else []),
            check=True, stdout=subprocess.PIPE, text=True).stdout
        first, later, made = map(float, output.split())
        firsts.append(first)
        laters.append(later)
        makes.append(made)
    return statistics.median(firsts), statistics.median(laters), statistics.median(makes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layout", choices=("imports", "empty"), default="imports")
    parser.add_argument("--large", action="store_true", help="10,000 other modules loaded")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--first", type=int, default=3,
                        help="fresh processes measuring the first call (0: skip)")
    parser.add_argument("--loggers", type=int, default=0,
                        help="loggers the session made (logging.getLogger), as a large program")
    parser.add_argument("--readers", type=int, default=23,
                        help="edit a module that about this many modules read at import")
    parser.add_argument("--child", nargs=3, metavar=("ROOT", "LEAF", "KIND"),
                        help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        root, leaf, kind = arguments.child
        first_call_child(root, leaf, arguments.large, kind, arguments.repeat)
        return
    root = tempfile.mkdtemp(prefix="reloader-bench-reach-")
    sys.dont_write_bytecode = False  # as a project with its __pycache__ folders
    try:
        generate(root, arguments.layout)
        if arguments.large:
            generate_filler(root, 10000)
        names = load(root, arguments.large)
        for index in range(arguments.loggers):
            logging.getLogger("rbench_log{}.m{}".format(index // 50, index))
        # Files and folders a project has were not all created a moment ago
        # (importing them made the folders' __pycache__ just now): a change
        # time this recent makes the scanner read a file's content (see
        # _changes), and a reload list a folder again.
        time.sleep(2.1)
        leaf = pick_leaf(arguments.readers)
        print("Python {}, layout {!r}, {} modules loaded, {} loggers".format(
            sys.version.split()[0], arguments.layout, len(sys.modules),
            len(logging.Logger.manager.loggerDict)))
        firsts = {}
        for kind in ("reload", "check") if arguments.first else ():
            firsts[kind] = first_calls(root, leaf, arguments.large, kind, arguments.first,
                                       arguments.repeat)
        editor = Editor(root, leaf, 2)
        watcher = reloader.Watcher(os.path.join(root, APP), debounce=0)
        watcher.check()  # the first look: edits made before the watcher
        started = time.perf_counter()
        first_plan = reloader.plan(leaf)
        first = (time.perf_counter() - started) * 1000
        later = median_ms(lambda: reloader.plan(leaf), arguments.repeat)
        rerun = first_plan.names
        print("  one-leaf edit of {}: {} modules run again, {} kept".format(
            leaf, len(rerun), len(first_plan.kept)))

        # Each check and the floor, those modules imported fresh (the edited
        # one compiled anew), take turns: the machine's load meets both alike.
        check_times, floor_times = [], []
        for _ in range(arguments.repeat):
            editor.edit()
            started = time.perf_counter()
            report = watcher.check()
            check_times.append(time.perf_counter() - started)
            assert report is not None and report.ok, report
            editor.check()
            editor.edit()
            purge(rerun)
            started = time.perf_counter()
            fresh_import(rerun)
            floor_times.append(time.perf_counter() - started)
            watcher.check()  # takes the edit and the fresh modules as they are
        floor = statistics.median(floor_times) * 1000
        check = statistics.median(check_times) * 1000
        print("  Watcher.check() after the edit   {:8.2f} ms".format(check))
        print("  fresh import of those {:4d}       {:8.2f} ms   ratio {:.2f}x".format(
            len(rerun), floor, check / floor))
        module_reloader = ipython_reloader()
        if module_reloader is not None:
            module_reloader.check()  # its first look records every file
            times = []
            for _ in range(arguments.repeat):
                editor.edit()
                started = time.perf_counter()
                module_reloader.check()  # type: ignore[attr-defined]
                times.append(time.perf_counter() - started)
            ipython = statistics.median(times) * 1000
            print("  IPython ModuleReloader.check()   {:8.2f} ms   reloader/IPython {:.2f}".format(
                ipython, check / ipython))
            watcher.check()  # take the files as IPython left them
        for kind, (first_call, later_call, made) in firsts.items():
            label = "reload(leaf)" if kind == "reload" else "Watcher.check()"
            print("  first {} of a session {:.2f} ms, later {:.2f} ms: {:.2f}x "
                  "(medians of {} processes){}".format(
                      label, first_call, later_call, first_call / later_call, arguments.first,
                      "; making the watcher {:.1f} ms".format(made) if kind == "check" else ""))
        print("  first plan() {:.2f} ms, later {:.2f} ms: {:.2f}x".format(
            first, later, first / later))
        # The first two reloads of the package are told apart: the first
        # selects anew, the second too (the first moved its modules in
        # sys.modules), the later ones reuse that selection.
        firsts = []
        for _ in range(2):
            started = time.perf_counter()
            reloader.reload(APP)
            firsts.append((time.perf_counter() - started) * 1000)
        whole = median_ms(lambda: reloader.reload(APP), arguments.repeat)
        everything = sorted(n for n in sys.modules if n == APP or n.startswith(APP + "."))
        fresh = median_ms(lambda: importlib.import_module(APP) and fresh_import(names),
                          arguments.repeat, before=lambda: purge(everything[::-1]))
        print("  reload({!r}) with live update {:8.2f} ms; fresh import {:.2f} ms: {:.2f}x "
              "(the first two: {:.1f} and {:.1f} ms)".format(
                  APP, whole, fresh, whole / fresh, firsts[0], firsts[1]))
    finally:
        if root in sys.path:
            sys.path.remove(root)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
