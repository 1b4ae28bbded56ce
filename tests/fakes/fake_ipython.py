"""A stand-in for IPython's InteractiveShell: the parts the reloader extension uses.

It follows IPython's documented behaviour for a cell: fire `pre_run_cell`
with the cell's info, run a `%magic` line through the registered line magic
or else parse the code, pass the tree through every `ast_transformers`
entry, run it in `user_ns`, then fire `post_run_cell` with the result. It
records the events it fired.
"""

import ast
from typing import Any, Callable, Dict, List, Optional


class ExecutionResult:
    def __init__(self, info: "ExecutionInfo") -> None:
        self.info = info
        self.error_in_exec: Optional[BaseException] = None

    @property
    def success(self) -> bool:
        return self.error_in_exec is None


class ExecutionInfo:
    def __init__(self, raw_cell: str) -> None:
        self.raw_cell = raw_cell


class EventManager:
    def __init__(self) -> None:
        self.callbacks: Dict[str, List[Callable[..., Any]]] = {
            "pre_run_cell": [], "post_run_cell": []}
        self.fired: List[str] = []

    def register(self, event: str, function: Callable[..., Any]) -> None:
        self.callbacks[event].append(function)

    def unregister(self, event: str, function: Callable[..., Any]) -> None:
        self.callbacks[event].remove(function)  # IPython raises ValueError too

    def trigger(self, event: str, *args: Any) -> None:
        self.fired.append(event)
        for function in list(self.callbacks[event]):
            function(*args)


class MagicsManager:
    def __init__(self) -> None:
        self.magics: Dict[str, Dict[str, Callable[[str], Any]]] = {"line": {}, "cell": {}}


class FakeShell:
    def __init__(self) -> None:
        self.user_ns: Dict[str, Any] = {"__name__": "__main__"}
        self.events = EventManager()
        self.magics_manager = MagicsManager()
        self.ast_transformers: List[ast.NodeTransformer] = []

    def register_magic_function(
        self, func: Callable[[str], Any], magic_kind: str = "line", magic_name: str = ""
    ) -> None:
        self.magics_manager.magics[magic_kind][magic_name or func.__name__] = func

    def run_cell(self, raw_cell: str) -> ExecutionResult:
        info = ExecutionInfo(raw_cell)
        result = ExecutionResult(info)
        self.events.trigger("pre_run_cell", info)
        try:
            if raw_cell.startswith("%"):
                name, _, line = raw_cell[1:].partition(" ")
                self.magics_manager.magics["line"][name](line)
            else:
                tree: ast.AST = ast.parse(raw_cell)
                for transformer in self.ast_transformers:
                    tree = transformer.visit(tree)
                exec(compile(tree, "<cell>", "exec"), self.user_ns)  # noqa: S102
        except Exception as error:
            result.error_in_exec = error
        self.events.trigger("post_run_cell", result)
        return result
