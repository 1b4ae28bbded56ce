"""Old functions, methods and classes the program still holds run the new code after a reload."""

import gc
import sys
import types
from typing import Any, Tuple

import reloader
from tests.support import PackageCase


class UpdateCase(PackageCase):
    def reload(self) -> reloader.Report:
        return reloader.reload(self.pkg)


class FunctionTest(UpdateCase):
    def test_old_function_runs_new_code_and_sees_new_globals(self) -> None:
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/a.py", "WORD = 'one'\ndef f(x=1):\n    return ('old', WORD, x)\n")
        old_f = self.load("{pkg}.a").f
        self.write("{pkg}/a.py", "WORD = 'two'\ndef f(x=2):\n    return ('new', WORD, x)\n")
        self.reload()
        self.assertEqual(old_f(), ("new", "two", 2))
        self.assertIsNot(self.mod("{pkg}.a").f, old_f)

    def test_lambdas_in_a_table_are_paired_by_key(self) -> None:
        # sqlglot's `Generator.TRANSFORMS = {exp.Upper: lambda ...}`: a module
        # not reloaded caches a table per class from it; the class stays the
        # same object, so even the new code would find the old lambdas.
        self.write("cache_{pkg}.py", """
            TABLES = {}
            def table(cls):
                return TABLES.setdefault(cls, dict(cls.TRANSFORMS))
            """)
        body = """
            import cache_{pkg}
            HANDLERS = {"upper": lambda s: s.upper() + "{v}", ("a", 1): lambda s: "{v}"}
            class Gen:
                TRANSFORMS = {str: lambda s: s + "{v}", "lower": lambda s: s.lower()}
                def run(self, s):
                    return cache_{pkg}.table(type(self))[str](s)
            """
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/gen.py", body.replace("{v}", "!"))
        gen = self.load("{pkg}.gen")
        held = [gen.Gen(), gen.HANDLERS["upper"], gen.HANDLERS[("a", 1)], gen.Gen.TRANSFORMS[str]]
        self.assertEqual(held[0].run("a"), "a!")
        self.write("{pkg}/gen.py", body.replace("{v}", "?"))
        report = self.reload()
        self.assertEqual(report.not_updated, {})
        self.assertEqual(self.mod("{pkg}.gen").Gen().run("a"), "a?")
        self.assertEqual([held[0].run("a"), held[1]("a"), held[2]("a"), held[3]("a")],
                         ["a?", "A?", "?", "a?"])

    def test_a_held_function_whose_name_binds_another_now_is_reported(self) -> None:
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/a.py", "def double(x):\n    return x * 2\n")
        held = self.load("{pkg}.a").double
        self.write("{pkg}/a.py", "double = lambda x: x * 3\n")
        report = self.reload()
        self.assertIn("its name now binds", report.not_updated[self.pkg + ".a.double"])
        self.assertEqual(held(1), 2)

    def test_a_class_whose_name_binds_another_now_is_reported(self) -> None:
        self.write("{pkg}/__init__.py")
        before = "class Point:\n    def get(self):\n        return 1\n"
        for after, what in (("class Base:\n    pass\nPoint = Base\n", "class"),
                            ("def Point():\n    return 2\n", "function")):
            with self.subTest(what):
                self.write("{pkg}/a.py", before)
                held = self.load("{pkg}.a").Point()
                self.write("{pkg}/a.py", after)
                report = self.reload()
                self.assertIn("its name now binds " + what,
                              report.not_updated[self.pkg + ".a.Point"])
                self.assertEqual(held.get(), 1)
                del sys.modules[self.pkg + ".a"]

    def test_a_decorator_added_or_removed_keeps_the_held_function_current(self) -> None:
        # lru_cache added, then removed: the old function and the old wrapper
        # each take the new code, and the cache forgets the old code's results.
        self.write("{pkg}/__init__.py")
        plain = "def double(x):\n    return x * {v}\n"
        cached = "import functools\n@functools.lru_cache(maxsize=None)\n" + plain
        self.write("{pkg}/a.py", plain.replace("{v}", "2"))
        function = self.load("{pkg}.a").double
        self.write("{pkg}/a.py", cached.replace("{v}", "3"))
        self.assertEqual(self.reload().not_updated, {})
        wrapper = self.mod("{pkg}.a").double
        self.assertEqual((function(5), wrapper(5)), (15, 15))
        self.write("{pkg}/a.py", cached.replace("{v}", "4"))
        self.assertEqual(self.reload().not_updated, {})
        self.assertEqual((function(5), wrapper(5)), (20, 20))  # not the cached 15
        self.write("{pkg}/a.py", plain.replace("{v}", "5"))
        self.assertEqual(self.reload().not_updated, {})
        self.assertEqual((function(5), self.mod("{pkg}.a").double(5)), (25, 25))
        if sys.version_info >= (3, 9):  # no weak references to the wrappers to keep before
            self.assertEqual(wrapper(5), 25)  # the wrapper of two versions ago: results gone

    def test_stored_callback_in_a_host_list_runs_new_code(self) -> None:
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/ui.py", "def on_click():\n    return 'old'\n")
        callbacks = [self.load("{pkg}.ui").on_click]
        self.write("{pkg}/ui.py", "def on_click():\n    return 'new'\n")
        self.reload()
        self.assertEqual(callbacks[0](), "new")

    def test_a_function_that_is_its_own_default_or_in_its_own_cell_reloads(self) -> None:
        # networkx's `argmap` wrapper is its own keyword default: settling the
        # new function's defaults went round that cycle until the stack ran out.
        self.write("{pkg}/__init__.py")
        body = """
            def argmap(func):
                def wrapper(*args, _wrapper=None, **kwargs):
                    return func(*args, **kwargs) + SHIFT
                wrapper.__kwdefaults__["_wrapper"] = wrapper
                return wrapper

            def looped(func):
                holder = None
                def inner(*args):
                    assert holder[0] is inner
                    return func(*args) + SHIFT
                holder = (inner,)
                return inner

            SHIFT = {v}

            @argmap
            def double(x):
                return 2 * x

            @looped
            def triple(x):
                return 3 * x
            """
        self.write("{pkg}/a.py", body.replace("{v}", "0"))
        a = self.load("{pkg}.a")
        held = (a.double, a.triple)
        self.write("{pkg}/a.py", body.replace("{v}", "100"))
        report = self.reload()
        self.assertTrue(report.ok, report)
        self.assertEqual([f(4) for f in held], [108, 112])

    def test_bound_method(self) -> None:
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/a.py", "class A:\n    def run(self):\n        return 'old'\n")
        bound = self.load("{pkg}.a").A().run
        self.write("{pkg}/a.py", "class A:\n    def run(self):\n        return 'new'\n")
        self.reload()
        self.assertEqual(bound(), "new")

    def test_decorated_function_and_closure(self) -> None:
        self.write("{pkg}/__init__.py")
        self.write(
            "{pkg}/deco.py",
            """
            import functools
            def logged(f):
                @functools.wraps(f)
                def wrapper(*args):
                    return ('logged',) + f(*args)
                return wrapper
            def plain(f):
                def inner():
                    return f()
                return inner
            """,
        )
        body = """
            from {pkg}.deco import logged, plain
            @logged
            def wrapped():
                return ('{v}',)
            @plain
            def closed():
                return '{v}'
            """
        self.write("{pkg}/a.py", body.replace("{v}", "old"))
        a = self.load("{pkg}.a")
        wrapped, closed = a.wrapped, a.closed
        self.write("{pkg}/a.py", body.replace("{v}", "new"))
        self.reload()
        self.assertEqual(wrapped(), ("logged", "new"))
        self.assertEqual(closed(), "new")

    def test_classmethod_staticmethod_property(self) -> None:
        self.write("{pkg}/__init__.py")
        body = """
            class A:
                @classmethod
                def c(cls):
                    return ('{v}', cls.__name__)
                @staticmethod
                def s():
                    return '{v}'
                @property
                def p(self):
                    return '{v}'
            """
        self.write("{pkg}/a.py", body.replace("{v}", "old"))
        A = self.load("{pkg}.a").A
        instance = A()
        c, s = A.c, A.s
        self.write("{pkg}/a.py", body.replace("{v}", "new"))
        self.reload()
        self.assertEqual((c(), s(), instance.p), (("new", "A"), "new", "new"))

    def test_nested_class_methods(self) -> None:
        self.write("{pkg}/__init__.py")
        body = "class Outer:\n    class Inner:\n        def f(self):\n            return '{v}'\n"
        self.write("{pkg}/a.py", body.replace("{v}", "old"))
        inner = self.load("{pkg}.a").Outer.Inner()
        self.write("{pkg}/a.py", body.replace("{v}", "new"))
        self.reload()
        self.assertEqual(inner.f(), "new")
        self.assertIs(type(inner), self.mod("{pkg}.a").Outer.Inner)

    def test_closure_whose_free_variables_changed_is_reported(self) -> None:
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/a.py", (
            "def make():\n"
            "    a = 1\n"
            "    def f():\n"
            "        return a\n"
            "    return f\n"
            "f = make()\n"
        ))
        old_f = self.load("{pkg}.a").f
        self.write("{pkg}/a.py", (
            "def make():\n"
            "    b = 2\n"
            "    def f():\n"
            "        return b\n"
            "    return f\n"
            "f = make()\n"
        ))
        report = self.reload()
        self.assertEqual(old_f(), 1)
        name = "{}.a.make.<locals>.f".format(self.pkg)
        self.assertEqual(
            report.not_updated[name],
            "its closure changed from (a) to (b); "
            "the old function object keeps running the old code",
        )
        self.assertIn("1 not updated", str(report))


    def test_closures_a_factory_made_at_run_time_run_the_new_code(self) -> None:
        # As starlette's `request_response(endpoint)`, called when a route is
        # added: the closures are held by the program's data, not by a module.
        self.write("{pkg}/__init__.py")
        body = """
            def request_response(func, tag="t"):
                def app(request, extra=1):
                    return ("{v}", func(request), tag, extra)
                return app
            class Router:
                def __init__(self):
                    self.routes = []
                def add(self, func):
                    def route(request):
                        return ("{v}", self.routes.index(route), func(request))
                    self.routes.append(route)
                    self.routes.append(request_response(func, tag=len(self.routes)))
            """
        self.write("{pkg}/routing.py", body.replace("{v}", "old"))
        router = self.load("{pkg}.routing").Router()
        router.add(lambda request: request * 2)
        self.assertEqual((router.routes[0](3), router.routes[1](3)), (("old", 0, 6), ("old", 6, 1, 1)))
        self.reload()  # no edit: nothing to do
        self.assertEqual((router.routes[0](3), router.routes[1](3)), (("old", 0, 6), ("old", 6, 1, 1)))
        self.write("{pkg}/routing.py", body.replace("{v}", "new"))
        report = self.reload()
        self.assertEqual(report.not_updated, {})
        self.assertEqual((router.routes[0](3), router.routes[1](3)), (("new", 0, 6), ("new", 6, 1, 1)))
        self.write("{pkg}/routing.py", body.replace("{v}", "newer") + "raise ValueError\n")
        with self.assertRaises(reloader.ReloadError):
            self.reload()
        self.assertEqual((router.routes[0](3), router.routes[1](3)), (("new", 0, 6), ("new", 6, 1, 1)))

    def test_a_nested_function_with_no_free_variables_a_factory_made_runs_the_new_code(
            self) -> None:
        # protobuf's `_AddSerializeToStringMethod(cls)`: a factory whose nested
        # function captures nothing, set on a class of the program.
        self.write("{pkg}/__init__.py")
        body = """
            def add_method(cls):
                def describe(self):
                    return "{v}"
                cls.describe = describe
            """
        self.write("{pkg}/factory.py", body.replace("{v}", "old"))
        made = type("Message", (), {})
        self.load("{pkg}.factory").add_method(made)
        self.reload()  # no edit, then an edit
        self.write("{pkg}/factory.py", body.replace("{v}", "new"))
        report = self.reload()
        self.assertEqual(report.not_updated, {})
        self.assertEqual(made().describe(), "new")

    def test_a_closure_made_at_run_time_whose_free_variables_changed_is_reported(self) -> None:
        self.write("{pkg}/__init__.py")
        body = """
            def wrap(func):
                def wrapper(*args):
                    return ("{v}", {free}(*args))
                return wrapper
            """
        self.write("{pkg}/deco.py", body.replace("{v}", "old").replace("{free}", "func"))
        held = self.load("{pkg}.deco").wrap(abs)
        self.write("{pkg}/deco.py", "\n            helper = abs" + body.replace(
            "{v}", "new").replace("{free}", "helper"))
        report = self.reload()
        self.assertEqual(held(-2), ("old", 2))
        self.assertEqual(
            report.not_updated["{}.deco.wrap.<locals>.wrapper".format(self.pkg)],
            "1 function it made before the reload keeps the old code: its closure changed "
            "from (func) to ()",
        )


    def test_closures_of_nested_definitions_sharing_a_name_are_never_swapped(self) -> None:
        # prettytable's two lambdas in __init__, a decorator's sync and async
        # `wrapper`: reordered, each closure keeps its own body; one of them
        # edited, its closures take the edit; two edited cannot be told apart.
        self.write("{pkg}/__init__.py")
        body = """
            import inspect
            def logged(fn):
                {first}
                return wrapper
            def factory(n):
                {lambdas}
                return inc, dbl
            """
        sync = "def wrapper(*args):\n                        return ('sync', fn(*args))"
        coroutine = ("async def wrapper(*args):\n"
                     "                        return ('async', await fn(*args))")
        branches = ("if inspect.iscoroutinefunction(fn):\n                    {}\n"
                    "                else:\n                    {}")
        inc, dbl = "inc = lambda x: x + n", "dbl = lambda x: x * n"
        lines = "{}\n                {}"

        def write(first: str, lambdas: str) -> None:
            self.write("{pkg}/deco.py", body.replace("{first}", first).replace(
                "{lambdas}", lambdas))

        write(branches.format(coroutine, sync), lines.format(inc, dbl))
        deco = self.load("{pkg}.deco")
        wrapped, (held_inc, held_dbl) = deco.logged(abs), deco.factory(10)
        write(branches.format(coroutine, sync).replace("if inspect", "if not inspect").replace(
            coroutine, "@@").replace(sync, coroutine).replace("@@", sync), lines.format(dbl, inc))
        report = self.reload()
        self.assertEqual(report.not_updated, {})
        self.assertEqual((wrapped(-2), held_inc(1), held_dbl(1)), (("sync", 2), 11, 10))
        write(branches.format(coroutine, sync), lines.format(inc, dbl.replace("* n", "* n * 2")))
        report = self.reload()
        self.assertEqual(report.not_updated, {})
        self.assertEqual((held_inc(1), held_dbl(1)), (11, 20))
        write(branches.format(coroutine, sync), lines.format(
            inc.replace("+ n", "+ n + 1"), dbl.replace("* n", "* n * 3")))
        report = self.reload()
        self.assertEqual((held_inc(1), held_dbl(1)), (11, 20))  # old code, and said so
        self.assertIn("cannot be told apart",
                      report.not_updated["{}.deco.factory.<locals>.<lambda>".format(self.pkg)])

