"""Which importers must run again after a module changes, read from their source."""

import textwrap
import unittest
from typing import Optional

from reloader import _reach

LOADED = {"app", "app.x", "app.x.y", "app.leaf", "app.pkg", "app.pkg.sub", "other"}


def reason(source: str, changed: str, name: str = "app.user",
           is_package: bool = False) -> Optional[str]:
    code = _reach.top_level(textwrap.dedent(source), name, is_package)
    assert code is not None
    return _reach.rerun_reason(code, changed, LOADED.__contains__)


class RerunTest(unittest.TestCase):
    def test_from_import_of_a_value_runs_again(self) -> None:
        self.assertEqual(reason("from app.leaf import VERSION\n", "app.leaf"),
                         "reads VERSION from app.leaf at import (line 1)")
        self.assertEqual(reason("from .leaf import f as g\n", "app.leaf"),
                         "reads f from app.leaf at import (line 1)")
        self.assertEqual(reason("from app.leaf import *\n", "app.leaf"),
                         "imports * from app.leaf (line 1)")

    def test_binding_a_module_used_in_functions_only_does_not(self) -> None:
        for source in ("import app.x.y\n\ndef f():\n    return app.x.y.VALUE\n",
                       "from app.x import y as z\n\ndef f():\n    return z.VALUE\n",
                       "from . import leaf\n\nclass K:\n    def m(self):\n        return leaf.V\n",
                       "import app.x.y as z\nf = lambda: z.VALUE\n"):
            with self.subTest(source=source):
                changed = "app.leaf" if "leaf" in source else "app.x.y"
                self.assertIsNone(reason(source, changed))

    def test_a_module_read_at_import_runs_again(self) -> None:
        cases = {
            "import app.x.y\nLIMIT = app.x.y.VALUE\n": "uses app at import (line 2)",
            "from app.x import y as z\nLIMIT = z.VALUE\n": "uses z at import (line 2)",
            "from app.x import y\nclass K:\n    limit = y.VALUE\n": "uses y at import (line 3)",
            "import app.x.y as z\n@z.register\ndef f():\n    pass\n": "uses z at import (line 2)",
            "import app.x.y as z\ndef f(limit=z.VALUE):\n    pass\n": "uses z at import (line 2)",
            "import app.x.y as z\ndef f(a: z.T) -> None:\n    pass\n": "uses z at import (line 2)",
            "import app.x.y as z\nclass K(z.Base):\n    pass\n": "uses z at import (line 2)",
        }
        for source, why in cases.items():
            with self.subTest(source=source):
                self.assertEqual(reason(source, "app.x.y"), why)

    def test_lazy_annotations_are_not_read(self) -> None:
        source = ("from __future__ import annotations\nimport app.x.y as z\n"
                  "def f(a: z.T) -> z.T:\n    pass\nv: z.T = 1\n")
        self.assertIsNone(reason(source, "app.x.y"))

    def test_a_changed_package_on_the_way(self) -> None:
        self.assertEqual(reason("import app.x.y\nV = app.x.y.VALUE\n", "app.x"),
                         "uses app at import (line 2)")
        self.assertIsNone(reason("import app.x.y\ndef f():\n    return app.x.y.V\n", "app"))

    def test_unrelated_modules_and_function_level_imports(self) -> None:
        self.assertIsNone(reason("import other\nV = other.VALUE\n", "app.leaf"))
        self.assertIsNone(reason("def f():\n    from app.leaf import V\n    return V\n",
                                 "app.leaf"))
        code = _reach.top_level("def f():\n    from app.leaf import V\n", "app.user", False)
        assert code is not None
        self.assertFalse(_reach.imports(code, "app.leaf"))

    def test_package_imports_its_submodules(self) -> None:
        source = "from . import sub\nfrom .sub import CONST\n"
        self.assertEqual(reason(source, "app.pkg.sub", "app.pkg", True),
                         "reads CONST from app.pkg.sub at import (line 2)")
        self.assertIsNone(reason("from . import sub\n", "app.pkg.sub", "app.pkg", True))

    def test_names_to_point_at_the_new_module(self) -> None:
        code = _reach.top_level("import app.x.y as z\nimport app\nfrom app.x import y\n"
                                "from app import leaf\n", "m", False)
        assert code is not None
        self.assertEqual(_reach.bound_names(code, "app.x.y"), {"z", "app", "y"})
        self.assertEqual(_reach.bound_names(code, "app.leaf"), {"app", "leaf"})

    def test_source_that_does_not_parse(self) -> None:
        self.assertIsNone(_reach.top_level("def (\n", "m", False))
        self.assertIsNone(_reach.bodies("def (\n", "m", False))


