"""Which modules a target selects, what is never purged, and bad input."""

import importlib.machinery
import itertools
import os
import pathlib
import shutil
import sys
import textwrap
import types
import unittest
import zipfile
from typing import Dict

import reloader
from reloader import _discovery, _state

from .support import PackageCase

STDLIB = "standard library: reloading it would break the interpreter"
EXTENSION = "extension module: cannot be initialised twice"


class PrefixTest(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/util.py": "VALUE = 1\n",
            "{pkg}kit/__init__.py": "VALUE = 1\n",
        })
        self.load("{pkg}.util")
        self.load("{pkg}kit")

    def test_prefix_stops_at_a_dot_boundary(self) -> None:
        kit = self.mod("{pkg}kit")
        report = reloader.reload(self.pkg)
        self.assertEqual(report.reloaded, (self.pkg, self.pkg + ".util"))
        self.assertIs(self.mod("{pkg}kit"), kit)

    def test_prefix_naming_a_submodule_selects_only_it(self) -> None:
        package = self.mod("{pkg}")
        report = reloader.reload(self.pkg + ".util", dependents=False)
        self.assertEqual(report.reloaded, (self.pkg + ".util",))
        self.assertIs(self.mod("{pkg}"), package)
        self.assertIs(package.util, self.mod("{pkg}.util"))

    def test_plan_says_why_each_module_is_in(self) -> None:
        the_plan = reloader.plan(self.pkg)
        self.assertEqual(
            list(the_plan.modules),
            [
                reloader.Plan.PlannedModule(self.pkg, "selected"),
                reloader.Plan.PlannedModule(self.pkg + ".util", "selected"),
            ],
        )
        self.assertEqual(the_plan.names, [self.pkg, self.pkg + ".util"])

    def test_plan_changes_nothing(self) -> None:
        before = dict(sys.modules)
        self.write("{pkg}/util.py", "VALUE = 2\n")
        reloader.plan(self.pkg)
        self.assertEqual(len(sys.modules), len(before))
        for name, module in before.items():
            self.assertIs(sys.modules[name], module)
        self.assertEqual(self.mod("{pkg}.util").VALUE, 1)


class PathTest(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/util.py": "VALUE = 1\n",
            "{pkg}kit/__init__.py": "VALUE = 1\n",
        })
        self.load("{pkg}.util")
        self.load("{pkg}kit")
        self.write("{pkg}/util.py", "VALUE = 2\n")
        self.kit = self.mod("{pkg}kit")

    def check(self, target: object) -> None:
        report = reloader.reload(target)
        self.assertEqual(report.reloaded, (self.pkg, self.pkg + ".util"))
        self.assertEqual(self.mod("{pkg}.util").VALUE, 2)
        # '/x/pkg' does not contain '/x/pkgkit'.
        self.assertIs(self.mod("{pkg}kit"), self.kit)

    def test_str_with_a_separator(self) -> None:
        self.check(self.path("{pkg}"))

    def test_str_with_a_trailing_separator(self) -> None:
        self.check(self.path("{pkg}") + os.sep)

    def test_pathlib_path(self) -> None:
        self.check(pathlib.Path(self.path("{pkg}")))

    def test_unresolved_path(self) -> None:
        self.check(os.path.join(self.path("{pkg}"), "..", self.pkg, "."))

    @unittest.skipUnless(hasattr(os, "symlink"), "needs symbolic links")
    def test_symlinked_folder(self) -> None:
        link = os.path.join(self.root, "link")
        try:
            os.symlink(self.path("{pkg}"), link, target_is_directory=True)
        except OSError as error:  # Windows without the privilege
            self.skipTest("cannot create a symbolic link: {}".format(error))
        self.check(link)

    def test_file_path_selects_that_module(self) -> None:
        package = self.mod("{pkg}")
        report = reloader.reload(pathlib.Path(self.path("{pkg}/util.py")))
        self.assertEqual(report.reloaded, (self.pkg + ".util",))
        self.assertIs(self.mod("{pkg}"), package)
        self.assertEqual(self.mod("{pkg}.util").VALUE, 2)