class HeldByInstanceTest(UpdateCase):
    #: The user's task, decorated by the library's proxy.
    TASKS = """
        import lazy_{pkg}
        @lazy_{pkg}.Proxy
        def add(x, y):
            return x + y + {v}
        """

    def edit_held(self, path: str, name: str, body: str,
                  before: Any = None) -> Tuple[Any, Any]:
        """`body` at `path` with `{v}` 0, its `add` held (and passed to `before`), then
        with `{v}` 100, the package reloaded: the report and the held `add`."""
        self.write(path, body.replace("{v}", "0"))
        held = self.load(name).add
        if before is not None:
            before(held)
        self.write(path, body.replace("{v}", "100"))
        return reloader.reload(self.pkg), held

    def assert_edited(self, name: str, held: Any) -> None:
        self.assertEqual((self.mod(name).add(1, 1), held(1, 1)), (102, 102))

    def test_a_function_a_proxy_keeps_in_a_tuple_in_a_slot(self) -> None:
        # As celery's @app.task before the app is finalized: the module name
        # binds a lazy proxy (slots, of a library not reloaded) keeping `(fun,)`.
        self.write("{pkg}/__init__.py")
        self.write("lazy_{pkg}.py", """
            class Proxy:
                __slots__ = ("__args", "__dict__")
                def __init__(self, fun):
                    object.__setattr__(self, "_Proxy__args", (fun,))
                def __call__(self, *args):
                    return object.__getattribute__(self, "_Proxy__args")[0](*args)
            """)
        report, held = self.edit_held("{pkg}/tasks.py", "{pkg}.tasks", self.TASKS)
        self.assertEqual(report.not_updated, {})
        self.assert_edited("{pkg}.tasks", held)

    def test_functions_an_instance_keeps_in_a_dict_are_paired_by_key(self) -> None:
        # multipledispatch's Dispatcher: `funcs`, a dict from argument types to
        # the functions registered; the program holds the old dispatcher.
        self.write("{pkg}/__init__.py")
        self.write("lib_{pkg}.py", """
            class Dispatcher:
                def __init__(self):
                    self.funcs = {}
                def register(self, *types):
                    def add(func):
                        self.funcs[types] = func
                        return self
                    return add
                def __call__(self, *args):
                    return self.funcs[tuple(type(a) for a in args)](*args)
            """)
        body = """
            import lib_{pkg}
            add = lib_{pkg}.Dispatcher()
            @add.register(int, int)
            def add_ints(x, y):
                return x + y + {v}
            """
        report, held = self.edit_held("{pkg}/user.py", "{pkg}.user", body)
        self.assertEqual(report.not_updated, {})
        self.assert_edited("{pkg}.user", held)

    def test_a_function_replaced_inside_a_kept_registry_object_is_paired(self) -> None:
        # multipledispatch's `@dispatch` finds the module's dispatcher in a
        # registry of the library and sets the new function over the old one:
        # old and new namespace bind that one dispatcher. A dispatcher held
        # from before a reload of the library holds the replaced function.
        self.write("lib_{pkg}.py", """
            REGISTRY = {}
            class Dispatcher:
                def __init__(self):
                    self.funcs = {}
                def __call__(self, x):
                    return self.funcs[type(x)](x)
            def dispatch(kind):
                def add(func):
                    dispatcher = REGISTRY.setdefault(func.__name__, Dispatcher())
                    dispatcher.funcs[kind] = func
                    return dispatcher
                return add
            """)
        self.write("user_{pkg}.py", """
            from lib_{pkg} import dispatch
            @dispatch(int)
            def area(x):
                return x * 1
            """)
        user = self.load("user_{pkg}")
        held = user.area
        reloader.reload("lib_" + self.pkg)  # a new registry: the user's module makes a new dispatcher
        self.assertIsNot(self.mod("user_{pkg}").area, held)
        self.assertEqual(held(3), 3)
        self.write("user_{pkg}.py", """
            from lib_{pkg} import dispatch
            @dispatch(int)
            def area(x):
                return x * 10
            """)
        report = reloader.reload("user_" + self.pkg)
        self.assertEqual(report.not_updated, {})
        self.assertEqual(self.mod("user_{pkg}").area(3), 30)
        self.assertEqual(held(3), 30)

    def test_a_lazy_proxy_is_never_evaluated_by_the_reload(self) -> None:
        # celery's PromiseProxy: its class puts a property in place of
        # `__dict__`, which evaluates the promise (registers the task on an
        # app not finalized yet). Looking into it must run none of its code.
        self.write("{pkg}/__init__.py")
        self.write("lazy_{pkg}.py", """
            EVALUATED = []

            class Proxy:
                __slots__ = ("__args", "__dict__")
                def __init__(self, fun):
                    object.__setattr__(self, "_Proxy__args", (fun,))
                @property
                def __dict__(self):
                    EVALUATED.append(object.__getattribute__(self, "_Proxy__args")[0])
                    return {}
                def __call__(self, *args):
                    return object.__getattribute__(self, "_Proxy__args")[0](*args)
            """)
        report, held = self.edit_held("{pkg}/tasks.py", "{pkg}.tasks", self.TASKS)
        self.assertEqual(report.not_updated, {})
        self.assertEqual(self.mod("lazy_{pkg}").EVALUATED, [])
        self.assert_edited("{pkg}.tasks", held)

    def test_a_function_a_proxy_of_a_class_left_beside_its_new_version_keeps(self) -> None:
        # celery.local's PromiseProxy cannot be patched (its base class
        # cannot): reloaded with the library, the user's old proxy keeps the
        # old class, and the user's function inside it must still take the edit.
        self.write("{pkg}/__init__.py", """
            def _meta():
                class Meta(type):  # made anew with each class: never patched
                    pass
                return Meta

            class Proxy(metaclass=_meta()):
                __slots__ = ("__args",)
                def __init__(self, fun):
                    object.__setattr__(self, "_Proxy__args", (fun,))
                def __call__(self, *args):
                    return object.__getattribute__(self, "_Proxy__args")[0](*args)
            """)
        body = """
            from {pkg} import Proxy
            @Proxy
            def add(x, y):
                return x + y + {v}
            """
        report, held = self.edit_held("{pkg}_tasks.py", "{pkg}_tasks", body)
        self.assertIn(self.pkg + ".Proxy", report.not_updated)  # left beside: said so
        self.assertIsNot(type(held), type(self.mod("{pkg}_tasks").add))
        self.assert_edited("{pkg}_tasks", held)

    def test_a_function_an_evaluated_proxy_keeps_in_the_class_it_made(self) -> None:
        # celery once its app is finalized: the proxy evaluated, dropped
        # `(fun,)`, and keeps a task whose class (made by type(), named after
        # the user's module) holds `run = staticmethod(fun)`; the new module's
        # proxy is not evaluated yet. The one function of that name is paired.
        self.write("{pkg}/__init__.py")
        self.write("lazy_{pkg}.py", """
            class Task:
                def __call__(self, *args):
                    return self.run(*args)

            class Proxy:
                __slots__ = ("__args", "__thing")
                def __init__(self, fun):
                    object.__setattr__(self, "_Proxy__args", (fun,))
                def _evaluate(self):
                    try:
                        return object.__getattribute__(self, "_Proxy__thing")
                    except AttributeError:
                        (fun,) = object.__getattribute__(self, "_Proxy__args")
                    made = type(fun.__name__, (Task,), {
                        "run": staticmethod(fun), "__module__": fun.__module__})()
                    object.__setattr__(self, "_Proxy__thing", made)
                    object.__delattr__(self, "_Proxy__args")
                    return made
                def __call__(self, *args):
                    return self._evaluate()(*args)
            """)
        report, held = self.edit_held(  # evaluated first
            "{pkg}/tasks.py", "{pkg}.tasks", self.TASKS, lambda held: self.assertEqual(held(1, 1), 2))
        self.assertEqual(report.not_updated, {})
        self.assert_edited("{pkg}.tasks", held)



