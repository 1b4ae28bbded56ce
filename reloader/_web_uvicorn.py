"""FastAPI, Starlette or any ASGI app under `python -m reloader run -m uvicorn MODULE:APP`.

FastAPI reads an endpoint's signature and dependencies once, when the route
is added, and an app only ever adds routes: so the app is never changed in
place. Editing a router re-imports the module that includes it, which builds
a new app with one route per path, parsed from the new code; the front
serves it from the next request on, and reloads run on uvicorn's event loop
between requests. What the lifespan put in `app.state` is carried over to
the new app (its lifespan does not run again). uvicorn's restarting reloader
(`--reload`) is turned off.
"""

import importlib
from typing import Any, Callable, List, Optional, Tuple

from . import Report, Watcher, _web

DEFAULT_WATCH_CWD = True  # MODULE:APP names a module in the current folder


def recognizes(program: List[str], is_module: bool) -> bool:
    return is_module and program[0] == "uvicorn"


def install(watcher: Watcher, say: Callable[[str], None]) -> _web.Undo:
    """Give uvicorn a front in place of the app, and turn its --reload off."""
    import uvicorn  # type: ignore[import-not-found]
    import uvicorn.config  # type: ignore[import-not-found]

    # The package's `main` attribute is the command, not the module of that name.
    main = importlib.import_module("uvicorn.main")
    original_run = main.run
    original_load = uvicorn.config.Config.load_app
    fronts: List[_web.AsgiFront] = []
    restarting: List[bool] = []

    def run(app: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("reload"):
            kwargs["reload"] = False
            restarting.append(True)
        workers = kwargs.get("workers")
        if isinstance(workers, int) and workers > 1:
            say("serving with 1 worker, not {}: reloader reloads in this process only".format(
                workers))
            kwargs["workers"] = 1
        return original_run(app, *args, **kwargs)

    def load_app(config: Any) -> Any:
        if fronts:
            return fronts[0]
        locate, module = _where(config, original_load)
        front = _web.AsgiFront(watcher, locate, module, after_reload=_carry_state)
        fronts.append(front)
        front.start()
        say(
            "serving {!r} through reloader: edits are served without a restart{}".format(
                config.app if isinstance(config.app, str) else module,
                "; uvicorn's --reload is off" if restarting else "",
            )
        )
        return front

    undo = [
        _web.replace(main, "run", run),
        _web.replace(uvicorn, "run", run),
        _web.replace(uvicorn.config.Config, "load_app", load_app),
    ]
    return _web.uninstaller(fronts, undo)


def _where(config: Any, load: Callable[[Any], Any]) -> Tuple[_web.Locate, Optional[str]]:
    """How to find the app again after a reload, and the module whose reload rebuilds it."""
    from uvicorn.importer import import_from_string  # type: ignore[import-not-found]

    factory = bool(config.factory)
    config.factory = False  # the front is no factory; the factory is called here
    if isinstance(config.app, str):
        spec = config.app
        module = spec.partition(":")[0]
        if factory:
            return (lambda: import_from_string(spec)()), module
        load(config)  # uvicorn's own first import, with its own error message
        return (lambda: import_from_string(spec)), module
    binding = _web.global_binding(config.app)
    if binding is None or factory:
        app = config.app() if factory else config.app
        return (lambda: app), None  # handed over as an object: it stays the same
    return _web.from_global(*binding), binding[0]


def _carry_state(old: Any, new: Any, report: Report) -> None:
    """Give a rebuilt Starlette app what the running one's lifespan stored in `app.state`."""
    if old is new:
        return
    old_state = getattr(getattr(old, "state", None), "_state", None)
    new_state = getattr(getattr(new, "state", None), "_state", None)
    if isinstance(old_state, dict) and isinstance(new_state, dict):
        for key, value in old_state.items():
            new_state.setdefault(key, value)
