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

    def test_a_package_run_again_finds_its_kept_submodules_bound(self) -> None:
        # toolz's __init__: star imports, then a submodule's name, which only
        # the first import of that submodule bound on the package.
        self.files({
            "{pkg}/__init__.py": "from .values import *\nfrom .tools import *\n"
                                 "REGISTRY = tools.registry()\n",
            "{pkg}/values.py": "LIMIT = 1\n",
            "{pkg}/tools.py": "def registry():\n    return {'made': True}\n",
        })
        package = self.load("{pkg}")
        tools = self.mod("{pkg}.tools")
        self.write("{pkg}/values.py", "LIMIT = 2\n")
        the_plan = reloader.plan(self.pkg + ".values")
        self.assertEqual(sorted(the_plan.names), [self.pkg, self.pkg + ".values"])
        report = reloader.reload(self.pkg + ".values")
        self.assertTrue(report.ok, report.format())
        self.assertEqual(package.LIMIT, 2)
        self.assertIs(self.mod("{pkg}.tools"), tools)
        self.assertIs(package.tools, tools)
        self.assertEqual(package.REGISTRY, {"made": True})


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