class UsedAtImportTest(unittest.TestCase):
    """A body runs at import when import-time code uses its function or class."""

    def test_bodies_run_at_import_count(self) -> None:
        cases = {
            "import app.x.y as z\ndef make():\n    return z.V\nDOUBLE = make() * 2\n":
                "uses z at import (line 4, in make)",
            "import app.x.y as z\nclass K:\n    def __init__(self):\n        self.v = z.V\n"
            "K()\n": "uses z at import (line 5, in K)",
            "import app.x.y as z\ndef register(f):\n    f.v = z.V\n    return f\n"
            "@register\ndef handler():\n    pass\n": "uses z at import (line 5, in register)",
            # Followed through the functions those bodies use.
            "import app.x.y as z\ndef inner():\n    return z.V\ndef outer():\n"
            "    return inner()\nX = outer()\n": "uses z at import (line 6, in outer)",
            "def load():\n    from app.x.y import V\n    return V\nX = load()\n":
                "imports app.x.y at import (line 4, in load)",
        }
        for source, why in cases.items():
            with self.subTest(source=source):
                self.assertEqual(reason(source, "app.x.y"), why)

    def test_the_script_block_runs_only_as_the_script(self) -> None:
        source = ("import app.x.y as z\nif '__main__' == __name__:\n    X = z.V\n"
                  "else:\n    Y = 1\n")
        self.assertIsNone(reason(source, "app.x.y"))
        code = _reach.top_level(source, "__main__", False)
        assert code is not None
        self.assertEqual(_reach.rerun_reason(code, "app.x.y", LOADED.__contains__),
                         "uses z at import (line 3)")
        self.assertEqual(reason("import app.x.y as z\nif __name__ == 'app.user':\n"
                                "    X = z.V\n", "app.x.y"), "uses z at import (line 3)")

    def test_bodies_not_used_at_import_do_not(self) -> None:
        for source in ("import app.x.y as z\ndef make():\n    return z.V\nX = 1\n",
                       "import app.x.y as z\nclass K:\n    def m(self):\n        return z.V\n"
                       "def other():\n    return 1\nX = other()\n",
                       "import app.x.y as z\nf = lambda: z.V\n",
                       "import app.x.y as z\ndef main():\n    print(z.V)\n"
                       "if __name__ == '__main__':\n    main()\n"):
            with self.subTest(source=source):
                self.assertIsNone(reason(source, "app.x.y"))


class CallsIntoKeptModuleTest(unittest.TestCase):
    """A module left loaded whose functions read a changed module, and their callers."""

    HELPERS = ("import app.x.y as z\nfrom app import leaf\n\ndef compute():\n"
               "    return z.V\n\ndef other():\n    return 1\n\nclass Scale:\n"
               "    def __init__(self):\n        self.v = twice()\n\ndef twice():\n"
               "    return leaf.V * 2\n\ndef lazy():\n    from app.pkg.sub import W\n"
               "    return W\n")

    def changed(self, target: str, attrs: Optional[frozenset]) -> frozenset:
        code = _reach.top_level(self.HELPERS, "app.helpers", False)
        owners = _reach.bodies(self.HELPERS, "app.helpers", False)
        assert code is not None and owners is not None
        return _reach.behaviour_changes(code, owners, target, attrs, LOADED.__contains__)

    def test_the_functions_whose_code_reads_it(self) -> None:
        self.assertEqual(self.changed("app.x.y", None), {"compute"})
        self.assertEqual(self.changed("app.leaf", None), {"Scale", "twice"})
        self.assertEqual(self.changed("app.pkg.sub", None), {"lazy"})
        self.assertEqual(self.changed("app.pkg", None), set())  # its submodule is not
        self.assertEqual(self.changed("other", None), set())
        # Only some functions of a module left loaded changed what they do.
        self.assertEqual(self.changed("app.leaf", frozenset({"V"})), {"Scale", "twice"})
        self.assertEqual(self.changed("app.leaf", frozenset({"W"})), set())

    def calls(self, source: str, attrs: frozenset = frozenset({"compute"})) -> Optional[str]:
        code = _reach.top_level(textwrap.dedent(source), "app.user", False)
        assert code is not None
        return _reach.calls_reason(code, "app.helpers", attrs, "app.x.y", LOADED.__contains__)

    def test_callers_at_import_run_again(self) -> None:
        why = "uses {} at import (line {}), whose compute reads app.x.y when called"
        self.assertEqual(self.calls("from app import helpers\nV = helpers.compute()\n"),
                         why.format("helpers", 2))
        self.assertEqual(self.calls("from app.helpers import compute\n\nV = compute()\n"),
                         why.format("compute", 3))
        self.assertEqual(self.calls("import app.helpers\nV = app.helpers.compute()\n"),
                         why.format("app", 2))
        self.assertEqual(self.calls("import app.helpers as h\nH = h\n"), why.format("h", 2))
        self.assertEqual(self.calls("from app.helpers import *\nV = compute()\n"),
                         why.format("compute", 2))

    def test_other_uses_do_not(self) -> None:
        for source in ("from app import helpers\nV = helpers.other()\n",
                       "from app.helpers import other\nV = other()\n",
                       "import app.helpers\nV = app.helpers.other()\nW = app.x.y.V\n",
                       "from app import helpers\ndef f():\n    return helpers.compute()\n"):
            with self.subTest(source=source):
                self.assertIsNone(self.calls(source))


if __name__ == "__main__":
    unittest.main()
