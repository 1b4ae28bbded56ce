"""What an adapter calls to reload: a reload that always ends in a Report.

A host shows a report; it has no use for an exception. `try_reload()` turns
every way a reload can refuse or fail into the Report the host shows.
Nothing here selects, imports or shows anything itself.
"""

from ._reload import reload
from ._report import ReloadError, Report


class Refused(Report):
    """A reload refused before anything was selected: the error's own text says why."""

    def message(self) -> str:
        return str(self.error)

    def format(self) -> str:
        return self.message()  # a traceback into reloader would say nothing more


def try_reload(*targets: object, dependents: bool = True, update: bool = True) -> Report:
    """Reload as `reload()` does; return the Report, failed or not, and never raise.

    A failed reload returns its Report (everything was restored first). Bad
    targets (`ValueError`, `TypeError`) and a reload asked for during another
    (`RuntimeError`) return a failed Report that changed nothing: its `error`
    is the exception and its text the exception's message. KeyboardInterrupt
    and SystemExit still propagate.
    """
    try:
        return reload(*targets, dependents=dependents, update=update)
    except ReloadError as error:
        return error.report
    except (ValueError, TypeError, RuntimeError) as error:
        return Refused(error=error, rolled_back=True)
