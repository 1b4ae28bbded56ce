"""What the scanner sees on disk: new, deleted, renamed and edited files."""

import os
import shutil
import tempfile
import time
import unittest
from typing import Iterator, Tuple
from unittest import mock

from reloader import _changes


class FolderCase(unittest.TestCase):
    """A temporary folder to write source files into."""

    def setUp(self) -> None:
        self.root = os.path.realpath(tempfile.mkdtemp(prefix="reloader-scan-"))
        self.addCleanup(shutil.rmtree, self.root, True)

    def write(self, relative: str, text: str, mtime_ns: int = 0) -> str:
        path = os.path.join(self.root, *relative.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        if mtime_ns:
            os.utime(path, ns=(mtime_ns, mtime_ns))
        return path


class ScannerTest(FolderCase):
    def test_a_folder_that_goes_while_it_is_listed_is_skipped(self) -> None:
        a = self.write("a.py", "A = 1\n")
        self.write("gone/b.py", "B = 1\n")
        scanner = _changes.Scanner([self.root])
        real_scandir = os.scandir

        class Vanishing:
            """A listing whose folder is removed after its first entry."""

            def __init__(self, path: str) -> None:
                self.listing = real_scandir(path)

            def __enter__(self) -> "Vanishing":
                return self

            def __exit__(self, *_: object) -> None:
                self.listing.close()

            def __iter__(self) -> Iterator["os.DirEntry[str]"]:
                yield next(iter(self.listing))
                raise FileNotFoundError(2, "No such file or directory")

        def scandir(path: str) -> object:
            gone = path == os.path.join(self.root, "gone")
            return Vanishing(path) if gone else real_scandir(path)

        with mock.patch.object(os, "scandir", scandir):
            changes = scanner.scan()
        self.assertEqual(changes.deleted, ())  # b.py was listed first
        self.assertEqual(sorted(scanner.paths), sorted([a, os.path.join(self.root, "gone", "b.py")]))

    def test_first_scan_is_the_baseline(self) -> None:
        a = self.write("a.py", "A = 1\n")
        scanner = _changes.Scanner([self.root])
        self.assertEqual(scanner.paths, [a])
        self.assertFalse(scanner.scan())

    def test_new_deleted_and_modified_files(self) -> None:
        a = self.write("a.py", "A = 1\n")
        b = self.write("pkg/b.py", "B = 1\n")
        scanner = _changes.Scanner([self.root])
        c = self.write("pkg/c.py", "C = 1\n")
        os.remove(b)
        self.write("a.py", "A = 22\n")
        self.assertEqual(scanner.scan(), _changes.Changes((c,), (b,), (a,)))
        self.assertFalse(scanner.scan())

    def test_rename_is_a_deletion_and_an_addition(self) -> None:
        a = self.write("a.py", "A = 1\n")
        scanner = _changes.Scanner([self.root])
        b = os.path.join(self.root, "b.py")
        os.rename(a, b)
        self.assertEqual(scanner.scan(), _changes.Changes((b,), (a,), ()))

    def test_save_through_a_temporary_file_renamed_over_the_original(self) -> None:
        old = time.time_ns() - 3600 * 10**9
        a = self.write("a.py", "A = 1\n", old)
        scanner = _changes.Scanner([self.root])
        temporary = self.write(".a.py.swp", "A = 2\n", old)  # same size, same mtime
        os.replace(temporary, a)
        self.assertEqual(scanner.scan(), _changes.Changes((), (), (a,)))

    def test_only_python_source_outside_hidden_and_cache_folders(self) -> None:
        scanner = _changes.Scanner([self.root])
        self.write("notes.txt", "x")
        self.write("a.py~", "x")
        self.write(".hidden/b.py", "x")
        self.write("__pycache__/c.py", "x")
        d = self.write("pkg/d.py", "x")
        self.assertEqual(scanner.scan(), _changes.Changes((d,), (), ()))

    def test_a_single_file_can_be_watched(self) -> None:
        a = self.write("a.py", "A = 1\n")
        self.write("b.py", "B = 1\n")
        scanner = _changes.Scanner([a])
        self.write("b.py", "B = 22\n")
        self.assertFalse(scanner.scan())
        self.write("a.py", "A = 22\n")
        self.assertEqual(scanner.scan().modified, (a,))

    def test_same_second_same_size_edit_is_seen(self) -> None:
        stamp = time.time_ns() - 3600 * 10**9
        a = self.write("a.py", "A = 1\n", stamp)
        scanner = _changes.Scanner([self.root])
        self.write("a.py", "A = 2\n", stamp)  # mtime and size as before
        self.assertEqual(scanner.scan().modified, (a,))


def _coarse(result: os.stat_result) -> Tuple[int, int, int, int]:
    # A filesystem whose stat moves nothing on a rewrite within one tick.
    return (result.st_mtime_ns, result.st_size, 0, 0)


@mock.patch.object(_changes, "stat_signature", _coarse)
class CoarseTimestampTest(FolderCase):
    """When stat cannot tell two writes apart, a recent file's content decides."""

    def test_rewrite_of_a_recent_file_with_every_stat_field_kept(self) -> None:
        stamp = time.time_ns()
        a = self.write("a.py", "A = 1\n", stamp)
        scanner = _changes.Scanner([self.root])
        self.write("a.py", "A = 2\n", stamp)
        self.assertEqual(scanner.scan().modified, (a,))
        self.assertFalse(scanner.scan())

    def test_a_file_seen_recent_is_read_once_more_when_it_is_no_longer(self) -> None:
        stamp = time.time_ns()
        a = self.write("a.py", "A = 1\n", stamp)
        scanner = _changes.Scanner([self.root])
        self.write("a.py", "A = 2\n", stamp)
        later = time.time_ns() + 10 * 10**9
        with mock.patch.object(_changes.time, "time_ns", return_value=later):
            self.assertEqual(scanner.scan().modified, (a,))
            self.assertFalse(scanner.scan())

    def test_an_unchanged_recent_file_is_not_reported(self) -> None:
        self.write("a.py", "A = 1\n", time.time_ns())
        scanner = _changes.Scanner([self.root])
        self.assertFalse(scanner.scan())
        self.assertFalse(scanner.scan())


if __name__ == "__main__":
    unittest.main()
