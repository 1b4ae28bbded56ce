"""`python -m reloader install|uninstall HOST [--dest DIR]`: adapters into plug-in folders.

Install copies the host's adapter from the `hosts/` folder beside this
package, and a copy of this package, into the host's user plug-in folder,
printing every path written, and keeps a manifest of what it wrote with a
hash per file. It refuses to overwrite a file it did not write (or that was
changed since). Uninstall removes exactly the files in the manifest that are
unchanged, and the folders it created once they are empty. Each host is one
`Target` entry in `TARGETS`. This module never imports or reloads a host module.
"""

import argparse
import hashlib
import json
import os
import sys
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple

from . import __version__

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
HOSTS_DIR = os.path.join(os.path.dirname(PACKAGE_DIR), "hosts")
_SKIP_DIRS = {"__pycache__"}
_SKIP_SUFFIXES = (".pyc", ".pyo")


def _home(*parts: str) -> str:
    return os.path.join(os.path.expanduser("~"), *parts)


def _per_os(linux: str, mac: str, windows: Callable[[], str]) -> Callable[[], str]:
    def default() -> str:
        if sys.platform == "win32":
            return windows()
        return _home(*(mac if sys.platform == "darwin" else linux).split("/"))

    return default


def _appdata(*parts: str) -> str:
    return os.path.join(os.environ.get("APPDATA") or _home("AppData", "Roaming"), *parts)


class Target(NamedTuple):
    """How one host's adapter is laid out in its plug-in folder."""

    folder: str  # the adapter's folder under hosts/
    copies: Tuple[Tuple[str, str], ...]  # (under hosts/<folder>, under DEST); folders whole
    package: str  # where the copy of this package goes, under DEST
    default_dest: Callable[[], str]
    # A start-up file under DEST and its text ({adapter} is the adapter folder's
    # path): written when absent, otherwise printed for the user to add.
    startup: Optional[Tuple[str, str]] = None


TARGETS: Dict[str, Target] = {
    "sublime": Target(
        "sublime", ((".", "Reloader"),), "Reloader/reloader",
        _per_os(".config/sublime-text/Packages",
                "Library/Application Support/Sublime Text/Packages",
                lambda: _appdata("Sublime Text", "Packages")),
    ),
    "maya": Target(
        "maya", (("reloader.mod", "reloader.mod"), ("reloader-maya", "reloader-maya")),
        "reloader-maya/scripts/reloader",
        _per_os("maya/modules", "Library/Preferences/Autodesk/maya/modules",
                lambda: _home("Documents", "maya", "modules")),
    ),
    "nuke": Target(
        "nuke", (("reloader-nuke", "reloader-nuke"),), "reloader-nuke/reloader",
        lambda: _home(".nuke"),
        startup=("init.py", "import nuke\n\nnuke.pluginAddPath({adapter!r})\n"),
    ),
    "abaqus": Target(
        "abaqus", (("reloader-abaqus", "reloader-abaqus"),), "reloader-abaqus/reloader",
        lambda: _home("abaqus_plugins"),
    ),
    "blender": Target(
        "blender",
        (("__init__.py", "reloader_addon/__init__.py"),
         ("addon_reload.py", "reloader_addon/addon_reload.py"),
         ("blender_manifest.toml", "reloader_addon/blender_manifest.toml")),
        "reloader_addon/reloader",
        lambda: _blender_addons(),
    ),
    "gdb": Target(
        "gdb",
        (("load-reloader.py", "reloader/load-reloader.py"),
         ("reloader_gdb.py", "reloader/reloader_gdb.py")),
        "reloader/reloader",
        _per_os(".config/gdb", ".config/gdb", lambda: _home(".config", "gdb")),
        startup=("gdbinit", "source {adapter}\n"),
    ),
    "vim": Target(
        "vim",
        (("plugin", "reloader/plugin"), ("python3", "reloader/python3")),
        "reloader/python3/reloader",
        _per_os(".vim/pack/reloader/start", ".vim/pack/reloader/start",
                lambda: _home("vimfiles", "pack", "reloader", "start")),
    ),
}


