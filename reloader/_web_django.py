"""Django under `python -m reloader run manage.py runserver`: one process, edits served.

Django's handler stays; what it looks up by name is looked up again after
each reload: the URL resolvers are cleared (and the root URLconf re-imported
when a URLconf it includes was), so the next request resolves to the new
views, and the template engines are made again when a template tag library
was reloaded. With DEBUG on, templates are read afresh for every request (the
autoreloader that would tell Django's template cache of changes is off).
Before the purge, what the purged modules registered is taken out (put back
if the reload fails): admin registrations of their ModelAdmins, or of their
app's models when the app's `admin` module is purged, and signal receivers
they define, so that the new code registers exactly once. A module that
defines model classes is refused before anything changes: Django keeps one
class per model for the life of the process. The autoreloader's restarting
child process is turned off.
"""

import os
import sys
import types
import weakref
from typing import Any, Callable, Dict, List, Sequence, Set, Tuple

from . import Host, Report, Watcher, _web, reload, use_host

DEFAULT_WATCH_CWD = False  # the folder of manage.py is the project's


class ModelsNeedRestart(RuntimeError):
    """A reload would re-import a module that defines Django model classes."""

    def __init__(self, module: str, models: List[str]) -> None:
        super().__init__(
            "module {!r} defines Django models ({}), which Django cannot load twice in one "
            "process; restart the server to run the changed models".format(
                module, ", ".join(models)
            )
        )
        self.module = module
        self.models = models


def recognizes(program: List[str], is_module: bool) -> bool:
    if is_module:
        return program[0] == "django" and "runserver" in program[1:]
    return os.path.basename(program[0]) == "manage.py" and "runserver" in program[1:]


def install(watcher: Watcher, say: Callable[[str], None]) -> _web.Undo:
    """Serve runserver's handler through a front, refuse model reloads, no autoreloader."""
    from django.core.management.commands import runserver  # type: ignore[import-not-found]
    from django.utils import autoreload  # type: ignore[import-not-found]

    original_handler = runserver.Command.get_handler
    fronts: List[_web.WsgiFront] = []

    def run_with_reloader(main_func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        say("Django's autoreloader is off: reloader serves edits in this process")
        return main_func(*args, **kwargs)

    def get_handler(command: Any, *args: Any, **options: Any) -> Any:
        handler = _fresh_templates(original_handler(command, *args, **options))
        front = _web.WsgiFront(watcher, lambda: handler, None, after_reload=_after_reload)
        fronts.append(front)
        front.start()
        say("serving the project through reloader: edits are served without a restart")
        return front

    undo = [
        _web.replace(autoreload, "run_with_reloader", run_with_reloader),
        _web.replace(runserver.Command, "get_handler", get_handler),
        use_host(
            Host("django", hooks=[_before_purge])
        ),
    ]
    return _web.uninstaller(fronts, undo)


def _fresh_templates(handler: Any) -> Any:
    """With DEBUG on, read templates afresh for every request.

    Django caches compiled templates and relies on its autoreloader, which
    is off here, to forget those whose files changed: forget them all.
    """
    from django.conf import settings  # type: ignore[import-not-found]
    from django.template.autoreload import reset_loaders  # type: ignore[import-not-found]

    if not settings.DEBUG:
        return handler

    def fresh(environ: Any, start_response: Any) -> Any:
        reset_loaders()
        return handler(environ, start_response)

    return fresh


def _after_reload(old: object, new: object, report: Report) -> None:
    """Resolve URLs from the new URLconfs from the next request on.

    `include("app.urls")` holds the module it imported: when an included
    URLconf was re-imported, the root URLconf is re-imported too.
    """
    from django.conf import settings
    from django.urls import clear_url_caches  # type: ignore[import-not-found]

    root = getattr(settings, "ROOT_URLCONF", None)
    included = [
        name for name in report.reloaded
        if "urlpatterns" in getattr(sys.modules.get(name), "__dict__", {})
    ]
    if isinstance(root, str) and included and root not in report.reloaded:
        reload(root)
    clear_url_caches()
    if any(".templatetags." in name for name in report.reloaded):
        # Template engines load their tag libraries once: make new engines.
        from django.template import engines  # type: ignore[import-not-found]
        from django.template.engine import Engine  # type: ignore[import-not-found]

        engines._engines = {}
        Engine.get_default.cache_clear()


def _before_purge(names: Sequence[str], owned: Host.Owned) -> Host.Finish:
    """Refuse model modules; take out what the purged modules registered with Django.

    The admin registrations and signal receivers are put back if the reload fails.
    """
    from django.db import models  # type: ignore[import-not-found]

    for name in names:
        module = sys.modules.get(name)
        if module is None:
            continue
        defined = [
            value.__name__ for value in list(vars(module).values())
            if isinstance(value, type) and issubclass(value, models.Model)
            and value.__module__ == name and not value._meta.abstract  # type: ignore[attr-defined]
        ]
        if defined:
            raise ModelsNeedRestart(name, defined)
    put_back = [_unregister_admin(set(names)), _disconnect_receivers(owned)]

    def finish(imported: bool) -> None:
        if not imported:
            for step in reversed(put_back):
                step()

    return finish


def _unregister_admin(names: Set[str]) -> Callable[[], None]:
    admin_sites = sys.modules.get("django.contrib.admin.sites")
    if admin_sites is None:
        return lambda: None
    from django.apps import apps  # type: ignore[import-not-found]

    removed: List[Tuple[Dict[Any, Any], Any, Any]] = []
    for site in list(admin_sites.all_sites):
        registry: Dict[Any, Any] = site._registry
        for model, model_admin in list(registry.items()):
            app = apps.get_containing_app_config(model.__module__)
            admin_module = app.name + ".admin" if app is not None else None
            if type(model_admin).__module__ in names or admin_module in names:
                removed.append((registry, model, registry.pop(model)))

    def put_back() -> None:
        for registry, model, model_admin in removed:
            registry[model] = model_admin

    return put_back


def _disconnect_receivers(owned: Host.Owned) -> Callable[[], None]:
    """Take the purged modules' receivers off every loaded Django signal."""
    dispatcher = sys.modules.get("django.dispatch.dispatcher")
    if dispatcher is None:
        return lambda: None
    signals = {
        id(value): value
        for module in list(sys.modules.values()) if isinstance(module, types.ModuleType)
        for value in list(getattr(module, "__dict__", {}).values())
        if isinstance(value, dispatcher.Signal)
    }
    saved: List[Tuple[Any, List[Any]]] = []
    for signal in signals.values():
        with signal.lock:
            kept = []
            for entry in signal.receivers:
                receiver = entry[1]
                if isinstance(receiver, weakref.ReferenceType):  # WeakMethod is one too
                    receiver = receiver()
                if receiver is None or not owned(receiver):
                    kept.append(entry)
            if len(kept) != len(signal.receivers):
                saved.append((signal, list(signal.receivers)))
                signal.receivers = kept
                signal.sender_receivers_cache.clear()

    def put_back() -> None:
        for signal, receivers in saved:
            with signal.lock:
                signal.receivers = receivers
                signal.sender_receivers_cache.clear()

    return put_back
