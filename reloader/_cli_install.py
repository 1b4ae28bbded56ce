"""`python -m reloader install|uninstall HOST [--dest DIR]`: adapters into plug-in folders.

Install copies the host's adapter, and a copy of this package, into the
host's user plug-in folder (what and where come from the host's
`install.json`, read by `_cli_hosts`), printing every path written, and
keeps a manifest of what it wrote: a hash per file and the folders it
created. It refuses to overwrite a file it did not write (or that was
changed since). Uninstall removes exactly the files in the manifest that are
unchanged, then the folders install created, once they are empty. This
module never imports or reloads a host module.
"""

import argparse
import hashlib
import json
import os
import sys
from typing import Callable, Dict, Iterable, List, Optional, Set, Tuple

from . import __version__
from ._cli_hosts import DATA_FILE, PACKAGE_DIR, InstallError, Layout, default_dest, hosts, layout

__all__ = ("InstallError", "files_to_write", "install", "manifest_path", "uninstall")

_SKIP_DIRS = {"__pycache__"}
_SKIP_SUFFIXES = (".pyc", ".pyo")


def manifest_path(host: str, dest: str) -> str:
    """Where the record of what install wrote for `host` under `dest` is kept."""
    return _manifest(layout(host), dest)


def _manifest(target: Layout, dest: str) -> str:
    return os.path.join(os.path.abspath(dest), *target.manifest.split("/"))


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_digest(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            return _digest(handle.read())
    except OSError:
        return None


def _walk(source: str, relative: str, skip: Set[str]) -> List[Tuple[str, str]]:
    """(source file, destination relative path) for a file or a whole folder.

    `skip` holds absolute paths left out (the host's install.json, the
    wheel's copy of hosts/ inside the package).
    """
    if os.path.isfile(source):
        return [(source, relative)]
    found = []
    for folder, dirs, files in os.walk(source):
        dirs[:] = sorted(d for d in dirs
                         if d not in _SKIP_DIRS and os.path.join(folder, d) not in skip)
        for name in sorted(files):
            path = os.path.join(folder, name)
            if name.endswith(_SKIP_SUFFIXES) or path in skip:
                continue
            inside = os.path.relpath(path, source)
            found.append((path, os.path.normpath(os.path.join(relative, inside))))
    return found


def files_to_write(host: str, dest: str) -> Dict[str, bytes]:
    """Every file install writes for `host`, by path relative to `dest`, with its content."""
    return _contents(_installable(host), dest)


def _contents(target: Layout, dest: str) -> Dict[str, bytes]:
    skip = {os.path.join(target.folder, DATA_FILE), os.path.join(PACKAGE_DIR, "_hosts")}
    pairs: List[Tuple[str, str]] = []
    for source, relative in target.copies:
        path = os.path.normpath(os.path.join(target.folder, source))
        if not os.path.exists(path):
            raise InstallError(
                "adapter file {!r} is missing; its install.json names it".format(path))
        pairs.extend(_walk(path, os.path.normpath(relative), skip))
    pairs.extend(_walk(PACKAGE_DIR, os.path.normpath(target.package), skip))
    contents: Dict[str, bytes] = {}
    for source, relative in pairs:
        with open(source, "rb") as handle:
            contents[relative] = handle.read()
    startup = target.startup
    if startup is not None:
        path = os.path.join(os.path.abspath(dest), os.path.normpath(startup.path))
        contents[os.path.normpath(startup.file)] = startup.text.format(path=path).encode("utf-8")
    return contents


def _installable(host: str) -> Layout:
    target = layout(host)
    if target.instead is not None:
        raise InstallError(target.instead)
    return target


def _read_manifest(path: str) -> Tuple[Dict[str, str], List[str]]:
    """The files (relative path to hash) and the folders a manifest records."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return {}, []
    except (OSError, ValueError) as error:
        raise InstallError(
            "cannot read manifest {!r}: {}; remove it by hand".format(path, error)
        ) from error
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        raise InstallError("manifest {!r} has no 'files' table; remove it by hand".format(path))
    folders = data.get("folders", [])
    return {str(k): str(v) for k, v in files.items()}, [str(f) for f in folders]


def _missing_folders(paths: Iterable[str]) -> List[str]:
    """The folders that do not exist yet among the paths and their parents, outermost first."""
    missing: Set[str] = set()
    for path in paths:
        while not os.path.isdir(path) and path not in missing:
            missing.add(path)
            parent = os.path.dirname(path)
            if parent == path:
                break
            path = parent
    return sorted(missing, key=lambda p: (p.count(os.sep), p))


def install(host: str, dest: str, out: Callable[[str], None] = print) -> List[str]:
    """Write the adapter for `host` under `dest`; return the paths written.

    Raises InstallError, before writing anything, when a file to write exists
    and install did not write it, or it was changed since.
    """
    dest = os.path.abspath(dest)
    target = _installable(host)
    contents = _contents(target, dest)
    manifest = _manifest(target, dest)
    written, folders = _read_manifest(manifest)
    note = None
    startup = target.startup
    if startup is not None:
        relative = os.path.normpath(startup.file)
        path = os.path.join(dest, relative)
        ours = relative in written and _file_digest(path) == written[relative]
        if not ours and os.path.exists(path):  # the user's own start-up file: never edited
            note = "add these lines to {}:\n{}".format(path, contents.pop(relative).decode())
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
            "move {} away or pass another --dest".format(
                "a file" if len(foreign) == 1 else "{} files".format(len(foreign)),
                ", ".join(foreign), "it" if len(foreign) == 1 else "them"))

    # 2. Make the folders, remembering those that did not exist, and write every file.
    targets = [os.path.join(dest, relative) for relative in sorted(contents)]
    created = _missing_folders([dest] + [os.path.dirname(p) for p in targets + [manifest]])
    for folder in created:
        os.mkdir(folder)
    folders = sorted(set(folders) | {os.path.relpath(f, dest) for f in created})
    record: Dict[str, str] = {}
    for relative, path in zip(sorted(contents), targets):
        with open(path, "wb") as handle:
            handle.write(contents[relative])
        record[relative] = _digest(contents[relative])

    # 3. Files an earlier install wrote that this one does not: remove if unchanged.
    for relative, digest in written.items():
        if relative not in record:
            _remove_if_unchanged(os.path.join(dest, relative), digest, out)

    with open(manifest, "w", encoding="utf-8") as handle:
        summary = {"host": host, "version": __version__, "files": record, "folders": folders}
        json.dump(summary, handle, indent=1, sort_keys=True)
    # Printed once everything is written: output that fails (a closed pipe)
    # cannot leave files behind that no manifest knows about.
    for path in targets + [manifest]:
        out(path)
    if note is not None:
        out(note)
    return targets + [manifest]


def _remove_if_unchanged(path: str, digest: str, out: Callable[[str], None]) -> bool:
    current = _file_digest(path)
    if current is None:
        return False
    if current != digest:
        out("kept {} (changed since it was installed)".format(path))
        return False
    os.remove(path)
    out("removed {}".format(path))
    return True


def uninstall(host: str, dest: str, out: Callable[[str], None] = print) -> List[str]:
    """Remove what install wrote for `host` under `dest`; return the paths removed.

    Files changed since install are kept; a folder install created is
    removed once it is empty.
    """
    dest = os.path.abspath(dest)
    manifest = manifest_path(host, dest)
    if not os.path.exists(manifest):
        raise InstallError("nothing to uninstall: no manifest {!r}; check --dest".format(manifest))
    written, folders = _read_manifest(manifest)
    removed = []
    for relative, digest in sorted(written.items(), reverse=True):
        path = os.path.join(dest, relative)
        if _remove_if_unchanged(path, digest, out):
            removed.append(path)
    os.remove(manifest)
    out("removed {}".format(manifest))
    removed.append(manifest)
    paths = [os.path.normpath(os.path.join(dest, f)) for f in folders]
    for folder in sorted(paths, key=lambda p: (-p.count(os.sep), p)):  # innermost first
        if os.path.isdir(folder) and not os.listdir(folder):
            os.rmdir(folder)
            out("removed {}".format(folder))
            removed.append(folder)
    return removed


def _run(arguments: argparse.Namespace) -> int:
    try:
        dest = arguments.dest
        if dest is None:
            target = _installable(arguments.host)
            # Uninstall looks where install would write, existing or not.
            creating = arguments.create or arguments.action == "uninstall"
            dest = default_dest(target, create=creating)
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
    names = hosts()
    for action, text in (("install", "copy a host adapter and reloader into its plug-in folder"),
                         ("uninstall", "remove exactly what install wrote")):
        command = subparsers.add_parser(action, help=text, description=text)
        command.add_argument("host", metavar="HOST", help="one of: " + ", ".join(names))
        command.add_argument("--dest", metavar="DIR",
                             help="the host's plug-in folder (default: where the host looks, "
                             "in its user folder)")
        if action == "install":
            command.add_argument("--create", action="store_true",
                                 help="make the host's user folder when it does not exist")
        command.set_defaults(run=_run, action=action, create=False)
