"""The values a reload and a plan return, their text, and the error a failed reload raises.

A report is data: the library never prints it. `str()` gives one line fit for
a status bar; `format()` gives the detailed text. Nothing here holds a module
object, so a report never keeps an old module version alive.
"""

import importlib
import os
import traceback
import typing
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from ._usertrace import user_traceback

if typing.TYPE_CHECKING:  # a class attribute that is a type needs it; never imported at run time
    from typing_extensions import TypeAlias


def plural(count: int, noun: str) -> str:
    """'1 module', '2 modules'."""
    return "{} {}{}".format(count, noun, "" if count == 1 else "s")


def duration(seconds: float) -> str:
    """'38 ms', '1.2 s'."""
    if seconds < 1:
        return "{:.0f} ms".format(seconds * 1000)
    return "{:.1f} s".format(seconds)


class Location(NamedTuple):
    """Where in the user's code, or in reloader's own, something went wrong."""

    filename: str
    lineno: int  # 0 when the line is unknown (the file could not be read)

    def __str__(self) -> str:
        if not self.lineno:
            return self.filename
        return "{}:{}".format(self.filename, self.lineno)

    @property
    def in_reloader(self) -> bool:
        """True when the place is in reloader's own code: reloader itself failed."""
        return _kind(self.filename) == _RELOADER


_HERE = os.path.dirname(os.path.realpath(__file__))


def _folder_of(module: object) -> Optional[str]:
    # A host that embeds Python may freeze the standard library: no file.
    filename = getattr(module, "__file__", None)
    return os.path.dirname(os.path.realpath(filename)) if filename else None


_IMPORTLIB = _folder_of(importlib)
_STDLIB = _folder_of(os)
_INSTALLED = frozenset(("site-packages", "dist-packages"))  # inside _STDLIB, not of it
_USER, _RELOADER, _PASSED = "user", "reloader", "passed through"


def _kind(filename: str) -> str:
    """Whose code a traceback frame's file is: the user's, reloader's, or neither.

    Neither: the import machinery, code generated from a string (dataclasses,
    namedtuple), and the standard library (not what is installed in it): an
    error raised there is the fault of whoever called it.
    """
    if filename.startswith("<frozen") or filename == "<string>":
        return _PASSED
    folder = os.path.dirname(os.path.realpath(filename))
    if folder == _HERE:
        return _RELOADER
    if _within(folder, _IMPORTLIB) or (
        _within(folder, _STDLIB) and not _INSTALLED.intersection(
            os.path.relpath(folder, _STDLIB).split(os.sep))
    ):
        return _PASSED
    return _USER


def _within(path: str, folder: Optional[str]) -> bool:
    if folder is None:
        return False
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # another drive, or relative and absolute
        return False


def blame(error: BaseException, files: Sequence[str] = ()) -> Optional[Location]:
    """Where `error` comes from: the user's file and line, or reloader's own.

    A syntax error in a file names its own place; one in text the code
    compiled (named "<string>", "<unknown>"...) is placed where that code
    compiled it, as other errors are. An error raised in reloader's own
    code (not by a reloader function the user's code called) is reloader's
    failure: its place is in reloader (`Location.in_reloader`). Otherwise the
    innermost traceback frame in one of `files` wins, else the innermost frame
    of the user's code.
    """
    if isinstance(error, SyntaxError) and error.filename and error.filename[:1] != "<":
        return Location(error.filename, error.lineno or 0)
    frames = traceback.extract_tb(error.__traceback__)
    kinds = [_kind(frame.filename) for frame in frames]
    if getattr(error, "refusal", False):
        # reloader refused the user's code on purpose: the place is the user's.
        kinds = [_PASSED if kind == _RELOADER else kind for kind in kinds]
    site: Optional[int] = None  # the frame that raised, or let through, the error
    for index in range(len(frames) - 1, -1, -1):
        if kinds[index] == _PASSED:
            continue
        if kinds[index] == _RELOADER and index and kinds[index - 1] == _USER:
            continue  # the user's code called reloader: its call is the place
        site = index
        break
    if site is not None and kinds[site] == _RELOADER:
        return Location(frames[site].filename, frames[site].lineno or 0)
    wanted = {os.path.normcase(os.path.realpath(f)) for f in files}
    if wanted:
        for frame in reversed(frames):
            if os.path.normcase(os.path.realpath(frame.filename)) in wanted:
                return Location(frame.filename, frame.lineno or 0)
    if site is not None:
        return Location(frames[site].filename, frames[site].lineno or 0)
    return None


def locate(error: BaseException, files: Sequence[str] = ()) -> Optional[Location]:
    """Like `blame`, but None where `blame` would name a place in reloader."""
    location = blame(error, files)
    return None if location is None or location.in_reloader else location


