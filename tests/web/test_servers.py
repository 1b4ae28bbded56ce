"""Real web servers under `python -m reloader run`, edited while clients keep asking.

Each test writes a small app in a framework's documented layout to a
temporary folder, starts it with the framework's own development server
under `python -m reloader run` on loopback, and keeps several HTTP clients
(urllib) requesting back to back while more than 20 edits land: version
bumps, a changed signature, a new route, a syntax error and its fix, an
error at import time and its fix. It asserts that no request failed, that
one process answered throughout, that no client ever saw a version go back,
that each good edit was served and each bad one was not, that the app's
route registry held one entry per route, and that a module the edits did not
touch kept its state. It prints the delay from each save to the first answer
with the new code.

The frameworks come from the pinned virtual environment that tests/check.py
makes (the "web servers" suite); where one is not installed, its test is
skipped.
"""

import base64
import importlib.util
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest
import urllib.error
import urllib.request
from typing import Callable, Dict, List, Optional, Tuple

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLIENTS = 6
GOOD_EDITS = 20
START_TIMEOUT = 60.0  # seconds for the server to answer its first request
EDIT_TIMEOUT = 20.0  # seconds for an edit to be served (or refused)


def installed(*names: str) -> bool:
    return all(importlib.util.find_spec(name) is not None for name in names)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Clients:
    """Threads that request `url` back to back and record every answer."""

    def __init__(self, url: Callable[[int], str], count: int) -> None:
        self.url = url
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.failures: List[str] = []
        self.answers: List[List[Tuple[float, Dict[str, object]]]] = [[] for _ in range(count)]
        self.threads = [
            threading.Thread(target=self._run, args=(number,), daemon=True)
            for number in range(count)
        ]

    def __enter__(self) -> "Clients":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(EDIT_TIMEOUT)

    def _run(self, number: int) -> None:
        answers = self.answers[number]
        sent = 0
        while not self.stop.is_set() and sent < 100000:
            sent += 1
            try:
                with urllib.request.urlopen(self.url(sent), timeout=EDIT_TIMEOUT) as response:
                    body = json.loads(response.read().decode("utf-8"))
            except Exception as error:  # refused, reset, cut short, not JSON: all failures
                with self.lock:
                    self.failures.append("client {}: {!r}".format(number, error))
                continue
            answers.append((time.monotonic(), body))

    def total(self) -> int:
        return sum(len(answers) for answers in self.answers)

    def latest(self) -> Optional[Dict[str, object]]:
        found = [answers[-1] for answers in self.answers if answers]
        return max(found, key=lambda item: item[0])[1] if found else None

    def first_with(self, version: int, since: float) -> Optional[float]:
        """When any client first got `version` after `since`."""
        times = [t for answers in self.answers for t, body in list(answers)
                 if t >= since and body["version"] == version]
        return min(times) if times else None


