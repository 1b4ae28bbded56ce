"""The listener and `python -m reloader send`: end to end, refusals, faults."""

import json
import logging
import os
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import unittest
from typing import Any, Dict

from reloader import _serve, _wire
from reloader._cli_send import send as send_request
from tests.serve_support import RunningHost, send, write_shop
from tests.support import PackageCase

HAS_SUBPROCESS = sys.platform != "emscripten"
HAS_THREADS = sys.platform != "emscripten"


@unittest.skipUnless(HAS_SUBPROCESS, "needs subprocesses, which this platform lacks")
class EndToEndTest(unittest.TestCase):
    """A host program in one process, the client in others."""

    def setUp(self) -> None:
        self.folder = tempfile.mkdtemp()
        self.runtime = os.path.join(self.folder, "run")
        write_shop(self.folder, 1)
        self.host = RunningHost(self.folder, self.runtime)
        self.addCleanup(self.host.close)
        self.assertEqual(self.host.expect("value"), "value 1 True")

    def test_status_names_the_host(self) -> None:
        done = send(self.runtime, "--status")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(
            done.stdout.strip(),
            "testhost (pid {}) is listening; last reload: none yet".format(self.host.process.pid))

    def test_reload_runs_on_the_main_thread_and_prints_the_report(self) -> None:
        write_shop(self.folder, 2)
        done = send(self.runtime, "shop")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertRegex(done.stdout.strip(), r"^reloaded 1 module in \d+ ms$")
        self.assertEqual(self.host.expect("value"), "value 2 True")  # imported on main
        verbose = send(self.runtime, "shop", "-v")
        self.assertIn("  reloaded  shop (selected)", verbose.stdout)

    def test_reload_the_module_of_a_file(self) -> None:
        path = write_shop(self.folder, 3)
        done = send(self.runtime, "--file", path)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(self.host.expect("value"), "value 3 True")
        unused = os.path.join(self.folder, "notes.py")
        with open(unused, "w") as handle:
            handle.write("NOTE = 1\n")
        elsewhere = send(self.runtime, "--file", unused)
        self.assertEqual(elsewhere.returncode, 1)
        self.assertIn("no loaded module comes from {!r}".format(unused), elsewhere.stderr)
        main = send(self.runtime, "--file", os.path.join(self.folder, "host.py"))
        self.assertEqual(main.returncode, 1)
        self.assertIn("never reloaded", main.stderr)

    def test_a_failed_reload_exits_1_and_the_host_keeps_the_old_code(self) -> None:
        with open(os.path.join(self.folder, "shop.py"), "w") as handle:
            handle.write("VALUE = (\n")
        done = send(self.runtime, "shop")
        self.assertEqual(done.returncode, 1)
        self.assertRegex(done.stderr.strip(),
                         r"^reloading 'shop' failed at .*shop\.py:\d+: SyntaxError: .*; "
                         r"nothing was changed$")
        write_shop(self.folder, 4)
        self.assertEqual(send(self.runtime, "shop").returncode, 0)
        self.assertEqual(self.host.expect("value"), "value 4 True")  # never saw a broken one

    def test_plan_changes_nothing(self) -> None:
        write_shop(self.folder, 5)
        done = send(self.runtime, "--plan", "shop")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.strip(), "would reload 1 module, skip 1")
        status = send(self.runtime, "--status")
        self.assertIn("last reload: none yet", status.stdout)

    def test_no_host_exits_2(self) -> None:
        done = send(os.path.join(self.folder, "elsewhere"), "shop")
        self.assertEqual(done.returncode, 2)
        self.assertIn("no host is listening", done.stderr)
        done = send(self.runtime, "--host", "maya", "shop")
        self.assertEqual(done.returncode, 2)
        self.assertIn("no host is listening matching --host maya", done.stderr)

    def test_two_hosts_ask_which_or_take_all(self) -> None:
        other_folder = tempfile.mkdtemp()
        write_shop(other_folder, 1)
        other = RunningHost(other_folder, self.runtime, name="otherhost")
        self.addCleanup(other.close)
        done = send(self.runtime, "shop")
        self.assertEqual(done.returncode, 2)
        self.assertIn("2 hosts are listening", done.stderr)
        self.assertIn("--host or --pid, or use --all", done.stderr)
        write_shop(other_folder, 6)
        by_pid = send(self.runtime, "--pid", str(other.process.pid), "shop")
        self.assertEqual(by_pid.returncode, 0, by_pid.stderr)
        self.assertEqual(other.expect("value 6"), "value 6 True")
        write_shop(self.folder, 7)
        both = send(self.runtime, "--all", "shop")
        self.assertEqual(both.returncode, 0, both.stderr)
        self.assertEqual(len(both.stdout.strip().splitlines()), 2)
        self.assertEqual(self.host.expect("value 7"), "value 7 True")

    def test_the_connection_file_goes_when_the_host_exits(self) -> None:
        files = os.listdir(self.runtime)
        self.assertEqual(files, ["testhost-{}.json".format(self.host.process.pid)])
        self.assertEqual(self.host.close(), 0)
        self.assertEqual(os.listdir(self.runtime), [])

    def test_a_host_dying_mid_request_exits_2(self) -> None:
        self.host.close()
        dying = RunningHost(self.folder, self.runtime, extra_env={"SHOP_EXIT": "1"})
        self.addCleanup(dying.close)
        write_shop(self.folder, 99)
        done = send(self.runtime, "shop")
        self.assertEqual(done.returncode, 2)
        self.assertIn("did not answer", done.stderr)
        self.assertEqual(dying.process.wait(30), 3)
        # Its connection file stays behind; the next client cleans it up.
        self.assertEqual(len(os.listdir(self.runtime)), 1)
        self.assertEqual(send(self.runtime, "--status").returncode, 2)
        self.assertEqual(os.listdir(self.runtime), [])