class WeakReceiversTest(UpdateCase):
    """Signals that keep their receivers weakly (blinker, Django): `WeakMethod`s of methods."""

    LIBRARY = """
        import weakref
        class Signal:
            def __init__(self):
                self.receivers = []
            def connect(self, receiver):
                make = weakref.WeakMethod if hasattr(receiver, "__self__") else weakref.ref
                self.receivers.append(make(receiver, lambda ref: None))
                return receiver
            def send(self):
                return [ref()() for ref in self.receivers if ref() is not None]
        GLOBAL = Signal()
        """

    def test_a_method_a_held_signal_calls_weakly_stays_connected_on_the_new_code(self) -> None:
        # blinker: `started.connect(LISTENER.on)`. The old `on` only the
        # signal's WeakMethod held, and went with its place in the class; the
        # new listener, stateless, was taken for the old one, and went too.
        self.write("sig_{pkg}.py", self.LIBRARY)
        self.write("{pkg}/__init__.py")
        body = """
            import sig_{pkg}
            class Listener:
                def on(self):
                    return "listener{v}"
            LISTENER = Listener()
            SIGNAL = sig_{pkg}.Signal()
            SIGNAL.connect(LISTENER.on)
            """
        self.write("{pkg}/user.py", body.replace("{v}", ""))
        module = self.load("{pkg}.user")
        signal, listener = module.SIGNAL, module.LISTENER
        for version in ("", "", "!"):
            self.write("{pkg}/user.py", body.replace("{v}", version))
            report = reloader.reload(self.pkg)
            self.assertEqual(report.not_updated, {})
            self.assertEqual(signal.send(), ["listener" + version])
            self.assertEqual(self.mod("{pkg}.user").SIGNAL.send(), ["listener" + version])
        self.assertEqual(listener.on(), "listener!")

    def test_a_module_function_a_shared_signal_calls_weakly_is_not_called_twice(self) -> None:
        # blinker's `signal("name")`, Django's signals: a registry not
        # reloaded. The old function goes with the old module, as after a
        # plain re-import: the new one alone answers.
        self.write("sig_{pkg}.py", self.LIBRARY)
        self.write("{pkg}/__init__.py")
        body = """
            import sig_{pkg}
            @sig_{pkg}.GLOBAL.connect
            def handler():
                return "handler{v}"
            """
        self.write("{pkg}/user.py", body.replace("{v}", ""))
        self.load("{pkg}.user")
        glob = self.mod("sig_{pkg}").GLOBAL
        for version in ("", "!"):
            self.write("{pkg}/user.py", body.replace("{v}", version))
            reloader.reload(self.pkg)
            gc.collect()
            self.assertEqual(glob.send(), ["handler" + version])