class ModuleObjectTest(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/util.py": "VALUE = 1\n",
            "{pkg}/other.py": "VALUE = 1\n",
            "{pkg}kit/__init__.py": "VALUE = 1\n",
        })
        self.load("{pkg}.util")
        self.load("{pkg}.other")
        self.load("{pkg}kit")

    def test_package_object_selects_its_submodules(self) -> None:
        kit = self.mod("{pkg}kit")
        report = reloader.reload(self.mod("{pkg}"))
        self.assertEqual(
            sorted(report.reloaded), sorted([self.pkg, self.pkg + ".util", self.pkg + ".other"])
        )
        self.assertIs(self.mod("{pkg}kit"), kit)

    def test_submodule_object(self) -> None:
        other = self.mod("{pkg}.other")
        report = reloader.reload(self.mod("{pkg}.util"))
        self.assertEqual(report.reloaded, (self.pkg + ".util",))
        self.assertIs(self.mod("{pkg}.other"), other)

    def test_module_not_loaded_under_its_name(self) -> None:
        stray = types.ModuleType(self.pkg + ".stray")
        with self.assertRaises(ValueError) as caught:
            reloader.reload(stray)
        self.assertEqual(
            str(caught.exception),
            "module {!r} is not the one loaded under its name; pass its name "
            "instead".format(stray),
        )

    def test_several_targets(self) -> None:
        package = self.mod("{pkg}")
        report = reloader.reload(
            self.mod("{pkg}.util"), self.path("{pkg}kit"), self.pkg + ".other",
            dependents=False,
        )
        self.assertEqual(
            report.reloaded, (self.pkg + ".util", self.pkg + ".other", self.pkg + "kit")
        )
        self.assertIs(self.mod("{pkg}"), package)

    def test_overlapping_targets_reload_each_module_once(self) -> None:
        report = reloader.reload(self.pkg, self.pkg + ".util", self.mod("{pkg}"))
        self.assertEqual(len(report.reloaded), len(set(report.reloaded)))
        self.assertEqual(
            sorted(report.reloaded), sorted([self.pkg, self.pkg + ".util", self.pkg + ".other"])
        )



#: A module that puts a proxy in its own place in sys.modules (zope.deprecation, twisted).
_PROXIED = textwrap.dedent("""
    import sys
    class Proxy:
        def __init__(self, module):
            self.__dict__["_module"] = module
        def __getattr__(self, name):
            return getattr(self._module, name)
    sys.modules[__name__] = Proxy(sys.modules[__name__])
    """)


