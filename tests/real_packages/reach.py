"""The reach phase: after an edit of one constant, the reloaded package equals a fresh import.

For a few module-level constants of the package (`NAME = 3`, `NAME = "text"`) that
another of its modules names, and a few literals inside functions that code run at
import calls (a module's body, a class body, a decorator or default value names the
function), edits the value, reloads its module (the importers follow, as reloader
finds them) and compares what every loaded module of the package holds as plain data
(numbers, text, and tuples, lists, sets and dicts of them) with what a fresh
interpreter holds after importing the same modules from the edited files. A
difference is a module that kept a value made from the old one: reloader did not
run it again when it had to. Names that differ with no edit at all (a loop variable
left over, a time) are left out; both interpreters run with the same hash seed. An
edit the package refuses (its reload raises ReloadError) must leave every module as
it was.

    python reach.py --fresh WORKDIR NAMES_JSON   (the fresh interpreter's side)
"""

import ast
import importlib
import json
import os
import re
import subprocess
import sys
import types
from typing import Any, Dict, List, NamedTuple, Optional, Set, Tuple

EDITS = 3  # constants edited per package
CALLED_EDITS = 2  # literals edited per package in functions called at import
PLAIN = (int, float, complex, str, bytes, bool, type(None))
Prints = Dict[str, Dict[str, str]]


def plain(value: Any, depth: int = 0) -> Optional[str]:
    """A text that stands for `value` when it is plain data, else None."""
    kind = type(value)
    if kind in PLAIN:
        return repr(value)
    if depth > 2 or kind not in (tuple, list, set, frozenset, dict) or len(value) > 300:
        return None
    if kind is dict:
        pairs = [(plain(k, depth + 1), plain(v, depth + 1)) for k, v in value.items()]
        if any(k is None or v is None for k, v in pairs):
            return None
        return "{" + ", ".join(sorted("{}: {}".format(k, v) for k, v in pairs)) + "}"
    items = [plain(item, depth + 1) for item in value]
    if None in items:
        return None
    if kind in (set, frozenset):
        items.sort()  # type: ignore[call-arg]
    return "{}({})".format(kind.__name__, ", ".join(items))  # type: ignore[arg-type]


def prints(names: List[str]) -> Prints:
    """Each loaded module's plain-data globals, by name."""
    found: Prints = {}
    for name in names:
        module = sys.modules.get(name)
        if module is None:
            continue
        found[name] = {key: text for key, text in (
            (key, plain(value)) for key, value in list(vars(module).items())
            if not key.startswith("__")) if text is not None}
    return found


def fresh(workdir: str, names: List[str]) -> Prints:
    """prints() of a new interpreter that imported `names` from `workdir`."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--fresh", workdir, json.dumps(names)],
        capture_output=True, text=True, env=env,
        timeout=300)
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        raise RuntimeError("the fresh import failed: " + done.stderr[-800:])
    return json.loads(lines[-1])  # type: ignore[no-any-return]


def differences(got: Prints, wanted: Prints) -> List[Tuple[str, str, str, str]]:
    """(module, name, value, fresh value) of every plain-data global that differs."""
    found = []
    for module, names in sorted(wanted.items()):
        have = got.get(module, {})
        for key in sorted(set(names) | set(have)):
            if have.get(key) != names.get(key):
                found.append((module, key, have.get(key, "missing"), names.get(key, "missing")))
    return found


class Constant(NamedTuple):
    """An int or str literal of a module's file: a top-level `NAME = <value>`, or one
    inside a function (`name` is then "function(): value")."""

    module: str
    path: str
    name: str
    start: int  # byte offsets of the value in the file
    end: int
    value: Any

    def edited(self, source: bytes) -> bytes:
        new = self.value + 1 if type(self.value) is int else self.value + "_edited"
        return source[:self.start] + repr(new).encode("utf-8") + source[self.end:]


Sources = Dict[str, Tuple[str, bytes, ast.Module, List[int]]]


def read_sources(names: List[str]) -> Sources:
    """Each module's file, source, tree and the byte offset of each line's start."""
    sources: Sources = {}
    for name in names:
        module = sys.modules.get(name)
        if not isinstance(module, types.ModuleType) or getattr(module, "__spec__", None) is None:
            continue  # a proxy (twisted.python), or made at run time (bottle.ext): never reloaded
        path = getattr(module, "__file__", None) or ""
        if path.endswith(".py"):
            try:  # a module its package made under another file's name has none
                with open(path, "rb") as handle:
                    source = handle.read()
                tree = ast.parse(source)
            except (OSError, SyntaxError, ValueError):
                continue
            starts = [0]
            for line in source.splitlines(True):
                starts.append(starts[-1] + len(line))
            sources[name] = (path, source, tree, starts)
    return sources


def literal(name: str, path: str, label: str, node: ast.Constant,
            starts: List[int]) -> Constant:
    return Constant(name, path, label, starts[node.lineno - 1] + node.col_offset,
                    starts[node.end_lineno - 1] + node.end_col_offset,  # type: ignore[operator]
                    node.value)


def candidates(sources: Sources) -> Tuple[List[Constant], List[Constant]]:
    """The modules' top-level constants: those another of them names, and the others."""
    named: List[Constant] = []
    alone: List[Constant] = []
    for name, (path, _, tree, starts) in sorted(sources.items()):
        for node in tree.body:
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                    and isinstance(node.value, ast.Constant)
                    and type(node.value.value) in (int, str)):
                continue
            constant = node.targets[0].id
            if constant.startswith("__"):
                continue
            word = re.compile(r"\b{}\b".format(re.escape(constant)).encode())
            read = any(word.search(other) for module, (_, other, _, _) in sources.items()
                       if module != name)
            (named if read else alone).append(literal(name, path, constant, node.value, starts))
    return named, alone


