"""The live-update catalogue, run with reloader and with IPython's autoreload side by side.

Each case writes a small package, imports it, keeps old objects the way a
host would, edits the source, reloads, and checks what the old objects do.
The autoreload column uses IPython's `ModuleReloader` (what `%autoreload 2`
runs) when IPython is installed. Run: python3 bench/compare_update.py
"""

import importlib
import logging
import os
import shutil
import sys
import tempfile
import textwrap
import traceback
import uuid
from typing import Any, Callable, Dict, List, NamedTuple, Optional

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import reloader  # noqa: E402


class Case(NamedTuple):
    name: str
    before: Dict[str, str]  # module name in the package -> source
    after: Dict[str, str]
    keep: Callable[[Any], Dict[str, Any]]  # what the host holds, from a loader
    check: Callable[[Dict[str, Any], Any], bool]  # held objects, loader -> passed


def _same(kept: Dict[str, Any], mods: Any) -> bool:
    return True


CASES: List[Case] = [
    Case(
        "old function runs new code",
        {"a": "def f():\n    return 1\n"},
        {"a": "def f():\n    return 2\n"},
        lambda m: {"f": m("a").f},
        lambda k, m: k["f"]() == 2,
    ),
    Case(
        "callback stored in a list",
        {"a": "def on_click():\n    return 1\n"},
        {"a": "def on_click():\n    return 2\n"},
        lambda m: {"callbacks": [m("a").on_click]},
        lambda k, m: k["callbacks"][0]() == 2,
    ),
    Case(
        "old function sees new globals",
        {"a": "X = 1\ndef f():\n    return X\n"},
        {"a": "X = 2\ndef f():\n    return X\n"},
        lambda m: {"f": m("a").f},
        lambda k, m: k["f"]() == 2,
    ),
    Case(
        "bound method",
        {"a": "class A:\n    def f(self):\n        return 1\n"},
        {"a": "class A:\n    def f(self):\n        return 2\n"},
        lambda m: {"f": m("a").A().f},
        lambda k, m: k["f"]() == 2,
    ),
    Case(
        "decorated function (functools.wraps)",
        {"a": (
            "import functools\n"
            "def d(f):\n"
            "    @functools.wraps(f)\n"
            "    def w():\n"
            "        return f()\n"
            "    return w\n"
            "@d\n"
            "def g():\n"
            "    return 1\n"
        )},
        {"a": (
            "import functools\n"
            "def d(f):\n"
            "    @functools.wraps(f)\n"
            "    def w():\n"
            "        return f()\n"
            "    return w\n"
            "@d\n"
            "def g():\n"
            "    return 2\n"
        )},
        lambda m: {"g": m("a").g},
        lambda k, m: k["g"]() == 2,
    ),
    Case(
        "closure made by a decorator",
        {"a": (
            "def d(f):\n"
            "    def w():\n"
            "        return f()\n"
            "    return w\n"
            "@d\n"
            "def g():\n"
            "    return 1\n"
        )},
        {"a": (
            "def d(f):\n"
            "    def w():\n"
            "        return f()\n"
            "    return w\n"
            "@d\n"
            "def g():\n"
            "    return 2\n"
        )},
        lambda m: {"g": m("a").g},
        lambda k, m: k["g"]() == 2,
    ),
    Case(
        "classmethod, staticmethod, property",
        {"a": (
            "class A:\n"
            "    @classmethod\n"
            "    def c(cls):\n"
            "        return 1\n"
            "    @staticmethod\n"
            "    def s():\n"
            "        return 1\n"
            "    @property\n"
            "    def p(self):\n"
            "        return 1\n"
        )},
        {"a": (
            "class A:\n"
            "    @classmethod\n"
            "    def c(cls):\n"
            "        return 2\n"
            "    @staticmethod\n"
            "    def s():\n"
            "        return 2\n"
            "    @property\n"
            "    def p(self):\n"
            "        return 2\n"
        )},
        lambda m: {"c": m("a").A.c, "s": m("a").A.s, "i": m("a").A()},
        lambda k, m: (k["c"](), k["s"](), k["i"].p) == (2, 2, 2),
    ),
    Case(
        "nested class method",
        {"a": "class O:\n    class I:\n        def f(self):\n            return 1\n"},
        {"a": "class O:\n    class I:\n        def f(self):\n            return 2\n"},
        lambda m: {"i": m("a").O.I()},
        lambda k, m: k["i"].f() == 2 and isinstance(k["i"], m("a").O.I),
    ),
    Case(
        "isinstance(old instance, new class)",
        {"a": "class A:\n    pass\n"},
        {"a": "class A:\n    x = 2\n"},
        lambda m: {"i": m("a").A()},
        lambda k, m: isinstance(k["i"], m("a").A) and isinstance(m("a").A(), type(k["i"])),
    ),
    Case(
        "super() in an old instance",
        {"a": (
            "class B:\n"
            "    def f(self):\n"
            "        return 1\n"
            "class A(B):\n"
            "    def f(self):\n"
            "        return super().f()\n"
        )},
        {"a": (
            "class B:\n"
            "    def f(self):\n"
            "        return 2\n"
            "class A(B):\n"
            "    def f(self):\n"
            "        return super().f() + 0\n"
        )},
        lambda m: {"i": m("a").A()},
        lambda k, m: k["i"].f() == 2 and m("a").A().f() == 2,
    ),
    Case(
        "from a import Cls elsewhere is the one class",
        {"a": "class Cls:\n    pass\n", "b": "from .a import Cls\n"},
        {"a": "class Cls:\n    x = 2\n"},
        lambda m: {"i": m("a").Cls()},
        lambda k, m: m("b").Cls is m("a").Cls and isinstance(k["i"], m("b").Cls),
    ),
    Case(
        "dataclass",
        {"a": (
            "import dataclasses\n"
            "@dataclasses.dataclass\n"
            "class P:\n"
            "    x: int = 0\n"
            "    def f(self):\n"
            "        return 1\n"
        )},
        {"a": (
            "import dataclasses\n"
            "@dataclasses.dataclass\n"
            "class P:\n"
            "    x: int = 0\n"
            "    def f(self):\n"
            "        return 2\n"
        )},
        lambda m: {"p": m("a").P(1)},
        lambda k, m: k["p"].f() == 2 and m("a").P(1) == k["p"],
    ),
    Case(
        "frozen dataclass",
        {"a": (
            "import dataclasses\n"
            "@dataclasses.dataclass(frozen=True)\n"
            "class P:\n"
            "    x: int = 0\n"
            "    def f(self):\n"
            "        return 1\n"
        )},
        {"a": (
            "import dataclasses\n"
            "@dataclasses.dataclass(frozen=True)\n"
            "class P:\n"
            "    x: int = 0\n"
            "    def f(self):\n"
            "        return 2\n"
        )},
        lambda m: {"p": m("a").P(1)},
        lambda k, m: k["p"].f() == 2 and m("a").P(1) == k["p"],
    ),
    Case(
        "__slots__",
        {"a": "class S:\n    __slots__ = ('x',)\n    def f(self):\n        return 1\n"},
        {"a": "class S:\n    __slots__ = ('x',)\n    def f(self):\n        return 2\n"},
        lambda m: {"s": m("a").S()},
        lambda k, m: k["s"].f() == 2 and isinstance(k["s"], m("a").S),
    ),
    Case(
        "NamedTuple",
        {"a": (
            "import typing\n"
            "class N(typing.NamedTuple):\n"
            "    a: int\n"
            "    def f(self):\n"
            "        return 1\n"
        )},
        {"a": (
            "import typing\n"
            "class N(typing.NamedTuple):\n"
            "    a: int\n"
            "    def f(self):\n"
            "        return 2\n"
        )},
        lambda m: {"n": m("a").N(1)},
        lambda k, m: k["n"].f() == 2 and isinstance(k["n"], m("a").N),
    ),
    Case(
        "Enum: old member is the new member",
        {"a": (
            "import enum\n"
            "class C(enum.Enum):\n"
            "    RED = 1\n"
            "def is_red(c):\n"
            "    return c is C.RED\n"
        )},
        {"a": (
            "import enum\n"
            "class C(enum.Enum):\n"
            "    RED = 1\n"
            "    BLUE = 2\n"
            "def is_red(c):\n"
            "    return c is C.RED\n"
        )},
        lambda m: {"red": m("a").C.RED},
        lambda k, m: k["red"] is m("a").C.RED and m("a").is_red(k["red"]),
    ),
    Case(
        "ABC",
        {"a": (
            "import abc\n"
            "class S(abc.ABC):\n"
            "    @abc.abstractmethod\n"
            "    def area(self): ...\n"
            "    def f(self):\n"
            "        return 1\n"
            "class Q(S):\n"
            "    def area(self):\n"
            "        return 4\n"
        )},
        {"a": (
            "import abc\n"
            "class S(abc.ABC):\n"
            "    @abc.abstractmethod\n"
            "    def area(self): ...\n"
            "    def f(self):\n"
            "        return 2\n"
            "class Q(S):\n"
            "    def area(self):\n"
            "        return 4\n"
        )},
        lambda m: {"q": m("a").Q()},
        lambda k, m: k["q"].f() == 2 and isinstance(k["q"], m("a").S),
    ),
    Case(
        "metaclass: new method, one class",
        {"a": (
            "class M(type):\n"
            "    def tag(cls):\n"
            "        return 1\n"
            "class A(metaclass=M):\n"
            "    pass\n"
        )},
        {"a": (
            "class M(type):\n"
            "    def tag(cls):\n"
            "        return 2\n"
            "class A(metaclass=M):\n"
            "    pass\n"
        )},
        lambda m: {"A": m("a").A},
        lambda k, m: k["A"].tag() == 2 and k["A"] is m("a").A,
    ),
    Case(
        "__init_subclass__ in an importer",
        {"a": (
            "class B:\n"
            "    def __init_subclass__(cls):\n"
            "        cls.mark = 1\n"
        ), "b": (
            "from .a import B\n"
            "class C(B):\n"
            "    pass\n"
        )},
        {"a": "class B:\n    def __init_subclass__(cls):\n        cls.mark = 2\n"},
        lambda m: {"B": m("a").B},
        lambda k, m: m("b").C.mark == 2 and issubclass(m("b").C, k["B"]),
    ),
    Case(
        "importer sees the new constant",
        {"a": "LIMIT = 1\n", "b": "from .a import LIMIT\n"},
        {"a": "LIMIT = 2\n"},
        lambda m: {},
        lambda k, m: m("b").LIMIT == 2,
    ),
    Case(
        "console name bound with from-import",
        {"a": "def helper():\n    return 1\n"},
        {"a": "def helper():\n    return 2\n"},
        lambda m: {"ns": {"helper": m("a").helper}},
        lambda k, m: k["ns"]["helper"]() == 2,
    ),
    Case(
        "logging handler added at import: not doubled",
        {"a": (
            "import logging\n"
            "h = logging.NullHandler()\n"
            "logging.getLogger(__name__).addHandler(h)\n"
        )},
        {"a": (
            "import logging\n"
            "h = logging.NullHandler()\n"
            "logging.getLogger(__name__).addHandler(h)\n"
            "X = 2\n"
        )},
        lambda m: {"logger": logging.getLogger(m("a").__name__)},
        lambda k, m: len(k["logger"].handlers) == 1,
    ),
    Case(
        "failing edit leaves the old code running",
        {"a": "def f():\n    return 1\n"},
        {"a": "def f():\n    return 2\nraise RuntimeError('half-written edit')\n"},
        lambda m: {"f": m("a").f},
        lambda k, m: k["f"]() == 1 and m("a").f() == 1,
    ),
    Case(
        "closure whose free variables changed: reported",
        {"a": "def make():\n    a = 1\n    def f():\n        return a\n    return f\nf = make()\n"},
        {"a": "def make():\n    b = 2\n    def f():\n        return b\n    return f\nf = make()\n"},
        lambda m: {"f": m("a").f},
        lambda k, m: REPORTED.get("not_updated", False),
    ),
]

