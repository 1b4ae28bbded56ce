"""A fake of `maya.api.OpenMaya` message classes: add*Callback returns an id, removeCallback takes it.

The classes refuse new attributes, as the C types of API 2.0 do.
`fire(kind, *args)` calls the callbacks registered for an event or scene
message, as Maya would; `drop(id)` removes one as Maya does when its node is
deleted, after which `removeCallback(id)` raises. Calls from another thread
are refused.
"""

import itertools
from typing import Any, Callable, Dict, Tuple

import maya.utils

_ids = itertools.count(1000)
registry: Dict[int, Tuple[str, Callable[..., Any], Any]] = {}


def _add(kind: str, function: Callable[..., Any], client_data: Any) -> int:
    maya.utils.main_thread.check("OpenMaya add callback")
    if not callable(function):
        raise TypeError("a callback must be callable")
    callback_id = next(_ids)
    registry[callback_id] = (kind, function, client_data)
    return callback_id


class _CType(type):
    def __setattr__(cls, name: str, value: Any) -> None:
        raise TypeError("cannot set {!r} attribute of immutable type 'OpenMaya.{}'".format(
            name, cls.__name__))


class MMessage(metaclass=_CType):
    kDefaultAction = 0

    @staticmethod
    def removeCallback(callback_id: int) -> None:
        maya.utils.main_thread.check("MMessage.removeCallback")
        if callback_id not in registry:
            raise RuntimeError("(kInvalidParameter): Object does not exist")
        del registry[callback_id]

    @staticmethod
    def removeCallbacks(ids: Any) -> None:
        for callback_id in list(ids):
            MMessage.removeCallback(callback_id)


class MEventMessage(MMessage):
    @staticmethod
    def addEventCallback(eventName: str, function: Callable[..., Any], clientData: Any = None) -> int:
        return _add("event:" + eventName, function, clientData)


class MSceneMessage(MMessage):
    kAfterOpen = 1
    kBeforeSave = 2

    @staticmethod
    def addCallback(message: int, function: Callable[..., Any], clientData: Any = None) -> int:
        return _add("scene:{}".format(message), function, clientData)


def drop(callback_id: int) -> None:
    del registry[callback_id]


def fire(kind: str) -> int:
    ran = 0
    for registered_kind, function, client_data in list(registry.values()):
        if registered_kind == kind:
            function(client_data)
            ran += 1
    return ran
