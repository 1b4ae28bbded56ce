"""Flask under `python -m reloader run -m flask --app APP run`: Werkzeug's server, a rebuilt app.

A Flask app refuses new routes once it has served a request, and its URL
map keeps every rule it was given: so the app is never changed in place.
The module that creates the app goes with every reload (the front adds
it), so it builds a new app with exactly the new rules, and views that
`@app.route` on the app they import meet that new app; the front serves it
from the next request on. An app made by a
factory (`create_app`) is made again by Flask's own lookup. Werkzeug's
restarting reloader (`--debug`, `--reload`) is turned off.
"""

from typing import Any, Callable, List, Optional, Tuple

from . import Watcher, _web

DEFAULT_WATCH_CWD = True  # `--app` names a module in the current folder


def recognizes(program: List[str], is_module: bool) -> bool:
    return is_module and program[0] == "flask"


def install(watcher: Watcher, say: Callable[[str], None]) -> _web.Undo:
    """Give Werkzeug's development server a front in place of the Flask app."""
    import flask.cli  # type: ignore[import-not-found]
    import werkzeug.serving  # type: ignore[import-not-found]

    original = werkzeug.serving.run_simple
    fronts: List[_web.WsgiFront] = []

    def run_simple(hostname: str, port: int, application: Any, *args: Any, **kwargs: Any) -> None:
        restarting = bool(args[0] if args else kwargs.get("use_reloader"))
        if args:
            args = (False,) + args[1:]
        else:
            kwargs["use_reloader"] = False
        locate, module = _where(application)
        front = _web.WsgiFront(watcher, locate, module)
        fronts.append(front)
        front.start()
        where = "from module {!r}".format(module) if module else "as it is (nothing rebuilds it)"
        say(
            "serving {!r} {} through reloader: edits are served without a restart{}".format(
                getattr(application, "name", application), where,
                "; Werkzeug's restarting reloader is off" if restarting else "",
            )
        )
        original(hostname, port, front, *args, **kwargs)

    undo = [
        _web.replace(werkzeug.serving, "run_simple", run_simple),
        _web.replace(flask.cli, "run_simple", run_simple),
    ]
    return _web.uninstaller(fronts, undo)


def _where(app: Any) -> Tuple[_web.Locate, Optional[str]]:
    """How to find the app again after a reload, and the module whose reload rebuilds it.

    An app that is neither a module global nor a Flask app (a WSGI wrapper
    made inside a function) is served as it is: edited function bodies are
    served, but nothing rebuilds it.
    """
    import flask.cli

    import_name = getattr(app, "import_name", None)
    prefer = [import_name] if isinstance(import_name, str) else []
    binding = _web.global_binding(app, prefer)
    if binding is not None:
        return _web.from_global(*binding), binding[0]
    if not prefer:
        return (lambda: app), None
    # Made by a factory: Flask's lookup calls it again in the new module.
    module = prefer[0]
    return (lambda: flask.cli.locate_app(module, None)), module