#: What the last reloader run reported (the autoreload column has no report).
REPORTED: Dict[str, bool] = {}


class Sandbox:
    def __init__(self, root: str) -> None:
        self.root = root
        self.pkg = "cmp_{}".format(uuid.uuid4().hex[:10])
        self.tick = 0

    def write(self, files: Dict[str, str]) -> None:
        folder = os.path.join(self.root, self.pkg)
        os.makedirs(folder, exist_ok=True)
        for name, source in {"__init__": "", **files}.items():
            if name == "__init__" and os.path.exists(os.path.join(folder, "__init__.py")):
                continue
            path = os.path.join(folder, name + ".py")
            with open(path, "w") as handle:
                handle.write(textwrap.dedent(source))
            self.tick += 10
            stamp = 1_700_000_000 + self.tick
            os.utime(path, (stamp, stamp))

    def mod(self, name: str) -> Any:
        return sys.modules["{}.{}".format(self.pkg, name)]


def run(case: Case, root: str, tool: str) -> str:
    box = Sandbox(root)
    box.write(case.before)
    importlib.invalidate_caches()
    for name in case.before:
        importlib.import_module("{}.{}".format(box.pkg, name))
    kept = case.keep(box.mod)
    autoreloader: Optional[Any] = None
    if tool == "autoreload":
        from IPython.extensions.autoreload import ModuleReloader

        autoreloader = ModuleReloader()
        autoreloader.enabled = True
        autoreloader.check_all = True
        autoreloader.check()  # records every module's time
    box.write(case.after)
    importlib.invalidate_caches()
    REPORTED.clear()
    try:
        if autoreloader is not None:
            stderr, sys.stderr = sys.stderr, open(os.devnull, "w")
            try:
                autoreloader.check()
            finally:
                sys.stderr.close()
                sys.stderr = stderr
        else:
            stop = reloader.rebind_namespace(kept["ns"]) if "ns" in kept else None
            try:
                report = reloader.reload(box.pkg)
                REPORTED["not_updated"] = bool(report.not_updated)
            except reloader.ReloadError:
                pass
            finally:
                if stop is not None:
                    stop()
        return "ok" if case.check(kept, box.mod) else "FAIL"
    except Exception:
        if os.environ.get("COMPARE_DEBUG"):
            traceback.print_exc()
        return "FAIL"
    finally:
        for name in [n for n in sys.modules if n == box.pkg or n.startswith(box.pkg + ".")]:
            del sys.modules[name]
        for name in list(case.before):
            logging.getLogger("{}.{}".format(box.pkg, name)).handlers.clear()


