"""What reloader keeps between calls, on one object: a `State`, with a default instance.

Everything a call leaves behind for the next one is an attribute of a State:
the module table (with the prefixes hosts protect), the import index, the
memory of earlier versions of functions and classes, the registered
namespaces and the statements noted in them, the installed hosts and the
running listener, the old objects tracked as stale, the sources modules were
imported from and the logging entries reloaded modules added. The modules
that use a value read it as `_state.current().<name>`; none keeps its own
copy, and none reaches into another module for one.

`DEFAULT` is the state in use; `State()` starts empty, and `with
state.use():` makes it the current one (for every thread) until the block
ends, so a test can reload against a fresh state and leave the default one
as it was. Caches of what a module object or a file alone determines (parsed
sources, a module's path) are not state: every state would compute the same.
Nothing here reloads anything, and this module imports none of the others
at import time.
"""

import contextlib
import threading
import types
import typing
import weakref
from typing import (
    Any,
    Callable,
    Dict,
    Generic,
    Iterator,
    List,
    MutableMapping,
    Optional,
    Set,
    Tuple,
    TypeVar,
)

if typing.TYPE_CHECKING:  # the types of two values made on first use; never imported here
    from ._discovery import _Table
    from ._graph import _ImportIndex


T = TypeVar("T")
_making = threading.Lock()  # held while a value made on first use is made


class _MadeOnFirstUse(Generic[T]):
    """An attribute made by `make()` when first read, then an ordinary instance attribute."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, instance: Any, owner: Any) -> T:
        # Not a data descriptor: once the instance's __dict__ holds the value,
        # reading it is a plain attribute lookup that never comes here.
        with _making:
            value: T = instance.__dict__.get(self._name)
            if value is None:
                value = instance.__dict__[self._name] = self._make()
        return value


def _new_table() -> "_Table":
    from ._discovery import _Table

    return _Table()


def _new_index() -> "_ImportIndex":
    from ._graph import _ImportIndex

    return _ImportIndex()


class State:
    """Everything kept between calls. `State()` is empty; `DEFAULT` is the one in use
    unless a block runs `with state.use():`."""

    def __init__(self) -> None:
        # (Quoted annotations: weakref's classes are subscriptable only from Python 3.9.)

        # Hosts (`_host`) and the listener for editors (`_serve`), guarded by `lock`.
        self.lock = threading.RLock()
        self.hosts: List[Tuple[Any, Callable[[], None]]] = []  # (Host, uninstall), oldest first
        self.listener: Optional[Any] = None  # the running _serve.Listener

        # The last reload's selection, kept while nothing it was made from
        # changed, and the one a running reload was made from (`_reuse`).
        self.reuse: Optional[Any] = None
        self.reuse_pending: Optional[Any] = None

        # The memory of earlier versions (`_generations`); weak references only.
        #: id(newest version) -> (weak reference to it, weak references to the
        #: earlier versions still held). Keyed by id: `id(f) in versions` is the
        #: cheap test, made for every function a reload pairs, that `f` may have some.
        self.versions: Dict[int, Tuple[Any, List[Any]]] = {}
        #: Old methods only a weak reference of the program calls, kept alive while it is.
        self.weakly_held: List[Any] = []
        #: Module name -> old functions of that module still held, for their globals.
        self.held_functions: "Dict[str, weakref.WeakSet[types.FunctionType]]" = {}  # noqa: UP037
        self.held_found = 0  # old functions the running reload found held
        self.held_after_collection = 0  # held functions the last full collection left
        #: id(nested code) -> (weak reference to it, weak references to the earlier
        #: versions functions made at run time may still run; `_made_later`).
        self.nested_codes: Dict[int, Tuple[Any, List[Any]]] = {}
        #: Old `functools.lru_cache` wrappers given the new code: their results go
        #: whenever the function they wrap takes new code again (`_generations`).
        self.caches: "weakref.WeakSet[Any]" = weakref.WeakSet()  # noqa: UP037
        #: id(class) -> (weak reference to the class, the keys its body made).
        self.body_keys: Dict[int, Tuple[Any, Tuple[str, ...]]] = {}
        self.body_keys_sweep_at = 1024  # dead classes' entries go when body_keys grows past it

        # Namespaces rebound after every reload (`_update`), and the `from m
        # import` statements noted in those a host tracks (`_names`):
        # id(namespace) -> (namespace, {bound name: (module, attribute)}, {star-imported}).
        self.namespaces_lock = threading.Lock()
        self.namespaces: List[MutableMapping[str, Any]] = []
        self.statements_lock = threading.Lock()
        self.statements: Dict[
            int, Tuple[MutableMapping[str, Any], Dict[str, Tuple[str, str]], Set[str]]
        ] = {}

        # Old objects reloads replaced, to find who holds them (`_stale`): (name, weak ref).
        self.replaced_lock = threading.Lock()
        self.replaced: List[Tuple[str, Callable[[], Any]]] = []

        # Per module object, the source it was imported from (`_sources`):
        # id(module) -> (weak reference to it, its source path, stat signature).
        self.sources: Dict[
            int, Tuple["weakref.ref[types.ModuleType]", str, Tuple[int, int, int, int]]  # noqa: UP037
        ] = {}
        self.sources_sweep_at = 1024  # freed modules' entries go when sources grows past it

        # Logging handlers and filters that appeared while a module's code ran
        # during a reload, by the module's name (`_registries`).
        self.added_by: "weakref.WeakKeyDictionary[Any, str]" = (  # noqa: UP037
            weakref.WeakKeyDictionary())

    # Made on first use: their modules import this one.
    table = _MadeOnFirstUse(_new_table)
    """The module table (`_discovery`): `sys.modules` as last seen, and what is protected."""
    index = _MadeOnFirstUse(_new_index)
    """The import index (`_graph`): who imports whom among reloadable modules."""

    @contextlib.contextmanager
    def use(self) -> Iterator["State"]:
        """Make this the current state for the block; the one before comes back after it,
        however the block ends."""
        global _current
        with _switching:
            previous, _current = _current, self
        try:
            yield self
        finally:
            with _switching:
                _current = previous


DEFAULT = State()
_current = DEFAULT  # type: State
_switching = threading.Lock()


def current() -> State:
    """The state in use: DEFAULT, or the one a `use()` block made current."""
    return _current
