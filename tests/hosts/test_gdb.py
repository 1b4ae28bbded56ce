"""reloader inside the real gdb: the reloader-reload command, printers and commands."""

import json
import os
import shutil
import unittest

from ._real import HostCase, copy_host, unavailable

PACKAGE = {
    "prn/__init__.py": """
        import gdb
        import gdb.printing
        from . import commands, printers
        gdb.printing.register_pretty_printer(None, printers.build(), replace=False)
        gdb.current_progspace().pretty_printers.append(printers.lookup)
        """,
    "prn/printers.py": """
        import gdb.printing

        class PointPrinter:
            def __init__(self, value):
                self.value = value
            def to_string(self):
                return "point {}"

        def lookup(value):
            return None

        def build():
            printers = gdb.printing.RegexpCollectionPrettyPrinter("prn")
            printers.add_printer("point", "^point$", PointPrinter)
            return printers
        """,
    "prn/commands.py": """
        import gdb

        class Hello(gdb.Command):
            def __init__(self):
                super().__init__("prn-hello", gdb.COMMAND_USER)
            def invoke(self, argument, from_tty):
                gdb.write("hello {}\\n")

        Hello()
        """,
}

SCRIPT = """
import json, os, sys
import gdb

HERE = {here!r}
sys.path.insert(0, HERE)
gdb.execute("source " + os.path.join(HERE, "plugin", "load-reloader.py"))
import prn

def edit(relative, old, new):
    path = os.path.join(HERE, relative)
    with open(path) as handle:
        text = handle.read()
    with open(path, "w") as handle:
        handle.write(text.replace(old, new))
    stamp = int(os.stat(path).st_mtime) + 1000 + len(results) * 2
    os.utime(path, (stamp, stamp))

def state():
    named = [p for p in gdb.pretty_printers if getattr(p, "name", None) == "prn"]
    progspace = [p for p in gdb.current_progspace().pretty_printers
                 if getattr(p, "__name__", None) == "lookup"]
    printer = named[-1].subprinters[0].gen_printer if named else None
    return {{
        "collections": len(named),
        "progspace_lookups": len(progspace),
        "printer_is_new": printer is sys.modules["prn.printers"].PointPrinter,
        "printer_says": printer(None).to_string() if printer else None,
        "hello": gdb.execute("prn-hello", to_string=True),
        "help_lines": [line for line in gdb.execute("help user-defined", to_string=True)
                       .splitlines() if "prn-hello" in line],
    }}

results = {{}}
results["before"] = state()
edit("prn/printers.py", "point v1", "point v2")
edit("prn/commands.py", "hello v1", "hello v2")
results["output"] = gdb.execute("reloader-reload prn", to_string=True)
results["after"] = state()
edit("prn/printers.py", "def lookup", "undefined_name\\ndef lookup")
try:
    gdb.execute("reloader-reload prn", to_string=True)
except gdb.error as error:
    results["error"] = str(error)
results["restored"] = state()
with open(os.path.join(HERE, "results.json"), "w") as handle:
    json.dump(results, handle)
"""


class GdbTest(HostCase):
    def setUp(self) -> None:
        super().setUp()
        self.gdb = shutil.which("gdb")
        if self.gdb is None:
            unavailable("gdb is not installed (apt-get install -y gdb)")
        copy_host("gdb", os.path.join(self.tmp, "plugin"))

    def test_reload_replaces_printers_and_commands(self) -> None:
        for relative, text in PACKAGE.items():
            self.write(relative, text.replace("{}", "v1"))
        script = self.write("script.py", SCRIPT.format(here=self.tmp))
        done = self.run_program([self.gdb, "-nx", "-batch", "-x", script])
        results_path = os.path.join(self.tmp, "results.json")
        self.assertTrue(os.path.exists(results_path), done.stdout)
        with open(results_path) as handle:
            results = json.load(handle)

        self.assertEqual(results["before"]["hello"], "hello v1\n")
        self.assertRegex(results["output"], r"^reloaded 3 modules in \d+ ms\n$")
        after = results["after"]
        self.assertEqual(after["collections"], 1)
        self.assertEqual(after["progspace_lookups"], 1)
        self.assertTrue(after["printer_is_new"])
        self.assertEqual(after["printer_says"], "point v2")
        self.assertEqual(after["hello"], "hello v2\n")
        self.assertEqual(len(after["help_lines"]), 1)

        printers = os.path.join(self.tmp, "prn", "printers.py")
        self.assertEqual(
            results["error"],
            "reloading 'prn.printers' failed at {}:10: NameError: name 'undefined_name' is "
            "not defined; restored 3 modules to their previous state".format(printers),
        )
        restored = results["restored"]
        self.assertEqual(restored["collections"], 1)
        self.assertEqual(restored["progspace_lookups"], 1)
        self.assertEqual(restored["printer_says"], "point v2")
        self.assertEqual(restored["hello"], "hello v2\n")

    def test_schedule_runs_on_the_main_thread_between_commands(self) -> None:
        script = self.write("script.py", """
            import os, sys, threading
            import gdb
            HERE = {here!r}
            gdb.execute("source " + os.path.join(HERE, "plugin", "load-reloader.py"))
            import reloader_gdb
            ran = []
            reloader_gdb.schedule(lambda: ran.append(threading.current_thread().name), 0)
            def check():
                with open(os.path.join(HERE, "ran.txt"), "w") as handle:
                    handle.write(repr(ran))
            """.format(here=self.tmp))
        done = self.run_program(
            [self.gdb, "-nx", "-q"], stdin="source {}\npython check()\nquit\n".format(script)
        )
        self.assertEqual(done.returncode, 0, done.stdout)
        with open(os.path.join(self.tmp, "ran.txt")) as handle:
            self.assertEqual(handle.read(), "['MainThread']")

    def test_reload_without_a_name_is_a_gdb_error(self) -> None:
        script = self.write("script.py", """
            import os
            import gdb
            HERE = {here!r}
            gdb.execute("source " + os.path.join(HERE, "plugin", "load-reloader.py"))
            try:
                gdb.execute("reloader-reload")
            except gdb.error as error:
                with open(os.path.join(HERE, "error.txt"), "w") as handle:
                    handle.write(str(error))
            """.format(here=self.tmp))
        self.run_program([self.gdb, "-nx", "-batch", "-x", script])
        with open(os.path.join(self.tmp, "error.txt")) as handle:
            self.assertEqual(
                handle.read(), "reloader-reload needs a package name, such as 'myprinters'"
            )


if __name__ == "__main__":
    unittest.main()
