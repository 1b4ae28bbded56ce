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
    taken = [(index, f) for index, f in enumerate(toy.listeners) if owned(f)]
    toy.listeners[:] = [f for f in toy.listeners if not owned(f)]  # the list Toy holds

    def finish(imported: bool) -> None:
        if not imported:  # drop what the failed attempt added, then put the old ones back
            toy.listeners[:] = [f for f in toy.listeners if not owned(f)]
            for index, function in taken:
                toy.listeners.insert(index, function)

    return finish


def show(report: reloader.Report) -> None:
    toy.write("reloader: {}".format(report) if report.ok else report.format())


HOST = reloader.Host(
    "toy",
    protected=("toy", __name__),  # never purged
    schedule=reloader.Host.post_later(toy.post),
    show=show,
    hooks=(remove_listeners,),
)


def reload_command(name: str) -> None:
    """`reload NAME` in Toy's console: reload on the main thread, show the report."""
    HOST.call_soon(lambda: show(reloader.try_reload(name)))


def install() -> Callable[[], None]:
    """Describe Toy to reloader and add the command; return what undoes it."""
    toy.add_command("reload", reload_command)
    return reloader.use_host(HOST)