class ExecMadeTest(UpdateCase):
    def test_a_wrapper_exec_made_in_a_copy_of_the_module_globals_keeps_its_names(self) -> None:
        # As pony's bundled `decorator` (and decorator before 5): the wrapper is
        # compiled in `func.__globals__.copy()` plus names of its own. That copy
        # carries the module's __name__, but is no namespace of the module: it
        # must never be made to mirror the new module (its names would go).
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/deco.py", """
            def decorator(caller):
                def make(func):
                    evaldict = func.__globals__.copy()
                    evaldict["_call_"], evaldict["_func_"] = caller, func
                    source = "def %s(*args):\\n    return _call_(_func_, *args)\\n" % func.__name__
                    exec(compile(source, "<decorator>", "single"), evaldict)
                    wrapper = evaldict[func.__name__]
                    wrapper.__wrapped__ = func
                    return wrapper
                return make
            """)
        body = """
            from .deco import decorator
            def session(func, *args):
                return ["in session", func(*args)]
            @decorator(session)
            def names():
                return "{v}"
            """
        self.write("{pkg}/user.py", body.replace("{v}", "ann"))
        held = self.load("{pkg}.user").names
        for _ in range(3):
            reloader.reload(self.pkg)
            self.assertEqual(held(), ["in session", "ann"])
            self.assertEqual(self.mod("{pkg}.user").names(), ["in session", "ann"])
        self.write("{pkg}/user.py", body.replace("{v}", "bob"))
        reloader.reload(self.pkg)
        self.assertEqual(self.mod("{pkg}.user").names(), ["in session", "bob"])
        self.assertEqual(held(), ["in session", "bob"])


    def test_a_function_exec_made_in_a_namespace_of_its_own_is_paired_only_if_it_fits(
            self) -> None:
        # As chameleon: a template compiles to code naming its constants by
        # number (`_static_<n>`), run in a fresh dict; the old template's
        # function must not take new code that names what its dict lacks. As
        # attrs: an `__init__` written with the same names takes the new code.
        self.write("{pkg}/__init__.py")
        self.write("engine_{pkg}.py", """
            import itertools
            count = itertools.count()
            class Template:
                def __init__(self, text):
                    n = next(count)
                    source = "_static_%d = %r\\ndef render():\\n    return _static_%d\\n" % (
                        n, text, n)
                    env = {}
                    exec(compile(source, "<template>", "exec"), env)
                    self.render = env["render"]
            def make_init(text):
                env = {"PREFIX": "x"}
                exec("def __init__(self):\\n    self.label = PREFIX + %r\\n" % text, env)
                return env["__init__"]
            """)
        body = """
            import engine_{pkg} as engine
            T = engine.Template("hello")
            class Point:
                __init__ = engine.make_init("{v}")
            """
        self.write("{pkg}/views.py", body.replace("{v}", "one"))
        views = self.load("{pkg}.views")
        held, init = views.T, views.Point.__init__
        report = reloader.reload(self.pkg)
        self.assertTrue(report.ok, report)
        self.assertEqual((held.render(), self.mod("{pkg}.views").T.render()), ("hello", "hello"))
        self.write("{pkg}/views.py", body.replace("{v}", "two"))
        reloader.reload(self.pkg)
        point = views.Point.__new__(views.Point)
        init(point)
        self.assertEqual(point.label, "xtwo")
        self.assertEqual(held.render(), "hello")


    def test_a_proxy_exec_made_in_a_copy_of_a_module_names_the_kept_class(self) -> None:
        self.proxy_exec_made("")

    def test_the_same_on_a_class_left_beside_its_new_version(self) -> None:
        self.proxy_exec_made("""
class Meta(type):  # as alembic's _ModuleClsMeta: Operations is never patched
    def __setattr__(cls, key, value):
        type.__setattr__(cls, key, value)
""")

    def proxy_exec_made(self, meta: str) -> None:
        # As alembic's Operations.register_operation: a method compiled in
        # `dict(globals())` plus the class it serves, set on a class patched
        # (or left new) before that class's module ran. Dispatch is keyed by
        # the kept class.
        self.write("{pkg}/__init__.py", "from . import ops, impl\nfrom .base import Operations\n")
        many = "".join("CONSTANT_{} = {}\n".format(i, i) for i in range(40))
        self.write("{pkg}/base.py", many + meta + """
class Operations(metaclass=Meta if "Meta" in globals() else type):
    _impl = {}
    @classmethod
    def register(cls, name):
        def register(op_cls):
            namespace = dict(globals())
            namespace["op_cls"] = op_cls
            exec("def %s(self, *args):\\n    return op_cls.%s(self, *args)\\n" % (name, name),
                 namespace)
            setattr(cls, name, namespace[name])
            return op_cls
        return register
    def invoke(self, op):
        return self._impl[type(op)](op)
