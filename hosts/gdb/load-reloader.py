"""Source this file from gdb (`source .../load-reloader.py`, e.g. in ~/.config/gdb/gdbinit).

It puts its own folder on sys.path, where a copy of the `reloader` package
sits next to it, and adds the `reloader-reload` command. gdb runs sourced
files as `__main__`, so the work lives in the importable `reloader_gdb`.
"""

import os
import sys


def _here() -> None:
    """Its code knows this file's name; __file__ is the outermost sourced file's."""


_folder = os.path.dirname(os.path.abspath(_here.__code__.co_filename))
if _folder not in sys.path:
    sys.path.insert(0, _folder)

import reloader_gdb  # noqa: E402

reloader_gdb.install()
