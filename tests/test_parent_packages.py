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

    def test_a_subpackage_run_inside_a_cycle_is_imported_anew_by_name(self) -> None:
        # alembic: runtime.migration does `from .. import ddl` while its
        # cycle runs; `ddl` is a package joined to the cycle only through its
        # own submodules (its __init__ imports them, they import it first).
        # The package left loaded still held the old ddl: migration bound it,
        # and then ops' `from .ddl.base import` ran the new ddl half-way
        # through the cycle.
        self.files({
            "{pkg}/__init__.py": "from . import ctx\n",
            "{pkg}/util.py": "VALUE = 1\n",
            "{pkg}/ctx.py": "from . import mig\nfrom .util import VALUE\n",
            "{pkg}/mig.py": "from .util import VALUE\nfrom . import ddl\n\n"
                            "def run():\n    return ddl.pg.KIND, ddl.BASE\n",
            "{pkg}/ddl/__init__.py": "from . import pg\nfrom .base import BASE\n",
            "{pkg}/ddl/pg.py": "from ..render import KIND\nfrom . import base\n",
            "{pkg}/render.py": "from . import ops\nKIND = ops.Op.kind\n",
            "{pkg}/ops.py": "from .ddl.base import BASE\nfrom . import mig\n\n"
                            "class Op:\n    kind = BASE\n",
            "{pkg}/ddl/base.py": "from ..util import VALUE\nBASE = VALUE * 10\n",
        })
        package = self.load("{pkg}")
        run = self.mod("{pkg}.mig").run
        self.assertEqual(run(), (10, 10))
        self.write("{pkg}/util.py", "VALUE = 2\n")
        report = reloader.reload(self.pkg + ".util")
        self.assertTrue(report.ok, report.format())
        self.assertNotIn(self.pkg, report.reloaded)  # it binds ctx alone: kept
        self.assertIs(self.mod("{pkg}.mig").ddl, self.mod("{pkg}.ddl"))
        self.assertIs(package.ddl, self.mod("{pkg}.ddl"))
        self.assertEqual(run(), (20, 20))
        self.assertEqual(self.mod("{pkg}.mig").run(), (20, 20))


    def test_a_package_left_loaded_between_does_not_reorder_its_ancestors(self) -> None:
        # bleach's vendored html5lib: `top._vendor` stays loaded, so importing
        # `top._vendor.lib` first spares `top`; but its `from . import util`
        # calls __import__("top._vendor.lib.util"), which imports and returns
        # `top`, whose code then needs the half-run vendored package.
        self.files({
            "{pkg}/__init__.py": "from {pkg}.linkifier import linkify\n",
            "{pkg}/linkifier.py": "from {pkg} import shim\nfrom {pkg}.shim import Parser\n"
                                  "def linkify(text):\n    return shim.Parser().parse(text)\n",
            "{pkg}/shim.py": "from {pkg}._vendor.lib import Parser\n",
            "{pkg}/_vendor/__init__.py": "",
            "{pkg}/_vendor/lib/__init__.py": "from .parser import Parser\n",
            "{pkg}/_vendor/lib/parser.py": "from . import util\nfrom .util import up\n"
                                           "class Parser:\n    def parse(self, text):\n"
                                           "        return up(text)\n",
            "{pkg}/_vendor/lib/util.py": "def up(text):\n    return text.upper()\n",
        })
        package = self.load("{pkg}")
        self.write("{pkg}/_vendor/lib/util.py", "def up(text):\n    return text.upper() + '!'\n")
        report = reloader.reload(self.pkg + "._vendor.lib.util")
        self.assertTrue(report.ok, report.format())
        self.assertIn(self.pkg, report.reloaded)
        self.assertNotIn(self.pkg + "._vendor", report.reloaded)
        self.assertEqual((package.linkify("a"), self.mod("{pkg}").linkify("b")), ("A!", "B!"))

    def test_a_submodule_of_a_package_left_loaded_is_imported_when_read(self) -> None:
        # xarray with dask loaded: `pd.api.extensions` read at import through
        # `pandas.api`, a package left loaded, while the submodule waits in a
        # cycle of the reload: it is imported then, as the package's own
        # import did, and the package has no hook left afterwards.
        self.files({
            "base_{pkg}.py": "K = 1\n",
            "{pkg}/__init__.py": "from base_{pkg} import K\nfrom {pkg} import api\n",
            "{pkg}/api/__init__.py": "from {pkg}.api import ext\n",
            "{pkg}/api/ext.py": "from base_{pkg} import K\nimport user_{pkg}\nVALUE = K + 1\n",
            "user_{pkg}.py": "import {pkg}\nX = {pkg}.api.ext.VALUE\n"
                             "from {pkg}.api.ext import VALUE as V2\n",
        })
        self.load("user_{pkg}")
        api = self.mod("{pkg}.api")
        self.write("base_{pkg}.py", "K = 5\n")
        report = reloader.reload("base_" + self.pkg)
        self.assertNotIn(self.pkg + ".api", report.reloaded)  # left loaded
        self.assertEqual((self.mod("user_{pkg}").X, self.mod("user_{pkg}").V2), (6, 6))
        self.assertIs(api.ext, self.mod("{pkg}.api.ext"))
        self.assertNotIn("__getattr__", vars(api))


    def test_a_module_left_loaded_under_a_package_run_again_is_imported_through_it(self) -> None:
        # pandas' extension `pandas._libs.window.aggregations`, left loaded
        # under its package, imported by full name from a module run before
        # that package: the new package is imported first, as the first time.
        self.files({
            "base_{pkg}.py": "K = 1\n",
            "{pkg}/__init__.py": "from base_{pkg} import K\nfrom {pkg} import user\n",
            "{pkg}/sub/__init__.py": "from base_{pkg} import K\n",
            "{pkg}/sub/ext.py": "VALUE = 2\n",
            "{pkg}/sub/inner/__init__.py": "",
            "{pkg}/sub/inner/leaf.py": "VALUE = 3\n",
            "{pkg}/user.py": "from base_{pkg} import K\nimport {pkg}.sub.ext as ext\n"
                             "import {pkg}.sub.inner.leaf as leaf\n"
                             "X = ext.VALUE + K\nY = leaf.VALUE\n",
        })
        self.load("{pkg}")
        ext = self.mod("{pkg}.sub.ext")
        spec = ext.__spec__
        self.write("base_{pkg}.py", "K = 5\n")
        report = reloader.reload("base_" + self.pkg)
        self.assertNotIn(self.pkg + ".sub.ext", report.reloaded)  # left loaded
        self.assertEqual((self.mod("{pkg}.user").X, self.mod("{pkg}.user").Y), (7, 3))
        self.assertIs(self.mod("{pkg}.sub").inner.leaf, self.mod("{pkg}.sub.inner.leaf"))
        self.assertIs(self.mod("{pkg}.sub.ext"), ext)
        self.assertIs(self.mod("{pkg}.sub").ext, ext)
        self.assertIs(ext.__spec__, spec)


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