""")
        self.write("{pkg}/ops.py", """
            from .base import Operations
            @Operations.register("create")
            class Create:
                def __init__(self, name):
                    self.name = name
                @classmethod
                def create(cls, operations, name):
                    return operations.invoke(cls(name))
            """)
        self.write("{pkg}/impl.py", """
            from . import ops
            from .base import Operations
            Operations._impl[ops.Create] = lambda op: "created " + op.name
            """)
        package = self.load(self.pkg)
        self.assertEqual(package.Operations().create("t"), "created t")
        for _ in range(2):
            reloader.reload(self.pkg)
            package = self.mod(self.pkg)
            self.assertEqual(package.Operations().create("t"), "created t")
            self.assertIs(package.Operations.create.__globals__["op_cls"],
                          self.mod("{pkg}.ops").Create)


class ClassTest(UpdateCase):
    def test_a_method_in_a_wrapper_with_slots_is_paired(self) -> None:
        # A descriptor with no `__wrapped__` to read (slots here; wrapt's
        # FunctionWrapper, which `deprecated` puts on methods, is written in
        # C): a bound method taken before the edit must run the new code.
        self.write("deco_{pkg}.py", """
            import functools
            class deco:
                __slots__ = ("func",)
                def __init__(self, func):
                    self.func = func
                def __get__(self, obj, cls=None):
                    return functools.partial(self.func, obj)
            """)
        body = """
            from deco_{pkg} import deco
            class Api:
                @deco
                def run(self):
                    return "{v}"
            """
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/api.py", body.replace("{v}", "old"))
        api = self.load("{pkg}.api").Api()
        held = api.run
        self.write("{pkg}/api.py", body.replace("{v}", "new"))
        report = self.reload()
        self.assertEqual(report.not_updated, {})
        self.assertEqual(api.run(), "new")
        self.assertEqual(held(), "new")

    def test_a_registry_init_subclass_fills_is_canonical_for_later_modules(self) -> None:
        # flexparser's `_specialized`, which pint reads as its user module is
        # imported: a base class keeps its subclasses in a dict; a module run
        # later in the same reload looks its subclass up there by the name
        # the subclass's module binds (the old class, patched).
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/lib.py", """
            class Base:
                _registry = None
                def __init_subclass__(cls):
                    if cls._registry is None:
                        cls._registry = {}
                    cls._registry[cls] = cls.__name__
                @classmethod
                def lookup(cls):
                    return cls._registry[cls]
            class Parser(Base):
                pass
            """)
        self.write("{pkg}/plug.py", "from {pkg} import lib\nclass Mine(lib.Parser):\n    pass\n")
        self.write("{pkg}/user.py", "from {pkg} import plug\nNAME = plug.Mine.lookup()\n")
        old = self.load("{pkg}.plug").Mine
        self.load("{pkg}.user")
        report = reloader.reload(self.pkg + ".lib")
        self.assertEqual(report.reloaded, tuple(self.pkg + n for n in (".lib", ".plug", ".user")))
        self.assertIs(self.mod("{pkg}.plug").Mine, old)
        self.assertEqual(self.mod("{pkg}.user").NAME, "Mine")
        self.assertEqual(old.lookup(), "Mine")

    def test_a_property_a_reloaded_module_set_on_a_class_goes_with_it(self) -> None:
        # astroid's `_astroid_bootstrapping()` sets `Const._proxied =
        # property(...)` reading a table of its module: kept on the patched
        # class while the new module's table is empty, it broke every later
        # reload. Made up of a reloaded module's functions, it goes, as on a
        # fresh import; the program's own run-time attributes stay.
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/nodes.py", """
            class Node:
                def __getattr__(self, name):
                    if name == "_proxied":
                        return type(self)._proxied
                    return getattr(self._proxied, name)
            NONE = Node()
            """)
        self.write("{pkg}/boot.py", """
            import types
            from {pkg} import nodes
            TABLE = {}
            BASE = nodes.Node
            def _proxied(self):
                return TABLE["none"]
            def bootstrap():
                TABLE["none"] = types.SimpleNamespace(flag=1)
                nodes.Node._proxied = property(_proxied)
            """)
        self.write("{pkg}/user.py", "from {pkg} import boot, nodes\n"
                                    "HAS = hasattr(nodes.NONE, 'other')\n")
        self.load("{pkg}.user")
        self.mod("{pkg}.boot").bootstrap()
        node = self.mod("{pkg}.nodes").Node
        node.kept = [7]  # the program's own (a plain value is taken for the body's: see README)
        for _ in range(3):
            report = reloader.reload(self.pkg + ".nodes")
            self.assertEqual(report.reloaded[:1], (self.pkg + ".nodes",))
            self.assertNotIn("_proxied", vars(node))
            self.assertEqual(node.kept, [7])
        self.mod("{pkg}.boot").bootstrap()
        self.assertEqual(self.mod("{pkg}.nodes").NONE.flag, 1)

    def test_a_registry_under_a_private_dunder_name_is_canonical(self) -> None:
        # zarr's `zarr.registry.__ndbuffer_registry`: a module global whose
        # name starts with two underscores is no dunder of the import system.
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/registry.py", "__things = {}\ndef register(cls):\n"
                                        "    __things[cls.__name__] = cls\n"
                                        "def get(key):\n    return __things[key]\n")
        self.write("{pkg}/impl.py", "from {pkg} import registry\nclass Buffer:\n    pass\n"
                                    "registry.register(Buffer)\n")
        old = self.load("{pkg}.impl").Buffer
        reloader.reload(self.pkg + ".registry")
        self.assertIs(self.mod("{pkg}.impl").Buffer, old)
        self.assertIs(self.mod("{pkg}.registry").get("Buffer"), old)

    def test_a_module_registry_is_canonical_for_later_modules_of_the_reload(self) -> None:
        # zarr's buffer registry: a module registers its class in a registry
        # module that ran before it; a module run later reads it at import and
        # meets the class the first module's name gives.
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/reg.py", "_things = {}\ndef register(cls):\n"
                                   "    _things[cls.__name__] = cls\n"
                                   "def get(key):\n    return _things[key]\n")
        self.write("{pkg}/impl.py", "from {pkg}.reg import register\nclass Buffer:\n"
                                    "    def __init__(self, data):\n        self.data = data\n"
                                    "    def merge(self, other):\n"
                                    "        return Buffer(other.data if isinstance(other, Buffer)"
                                    " else int(other))\n"
                                    "register(Buffer)\n")
        self.write("{pkg}/user.py", "from {pkg} import impl, reg\n"
                                    "MERGED = impl.Buffer(1).merge(reg.get('Buffer')(2)).data\n")
        old = self.load("{pkg}.user") and self.mod("{pkg}.impl").Buffer
        report = reloader.reload(self.pkg + ".reg")
        self.assertIn(self.pkg + ".user", report.reloaded)
        self.assertEqual(self.mod("{pkg}.user").MERGED, 2)
        self.assertIs(self.mod("{pkg}.reg").get("Buffer"), old)

    def test_a_subclass_the_edit_adds_derives_from_the_kept_class(self) -> None:
        self.write("{pkg}/__init__.py")
        body = "class Base:\n    def name(self):\n        return 'base'\n"
        self.write("{pkg}/a.py", body)
        base = self.load("{pkg}.a").Base
        held = base()
        self.write("{pkg}/a.py", body + "class Extra(Base):\n    pass\n"
                   "CACHE = {'made': type('Made', (Base,), {})}\n")
        report = self.reload()
        a = self.mod("{pkg}.a")
        self.assertEqual(report.not_updated, {})
        self.assertIs(a.Base, base)
        self.assertTrue(issubclass(a.Extra, base) and issubclass(a.CACHE["made"], base))
        self.assertIsInstance(a.Extra(), type(held))
        self.assertEqual(a.CACHE["made"]().name(), "base")

    def test_a_state_object_a_class_body_makes_stays_the_one_instances_hold(self) -> None:
        # automat's states: made in the class body, held by the instances.
        self.write("{pkg}/__init__.py")
        body = """
            class State:
                def __init__(self, name):
                    self.name = name
            class Door:
                closed = State("closed")
                opened = State("opened")
                def __init__(self):
                    self.current = Door.closed
                def toggle(self):
                    cls = type(self)
                    self.current = {cls.closed: cls.opened, cls.opened: cls.closed}[self.current]
                    return self.current.name{v}
            """
        self.write("{pkg}/door.py", body.replace("{v}", ""))
        door = self.load("{pkg}.door").Door()
        self.write("{pkg}/door.py", body.replace("{v}", ".upper()"))
        report = self.reload()
        self.assertEqual(report.not_updated, {})
        self.assertEqual((door.toggle(), door.toggle()), ("OPENED", "CLOSED"))
        self.assertIs(self.mod("{pkg}.door").Door.closed, door.current)

    def test_one_class_isinstance_both_ways_and_super(self) -> None:
        self.write("{pkg}/__init__.py")
        body = """
            class Base:
                def hello(self):
                    return 'base {v}'
            class A(Base):
                def hello(self):
                    return 'a {v} ' + super().hello()
            """
        self.write("{pkg}/a.py", body.replace("{v}", "old"))
        self.write("{pkg}/b.py", "from {pkg}.a import A\nclass B(A):\n    pass\n")
        a = self.load("{pkg}.a")
        self.load("{pkg}.b")
        OldA, old = a.A, a.A()
        self.write("{pkg}/a.py", body.replace("{v}", "new"))
        self.reload()
        new_a = self.mod("{pkg}.a")
        self.assertIs(new_a.A, OldA)
        self.assertIs(self.mod("{pkg}.b").A, OldA)
        self.assertTrue(issubclass(self.mod("{pkg}.b").B, OldA))
        new = new_a.A()
        self.assertIsInstance(old, new_a.A)
        self.assertIsInstance(new, OldA)
        self.assertEqual(old.hello(), "a new base new")
        self.assertEqual(new.hello(), "a new base new")
        self.assertEqual(self.mod("{pkg}.b").B().hello(), "a new base new")

    def test_the_new_class_object_discarded_is_freed_by_the_reload(self) -> None:
        # Left to the collector's next pass, it would still hold the methods
        # the old class took from it when the next reload asks who holds them.
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/a.py", "class A:\n    def run(self):\n        return 'old'\n")
        module = self.load("{pkg}.a")
        OldA, instance = module.A, module.A()
        thresholds = gc.get_threshold()
        self.addCleanup(gc.set_threshold, *thresholds)
        gc.collect()
        gc.set_threshold(10**6)  # no pass of the collector's own before the count below
        self.write("{pkg}/a.py", "class A:\n    def run(self):\n        return 'new'\n")
        self.assertTrue(self.reload().ok)
        classes = [c for c in gc.get_objects() if isinstance(c, type)
                   and getattr(c, "__module__", None) == self.pkg + ".a"
                   and c.__qualname__ == "A"]  # (a class of its own has no __module__)
        self.assertEqual(classes, [OldA])
        self.assertEqual(instance.run(), "new")

    def test_dropped_attribute_is_removed_and_new_one_added(self) -> None:
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/a.py", "class A:\n    x = 1\n    def gone(self):\n        pass\n")
        A = self.load("{pkg}.a").A
        self.write("{pkg}/a.py", "class A:\n    y = 2\n")
        self.reload()
        self.assertFalse(hasattr(A, "gone") or hasattr(A, "x"))
        self.assertEqual(A.y, 2)

    def test_dataclass_and_frozen_dataclass(self) -> None:
        self.write("{pkg}/__init__.py")
        body = """
            import dataclasses
            @dataclasses.dataclass
            class P:
                x: int = 0
                def f(self):
                    return '{v}'
            @dataclasses.dataclass(frozen=True)
            class F:
                x: int = 0
                def f(self):
                    return '{v}'
            """
        self.write("{pkg}/a.py", body.replace("{v}", "old"))
        a = self.load("{pkg}.a")
        p, f = a.P(1), a.F(2)
        self.write("{pkg}/a.py", body.replace("{v}", "new"))
        report = self.reload()
        new_a = self.mod("{pkg}.a")
        self.assertEqual((p.f(), f.f()), ("new", "new"))
        self.assertEqual(new_a.P(1), p)
        self.assertEqual(new_a.F(2), f)
        self.assertEqual(report.not_updated, {})

    def test_changed_dataclass_fields_are_reported(self) -> None:
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/a.py", (
            "import dataclasses\n"
            "@dataclasses.dataclass(frozen=True)\n"
            "class F:\n"
            "    x: int = 0\n"
        ))
        self.load("{pkg}.a")
        self.write("{pkg}/a.py", (
            "import dataclasses\n"
            "@dataclasses.dataclass(frozen=True)\n"
            "class F:\n"
            "    x: int = 0\n"
            "    y: int = 1\n"
        ))
        report = self.reload()
        self.assertEqual(
            report.not_updated["{}.a.F instances".format(self.pkg)],
            "its fields changed from (x) to (x, y); "
            "instances made before the reload keep the old fields",
        )

    def test_new_fields_old_instances_could_not_read_leave_the_class_whole(self) -> None:
        # A dataclass field with a default_factory (no class attribute) or a
        # named tuple's new field: the new __repr__ and __eq__ read it, which
        # instances made before the reload lack. The old class stays whole.
        self.write("{pkg}/__init__.py")
        body = (
            "import dataclasses\n"
            "import typing\n"
            "@dataclasses.dataclass\n"
            "class Item:\n"
            "    name: str = ''\n"
            "{item}"
            "class Pair(typing.NamedTuple):\n"
            "    x: int = 0\n"
            "{pair}"
        )
        self.write("{pkg}/a.py", body.format(item="", pair=""))
        a = self.load("{pkg}.a")
        item, pair = a.Item("a"), a.Pair(1)
        self.write("{pkg}/a.py", body.format(
            item="    tags: list = dataclasses.field(default_factory=list)\n",
            pair="    y: int = 0\n"))
        report = self.reload()
        self.assertEqual(
            report.not_updated["{}.a.Item".format(self.pkg)],
            "its new dataclass fields (tags) have no default on the class that instances made "
            "before the reload could read; the new class is a different object and old "
            "instances keep the old code")
        self.assertIn("its named tuple fields changed from (x) to (x, y)",
                      report.not_updated["{}.a.Pair".format(self.pkg)])
        self.assertEqual((repr(item), repr(pair)), ("Item(name='a')", "Pair(x=1)"))
        new = self.mod("{pkg}.a")
        self.assertEqual((new.Item("b").tags, new.Pair(2).y), ([], 0))

    def test_slots_same_layout_and_changed_layout(self) -> None:
        self.write("{pkg}/__init__.py")
        self.write(
            "{pkg}/a.py",
            "class S:\n    __slots__ = ('x',)\n    def f(self):\n        return 'old'\n"
            "class T:\n    __slots__ = ('x',)\n    def f(self):\n        return 'old'\n",
        )
        a = self.load("{pkg}.a")
        s, t = a.S(), a.T()
        s.x = t.x = 5
        self.write(
            "{pkg}/a.py",
            "class S:\n    __slots__ = ('x',)\n    def f(self):\n        return 'new'\n"
            "class T:\n    __slots__ = ('x', 'y')\n    def f(self):\n        return 'new'\n",
        )
        report = self.reload()
        self.assertEqual((s.f(), s.x), ("new", 5))
        self.assertIs(type(s), self.mod("{pkg}.a").S)
        self.assertEqual((t.f(), t.x), ("old", 5))  # not corrupted
        self.assertIsNot(type(t), self.mod("{pkg}.a").T)
        self.assertEqual(
            report.not_updated["{}.a.T".format(self.pkg)],
            "its instance layout changed (__slots__ or a built-in base); the new class is "
            "a different object and old instances keep the old code",
        )

    def test_namedtuple(self) -> None:
        self.write("{pkg}/__init__.py")
        body = (
            "import typing\n"
            "class N(typing.NamedTuple):\n"
            "    a: int\n"
            "    def f(self):\n"
            "        return '{v}'\n"
        )
        self.write("{pkg}/a.py", body.replace("{v}", "old"))
        n = self.load("{pkg}.a").N(1)
        self.write("{pkg}/a.py", body.replace("{v}", "new"))
        self.reload()
        N = self.mod("{pkg}.a").N
        self.assertEqual((n.f(), n.a), ("new", 1))
        self.assertIsInstance(n, N)
        self.assertEqual(N(1), n)

    def test_enum_members_stay_the_same_objects(self) -> None:
        self.write("{pkg}/__init__.py")
        body = """
            import enum
            class Color(enum.Enum):
                RED = 1
                {extra}
                def label(self):
                    return '{v} ' + self.name
            def is_red(color):
                return color is Color.RED
            DEFAULT = Color.RED
            """
        self.write("{pkg}/a.py", body.replace("{v}", "old").replace("{extra}", "GREEN = 2"))
        a = self.load("{pkg}.a")
        red, green = a.Color.RED, a.Color.GREEN
        self.write("{pkg}/a.py", body.replace("{v}", "new").replace("{extra}", "BLUE = 3"))
        report = self.reload()
        new_a = self.mod("{pkg}.a")
        self.assertIs(new_a.Color.RED, red)
        self.assertIs(new_a.DEFAULT, red)
        self.assertTrue(new_a.is_red(red))
        self.assertEqual(red.label(), "new RED")
        self.assertIs(new_a.Color(1), red)
        self.assertEqual([m.name for m in new_a.Color], ["RED", "BLUE"])
        self.assertIsInstance(new_a.Color.BLUE, type(red))
        self.assertEqual(
            report.not_updated,
            {
                "{}.a.Color.GREEN".format(self.pkg): (
                    "the member was removed; objects holding it keep a member of no enum"
                )
            },
        )
        self.assertIsNot(green, None)

    def test_what_the_module_made_a_few_levels_down_names_the_kept_objects(self) -> None:
        # As pycparser's lexer: {name: (rule.action, message)} and a list of
        # frozen dataclass rules, matched against the enum's members.
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/a.py", """
            import dataclasses, enum
            class Action(enum.Enum):
                TOKEN = 1
                ERROR = 2
            class Handler:
                pass
            @dataclasses.dataclass(frozen=True)
            class Rule:
                action: Action
            ACTIONS = {"name": (Action.TOKEN, "message")}
            NESTED = [[Action.ERROR], {Action.TOKEN: (Handler, frozenset([Action.ERROR]))}]
            RULE = Rule(Action.ERROR)
            RULES = [Rule(Action.TOKEN)]
            ROWS = ((1, "a"), (2, Action.ERROR))  # a table: rows of constants, one not
            ROW_LIST = [(1, "b"), (2, Action.TOKEN)]
            def run(name):
                action, _ = ACTIONS[name]
                return "token" if action is Action.TOKEN else "unknown"
            """)
        a = self.load("{pkg}.a")
        token, error, handler = a.Action.TOKEN, a.Action.ERROR, a.Handler
        self.reload()
        a = self.mod("{pkg}.a")
        self.assertIs(a.Action.TOKEN, token)
        self.assertEqual(a.run("name"), "token")
        self.assertIs(a.ACTIONS["name"][0], token)
        self.assertIs(a.NESTED[0][0], error)
        self.assertEqual(a.NESTED[1], {token: (handler, frozenset([error]))})
        self.assertIs(a.NESTED[1][token][0], handler)
        self.assertIs(next(iter(a.NESTED[1][token][1])), error)
        self.assertIs(a.RULE.action, error)
        self.assertIs(a.RULES[0].action, token)
        self.assertEqual((a.ROWS[0], a.ROW_LIST[0]), ((1, "a"), (1, "b")))
        self.assertIs(a.ROWS[1][1], error)
        self.assertIs(a.ROW_LIST[1][1], token)
        self.assertIsInstance(a.RULE, a.Rule)

    def test_the_standard_librarys_wrapping_containers_name_the_kept_objects(self) -> None:
        # As glom's ChainMap scope keyed by its registry class.
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/w.py", """
            import collections, enum
            class Registry:
                pass
            class Mode(enum.Enum):
                ON = 1
            SCOPE = collections.ChainMap({})
            SCOPE.update({Registry: Registry()})
            USER = collections.UserDict({Mode.ON: "on"})
            QUEUE = collections.deque([Registry, Mode.ON])
            NESTED = {"queue": collections.deque([Mode.ON]), "list": collections.UserList([Registry])}
            def lookup():
                return type(SCOPE[Registry]).__name__
            """)
        w = self.load("{pkg}.w")
        registry, on = w.Registry, w.Mode.ON
        self.reload()
        w = self.mod("{pkg}.w")
        self.assertIs(w.Registry, registry)
        self.assertEqual(w.lookup(), "Registry")
        self.assertEqual(w.USER[on], "on")
        self.assertEqual(list(w.QUEUE), [registry, on])
        self.assertIs(w.QUEUE[0], registry)
        self.assertIs(w.NESTED["queue"][0], on)
        self.assertIs(w.NESTED["list"][0], registry)

    def test_a_flag_with_members_out_of_order(self) -> None:
        # enum binds _iter_member_ to the class itself then (3.11 and later).
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/f.py", """
            import enum
            class Flags(enum.IntFlag):
                QR = 0x8000
                AA = 0x0400
            BOTH = Flags.QR | Flags.AA
            """)
        f = self.load("{pkg}.f")
        flags, qr, both = f.Flags, f.Flags.QR, f.BOTH
        report = self.reload()
        f = self.mod("{pkg}.f")
        self.assertEqual(report.not_updated, {})
        self.assertIs(f.Flags, flags)
        self.assertIs(f.Flags.QR, qr)
        self.assertEqual(f.BOTH, both)
        self.assertIs(type(f.Flags(0x8400)), flags)

    def test_a_class_a_decorator_subclassed_under_its_own_name(self) -> None:
        # As dnspython's @immutable: the decorated class is a base no name holds.
        self.write("{pkg}/__init__.py")
        body = """
            class _Mixin:
                __slots__ = ()
            def immutable(cls):
                class made(_Mixin, cls):
                    __slots__ = ()
                made.__name__, made.__qualname__ = cls.__name__, cls.__qualname__
                return made
            class Base:
                __slots__ = ("items",)
            @immutable
            class Frozen(Base):  # with a __dict__: the made class's layout is its own
                def f(self):
                    return "{v}"
            """
        self.write("{pkg}/d.py", body.replace("{v}", "old"))
        held = self.load("{pkg}.d").Frozen()
        self.write("{pkg}/d.py", body.replace("{v}", "new"))
        report = self.reload()
        d = self.mod("{pkg}.d")
        self.assertEqual(report.not_updated, {})
        self.assertIsInstance(held, d.Frozen)
        self.assertEqual((held.f(), d.Frozen().f()), ("new", "new"))

    def test_a_class_a_decorator_in_another_module_subclassed_under_its_own_name(self) -> None:
        # As trafaret's py3metafix: the name holds a subclass that names the
        # decorator's module and has no function of its own.
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/lib.py", """
def metafix(cls):
    made = type(cls)(cls.__name__, (cls,), {})
    made.__doc__ = cls.__doc__
    return made
