"""Which hosts `python -m reloader install` knows, what it copies for each, and where.

Every folder of `hosts/` that holds an `install.json` is a host; the file
says everything install needs, so this module knows no host by name:

    copy      [[from, to], ...]: a file or a whole folder under the host's
              folder, and where it goes under DEST
    package   where the copy of the reloader package goes under DEST
    manifest  where install keeps its record under DEST
              (default ".reloader-HOST-manifest.json")
    startup   {"file", "text", "path"}: a start-up file under DEST, written
              when absent; "{path}" in the text is DEST/path, absolute
    dest      {"linux" | "macos" | "windows": [[folder, under], ...]}: the
              default DEST is `under` inside the host's user `folder`; the
              first alternative whose environment variables are all set
              counts (other POSIX systems use "linux")
    instead   the text to show when the host needs nothing copied

In a folder, `~` is the user's home, `$NAME` an environment variable,
`{documents}` and `{appdata}` the user's Documents and roaming AppData
folders on Windows (asked of the system, so a redirected Documents folder
counts), and a `{newest}` part the newest version-numbered folder there.

The host folders are `hosts/` beside the package in a checkout, or
`reloader/_hosts/` where the wheel puts them. This module reads; it writes
nothing and never imports a host module.
"""

import json
import os
import re
import sys
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
BUNDLED_DIR = os.path.join(PACKAGE_DIR, "_hosts")  # where the wheel puts hosts/
CHECKOUT_DIR = os.path.join(os.path.dirname(PACKAGE_DIR), "hosts")
DATA_FILE = "install.json"

# Windows known folders (KNOWNFOLDERID values, from the Windows SDK's KnownFolders.h).
KNOWN_FOLDERS = {
    "documents": "FDD39AD0-238F-46AF-ADB4-6C85480369C7",  # FOLDERID_Documents
    "appdata": "3EB685DB-65F9-4CF6-A03A-E3EF65729F3D",  # FOLDERID_RoamingAppData
}


class InstallError(Exception):
    """Install or uninstall cannot go ahead; nothing was changed."""


class Startup(NamedTuple):
    """A host start-up file that loads the adapter."""

    file: str  # under DEST
    text: str  # with "{path}" for the absolute DEST/path
    path: str  # under DEST


class Layout(NamedTuple):
    """What install writes for one host, read from its `install.json`."""

    host: str
    folder: str  # the host's adapter folder
    copies: Tuple[Tuple[str, str], ...]
    package: str
    manifest: str
    startup: Optional[Startup]
    dest: Dict[str, Tuple[Tuple[str, str], ...]]
    instead: Optional[str]


def hosts_dir() -> str:
    """The folder holding the host adapters: the wheel's copy, else the checkout's."""
    for folder in (BUNDLED_DIR, CHECKOUT_DIR):
        if os.path.isdir(folder):
            return folder
    raise InstallError(
        "no host adapters beside this copy of reloader (looked for {!r} and {!r}); run "
        "install from a checkout of reloader or from reloader installed with pip".format(
            BUNDLED_DIR, CHECKOUT_DIR))


def hosts() -> List[str]:
    """The names of the hosts install knows, sorted; empty when no adapters are found."""
    try:
        return _names(hosts_dir())
    except InstallError:
        return []


def _names(root: str) -> List[str]:
    return sorted(name for name in os.listdir(root)
                  if os.path.isfile(os.path.join(root, name, DATA_FILE)))


def layout(host: str) -> Layout:
    """The install layout of `host`, read and checked; InstallError if unknown or malformed."""
    root = hosts_dir()
    known = _names(root)
    if host not in known:
        raise InstallError("unknown host {!r}; choose one of {}".format(host, ", ".join(known)))
    folder = os.path.join(root, host)
    path = os.path.join(folder, DATA_FILE)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        return _parse(host, folder, data)
    except (OSError, ValueError, TypeError, KeyError) as error:
        problem = "no key {}".format(error) if isinstance(error, KeyError) else str(error)
        raise InstallError("cannot read {!r}: {}; see the format in reloader/{}".format(
            path, problem, os.path.basename(__file__))) from error


def _pairs(value: Any, what: str) -> Tuple[Tuple[str, str], ...]:
    if not isinstance(value, list) or not all(
            isinstance(pair, list) and len(pair) == 2
            and all(isinstance(part, str) for part in pair) for pair in value):
        raise ValueError("{} must be a list of [string, string] pairs".format(what))
    return tuple((pair[0], pair[1]) for pair in value)


