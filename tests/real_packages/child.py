"""Check one real package against reloader, inside the real-packages venv; print one JSON line.

    python child.py NAME WORKDIR

Copies the package's top-level modules from site-packages into WORKDIR (first on
sys.path, so edits never touch the venv), writes the case's user module there,
and runs the phases in order:

  noedit    reload the package three times with no edit
  edit      mark one function of the package (a line that counts its calls) and reload;
            the held objects and the user module must run the new code
  revert    undo the edit and reload; the mark must be gone
  user      reload the user module alone three times with no edit
  user-edit edit the user module (its model classes) and reload
  reach     edit a few constants of the package, one at a time: after each reload,
            every module holds what a fresh import of the edited files gives
            (see reach.py)

After each reload the smoke use (through the current user module) must give what it
gave first, and the held objects (functions, classes, instances, bound methods,
isinstance checks) too. A phase ends "ok"; "partial" when objects differ but the
report lists what it could not update; "refused" when the reload raised ReloadError
and everything is back (the same module objects, the smoke use working); else "FAIL".
"""

import ast
import importlib
import importlib.metadata
import json
import os
import shutil
import site
import sys
import traceback
from typing import Any, Callable, Dict, List, Tuple

import reach  # beside this file, on sys.path as the script's folder

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MARK = "__import__('sys').reloader_probe_hits.append({!r})"


def site_packages() -> str:
    return next(p for p in site.getsitepackages() if p.endswith("site-packages"))


