"""Turning the listener for editors on and off from a host: `Host.listen()` and the adapters.

Each adapter's switch (Nuke's menu, IPython's `%reload --listen`) runs against
the fakes in tests/fakes; requests come from `_cli_send.send`, the client's
own call, on another thread. gdb, Vim, a Jupyter kernel and Blender are
tried for real in tests/hosts/test_serve.py.
"""

import asyncio
import contextlib
import io
import os
import queue
import stat
import sys
import tempfile
import threading
import unittest
from typing import Any, Callable, Dict, List
from unittest import mock

import reloader
from reloader import _serve, _wire
from reloader._cli_send import send
from tests.fakes.fake_ipython import FakeShell
from tests.support import PackageCase
from tests.test_host_nuke import NukeCase

#: The listener runs on a thread; Pyodide (CPython 3.14 here) has none.
needs_threads = unittest.skipIf(sys.platform == "emscripten",
                                "needs threads (the listener), which this platform lacks")


class RuntimeCase(PackageCase):
    """A private runtime folder for connection files, and a module `shop` to reload."""

    def setUp(self) -> None:
        self.runtime = os.path.join(tempfile.mkdtemp(), "run")
        patch = mock.patch.dict(os.environ, {"RELOADER_RUNTIME_DIR": self.runtime})
        patch.start()
        self.addCleanup(patch.stop)
        super().setUp()
        self.addCleanup(self.stop_listening)
        self.shop = self.pkg + "_shop"
        self.edit(1)
        self.load(self.shop)

    def edit(self, value: int) -> None:
        self.write(self.shop + ".py", "import threading\nVALUE = {}\n"
                   "THREAD = threading.current_thread().name\n".format(value))

    def ran(self) -> List[object]:
        """The reloaded module's value and the thread its code ran on."""
        module = sys.modules[self.shop]
        return [module.VALUE, module.THREAD]  # type: ignore[attr-defined]

    def stop_listening(self) -> None:
        listener = _serve.listening()
        if listener is not None:
            listener.stop()

    def files(self) -> List[str]:
        return sorted(os.listdir(self.runtime)) if os.path.isdir(self.runtime) else []

    def send_later(self, **fields: Any) -> "queue.Queue[Dict[str, Any]]":
        """Send a reload of the package from another thread; its answer comes in the queue."""
        (connection,) = _wire.connections(self.runtime)
        answers: "queue.Queue[Dict[str, Any]]" = queue.Queue()  # noqa: UP037 (3.7)
        threading.Thread(target=lambda: answers.put(send(
            connection, "reload", targets=[self.shop], timeout=30, **fields)), daemon=True).start()
        return answers


@needs_threads
class HostListenTest(RuntimeCase):
    def setUp(self) -> None:
        super().setUp()
        self.jobs: "queue.Queue[Callable[[], None]]" = queue.Queue()  # noqa: UP037
        self.host = reloader.Host("unit", schedule=lambda job, delay: self.jobs.put(job))

    def test_on_status_off_and_the_connection_file(self) -> None:
        line = self.host.listen(True)
        port = _serve.listening().port  # type: ignore[union-attr]
        self.assertEqual(line, "listening for editors on port {}: reload with "
                               "'python -m reloader send'".format(port))
        self.assertEqual(self.files(), ["unit-{}.json".format(os.getpid())])
        self.assertEqual(self.host.listen(None), "listening for editors on port {}".format(port))
        self.assertEqual(self.host.listen(True), "listening for editors on port {}".format(port))
        self.assertEqual(self.host.listen(False), "stopped listening for editors")
        self.assertEqual(self.files(), [])
        self.assertIsNone(_serve.listening())
        self.assertEqual(self.host.listen(False), "not listening for editors")
        self.assertEqual(self.host.listen(None), "not listening for editors")

    def test_requests_run_through_the_host_schedule(self) -> None:
        self.host.listen(True)
        self.edit(2)
        answers = self.send_later()
        self.jobs.get(timeout=30)()  # the host's loop, here on the test's thread
        answer = answers.get(timeout=30)
        self.assertTrue(answer["ok"], answer)
        self.assertEqual(self.ran(), [2, threading.current_thread().name])

    def test_a_host_without_an_event_loop_never_listens(self) -> None:
        batch = reloader.Host("batch")
        self.assertEqual(batch.listen(True), "not listening for editors: batch has no event "
                                              "loop here to run reloads on its main thread")
        self.assertIsNone(_serve.listening())
        self.assertEqual(self.files(), [])

    @unittest.skipUnless(os.name == "posix", "folder modes are POSIX")
    def test_a_runtime_folder_others_can_write_is_one_line_and_the_host_goes_on(self) -> None:
        os.makedirs(self.runtime)
        os.chmod(self.runtime, 0o777)
        self.addCleanup(os.chmod, self.runtime, 0o700)
        line = self.host.listen(True)
        self.assertEqual(line, (
            "could not listen for editors: runtime folder {!r} is not private to this user "
            "(owner {}, mode 777); remove it or set RELOADER_RUNTIME_DIR to a folder only you "
            "can write").format(self.runtime, os.getuid()))
        self.assertIsNone(_serve.listening())
        self.assertEqual(stat.S_IMODE(os.stat(self.runtime).st_mode), 0o777)
        self.assertEqual(self.files(), [])

    def test_a_port_that_cannot_be_taken_is_one_line(self) -> None:
        with mock.patch("socket.socket.bind", side_effect=OSError(98, "Address in use")):
            line = self.host.listen(True)
        self.assertEqual(line, "could not listen for editors: [Errno 98] Address in use")
        self.assertIsNone(_serve.listening())

    def test_another_listener_in_the_process_is_left_alone(self) -> None:
        other = reloader.serve("python")
        self.assertEqual(self.host.listen(True), "could not listen for editors: this process "
                         "already listens on port {}; stop() that listener first".format(
                             other.port))
        self.assertEqual(self.host.listen(False), "not listening for editors")
        self.assertIs(_serve.listening(), other)


