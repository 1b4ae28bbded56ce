"""Hand-written fakes of the host APIs the adapters use, installed into sys.modules per test.

Each fake follows the host's documented API (and, for Sublime Text, the
behaviour of its own `sublime_plugin.py`): it records calls, refuses calls
from another thread where the host does, and keeps the host's registries in
the same shape. `install_fakes()` loads a fresh copy of each fake under the
host's module name for one test and removes it afterwards, so no state
leaks between tests.
"""

import importlib.util
import os
import sys
import threading
import types
import unittest
from typing import Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))


def install_fakes(case: unittest.TestCase, modules: Dict[str, str]) -> Dict[str, types.ModuleType]:
    """Load `modules` (host name -> fake file in this folder) into sys.modules for `case`.

    Dotted host names get their parents created as plain packages. Everything
    installed is removed again in the test's cleanup.
    """
    loaded: Dict[str, types.ModuleType] = {}
    added: List[str] = []
    for name, filename in modules.items():
        parts = name.split(".")
        for depth in range(1, len(parts)):
            parent = ".".join(parts[:depth])
            if parent not in sys.modules:
                package = types.ModuleType(parent)
                package.__path__ = []  # type: ignore[attr-defined]
                sys.modules[parent] = package
                added.append(parent)
        spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        added.append(name)
        spec.loader.exec_module(module)
        if len(parts) > 1:
            setattr(sys.modules[".".join(parts[:-1])], parts[-1], module)
        loaded[name] = module

    def remove() -> None:
        for name in reversed(added):
            sys.modules.pop(name, None)
            for other in [n for n in sys.modules if n.startswith(name + ".")]:
                del sys.modules[other]  # submodules a fake loaded for itself

    case.addCleanup(remove)
    return loaded


class MainThread:
    """The thread a fake host treats as its main thread: the one that loaded it."""

    def __init__(self) -> None:
        self.ident = threading.get_ident()

    def check(self, what: str) -> None:
        if threading.get_ident() != self.ident:
            raise RuntimeError("{} must be called on the main thread".format(what))