def copy_package(names: Tuple[str, ...], workdir: str) -> None:
    source = site_packages()
    for name in names:
        folder = os.path.join(source, name)
        if os.path.isdir(folder):
            shutil.copytree(folder, os.path.join(workdir, name),
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(folder + ".py", os.path.join(workdir, name + ".py"))


def module_file(dotted: str) -> str:
    module = importlib.import_module(dotted)
    path = getattr(module, "__file__", None)
    if not path or not path.endswith(".py"):
        raise RuntimeError("{} is not a pure-Python module ({})".format(dotted, path))
    return str(path)


def definitions(body: List[ast.stmt]) -> List[ast.stmt]:
    """The classes and functions a body defines, looking inside if/try/with blocks."""
    found: List[ast.stmt] = []
    for node in body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append(node)
        for field in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(node, field, None)
            if inner and not isinstance(node, (ast.ClassDef, ast.FunctionDef,
                                               ast.AsyncFunctionDef)):
                found.extend(definitions(inner))
    return found


def find_function(tree: ast.Module, qualname: str) -> Any:
    """The last definition of `qualname` (the real one after overloads and branches)."""
    node: Any = tree
    for part in qualname.split("."):
        named = [d for d in definitions(node.body) if getattr(d, "name", None) == part]
        if not named:
            raise RuntimeError("no definition of {!r} in the source".format(qualname))
        node = max(named, key=lambda d: d.lineno)
    return node


def mark_function(target: str) -> Tuple[str, str]:
    """Add a line recording calls at the top of `module:qualname`; return (path, old text)."""
    dotted, qualname = target.split(":")
    path = module_file(dotted)
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    node = find_function(ast.parse(text), qualname)
    body = node.body
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
            and isinstance(first.value.value, str) and len(body) > 1:
        first = body[1]
    if first.lineno == node.lineno:
        raise RuntimeError("{} has its body on the def line".format(target))
    decorators = getattr(first, "decorator_list", [])
    line = min([first.lineno] + [d.lineno for d in decorators])
    lines = text.splitlines(True)
    lines.insert(line - 1, " " * first.col_offset + MARK.format(target) + "\n")
    write(path, "".join(lines))
    return path, text


def write(path: str, text: str) -> None:
    """Write `text` and move the file's time forward, so no cached bytecode is used."""
    stat = os.stat(path) if os.path.exists(path) else None
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    stamp = (int(stat.st_mtime) if stat else 0) + 10
    os.utime(path, (max(stamp, int(os.stat(path).st_mtime) + 2),) * 2)


def tail() -> str:
    """The end of the traceback being handled: the innermost frames and the error."""
    text = traceback.format_exc()
    return text if len(text) < 1500 else "..." + text[-1500:]


class Checker:
    """Runs the phases for one case and keeps their outcomes ("status: detail")."""

    def __init__(self, case: Dict[str, Any], workdir: str) -> None:
        self.case = case
        self.workdir = workdir
        self.user = "probe_user_" + case["name"].replace("-", "_")
        self.targets = tuple(case["copy"])
        self.phases: Dict[str, str] = {}

    # the user's view -------------------------------------------------------------

    def user_module(self) -> Any:
        return sys.modules[self.user]

    def smoke(self) -> Any:
        return self.user_module().smoke()

    def start(self) -> None:
        write(os.path.join(self.workdir, self.user + ".py"), self.case["user"])
        sys.path.insert(0, self.workdir)
        module = importlib.import_module(self.user)
        # Reload what the package's import loaded (toolz's tlz is imported on demand).
        self.targets = tuple(name for name in self.targets if name in sys.modules)
        for name in self.targets:
            target = sys.modules[name]  # a namespace package (ruamel) has only __path__
            path = os.path.realpath(getattr(target, "__file__", None) or next(
                iter(getattr(target, "__path__", None) or ()), ""))
            if os.path.commonpath([path, os.path.realpath(self.workdir)]) \
                    != os.path.realpath(self.workdir):
                raise RuntimeError("{} was imported from {}, not from the copy".format(name, path))
        self.first_smoke = module.smoke()
        self.held = module.hold()
        self.use: Callable[[Dict[str, Any]], Any] = module.use
        self.old_smoke: Callable[[], Any] = module.smoke
        self.first_use = self.use(self.held)

    # one reload ---------------------------------------------------------------

    def reload_once(self, targets: Tuple[str, ...]) -> Tuple[str, str]:
        """Reload and check; return (status, detail)."""
        import reloader

        before = dict(sys.modules)
        try:
            report = self.report = reloader.reload(*targets)
        except reloader.ReloadError as error:
            return self.check_restored(error, before)
        problems = []
        smoke = self.safely(self.smoke)
        if smoke != self.first_smoke:
            problems.append("smoke use gives {!r}, first {!r}".format(smoke, self.first_smoke))
        for label, use in (("held objects", self.use), ("new user code on held objects",
                                                       self.user_module().use)):
            got = self.safely(lambda use=use: use(self.held))  # type: ignore[misc]
            if got != self.first_use:
                problems.append("{} give {!r}, first {!r}".format(label, got, self.first_use))
        if not problems:
            return "ok", ""
        if report.not_updated and smoke == self.first_smoke and "raised" not in repr(problems):
            listed = "; ".join("{} ({})".format(k, v) for k, v in
                               list(report.not_updated.items())[:3])
            # Later reloads are held to what the old objects give now.
            self.first_use = self.use(self.held)
            return "partial", "not updated: " + listed + "; " + problems[0]
        return "FAIL", "; ".join(problems) + " (report: {}{})".format(
            report, "".join("; warning: " + w for w in report.warnings))

    @staticmethod
    def safely(call: Callable[[], Any]) -> Any:
        try:
            return call()
        except Exception:
            kind, error, trace = sys.exc_info()
            frames = traceback.extract_tb(trace)
            where = " at {}:{}".format(frames[-1].filename, frames[-1].lineno) if frames else ""
            return "raised {}: {}{}".format(getattr(kind, "__name__", kind), error, where)

    def check_restored(self, error: Any, before: Dict[str, Any]) -> Tuple[str, str]:
        problems = []
        changed = [name for name, module in before.items() if sys.modules.get(name) is not module]
        added = [name for name in sys.modules if name not in before and any(
            name == t or name.startswith(t + ".") for t in self.targets + (self.user,))]
        if changed:
            problems.append("not restored: " + ", ".join(changed[:5]))
        if added:
            problems.append("left new modules: " + ", ".join(added[:5]))
        if not error.report.rolled_back:
            problems.append("report says not rolled back")
        if self.safely(self.smoke) != self.first_smoke:
            problems.append("smoke use broken after restore: {!r}".format(
                self.safely(self.smoke)))
        if self.safely(lambda: self.use(self.held)) != self.first_use:
            problems.append("held objects broken after restore")
        message = str(error)
        if not message.strip():
            problems.append("ReloadError without a reason")
        if problems:
            return "FAIL", "; ".join(problems) + " (error: {})".format(message[:400])
        return "refused", message

    # phases -------------------------------------------------------------------

    def phase(self, name: str, run: Callable[[], Tuple[str, str]]) -> None:
        try:
            status, detail = run()
        except Exception:
            status, detail = "FAIL", tail()
        self.phases[name] = status + (": " + detail if detail else "")

    def repeated(self, targets: Tuple[str, ...]) -> Tuple[str, str]:
        outcome = ("ok", "")
        worse = ("ok", "partial", "refused", "FAIL").index
        for attempt in range(3):  # the worst outcome, at its first reload
            status, detail = self.reload_once(targets)
            if worse(status) > worse(outcome[0]):
                outcome = (status, "reload {}: {}".format(attempt + 1, detail))
            if status == "FAIL":
                break
        return outcome

    def hits(self) -> List[str]:
        hits = list(sys.reloader_probe_hits)  # type: ignore[attr-defined]
        del sys.reloader_probe_hits[:]  # type: ignore[attr-defined]
        return hits

    def edited(self) -> Tuple[str, str]:
        target = self.case["edit"]
        self.edit_path, self.edit_text = mark_function(target)
        status, detail = self.reload_once(self.targets)
        if status in ("refused", "FAIL"):
            return status, detail
        self.hits()
        missing = []
        for label, call in (("held objects", lambda: self.use(self.held)),
                            ("held user function", self.old_smoke),
                            ("user module", self.smoke)):
            self.safely(call)
            if not self.hits():
                missing.append(label)
        if not missing:
            return status, detail
        if "user module" not in missing and self.report.not_updated:
            return "partial", "the edit of {} is not visible through {}; not updated: {}".format(
                target, ", ".join(missing), list(self.report.not_updated)[:3])
        return "FAIL", "the edit of {} is not visible through {}".format(
            target, ", ".join(missing))

    def reverted(self) -> Tuple[str, str]:
        if not hasattr(self, "edit_path"):
            return "FAIL", "no edit to undo"
        write(self.edit_path, self.edit_text)
        status, detail = self.reload_once(self.targets)
        self.hits()
        self.safely(self.smoke)
        self.safely(lambda: self.use(self.held))
        if self.hits():
            return "FAIL", "the edit still runs after it was undone"
        return status, detail

    def user_edited(self) -> Tuple[str, str]:
        path = os.path.join(self.workdir, self.user + ".py")
        text = self.case["user"]
        for old, new in self.case["user_edit"]:
            if old not in text:
                raise RuntimeError("the user edit's text {!r} is not in the user module".format(old))
            text = text.replace(old, new)
        write(path, text)
        import reloader

        before = dict(sys.modules)
        try:
            report = reloader.reload(self.user)
        except reloader.ReloadError as error:
            return self.check_restored(error, before)
        module = self.user_module()
        got = self.safely(lambda: module.edited(self.held))
        if got == [True, True]:
            return "ok", ""
        if got == [False, True] and report.not_updated:
            return "partial", "the edit is not visible through held objects; not updated: {}" \
                .format(list(report.not_updated)[:3])
        return "FAIL", "edited() gave {!r} ([held objects, new module] see the edit)".format(got)

    def run(self) -> Dict[str, Any]:
        sys.reloader_probe_hits = []  # type: ignore[attr-defined]
        self.start()
        self.phase("noedit", lambda: self.repeated(self.targets))
        self.phase("edit", self.edited)
        self.phase("revert", self.reverted)
        self.phase("user", lambda: self.repeated((self.user,)))
        if self.case.get("user_edit"):
            self.phase("user-edit", self.user_edited)
        self.phase("reach", lambda: reach.check(self.workdir, self.targets))
        return self.phases


def main(argv: List[str]) -> int:
    name, workdir = argv[1], argv[2]
    sys.path.append(REPO)  # reloader itself, after the copies and site-packages
    sys.path.insert(0, HERE)
    from cases import CASES  # noqa: E402

    case = CASES[name]
    result: Dict[str, Any] = {"name": name, "version": "?", "phases": {}}
    try:
        result["version"] = importlib.metadata.version(case["dist"])
        copy_package(tuple(case["copy"]), workdir)
        result["phases"] = Checker(case, workdir).run()
    except Exception:
        result["phases"]["setup"] = "FAIL: " + tail()
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
