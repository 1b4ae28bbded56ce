"""Who depends on a module: parent packages and the program's main module."""

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


class MainTest(PackageCase):
    def test_modules_importing_main_are_not_dependents(self) -> None:
        # IPython's completer imports __main__, which holds the user's objects.
        import __main__

        self.files({"{pkg}/__init__.py": "def f():\n    pass\n",
                    "{pkg}_user.py": "import __main__\n"})
        package = self.load("{pkg}")
        self.load("{pkg}_user")
        setattr(__main__, self.pkg, package)
        self.addCleanup(delattr, __main__, self.pkg)
        self.assertEqual(reloader.plan(self.pkg).names, [self.pkg])