@needs_threads
class NukeListenTest(RuntimeCase, NukeCase):
    def setUp(self) -> None:
        self.home = tempfile.mkdtemp()
        os.mkdir(os.path.join(self.home, ".nuke"))
        patch = mock.patch.dict(os.environ, {"HOME": self.home})
        patch.start()
        self.addCleanup(patch.stop)
        super().setUp()

    def toggle(self) -> str:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.adapter.toggle_listen()
        return out.getvalue()

    def test_the_menu_toggle_listens_and_is_remembered(self) -> None:
        self.assertIn("Reloader/Toggle Listen for Editor", self.nuke.menu("Nuke").items)
        remembered = os.path.join(self.home, ".nuke", "reloader-listening")
        self.assertRegex(self.toggle(), r"^Reloader: listening for editors on port \d+: ")
        self.assertTrue(os.path.exists(remembered))
        self.assertEqual(self.files(), ["nuke-{}.json".format(os.getpid())])
        self.edit(2)
        answers = self.send_later()
        while answers.empty():  # Nuke's event loop, on the thread that loaded the fake
            self.printed(self.nuke.run_main_thread)
        self.assertTrue(answers.get()["ok"])
        self.assertEqual(self.ran(), [2, threading.current_thread().name])
        self.assertEqual(self.toggle(), "Reloader: stopped listening for editors\n")
        self.assertFalse(os.path.exists(remembered))
        self.assertEqual(self.files(), [])

    def test_the_next_session_listens_again(self) -> None:
        self.toggle()
        self.adapter.uninstall()  # Nuke quits...
        self.assertIsNone(_serve.listening())
        out = io.StringIO()
        with contextlib.redirect_stdout(out):  # ...and starts again: init.py, then menu.py
            self.adapter.install()
            self.adapter.add_menu()
        self.assertRegex(out.getvalue(), r"^Reloader: listening for editors on port \d+: ")
        self.assertIsNotNone(_serve.listening())

    def test_what_cannot_be_remembered_is_one_line(self) -> None:
        os.rmdir(os.path.join(self.home, ".nuke"))
        text = self.toggle()
        self.assertRegex(text, r"^Reloader: listening for editors on port \d+: ")
        self.assertRegex(text, r"\nReloader: could not remember it in .*reloader-listening: "
                               r"\[Errno 2\] No such file or directory")


class NukeTerminalListenTest(RuntimeCase, NukeCase):
    gui = False

    def test_nuke_t_has_no_event_loop_and_never_listens(self) -> None:
        self.adapter.LISTENING = os.path.join(tempfile.mkdtemp(), "reloader-listening")
        self.assertEqual(self.printed(self.adapter.toggle_listen), (
            "Reloader: not listening for editors: nuke has no event loop here to run reloads "
            "on its main thread\n"))
        self.assertIsNone(_serve.listening())


@needs_threads
class IPythonListenTest(RuntimeCase):
    def setUp(self) -> None:
        super().setUp()
        self.shell = FakeShell()
        self.loop = asyncio.new_event_loop()
        self.addCleanup(self.loop.close)

    def magic(self, line: str) -> str:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            self.shell.run_cell("%reload " + line)
        return out.getvalue() + err.getvalue()

    def load_extension(self) -> None:
        reloader.load_ipython_extension(self.shell)
        self.addCleanup(reloader.unload_ipython_extension, self.shell)

    def test_terminal_ipython_has_no_loop_and_says_so(self) -> None:
        self.load_extension()
        self.assertEqual(self.magic("--listen"), "reloader: not listening for editors: ipython "
                         "has no event loop here to run reloads on its main thread\n")
        self.assertIsNone(_serve.listening())

    def test_a_kernel_listens_and_runs_requests_on_its_loop(self) -> None:
        self.shell.kernel = object()  # what marks a Jupyter kernel's shell
        asyncio.set_event_loop(self.loop)  # as the kernel has, before its loop runs
        self.addCleanup(asyncio.set_event_loop, None)
        self.load_extension()
        self.assertRegex(self.magic("--listen"),
                         r"^reloader: listening for editors on port \d+: ")
        self.assertRegex(self.magic("--status"), r"\nreloader: last report: none yet\n"
                                                 r"reloader: listening for editors on port \d+\n$")
        self.edit(2)
        answers = self.send_later()
        answer = self.loop.run_until_complete(asyncio.wait_for(
            self.loop.run_in_executor(None, answers.get), 30))
        self.assertTrue(answer["ok"], answer)
        self.assertEqual(self.ran(), [2, threading.current_thread().name])
        self.assertRegex(self.magic("--status"),
                         r"\nreloader: last report: reloaded 1 module in \d+ ms\n"
                         r"reloader: listening for editors on port \d+\n$")
        self.assertEqual(self.magic("--listen maybe"),
                         "reloader: --listen takes on or off, not 'maybe'\n")
        self.assertEqual(self.magic("--listen off"), "reloader: stopped listening for editors\n")
        self.assertEqual(self.files(), [])

    def test_unloading_the_extension_stops_listening(self) -> None:
        self.shell.kernel = object()
        asyncio.set_event_loop(self.loop)
        self.addCleanup(asyncio.set_event_loop, None)
        self.load_extension()
        self.magic("--listen on")
        self.assertIsNotNone(_serve.listening())
        reloader.unload_ipython_extension(self.shell)
        self.assertIsNone(_serve.listening())
        self.assertEqual(self.files(), [])


if __name__ == "__main__":
    unittest.main()
