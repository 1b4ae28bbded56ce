"""The listener inside real hosts (gdb, a Jupyter kernel, Vim, bpy) and the Vim binding.

Each host runs `reloader.serve()` with its own main-thread call (`gdb.post_event`,
the kernel's asyncio loop, a Vim timer), started directly or as the user turns
it on through the adapter (gdbinit's `reloader-listen on`, the IPython config's
`%reload --listen`, `g:reloader_listen` in a vimrc, Blender's preference); the
client is `python -m reloader send` in another process. The module the host
reloads records whether its code ran on the host's main thread.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from typing import Callable

from ._real import ROOT, HostCase, copy_host, unavailable, vim_with_python3
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


# A kernel configured to listen from the start: what a user puts in ipython_config.py.
KERNEL_LISTENS = textwrap.dedent("""
    import json, os, subprocess, sys
    from jupyter_client.manager import start_new_kernel

    lib, client, results = sys.argv[1:4]
    manager, kc = start_new_kernel(kernel_name="python3", extra_arguments=[
        "--InteractiveShellApp.extensions=reloader",
        "--InteractiveShellApp.exec_lines=%reload --listen"])
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
        run("import shop; print(shop.VALUE, shop.ON_MAIN)")
        with open(lib + "/shop.py", "w") as handle:
            handle.write(%(shop)r.format(2))
        sent = subprocess.run([client, "-m", "reloader", "send", "--host", "ipython", "shop"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=120)
        outputs.append({"send": sent.stdout, "code": sent.returncode})
        run("print(shop.VALUE, shop.ON_MAIN)")
        run("%reload --status")
        run("%reload --listen off")
        run("%reload --status")
    finally:
        kc.stop_channels()
        manager.shutdown_kernel(now=True)
    with open(results, "w") as handle:
        json.dump(outputs, handle)
    """).replace("%(shop)r", repr(SHOP))

# Blender's toggle in bpy (background mode: no timer fires, so the script plays
# Blender's loop with the jobs the listener hands to the host's schedule).
BLENDER_SCRIPT = textwrap.dedent("""
    import json, os, subprocess, sys, time
    import bpy
    import addon_utils
    lib, client, results, second = sys.argv[-4:]
    found = {}
    if second == "again":  # a new session: the saved preferences turn the listener on
        bpy.ops.wm.read_userpref()
        found["remembered"] = bpy.context.preferences.addons["reloader_addon"].preferences.listen
        with open(results, "w") as handle:
            json.dump(found, handle)
        sys.exit(0)
    addon_utils.enable("reloader_addon", default_set=True)
    from reloader_addon import addon_reload
    found["menu"] = "RELOADER_OT_listen" in dir(bpy.types)
    found["background"] = sorted(bpy.ops.reloader.listen())  # no event loop here: refused
    preferences = bpy.context.preferences.addons["reloader_addon"].preferences
    found["preference"] = [preferences.listen, bpy.context.preferences.is_dirty]
    preferences.listen = False
    jobs = []
    addon_reload.HOST.schedule = lambda job, delay: jobs.append(job)
    preferences.listen = True  # what the operator and the preferences' checkbox set
    sys.path.insert(0, lib)
    import shop
    with open(os.path.join(lib, "shop.py"), "w") as handle:
        handle.write(%(shop)r.format(2))
    sender = subprocess.Popen([client, "-m", "reloader", "send", "--host", "blender", "shop"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while sender.poll() is None and time.monotonic() < deadline:
        while jobs:
            jobs.pop(0)()
        time.sleep(0.01)
    found["send"] = [sender.wait(), sender.stdout.read()]
    found["value"] = [sys.modules["shop"].VALUE, sys.modules["shop"].ON_MAIN]
    found["files"] = len(os.listdir(os.environ["RELOADER_RUNTIME_DIR"]))
    addon_reload.HOST.schedule = None
    bpy.ops.wm.save_userpref()
    addon_utils.disable("reloader_addon", default_set=False)  # stops listening
    found["files after"] = len(os.listdir(os.environ["RELOADER_RUNTIME_DIR"]))
    with open(results, "w") as handle:
        json.dump(found, handle)
    """).replace("%(shop)r", repr(SHOP))

VIM_SCRIPT = textwrap.dedent("""
    import json, sys, time
    import vim
    sys.path.insert(0, {lib!r})
    import shop
    open({ready!r}, "w").close()  # the test edits shop.py only after this import
    deadline = time.monotonic() + 60
    while sys.modules["shop"].VALUE != 2 and time.monotonic() < deadline:
        vim.command("sleep 20m")  # Vim runs its timers while it sleeps
    found = {{"value": [sys.modules["shop"].VALUE, sys.modules["shop"].ON_MAIN]}}
    vim.command("ReloaderListen status")
    vim.command("ReloaderListen off")
    vim.command("ReloaderListen maybe")
    found["messages"] = [line for line in vim.eval("execute('messages')").splitlines()
                         if line.startswith("reloader:")]
    found["timers"] = vim.eval("string(timer_info())")
    with open({results!r}, "w") as handle:
        json.dump(found, handle)
    """)


def wait_for(condition: "Callable[[], bool]", seconds: float = 30.0) -> bool:
    """Whether `condition()` came true within `seconds` (another process is starting)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


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

    def test_gdb_listen_command_from_gdbinit(self) -> None:
        # What the user puts in gdbinit: source the adapter, then turn the listener on.
        gdb = shutil.which("gdb")
        if gdb is None:
            unavailable("gdb is not installed (tests/real_hosts.py installs it)")
        plugin = copy_host("gdb", os.path.join(self.tmp, "plugin"))
        init = self.write("init.gdb", "source {}\nreloader-listen on\n".format(
            os.path.join(plugin, "load-reloader.py")))
        process = subprocess.Popen(
            [gdb, "-nx", "-q", "-x", init], cwd=self.tmp, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env=dict(os.environ, **self.env))
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write("python import sys; sys.path.insert(0, {!r}); import shop\n"
                                "python print('ready', flush=True)\n".format(self.lib))
            process.stdin.flush()
            lines = []
            while not lines or "ready" not in lines[-1]:
                lines.append(process.stdout.readline())
                self.assertTrue(lines[-1], "gdb ended early: {}".format("".join(lines)))
            self.assertRegex(lines[0], r"^reloader: listening for editors on port \d+: "
                             r"reload with 'python -m reloader send'$")
            self.write("lib/shop.py", SHOP.format(2))
            sent = self.send("--host", "gdb", "shop")
            self.assertEqual(sent.returncode, 0, sent.stdout)
            self.assertRegex(sent.stdout.strip(), r"^reloaded 1 module in \d+ ms$")
            process.stdin.write("python print('value', shop.VALUE, shop.ON_MAIN, flush=True)\n"
                                "reloader-listen\nreloader-listen off\nreloader-listen\n"
                                "reloader-listen maybe\nquit\n")
            process.stdin.flush()
            output, _ = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        self.assertIn("reloader: reloaded 1 module in", output)  # shown in gdb too
        self.assertIn("value 2 True", output)
        self.assertRegex(output, r"\(gdb\) reloader: listening for editors on port \d+\n"
                         r"\(gdb\) reloader: stopped listening for editors\n"
                         r"\(gdb\) reloader: not listening for editors\n"
                         r"\(gdb\) reloader-listen takes on or off, not 'maybe'\n")
        self.assertEqual(os.listdir(self.runtime), [])
        self.assertEqual(self.send("--host", "gdb", "shop").returncode, 2)

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

    def test_vim_listens_from_vimrc(self) -> None:
        # `let g:reloader_listen = 1` in the vimrc; the request runs from Vim's timer.
        vim = vim_with_python3()
        plugin = copy_host("vim", os.path.join(self.tmp, "plugin"), "python3")
        results = os.path.join(self.tmp, "results.json")
        messages = os.path.join(self.tmp, "vim-messages.txt")  # -es shows none: kept for a failure
        ready = os.path.join(self.tmp, "imported")
        script = self.write("wait.py", VIM_SCRIPT.format(lib=self.lib, results=results,
                                                         ready=ready))
        process = subprocess.Popen(
            [vim, "-Nu", "NONE", "-i", "NONE", "-es", "--cmd", "set verbosefile=" + messages,
             "--cmd", "set rtp^=" + plugin,
             "--cmd", "let g:reloader_listen = 1", "-c", "runtime plugin/reloader.vim",
             "-c", "py3file " + script, "-c", "qa!"],
            cwd=self.tmp, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env=dict(os.environ, **self.env))
        try:
            self.assertTrue(wait_for(lambda: os.path.isdir(self.runtime) and any(
                name.startswith("vim-") for name in os.listdir(self.runtime))),
                "vim wrote no connection file")
            self.assertTrue(wait_for(lambda: os.path.exists(ready)), "vim did not import shop")
            self.write("lib/shop.py", SHOP.format(2))
            sent = self.send("--host", "vim", "shop")
            code = process.wait(timeout=120)
            if code != 0 and os.path.exists(messages):
                with open(messages) as handle:
                    self.fail("vim exited with {}; its messages:\n{}".format(code, handle.read()))
            self.assertEqual(code, 0)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        self.assertEqual(sent.returncode, 0, sent.stdout)
        self.assertRegex(sent.stdout.strip(), r"^reloaded 1 module in \d+ ms$")
        with open(results) as handle:
            found = json.load(handle)
        self.assertEqual(found["value"], [2, True])
        self.assertRegex(found["messages"][0],
                         r"^reloader: listening for editors on port \d+: reload with "
                         r"'python -m reloader send'$")
        self.assertRegex(found["messages"][1], r"^reloader: reloaded 1 module in \d+ ms$")
        self.assertRegex(found["messages"][2], r"^reloader: listening for editors on port \d+$")
        self.assertEqual(found["messages"][3:], [
            "reloader: stopped listening for editors",
            "reloader: :ReloaderListen takes on, off or status, not 'maybe'"])
        self.assertEqual(found["timers"], "[]")
        self.assertEqual(os.listdir(self.runtime), [])

    def test_jupyter_kernel_listens_from_its_configuration(self) -> None:
        python = _kernel_python()
        driver = self.write("driver.py", KERNEL_LISTENS)
        results = os.path.join(self.tmp, "outputs.json")
        done = self.run_program([python, driver, self.lib, sys.executable, results],
                                env=dict(self.env, PYTHONPATH=os.pathsep.join([ROOT, self.lib])),
                                timeout=300)
        self.assertEqual(done.returncode, 0, done.stdout)
        with open(results) as handle:
            before, sent, after, status, off, status_off = json.load(handle)
        self.assertEqual(before, {"stdout": "1 True\n", "error": None})
        self.assertEqual(sent["code"], 0, sent)
        self.assertRegex(sent["send"].strip(), r"^reloaded 1 module in \d+ ms$")
        self.assertEqual(after, {"stdout": "2 True\n", "error": None})
        self.assertRegex(status["stdout"], r"^reloader: automatic mode is off\n"
                         r"reloader: last report: reloaded 1 module in \d+ ms\n"
                         r"reloader: listening for editors on port \d+\n$")
        self.assertEqual(off, {"stdout": "reloader: stopped listening for editors\n",
                               "error": None})
        self.assertIn("reloader: not listening for editors\n", status_off["stdout"])
        self.assertEqual(os.listdir(self.runtime), [])

    def test_blender_toggle_in_bpy(self) -> None:
        from .test_blender import bpy_python

        python = bpy_python()
        copy_host("blender", os.path.join(self.tmp, "scripts", "addons", "reloader_addon"))
        script = self.write("blender.py", BLENDER_SCRIPT)
        results = os.path.join(self.tmp, "results.json")
        env = dict(self.env, HOME=os.path.join(self.tmp, "home"),
                   BLENDER_USER_SCRIPTS=os.path.join(self.tmp, "scripts"),
                   BLENDER_USER_CONFIG=os.path.join(self.tmp, "config"),
                   PYTHONPATH=ROOT)
        done = self.run_program([python, script, self.lib, sys.executable, results, "first"],
                                env=env, timeout=300)
        self.assertTrue(os.path.exists(results), done.stdout[-4000:])
        with open(results) as handle:
            found = json.load(handle)
        self.assertTrue(found["menu"])
        self.assertEqual(found["background"], ["FINISHED"])
        self.assertIn("reloader: not listening for editors: blender has no event loop here "
                      "to run reloads on its main thread\n", done.stdout)
        self.assertEqual(found["preference"], [True, True])
        self.assertEqual(found["send"][0], 0, found["send"][1])
        self.assertRegex(found["send"][1].strip(), r"^reloaded 1 module in \d+ ms$")
        self.assertEqual(found["value"], [2, True])
        self.assertEqual([found["files"], found["files after"]], [1, 0])
        os.remove(results)
        again = self.run_program([python, script, self.lib, sys.executable, results, "again"],
                                 env=env, timeout=300)
        self.assertTrue(os.path.exists(results), again.stdout[-4000:])
        with open(results) as handle:
            self.assertEqual(json.load(handle), {"remembered": True})
        self.assertIn("reloader: not listening for editors: blender has no event loop",
                      again.stdout)

    def test_vim_binding(self) -> None:
        vim = vim_with_python3()
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
