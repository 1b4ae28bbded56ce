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


if __name__ == "__main__":
    unittest.main()
