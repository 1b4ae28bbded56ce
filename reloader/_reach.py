"""Whether a module's import-time code reads what another module's new code may change.

A module runs again after an edit only when its top-level code (module body,
class bodies, decorators, default values, evaluated annotations) read a
value from the changed module: a name taken with `from changed import name`,
`from changed import *`, or any use of a name bound to the changed module
(or a package on its way) at import time. A function body is not
import-time code, unless the module's import-time code uses that function
(calls it, applies it as a decorator) or the class it belongs to (makes an
instance, subclasses it): then what the body reads counts as read at import.
A lambda's body never does.
A module that only binds a module object (`import a.b.c`, `from . import
sub`, `import x as y`) and uses it inside functions it does not use at
import keeps working once that name is pointed at the new module; its
functions that read the changed module (`behaviour_changes`) make its own
importers run again if they use those functions at import (`calls_reason`).
Reads source text given to it; never imports, never looks at `sys.modules`.
"""

import ast
from typing import (
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Set,
    Tuple,
    Union,
)

Chains = Dict[str, FrozenSet[Tuple[str, ...]]]


class FromImport(NamedTuple):
    """`from module import name as local` at import time, at `line`."""

    module: str
    name: str  # "*" for a star import
    local: str
    line: int


class BodyImport(NamedTuple):
    """An import in a function body: `import module` (name None), `from module import name`."""

    module: str
    name: Optional[str]
    line: int


class Reads(NamedTuple):
    """What some code reads: names, the attribute chains read from each, what it imports."""

    used: Dict[str, int]  # name -> line it counts from
    chains: Chains  # name -> attribute chains read from it: `a.b.c` is ("b", "c") of a
    imports: Tuple[BodyImport, ...]


class TopLevel(NamedTuple):
    """What a module's import-time code imports and which of its names it reads."""

    from_imports: Tuple[FromImport, ...]
    binds: Tuple[Tuple[str, str, int], ...]  # (local name, module bound to it, line)
    used: Dict[str, int]  # names read by import-time code -> first line
    chains: Chains  # attribute chains import-time code reads from each name
    through: Dict[str, str]  # name read only in a body run at import -> that function or class
    body_imports: Tuple[Tuple[BodyImport, str], ...]  # imports in bodies run at import, and whose
    # Whether import-time code reads any name an import bound (else it calls
    # into no other module), and the modules `from` imports take names from.
    reads_imports: bool
    from_modules: FrozenSet[str]


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


def _runs_as_main(test: ast.expr) -> bool:
    """Whether `test` is `__name__ == "__main__"` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    texts = [s for s in sides if getattr(s, "value", getattr(s, "s", None)) == "__main__"]
    return len(names) == 1 and len(texts) == 1


def _chain(node: ast.Attribute) -> Tuple[ast.expr, Tuple[str, ...]]:
    """What an attribute chain starts from, and its attribute names: `a.b.c` is a, (b, c)."""
    parts = []
    value: ast.expr = node
    while isinstance(value, ast.Attribute):
        parts.append(value.attr)
        value = value.value
    return value, tuple(reversed(parts))


class _Reader(ast.NodeVisitor):
    """Records the names the code it visits reads, and the attribute chains read from them."""

    def __init__(self) -> None:
        self.used: Dict[str, int] = {}
        self.chains: Dict[str, Set[Tuple[str, ...]]] = {}

    def _read(self, name: str, line: int, chain: Tuple[str, ...]) -> None:
        self.used.setdefault(name, line)
        chains = self.chains.get(name)
        if chains is None:
            chains = self.chains[name] = set()
        chains.add(chain)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._read(node.id, node.lineno, ())

    def visit_Attribute(self, node: ast.Attribute) -> None:
        root, chain = _chain(node)
        if isinstance(root, ast.Name):
            self._read(root.id, root.lineno, chain)
        else:
            self.visit(root)


class _BodyReader(_Reader):
    """Reads function bodies whole, imports inside them included."""

    def __init__(self, name: str, is_package: bool) -> None:
        super().__init__()
        self.name, self.is_package = name, is_package
        self.imports: List[BodyImport] = []

    def read(self, nodes: Iterable[ast.AST]) -> None:
        """What `nodes` and everything in them read and import (a loop: bodies are long)."""
        stack = list(nodes)
        record, children = self._read, ast.iter_child_nodes
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Load):
                    record(node.id, node.lineno, ())
            elif isinstance(node, ast.Attribute):
                root, chain = _chain(node)
                if isinstance(root, ast.Name):
                    record(root.id, root.lineno, chain)
                else:
                    stack.append(root)
            elif isinstance(node, ast.Import):
                self.imports.extend(BodyImport(alias.name, None, node.lineno)
                                    for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                self._import_from(node)
            else:
                stack.extend(children(node))

    def _import_from(self, node: ast.ImportFrom) -> None:
        module = _absolute(node.module, node.level or 0, self.name, self.is_package)
        if module is not None and node.module != "__future__":
            self.imports.extend(BodyImport(module, alias.name, node.lineno)
                                for alias in node.names)

    def reads(self) -> Reads:
        return Reads(self.used, {k: frozenset(v) for k, v in self.chains.items()},
                     tuple(self.imports))


Definition = Union[ast.FunctionDef, ast.AsyncFunctionDef]


class _Walker(_Reader):
    """Visits what runs when the module does; keeps function bodies aside, by owner.

    The owner of a function body is the top-level function or class it is
    written in: the class, for a method.
    """

    def __init__(self, name: str, is_package: bool) -> None:
        super().__init__()
        self.name, self.is_package = name, is_package
        self.from_imports: List[FromImport] = []
        self.binds: List[Tuple[str, str, int]] = []
        self.lazy_annotations = False
        self.bodies: Dict[str, List[Definition]] = {}
        self._owner: Optional[str] = None

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

    def _signature(self, node: Union[Definition, ast.Lambda]) -> None:
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
        self.bodies.setdefault(self._owner or node.name, []).append(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for child in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(child)
        outer = self._owner
        self._owner = outer or node.name
        self.bodies.setdefault(self._owner, [])
        for statement in node.body:
            self.visit(statement)
        self._owner = outer

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._signature(node)

    def visit_If(self, node: ast.If) -> None:
        if self.name != "__main__" and _runs_as_main(node.test):
            for statement in node.orelse:  # the block runs only as the program's script
                self.visit(statement)
        else:
            self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.target)
        if not self.lazy_annotations:
            self.visit(node.annotation)

    def read_body(self, owner: str) -> Tuple[Reads, FrozenSet[str]]:
        """What an owner's bodies read, and the other owners they use."""
        reader = _BodyReader(self.name, self.is_package)
        for definition in self.bodies.get(owner, ()):
            reader.read(definition.body)
        return reader.reads(), frozenset(reader.used).intersection(self.bodies)


