"""Test helpers shared by every app's tests: service URLs, throwaway target databases, grants."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest


def service_url(var: str) -> str:
    """The URL in ``var``; the test is skipped when unset, or fails when services are required."""
    url = os.environ.get(var, "")
    if not url:
        require(f"the service in {var}, which is not set")
    return url


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """Create a uniquely named PostgreSQL database; yield its URL; drop it."""
    import psycopg

    name = f"pursight_t_{secrets.token_hex(4)}"
    dsn = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(dsn, name)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def mysql_connect(url: str, database: str | None = None) -> Any:
    import pymysql

    parts = urlsplit(url)
    return pymysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        database=database,
        autocommit=True,
    )


@contextmanager
def mysql_database(admin_url: str) -> Iterator[str]:
    """Create a uniquely named MariaDB/MySQL database; yield its URL; drop it."""
    name = f"pursight_t_{secrets.token_hex(4)}"
    conn = mysql_connect(admin_url)
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}`")
    conn.close()
    try:
        yield _with_database(admin_url, name)
    finally:
        conn = mysql_connect(admin_url)
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()


@contextmanager
def celery_broker(url: str, *, eager: bool = False) -> Iterator[Any]:
    """Point the Celery app at ``url`` for the duration; its cached connection pools are reset
    on the way in and out, so no later test talks to this broker by accident."""
    from pursight.celery import app

    def reset() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager, app.conf.broker_url = eager, url
    reset()
    try:
        yield app
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        reset()


def require(what: str) -> None:
    """Skip (or, with PURSIGHT_REQUIRE_SERVICES=1, fail) a test that needs ``what``."""
    reason = f"needs {what}"
    if os.environ.get("PURSIGHT_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, but PURSIGHT_REQUIRE_SERVICES=1")
    pytest.skip(reason)
