"""A parent package is a dependent of its submodule only when its code uses it."""

import reloader

from .support import PackageCase


class ParentPackageTest(PackageCase):
    def test_the_submodule_attribute_alone_does_not_pull_in_the_parent(self) -> None:
        self.files({"{pkg}/__init__.py": "", "{pkg}/ui.py": "X = 1\n", "{pkg}/io.py": ""})
        self.load("{pkg}.ui")
        self.load("{pkg}.io")
        self.assertEqual(reloader.plan(self.pkg + ".ui").names, [self.pkg + ".ui"])

    def test_a_parent_holding_the_submodules_objects_is_reloaded(self) -> None:
        self.files({
            "{pkg}/__init__.py": "import importlib\nX = importlib.import_module('{pkg}.ui').X\n",
            "{pkg}/ui.py": "class X:\n    pass\n",
        })
        self.load("{pkg}")
        self.assertEqual(
            sorted(reloader.plan(self.pkg + ".ui").names), [self.pkg, self.pkg + ".ui"]
        )