class ProtectedTest(PackageCase):
    def test_main_is_skipped(self) -> None:
        self.files({"{pkg}/__init__.py": "", "{pkg}/util.py": "VALUE = 1\n"})
        self.load("{pkg}.util")
        main = types.ModuleType("__main__")
        main.__file__ = self.write("{pkg}/script.py", "VALUE = 1\n")
        sys.modules["__main__"] = main  # the cleanup puts the real one back
        report = reloader.reload(self.path("{pkg}"))
        self.assertEqual(report.reloaded, (self.pkg, self.pkg + ".util"))
        self.assertEqual(
            report.skipped["__main__"],
            "the program's main module: it is never re-imported",
        )
        self.assertIs(sys.modules["__main__"], main)

    def test_main_importing_a_selected_module_is_named(self) -> None:
        self.files({"{pkg}/__init__.py": "", "{pkg}/util.py": "VALUE = 1\n"})
        self.load("{pkg}.util")
        main = types.ModuleType("__main__")
        main.__file__ = self.write("script.py", "from {pkg}.util import VALUE\n")
        sys.modules["__main__"] = main
        the_plan = reloader.plan(self.pkg)
        self.assertEqual(
            the_plan.skipped["__main__"],
            "reads VALUE from {}.util at import (line 1), but the program's main module: "
            "it is never re-imported".format(self.pkg),
        )
        self.assertNotIn("__main__", the_plan.names)

    def test_builtin_module(self) -> None:
        with self.assertRaises(ValueError) as caught:
            reloader.reload("builtins")
        self.assertEqual(
            str(caught.exception),
            "'builtins' selects only protected modules, which are never reloaded: "
            "builtins (built-in module: it is part of the interpreter)",
        )

    def test_stdlib_module(self) -> None:
        import textwrap  # noqa: F401  (make sure it is loaded)

        with self.assertRaises(ValueError) as caught:
            reloader.plan("textwrap")
        self.assertEqual(
            str(caught.exception),
            "'textwrap' selects only protected modules, which are never reloaded: "
            "textwrap ({})".format(STDLIB),
        )

    def test_only_protected_package_names_every_module_and_why(self) -> None:
        import json.decoder  # noqa: F401

        names = [n for n in sys.modules if n == "json" or n.startswith("json.")]
        shown = ", ".join("{} ({})".format(n, STDLIB) for n in names[:5])
        more = ", ..." if len(names) > 5 else ""
        with self.assertRaises(ValueError) as caught:
            reloader.reload("json")
        self.assertEqual(
            str(caught.exception),
            "'json' selects only protected modules, which are never reloaded: "
            + shown + more,
        )

    def test_extension_module_folder(self) -> None:
        import math

        folder = os.path.dirname(getattr(math, "__file__", "") or "")
        if not folder:
            self.skipTest("math is built into this interpreter")
        with self.assertRaises(ValueError) as caught:
            reloader.plan(folder + os.sep)
        self.assertTrue(str(caught.exception).startswith(
            "path {!r} selects only protected modules, which are never reloaded: ".format(
                folder + os.sep
            )
        ))
        self.assertIn("({})".format(EXTENSION), str(caught.exception))
        self.assertNotIn("standard library", str(caught.exception))

    def test_extension_submodule_is_skipped_and_kept(self) -> None:
        import _json

        source = getattr(_json, "__file__", None)
        if not source:
            self.skipTest("_json is built into this interpreter")
        self.files({"{pkg}/__init__.py": "VALUE = 1\n"})
        suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
        shutil.copy(source, self.path("{pkg}/_json" + suffix))
        extension = self.load("{pkg}._json")
        report = reloader.reload(self.pkg)
        self.assertEqual(report.reloaded, (self.pkg,))
        self.assertEqual(report.skipped, {self.pkg + "._json": EXTENSION})
        self.assertIs(self.mod("{pkg}._json"), extension)
        # Still reachable the way `import pkg._json` code reaches it.
        self.assertIs(getattr(self.mod("{pkg}"), "_json", None), extension)

    def test_reloader_itself(self) -> None:
        with self.assertRaises(ValueError) as caught:
            reloader.plan("reloader._report")
        self.assertEqual(
            str(caught.exception),
            "'reloader._report' selects only protected modules, which are never "
            "reloaded: reloader._report (part of reloader itself)",
        )

    def test_host_protected_prefix(self) -> None:
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/keep.py": "VALUE = 1\n",
            "{pkg}/keepsake.py": "VALUE = 1\n",
        })
        self.load("{pkg}.keep")
        self.load("{pkg}.keepsake")
        keep = self.mod("{pkg}.keep")
        uninstall = reloader.use_host(reloader.Host("x", protected=[self.pkg + ".keep"]))
        self.addCleanup(uninstall)
        report = reloader.reload(self.pkg)
        self.assertEqual(report.reloaded, (self.pkg, self.pkg + ".keepsake"))
        self.assertEqual(report.skipped, {self.pkg + ".keep": "protected by the x host"})
        self.assertIs(self.mod("{pkg}.keep"), keep)
        self.assertIs(getattr(self.mod("{pkg}"), "keep", None), keep)
        with self.assertRaises(ValueError) as caught:
            reloader.reload(self.pkg + ".keep")
        self.assertEqual(
            str(caught.exception),
            "{!r} selects only protected modules, which are never reloaded: "
            "{} (protected by the x host)".format(self.pkg + ".keep", self.pkg + ".keep"),
        )
        uninstall()
        report = reloader.reload(self.pkg + ".keep")
        self.assertEqual(report.reloaded, (self.pkg + ".keep",))

    def test_odd_entries_under_a_selected_prefix(self) -> None:
        self.files({"{pkg}/__init__.py": "", "{pkg}/util.py": "VALUE = 1\n"})
        self.load("{pkg}.util")
        odd = object()
        sys.modules[self.pkg + ".missing"] = None  # type: ignore[assignment]
        sys.modules[self.pkg + ".odd"] = odd  # type: ignore[assignment]
        self.write("{pkg}/util.py", "VALUE = 2\n")
        self.assertEqual(reloader.plan(self.pkg).names, [self.pkg, self.pkg + ".util"])
        report = reloader.reload(self.pkg)
        self.assertEqual(report.reloaded, (self.pkg, self.pkg + ".util"))
        self.assertEqual(self.mod("{pkg}.util").VALUE, 2)
        self.assertIsNone(sys.modules[self.pkg + ".missing"])
        self.assertIs(sys.modules[self.pkg + ".odd"], odd)

    def test_odd_entries_elsewhere_do_not_break_a_reload(self) -> None:
        self.files({"{pkg}/__init__.py": "VALUE = 1\n"})
        self.load("{pkg}")
        sys.modules[self.pkg + "_none"] = None  # type: ignore[assignment]
        sys.modules[self.pkg + "_odd"] = "not a module"  # type: ignore[assignment]
        report = reloader.reload(self.pkg)
        self.assertEqual(report.reloaded, (self.pkg,))

    def test_a_module_object_without_a_namespace(self) -> None:
        # As cffi's library objects (cryptography's `_openssl.lib`): a module
        # type's instance in sys.modules whose __dict__ cannot be read, loaded
        # after reloader first looked, and held by a module that is reloaded.
        class Lib(types.ModuleType):
            @property
            def __dict__(self) -> Dict[str, object]:  # type: ignore[override]
                raise AttributeError("no namespace")

        self.files({"{pkg}/__init__.py": "", "{pkg}/leaf.py": "VALUE = 1\n",
                    "{pkg}/user.py": "from . import leaf\nLIMIT = leaf.VALUE\n"})
        self.load("{pkg}.user")
        watcher = reloader.Watcher(self.path("{pkg}"), debounce=0)
        lib = Lib("_" + self.pkg + "_lib.lib")
        sys.modules[lib.__name__] = lib
        self.addCleanup(sys.modules.pop, lib.__name__, None)
        self.write("{pkg}/binding.py", "import sys\nlib = sys.modules[{!r}]\n".format(lib.__name__))
        self.load("{pkg}.binding")
        self.write("{pkg}/leaf.py", "VALUE = 2\n")
        report = reloader.reload(self.pkg + ".leaf")
        self.assertEqual(report.reloaded, (self.pkg + ".leaf", self.pkg + ".user"))
        self.assertEqual(self.mod("{pkg}.user").LIMIT, 2)
        self.write("{pkg}/leaf.py", "VALUE = 3\n")
        report = watcher.check()
        self.assertTrue(report is not None and report.ok, report)
        self.assertEqual(self.mod("{pkg}.user").LIMIT, 3)
        self.assertIs(sys.modules[lib.__name__], lib)
        with self.assertRaises(ValueError) as caught:
            reloader.reload(lib)
        self.assertIn("has no namespace to reload", str(caught.exception))

    def test_module_without_a_spec(self) -> None:
        self.files({"{pkg}/__init__.py": "VALUE = 1\n"})
        self.load("{pkg}")
        bare = types.ModuleType(self.pkg + ".bare")
        sys.modules[self.pkg + ".bare"] = bare
        report = reloader.reload(self.pkg)
        self.assertEqual(report.reloaded, (self.pkg,))
        self.assertEqual(
            report.skipped,
            {self.pkg + ".bare": "no source file: it was not imported from a file"},
        )
        self.assertIs(sys.modules[self.pkg + ".bare"], bare)

    def test_a_submodule_made_at_run_time_naming_its_makers_file_stays(self) -> None:
        # bottle's `bottle.ext`: a module the package makes, whose __file__ is
        # the package's own. No import finds it: it is not "gone".
        self.files({"{pkg}/__init__.py": """
            import sys, types
            def make():
                made = sys.modules[__name__ + ".virtual"] = types.ModuleType(__name__ + ".virtual")
                made.VALUE = 42
                made.__file__ = __file__
                sys.modules[__name__].virtual = made
            def use():
                return __import__(__name__ + ".virtual", fromlist=["VALUE"]).VALUE
            """})
        self.load("{pkg}").make()
        made = sys.modules[self.pkg + ".virtual"]
        report = reloader.reload(self.pkg)
        self.assertEqual((report.reloaded, report.removed), ((self.pkg,), ()))
        self.assertIn("made at run time", report.skipped[self.pkg + ".virtual"])
        self.assertIs(sys.modules[self.pkg + ".virtual"], made)
        self.assertIs(self.mod("{pkg}").virtual, made)
        self.assertEqual(self.mod("{pkg}").use(), 42)
        with self.assertRaises(ValueError) as caught:
            reloader.reload(self.pkg + ".virtual")
        self.assertIn("no module spec", str(caught.exception))

    def test_an_entry_a_library_replaced_with_a_proxy_is_named_not_skipped_silently(self) -> None:
        # zope.deprecation's deprecated() puts a proxy in the module's place
        # (pyramid.security): it is no module reloader can reload.
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/sub.py": _PROXIED,
        })
        self.load("{pkg}.sub")
        report = reloader.reload(self.pkg)
        self.assertEqual(report.reloaded, (self.pkg,))
        self.assertIn("is a Proxy object, not a module", report.skipped[self.pkg + ".sub"])
        with self.assertRaises(ValueError) as caught:
            reloader.reload(self.pkg + ".sub")
        self.assertIn("{!r} cannot be reloaded: its sys.modules entry is a Proxy object".format(
            self.pkg + ".sub"), str(caught.exception))
        sys.modules[self.pkg + ".sub"] = None  # gone from the table's others once it is None
        self.assertNotIn(self.pkg + ".sub", reloader.plan(self.pkg).skipped)

    def test_a_submodule_of_a_package_replaced_with_a_proxy_says_so(self) -> None:
        # twisted puts a _ModuleProxy in place of `twisted.python`.
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/sub/__init__.py": "from . import real\n" + _PROXIED,
            "{pkg}/sub/real.py": "X = 1\n",
        })
        self.load("{pkg}.sub")
        self.assertIn("{!r} is in sys.modules as a Proxy object".format(self.pkg + ".sub"),
                      reloader.plan(self.pkg).skipped[self.pkg + ".sub.real"])


