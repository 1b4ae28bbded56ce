"""The pieces a host's hook is made of, so an adapter writes only what its host needs.

`take_out()` empties lists and dicts of the entries a test accepts, `take()` removes
things from a registry that adds and removes one at a time; each returns the hook's
finish, which puts back after a failed reload what is not back already. `failed()`
words a warning a finish returns. (`Tracker`, for registrations a host knows only
by id, is in `_tracker`.) Nothing here imports or reloads a module.
"""

from typing import (
    Any,
    Callable,
    Iterable,
    List,
    MutableMapping,
    MutableSequence,
    Optional,
    Tuple,
    Union,
)

from ._report import blame, describe_error, where

#: Ends what a hook began (see `reloader.Host.Finish`): may return warnings and errors.
Finish = Callable[[bool], Optional[List[Any]]]
#: A host's registry that `take_out` empties of owned entries.
Registry = Union[MutableSequence[Any], MutableMapping[Any, Any]]


def failed(what: str, error: BaseException) -> str:
    """The warning for `what` that failed with `error` without failing the reload:
    "unregister() of 'tool' failed at tool/ui.py:12: NameError: ...", the place in user code."""
    return "{} failed{}: {}".format(what, where(blame(error)), describe_error(error))


def take(things: Iterable[Any], remove: Callable[[Any], object],
         add: Callable[[Any], object], present: Callable[[Any], bool]) -> Finish:
    """A hook's work for registries that add and remove one thing at a time (classes,
    timers): `remove` each of `things`, and return the finish.

    After a failed reload the finish `add`s back each thing removed that is
    not `present` again (the old code may have registered it already). A
    thing `remove` refuses (RuntimeError, ValueError) stays, and the
    finish returns a warning for it.
    """
    removed, warnings = [], []
    for thing in things:
        try:
            remove(thing)
            removed.append(thing)
        except (RuntimeError, ValueError) as error:
            warnings.append(failed("removing {!r}".format(thing), error))

    def finish(imported: bool) -> List[str]:
        for thing in () if imported else reversed(removed):
            if not present(thing):
                add(thing)
        return warnings

    return finish

def take_out(containers: Callable[[], Iterable[Registry]],
             test: Callable[[object], bool]) -> Finish:
    """A hook's work for registries that are lists and dicts: take the entries `test`
    accepts (`owned`, or a test built on it) out of each of `containers()`, in place.

    Returns the finish: after a failed reload it takes out what the
    failed attempt added (`containers()` is asked again, for registries
    it created), then puts each taken entry back where it was, unless
    something put it back already.
    """
    taken = _take(containers(), test)

    def finish(imported: bool) -> None:
        if imported:
            return
        old = {id(entry) for _, _, entry in taken}
        _take(containers(), lambda entry: id(entry) not in old and test(entry))
        for container, place, entry in taken:
            if isinstance(container, MutableSequence):
                if not any(e is entry for e in container):
                    container.insert(place, entry)
            elif place not in container:
                container[place] = entry

    return finish


def _take(containers: Iterable[Registry],
          test: Callable[[object], bool]) -> List[Tuple[Registry, Any, Any]]:
    """Take the entries `test` accepts out of `containers`; (container, index or key, entry)."""
    taken: List[Tuple[Registry, Any, Any]] = []
    for container in containers:
        if isinstance(container, MutableSequence):
            found = [(i, entry) for i, entry in enumerate(container) if test(entry)]
            for index, _ in reversed(found):
                del container[index]
        else:
            found = [(key, entry) for key, entry in list(container.items()) if test(entry)]
            for key, _ in found:
                del container[key]
        taken.extend((container, where, entry) for where, entry in found)
    return taken
