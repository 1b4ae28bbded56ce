"""Reloader for Toy, an imaginary host: a command, main-thread reloads, listener cleanup.

Toy runs plug-ins in one Python interpreter and offers `toy.post(function)`
(run it soon on the main thread; callable from any thread), `toy.listeners`
(functions it calls on every event), `toy.write(text)` and
`toy.add_command(name, function)`. This file only adapts; reloader does the work.
"""

from typing import Callable, Sequence

import toy

import reloader


def remove_listeners(names: Sequence[str], owned: reloader.Host.Owned) -> reloader.Host.Finish:
    """Take out the listeners of the modules being reloaded; put them back if it fails."""
    return reloader.Host.take_out(lambda: [toy.listeners], owned)  # in place: Toy holds it


def show(report: reloader.Report) -> None:
    toy.write("reloader: {}".format(report) if report.ok else report.format())


HOST = reloader.Host(
    "toy",
    protected=("toy", __name__),  # never purged
    schedule=reloader.Host.post_later(toy.post),
    show=show,
    hooks=(remove_listeners,),
)


def install() -> Callable[[], None]:
    """Describe Toy to reloader and add the command `reload NAME`; return what undoes it."""
    toy.add_command("reload", HOST.reload_later)  # on the main thread; shows the report
    return reloader.use_host(HOST)