class OrphanTest(PackageCase):
    def test_a_submodule_whose_package_failed_to_import_is_left_out(self) -> None:
        # An optional integration: `pkg.opt` imports a submodule, then fails on a
        # dependency that is not installed; Python keeps the submodule only.
        self.files({
            "{pkg}/__init__.py": "def f():\n    return 1\n",
            "{pkg}/opt/__init__.py": "from . import app\nimport not_installed_dependency_xyz\n",
            "{pkg}/opt/app.py": "X = 1\n",
        })
        package = self.load("{pkg}")
        with self.assertRaises(ImportError):
            self.load("{pkg}.opt")
        self.assertIn("{}.opt.app".format(self.pkg), sys.modules)
        self.write("{pkg}/__init__.py", "def f():\n    return 2\n")
        report = reloader.reload(self.pkg)
        self.assertTrue(report.ok, report)
        self.assertEqual(package.f(), 2)
        why = report.skipped["{}.opt.app".format(self.pkg)]
        self.assertIn("its package '{}.opt' is not loaded".format(self.pkg), why)
        with self.assertRaisesRegex(ValueError, "its package '{}.opt' is not loaded".format(
                self.pkg)):
            reloader.reload(self.pkg + ".opt.app")


class AliasTest(PackageCase):
    """Another name for a loaded module, as requests.packages gives urllib3 and chardet."""

    def setUp(self) -> None:
        super().setUp()
        self.files({
            "{pkg}/__init__.py": "from .const import LIMIT\n",
            "{pkg}/const.py": "LIMIT = 1\n",
            "{pkg}/reader.py": "from {pkg}.const import LIMIT\nDOUBLE = LIMIT * 2\n",
            # A plain module, not a package: nothing can be imported below it.
            "{pkg}_vendor.py": """\
                import sys
                import {pkg}.reader
                for name in list(sys.modules):
                    if name == "{pkg}" or name.startswith("{pkg}."):
                        sys.modules["{pkg}_vendor." + name] = sys.modules[name]
                """,
        })
        self.load("{pkg}_vendor")
        self.alias = self.pkg + "_vendor." + self.pkg

    def test_the_module_is_reloaded_under_its_own_name(self) -> None:
        the_plan = reloader.plan(self.alias + ".const")
        self.assertEqual(sorted(the_plan.names), [self.pkg, self.pkg + ".const",
                                                  self.pkg + ".reader"])
        self.assertEqual(the_plan.skipped, {
            self.alias + ".const": "another name for {}.const, which is reloaded in its "
                                   "place".format(self.pkg)})
        self.write("{pkg}/const.py", "LIMIT = 2\n")
        report = reloader.reload(self.alias + ".const")
        self.assertTrue(report.ok, report.format())
        self.assertEqual(self.mod("{pkg}.reader").DOUBLE, 4)
        for name in (self.pkg, self.pkg + ".const", self.pkg + ".reader"):
            self.assertIs(sys.modules[self.pkg + "_vendor." + name], sys.modules[name])

    def test_a_session_whose_first_look_finds_them(self) -> None:
        self.write("{pkg}/const.py", "LIMIT = 3\n")
        with _state.State().use():
            report = reloader.reload(self.alias + ".const")
        self.assertTrue(report.ok, report.format())
        self.assertEqual(self.mod("{pkg}.reader").DOUBLE, 6)
        self.assertIs(sys.modules[self.alias + ".const"], sys.modules[self.pkg + ".const"])

    def test_a_failed_reload_puts_the_other_names_back(self) -> None:
        old = {name: module for name, module in sys.modules.items()
               if name.startswith(self.pkg)}
        self.write("{pkg}/reader.py", "from {pkg}.const import LIMIT\nDOUBLE = LIMIT / 0\n")
        self.write("{pkg}/const.py", "LIMIT = 2\n")
        with self.assertRaises(reloader.ReloadError):
            reloader.reload(self.alias)
        self.assertEqual({name: module for name, module in sys.modules.items()
                          if name.startswith(self.pkg)}, old)