def _parse(host: str, folder: str, data: Any) -> Layout:
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    unknown = set(data) - {"copy", "package", "manifest", "startup", "dest", "instead"}
    if unknown:
        raise ValueError("unknown key {!r}".format(sorted(unknown)[0]))
    instead = data.get("instead")
    if instead is not None:
        return Layout(host, folder, (), "", "", None, {}, str(instead))
    startup = data.get("startup")
    return Layout(
        host=host,
        folder=folder,
        copies=_pairs(data["copy"], "'copy'"),
        package=str(data["package"]),
        manifest=str(data.get("manifest", ".reloader-{}-manifest.json".format(host))),
        startup=None if startup is None else Startup(
            str(startup["file"]), str(startup["text"]), str(startup["path"])),
        dest={system: _pairs(choices, "'dest' of {!r}".format(system))
              for system, choices in dict(data["dest"]).items()},
        instead=None,
    )


# ---------------------------------------------------------------- the default DEST


def system() -> str:
    """The key of this operating system in the `dest` table."""
    if sys.platform == "win32":
        return "windows"
    return "macos" if sys.platform == "darwin" else "linux"


def known_folder(name: str) -> str:
    """A Windows known folder ("documents", "appdata") from SHGetKnownFolderPath."""
    import ctypes
    import uuid

    guid = (ctypes.c_ubyte * 16).from_buffer_copy(uuid.UUID(KNOWN_FOLDERS[name]).bytes_le)
    path = ctypes.c_wchar_p()
    windll = getattr(ctypes, "windll", None)
    if windll is None:
        raise InstallError("the {} folder is known on Windows only".format(name))
    result = windll.shell32.SHGetKnownFolderPath(ctypes.byref(guid), 0, None, ctypes.byref(path))
    try:
        if result != 0 or not path.value:
            raise InstallError("Windows did not say where the {} folder is (error {:#x}); "
                               "give --dest".format(name, result & 0xFFFFFFFF))
        return str(path.value)
    finally:
        windll.ole32.CoTaskMemFree(path)  # the system allocated it


def _newest(parent: str) -> Optional[str]:
    try:
        names = [n for n in os.listdir(parent) if re.match(r"^\d+(\.\d+)*$", n)]
    except OSError:
        return None
    if not names:
        return None
    return max(names, key=lambda n: tuple(int(p) for p in n.split(".")))


def expand(folder: str) -> Optional[str]:
    """A `dest` folder as a path; None when an environment variable it names is unset.

    A `{newest}` part with no version folder to pick stays as it is, so
    that the path does not exist.
    """
    path = ""
    for number, part in enumerate(folder.split("/")):
        if number == 0 and part == "~":
            part = os.path.expanduser("~")
        elif part.startswith("$"):
            value = os.environ.get(part[1:])
            if not value:
                return None
            part = value
        elif part in ("{documents}", "{appdata}"):
            part = known_folder(part[1:-1])
        elif part == "{newest}":
            part = _newest(path) or part
        path = os.path.join(path, part) if path else part
    return os.path.normpath(path)


def default_dest(host: Layout, *, create: bool = False) -> str:
    """Where `host` goes by default: `under` in the host's user folder, which must exist.

    With `create`, a missing user folder is made (by install); without,
    InstallError says the host's folder does not exist.
    """
    choices = host.dest.get(system(), ())
    for folder, under in choices:
        path = expand(folder)
        if path is None:
            continue
        if "{newest}" in path:  # no version folder to pick: nothing to --create
            parent = os.path.dirname(path.split("{newest}")[0])
            problem = "holds no version folder" if os.path.isdir(parent) else "does not exist"
            raise InstallError("{}'s user folder {!r} {}; start {} once, or give --dest "
                               "DIR".format(host.host, parent, problem, host.host))
        if not os.path.isdir(path) and not create:
            raise InstallError(
                "{}'s user folder {!r} does not exist; start {} once, or give --dest DIR, "
                "or --create to make it".format(host.host, path, host.host))
        return os.path.join(path, *under.split("/")) if under else path
    raise InstallError("no default folder for {} on {}; give --dest DIR".format(
        host.host, system()))
