"""Whether a module's import-time code reads what another module's new code may change.

A module runs again after an edit only when its top-level code (module body,
class bodies, decorators, default values, evaluated annotations; not
function or lambda bodies) read a value from the changed module: a name
taken with `from changed import name`, `from changed import *`, or any use
of a name bound to the changed module (or a package on its way) at import
time. A module that only binds a module object (`import a.b.c`, `from .
import sub`, `import x as y`) and uses it inside functions keeps working
once that name is pointed at the new module. Reads source text given to it;
never imports, never looks at `sys.modules`.
"""

import ast
from typing import Callable, Dict, List, NamedTuple, Optional, Set, Tuple, Union


class FromImport(NamedTuple):
    """`from module import name as local` at import time, at `line`."""

    module: str
    name: str  # "*" for a star import
    local: str
    line: int


class TopLevel(NamedTuple):
    """What a module's import-time code imports and which of its names it reads."""

    from_imports: Tuple[FromImport, ...]
    binds: Tuple[Tuple[str, str, int], ...]  # (local name, module bound to it, line)
    used: Dict[str, int]  # names read by import-time code -> first line


def _absolute(module: Optional[str], level: int, name: str, is_package: bool) -> Optional[str]:
    if not level:
        return module
    package = name if is_package else name.rpartition(".")[0]
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    parts = parts[: len(parts) - (level - 1)]
    if module:
        parts.append(module)
    return ".".join(parts) or None


class _Walker(ast.NodeVisitor):
    """Visits what runs when the module does, skipping function and lambda bodies."""

    def __init__(self, name: str, is_package: bool) -> None:
        self.name, self.is_package = name, is_package
        self.from_imports: List[FromImport] = []
        self.binds: List[Tuple[str, str, int]] = []
        self.used: Dict[str, int] = {}
        self.lazy_annotations = False

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:  # `import a.b as c` binds c to a.b
                self.binds.append((alias.asname, alias.name, node.lineno))
            else:  # `import a.b` binds a
                self.binds.append((alias.name.split(".")[0], alias.name.split(".")[0],
                                   node.lineno))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = _absolute(node.module, node.level or 0, self.name, self.is_package)
        if module is None:
            return
        if node.module == "__future__":
            self.lazy_annotations |= any(a.name == "annotations" for a in node.names)
            return
        for alias in node.names:
            local = alias.asname or alias.name
            self.from_imports.append(FromImport(module, alias.name, local, node.lineno))

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.used.setdefault(node.id, node.lineno)

    def _signature(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda]) -> None:
        arguments = node.args
        for default in list(arguments.defaults) + [d for d in arguments.kw_defaults if d]:
            self.visit(default)
        if isinstance(node, ast.Lambda) or self.lazy_annotations:
            return
        every = list(getattr(arguments, "posonlyargs", [])) + arguments.args + \
            arguments.kwonlyargs + [a for a in (arguments.vararg, arguments.kwarg) if a]
        for argument in every:
            if argument.annotation is not None:
                self.visit(argument.annotation)
        if node.returns is not None:
            self.visit(node.returns)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self._signature(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._signature(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.target)
        if not self.lazy_annotations:
            self.visit(node.annotation)


def top_level(source: str, name: str, is_package: bool) -> Optional[TopLevel]:
    """What `source` (module `name`) does at import time; None when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    walker = _Walker(name, is_package)
    walker.visit(tree)
    return TopLevel(tuple(walker.from_imports), tuple(walker.binds), walker.used)


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def rerun_reason(
    code: TopLevel, changed: str, is_module: Callable[[str], bool]
) -> Optional[str]:
    """Why a module whose import-time code is `code` must run again when `changed` does.

    None when it only binds `changed` (or a package on its way) to names it
    reads at call time: pointing those names at the new module is enough.
    `is_module(name)` tells a loaded submodule from another attribute.
    """
    for entry in code.from_imports:
        if entry.name == "*":
            if entry.module == changed:
                return "imports * from {} (line {})".format(changed, entry.line)
            continue
        whole = entry.module + "." + entry.name
        if entry.module == changed and not is_module(whole):
            return "reads {} from {} at import (line {})".format(entry.name, changed, entry.line)
        if _within(changed, whole) and entry.local in code.used:
            return "uses {} at import (line {})".format(entry.local, code.used[entry.local])
    for local, module, _ in code.binds:
        if _within(changed, module) and local in code.used:
            return "uses {} at import (line {})".format(local, code.used[local])
    return None


def bound_names(code: TopLevel, changed: str) -> Set[str]:
    """The module's names that may hold the old `changed` module (or a package on its way)."""
    names = {local for local, module, _ in code.binds if _within(changed, module)}
    names.update(entry.local for entry in code.from_imports
                 if entry.name != "*" and _within(changed, entry.module + "." + entry.name))
    return names


def imports(code: TopLevel, changed: str) -> bool:
    """Whether import-time code imports `changed` at all (else only functions do)."""
    return any(_within(changed, entry.module + "." + entry.name) or entry.module == changed
               for entry in code.from_imports) or bool(bound_names(code, changed))