def _blender_addons() -> str:
    """The add-ons folder of the newest Blender version that has a user folder."""
    config = _per_os(".config/blender", "Library/Application Support/Blender",
                     lambda: _appdata("Blender Foundation", "Blender"))()
    try:
        versions = [v for v in os.listdir(config) if v.replace(".", "").isdigit()]
    except OSError:
        versions = []
    if not versions:
        raise InstallError(
            "no Blender user folder in {!r}; start Blender once, or give --dest "
            "(Blender's scripts/addons folder)".format(config)
        )
    newest = max(versions, key=lambda v: tuple(int(p) for p in v.split(".")))
    return os.path.join(config, newest, "scripts", "addons")


class InstallError(Exception):
    """Install or uninstall cannot go ahead; nothing was changed."""


def manifest_path(host: str, dest: str) -> str:
    """Where the record of what install wrote for `host` under `dest` is kept."""
    return os.path.join(dest, ".reloader-{}-manifest.json".format(host))


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_digest(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            return _digest(handle.read())
    except OSError:
        return None


def _walk(source: str, relative: str) -> List[Tuple[str, str]]:
    """(source file, destination relative path) for a file or a whole folder."""
    if os.path.isfile(source):
        return [(source, relative)]
    found = []
    for folder, dirs, files in os.walk(source):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(files):
            if name.endswith(_SKIP_SUFFIXES):
                continue
            path = os.path.join(folder, name)
            inside = os.path.relpath(path, source)
            found.append((path, os.path.normpath(os.path.join(relative, inside))))
    return found


def _adapter_dir(host: str) -> str:
    if host not in TARGETS:
        raise InstallError(
            "unknown host {!r}; choose one of {}".format(host, ", ".join(sorted(TARGETS)))
        )
    folder = os.path.join(HOSTS_DIR, TARGETS[host].folder)
    if not os.path.isdir(folder):
        raise InstallError(
            "adapter folder {!r} not found; install runs from a source checkout of reloader, "
            "where hosts/ lies beside the reloader package".format(folder)
        )
    return folder


def files_to_write(host: str, dest: str) -> Dict[str, bytes]:
    """Every file install writes for `host`, by path relative to `dest`, with its content."""
    target = TARGETS[host]
    adapter = _adapter_dir(host)
    pairs: List[Tuple[str, str]] = []
    for source, relative in target.copies:
        path = os.path.join(adapter, source)
        if not os.path.exists(path):
            raise InstallError("adapter file {!r} is missing from the checkout".format(path))
        pairs.extend(_walk(path, relative))
    pairs.extend(_walk(PACKAGE_DIR, target.package))
    contents: Dict[str, bytes] = {}
    for source, relative in pairs:
        with open(source, "rb") as handle:
            contents[relative] = handle.read()
    return contents


def _startup_text(host: str, dest: str) -> Optional[Tuple[str, str]]:
    target = TARGETS[host]
    if target.startup is None:
        return None
    relative, text = target.startup
    adapter = os.path.abspath(os.path.join(dest, target.copies[0][1]))
    return relative, text.format(adapter=adapter)


def _read_manifest(host: str, dest: str) -> Dict[str, str]:
    path = manifest_path(host, dest)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise InstallError(
            "cannot read manifest {!r}: {}; remove it by hand".format(path, error)
        ) from error
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        raise InstallError("manifest {!r} has no 'files' table; remove it by hand".format(path))
    return {str(k): str(v) for k, v in files.items()}


def install(host: str, dest: str, out: Callable[[str], None] = print) -> List[str]:
    """Write the adapter for `host` under `dest`; return the paths written.

    Raises InstallError, before writing anything, when a file to write exists
    and install did not write it, or it was changed since.
    """
    dest = os.path.abspath(dest)
    contents = files_to_write(host, dest)
    written = _read_manifest(host, dest)
    note = None
    startup = _startup_text(host, dest)
    if startup is not None:
        relative, text = startup
        path = os.path.join(dest, relative)
        ours = relative in written and _file_digest(path) == written[relative]
        if ours or not os.path.exists(path):
            contents[relative] = text.encode("utf-8")
        else:  # the user's own start-up file: never edited
            note = "add these lines to {}:\n{}".format(path, text)
            written.pop(relative, None)

    # 1. Refuse before writing anything.
    foreign = []
    for relative in contents:
        path = os.path.join(dest, relative)
        if os.path.exists(path):
            if written.get(relative) is None or _file_digest(path) != written[relative]:
                foreign.append(path)
    if foreign:
        raise InstallError(
            "refusing to overwrite {} not written by 'reloader install' (or changed since): {}; "
            "move them away or pass another --dest".format(
                "a file" if len(foreign) == 1 else "{} files".format(len(foreign)),
                ", ".join(foreign)))

    # 2. Write every file, recording its hash.
    paths = []
    record: Dict[str, str] = {}
    for relative, data in sorted(contents.items()):
        path = os.path.join(dest, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
        record[relative] = _digest(data)
        paths.append(path)

    # 3. Files an earlier install wrote that this one does not: remove if unchanged.
    for relative, digest in written.items():
        if relative not in record:
            _remove_if_unchanged(os.path.join(dest, relative), digest, dest, out)

    manifest = manifest_path(host, dest)
    with open(manifest, "w", encoding="utf-8") as handle:
        summary = {"host": host, "version": __version__, "files": record}
        json.dump(summary, handle, indent=1, sort_keys=True)
    paths.append(manifest)
    # Printed once everything is written: output that fails (a closed pipe)
    # cannot leave files behind that no manifest knows about.
    for path in paths:
        out(path)
    if note is not None:
        out(note)
    return paths


def _remove_if_unchanged(path: str, digest: str, dest: str, out: Callable[[str], None]) -> bool:
    current = _file_digest(path)
    if current is None:
        return False
    if current != digest:
        out("kept {} (changed since it was installed)".format(path))
        return False
    os.remove(path)
    out("removed {}".format(path))
    folder = os.path.dirname(path)
    while os.path.abspath(folder) != dest and not os.listdir(folder):
        os.rmdir(folder)
        folder = os.path.dirname(folder)
    return True


def uninstall(host: str, dest: str, out: Callable[[str], None] = print) -> List[str]:
    """Remove what install wrote for `host` under `dest` (unchanged files only); return them."""
    dest = os.path.abspath(dest)
    if host not in TARGETS:
        raise InstallError(
            "unknown host {!r}; choose one of {}".format(host, ", ".join(sorted(TARGETS)))
        )
    manifest = manifest_path(host, dest)
    if not os.path.exists(manifest):
        raise InstallError("nothing to uninstall: no manifest {!r}; check --dest".format(manifest))
    written = _read_manifest(host, dest)
    removed = []
    for relative, digest in sorted(written.items(), reverse=True):
        path = os.path.join(dest, relative)
        if _remove_if_unchanged(path, digest, dest, out):
            removed.append(path)
    os.remove(manifest)
    out("removed {}".format(manifest))
    removed.append(manifest)
    return removed


def _run(arguments: argparse.Namespace) -> int:
    target = TARGETS.get(arguments.host)
    try:
        dest = arguments.dest or (target.default_dest() if target is not None else "")
        if arguments.action == "install":
            install(arguments.host, dest)
        else:
            uninstall(arguments.host, dest)
    except (InstallError, OSError) as error:
        print("reloader {}: {}".format(arguments.action, error), file=sys.stderr)
        return 1
    return 0


def add_command(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the `install` and `uninstall` commands."""
    for action, text in (("install", "copy a host adapter and reloader into its plug-in folder"),
                         ("uninstall", "remove exactly what install wrote")):
        command = subparsers.add_parser(action, help=text, description=text)
        command.add_argument("host", choices=sorted(TARGETS), metavar="HOST",
                             help="one of: " + ", ".join(sorted(TARGETS)))
        command.add_argument("--dest", metavar="DIR",
                             help="the host's plug-in folder (default: its usual user folder)")
        command.set_defaults(run=_run, action=action)
