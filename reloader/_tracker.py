"""Registrations a host hands out ids for and cannot list, remembered so a reload can redo them.

Some hosts (Maya's script jobs and message callbacks) return an id for each
callable registered and offer no way to list them. A `Tracker` wraps the
function that registers, to remember how each id was made, and the one that
removes, to forget it. Its `hook` is a host hook: before the purge it removes
what the modules being reloaded registered; after a failed reload it removes
what the failed attempt registered and registers the old ones again. Nothing
here knows a host by name.
"""

from typing import Any, Callable, Dict, List, Sequence, Tuple

#: How an id was made: the call that removes it, what it is, and the add call with its arguments.
_Made = Tuple[Callable[[Any], object], str, Callable[..., Any], Tuple[Any, ...], Dict[str, Any]]


def _calls(test: Callable[[object], bool], values: Sequence[Any]) -> bool:
    """Whether an argument, or an item of a list argument (`event=["idle", fn]`), passes."""
    items = [v for value in values
             for v in (value if isinstance(value, (list, tuple)) else [value])]
    return any(callable(item) and not isinstance(item, str) and test(item) for item in items)


def _each(made: Any) -> List[Any]:
    """The ids in what a call returned or was given: one id, or a list of them."""
    return list(made) if hasattr(made, "__len__") and not isinstance(made, str) else [made]


class Tracker:
    """What was registered with callables through wrapped host functions, by id.

    `skipped` lists, as one line each, the ids the host had dropped already
    when the hook came to remove them (the adapter shows and clears it).
    """

    def __init__(self) -> None:
        self.ids: Dict[Any, _Made] = {}
        self.skipped: List[str] = []

    def record(self, add: Callable[..., Any], remove: Callable[[Any], object],
               kind: str = "callback") -> Callable[..., Any]:
        """`add`, remembering each id it returns for a callable; `remove(id)` takes one
        out (raising RuntimeError for an id the host dropped)."""
        def added(*args: Any, **kwargs: Any) -> Any:
            made = add(*args, **kwargs)
            if _calls(lambda _: True, args + tuple(kwargs.values())):
                self.ids.update((i, (remove, kind, add, args, kwargs)) for i in _each(made))
            return made

        return added

    def forget(self, remove: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """`remove`, forgetting the ids it is given."""
        def removed(made: Any) -> Any:
            result = remove(made)
            for each in _each(made):
                self.ids.pop(each, None)
            return result

        return removed

    def hook(self, names: Sequence[str], owned: Callable[[object], bool]) -> Callable[[bool], None]:
        """Remove the ids owned code registered; a failed reload registers them again."""
        taken = self._take_out(owned)

        def finish(imported: bool) -> None:
            if not imported:
                self._take_out(owned)  # what the failed attempt registered
                for remove, kind, add, args, kwargs in taken:
                    self.record(add, remove, kind)(*args, **kwargs)

        return finish

    def _take_out(self, owned: Callable[[object], bool]) -> List[_Made]:
        taken = []
        for made in [i for i, m in self.ids.items() if _calls(owned, m[3] + tuple(m[4].values()))]:
            record = self.ids.pop(made)
            try:
                record[0](made)
            except RuntimeError as error:  # the host dropped it (with its node, say)
                self.skipped.append("{} {}: {}".format(record[1], made, error))
            else:
                taken.append(record)
        return taken
