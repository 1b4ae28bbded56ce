"""A fake of Sublime Text's `sublime_api`: the resource calls the 3.14 plug-in host imports through.

A resource is named "Packages/<package>/<path>". A loose file under the
Packages folder overrides the member of the same path in
`Installed Packages/<package>.sublime-package`. `stat_resource_file` gives
(full path, size, modification time), the full path of a zipped member
lying inside the archive (".../Tool.sublime-package/lib.py");
`load_binary_resource` gives the bytes. Archives are read on every call.
"""

import os
import time
import zipfile
from typing import Optional, Tuple

import sublime

Stat = Tuple[str, int, float]


def _split(resource: str) -> Optional[Tuple[str, str]]:
    parts = resource.split("/")
    if len(parts) < 2 or parts[0] != "Packages" or not parts[1]:
        return None
    return parts[1], "/".join(parts[2:])


def _archive(package: str) -> str:
    return os.path.join(sublime.installed_packages_path(), package + ".sublime-package")


def stat_resource_file(resource: str) -> Optional[Stat]:
    found = _split(resource)
    if found is None:
        return None
    package, member = found
    loose = os.path.join(sublime.packages_path(), package, *member.split("/"))
    if not member:
        return None
    if os.path.isfile(loose):
        stat = os.stat(loose)
        return loose, stat.st_size, stat.st_mtime
    archive = _archive(package)
    if not os.path.isfile(archive):
        return None
    with zipfile.ZipFile(archive) as z:
        try:
            info = z.getinfo(member)
        except KeyError:
            return None
    stamp = time.mktime(info.date_time + (0, 0, -1))
    return os.path.join(archive, *member.split("/")), info.file_size, stamp


def stat_resource_dir(resource: str) -> Optional[Tuple[str]]:
    found = _split(resource)
    if found is None:
        return None
    package, member = found
    loose = os.path.join(sublime.packages_path(), package, *member.split("/"))
    if os.path.isdir(loose):
        return (loose,)
    archive = _archive(package)
    if os.path.isfile(archive) and not member:
        return (archive,)
    if os.path.isfile(archive):
        with zipfile.ZipFile(archive) as z:
            if any(name.startswith(member + "/") for name in z.namelist()):
                return (os.path.join(archive, *member.split("/")),)
    return None


def load_binary_resource(resource: str, flags: int = 0) -> object:
    """The bytes of `resource`; on error, an exception class (as the real call returns)."""
    stat = stat_resource_file(resource)
    if stat is None:
        return FileNotFoundError
    package, member = _split(resource) or ("", "")
    if os.path.isfile(stat[0]):
        with open(stat[0], "rb") as handle:
            return handle.read()
    with zipfile.ZipFile(_archive(package)) as z:
        return z.read(member)