def called_at_import(tree: ast.AST) -> Set[str]:
    """The names that calls in code run at import use (`f(...)`, `x.f(...)`)."""
    found: Set[str] = set()
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            pending.extend(node.decorator_list)  # the body runs when called
            pending.extend(node.args.defaults)
            pending.extend(d for d in node.args.kw_defaults if d is not None)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                found.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                found.add(node.func.attr)
        pending.extend(ast.iter_child_nodes(node))
    return found


def called_literals(sources: Sources) -> List[Constant]:
    """Int and str literals in the bodies of functions that code run at import calls.

    Docstrings, literals of f-strings and those of the function's own
    decorators and defaults are left out.
    """
    called: Set[str] = set()
    for _, _, tree, _ in sources.values():
        called |= called_at_import(tree)
    found: List[Constant] = []
    for name, (path, _, tree, starts) in sorted(sources.items()):
        for function in ast.walk(tree):
            if not (isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and function.name in called and not function.name.startswith("__")):
                continue
            skipped = set()
            first = function.body[0]
            if isinstance(first, ast.Expr):  # a docstring
                skipped.add(id(first.value))
            for inner in ast.walk(function):
                if isinstance(inner, ast.JoinedStr):
                    skipped.update(id(part) for part in ast.walk(inner))
            for statement in function.body:
                for node in ast.walk(statement):
                    if (isinstance(node, ast.Constant) and type(node.value) in (int, str)
                            and id(node) not in skipped and node.lineno == node.end_lineno):
                        found.append(literal(name, path, "{}(): {!r}".format(
                            function.name, node.value)[:80], node, starts))
    return found


def spread(edits: List[Constant], count: int) -> List[Constant]:
    """`count` of `edits`, spread over the package, the same ones every run."""
    if len(edits) <= count:
        return edits
    return [edits[i * len(edits) // count] for i in range(count)]


def check(workdir: str, prefixes: Tuple[str, ...]) -> Tuple[str, str]:
    """The phase: (status, detail) as the other phases give them."""
    import reloader

    names = sorted(n for n in sys.modules if any(n == p or n.startswith(p + ".")
                                                   for p in prefixes))
    noisy = {(module, key) for module, key, _, _ in differences(prints(names),
                                                                fresh(workdir, names))}
    sources = read_sources(names)
    named, alone = candidates(sources)
    chosen = spread(named or alone, EDITS)  # constants another module reads first
    chosen += spread(called_literals(sources), CALLED_EDITS)
    if not chosen:
        return "ok", "no module-level constant or literal in a function called at import"
    done, refused, problems = [], [], []
    for constant in chosen:
        with open(constant.path, "rb") as handle:
            source = handle.read()
        where = "{}.{}".format(constant.module, constant.name)
        before = dict(sys.modules)
        try:
            with open(constant.path, "wb") as handle:
                handle.write(constant.edited(source))
            try:
                reloader.reload(constant.module)
            except reloader.ReloadError as error:
                changed = [n for n, m in before.items() if sys.modules.get(n) is not m]
                if changed:
                    problems.append("{}: not restored after {}".format(where, error))
                refused.append("{} ({})".format(where, str(error)[:160]))
                continue
            done.append(where)
            stale = [d for d in differences(prints(names), fresh(workdir, names))
                     if d[:2] not in noisy]
            problems.extend(
                "after editing {}, {}.{} is {} where a fresh import has {}".format(
                    where, module, key, value[:60], wanted[:60])
                for module, key, value, wanted in stale[:5])
        finally:
            with open(constant.path, "wb") as handle:
                handle.write(source)
            try:
                reloader.reload(constant.module)
            except reloader.ReloadError:
                pass  # the package refuses its own reload: the first one was refused too
    detail = "edited {}".format(", ".join(done) or "nothing")
    if refused:
        detail += "; refused {}".format(", ".join(refused))
    if problems:
        return "FAIL", "; ".join(problems[:5]) + " (" + detail + ")"
    return ("ok" if done else "refused"), detail


def main(argv: List[str]) -> int:
    workdir, names = argv[2], json.loads(argv[3])
    sys.path.insert(0, workdir)
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:
            pass  # what the reloaded side could not import either: compared as missing
    print(json.dumps(prints(names)))
    return 0


if __name__ == "__main__" and sys.argv[1:2] == ["--fresh"]:
    sys.exit(main(sys.argv))
