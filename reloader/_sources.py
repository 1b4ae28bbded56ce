"""Which loaded modules run older source than their file now holds.

A watcher only sees what changes while it looks; an edit saved before it was
made (or while automatic mode was off) would be lost. So this module keeps,
per loaded module object, the stat signature of the source it was imported
from, noted when reloader imports it or first sees it. For a module seen for
the first time, the bytecode cache tells what the source was when the
import wrote or checked it: written after the source's last change, it
matches; otherwise its header says. The signatures are kept by the current
state (`_state.current().sources`). It never imports and never changes
`sys.modules`.
"""

import importlib.util
import os
import sys
import types
import weakref
from typing import Callable, Iterable, Optional

from . import _discovery, _state
from ._changes import Signature, signature_of


def note(module: types.ModuleType, path: str, signature: Signature) -> None:
    """Record that `module` runs the source `path` had when its signature was `signature`."""
    try:
        ref = weakref.ref(module)  # no callback: one reference per module, shared
    except TypeError:  # a module type that refuses weak references
        return
    state = _state.current()
    sources = state.sources
    # No lock: each dict operation here is atomic, and an entry is only ever
    # trusted when its reference still gives the module asked about.
    sources[id(module)] = (ref, path, signature)
    if len(sources) > state.sources_sweep_at:
        _sweep(state)


def _sweep(state: _state.State) -> None:
    """Drop the entries of freed modules."""
    sources = state.sources
    for key in [key for key, entry in list(sources.items()) if entry[0]() is None]:
        sources.pop(key, None)
    state.sources_sweep_at = max(1024, 2 * len(sources))


def note_read(names: Iterable[str], read_as: Callable[[str], Optional[Signature]],
              replaced: Iterable[types.ModuleType] = ()) -> None:
    """Record, for each module a reload just ran, the source it ran.

    `read_as(origin)` is the file's signature when the reload read it, or
    None: the file as it was then, not as it is now. Noted under the path
    the module names (`edited` resolves links). The entries of the
    `replaced` modules go: only loaded modules are asked about. Runs for
    every module of every reload: one pass, nothing called per module but
    what must be.
    """
    state = _state.current()
    sources, modules, ref = state.sources, sys.modules, weakref.ref
    for old in replaced:
        entry = sources.get(id(old))
        if entry is not None and entry[0]() is old:
            del sources[id(old)]
    for name in names:
        module = modules.get(name)
        if type(module) is not types.ModuleType:
            continue
        origin = getattr(getattr(module, "__spec__", None), "origin", None)
        if not isinstance(origin, str):
            continue
        signature = read_as(origin)
        if signature is not None:
            sources[id(module)] = (ref(module), origin, signature)  # as note()
    if len(sources) > state.sources_sweep_at:
        _sweep(state)


def note_loaded(names: Iterable[str]) -> None:
    """Record, for each module loaded as one of `names` and not yet noted, its file as it is now.

    For hosts that see imports happen (IPython after each cell) and for
    explicit reloads: the file was read a moment ago.
    """
    for name in names:
        module = sys.modules.get(name)
        if not isinstance(module, types.ModuleType) or is_noted(module):
            continue
        info = _discovery.describe(name, module)
        if info is None or info.path is None or info.protected is not None:
            continue
        signature = signature_of(info.path)
        if signature is not None:
            note(module, info.path, signature)


def is_noted(module: types.ModuleType) -> bool:
    """Whether the source `module` runs was noted (by a reload, a watcher or a host)."""
    entry = _state.current().sources.get(id(module))
    return entry is not None and entry[0]() is module


def edited(module: types.ModuleType, path: str, current: Signature) -> bool:
    """Whether the file at `path`, now `current`, differs from what `module` was imported from.

    A module seen for the first time is judged by its bytecode cache; when
    that cannot tell, its file counts as unchanged from now on.
    """
    entry = _state.current().sources.get(id(module))
    if entry is not None and entry[0]() is module and (
        entry[1] == path or os.path.realpath(entry[1]) == path
    ):
        return entry[2] != current
    changed = _differs_from_cache(module, path, current)
    if not changed:
        note(module, path, current)
    return changed


def _differs_from_cache(module: types.ModuleType, path: str, current: Signature) -> bool:
    """What the bytecode cache says: True only when its header names other source."""
    # Read past a lazy module's __getattribute__, which would load it.
    spec = object.__getattribute__(module, "__dict__").get("__spec__")
    cached = getattr(spec, "cached", None)
    if not isinstance(cached, str):
        return False
    try:
        if os.stat(cached).st_mtime_ns > max(current[0], current[2]):
            # Written after the source last changed, by an import that
            # checked it: it holds what the source holds. No need to read it.
            return False
        with open(cached, "rb") as handle:
            header = handle.read(16)
    except OSError:
        return False
    if len(header) < 16 or header[:4] != importlib.util.MAGIC_NUMBER:
        return False
    flags = int.from_bytes(header[4:8], "little")
    if flags & 1:  # checked by the source's hash
        try:
            with open(path, "rb") as handle:
                source = handle.read()
        except OSError:
            return False
        return importlib.util.source_hash(source) != header[8:16]
    mtime = int.from_bytes(header[8:12], "little")
    size = int.from_bytes(header[12:16], "little")
    return (mtime, size) != ((current[0] // 10**9) & 0xFFFFFFFF, current[1] & 0xFFFFFFFF)