def _reached(start: str, read: Callable[[str], Tuple[Reads, FrozenSet[str]]],
             seen: Set[str]) -> Iterator[Reads]:
    """What `start`'s bodies read, then those of each owner they use in turn, once each."""
    seen.add(start)
    pending = [start]
    while pending:
        reads, others = read(pending.pop())
        yield reads
        fresh = sorted(others - seen)
        seen.update(fresh)
        pending.extend(fresh)


# The last source parsed and its walker: what import-time code does and
# what the bodies read are often asked of one file in turn.
_last: List[Tuple[Tuple[str, str, bool], Optional["_Walker"]]] = []


def _parse(source: str, name: str, is_package: bool) -> Optional[_Walker]:
    key = (source, name, is_package)
    last = _last[:1]
    if last and last[0][0] == key:
        return last[0][1]
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        walker = None
    else:
        walker = _Walker(name, is_package)
        walker.visit(tree)
    _last[:] = [(key, walker)]
    return walker


def top_level(source: str, name: str, is_package: bool) -> Optional[TopLevel]:
    """What `source` (module `name`) does at import time; None when it does not parse.

    The bodies of the functions and classes that import-time code uses are
    read too, and the bodies of those they use in turn: what they read
    counts from the line import-time code used the first of them.
    """
    walker = _parse(source, name, is_package)
    if walker is None:
        return None
    used = dict(walker.used)
    chains = {k: set(v) for k, v in walker.chains.items()}
    through: Dict[str, str] = {}
    body_imports: List[Tuple[BodyImport, str]] = []
    seen: Set[str] = set()
    # Earliest use first: a name read in several bodies counts from the first.
    for line, first in sorted((line, o) for o, line in walker.used.items() if o in walker.bodies):
        if first in seen:
            continue
        for reads in _reached(first, walker.read_body, seen):
            for read in reads.used:
                if read not in used:
                    used[read] = line
                    through[read] = first
                chains.setdefault(read, set()).update(reads.chains[read])
            body_imports.extend((BodyImport(i.module, i.name, line), first)
                                for i in reads.imports)
    imported = {local for local, _, _ in walker.binds}
    imported.update(entry.local for entry in walker.from_imports)
    reads_imports = bool(body_imports) or not imported.isdisjoint(used) or any(
        entry.name == "*" for entry in walker.from_imports)
    return TopLevel(tuple(walker.from_imports), tuple(walker.binds), used,
                    {k: frozenset(v) for k, v in chains.items()}, through, tuple(body_imports),
                    reads_imports, frozenset(entry.module for entry in walker.from_imports))