class ServerCase(unittest.TestCase):
    """Serve an app written by `files()`, edit `edited` under load, check the answers."""

    edited = ""  # the file the edits rewrite
    registry = "routes"  # the answer's field counting the app's routes
    steady: Tuple[str, ...] = ()  # fields that must hold one value throughout (registries)

    def files(self) -> Dict[str, str]:
        raise NotImplementedError

    def command(self, port: int) -> List[str]:
        raise NotImplementedError

    def source(self, version: int, *, extra: bool = False, broken: str = "") -> str:
        raise NotImplementedError

    def url(self, port: int, number: int) -> str:
        return "http://127.0.0.1:{}/v?n={}".format(port, number)

    def begin(self, port: int) -> None:
        """Before the edits, with the server started."""

    def after_edit(self, port: int, version: int) -> None:
        """After each good edit, once it is served."""

    def end(self, port: int) -> None:
        """After the edits, with the server still running."""

    def get(self, port: int, number: int) -> Dict[str, object]:
        with urllib.request.urlopen(self.url(port, number), timeout=EDIT_TIMEOUT) as response:
            return json.loads(response.read().decode("utf-8"))  # type: ignore[no-any-return]

    def setUp(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="reloader-web-")
        self.addCleanup(shutil.rmtree, self.folder, True)
        for relative, text in self.files().items():
            self.write(relative, text)
        self.write(self.edited, self.source(1))

    def write(self, relative: str, text: str) -> None:
        # Through a temporary file renamed over it, as editors save: written in place,
        # a busy machine can leave the file empty for longer than the debounce, and the
        # reload then runs what is there, as it should, failing requests meanwhile.
        path = os.path.join(self.folder, *relative.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".saving", "w", encoding="utf-8") as handle:
            handle.write(textwrap.dedent(text))
        os.replace(path + ".saving", path)

    def start(self) -> Tuple["subprocess.Popen[bytes]", int, str]:
        port = free_port()
        log = os.path.join(self.folder, "server.log")
        env = dict(os.environ, PYTHONPATH=REPO, PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1")
        command = [sys.executable, "-m", "reloader", "run", "--interval", "0.1",
                   "--debounce", "0.05"] + self.command(port)
        with open(log, "wb") as output:
            server = subprocess.Popen(
                command, cwd=self.folder, env=env, stdout=output, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

        def stop() -> None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

        self.addCleanup(stop)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(self.url(port, 0), timeout=5) as response:
                    response.read()
                return server, port, log
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    self.fail("the server did not start:\n" + self.log(log))
                time.sleep(0.1)

    @staticmethod
    def log(path: str) -> str:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def failures_logged(self, log: str) -> int:
        """How many reloads the server reported as failed (and so restored)."""
        return sum(
            line.startswith("reloader: reloading ") and " failed" in line
            for line in self.log(log).splitlines()
        )

    def test_edits_under_load(self) -> None:
        server, port, log = self.start()
        self.begin(port)
        with Clients(lambda n: self.url(port, n), CLIENTS) as clients:
            first = self.wait_for(clients, 1, time.monotonic())
            routes = first[self.registry]
            store = first["store"]
            delays: List[float] = []
            version = 1
            plan = ["bump"] * 5 + ["syntax", "bump"] * 1 + ["bump"] * 3 + ["signature"]
            plan += ["bump"] * 3 + ["import", "bump"] + ["bump"] * (GOOD_EDITS - 14)
            extra = False
            for step in plan:
                if step in ("syntax", "import"):
                    refused = self.failures_logged(log)
                    broken = "def broken(:\n" if step == "syntax" else "raise RuntimeError('x')\n"
                    self.write(self.edited, self.source(version + 1, extra=extra, broken=broken))
                    self.wait_until(lambda r=refused: self.failures_logged(log) > r, log)
                    # Answers after the refusal keep coming from the old code.
                    answered = clients.total()
                    self.wait_until(lambda a=answered: clients.total() >= a + CLIENTS, log)
                    latest = clients.latest()
                    assert latest is not None
                    self.assertEqual(latest["version"], version, self.log(log))
                    continue
                version += 1
                extra = extra or step == "signature"
                saved = time.monotonic()
                self.write(self.edited, self.source(version, extra=extra))
                answer = self.wait_for(clients, version, saved)
                delays.append(answer["_delay"])  # type: ignore[arg-type]
                self.after_edit(port, version)
                self.assertEqual(answer[self.registry], routes + (1 if extra else 0))
                if extra:
                    self.assertEqual(answer["extra"], answer["n"], answer)
        self.assertEqual(clients.failures, [], self.log(log))
        self.end(port)
        answers = [body for per_client in clients.answers for _, body in per_client]
        self.assertEqual({body["pid"] for body in answers}, {server.pid})
        self.assertEqual({body["store"] for body in answers}, {store})
        for field in self.steady:
            self.assertEqual(len({body[field] for body in answers}), 1, field)
        for per_client in clients.answers:
            versions = [body["version"] for _, body in per_client]
            self.assertEqual(versions, sorted(versions))
        self.assertEqual(max(body["version"] for body in answers), GOOD_EDITS + 1)
        self.assertEqual(version, GOOD_EDITS + 1)
        sys.stderr.write(
            "\n{}: {} requests by {} clients, {} good edits and 2 bad ones, 0 failed; "
            "save to first new answer: median {:.0f} ms, max {:.0f} ms\n".format(
                type(self).__name__, len(answers), CLIENTS, len(delays),
                statistics.median(delays) * 1000, max(delays) * 1000,
            )
        )

    def wait_for(self, clients: Clients, version: int, saved: float) -> Dict[str, object]:
        deadline = saved + EDIT_TIMEOUT
        while time.monotonic() < deadline:
            served = clients.first_with(version, saved)
            if served is not None:
                latest = clients.latest()
                assert latest is not None
                return dict(latest, _delay=served - saved)
            if clients.failures:
                self.fail("requests failed: {}".format(clients.failures[:3]))
            time.sleep(0.01)
        self.fail("version {} was not served within {} s".format(version, EDIT_TIMEOUT))

    def wait_until(self, condition: Callable[..., bool], log: str) -> None:
        deadline = time.monotonic() + EDIT_TIMEOUT
        while not condition():
            if time.monotonic() > deadline:
                self.fail("waited {} s in vain:\n{}".format(EDIT_TIMEOUT, self.log(log)))
            time.sleep(0.01)


STORE = """
    import time
    started = time.time()  # a cache the edits must not lose
    ticks = 0
"""


class WebSocket:
    """The least of a WebSocket client (RFC 6455): text messages under 126 bytes."""

    def __init__(self, port: int, path: str) -> None:
        self.connection = socket.create_connection(("127.0.0.1", port), timeout=EDIT_TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        self.connection.sendall(
            "GET {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: {}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".format(path, port, key).encode("ascii")
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.connection.recv(1)
            if not chunk:
                raise ConnectionError("the server closed the connection: {!r}".format(head))
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError("no websocket: {!r}".format(head))

    def ask(self, text: str) -> str:
        payload = text.encode("utf-8")
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        self.connection.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)
        first, length = self.read(2)
        return self.read(length & 0x7F).decode("utf-8")

    def read(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            chunk = self.connection.recv(count - len(data))
            if not chunk:
                raise ConnectionError("the server closed the websocket")
            data += chunk
        return data

    def close(self) -> None:
        self.connection.close()


@unittest.skipUnless(installed("flask"), "needs flask (tests/check.py installs it)")
class FlaskTest(ServerCase):
    """Flask's larger-application layout: the app module imports its views at its end."""

    edited = "views.py"
    registry = "rules"

    def files(self) -> Dict[str, str]:
        return {
            "app.py": """
                from flask import Flask
                app = Flask(__name__)
                from views import bp
                app.register_blueprint(bp)
            """,
            "store.py": STORE,
        }

    def command(self, port: int) -> List[str]:
        return ["-m", "flask", "--app", "app", "run", "--debug", "--port", str(port)]

    def source(self, version: int, *, extra: bool = False, broken: str = "") -> str:
        lines = [
            "import os",
            "from flask import Blueprint, current_app, jsonify, request",
            "import store",
            "from app import app",
            "bp = Blueprint('views', __name__)",
            "VERSION = {}".format(version),
            "@bp.route('/v')",
            "def v():",
            "    n = int(request.args.get('n', 0))",
            "    rules = len(list(current_app.url_map.iter_rules()))",
            "    return jsonify(version=VERSION, pid=os.getpid(), rules=rules, n=n,",
            "                   store=store.started, extra=extra(n))",
            "@app.route('/ping')",  # on the app itself: a used app would refuse it
            "def ping():",
            "    return 'pong'",
            "def extra(n):",
            "    return None",
        ]
        if extra:
            lines[-1] = "    return n"
            lines += ["@bp.route('/new/<int:number>')", "def new(number):", "    return str(number)"]
        return "\n".join(lines) + "\n" + broken


@unittest.skipUnless(installed("flask"), "needs flask (tests/check.py installs it)")
class FlaskPackageTest(FlaskTest):
    """Flask's documented larger application: the package makes the app, then
    `import shop.views`, whose functions `@app.route` on the app they import."""

    edited = "shop/views.py"

    def files(self) -> Dict[str, str]:
        return {
            "shop/__init__.py": """
                from flask import Flask
                app = Flask(__name__)
                import shop.views
            """,
            "store.py": STORE,
        }

    def command(self, port: int) -> List[str]:
        return ["-m", "flask", "--app", "shop", "run", "--debug", "--port", str(port)]

    def source(self, version: int, *, extra: bool = False, broken: str = "") -> str:
        text = super().source(version, extra=extra, broken=broken)
        # Every route on the app itself, none on a blueprint.
        return text.replace("from app import app", "from shop import app").replace(
            "@bp.route", "@app.route")


@unittest.skipUnless(installed("flask"), "needs flask (tests/check.py installs it)")
class FlaskFactoryTest(FlaskTest):
    """Flask's tutorial layout: a package whose create_app() registers blueprints."""

    edited = "shop/views.py"

    def files(self) -> Dict[str, str]:
        return {
            "shop/__init__.py": """
                from flask import Flask
                def create_app():
                    app = Flask(__name__)
                    from shop import views
                    app.register_blueprint(views.bp)
                    return app
            """,
            "store.py": STORE,
        }

    def command(self, port: int) -> List[str]:
        return ["-m", "flask", "--app", "shop", "run", "--debug", "--port", str(port)]

    def source(self, version: int, *, extra: bool = False, broken: str = "") -> str:
        text = super().source(version, extra=extra, broken=broken)
        # No app to import here: the routes go on the blueprint only.
        return text.replace("from app import app\n", "").replace("@app.route", "@bp.route")


@unittest.skipUnless(installed("fastapi", "uvicorn"), "needs fastapi and uvicorn")
class FastAPITest(ServerCase):
    """FastAPI's bigger-applications layout: routers included with include_router."""

    edited = "routers/items.py"
    steady = ("label",)

    def begin(self, port: int) -> None:
        self.socket = WebSocket(port, "/live")
        self.addCleanup(self.socket.close)
        self.assertEqual(self.socket.ask("hello"), "1 hello")
        self.said = 1

    def after_edit(self, port: int, version: int) -> None:
        # The connection opened before the first edit answers on, counting on.
        self.said += 1
        self.assertEqual(self.socket.ask("v{}".format(version)), "{} v{}".format(
            self.said, version))

    def end(self, port: int) -> None:
        # The lifespan's background task still runs after every edit.
        ticks = self.get(port, 0)["ticks"]
        deadline = time.monotonic() + EDIT_TIMEOUT
        while self.get(port, 0)["ticks"] == ticks:  # type: ignore[comparison-overlap]
            self.assertLess(time.monotonic(), deadline, "the background task stopped")

    def files(self) -> Dict[str, str]:
        return {
            "main.py": """
                import asyncio, contextlib
                from fastapi import FastAPI
                import store
                settings = {"name": "shop"}

                async def tick():
                    while True:
                        store.ticks += 1
                        await asyncio.sleep(0.01)

                @contextlib.asynccontextmanager
                async def lifespan(app):
                    task = asyncio.ensure_future(tick())
                    app.state.label = "set by the lifespan"
                    yield
                    task.cancel()

                app = FastAPI(lifespan=lifespan)
                from routers import items
                app.include_router(items.router)
            """,
            "routers/__init__.py": "",
            "store.py": STORE,
        }

    def command(self, port: int) -> List[str]:
        return ["-m", "uvicorn", "main:app", "--reload", "--port", str(port),
                "--log-level", "warning"]

    def url(self, port: int, number: int) -> str:
        return "http://127.0.0.1:{}/v?n={}&s={}".format(port, number, number)

    def source(self, version: int, *, extra: bool = False, broken: str = "") -> str:
        parameters = "request: Request, n: int = 0" + (", s: int = -1" if extra else "")
        lines = [
            "import os",
            "from fastapi import APIRouter, Request, WebSocket",
            "import store",
            "from main import settings",
            "router = APIRouter()",
            "VERSION = {}".format(version),
            "def count(routes):",  # an included router is one entry holding its routes
            "    return sum(count(r.original_router.routes) if hasattr(r, 'original_router')",
            "               else 1 for r in routes)",
            "@router.get('/v')",
            "async def v({}):".format(parameters),
            "    return dict(version=VERSION, pid=os.getpid(), routes=count(request.app.routes),",
            "                n=n, store=store.started, extra={},".format("s" if extra else "None"),
            "                ticks=store.ticks, label=request.app.state.label)",
            "@router.websocket('/live')",
            "async def live(socket: WebSocket):",
            "    await socket.accept()",
            "    said = 0",
            "    while True:",
            "        said += 1",
            "        await socket.send_text(reply(said, await socket.receive_text()))",
            "def reply(said, text):",
            "    return '{} {}'.format(said, text)",
        ]
        if extra:
            lines += ["@router.get('/new/{number}')", "def new(number: int):", "    return number"]
        return "\n".join(lines) + "\n" + broken


@unittest.skipUnless(installed("django"), "needs django (tests/check.py installs it)")
class DjangoTest(ServerCase):
    """A Django project: an app with models, views, URLconf, admin and a signal receiver.

    The admin module imports the views, so each edit re-registers the admin
    too; the views connect a receiver. Both must stay registered once.
    """

    edited = "shop/views.py"
    steady = ("admin", "receivers")

    def files(self) -> Dict[str, str]:
        return {
            "manage.py": """
                import os, sys
                os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
                from django.core.management import execute_from_command_line
                execute_from_command_line(sys.argv)
            """,
            "proj/__init__.py": "",
            "proj/settings.py": """
                import os
                BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
                SECRET_KEY = "only-for-this-test"
                DEBUG = True
                ALLOWED_HOSTS = ["127.0.0.1"]
                ROOT_URLCONF = "proj.urls"
                WSGI_APPLICATION = "proj.wsgi.application"
                INSTALLED_APPS = [
                    "django.contrib.admin", "django.contrib.auth",
                    "django.contrib.contenttypes", "django.contrib.sessions",
                    "django.contrib.messages", "shop",
                ]
                MIDDLEWARE = [
                    "django.contrib.sessions.middleware.SessionMiddleware",
                    "django.middleware.common.CommonMiddleware",
                    "django.contrib.auth.middleware.AuthenticationMiddleware",
                    "django.contrib.messages.middleware.MessageMiddleware",
                ]
                TEMPLATES = [{
                    "BACKEND": "django.template.backends.django.DjangoTemplates",
                    "APP_DIRS": True,
                    "OPTIONS": {"context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]},
                }]
                DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                                         "NAME": os.path.join(BASE_DIR, "db.sqlite3")}}
                USE_TZ = True
            """,
            "proj/urls.py": """
                from django.contrib import admin
                from django.urls import include, path
                urlpatterns = [path("admin/", admin.site.urls), path("", include("shop.urls"))]
            """,
            "proj/wsgi.py": """
                import os
                os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
                from django.core.wsgi import get_wsgi_application
                application = get_wsgi_application()
            """,
            "shop/__init__.py": "",
            "shop/models.py": """
                from django.db import models
                class Book(models.Model):
                    title = models.CharField(max_length=100)
            """,
            "shop/forms.py": """
                from django import forms
                class Search(forms.Form):
                    n = forms.IntegerField(required=False)
            """,
            "shop/urls.py": """
                from django.urls import path
                from shop import views
                urlpatterns = [path("v", views.v)] + views.more
            """,
            "shop/admin.py": """
                from django.contrib import admin
                from shop.models import Book
                from shop.views import describe
                @admin.register(Book)
                class BookAdmin(admin.ModelAdmin):
                    list_display = ["title", describe]
            """,
            "shop/templatetags/__init__.py": "",
            "shop/templatetags/shop_tags.py": self.tags("upper()", "!"),
            "shop/templates/shop/page.html": "{% load shop_tags %}{{ word|shout }}",
            "store.py": STORE,
        }

    @staticmethod
    def tags(change: str, mark: str, extra: str = "") -> str:
        return textwrap.dedent("""
            from django import template
            register = template.Library()
            @register.filter
            def shout(text):
                return text.CHANGE + "MARK"
        """).replace("CHANGE", change).replace("MARK", mark) + textwrap.dedent(extra)

    def test_a_new_template_filter_and_an_edited_template_serve_the_next_page(self) -> None:
        server, port, log = self.start()
        page = "http://127.0.0.1:{}/page".format(port)
        with urllib.request.urlopen(page, timeout=EDIT_TIMEOUT) as response:
            self.assertEqual(response.read(), b"HELLO!")
        self.write("shop/templatetags/shop_tags.py", self.tags("upper()", "!", """
            @register.filter
            def whisper(text):
                return text.lower() + "..."
        """))
        self.wait_until(lambda: "reloaded 1 module" in self.log(log), log)
        self.write("shop/templates/shop/page.html", "{% load shop_tags %}{{ word|whisper }}")
        with urllib.request.urlopen(page, timeout=EDIT_TIMEOUT) as response:
            self.assertEqual(response.read(), b"hello...")

    def test_a_model_edit_is_refused_and_the_old_code_serves_on(self) -> None:
        server, port, log = self.start()
        self.write("shop/models.py", """
            from django.db import models
            class Book(models.Model):
                title = models.CharField(max_length=200)
        """)
        self.wait_until(lambda: self.failures_logged(log) == 1, log)
        refusal = [line for line in self.log(log).splitlines() if " failed" in line][0]
        self.assertIn("module 'shop.models' defines Django models (Book)", refusal)
        self.assertIn("restart the server to run the changed models", refusal)
        # The changed models go with every later reload, which is refused too:
        # nothing runs new views against the old models.
        self.write(self.edited, self.source(2))
        self.wait_until(lambda: self.failures_logged(log) == 2, log)
        with urllib.request.urlopen(self.url(port, 3), timeout=EDIT_TIMEOUT) as response:
            answer = json.loads(response.read().decode("utf-8"))
        self.assertEqual((answer["version"], answer["pid"], answer["n"]), (1, server.pid, 3))

    def command(self, port: int) -> List[str]:
        return ["manage.py", "runserver", "--skip-checks", "127.0.0.1:{}".format(port)]

    def source(self, version: int, *, extra: bool = False, broken: str = "") -> str:
        lines = [
            "import os",
            "from django.contrib import admin",
            "from django.core.signals import request_started",
            "from django.dispatch import receiver",
            "from django.http import JsonResponse",
            "from django.shortcuts import render",
            "from django.urls import get_resolver, path",
            "import store",
            "from shop.forms import Search",
            "VERSION = {}".format(version),
            "def count(patterns):",
            "    return sum(count(p.url_patterns) if hasattr(p, 'url_patterns') else 1",
            "               for p in patterns)",
            "def describe(book):",
            "    return book.title",
            "@receiver(request_started)",
            "def started(sender, **kwargs):",
            "    store.receiver = VERSION",
            "def v(request):",
            "    form = Search(request.GET)",
            "    n = form.cleaned_data['n'] if form.is_valid() else None",
            "    return JsonResponse(dict(version=VERSION, pid=os.getpid(), n=n,",
            "        routes=count(get_resolver().url_patterns), store=store.started,",
            "        admin=len(admin.site._registry), receivers=len(request_started.receivers),",
            "        extra={}))".format("n" if extra else "None"),
            "def page(request):",
            "    return render(request, 'shop/page.html', {'word': 'Hello'})",
            "more = [path('page', page)]",
        ]
        if extra:
            lines += ["def new(request, number):", "    return JsonResponse(number, safe=False)",
                      "more += [path('new/<int:number>', new)]"]
        return "\n".join(lines) + "\n" + broken


# Only the framework tests run; the shared base is no test of its own.
del ServerCase

if __name__ == "__main__":
    unittest.main()