def where(location: Optional[Location]) -> str:
    """' at tool/ui.py:12', ' in reloader itself at .../_update.py:40', or ''."""
    if location is None:
        return ""
    if location.in_reloader:
        return " in reloader itself at {}".format(location)
    return " at {}".format(location)


def describe_error(error: BaseException) -> str:
    """'NameError: name 'x' is not defined'."""
    text = str(error) if not isinstance(error, SyntaxError) else (error.msg or str(error))
    return "{}: {}".format(type(error).__name__, text) if text else type(error).__name__


def _missing_module(error: BaseException, removed: Sequence[str]) -> Optional[str]:
    """The module among `removed` (files gone) that an ImportError says is missing."""
    if not isinstance(error, ImportError):
        return None
    for name in removed:
        parent, _, last = name.rpartition(".")
        if error.name == name:  # import a.b, from a.b import c
            return name
        if parent and error.name == parent and "name {!r}".format(last) in str(error):
            return name  # from a import b
    return None


class ModuleOutcome(NamedTuple):
    """What happened to one module, as a value."""

    name: str
    status: str  # "reloaded", "removed", "added", "skipped", "restored", "failed", "missing"
    reason: str = ""  # why it was selected or skipped, or what failed


class Report:
    """What a reload did.

    `reloaded` lists the module names in the order they were re-imported;
    `skipped` maps protected names to the reason; `removed` lists modules
    purged because their file is gone (restored all the same when the reload
    failed); `added` lists modules the new code
    imported for the first time. `error` is the exception that failed the
    reload (None on success) and `rolled_back` says whether everything was
    restored. `warnings` collects what went wrong without failing the reload.
    `not_updated` maps what the update could not make run the new code (a
    qualified name) to the reason. `missing` lists modules a watcher kept
    loaded though their file is gone, until it returns. `failed_in` names what
    failed when it was not a module's code ("the 'maya' host's hook"); a
    `location` in reloader's own code means reloader itself failed.
    """

    ModuleOutcome: "TypeAlias" = ModuleOutcome

    def __init__(
        self,
        *,
        reloaded: Sequence[str] = (),
        skipped: Optional[Dict[str, str]] = None,
        removed: Sequence[str] = (),
        added: Sequence[str] = (),
        reasons: Optional[Dict[str, str]] = None,
        error: Optional[BaseException] = None,
        failed_module: Optional[str] = None,
        failed_in: str = "",
        location: Optional[Location] = None,
        rolled_back: bool = False,
        restored: Sequence[str] = (),
        warnings: Sequence[str] = (),
        seconds: float = 0.0,
        not_updated: Optional[Dict[str, str]] = None,
        replaced: Sequence[Tuple[str, Callable[[], Any]]] = (),
        missing: Sequence[str] = (),
    ) -> None:
        self.reloaded: Tuple[str, ...] = tuple(reloaded)
        self.skipped: Dict[str, str] = dict(skipped or {})
        self.removed: Tuple[str, ...] = tuple(removed)
        self.added: Tuple[str, ...] = tuple(added)
        self.reasons: Dict[str, str] = dict(reasons or {})
        self.error = error
        self.failed_module = failed_module
        self.failed_in = failed_in
        self.location = location
        self.rolled_back = rolled_back
        self.restored: Tuple[str, ...] = tuple(restored)
        self.warnings: List[str] = list(warnings)
        self.seconds = seconds
        self.not_updated: Dict[str, str] = dict(not_updated or {})
        self.missing: Tuple[str, ...] = tuple(missing)
        # Weak: a report never keeps an old object alive (see reloader.stale).
        self._replaced: Tuple[Tuple[str, Callable[[], Any]], ...] = tuple(replaced)

    @property
    def ok(self) -> bool:
        """True when the reload succeeded."""
        return self.error is None

    @property
    def outcomes(self) -> List[ModuleOutcome]:
        """Per-module outcome, in import order, then removed, then skipped."""
        failed = self.failed_module
        result: List[ModuleOutcome] = []
        if self.error is not None and self.rolled_back:
            for name in self.restored:
                status = "failed" if name == failed else "restored"
                reason = self._fault() if name == failed else "restored to its previous state"
                result.append(ModuleOutcome(name, status, reason))
        else:
            result.extend(
                ModuleOutcome(name, "reloaded", self.reasons.get(name, ""))
                for name in self.reloaded
            )
            result.extend(
                ModuleOutcome(name, "added", "imported by the new code") for name in self.added
            )
            result.extend(
                ModuleOutcome(name, "removed", "its source file is gone") for name in self.removed
            )
        result.extend(ModuleOutcome(name, "skipped", why) for name, why in self.skipped.items())
        result.extend(ModuleOutcome(name, "missing", "its source file is gone; kept loaded "
                                    "until it returns") for name in self.missing)
        return result

    def _fault(self) -> str:
        if self.error is None:
            return ""
        place = where(self.location)[1:]
        return place + ": " + describe_error(self.error) if place else describe_error(self.error)

    def message(self) -> str:
        """The error in one line, with the failing module, file and line."""
        if self.error is None:
            return ""
        what = " {!r}".format(self.failed_module) if self.failed_module else ""
        place = " in {}".format(self.failed_in) if self.failed_in else ""
        place += where(self.location)
        if self.rolled_back and not self.restored:
            tail = "; nothing was changed"
        elif self.rolled_back:
            restored = plural(len(self.restored), "module")
            tail = "; restored {} to {} previous state".format(
                restored, "its" if len(self.restored) == 1 else "their")
        else:
            tail = "; the new code stays loaded"
        gone = _missing_module(self.error, self.removed)
        if gone is not None:
            tail = "; the source file of {!r} is gone, but {} still imports it{}".format(
                gone, repr(self.failed_module) if self.failed_module else "a module", tail
            )
        return "reloading{} failed{}: {}{}".format(what, place, describe_error(self.error), tail)

    def __str__(self) -> str:
        if self.error is not None:
            return self.message()
        parts = ["reloaded {}".format(plural(len(self.reloaded), "module"))]
        if self.removed:
            parts.append("removed {}".format(len(self.removed)))
        if self.missing:
            parts.append("{} missing".format(len(self.missing)))
        if self.not_updated:
            parts.append("{} not updated".format(len(self.not_updated)))
        if self.warnings:
            parts.append(plural(len(self.warnings), "warning"))
        return "{} in {}".format(", ".join(parts), duration(self.seconds))

    def __repr__(self) -> str:
        return "<Report: {}>".format(self)

    def format(self) -> str:
        """The detailed text: one line per module, warnings, then the error as its user reads it.

        The error shows the user's frames, source line (with its caret for a syntax
        error) and exception; reloader's and the import system's frames only when
        reloader itself raised it.
        """
        lines = [str(self)]
        for outcome in self.outcomes:
            reason = " ({})".format(outcome.reason) if outcome.reason else ""
            lines.append("  {:<9} {}{}".format(outcome.status, outcome.name, reason))
        lines.extend(
            "  not updated {} ({})".format(name, why) for name, why in self.not_updated.items()
        )
        lines.extend("  warning   {}".format(w) for w in self.warnings)
        if self.error is not None:
            lines.append("")
            lines.extend(user_traceback(self.error))
        return "\n".join(lines)


