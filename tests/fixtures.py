"""Shared fixtures: users, collections, grants, data sources and scan targets."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

SHOP_SQL = """
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    full_name VARCHAR(100) NOT NULL,
    email VARCHAR(200),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, amount NUMERIC(10,2));
CREATE VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 100;
"""


def build_shop(path: Path, customers: int = 30) -> Path:
    con = sqlite3.connect(path)
    con.executescript(SHOP_SQL)
    con.executemany(
        "INSERT INTO customers (id, full_name, email) VALUES (?, ?, ?)",
        [
            (i, f"Person {i}", f"person{i}@example.com" if i % 5 else None)
            for i in range(1, customers + 1)
        ],
    )
    con.executemany(
        "INSERT INTO orders VALUES (?, ?, ?)",
        [(i, i % customers + 1, i * 10.5) for i in range(1, 60)],
    )
    con.commit()
    con.close()
    return path


@pytest.fixture(scope="session", autouse=True)
def celery_configured() -> None:
    """Load the Celery app's configuration from the test settings before any test can override
    a setting: Celery reads Django's settings once and keeps what it read."""
    from pursight.celery import app

    assert app.conf.task_always_eager is not None


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Throttle counters, lockouts and cached scopes live in the (process-local) cache: every
    test starts with it empty."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _seeded_rows(request: Any) -> None:
    """A transactional test (live server, real worker) flushes the database when it ends, and
    with it the rows the migrations seed: the built-in roles and the system info types. The
    next transactional test on the same database (the same xdist worker) gets them back."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    import importlib

    from django.apps import apps

    from governance.classifications.services import ensure_system_classifications

    request.getfixturevalue("transactional_db")
    roles = importlib.import_module("governance.rbac.migrations.0003_builtin_roles")
    roles.create_roles(apps, None)
    ensure_system_classifications()


@pytest.fixture
def shop_db(tmp_path: Path) -> Path:
    """A small SQLite database: two tables and a view."""
    return build_shop(tmp_path / "shop.sqlite")


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    from django.contrib.auth import get_user_model

    counter = {"n": 0}

    def make(username: str | None = None, *, superuser: bool = False, staff: bool = True) -> Any:
        counter["n"] += 1
        name = username or f"user{counter['n']}"
        User = get_user_model()
        if superuser:
            return User.objects.create_superuser(name, f"{name}@example.com", "pw")
        return User.objects.create_user(name, f"{name}@example.com", "pw", is_staff=staff)

    return make


@pytest.fixture
def admin_user(make_user: Callable[..., Any]) -> Any:
    return make_user("root", superuser=True)


@pytest.fixture
def make_collection(db: Any) -> Callable[..., Any]:
    from governance.rbac.services import create_collection

    def make(name: str, parent: Any = None) -> Any:
        return create_collection(actor=None, name=name, parent=parent)

    return make


@pytest.fixture
def grant() -> Callable[..., None]:
    from guardian.shortcuts import assign_perm

    from pursight import permissions

    def do(user: Any, codename: str, collection: Any) -> None:
        assign_perm(f"rbac.{codename}", user, collection)
        permissions.forget(user)

    return do


@pytest.fixture
def grant_platform() -> Callable[..., Any]:
    """Grant collection permissions platform-wide (model-wide: every collection, and the
    shared definitions that act on all of them)."""
    from django.contrib.auth.models import Permission

    from pursight import permissions

    def do(user: Any, *codenames: str) -> Any:
        user.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="rbac", codename__in=codenames)
        )
        permissions.forget(user)
        return user

    return do


@pytest.fixture
def make_source(
    db: Any, make_collection: Callable[..., Any], settings: Any, tmp_path_factory: Any
) -> Callable[..., Any]:
    from governance.datasources.services import register_datasource

    # File-based sources are confined to PURSIGHT_FILE_SOURCE_ROOTS: allow the session's
    # temporary directory (every tmp_path lives below it) for the rest of the test.
    base = tmp_path_factory.getbasetemp()
    settings.PURSIGHT_FILE_SOURCE_ROOTS = [str(base)]
    counter = {"n": 0}

    def make(
        path: Path | str | None = None,
        *,
        collection: Any = None,
        name: str | None = None,
        **kw: Any,
    ) -> Any:
        counter["n"] += 1
        fields = {
            "name": name or f"source{counter['n']}",
            "kind": "sqlite",
            # One file each: a source may not read another collection's file (datasources.services).
            "database": str(
                path if path is not None else base / f"nonexistent-{counter['n']}.sqlite"
            ),
            "collection": collection or make_collection(f"coll{counter['n']}"),
        }
        fields.update(kw)
        return register_datasource(actor=None, **fields)

    return make


@pytest.fixture
def scan_source() -> Callable[..., Any]:
    """Run the source's default scan in-process; return the finished run."""
    from governance.scans import services

    def run(source: Any) -> Any:
        scan = services.default_scan(actor=None, source=source)
        queued = services.start_scan(actor=None, scan=scan, enqueue=False)
        return services.execute_run(queued.pk)

    return run


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(**extra: str) -> dict[str, str]:
    """The environment of a server a test starts: this one without the settings of the test
    session's own database, broker and PurSight options, plus ``extra``."""
    own = ("CELERY_", "REDIS_", "DATABASE_", "PURSIGHT_", "DJANGO_")
    kept = {k: v for k, v in os.environ.items() if not k.startswith(own)}
    # The same default classifier model as this session's (pursight/settings/test.py).
    kept["PURSIGHT_CLASSIFIER_SMALL"] = os.environ.get("PURSIGHT_CLASSIFIER_SMALL", "0")
    return {**kept, **extra}