def bodies(source: str, name: str, is_package: bool) -> Optional[Dict[str, Reads]]:
    """For each top-level function and class of `source`: what its bodies read when called.

    A body that uses another top-level function or class of the module
    reads what that one's bodies read too. None when the source does not parse.
    """
    walker = _parse(source, name, is_package)
    if walker is None:
        return None
    direct = {owner: walker.read_body(owner) for owner in walker.bodies}
    found: Dict[str, Reads] = {}
    for owner in direct:
        used: Dict[str, int] = {}
        chains: Dict[str, Set[Tuple[str, ...]]] = {}
        imports: List[BodyImport] = []
        for reads in _reached(owner, direct.__getitem__, set()):
            for read, line in reads.used.items():
                used.setdefault(read, line)
                chains.setdefault(read, set()).update(reads.chains[read])
            imports.extend(reads.imports)
        found[owner] = Reads(used, {k: frozenset(v) for k, v in chains.items()}, tuple(imports))
    return found


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
            return _uses(code, entry.local)
    for local, module, _ in code.binds:
        if _within(changed, module) and local in code.used:
            return _uses(code, local)
    for item, owner in code.body_imports:
        if _imports(item, changed, None):
            return "imports {} at import (line {}, in {})".format(changed, item.line, owner)
    return None


def _uses(code: TopLevel, local: str) -> str:
    owner = code.through.get(local)
    return "uses {} at import (line {}{})".format(
        local, code.used[local], ", in {}".format(owner) if owner else "")


def _imports(item: BodyImport, target: str, attrs: Optional[FrozenSet[str]]) -> bool:
    """Whether an import in a body takes `target` (or one of `attrs` of it)."""
    if item.name is None:  # `import a.b.c`: the module, or a package on its way
        return _within(target, item.module) or _within(item.module, target)
    if item.module == target:
        return attrs is None or item.name == "*" or item.name in attrs
    return _within(target, item.module + "." + item.name)


def _chain_reaches(chains: Optional[FrozenSet[Tuple[str, ...]]], base: str, target: str,
                   attrs: Optional[FrozenSet[str]]) -> bool:
    """Whether attribute chains read from module `base` read `target`, or `attrs` of it."""
    if not chains:
        return True
    rest = tuple(target[len(base) + 1:].split(".")) if target != base else ()
    depth = len(rest)
    for chain in chains:
        if len(chain) <= depth:
            if chain == rest[:len(chain)]:
                return True  # the module, or a package on its way, used whole
        elif chain[:depth] == rest and (attrs is None or chain[depth] in attrs):
            return True
    return False


def _reads(
    code: TopLevel, reads: Reads, target: str, attrs: Optional[FrozenSet[str]],
    is_module: Callable[[str], bool],
) -> Optional[Tuple[str, int]]:
    """The first name through which `reads` reach `target` (or `attrs` of it), and its line."""
    used, chains = reads.used, reads.chains
    for entry in code.from_imports:
        if entry.name == "*":
            if entry.module == target:
                names = sorted(used.keys() if attrs is None else attrs.intersection(used))
                if names:
                    return names[0], used[names[0]]
            continue
        if entry.local not in used:
            continue
        whole = entry.module + "." + entry.name
        if entry.module == target and not is_module(whole):
            if attrs is None or entry.name in attrs:
                return entry.local, used[entry.local]
        elif _within(target, whole) and _chain_reaches(
                chains.get(entry.local), whole, target, attrs):
            return entry.local, used[entry.local]
    for local, module, _ in code.binds:
        if local in used and _within(target, module) and _chain_reaches(
                chains.get(local), module, target, attrs):
            return local, used[local]
    for item in reads.imports:
        if _imports(item, target, attrs):
            return item.module, item.line
    return None


def behaviour_changes(
    code: TopLevel, owners: Dict[str, Reads], target: str, attrs: Optional[FrozenSet[str]],
    is_module: Callable[[str], bool],
) -> FrozenSet[str]:
    """The module's functions and classes whose bodies read `target` (or `attrs` of it).

    `owners` is what `bodies()` gives for the module; `attrs` None means
    any value of `target` (it runs again), else only those functions and
    classes of it (its own code reads a module that does).
    """
    return frozenset(owner for owner, reads in owners.items()
                     if _reads(code, reads, target, attrs, is_module) is not None)


def calls_reason(
    code: TopLevel, target: str, attrs: FrozenSet[str], origin: str,
    is_module: Callable[[str], bool],
) -> Optional[str]:
    """Why a module must run again for what functions of `target`, left loaded, now do.

    The functions or classes `attrs` of `target` read the changed module
    `origin` when called; the module must run again when its import-time
    code uses one of them (or `target` whole). None when it does not.
    """
    if not code.reads_imports:
        return None  # it calls into no other module at import
    reads = Reads(code.used, code.chains, tuple(item for item, _ in code.body_imports))
    hit = _reads(code, reads, target, attrs, is_module)
    if hit is None:
        return None
    name, line = hit
    owner = code.through.get(name)
    return "uses {} at import (line {}{}), whose {} read{} {} when called".format(
        name, line, ", in {}".format(owner) if owner else "", ", ".join(sorted(attrs)),
        "s" if len(attrs) == 1 else "", origin)


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
