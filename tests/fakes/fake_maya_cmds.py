"""A fake of `maya.cmds`: script jobs with ids, menus, dialogs; main thread only, as in Maya.

`batch` says whether Maya runs without its interface (`about(batch=True)`).
Script jobs call their function through `fire(event)`. `prompt_answers`
scripts what `promptDialog` returns; `warnings` records `warning()`.
"""

import itertools
from typing import Any, Callable, Dict, List, Tuple

import maya.utils

batch = False
jobs: Dict[int, Dict[str, Any]] = {}
_job_ids = itertools.count(1)
ui: Dict[str, Dict[str, Any]] = {"MayaWindow": {"type": "window"}}
menu_items: List[Dict[str, Any]] = []
warnings: List[str] = []
prompt_answers: List[Tuple[str, str]] = []  # (button, text)
_prompt_text = [""]
_names = itertools.count(1)


def _main(what: str) -> None:
    maya.utils.main_thread.check("maya.cmds." + what)


def about(batch: bool = False, **_: Any) -> bool:
    _main("about")
    return globals()["batch"]


def scriptJob(**kwargs: Any) -> Any:
    _main("scriptJob")
    if "exists" in kwargs:
        return kwargs["exists"] in jobs
    if "kill" in kwargs:
        job = kwargs["kill"]
        if job not in jobs:
            raise RuntimeError("Job number {} does not exist".format(job))
        if jobs[job].get("protected") and not kwargs.get("force"):
            raise RuntimeError("Job {} is protected; use force".format(job))
        del jobs[job]
        return None
    if "listJobs" in kwargs:
        return ["{}: {}".format(i, k) for i, k in jobs.items()]
    events = [key for key in ("event", "e", "idleEvent", "ie", "conditionChange", "cc",
                              "attributeChange", "ac", "timeChange", "tc") if key in kwargs]
    if len(events) != 1:
        raise TypeError("scriptJob needs exactly one trigger flag")
    job = next(_job_ids)
    jobs[job] = dict(kwargs)
    return job


def fire(event: str) -> int:
    """Run every job waiting for `event`, as Maya would; return how many ran."""
    ran = 0
    for kwargs in list(jobs.values()):
        trigger = kwargs.get("event") or kwargs.get("e")
        if trigger and trigger[0] == event:
            trigger[1]()
            ran += 1
    return ran


def menu(name: str = "", **kwargs: Any) -> Any:
    _main("menu")
    if kwargs.get("exists"):
        return name in ui and ui[name]["type"] == "menu"
    parent = kwargs.get("parent")
    if parent not in ui:
        raise RuntimeError("Object's parent {!r} not found".format(parent))
    name = name or "menu{}".format(next(_names))
    ui[name] = {"type": "menu", "parent": parent, "label": kwargs.get("label")}
    menu_items[:] = [item for item in menu_items if item["menu"] != name]
    globals()["_current_menu"] = name
    return name


def menuItem(name: str = "", **kwargs: Any) -> Any:
    _main("menuItem")
    if kwargs.get("exists"):
        return name in ui and ui[name]["type"] == "menuItem"
    if kwargs.get("edit"):
        ui[name].update({k: v for k, v in kwargs.items() if k != "edit"})
        return None
    name = name or "menuItem{}".format(next(_names))
    item = dict(kwargs, menu=globals()["_current_menu"], type="menuItem", name=name)
    ui[name] = item
    menu_items.append(item)
    return name


def deleteUI(name: str) -> None:
    _main("deleteUI")
    if name not in ui:
        raise RuntimeError("Object {!r} not found".format(name))
    del ui[name]
    for item in [i for i in menu_items if i["menu"] == name]:
        menu_items.remove(item)
        ui.pop(item["name"], None)


def click(label: str, *args: Any) -> Any:
    """Choose a menu item by label, as the user would."""
    matches = [item for item in menu_items if item.get("label") == label]
    if len(matches) != 1:
        raise AssertionError("{} menu items labelled {!r}".format(len(matches), label))
    command: Callable[..., Any] = matches[0]["command"]
    return command(*args) if args else command(False)


def promptDialog(**kwargs: Any) -> str:
    _main("promptDialog")
    if kwargs.get("query"):
        return _prompt_text[0]
    button, text = prompt_answers.pop(0)
    _prompt_text[0] = text
    return button


option_vars: Dict[str, Any] = {}  # what Maya saves in userPrefs.mel


def optionVar(**kwargs: Any) -> Any:
    _main("optionVar")
    if "exists" in kwargs:
        return kwargs["exists"] in option_vars
    if "q" in kwargs or "query" in kwargs:
        return option_vars.get(kwargs.get("q", kwargs.get("query")), 0)
    for flag in ("intValue", "stringValue", "floatValue"):
        if flag in kwargs:
            name, value = kwargs[flag]
            option_vars[name] = value
            return None
    raise TypeError("this fake takes exists, q or intValue/stringValue/floatValue")


def warning(message: str) -> None:
    _main("warning")
    warnings.append(message)
