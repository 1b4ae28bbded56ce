"""The layers: the core knows no host, adapters use only public names, adapters stay small.

Reads the source with `ast`; imports nothing from hosts/ (the host modules
they need do not exist here).
"""

import ast
import os
import unittest
from typing import Dict, Iterator, List, Set, Tuple

import reloader

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORE = os.path.join(ROOT, "reloader")
HOSTS = os.path.join(ROOT, "hosts")

#: Lines of Python in each host folder, at most.
BUDGETS = {"sublime": 150, "maya": 150, "nuke": 150, "abaqus": 150, "blender": 250,
           "gdb": 150, "vim": 150}
#: Host folders still over budget while they are being thinned. A folder that
#: comes within budget fails the test until it is taken off this list.
OVER_BUDGET: Set[str] = set()
#: Core files that may take public names from private modules while being
#: changed (none now). One that no longer does fails until it is taken off.
PRIVATE_IMPORTS: Set[str] = set()


def python_files(folder: str) -> Iterator[str]:
    for directory, folders, files in os.walk(folder):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.join(directory, name)


def parse(path: str) -> ast.Module:
    with open(path, encoding="utf-8") as handle:
        return ast.parse(handle.read(), path)


def host_folders() -> Dict[str, List[str]]:
    """Each host folder and its Python files (the files beside hosts/ are tools)."""
    found = {}
    for name in sorted(os.listdir(HOSTS)):
        if os.path.isdir(os.path.join(HOSTS, name)):
            found[name] = list(python_files(os.path.join(HOSTS, name)))
    return found


def uses_of_reloader(tree: ast.Module) -> Tuple[Set[str], Set[str]]:
    """The names an adapter takes from reloader, and any private module it imports."""
    names: Set[str] = set()
    private: Set[str] = set()
    bound = set()  # what the module calls the reloader package
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "reloader":
                    if alias.name != "reloader":
                        private.add(alias.name)
                    bound.add(alias.asname or "reloader")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module == "reloader" or module.startswith("reloader."):
                if module != "reloader":
                    private.add(module)
                names.update(alias.name for alias in node.names)
            elif node.level and not module:  # `from . import reloader` (a copy beside it)
                bound.update(a.asname or a.name for a in node.names if a.name == "reloader")
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in bound):
            names.add(node.attr)
    return names, private


class LayeringTest(unittest.TestCase):
    def test_the_core_imports_no_adapter(self) -> None:
        adapters = {os.path.splitext(os.path.basename(path))[0]
                    for files in host_folders().values() for path in files}
        adapters.add("hosts")
        for path in python_files(CORE):
            for node in ast.walk(parse(path)):
                if isinstance(node, ast.Import):
                    imported = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    imported = [node.module or ""]
                else:
                    continue
                for name in imported:
                    with self.subTest(module=os.path.relpath(path, ROOT), imports=name):
                        self.assertNotIn(name.split(".")[0], adapters)

    def test_adapters_use_only_public_names(self) -> None:
        public = set(reloader.__all__) | {"__version__"}
        for files in host_folders().values():
            for path in files:
                names, private = uses_of_reloader(parse(path))
                with self.subTest(adapter=os.path.relpath(path, ROOT)):
                    self.assertEqual(private, set())
                    self.assertEqual(names - public, set())

    def test_the_ipython_extension_takes_public_names_from_the_package(self) -> None:
        # It is an adapter living in the package: `from . import reload`, not
        # `from ._reload import reload`.
        tree = parse(os.path.join(CORE, "_ipython.py"))
        reached = {alias.name for node in ast.walk(tree)
                   if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
                   for alias in node.names} & set(reloader.__all__)
        if "_ipython.py" in PRIVATE_IMPORTS:
            self.assertNotEqual(reached, set(), "take _ipython.py off PRIVATE_IMPORTS")
        else:
            self.assertEqual(reached, set())

    def test_each_host_folder_stays_within_its_budget(self) -> None:
        folders = host_folders()
        self.assertEqual(set(BUDGETS) - set(folders), set())
        for host, budget in BUDGETS.items():
            lines = 0
            for path in folders[host]:
                with open(path, encoding="utf-8") as handle:
                    lines += len(handle.read().splitlines())
            with self.subTest(host=host, lines=lines, budget=budget):
                if host in OVER_BUDGET:
                    self.assertGreater(lines, budget, "take {} off OVER_BUDGET".format(host))
                else:
                    self.assertLessEqual(lines, budget)


#: The modules of live update, each under 300 lines with one job.
UPDATE_MODULES = ("_update", "_matching", "_pairing", "_held", "_classes", "_body", "_safety",
                  "_annotations", "_enums", "_canonical", "_closures", "_reached", "_journal", "_generations", "_names", "_stale",
                  "_instances", "_containers", "_class_pairs", "_made_later", "_in_place", "_early")


class UpdateSizeTest(unittest.TestCase):
    def test_each_live_update_module_stays_under_300_lines(self) -> None:
        for name in UPDATE_MODULES:
            with open(os.path.join(CORE, name + ".py"), encoding="utf-8") as handle:
                lines = len(handle.read().splitlines())
            with self.subTest(module=name, lines=lines):
                self.assertLess(lines, 300)


if __name__ == "__main__":
    unittest.main()