def main() -> None:
    try:
        import IPython

        ipython: Optional[str] = IPython.__version__
    except ImportError:
        ipython = None
    root = tempfile.mkdtemp(prefix="reloader-compare-")
    sys.path.insert(0, root)
    try:
        width = max(len(case.name) for case in CASES)
        print("Python {}, reloader {}, IPython {}".format(
            sys.version.split()[0], reloader.__version__, ipython or "not installed"))
        print("| {} | reloader | autoreload |".format("case".ljust(width)))
        print("|{}|----------|------------|".format("-" * (width + 2)))
        totals = {"reloader": 0, "autoreload": 0}
        for case in CASES:
            ours = run(case, root, "reloader")
            theirs = run(case, root, "autoreload") if ipython else "n/a"
            totals["reloader"] += ours == "ok"
            totals["autoreload"] += theirs == "ok"
            print("| {} | {:<8} | {:<10} |".format(case.name.ljust(width), ours, theirs))
        print("| {} | {:<8} | {:<10} |".format(
            "passed".ljust(width),
            "{}/{}".format(totals["reloader"], len(CASES)),
            "{}/{}".format(totals["autoreload"], len(CASES)) if ipython else "n/a",
        ))
    finally:
        sys.path.remove(root)
        shutil.rmtree(root, True)


if __name__ == "__main__":
    main()