class PlannedModule(NamedTuple):
    """One module a reload would re-import, and why it is in."""

    name: str
    reason: str


class Plan:
    """What a reload would do, computed without changing anything.

    `modules` lists what would be re-imported, in order; `cycles` lists the
    import cycles that would be re-imported together; `skipped` maps names
    left alone to the reason; `kept` maps importers that stay loaded (they
    bind a reloaded module only to use it at call time) to the reason.
    """

    PlannedModule: "TypeAlias" = PlannedModule

    def __init__(
        self,
        modules: Sequence[PlannedModule],
        skipped: Dict[str, str],
        cycles: Sequence[Sequence[str]] = (),
        kept: Optional[Dict[str, str]] = None,
    ) -> None:
        self.modules: Tuple[PlannedModule, ...] = tuple(modules)
        self.skipped = dict(skipped)
        self.cycles: Tuple[Tuple[str, ...], ...] = tuple(tuple(c) for c in cycles)
        self.kept: Dict[str, str] = dict(kept or {})

    @property
    def names(self) -> List[str]:
        """The module names in re-import order."""
        return [module.name for module in self.modules]

    def __str__(self) -> str:
        text = "would reload {}".format(plural(len(self.modules), "module"))
        if self.skipped:
            text += ", skip {}".format(len(self.skipped))
        return text

    def __repr__(self) -> str:
        return "<Plan: {}>".format(self)

    def format(self) -> str:
        """The detailed text: one line per module with its reason."""
        lines = [str(self)]
        lines.extend("  reload  {} ({})".format(m.name, m.reason) for m in self.modules)
        lines.extend("  keep    {} ({})".format(n, why) for n, why in self.kept.items())
        lines.extend("  cycle   {}".format(", ".join(c)) for c in self.cycles)
        lines.extend("  skip    {} ({})".format(n, why) for n, why in self.skipped.items())
        return "\n".join(lines)


class ReloadError(Exception):
    """A reload failed; everything was restored first unless `report.rolled_back` is False.

    `report` is the full Report, `module` the failing module's name,
    `filename` and `lineno` the place in the user's code (None when unknown).
    The original exception is `__cause__`.
    """

    def __init__(self, report: Report) -> None:
        super().__init__(report.message())
        self.report = report
        self.module = report.failed_module
        self.filename = report.location.filename if report.location else None
        self.lineno = report.location.lineno or None if report.location else None
