"""The undo journal of one update: every change made to an object that existed before.

A change is written to the journal only after it succeeded, so undoing never
replays a write that did not happen. `undo()` plays the journal back, newest
first; every step runs even when an earlier one failed, and a step that fails
becomes a warning in the list `undo()` returns: it never raises. `mark()` and
`undo(mark)` take back only the changes made since the mark (one class whose
patching went wrong, while the rest of the update stands).

It must not decide what to change; it only makes and records the changes.
"""

import types
from typing import Any, Callable, Dict, List

#: What `before` holds when the attribute did not exist.
MISSING = object()


class Journal:
    """The changes made to old objects, in order, and how to take each back."""

    def __init__(self) -> None:
        # One flat list, no object per entry: arguments..., their count, the
        # function that puts the change back. Entries outlive a few garbage
        # collections, and many small survivors would make the collector walk
        # the whole heap more often.
        self.entries: List[Any] = []

    def log(self, function: Callable[..., Any], *arguments: Any) -> None:
        """Record a change already made: `function(*arguments)` takes it back."""
        self.entries += arguments + (len(arguments), function)

    def set(self, target: Any, attribute: str, value: Any) -> None:
        """setattr, recorded once it succeeded."""
        before = getattr(target, attribute)
        setattr(target, attribute, value)
        self.log(setattr, target, attribute, before)

    def set_class_attribute(self, cls: type, key: str, value: Any) -> None:
        """Set `key` in the class dictionary, past a metaclass `__setattr__` (Enum's)."""
        before = cls.__dict__.get(key, MISSING)
        type.__setattr__(cls, key, value)
        entries = self.entries  # an entry as log() makes it, without a tuple
        entries.append(cls)
        entries.append(key)
        entries.append(before)
        entries.append(3)
        entries.append(put_class_attribute)

    def delete_class_attribute(self, cls: type, key: str) -> None:
        before = cls.__dict__[key]
        type.__delattr__(cls, key)
        self.log(put_class_attribute, cls, key, before)

    def set_class(self, instance: Any, cls: type) -> None:
        """Make `instance` an instance of `cls`, past a frozen class's `__setattr__`."""
        before = type(instance)
        _put_class(instance, cls)
        self.log(_put_class, instance, before)

    def mark(self) -> int:
        return len(self.entries)

    def undo(self, mark: int = 0) -> List[str]:
        """Take back every change made since `mark`, newest first; return what failed."""
        entries = self.entries
        failures: List[str] = []
        end = len(entries)
        while end > mark:
            function, count = entries[end - 1], entries[end - 2]
            start = end - 2 - count
            arguments = entries[start:end - 2]
            try:
                function(*arguments)
            except Exception as error:  # the rest must still run
                failures.append(
                    "could not put back {}: {}: {}".format(
                        _describe(function, arguments), type(error).__name__, error
                    )
                )
            end = start
        del entries[mark:]
        return failures

    def forget(self) -> None:
        """The update stands: nothing will be taken back."""
        self.entries = []


#: object's own `__class__` setter: past any Python __setattr__ (a frozen
#: dataclass, a metaclass that intercepts writes) and any `__class__`
#: property (Django's lazy objects).
_SET_CLASS = object.__dict__["__class__"].__set__


def _put_class(instance: Any, cls: type) -> None:
    # A built-in __setattr__ (threading.local) is the way in where this fails.
    try:
        _SET_CLASS(instance, cls)
    except TypeError as error:
        try:
            instance.__class__ = cls
        except Exception:
            raise error from None  # why the layouts differ, not a frozen class's refusal


def restore_class_dict(cls: type, saved: Dict[str, Any]) -> None:
    """Put a class dictionary back as `saved`: every key, even when one fails."""
    current = cls.__dict__
    failed = []
    for key in [key for key in current if key not in saved]:
        try:
            type.__delattr__(cls, key)
        except (TypeError, AttributeError) as error:
            failed.append("{}: {}".format(key, error))
    for key, value in saved.items():
        if current.get(key, MISSING) is not value:
            try:
                type.__setattr__(cls, key, value)
            except (TypeError, AttributeError) as error:
                failed.append("{}: {}".format(key, error))
    if failed:
        raise TypeError("; ".join(failed))


def put_class_attribute(cls: type, key: str, value: Any) -> None:
    if value is MISSING:
        if key in cls.__dict__:
            type.__delattr__(cls, key)
    else:
        type.__setattr__(cls, key, value)


def put_item(container: Any, key: Any, value: Any) -> None:
    """Undo a write of one item of a list or dict."""
    container[key] = value


def refill(container: Any, items: Any) -> None:
    """Undo changes to a dict or set: put back what it held."""
    container.clear()
    container.update(items)


def _describe(function: Callable[..., Any], arguments: List[Any]) -> str:
    if not arguments:
        return getattr(function, "__name__", "a change")
    target = arguments[0]
    if isinstance(target, (type, types.FunctionType)):
        name = "{}.{}".format(target.__module__, target.__qualname__)
    else:
        name = "a {} object".format(type(target).__qualname__)
    if len(arguments) > 1 and isinstance(arguments[1], str):
        return "{} attribute {!r}".format(name, arguments[1])
    return name