class NamespacePackageTest(PackageCase):
    def test_two_portions(self) -> None:
        other = os.path.join(self.root, "second")
        self.files({"first/{pkg}/a.py": "VALUE = 1\n", "second/{pkg}/b.py": "VALUE = 1\n"})
        sys.path[:0] = [os.path.join(self.root, "first"), other]
        self.load("{pkg}.a")
        self.load("{pkg}.b")
        self.assertEqual(len(self.mod("{pkg}").__path__), 2)
        self.write("first/{pkg}/a.py", "VALUE = 2\n")
        self.write("second/{pkg}/b.py", "VALUE = 3\n")
        report = reloader.reload(self.pkg)
        self.assertEqual(report.reloaded, (self.pkg, self.pkg + ".a", self.pkg + ".b"))
        self.assertEqual(self.mod("{pkg}.a").VALUE, 2)
        self.assertEqual(self.mod("{pkg}.b").VALUE, 3)
        self.assertEqual(len(self.mod("{pkg}").__path__), 2)
        self.assertIs(self.mod("{pkg}").b, self.mod("{pkg}.b"))

    def test_path_of_one_portion(self) -> None:
        self.files({"first/{pkg}/a.py": "VALUE = 1\n", "second/{pkg}/b.py": "VALUE = 1\n"})
        sys.path[:0] = [os.path.join(self.root, "first"), os.path.join(self.root, "second")]
        self.load("{pkg}.a")
        self.load("{pkg}.b")
        b = self.mod("{pkg}.b")
        report = reloader.reload(self.path("first/{pkg}"), dependents=False)
        # The namespace package spans both folders, so only a lies under first/.
        self.assertEqual(report.reloaded, (self.pkg + ".a",))
        self.assertIs(self.mod("{pkg}.b"), b)


