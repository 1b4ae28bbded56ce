"""Web frameworks' documented layouts reload, with standard-library stand-ins.

Flask's larger-application layout: the module that creates the app imports
its views at its end; the views import the app back (a cycle by design).
FastAPI's bigger-applications layout: the app module includes routers from
modules that import settings back from it. Reloading the views must run the
app module first, as the program did, so that it meets finished views.
Flask's tutorial layout: an application factory imports the blueprints when
called; the entry module that calls it must make the app again.
"""

import sys
import unittest

import reloader
from tests.support import PackageCase

REGISTRY = """
class App:
    def __init__(self):
        self.rules = {}
        self.blueprints = []

    def route(self, rule):
        def add(function):
            if rule in self.rules:
                raise AssertionError("rule {!r} registered twice".format(rule))
            self.rules[rule] = function
            return function
        return add

    def register_blueprint(self, blueprint):
        self.blueprints.append(blueprint)

    include_router = register_blueprint
"""


class FlaskLayoutTest(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/app.py": """
                from {pkg}.registry import App
                app = App()
                from {pkg} import views
                app.register_blueprint(views.bp)
            """,
            "{pkg}/registry.py": REGISTRY,
            "{pkg}/views.py": self.views("one"),
        })
        self.load("{pkg}.app")

    def views(self, answer: str) -> str:
        return """
            from {pkg}.app import app
            bp = "blueprint-ANSWER"

            @app.route("/")
            def index():
                return "ANSWER"
        """.replace("ANSWER", answer)

    def test_editing_the_views_rebuilds_the_app_with_the_new_views(self) -> None:
        old_app = self.mod("{pkg}.app").app
        self.write("{pkg}/views.py", self.views("two"))
        report = reloader.reload(self.mod("{pkg}.views"))
        order = list(report.reloaded)
        self.assertLess(order.index(self.pkg + ".app"), order.index(self.pkg + ".views"))
        app = self.mod("{pkg}.app").app
        self.assertIsNot(app, old_app)
        self.assertEqual(app.blueprints, ["blueprint-two"])
        self.assertEqual(list(app.rules), ["/"])
        self.assertEqual(app.rules["/"](), "two")

    def test_a_failed_edit_leaves_the_running_app(self) -> None:
        old_app, old_views = self.mod("{pkg}.app").app, self.mod("{pkg}.views")
        self.write("{pkg}/views.py", self.views("two") + "\nraise RuntimeError('at import')\n")
        with self.assertRaises(reloader.ReloadError):
            reloader.reload(old_views)
        self.assertIs(sys.modules[self.pkg + ".app"].app, old_app)
        self.assertIs(sys.modules[self.pkg + ".views"], old_views)


class FastAPILayoutTest(PackageCase):
    def setUp(self) -> None:
        super().setUp()
        self.files({
            "{pkg}/__init__.py": "",
            "{pkg}/registry.py": REGISTRY,
            "{pkg}/main.py": """
                from {pkg}.registry import App
                settings = {"greeting": "hello"}
                app = App()
                from {pkg}.routers import items, users
                app.include_router(items.router)
                app.include_router(users.router)
            """,
            "{pkg}/routers/__init__.py": "",
            "{pkg}/routers/items.py": self.router("items", 1),
            "{pkg}/routers/users.py": self.router("users", 1),
        })
        self.load("{pkg}.main")

    def router(self, name: str, version: int) -> str:
        return """
            from {pkg}.main import settings
            router = ("NAME", VERSION, settings["greeting"])
        """.replace("NAME", name).replace("VERSION", str(version))

    def test_editing_a_router_includes_the_new_one_once(self) -> None:
        self.write("{pkg}/routers/items.py", self.router("items", 2))
        report = reloader.reload(self.mod("{pkg}.routers.items"))
        self.assertEqual(report.reloaded[0], self.pkg + ".main")
        app = self.mod("{pkg}.main").app
        self.assertEqual(app.blueprints, [("items", 2, "hello"), ("users", 1, "hello")])


class FlaskFactoryTest(PackageCase):
    """Flask's tutorial layout: the package's create_app() imports the blueprints."""

    def setUp(self) -> None:
        super().setUp()
        self.files({
            "{pkg}/__init__.py": """
                from {pkg}.registry import App

                def create_app():
                    app = App()
                    from {pkg} import auth
                    app.register_blueprint(auth.bp)
                    for rule, view in auth.ROUTES.items():
                        app.route(rule)(view)
                    return app
            """,
            "{pkg}/registry.py": REGISTRY,
            "{pkg}/auth.py": self.auth("one", ["/login"]),
            # What `flask --app` or a WSGI server's entry module does.
            "{pkg}_wsgi.py": "from {pkg} import create_app\n\napp = create_app()\n",
        })
        self.load("{pkg}_wsgi")

    def auth(self, answer: str, rules: list) -> str:
        return """
            bp = "auth-ANSWER"

            def view():
                return "ANSWER"

            ROUTES = dict.fromkeys(RULES, view)
        """.replace("ANSWER", answer).replace("RULES", repr(rules))

    def test_editing_a_blueprint_makes_the_app_again(self) -> None:
        package = self.mod("{pkg}")
        self.write("{pkg}/auth.py", self.auth("two", ["/login", "/logout"]))
        self.assertEqual(
            {m.name: m.reason for m in reloader.plan(self.pkg + ".auth").modules}, {
                self.pkg + ".auth": "selected",
                self.pkg + "_wsgi": "uses create_app at import (line 3), whose create_app "
                                    "reads {}.auth when called".format(self.pkg)})
        report = reloader.reload(self.pkg + ".auth")
        self.assertTrue(report.ok, report.format())
        self.assertIs(self.mod("{pkg}"), package)  # it imports auth when called only
        app = self.mod("{pkg}_wsgi").app
        self.assertEqual(app.blueprints, ["auth-two"])
        self.assertEqual(sorted(app.rules), ["/login", "/logout"])
        self.assertEqual(app.rules["/logout"](), "two")


if __name__ == "__main__":
    unittest.main()