@unittest.skipUnless(HAS_THREADS, "needs threads, which this platform lacks")
class ListenerTest(PackageCase):
    """A listener in this process (no scheduler: requests run on its own thread)."""

    def setUp(self) -> None:
        super().setUp()
        self.runtime = tempfile.mkdtemp()
        self.name = self.pkg
        self.write(self.name + ".py", "import builtins\nbuiltins.served_runs += 1\nVALUE = 1\n")
        import builtins

        builtins.served_runs = 0  # type: ignore[attr-defined]
        self.addCleanup(delattr, builtins, "served_runs")
        __import__(self.name)
        self.listener = _serve.serve("unit", folder=self.runtime)
        self.addCleanup(self.listener.stop)
        (self.connection,) = _wire.connections(self.runtime)

    def runs(self) -> int:
        import builtins

        return int(builtins.served_runs)  # type: ignore[attr-defined]

    def raw(self, payload: bytes, *, close_after: bool = True) -> Dict[str, Any]:
        with socket.create_connection(("127.0.0.1", self.connection.port), timeout=10) as s:
            s.sendall(payload)
            if close_after:
                s.shutdown(socket.SHUT_WR)
            answer = b""
            while not answer.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                answer += chunk
        return _wire.decode(self.connection.secret, answer)

    def signed(self, data: Dict[str, Any]) -> bytes:
        return _wire.encode(self.connection.secret, data)

    def assertRefused(self, payload: bytes, reason: str) -> None:
        with self.assertLogs("reloader.serve", logging.WARNING) as logged:
            answer = self.raw(payload)
        self.assertIn(reason, answer.get("refused", ""))
        self.assertIn(reason, logged.output[0])
        self.assertEqual(self.runs(), 1, "a refused request reached the reload")

    def test_a_signed_request_reloads(self) -> None:
        answer = send_request(self.connection, "reload", targets=[self.name])
        self.assertTrue(answer["ok"])
        self.assertEqual(answer["reloaded"], [self.name])
        self.assertEqual(self.runs(), 2)
        self.assertEqual(self.listener.last, answer["line"])

    def test_refusals_never_reach_the_reload(self) -> None:
        request = _wire.request("reload", targets=[self.name])
        body = json.dumps(request).encode()
        self.assertRefused(body + b"\n", "wrong signature")  # no space: the JSON has spaces
        self.assertRefused(b"{}\n", "unsigned message")
        self.assertRefused(b"0" * 64 + b" " + body + b"\n", "wrong signature")
        wrong = _wire.encode(b"another secret", request)
        self.assertRefused(wrong, "wrong signature")
        once = self.signed(_wire.request("status"))
        self.assertTrue(self.raw(once)["ok"])
        self.assertRefused(once, "replayed request")
        old = dict(_wire.request("reload", targets=[self.name]), time=1.0)
        self.assertRefused(self.signed(old), "stale request")
        self.assertRefused(self.signed({"op": "reload", "targets": [self.name]}),
                           "needs 'time' and 'nonce'")
        self.assertRefused(self.signed(_wire.request("exec", code="import os")),
                           "unknown operation 'exec'")
        self.assertRefused(self.signed(_wire.request("reload", targets=self.name)),
                           "'targets' must be a list")
        sig = _wire.sign(self.connection.secret, b"not json")
        self.assertRefused(sig.encode() + b" not json\n", "not JSON")
        self.assertRefused(b"x" * (_wire.MAX_MESSAGE + 10), "too large")
        self.assertTrue(self.listener.running)

    def test_a_slow_request_is_refused(self) -> None:
        saved = _wire.REQUEST_SECONDS
        _wire.REQUEST_SECONDS = 0.2
        self.addCleanup(setattr, _wire, "REQUEST_SECONDS", saved)
        payload = self.signed(_wire.request("reload", targets=[self.name]))
        with self.assertLogs("reloader.serve", logging.WARNING):
            answer = self.raw(payload[:20], close_after=False)
        self.assertIn("request too slow", answer["refused"])
        self.assertEqual(self.runs(), 1)

    def test_two_clients_at_once(self) -> None:
        answers = []

        def client() -> None:
            answers.append(send_request(self.connection, "reload", targets=[self.name]))

        threads = [threading.Thread(target=client) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual([a["ok"] for a in answers], [True, True])
        self.assertEqual(self.runs(), 3)

    def test_a_busy_host_answers_status_and_queues_the_reload(self) -> None:
        gate = threading.Event()
        entered = threading.Event()
        import builtins

        builtins.served_gate = (entered, gate)  # type: ignore[attr-defined]
        self.addCleanup(delattr, builtins, "served_gate")
        self.write(self.name + ".py", "import builtins\nbuiltins.served_runs += 1\n"
                   "entered, gate = builtins.served_gate\nentered.set()\ngate.wait(20)\n")
        answers: Dict[str, Dict[str, Any]] = {}
        first = threading.Thread(target=lambda: answers.__setitem__(
            "first", send_request(self.connection, "reload", targets=[self.name])))
        first.start()
        self.assertTrue(entered.wait(20))
        status = send_request(self.connection, "status")  # answered while the reload runs
        self.assertTrue(status["ok"])
        second = threading.Thread(target=lambda: answers.__setitem__(
            "second", send_request(self.connection, "reload", targets=[self.name])))
        second.start()
        gate.set()
        first.join(30)
        second.join(30)
        self.assertTrue(answers["first"]["ok"], answers)
        self.assertTrue(answers["second"]["ok"], answers)
        self.assertEqual(self.runs(), 3)

    def test_a_failing_handler_never_breaks_the_listener(self) -> None:
        original = self.listener._handle

        def broken(data: Dict[str, Any]) -> Dict[str, Any]:
            raise RuntimeError("injected")

        self.listener._handle = broken  # type: ignore[method-assign]
        with self.assertLogs("reloader.serve", logging.ERROR) as logged:
            with self.assertRaises((ConnectionError, _wire.Refused, OSError)):
                send_request(self.connection, "status")
        self.assertIn("injected", "\n".join(logged.output))
        self.listener._handle = original  # type: ignore[method-assign]
        self.assertTrue(send_request(self.connection, "status")["ok"])

    def test_a_scheduler_that_raises_is_answered(self) -> None:
        self.listener._schedule = lambda job, delay: job()  # runs, like a host loop
        self.assertTrue(send_request(self.connection, "reload", targets=[self.name])["ok"])

        def refuses(job: Any, delay: float) -> None:
            raise RuntimeError("the host loop is gone")

        self.listener._schedule = refuses
        with self.assertLogs("reloader.serve", logging.ERROR):
            with self.assertRaises((ConnectionError, OSError)):
                send_request(self.connection, "reload", targets=[self.name])
        self.assertTrue(send_request(self.connection, "status")["ok"])

    def test_bad_targets_are_one_line(self) -> None:
        answer = send_request(self.connection, "reload", targets=["no_such_module_xyz"])
        self.assertFalse(answer["ok"])
        self.assertIn("no_such_module_xyz", answer["line"])
        self.assertNotIn("\n", answer["line"])


@unittest.skipUnless(HAS_THREADS, "needs threads, which this platform lacks")
class ConnectionFileTest(unittest.TestCase):
    def setUp(self) -> None:
        self.runtime = os.path.join(tempfile.mkdtemp(), "run")

    def test_private_file_and_folder_removed_on_stop(self) -> None:
        listener = _serve.serve("unit", folder=self.runtime)
        try:
            self.assertEqual(stat.S_IMODE(os.stat(self.runtime).st_mode), 0o700)
            self.assertEqual(stat.S_IMODE(os.stat(listener.path).st_mode), 0o600)
            with open(listener.path) as handle:
                data = json.load(handle)
            self.assertEqual((data["host"], data["pid"], data["port"]),
                             ("unit", os.getpid(), listener.port))
            self.assertEqual(len(bytes.fromhex(data["secret"])), 32)
            with self.assertRaisesRegex(RuntimeError, "already listens on port"):
                _serve.serve("again", folder=self.runtime)
        finally:
            listener.stop()
        self.assertEqual(os.listdir(self.runtime), [])
        self.assertIsNone(_serve.listening())

    def test_a_dead_process_file_is_ignored_and_removed(self) -> None:
        os.makedirs(self.runtime, mode=0o700)
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              stdout=subprocess.PIPE, text=True).stdout.strip()
        path = os.path.join(self.runtime, "maya-{}.json".format(dead))
        with open(path, "w") as handle:
            json.dump({"host": "maya", "pid": int(dead), "port": 1, "secret": "00"}, handle)
        self.assertEqual(_wire.connections(self.runtime), [])
        self.assertFalse(os.path.exists(path))

    def test_only_loopback(self) -> None:
        for address in ("0.0.0.0", "192.168.1.5", "example.org", ""):
            with self.assertRaisesRegex(ValueError, "listens on loopback only; {!r}".format(
                    address)):
                _serve.serve("unit", address=address, folder=self.runtime)
        self.assertFalse(os.path.exists(self.runtime))

    @unittest.skipUnless(os.name == "posix", "folder permissions are POSIX")
    def test_a_folder_others_can_write_is_refused(self) -> None:
        os.makedirs(self.runtime)
        os.chmod(self.runtime, 0o777)
        with self.assertRaisesRegex(PermissionError, "is not private to this user"):
            _serve.serve("unit", folder=self.runtime)


if __name__ == "__main__":
    unittest.main()
