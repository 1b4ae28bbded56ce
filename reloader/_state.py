"""What reloader keeps between calls, on one object: a `State`, with a default instance.

A State holds the installed hosts and the running listener (`_host` and `_serve`
read them through `current()`), and its own values of what other modules keep
between calls: the module table, the import index, the memory of earlier
versions, the registered namespaces, the protected prefixes, the old objects
tracked as stale and the sources noted at import. The default State's values
are the ones those modules start with; `State()` starts empty, and `use()`
makes it the current state, its values in place, until the block ends, so a
test can reload against a fresh one. This is the one module that names the
others' singletons. Nothing here reloads anything.
"""

import contextlib
import importlib
import threading
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

#: What other modules keep between calls: (module, its global, a fresh empty value).
KEPT: Tuple[Tuple[str, str, Callable[[Any], Any]], ...] = (
    ("_discovery", "table", lambda module: type(module.table)()),
    ("_discovery", "_protected", lambda module: []),
    ("_graph", "index", lambda module: type(module.index)()),
    ("_generations", "versions", lambda module: {}),
    ("_generations", "_by_module", lambda module: {}),
    ("_generations", "_body_keys", lambda module: {}),
    ("_update", "_namespaces", lambda module: []),
    ("_stale", "_tracked", lambda module: []),
    ("_sources", "_noted", lambda module: {}),
)


def _module(name: str) -> Any:
    return importlib.import_module("reloader." + name)


class State:
    """Everything kept between calls. `State()` is empty; `DEFAULT` is the one in use
    unless a block runs `with state.use():`."""

    def __init__(self) -> None:
        self.lock = threading.RLock()  # guards the hosts and the listener
        self.hosts: List[Tuple[Any, Callable[[], None]]] = []  # (Host, uninstall), oldest first
        self.listener: Optional[Any] = None  # the running _serve.Listener
        self._kept: Dict[Tuple[str, str], Any] = {}  # made when first used

    def _values(self) -> Dict[Tuple[str, str], Any]:
        if not self._kept:
            for module, name, fresh in KEPT:
                self._kept[module, name] = fresh(_module(module))
        return self._kept

    @contextlib.contextmanager
    def use(self) -> Iterator["State"]:
        """Make this the current state for the block: its values in place of the current ones."""
        global _current
        if self is _current:
            yield self
            return
        if self is DEFAULT:
            raise RuntimeError("the default state comes back when the block using another "
                               "ends; leave that block instead")
        with _switching:
            values = self._values()
            previous, saved = _current, {}
            for module, name in values:
                saved[module, name] = getattr(_module(module), name)
                setattr(_module(module), name, values[module, name])
            _current = self
        try:
            yield self
        finally:
            with _switching:
                for module, name in values:
                    values[module, name] = getattr(_module(module), name)
                    setattr(_module(module), name, saved[module, name])
                _current = previous


DEFAULT = State()  # its values are the ones the modules start with
_current = DEFAULT  # type: State
_switching = threading.RLock()


def current() -> State:
    """The state in use: DEFAULT, or the one a `use()` block made current."""
    return _current
