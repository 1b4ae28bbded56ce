"""The listener inside real hosts (gdb, a Jupyter kernel) and the Vim binding in real Vim.

Each host runs `reloader.serve()` with its own main-thread call (`gdb.post_event`,
the kernel's asyncio loop); the client is `python -m reloader send` in another
process. The module the host reloads records whether its code ran on the
host's main thread.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap

from ._real import ROOT, HostCase, unavailable
from .test_ipython import _kernel_python

SHOP = ("import threading\nVALUE = {}\n"
        "ON_MAIN = threading.current_thread() is threading.main_thread()\n")

KERNEL_DRIVER = textwrap.dedent("""
    import json, os, subprocess, sys
    from jupyter_client.manager import start_new_kernel

    root, lib, client, results = sys.argv[1:5]
    manager, kc = start_new_kernel(kernel_name="python3")
    outputs = []

    def run(code):
        out = {"stdout": "", "error": None}
        def hook(message):
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                out["stdout"] += content["text"]
            elif kind == "error":
                out["error"] = content["ename"] + ": " + content["evalue"]
        kc.execute_interactive(code, output_hook=hook, timeout=120)
        outputs.append(out)

    try:
        run("import sys; sys.path[:0] = [%r, %r]\\n"
            "import asyncio, reloader, shop\\n"
            "loop = asyncio.get_event_loop()\\n"
            "listener = reloader.serve('jupyter', "
            "schedule=lambda job, delay: loop.call_soon_threadsafe(job))\\n"
            "print(shop.VALUE, shop.ON_MAIN)" % (root, lib))
        with open(lib + "/shop.py", "w") as handle:
            handle.write(%(shop)r.format(2))
        sent = subprocess.run([client, "-m", "reloader", "send", "--host", "jupyter", "shop"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=120, env=dict(os.environ, PYTHONPATH=root))
        outputs.append({"send": sent.stdout, "code": sent.returncode})
        run("print(shop.VALUE, shop.ON_MAIN)")
        run("listener.stop()")
    finally:
        kc.stop_channels()
        manager.shutdown_kernel(now=True)
    with open(results, "w") as handle:
        json.dump(outputs, handle)
    """).replace("%(shop)r", repr(SHOP))


class ServeInHostsTest(HostCase):
    def setUp(self) -> None:
        super().setUp()
        self.runtime = os.path.join(self.tmp, "run")
        self.lib = os.path.join(self.tmp, "lib")
        self.shop = self.write("lib/shop.py", SHOP.format(1))
        self.env = {"RELOADER_RUNTIME_DIR": self.runtime, "PYTHONDONTWRITEBYTECODE": "1"}

    def send(self, *arguments: str) -> "subprocess.CompletedProcess[str]":
        return self.run_program([sys.executable, "-m", "reloader", "send"] + list(arguments),
                                env=dict(self.env, PYTHONPATH=ROOT), timeout=120)

    def test_gdb(self) -> None:
        gdb = shutil.which("gdb")
        if gdb is None:
            unavailable("gdb is not installed (tests/real_hosts.py installs it)")
        process = subprocess.Popen(
            [gdb, "-nx", "-q"], cwd=self.tmp, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, env=dict(os.environ, **self.env))
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(
                "python import sys; sys.path[:0] = [{!r}, {!r}]\n"
                "python import gdb, reloader, shop\n"
                "python listener = reloader.serve('gdb', "
                "schedule=lambda job, delay: gdb.post_event(job))\n"
                "python print('ready', flush=True)\n".format(ROOT, self.lib))
            process.stdin.flush()
            line = ""
            while "ready" not in line:
                line = process.stdout.readline()
                self.assertTrue(line, "gdb ended before its listener was ready")
            self.write("lib/shop.py", SHOP.format(2))
            sent = self.send("--host", "gdb", "shop")
            self.assertEqual(sent.returncode, 0, sent.stdout)
            self.assertRegex(sent.stdout.strip(), r"^reloaded 1 module in \d+ ms$")
            self.write("lib/shop.py", "VALUE = (\n")
            failed = self.send("--host", "gdb", "shop")
            self.assertEqual(failed.returncode, 1, failed.stdout)
            self.assertIn("shop.py:1: SyntaxError", failed.stdout)
            process.stdin.write("python print('value', shop.VALUE, shop.ON_MAIN, flush=True)\n"
                                "python listener.stop()\nquit\n")
            process.stdin.flush()
            output, _ = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        self.assertIn("value 2 True", output)
        self.assertEqual(os.listdir(self.runtime), [])

    def test_jupyter_kernel(self) -> None:
        python = _kernel_python()
        driver = self.write("driver.py", KERNEL_DRIVER)
        results = os.path.join(self.tmp, "outputs.json")
        done = self.run_program([python, driver, ROOT, self.lib, sys.executable, results],
                                env=self.env, timeout=300)
        self.assertEqual(done.returncode, 0, done.stdout)
        with open(results) as handle:
            setup, sent, after, stop = json.load(handle)
        self.assertEqual(setup, {"stdout": "1 True\n", "error": None})
        self.assertEqual(sent["code"], 0, sent)
        self.assertRegex(sent["send"].strip(), r"^reloaded 1 module in \d+ ms$")
        self.assertEqual(after, {"stdout": "2 True\n", "error": None})
        self.assertEqual(stop["error"], None)
        self.assertEqual(os.listdir(self.runtime), [])

    def test_vim_binding(self) -> None:
        vim = shutil.which("vim")
        if vim is None:
            unavailable("vim is not installed (tests/real_hosts.py installs vim-nox)")
        from tests.serve_support import RunningHost

        host = RunningHost(self.lib, self.runtime)
        self.addCleanup(host.close)
        self.assertEqual(host.expect("value"), "value 1 True")
        self.write("lib/shop.py", SHOP.format(2))
        messages = os.path.join(self.tmp, "messages.txt")
        script = os.path.join(ROOT, "editors", "vim", "reloader-send.vim")
        self.run_program([
            vim, "-Es", "-u", "NONE", "-i", "NONE", "-N",
            "-c", 'let g:reloader_python = "{}"'.format(sys.executable),
            "-c", "source " + script, "-c", "edit " + self.shop,
            "-c", "redir! > " + messages, "-c", "execute \"normal \\\\rr\"",
            "-c", "redir END", "-c", "qa!"], env=dict(self.env, PYTHONPATH=ROOT), timeout=120)
        self.assertEqual(host.expect("value"), "value 2 True")
        with open(messages) as handle:
            self.assertRegex(handle.read().strip(), r"^reloaded 1 module in \d+ ms$")