class ZipTest(PackageCase):
    def make_zip(self, value: int) -> str:
        archive = os.path.join(self.root, "bundle.zip")
        with zipfile.ZipFile(archive, "w") as bundle:
            bundle.writestr(self.pkg + "/__init__.py", "")
            bundle.writestr(
                self.pkg + "/mod.py",
                "VALUE = {}\n\ndef value():\n    return VALUE\n".format(value),
            )
        return archive

    def test_edit_the_archive_and_reload(self) -> None:
        archive = self.make_zip(1)
        sys.path.insert(0, archive)
        self.assertEqual(self.load("{pkg}.mod").value(), 1)
        old = self.mod("{pkg}.mod")
        self.make_zip(222)  # a different size, so a stale directory would misread it
        report = reloader.reload(self.pkg)
        self.assertEqual(report.reloaded, (self.pkg, self.pkg + ".mod"))
        self.assertIsNot(self.mod("{pkg}.mod"), old)
        self.assertEqual(self.mod("{pkg}.mod").value(), 222)

    def test_path_inside_the_archive(self) -> None:
        archive = self.make_zip(1)
        sys.path.insert(0, archive)
        self.load("{pkg}.mod")
        self.make_zip(2)
        report = reloader.reload(archive + os.sep + self.pkg)
        self.assertEqual(report.reloaded, (self.pkg, self.pkg + ".mod"))
        self.assertEqual(self.mod("{pkg}.mod").value(), 2)