@contextlib.contextmanager
def running_server(
    args: list[str],
    *,
    port: int,
    log: Path,
    env: dict[str, str],
    announces: bool = False,
    timeout: float = 60,
    cwd: Path | None = None,
) -> Iterator[dict[str, Any]]:
    """Start ``args`` (a web server on ``port``), wait until it accepts connections, yield, stop.

    With ``announces`` the process first prints one JSON line (the ids of what it created),
    which is yielded; stderr (and stdout otherwise) goes to ``log``, whose end is the failure's
    message when the server dies or never listens. Stopped with SIGTERM, killed if it lingers.
    """
    with log.open("w") as out:
        proc = subprocess.Popen(
            args,
            env=env,
            stdout=subprocess.PIPE if announces else out,
            stderr=out if announces else subprocess.STDOUT,
            text=True,
            start_new_session=True,
            cwd=cwd,
        )
        try:
            said = json.loads(proc.stdout.readline() or "{}") if announces else {}
            deadline = time.monotonic() + timeout
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    assert proc.poll() is None and time.monotonic() < deadline, log.read_text(
                        errors="replace"
                    )[-3000:]
                    time.sleep(0.1)
            yield said
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoints() -> Iterator[dict[str, int]]:
    """Real listeners on 127.0.0.1 for probing connection errors: a closed port, a web server,
    and a service that greets in its own protocol (SSH)."""
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    ssh = socket.socket()
    ssh.bind(("127.0.0.1", 0))
    ssh.listen(8)
    ssh.settimeout(0.2)
    stop = threading.Event()
    clients: list[socket.socket] = []

    def greet() -> None:
        while not stop.is_set():
            try:
                conn, _ = ssh.accept()
            except OSError:
                continue
            conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
            clients.append(conn)

    thread = threading.Thread(target=greet, daemon=True)
    thread.start()
    yield {"closed": closed_port(), "http": web.server_address[1], "ssh": ssh.getsockname()[1]}
    stop.set()
    thread.join(2)
    web.shutdown()
    web.server_close()
    for conn in clients:
        conn.close()
    ssh.close()


def page_wait(browser: Any, timeout: float = 30, *, also: tuple[type, ...] = ()) -> Any:
    """A ``WebDriverWait`` that rides out a page being replaced: while the page a click leads to
    loads, an element of the old one goes stale, or the new document has none yet."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    ignored = (NoSuchElementException, StaleElementReferenceException, *also)
    return WebDriverWait(browser, timeout, ignored_exceptions=ignored)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium through its driver (Debian packages ``chromium`` and
    ``chromium-driver``; `.ci/run` installs them), with its console log readable. Skipped, with
    the reason, where they are missing (a failure when services are required)."""
    import shutil
    import tempfile

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        from pursight.testing import require

        require("Chromium and chromedriver (Debian packages chromium, chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="pursight-chrome-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1100",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(arg)
    drv = webdriver.Chrome(service=Service(driver), options=options)
    drv.implicitly_wait(5)
    yield drv
    drv.quit()
    shutil.rmtree(profile, ignore_errors=True)
