"""The adapter of hosts/README.md's "Writing an adapter", run against a small fake host."""

import os
import re
import sys
import types
import unittest
from typing import Any, Callable, Dict, List

from tests.support import PackageCase

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(REPO, "examples", "adapter")

PLUGIN = """
import toy

VERSION = {version!r}

def on_event(event):
    toy.seen.append((VERSION, event))

toy.listeners.append(on_event)
{tail}
"""


def fake_toy() -> Any:
    """The imaginary host's module: posted calls wait until the test runs them."""
    toy: Any = types.ModuleType("toy")
    toy.listeners, toy.seen, toy.written = [], [], []
    toy.commands: Dict[str, Callable[[str], None]] = {}
    toy.posted: List[Callable[[], None]] = []
    toy.post = toy.posted.append
    toy.write = toy.written.append
    toy.add_command = toy.commands.__setitem__

    def fire(event: str) -> None:
        for listener in list(toy.listeners):
            listener(event)

    def run_posted() -> None:
        while toy.posted:
            toy.posted.pop(0)()

    toy.fire, toy.run_posted = fire, run_posted
    return toy


class AdapterExampleTest(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        self.toy = fake_toy()
        sys.modules["toy"] = self.toy
        sys.path.insert(0, EXAMPLE)
        adapter: Any = self.load("reloader_toy")
        self.addCleanup(adapter.install())
        self.write("{pkg}/__init__.py", PLUGIN.format(version="v1", tail=""))
        self.load("{pkg}")
        self.toy.listeners.insert(0, self.unrelated)

    def unrelated(self, event: str) -> None:
        self.toy.seen.append(("unrelated", event))

    def command(self, name: str) -> str:
        self.toy.commands["reload"](name)
        self.assertEqual(self.toy.written, [])  # on the main thread, later
        self.toy.run_posted()
        return str(self.toy.written.pop())

    def fire(self) -> List[Any]:
        del self.toy.seen[:]
        self.toy.fire("click")
        return list(self.toy.seen)

    def test_a_reload_replaces_the_listener_once(self) -> None:
        self.write("{pkg}/__init__.py", PLUGIN.format(version="v2", tail=""))
        self.assertRegex(self.command(self.pkg), r"^reloader: reloaded 1 module in \d+ ms$")
        self.assertEqual(self.fire(), [("unrelated", "click"), ("v2", "click")])

    def test_a_failed_reload_puts_the_old_listener_back_in_place(self) -> None:
        old = sys.modules[self.pkg]
        path = self.write("{pkg}/__init__.py", PLUGIN.format(version="v2", tail="undefined"))
        text = self.command(self.pkg)
        self.assertTrue(text.startswith(
            "reloading {!r} failed at {}:10: NameError: name 'undefined' is not defined; "
            "restored 1 module to its previous state\n".format(self.pkg, path)), text)
        self.assertIs(sys.modules[self.pkg], old)
        self.assertEqual(self.toy.listeners, [self.unrelated, old.on_event])

    def test_a_bad_name_is_shown_not_raised(self) -> None:
        self.assertEqual(self.command(self.pkg + "_missing"),
                         "no loaded module matches {!r}; import it first, or check the "
                         "spelling".format(self.pkg + "_missing"))

    def test_the_readme_shows_this_file_and_it_is_short(self) -> None:
        with open(os.path.join(EXAMPLE, "reloader_toy.py"), encoding="utf-8") as handle:
            source = handle.read()
        with open(os.path.join(REPO, "hosts", "README.md"), encoding="utf-8") as handle:
            readme = handle.read()
        blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
        self.assertIn(source, blocks)
        self.assertLess(len(source.splitlines()), 60)


if __name__ == "__main__":
    unittest.main()