class ModuleMemoTest(unittest.TestCase):
    """What is computed once per module object is never another module's, and does not pile up."""

    def test_a_value_is_computed_once_per_module_object(self) -> None:
        calls = []
        memo = _discovery.ModuleMemo(lambda name, module: calls.append(name) or name.upper())
        module = types.ModuleType("one")
        self.assertEqual(memo.get("one", module), "ONE")
        self.assertEqual(memo.get("one", module), "ONE")
        self.assertEqual(memo.get("two", module), "TWO")  # the same object under another name
        self.assertEqual(calls, ["one", "two"])

    def test_values_of_freed_modules_go(self) -> None:
        counter = itertools.count()
        memo = _discovery.ModuleMemo(lambda name, module: next(counter), least=8)
        passing = [types.ModuleType("passing") for _ in range(20)]
        staying = [types.ModuleType("staying") for _ in range(50)]  # other ids than those
        for module in passing:
            memo.get("passing", module)
        del passing, module
        values = [memo.get("staying", module) for module in staying]
        self.assertEqual(values, list(range(20, 70)))
        self.assertEqual(len(memo), 50)  # what the freed modules had is gone
        self.assertEqual([memo.get("staying", module) for module in staying], values)

    def test_a_new_module_where_a_freed_one_was_is_computed_anew(self) -> None:
        counter = itertools.count()
        memo = _discovery.ModuleMemo(lambda name, module: next(counter))
        module = types.ModuleType("tool")
        self.assertEqual(memo.get("tool", module), 0)
        del module
        other = types.ModuleType("tool")
        # Python gives a freed object's address to the next object often, not
        # surely: the entry is put under the new module's id by hand, as reuse would.
        memo._values[id(other)] = next(iter(memo._values.values()))
        self.assertEqual(memo.get("tool", other), 1)
        self.assertEqual(memo.get("tool", other), 1)


class BadInputTest(PackageCase):
    def check(self, error: type, text: str, *targets: object) -> None:
        for call in (reloader.reload, reloader.plan):
            with self.subTest(call=call.__name__):
                with self.assertRaises(error) as caught:
                    call(*targets)
                self.assertEqual(str(caught.exception), text)

    def test_no_target(self) -> None:
        self.check(
            TypeError,
            "give at least one target: a dotted module name such as 'tool', a folder "
            "path, or a module object",
        )

    def test_empty_name(self) -> None:
        self.check(
            ValueError,
            "target '' is not a dotted module name; give a name like 'tool' or "
            "'tool.ui', or a folder path",
            "",
        )

    def test_dot(self) -> None:
        self.check(
            ValueError,
            "target '.' is not a dotted module name; give a name like 'tool' or "
            "'tool.ui', or a folder path",
            ".",
        )

    def test_filesystem_root(self) -> None:
        root = os.path.abspath(os.sep)
        self.check(
            ValueError,
            "path target {!r} is a filesystem root and would select every module; "
            "give the folder of a package instead".format(root),
            root,
        )

    def test_filesystem_root_as_path_object(self) -> None:
        root = os.path.abspath(os.sep)
        self.check(
            ValueError,
            "path target {!r} is a filesystem root and would select every module; "
            "give the folder of a package instead".format(root),
            pathlib.Path(root),
        )

    def test_unmatched_name(self) -> None:
        self.check(
            ValueError,
            "no loaded module matches {!r}; import it first, or check the "
            "spelling".format(self.pkg),
            self.pkg,
        )

    def test_unmatched_path(self) -> None:
        folder = self.path("{pkg}")
        os.makedirs(folder)
        self.check(
            ValueError,
            "no loaded module matches path {!r}; import it first, or check the "
            "spelling".format(folder),
            folder,
        )

    def test_a_path_that_does_not_exist(self) -> None:
        folder = self.path("{pkg}")
        self.check(ValueError, "path target {!r} does not exist; check the path".format(folder),
                   folder)

    def test_wrong_type(self) -> None:
        self.check(
            TypeError,
            "a target is a dotted module name (str), a path (str with a separator or "
            "os.PathLike) or a module, not int 42",
            42,
        )

    def test_bytes_path(self) -> None:
        self.check(
            TypeError,
            "a target is a dotted module name (str), a path (str with a separator or "
            "os.PathLike) or a module, not bytes b'/tmp'",
            b"/tmp",
        )

    def test_one_bad_target_among_good_ones_changes_nothing(self) -> None:
        self.files({"{pkg}/__init__.py": "VALUE = 1\n"})
        package = self.load("{pkg}")
        with self.assertRaises(TypeError):
            reloader.reload(self.pkg, 42)
        self.assertIs(self.mod("{pkg}"), package)


if __name__ == "__main__":
    unittest.main()
