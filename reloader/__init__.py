"""Reload changed Python code inside interpreters that never restart.

`reload()` purges the modules a target names, and every module importing
them, and imports them again in dependency order as one transaction: if
anything fails, the old modules are put back exactly as they were.
`plan()` shows what a reload would do without doing it. A `Watcher`
reloads exactly the modules whose files changed, as they change. With
`update=True` the old functions and classes the program still holds run the
new code; `stale()` lists old objects something still holds, and
`rebind_namespace()` adds a console namespace to rebind after each reload.
An adapter describes its program with a `Host`, installs it with
`use_host()`, and reloads with `try_reload()`, which returns a Report
whatever happens.
"""

from typing import Any

from ._adapter import try_reload
from ._host import Host, use_host
from ._reload import plan, reload
from ._report import Plan, ReloadError, Report
from ._serve import serve
from ._stale import Stale as Stale  # what stale() returns, for annotations
from ._stale import stale
from ._update import rebind_namespace
from ._watch import Watcher

__version__ = "0.1.0"


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext reloader` in IPython or Jupyter: adds the %reload magic."""
    from . import _ipython

    _ipython.load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """`%unload_ext reloader`: removes the magic and stops automatic mode."""
    from . import _ipython

    _ipython.unload(ipython)


__all__ = (
    "Host",
    "Plan",
    "ReloadError",
    "Report",
    "Watcher",
    "plan",
    "rebind_namespace",
    "reload",
    "serve",
    "stale",
    "try_reload",
    "use_host",
)