""")
        body = """
from .lib import metafix
class Meta(type):
    pass
@metafix
class Trafaret(metaclass=Meta):
    def f(self):
        return "{v}"
class Int(Trafaret):
    pass
"""
        self.write("{pkg}/base.py", body.replace("{v}", "old"))
        b = self.load("{pkg}.base")
        held, held_int, cls = b.Trafaret(), b.Int(), b.Trafaret
        self.write("{pkg}/base.py", body.replace("{v}", "new"))
        report = self.reload()
        b = self.mod("{pkg}.base")
        self.assertEqual(report.not_updated, {})
        self.assertIs(b.Trafaret, cls)
        self.assertIsInstance(held, b.Trafaret)
        self.assertEqual((held.f(), held_int.f(), b.Int().f()), ("new", "new", "new"))

    def test_abc(self) -> None:
        self.write("{pkg}/__init__.py")
        body = """
            import abc
            class Shape(abc.ABC):
                @abc.abstractmethod
                def area(self): ...
                def describe(self):
                    return '{v} ' + str(self.area())
            class Square(Shape):
                def area(self):
                    return 4
            """
        self.write("{pkg}/a.py", body.replace("{v}", "old"))
        a = self.load("{pkg}.a")
        square = a.Square()
        self.write("{pkg}/a.py", body.replace("{v}", "new"))
        self.reload()
        new_a = self.mod("{pkg}.a")
        self.assertEqual(square.describe(), "new 4")
        self.assertIsInstance(square, new_a.Shape)
        self.assertIsInstance(new_a.Square(), a.Shape)
        with self.assertRaises(TypeError):
            new_a.Shape()

    def test_metaclass_and_init_subclass(self) -> None:
        self.write("{pkg}/__init__.py")
        body = """
            class Meta(type):
                def tag(cls):
                    return '{v} ' + cls.__name__
            class Base(metaclass=Meta):
                seen = []
                def __init_subclass__(cls, **kwargs):
                    super().__init_subclass__(**kwargs)
                    cls.mark = '{v}'
                    Base.seen.append(cls)
            class Child(Base):
                pass
            """
        self.write("{pkg}/a.py", body.replace("{v}", "old"))
        self.write("{pkg}/b.py", "from {pkg}.a import Base\nclass Other(Base):\n    pass\n")
        a = self.load("{pkg}.a")
        self.load("{pkg}.b")
        Base, Child = a.Base, a.Child
        self.write("{pkg}/a.py", body.replace("{v}", "new"))
        self.reload()
        new_a, new_b = self.mod("{pkg}.a"), self.mod("{pkg}.b")
        self.assertIs(new_a.Child, Child)
        self.assertEqual(Child.tag(), "new Child")
        self.assertEqual(new_b.Other.mark, "new")
        self.assertTrue(issubclass(new_b.Other, Base))
        self.assertIs(type(new_b.Other), type(Base))
        self.assertIn(Child, Base.seen)

    def test_from_import_in_another_module_is_the_one_class(self) -> None:
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/a.py", "class Cls:\n    pass\n")
        self.write("{pkg}/b.py", "from {pkg}.a import Cls\n")
        Cls = self.load("{pkg}.a").Cls
        self.load("{pkg}.b")
        self.write("{pkg}/a.py", "class Cls:\n    v = 2\n")
        self.reload()
        self.assertIs(self.mod("{pkg}.b").Cls, Cls)
        self.assertIs(self.mod("{pkg}.a").Cls, Cls)
        self.assertEqual(Cls.v, 2)


class NamespaceTest(UpdateCase):
    def test_registered_namespace_is_rebound(self) -> None:
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/a.py", "def helper():\n    return 'old'\n")
        a = self.load("{pkg}.a")
        console = {"helper": a.helper, "a": a, "mine": a.helper}
        stop = reloader.rebind_namespace(console)
        self.addCleanup(stop)
        console["mine"] = "rebound by the user"
        self.write("{pkg}/a.py", "def helper():\n    return 'new'\n")
        self.reload()
        new_a = self.mod("{pkg}.a")
        self.assertIs(console["helper"], new_a.helper)
        self.assertIs(console["a"], new_a)
        self.assertEqual(console["mine"], "rebound by the user")

    def test_stopped_namespace_is_left_alone(self) -> None:
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/a.py", "def helper():\n    return 'old'\n")
        a = self.load("{pkg}.a")
        console = {"a": a}
        reloader.rebind_namespace(console)()
        self.reload()
        self.assertIs(console["a"], a)

    def test_old_module_namespace_mirrors_the_new_one(self) -> None:
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/a.py", "X = 1\nGONE = 2\n")
        a = self.load("{pkg}.a")
        self.write("{pkg}/a.py", "X = 10\nNEW = 3\n")
        self.reload()
        self.assertEqual((a.X, a.NEW, hasattr(a, "GONE")), (10, 3, False))

    def test_update_false_leaves_old_objects(self) -> None:
        self.write("{pkg}/__init__.py")
        self.write("{pkg}/a.py", "def f():\n    return 'old'\nclass A:\n    pass\n")
        a = self.load("{pkg}.a")
        f, A = a.f, a.A
        self.write("{pkg}/a.py", "def f():\n    return 'new'\nclass A:\n    pass\n")
        reloader.reload(self.pkg, update=False)
        self.assertEqual(f(), "old")
        self.assertIsNot(self.mod("{pkg}.a").A, A)


class FailedReloadTest(UpdateCase):
    def test_failed_reload_leaves_old_objects_exactly_as_before(self) -> None:
        self.write("{pkg}/__init__.py")
        old_body = """
            import enum
            class Color(enum.Enum):
                RED = 1
            class A:
                x = 1
                def f(self, k=1):
                    'old doc'
                    return 'old'
            def g(a=1, *, b=2):
                return 'old'
            g.tag = 'old'
            """
        self.write("{pkg}/a.py", old_body)
        self.write("{pkg}/b.py", "from {pkg}.a import A\n")
        a = self.load("{pkg}.a")
        self.load("{pkg}.b")
        A, g, Color = a.A, a.g, a.Color
        class_dict = dict(vars(A))
        f = A.f
        state = (f.__code__, f.__defaults__, f.__doc__, f.__dict__, g.__code__, g.__defaults__,
                 g.__kwdefaults__, g.__dict__, g.__annotations__)
        members = (dict(Color._member_map_), list(Color._member_names_))
        self.write(
            "{pkg}/a.py",
            """
            import enum
            class Color(enum.Enum):
                RED = 10
                BLUE = 2
            class A:
                y = 2
                def f(self, k=2):
                    'new doc'
                    return 'new'
            def g(a=5, *, b=6):
                return 'new'
            """,
        )
        self.write("{pkg}/b.py", "from {pkg}.a import A\nraise RuntimeError('boom')\n")
        with self.assertRaises(reloader.ReloadError):
            self.reload()
        self.assertIs(sys.modules[self.pkg + ".a"], a)
        self.assertEqual(dict(vars(A)), class_dict)
        self.assertEqual(
            (f.__code__, f.__defaults__, f.__doc__, f.__dict__, g.__code__, g.__defaults__,
             g.__kwdefaults__, g.__dict__, g.__annotations__),
            state,
        )
        self.assertIs(g.__dict__, state[7])
        self.assertEqual((dict(Color._member_map_), list(Color._member_names_)), members)
        self.assertEqual(Color.RED.value, 1)
        self.assertIs(Color(1), Color.RED)
        self.assertEqual((A().f(), g()), ("old", "old"))
        self.assertIsInstance(a, types.ModuleType)


class GenerationsTest(PackageCase):
    """What a host took from the first version keeps up with every later one."""

    def test_held_function_method_and_namespace_follow_every_reload(self) -> None:
        def source(version: int) -> str:
            # Literals, so only replaced code can return the new value.
            return (
                "LABEL = 'v{0}'\n\n"
                "def callback():\n    return {0}\n\n"
                "def label():\n    return LABEL\n\n"
                "class Widget:\n    def draw(self):\n        return {0}\n"
            ).format(version)

        self.files({"{pkg}/__init__.py": "", "{pkg}/ui.py": source(1)})
        ui = self.load("{pkg}.ui")
        callback, label, draw = ui.callback, ui.label, ui.Widget().draw
        for version in range(2, 5):
            self.write("{pkg}/ui.py", source(version))
            reloader.reload(self.pkg)
            self.assertEqual((callback(), label(), draw()), (version, "v{}".format(version), version))
