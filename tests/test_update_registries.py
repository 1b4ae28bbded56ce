"""Registrations a purged module made with the standard library are undone, and back on failure."""

import atexit
import logging
import os
import signal
import sys
import threading
import unittest
import warnings

import reloader
from tests.support import PackageCase

_FAIL = "raise RuntimeError('boom')\n"


class RegistryCase(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        self.write("{pkg}/__init__.py")

    def fail_reload(self) -> None:
        self.write("{pkg}/z.py", "import {pkg}.a\n")
        self.load("{pkg}.z")
        self.write("{pkg}/z.py", "import {pkg}.a\n" + _FAIL)
        with self.assertRaises(reloader.ReloadError):
            reloader.reload(self.pkg)
        self.write("{pkg}/z.py", "import {pkg}.a\n")


class LoggingTest(RegistryCase):
    def logger(self) -> logging.Logger:
        logger = logging.getLogger(self.pkg + ".test")
        self.addCleanup(setattr, logger, "handlers", [])
        self.addCleanup(setattr, logger, "filters", [])
        return logger

    def test_handler_bound_to_a_global_is_not_duplicated(self) -> None:
        logger = self.logger()
        source = (
            "import logging\nhandler = logging.NullHandler()\n"
            "logging.getLogger('{pkg}.test').addHandler(handler)\n"
        )
        self.write("{pkg}/a.py", source)
        self.load("{pkg}.a")
        reloader.reload(self.pkg)
        self.assertEqual(logger.handlers, [self.mod("{pkg}.a").handler])

    def test_handler_added_inline_is_recognised_from_the_second_reload(self) -> None:
        logger = self.logger()
        self.write("{pkg}/a.py", (
            "import logging\n"
            "logging.getLogger('{pkg}.test').addHandler(logging.NullHandler())\n"
        ))
        self.load("{pkg}.a")
        reloader.reload(self.pkg)
        self.assertEqual(len(logger.handlers), 2)  # the first import was not watched
        reloader.reload(self.pkg)
        self.assertEqual(len(logger.handlers), 2)

    def test_what_dict_config_adds_is_recognised_and_logging_is_left_as_it_was(self) -> None:
        # The additions are noted as they are made (Logger.addHandler and
        # Filterer.addFilter, which dictConfig calls), not by scanning every
        # logger after each module: the logging classes get their own methods back.
        logger = self.logger()
        methods = (logging.Logger.addHandler, logging.Filterer.addFilter)
        self.write("{pkg}/a.py", """
            import logging.config
            logging.config.dictConfig({
                "version": 1, "disable_existing_loggers": False,
                "filters": {"quiet": {"name": "nothing"}},
                "handlers": {"null": {"class": "logging.NullHandler", "filters": ["quiet"]}},
                "loggers": {"{pkg}.test": {"handlers": ["null"], "filters": ["quiet"]}},
            })
            """)
        self.load("{pkg}.a")
        for _ in range(3):
            reloader.reload(self.pkg)
            self.assertEqual((logging.Logger.addHandler, logging.Filterer.addFilter), methods)
        # dictConfig replaces a logger's handlers itself; its filters add up
        # but for the one of the first import, made before any reload noted it.
        self.assertEqual((len(logger.handlers), len(logger.filters)), (1, 2))
        self.assertEqual(len(logger.handlers[-1].filters), 1)
        self.fail_reload()
        self.assertEqual((logging.Logger.addHandler, logging.Filterer.addFilter), methods)
        self.assertEqual((len(logger.handlers), len(logger.filters)), (1, 2))

    def test_handler_and_filter_of_owned_classes_are_removed(self) -> None:
        logger = self.logger()
        self.write(
            "{pkg}/a.py",
            """
            import logging
            class Mine(logging.Handler):
                def emit(self, record):
                    pass
            def only_errors(record):
                return record.levelno >= logging.ERROR
            logger = logging.getLogger('{pkg}.test')
            logger.addHandler(Mine())
            logger.addFilter(only_errors)
            """,
        )
        self.load("{pkg}.a")
        reloader.reload(self.pkg)
        self.assertEqual(len(logger.handlers), 1)
        self.assertEqual(len(logger.filters), 1)

    def test_failed_reload_puts_the_handler_back(self) -> None:
        logger = self.logger()
        self.write("{pkg}/a.py", (
            "import logging\n"
            "h = logging.NullHandler()\n"
            "logging.getLogger('{pkg}.test').addHandler(h)\n"
        ))
        a = self.load("{pkg}.a")
        self.fail_reload()
        self.assertEqual(logger.handlers, [a.h])

    def test_handler_imported_from_a_module_that_stays_is_kept(self) -> None:
        logger = self.logger()
        shared = logging.NullHandler()
        logger.addHandler(shared)
        sys.modules["reloader_test_shared"] = type(sys)("reloader_test_shared")
        sys.modules["reloader_test_shared"].shared = shared  # type: ignore[attr-defined]
        self.write("{pkg}/a.py", "from reloader_test_shared import shared\n")
        self.load("{pkg}.a")
        reloader.reload(self.pkg)
        self.assertEqual(logger.handlers, [shared])


class _Probe:
    def __init__(self) -> None:
        self.seen: list = []

    def __eq__(self, other: object) -> bool:
        self.seen.append(other)
        return False

    __hash__ = None  # type: ignore[assignment]


def registered() -> list:
    probe = _Probe()
    atexit.unregister(probe)
    return probe.seen[::-1] if sys.version_info >= (3, 14) else probe.seen  # in order


class AtexitTest(RegistryCase):
    def test_atexit_function_is_unregistered_and_put_back_on_failure(self) -> None:
        self.write(
            "{pkg}/a.py",
            (
                "import atexit\n"
                "@atexit.register\n"
                "def bye():\n"
                "    pass\n"
                "atexit.register(lambda: None)\n"
            ),
        )
        a = self.load("{pkg}.a")
        self.addCleanup(lambda: [atexit.unregister(f) for f in registered()
                                 if getattr(f, "__module__", "") == a.__name__])
        mine = [f for f in registered() if getattr(f, "__module__", "") == a.__name__]
        self.assertEqual(mine[0], a.bye)
        reloader.reload(self.pkg)
        now = [f for f in registered() if getattr(f, "__module__", "") == a.__name__]
        self.assertEqual(len(now), 2)
        self.assertIs(now[0], self.mod("{pkg}.a").bye)
        self.fail_reload()
        self.assertEqual([f for f in registered() if f in now], now)
        mine = [f for f in registered() if getattr(f, "__module__", "") == a.__name__]
        self.assertEqual(len(mine), 2)


class HookTest(RegistryCase):
    def test_excepthooks_are_reset_and_put_back(self) -> None:
        self.addCleanup(setattr, sys, "excepthook", sys.excepthook)
        if hasattr(threading, "excepthook"):
            self.addCleanup(setattr, threading, "excepthook", threading.excepthook)
        self.write(
            "{pkg}/a.py",
            """
            import sys, threading
            def hook(*args):
                pass
            sys.excepthook = hook
            if hasattr(threading, 'excepthook'):
                threading.excepthook = hook
            """,
        )
        hook = self.load("{pkg}.a").hook
        self.fail_reload()
        self.assertIs(sys.excepthook, hook)
        if hasattr(threading, "excepthook"):
            self.assertIs(threading.excepthook, hook)
        self.write("{pkg}/a.py", "import sys\n")
        reloader.reload(self.pkg)
        self.assertIs(sys.excepthook, sys.__excepthook__)
        if hasattr(threading, "excepthook"):
            self.assertIsNot(threading.excepthook, hook)

    @unittest.skipUnless(hasattr(signal, "SIGUSR1"), "no SIGUSR1 on this platform")
    def test_signal_handler_is_reset_and_put_back(self) -> None:
        self.addCleanup(signal.signal, signal.SIGUSR1, signal.getsignal(signal.SIGUSR1))
        self.write("{pkg}/a.py", (
            "import signal\n"
            "def on_usr1(*args):\n"
            "    pass\n"
            "signal.signal(signal.SIGUSR1, on_usr1)\n"
        ))
        handler = self.load("{pkg}.a").on_usr1
        self.fail_reload()
        self.assertIs(signal.getsignal(signal.SIGUSR1), handler)
        self.write("{pkg}/a.py", "import signal\n")
        reloader.reload(self.pkg)
        self.assertEqual(signal.getsignal(signal.SIGUSR1), signal.SIG_DFL)


class WarningsTest(RegistryCase):
    def test_filter_for_an_owned_category_is_not_duplicated(self) -> None:
        saved = list(warnings.filters)
        self.addCleanup(lambda: warnings.filters.__setitem__(slice(None), saved))
        self.write(
            "{pkg}/a.py",
            (
                "import warnings\n"
                "class Noisy(UserWarning):\n"
                "    pass\n"
                "warnings.simplefilter('ignore', Noisy)\n"
            ),
        )
        self.load("{pkg}.a")
        reloader.reload(self.pkg)
        self.assertEqual(len(warnings.filters), len(saved) + 1)
        self.fail_reload()
        self.assertEqual(len(warnings.filters), len(saved) + 1)
        self.assertIs(warnings.filters[0][2], self.mod("{pkg}.a").Noisy)


class ImportHooksTest(RegistryCase):
    def test_a_finder_and_a_path_hook_installed_at_import_are_not_doubled(self) -> None:
        # As importlib_metadata's MetadataPathFinder, appended to sys.meta_path at import.
        meta_path, path_hooks = list(sys.meta_path), list(sys.path_hooks)
        self.addCleanup(lambda: sys.meta_path.__setitem__(slice(None), meta_path))
        self.addCleanup(lambda: sys.path_hooks.__setitem__(slice(None), path_hooks))
        self.write(
            "{pkg}/a.py",
            (
                "import sys\n"
                "class Finder:\n"
                "    def find_spec(self, name, path=None, target=None):\n"
                "        return None\n"
                "def hook(path):\n"
                "    raise ImportError(path)\n"
                "sys.meta_path.append(Finder())\n"
                "sys.path_hooks.append(hook)\n"
            ),
        )
        self.load("{pkg}.a")

        def mine() -> list:
            module = self.mod("{pkg}.a")
            return ([f for f in sys.meta_path if type(f).__module__ == module.__name__]
                    + [h for h in sys.path_hooks if getattr(h, "__module__", "") == module.__name__])

        reloader.reload(self.pkg)
        new = mine()
        self.assertEqual(len(new), 2, new)
        self.assertEqual([type(new[0]), new[1].__code__], [self.mod("{pkg}.a").Finder,
                                                          self.mod("{pkg}.a").hook.__code__])
        self.fail_reload()
        self.assertEqual(len(mine()), 2)
        self.assertIs(mine()[0], new[0])


if os.name == "nt":  # pragma: no cover
    del HookTest.test_signal_handler_is_reset_and_put_back
