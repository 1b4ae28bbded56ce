"""The inotify notifier: what it names, what it never misses, and when it gives up."""

import ctypes
import errno
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
from typing import Any
from unittest import mock

from reloader import _changes, _inotify
from tests import test_changes

_Scanner = _changes.Scanner

LINUX = sys.platform.startswith("linux")


def write(path: str, text: str = "X = 1\n") -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)
    return path


@unittest.skipUnless(LINUX, "inotify is Linux only")
class NotifierTest(unittest.TestCase):
    def setUp(self) -> None:
        self.root = os.path.realpath(tempfile.mkdtemp(prefix="reloader-notify-"))
        self.addCleanup(shutil.rmtree, self.root, True)
        self.module = write(os.path.join(self.root, "pkg", "mod.py"))
        self.notifier = _inotify.Notifier([self.root])
        self.addCleanup(self.notifier.close)

    def test_nothing_happened_reads_no_folder(self) -> None:
        def refuse(*_: Any, **__: Any) -> None:
            raise AssertionError("walked or stat-ed with nothing to look at")

        with mock.patch("os.walk", refuse), mock.patch("os.stat", refuse), \
                mock.patch("os.scandir", refuse):
            self.assertEqual(self.notifier.pending(), set())

    def test_a_write_names_the_file_once_however_many_saves(self) -> None:
        for value in range(5):
            write(self.module, "X = {}\n".format(value))
        self.assertEqual(self.notifier.pending(), {self.module})
        self.assertEqual(self.notifier.pending(), set())

    def test_save_through_a_temporary_file_and_delete_then_recreate(self) -> None:
        temporary = write(os.path.join(self.root, "pkg", ".mod.py.swp"), "X = 2\n")
        os.replace(temporary, self.module)
        self.assertIn(self.module, self.notifier.pending())
        os.remove(self.module)
        write(self.module, "X = 3\n")
        self.assertIn(self.module, self.notifier.pending())

    def test_waits_for_a_first_event(self) -> None:
        self.assertEqual(self.notifier.pending(timeout=0.01), set())
        write(self.module, "X = 4\n")
        self.assertEqual(self.notifier.pending(timeout=5), {self.module})

    def test_a_new_folder_is_watched_and_its_files_named(self) -> None:
        inner = write(os.path.join(self.root, "pkg", "sub", "deep", "new.py"))
        self.assertIn(inner, self.notifier.pending())
        write(inner, "X = 5\n")
        self.assertEqual(self.notifier.pending(), {inner})

    def test_a_new_cache_or_hidden_folder_is_not_watched(self) -> None:
        for name in ("__pycache__", ".hidden"):
            inner = write(os.path.join(self.root, "pkg", name, "mod.py"))
            self.assertIn(os.path.dirname(inner), self.notifier.pending())
            write(inner, "X = 8\n")
            self.assertEqual(self.notifier.pending(), set())

    def test_a_moved_folder_means_look_at_everything_then_it_goes_on(self) -> None:
        os.rename(os.path.join(self.root, "pkg"), os.path.join(self.root, "moved"))
        self.assertIsNone(self.notifier.pending())
        moved = os.path.join(self.root, "moved", "mod.py")
        write(moved, "X = 6\n")
        self.assertEqual(self.notifier.pending(), {moved})

    def test_an_overflowed_queue_means_look_at_everything(self) -> None:
        overflow = struct.pack("iIII", -1, 0x4000, 0, 0)
        reads = iter([overflow])

        def read(fd: int, size: int) -> bytes:
            for chunk in reads:
                return chunk
            raise BlockingIOError

        with mock.patch("os.read", read):
            self.assertIsNone(self.notifier.pending())
        write(self.module, "X = 7\n")
        self.assertEqual(self.notifier.pending(), {self.module})

    def test_too_many_watches_is_unavailable_with_the_reason(self) -> None:
        class Refusing:
            def inotify_add_watch(self, *_: Any) -> int:
                ctypes.set_errno(errno.ENOSPC)
                return -1

        self.notifier._libc = Refusing()  # type: ignore[assignment]
        with self.assertRaisesRegex(_inotify.Unavailable, "max_user_watches"):
            self.notifier._watch(self.root)

    def test_a_network_filesystem_is_unavailable(self) -> None:
        with mock.patch.object(_inotify, "_filesystem", return_value="NFS"):
            with self.assertRaisesRegex(_inotify.Unavailable, r"network filesystem \(NFS\)"):
                _inotify.Notifier([self.root])

    def test_a_closed_notifier_answers_look_at_everything(self) -> None:
        self.notifier.close()
        self.notifier.close()
        self.assertIsNone(self.notifier.pending())


class UnavailableTest(unittest.TestCase):
    @unittest.skipUnless(LINUX, "inotify is Linux only")
    def test_a_python_without_ctypes_polls_and_says_why(self) -> None:
        program = ("import sys; sys.modules['_ctypes'] = None\n"
                   "import reloader\n"
                   "watcher = reloader.Watcher({!r})\n"
                   "print(watcher.mode); print(watcher.fallback)\n").format(tempfile.gettempdir())
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        done = subprocess.run([sys.executable, "-c", program], cwd=root, capture_output=True,
                              text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.splitlines(), [
            "polling", "no ctypes in this Python: import of _ctypes halted; None in sys.modules"])

    def test_other_systems(self) -> None:
        with mock.patch.object(sys, "platform", "darwin"):
            with self.assertRaisesRegex(_inotify.Unavailable, "Linux only .this is darwin"):
                _inotify.Notifier([tempfile.gettempdir()])



@unittest.skipUnless(LINUX, "inotify is Linux only")
class NotifiedScannerTest(test_changes.ScannerTest):
    """Every scanner behaviour holds when the operating system names the changes."""

    def setUp(self) -> None:
        super().setUp()
        patcher = mock.patch.object(_changes, "Scanner", _notified)
        patcher.start()
        self.addCleanup(patcher.stop)


def _notified(roots: Any, **options: Any) -> Any:
    scanner = _Scanner(roots, notify=True, **options)
    assert scanner.mode == "inotify", scanner.fallback
    return scanner


if __name__ == "__main__":
    unittest.main()
