"""The Django-free connectors: SQLite always; PostgreSQL and MariaDB when their URL is set.

Run alone with ``pytest -p no:django tests/governance/datasources/test_connectors.py``.

Not testable against the local PostgreSQL: a *wrong password* for an existing role, because
``pg_hba.conf`` trusts 127.0.0.1 and accepts any password. PostgreSQL AUTH_FAILED is proven with an
unknown role and a NOLOGIN role (both refused at authentication), and libpq's wrong-password
message is mapped in a unit test; a real wrong password is proven on MariaDB.
"""

from __future__ import annotations

import os
import pickle
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import psycopg
import pymysql
import pytest
import sqlalchemy as sa

from governance.datasources.connectors import (
    ColumnInfo,
    ConnectionParams,
    ConnectionTestResult,
    Connector,
    ConnectorError,
    ErrorCode,
    TableInfo,
    get_connector,
    kinds,
    parse_url,
    register,
)
from governance.datasources.connectors.files import FileAccess
from governance.datasources.connectors.mysql import MySQLConnector
from governance.datasources.connectors.postgresql import PostgreSQLConnector
from governance.datasources.connectors.sqlite import SQLiteConnector, view_select

ROOT = Path(__file__).resolve().parents[3]
SECRET = "S3cr3t pw/@%:#?&="  # every URL-special character, to catch encoded leaks


def secret_forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}


def assert_no_secret(err: BaseException | str, secret: str = SECRET) -> None:
    """Neither the message, the repr, the detail nor the args hold the secret in any form."""
    texts = [str(err), repr(err)]
    if isinstance(err, ConnectorError):
        texts += [err.message, err.detail, *map(str, err.args)]
    for text in texts:
        for form in secret_forms(secret):
            assert form not in text, f"secret leaked in {text!r}"


def raises(code: ErrorCode, func: Callable[[], Any]) -> ConnectorError:
    with pytest.raises(ConnectorError) as info:
        func()
    assert info.value.code == code, info.value
    return info.value


def by_name(tables: list[TableInfo]) -> dict[str, TableInfo]:
    return {t.name: t for t in tables}


def columns_of(table: TableInfo) -> dict[str, ColumnInfo]:
    return {c.name: c for c in table.columns}


def service_url(var: str, example: str) -> str:
    url = os.environ.get(var, "")
    if not url:
        reason = f"{var} is not set; set it (e.g. {example}) to test against that server"
        if os.environ.get("PURSIGHT_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}, but PURSIGHT_REQUIRE_SERVICES=1")
        pytest.skip(reason)
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield s.getsockname()[1]


# --- the package -------------------------------------------------------------------------------
def test_package_imports_without_django() -> None:
    code = (
        "import sys, governance.datasources.connectors as c; "
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_registry_kinds_aliases_and_unknown_kind() -> None:
    assert kinds() == ["files", "mysql", "postgresql", "sqlite"]
    maria = get_connector(ConnectionParams(kind="mariadb", host="h", database="d"))
    assert isinstance(maria, MySQLConnector) and maria.params.kind == "mysql"
    assert isinstance(get_connector(ConnectionParams("postgres", host="h")), PostgreSQLConnector)
    err = raises(ErrorCode.INVALID_CONFIG, lambda: get_connector(ConnectionParams("oracle")))
    assert "oracle" in str(err) and "postgresql" in str(err)


def test_register_decorator_adds_a_kind(tmp_path: Path) -> None:
    from governance.datasources.connectors import registry

    @register("dummy")
    class Dummy(SQLiteConnector):
        pass

    try:
        assert "dummy" in kinds() and Dummy.kind == "dummy"
        params = ConnectionParams("dummy", database=str(tmp_path / "x.db"))
        assert isinstance(get_connector(params, file_access=in_dir(tmp_path / "x.db")), Dummy)
    finally:
        registry._connectors.pop("dummy")


def test_params_and_errors_never_show_the_password() -> None:
    params = ConnectionParams("postgresql", host="db", port=5432, username="bob", password=SECRET)
    assert "password='***'" in repr(params)
    assert_no_secret(repr(params))
    assert_no_secret(repr(get_connector(params)))
    for form in secret_forms(SECRET):
        err = ConnectorError(
            ErrorCode.DRIVER_ERROR, f"boom {form} boom", detail=f"dsn={form}", secrets=[SECRET]
        )
        assert_no_secret(err)
        assert "boom *** boom" in str(err)
    original = ConnectorError(ErrorCode.TIMEOUT, "slow", detail="d")
    copy = pickle.loads(pickle.dumps(original))  # noqa: S301 - our own bytes
    assert (copy.code, str(copy), copy.detail) == (ErrorCode.TIMEOUT, "slow", "d")
    assert ErrorCode.AUTH_FAILED == "auth_failed" and str(ErrorCode.TIMEOUT) == "timeout"


def test_bad_settings_are_invalid_config() -> None:
    pg = ConnectionParams("postgresql", host="h", password=SECRET)
    for kwargs in ({"connect_timeout": 0}, {"statement_timeout": -1}, {"connect_timeout": 1.5}):
        assert_no_secret(raises(ErrorCode.INVALID_CONFIG, lambda k=kwargs: get_connector(pg, **k)))
    err = raises(
        ErrorCode.INVALID_CONFIG,
        lambda: get_connector(
            replace(pg, options={"options": "-c default_transaction_read_only=off"})
        ),
    )
    assert "unsupported option" in str(err) and "sslmode" in str(err)
    raises(ErrorCode.INVALID_CONFIG, lambda: get_connector(replace(pg, port=70000)))
    raises(ErrorCode.INVALID_CONFIG, lambda: get_connector(ConnectionParams("sqlite")))
    raises(
        ErrorCode.INVALID_CONFIG,
        lambda: get_connector(ConnectionParams("sqlite", database=":memory:")),
    )


# --- URLs --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://bob:p%40ss%2Fw%20rd@db.example:6543/sales?sslmode=require",
            ConnectionParams(
                "postgresql",
                "db.example",
                6543,
                "sales",
                "bob",
                "p@ss/w rd",
                {"sslmode": "require"},
            ),
        ),
        ("postgres://u@h/d", ConnectionParams("postgresql", "h", 5432, "d", "u")),
        ("postgresql+psycopg://u:p@h:5/d", ConnectionParams("postgresql", "h", 5, "d", "u", "p")),
        (
            "mysql://root@127.0.0.1/test",
            ConnectionParams("mysql", "127.0.0.1", 3306, "test", "root"),
        ),
        ("mariadb://a:b@h:3307/d", ConnectionParams("mysql", "h", 3307, "d", "a", "b")),
        ("mysql+pymysql://a:b+c@h/d", ConnectionParams("mysql", "h", 3306, "d", "a", "b+c")),
        ("postgresql://u@[::1]:5432/d", ConnectionParams("postgresql", "::1", 5432, "d", "u")),
        ("sqlite:////abs/path.db", ConnectionParams("sqlite", database="/abs/path.db")),
        ("sqlite:///relative.db", ConnectionParams("sqlite", database="relative.db")),
        ("sqlite:///dir/my%20file.db", ConnectionParams("sqlite", database="dir/my file.db")),
        (
            "sqlite:///x.db?immutable=1",
            ConnectionParams("sqlite", database="x.db", options={"immutable": "1"}),
        ),
    ],
)
def test_parse_url(url: str, expected: ConnectionParams) -> None:
    assert parse_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        f"bob:{SECRET}@host/db",
        f"oracle://bob:{quote(SECRET, safe='')}@h/db",
        "postgresql://bob:s3cr/t@h/db",  # unencoded '/' in the password
        "postgresql://bob:s3cr#t@h/db",  # unencoded '#'
        "postgresql://bob:pw@h:99999/db",
        "postgresql://bob:pw@h:0/db",
        "postgresql://bob:pw@h:port/db",
        "postgresql://bob:pw@/db",
        "postgresql://bob:pw@h",
        "mysql://bob:pw@h/",
        "mysql://bob:pw@h/a/b",
        "postgresql://bob:pw@[::1/db",
        "sqlite://",
        "sqlite:///",
        "sqlite://host/x.db",
    ],
)
def test_parse_url_rejects_malformed_urls_without_quoting_them(url: str) -> None:
    err = raises(ErrorCode.INVALID_CONFIG, lambda: parse_url(url))
    assert str(err)
    assert_no_secret(err)
    for leaked in ("s3cr", ":pw@", "bob"):
        assert leaked not in str(err)


# --- error mapping (unit level: messages exactly as the drivers word them) ---------------------
def _wrapped(orig: Exception) -> sa.exc.DBAPIError:
    return sa.exc.OperationalError("SELECT 1", {}, orig)


PG_FAILURES = [
    (
        psycopg.OperationalError(
            'connection failed: connection to server at "10.0.0.5", port 5432 failed: '
            'FATAL:  password authentication failed for user "bob"'
        ),
        "connect",
        ErrorCode.AUTH_FAILED,
        "Authentication failed for user 'bob' on db.example:5432",
    ),
    (
        psycopg.OperationalError('... failed: FATAL:  no pg_hba.conf entry for host "10.1.1.1"'),
        "connect",
        ErrorCode.AUTH_FAILED,
        "Authentication failed",
    ),
    (
        psycopg.OperationalError('... failed: FATAL:  database "foo" does not exist'),
        "connect",
        ErrorCode.DATABASE_MISSING,
        "Database 'foo' does not exist",
    ),
    (
        psycopg.OperationalError(
            'connection failed: connection to server at "10.0.0.5", port 5432 failed: '
            "Connection refused\n\tIs the server running on that host?"
        ),
        "connect",
        ErrorCode.HOST_UNREACHABLE,
        "Host db.example:5432 is unreachable (connection refused)",
    ),
    (
        psycopg.errors.ConnectionTimeout("connection timeout expired"),
        "connect",
        ErrorCode.TIMEOUT,
        "Timed out after 5s connecting to db.example:5432",
    ),
    (
        psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
        "query",
        ErrorCode.TIMEOUT,
        "statement timeout",
    ),
    (
        psycopg.errors.InsufficientPrivilege("permission denied for table t"),
        "query",
        ErrorCode.PERMISSION_DENIED,
        "Permission denied for user 'bob'",
    ),
    (
        psycopg.errors.UndefinedTable('relation "s.t" does not exist'),
        "query",
        ErrorCode.OBJECT_MISSING,
        "no longer exists",
    ),
    (
        psycopg.OperationalError('invalid connection option "bogus"'),
        "connect",
        ErrorCode.INVALID_CONFIG,
        "Invalid connection settings",
    ),
    (psycopg.OperationalError("something new"), "query", ErrorCode.DRIVER_ERROR, "something new"),
]


@pytest.mark.parametrize(("orig", "phase", "code", "words"), PG_FAILURES)
def test_postgresql_error_mapping(orig: Exception, phase: Any, code: ErrorCode, words: str) -> None:
    params = ConnectionParams("postgresql", "db.example", 5432, "foo", "bob", SECRET)
    connector = get_connector(params, connect_timeout=5)
    assert isinstance(connector, PostgreSQLConnector)
    err = connector.translate(_wrapped(orig), phase=phase)
    assert err.code == code and words in str(err), str(err)


MYSQL_FAILURES = [
    (
        1045,
        "connect",
        "AUTH_FAILED",
        "Access denied for user 'bob'@'10.0.0.9' (using password: YES)",
    ),
    (1044, "connect", "PERMISSION_DENIED", "Access denied for user 'bob'@'%' to database 'foo'"),
    (1049, "connect", "DATABASE_MISSING", "Unknown database 'foo'"),
    (1049, "query", "OBJECT_MISSING", "Unknown database 'foo'"),
    (1146, "query", "OBJECT_MISSING", "Table 'foo.t' doesn't exist"),
    (1054, "query", "OBJECT_MISSING", "Unknown column 'c' in 'SELECT'"),
    (1969, "query", "TIMEOUT", "Query execution was interrupted (max_statement_time exceeded)"),
    (
        3024,
        "query",
        "TIMEOUT",
        "Query execution was interrupted, maximum statement execution time exceeded",
    ),
    (
        2003,
        "connect",
        "HOST_UNREACHABLE",
        "Can't connect to MySQL server on 'h' ([Errno 111] Connection refused)",
    ),
    (2003, "connect", "TIMEOUT", "Can't connect to MySQL server on 'h' (timed out)"),
    (2013, "query", "TIMEOUT", "Lost connection to MySQL server during query (timed out)"),
    (1792, "query", "PERMISSION_DENIED", "Cannot execute statement in a READ ONLY transaction"),
    (1040, "connect", "DRIVER_ERROR", "Too many connections"),
]


@pytest.mark.parametrize(("errno", "phase", "code", "text"), MYSQL_FAILURES)
def test_mysql_error_mapping(errno: int, phase: Any, code: str, text: str) -> None:
    connector = get_connector(ConnectionParams("mysql", "db.example", 3306, "foo", "bob", SECRET))
    assert isinstance(connector, MySQLConnector)
    err = connector.translate(_wrapped(pymysql.err.OperationalError(errno, text)), phase=phase)
    assert err.code == ErrorCode[code], str(err)
    assert f"[error {errno}]" in err.detail


def test_driver_messages_are_scrubbed_of_the_password() -> None:
    connector = get_connector(ConnectionParams("postgresql", "h", 5432, "d", "bob", SECRET))
    assert isinstance(connector, PostgreSQLConnector)
    for form in secret_forms(SECRET):
        orig = psycopg.OperationalError(f"could not parse 'password={form} host=h': oops")
        err = connector.translate(_wrapped(orig), phase="connect")
        assert err.code == ErrorCode.DRIVER_ERROR
        assert_no_secret(err)


# --- network failures (no server needed) -------------------------------------------------------
@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_closed_port_is_host_unreachable_fast(kind: str) -> None:
    params = ConnectionParams(kind, "127.0.0.1", free_port(), "db", "bob", SECRET)
    start = time.monotonic()
    with get_connector(params, connect_timeout=3) as connector:
        err = raises(ErrorCode.HOST_UNREACHABLE, connector.test_connection)
    assert time.monotonic() - start < 2.5
    assert f"Host 127.0.0.1:{params.port} is unreachable (connection refused)" == str(err)
    assert_no_secret(err)


def test_unresolvable_host_is_host_unreachable() -> None:
    params = ConnectionParams("postgresql", "no-such-host.invalid", 5432, "db", "bob", SECRET)
    err = raises(ErrorCode.HOST_UNREACHABLE, get_connector(params).test_connection)
    assert "could not be resolved" in str(err)


@pytest.mark.parametrize(("kind", "timeout"), [("postgresql", 2), ("mysql", 1)])
def test_silent_server_times_out_at_the_connect_timeout(
    kind: str, timeout: int, silent_server: int
) -> None:
    params = ConnectionParams(kind, "127.0.0.1", silent_server, "db", "bob", SECRET)
    start = time.monotonic()
    with get_connector(params, connect_timeout=timeout, statement_timeout=30) as connector:
        err = raises(ErrorCode.TIMEOUT, connector.test_connection)
    assert time.monotonic() - start < timeout + 1.5
    assert str(err) == f"Timed out after {timeout}s connecting to 127.0.0.1:{silent_server}"
    assert_no_secret(err)


# --- SQLite ------------------------------------------------------------------------------------
SQLITE_DDL = """
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    full_name VARCHAR(100) NOT NULL DEFAULT 'anon',
    email TEXT,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    photo BLOB
);
CREATE TABLE "Order Items" (id INTEGER PRIMARY KEY, "select" TEXT NOT NULL, "pct%" REAL,
                            qty INTEGER DEFAULT 1);
CREATE TABLE codes (code TEXT PRIMARY KEY, label TEXT) WITHOUT ROWID;
CREATE VIEW "Big Customers" AS SELECT id, email FROM customers WHERE id > 10;
"""


def in_dir(path: Path) -> FileAccess:
    """File access confined to the directory holding ``path``."""
    return FileAccess(roots=(os.path.realpath(Path(path).parent),))


def write_sqlite(path: Path, script: str) -> None:
    con = sqlite3.connect(path)
    try:
        con.executescript(script)
        con.commit()
    finally:
        con.close()


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    con = sqlite3.connect(path)
    con.executescript(SQLITE_DDL)
    con.executemany(
        "INSERT INTO customers (id, full_name, email, photo) VALUES (?, ?, ?, ?)",
        [
            (i, f"Person {i}", None if i % 5 == 0 else f"p{i}@example.com", b"\xde\xad")
            for i in range(1, 31)
        ],
    )
    con.executemany(
        'INSERT INTO "Order Items" ("select", "pct%", qty) VALUES (?, ?, ?)',
        [(f"item {i}", i / 4, i) for i in range(1, 21)],
    )
    con.executemany("INSERT INTO codes VALUES (?, ?)", [("a", "A"), ("b", "B"), ("c", "C")])
    con.commit()
    con.close()
    return path


@pytest.fixture
def lite(sqlite_path: Path) -> Iterator[Connector]:
    with get_connector(
        ConnectionParams("sqlite", database=str(sqlite_path)), file_access=in_dir(sqlite_path)
    ) as connector:
        yield connector


def test_sqlite_connection_and_schemas(lite: Connector) -> None:
    result = lite.test_connection()
    assert isinstance(result, ConnectionTestResult)
    assert result.ok and result.server_version.startswith("SQLite 3.") and result.latency_ms > 0
    assert lite.list_schemas() == ["main"]


def test_sqlite_discovers_tables_views_columns_and_estimates(lite: Connector) -> None:
    tables = by_name(list(lite.discover()))
    assert sorted(tables) == ["Big Customers", "Order Items", "codes", "customers"]
    customers = tables["customers"]
    assert (customers.schema, customers.kind, customers.comment) == ("main", "table", None)
    assert customers.row_estimate == 30
    assert customers.columns == [
        ColumnInfo("id", "INTEGER", True, 1, None, None),
        ColumnInfo("full_name", "VARCHAR(100)", False, 2, "'anon'", None),
        ColumnInfo("email", "TEXT", True, 3, None, None),
        ColumnInfo("created_at", "TIMESTAMP", True, 4, "CURRENT_TIMESTAMP", None),
        ColumnInfo("photo", "BLOB", True, 5, None, None),
    ]
    items = tables["Order Items"]
    assert [c.name for c in items.columns] == ["id", "select", "pct%", "qty"]
    assert items.row_estimate == 20 and columns_of(items)["qty"].default == "1"
    assert tables["codes"].row_estimate is None  # WITHOUT ROWID, and no ANALYZE yet
    view = tables["Big Customers"]
    assert view.kind == "view" and view.row_estimate is None
    assert view.definition == "SELECT id, email FROM customers WHERE id > 10"
    assert [c.name for c in view.columns] == ["id", "email"]


def test_sqlite_row_estimate_uses_sqlite_stat1_when_present(sqlite_path: Path) -> None:
    write_sqlite(sqlite_path, "ANALYZE;")
    with get_connector(
        ConnectionParams("sqlite", database=str(sqlite_path)), file_access=in_dir(sqlite_path)
    ) as connector:
        tables = by_name(list(connector.discover()))
    assert tables["codes"].row_estimate == 3
    assert "sqlite_stat1" not in tables


def test_sqlite_include_filters_before_table_work(lite: Connector) -> None:
    seen: list[tuple[str, str]] = []

    def include(schema: str, table: str) -> bool:
        seen.append((schema, table))
        return table in {"customers", "Big Customers"}

    found = list(lite.discover(["main", "no_such_schema"], include=include))
    assert [t.name for t in found] == ["customers", "Big Customers"]
    assert sorted(seen) == sorted(
        ("main", n) for n in ("customers", "Order Items", "codes", "Big Customers")
    )


def test_sqlite_sample_quotes_identifiers_and_returns_text(lite: Connector) -> None:
    values = lite.sample("main", "Order Items", ["select", "pct%", "qty", "select"], 5)
    assert list(values) == ["select", "pct%", "qty"]
    assert values["select"] == [f"item {i}" for i in range(1, 6)]
    assert values["pct%"][:2] == ["0.25", "0.5"] and values["qty"][0] == "1"
    people = lite.sample("main", "customers", ["id", "email", "photo"], 100)
    assert len(people["id"]) == 30 and people["id"][0] == "1"
    assert people["email"].count(None) == 6 and people["photo"][0] == "dead"
    assert all(isinstance(v, str) for v in people["id"])
    assert lite.sample("main", "customers", ["id"], 3, method="random") == {"id": ["1", "2", "3"]}
    assert lite.sample("main", "Big Customers", ["id"], 2)["id"] == ["11", "12"]
    assert lite.sample("main", "customers", ["id"], 0) == {"id": []}
    assert lite.sample("main", "customers", [], 5) == {}


def test_sqlite_sample_rejects_bad_arguments(lite: Connector) -> None:
    raises(ErrorCode.INVALID_CONFIG, lambda: lite.sample("main", "customers", ["id"], 5, "all"))
    raises(ErrorCode.INVALID_CONFIG, lambda: lite.sample("main", "customers", ["id"], -1))


def test_sqlite_connection_is_read_only(lite: Connector, sqlite_path: Path) -> None:
    assert isinstance(lite, SQLiteConnector)
    for statement in (
        "INSERT INTO customers (id, full_name) VALUES (99, 'x')",
        "CREATE TABLE intruder (id INTEGER)",
        "DELETE FROM customers",
    ):
        with pytest.raises(ConnectorError) as info, lite.connection() as conn:
            conn.execute(sa.text(statement))
        assert info.value.code == ErrorCode.PERMISSION_DENIED, info.value
    con = sqlite3.connect(sqlite_path)
    assert con.execute("SELECT count(*) FROM customers").fetchone() == (30,)
    con.close()


def test_sqlite_missing_file_is_database_missing_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "gone.db"
    connector = get_connector(
        ConnectionParams("sqlite", database=str(missing)), file_access=in_dir(missing)
    )
    err = raises(ErrorCode.DATABASE_MISSING, connector.test_connection)
    assert str(err) == f"Database file '{missing}' does not exist."
    raises(ErrorCode.DATABASE_MISSING, lambda: list(connector.discover()))
    assert not missing.exists()
    directory = get_connector(
        ConnectionParams("sqlite", database=str(tmp_path)), file_access=in_dir(tmp_path)
    )
    raises(ErrorCode.INVALID_CONFIG, directory.test_connection)
    (tmp_path / "junk.db").write_bytes(b"not a database" * 100)
    junk = get_connector(
        ConnectionParams("sqlite", database=str(tmp_path / "junk.db")),
        file_access=in_dir(tmp_path / "junk.db"),
    )
    raises(ErrorCode.INVALID_CONFIG, lambda: list(junk.discover()))


def test_sqlite_table_dropped_between_discover_and_sample(
    lite: Connector, sqlite_path: Path
) -> None:
    assert "codes" in by_name(list(lite.discover()))
    write_sqlite(sqlite_path, "DROP TABLE codes; ALTER TABLE customers DROP COLUMN photo;")
    err = raises(ErrorCode.OBJECT_MISSING, lambda: lite.sample("main", "codes", ["code"], 5))
    assert "Table 'main.codes' no longer exists" in str(err)
    raises(ErrorCode.OBJECT_MISSING, lambda: lite.sample("main", "customers", ["photo"], 5))
    raises(ErrorCode.OBJECT_MISSING, lambda: lite.sample("gone", "customers", ["id"], 5))


def test_sqlite_statement_timeout(sqlite_path: Path) -> None:
    write_sqlite(
        sqlite_path,
        "CREATE VIEW endless AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) "
        "SELECT max(x) AS x FROM n;",
    )
    params = ConnectionParams("sqlite", database=str(sqlite_path))
    start = time.monotonic()
    with get_connector(params, statement_timeout=1, file_access=in_dir(sqlite_path)) as connector:
        err = raises(ErrorCode.TIMEOUT, lambda: connector.sample("main", "endless", ["x"], 1))
        assert connector.sample("main", "customers", ["id"], 1) == {"id": ["1"]}  # still usable
    assert time.monotonic() - start < 3
    assert "1s statement timeout" in str(err)


def test_context_manager_disposes_the_engine(sqlite_path: Path) -> None:
    connector = get_connector(
        ConnectionParams("sqlite", database=str(sqlite_path)), file_access=in_dir(sqlite_path)
    )
    assert isinstance(connector, SQLiteConnector)
    with connector as same:
        assert same is connector
        same.test_connection()
        assert connector._engine is not None
    assert connector._engine is None
    assert connector.list_schemas() == ["main"]  # usable again after close
    connector.close()


def test_sqlite_view_select_strips_the_create_statement() -> None:
    assert view_select('CREATE VIEW "a AS b" (x, y) AS SELECT 1, 2') == "SELECT 1, 2"
    assert view_select("create temp view if not exists main.v as\n select 1") == "select 1"
    assert view_select("SELECT 1") == "SELECT 1"


# --- PostgreSQL --------------------------------------------------------------------------------
PG_DDL = r"""
CREATE SCHEMA sales;
CREATE SCHEMA "Odd Schema";
CREATE TABLE sales.customers (
    id serial PRIMARY KEY,
    name varchar(100) NOT NULL DEFAULT 'anon',
    email text,
    created_at timestamptz DEFAULT now(),
    photo bytea
);
COMMENT ON TABLE sales.customers IS 'People who buy';
COMMENT ON COLUMN sales.customers.email IS 'Contact e-mail';
CREATE TABLE sales."Order Items" (
    id int PRIMARY KEY, "select" text NOT NULL, "pct%" numeric(5, 2), qty int DEFAULT 1
);
CREATE VIEW sales.big_customers AS SELECT id, email FROM sales.customers WHERE id > 10;
COMMENT ON VIEW sales.big_customers IS 'Loyal ones';
CREATE MATERIALIZED VIEW sales.customer_count AS SELECT count(*) AS n FROM sales.customers;
CREATE VIEW sales.slow AS SELECT 1 AS x FROM pg_sleep(3);
CREATE TABLE "Odd Schema".events AS
    SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, 50000) g;
CREATE TABLE public.scratch (id int, note text);
INSERT INTO sales.customers (name, email, photo)
    SELECT 'Person ' || g, CASE WHEN g % 5 = 0 THEN NULL ELSE 'p' || g || '@example.com' END,
           '\xdeadbeef'::bytea
    FROM generate_series(1, 30) g;
INSERT INTO sales."Order Items" SELECT g, 'item ' || g, g / 4.0, g FROM generate_series(1, 20) g;
INSERT INTO public.scratch VALUES (1, 'one');
ANALYZE;
"""


@dataclass
class Target:
    """A throwaway target database and a way to run admin SQL on it."""

    params: ConnectionParams
    admin: Callable[[str], Any]
    cleanup: list[str] = field(default_factory=list)

    def connector(self, **kwargs: Any) -> Connector:
        return get_connector(self.params, **kwargs)


@pytest.fixture(scope="module")
def pg() -> Iterator[Target]:
    admin_params = parse_url(
        service_url("PURSIGHT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    name = f"pursight_conn_{secrets.token_hex(4)}"

    def connect(database: str) -> psycopg.Connection:
        return psycopg.connect(
            host=admin_params.host,
            port=admin_params.port,
            user=admin_params.username,
            password=admin_params.password or None,
            dbname=database,
            autocommit=True,
        )

    with connect(admin_params.database) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    target = Target(replace(admin_params, database=name), admin=lambda sql: None)
    try:
        with connect(name) as conn:
            conn.execute(PG_DDL)
            target.admin = lambda sql: conn.execute(sql)
            yield target
    finally:
        with connect(admin_params.database) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for role in target.cleanup:
                conn.execute(f'DROP ROLE IF EXISTS "{role}"')


pg_only = pytest.mark.postgres_target


@pg_only
def test_pg_connection_and_schemas(pg: Target) -> None:
    with pg.connector() as connector:
        result = connector.test_connection()
        assert result.ok and result.server_version[0].isdigit() and result.latency_ms > 0
        assert connector.list_schemas() == ["Odd Schema", "public", "sales"]


@pg_only
def test_pg_discovers_tables_views_columns_comments_and_estimates(pg: Target) -> None:
    with pg.connector() as connector:
        found = list(connector.discover())
    assert {(t.schema, t.name, t.kind) for t in found} == {
        ("Odd Schema", "events", "table"),
        ("public", "scratch", "table"),
        ("sales", "customers", "table"),
        ("sales", "Order Items", "table"),
        ("sales", "big_customers", "view"),
        ("sales", "customer_count", "view"),  # materialized
        ("sales", "slow", "view"),
    }
    tables = by_name(found)
    customers = tables["customers"]
    assert customers.comment == "People who buy" and customers.row_estimate == 30
    assert customers.columns == [
        ColumnInfo("id", "INTEGER", False, 1, "nextval('sales.customers_id_seq'::regclass)", None),
        ColumnInfo("name", "VARCHAR(100)", False, 2, "'anon'::character varying", None),
        ColumnInfo("email", "TEXT", True, 3, None, "Contact e-mail"),
        ColumnInfo("created_at", "TIMESTAMP WITH TIME ZONE", True, 4, "now()", None),
        ColumnInfo("photo", "BYTEA", True, 5, None, None),
    ]
    items = columns_of(tables["Order Items"])
    assert items["select"].nullable is False and items["select"].ordinal == 2
    assert items["pct%"].data_type == "NUMERIC(5, 2)" and items["qty"].default == "1"
    assert tables["events"].row_estimate == pytest.approx(50000, rel=0.1)
    view = tables["big_customers"]
    assert view.comment == "Loyal ones" and view.row_estimate is None
    assert "id > 10" in (view.definition or "") and [c.name for c in view.columns] == [
        "id",
        "email",
    ]
    assert "count(*)" in (tables["customer_count"].definition or "")


@pg_only
def test_pg_discover_batches_reflection_per_schema(pg: Target) -> None:
    statements: list[str] = []
    with pg.connector() as connector:
        assert isinstance(connector, PostgreSQLConnector)
        sa.event.listen(
            connector.engine, "before_cursor_execute", lambda *a: statements.append(a[2])
        )
        found = list(connector.discover(["sales", "no_such_schema"]))
    assert len(found) == 5
    # Per schema: one column query and one comment query for the tables, the same for the
    # views, one for the row estimates and one for the view definitions: never per table.
    assert sum("pg_attribute.attname" in s for s in statements) == 2
    table_comments = "SELECT pg_catalog.pg_class.relname, pg_catalog.pg_description.description"
    assert sum(s.startswith(table_comments) for s in statements) == 2
    assert sum("reltuples" in s for s in statements) == 1
    assert sum("pg_get_viewdef" in s for s in statements) == 1
    assert len(statements) <= 12


@pg_only
def test_pg_include_filters_before_table_work(pg: Target) -> None:
    with pg.connector() as connector:
        found = list(connector.discover(include=lambda schema, table: table == "Order Items"))
    assert [(t.schema, t.name) for t in found] == [("sales", "Order Items")]


@pg_only
def test_pg_sample_quotes_identifiers_and_returns_text(pg: Target) -> None:
    with pg.connector() as connector:
        items = connector.sample("sales", "Order Items", ["id", "select", "pct%"], 3)
        people = connector.sample("sales", "customers", ["email", "photo", "created_at"], 50)
        view = connector.sample("sales", "big_customers", ["id"], 2)
    assert items == {
        "id": ["1", "2", "3"],
        "select": ["item 1", "item 2", "item 3"],
        "pct%": ["0.25", "0.50", "0.75"],
    }
    assert len(people["email"]) == 30 and people["email"].count(None) == 6
    assert set(people["photo"]) == {"deadbeef"}
    assert all(isinstance(v, str) for v in people["created_at"])
    assert len(view["id"]) == 2


@pg_only
def test_pg_random_sample_uses_tablesample_only_on_big_tables(pg: Target) -> None:
    statements: list[str] = []
    with pg.connector() as connector:
        sa.event.listen(
            connector.engine, "before_cursor_execute", lambda *a: statements.append(a[2])
        )
        big = connector.sample("Odd Schema", "events", ["id", "payload"], 10, method="random")
        big_sql = statements[-1]
        small = connector.sample("sales", "customers", ["id"], 5, method="random")
        small_sql = statements[-1]
    assert 0 < len(big["id"]) <= 10 and all(v.isdigit() for v in big["id"])
    assert 'FROM "Odd Schema"."events" AS sampled TABLESAMPLE system(' in big_sql
    assert "LIMIT" in big_sql
    assert len(small["id"]) == 5 and "TABLESAMPLE" not in small_sql and "LIMIT" in small_sql


@pg_only
def test_pg_session_is_read_only_and_bounded(pg: Target) -> None:
    with pg.connector(statement_timeout=7) as connector:
        assert isinstance(connector, PostgreSQLConnector)
        with connector.connection() as conn:
            assert conn.execute(sa.text("SHOW default_transaction_read_only")).scalar() == "on"
            assert conn.execute(sa.text("SHOW statement_timeout")).scalar() == "7s"
        for statement in (
            "CREATE TABLE public.intruder (id int)",
            "INSERT INTO public.scratch VALUES (2, 'two')",
        ):
            with pytest.raises(ConnectorError) as info, connector.connection() as conn:
                conn.execute(sa.text(statement))
            assert info.value.code == ErrorCode.PERMISSION_DENIED
            assert "read-only transaction" in str(info.value)
    assert pg.admin("SELECT count(*) FROM public.scratch").fetchone() == (1,)
    assert pg.admin("SELECT to_regclass('public.intruder')").fetchone() == (None,)


@pg_only
def test_pg_statement_timeout(pg: Target) -> None:
    start = time.monotonic()
    with pg.connector(statement_timeout=1) as connector:
        err = raises(ErrorCode.TIMEOUT, lambda: connector.sample("sales", "slow", ["x"], 1))
    assert time.monotonic() - start < 2.5
    assert "Query on table 'sales.slow' was stopped by the 1s statement timeout" in str(err)


@pg_only
def test_pg_objects_vanishing_between_discover_and_sample(pg: Target) -> None:
    pg.admin("CREATE TABLE public.doomed (a int, b int)")
    pg.admin("CREATE TABLE public.shrinking (a int, b int)")
    with pg.connector() as connector:
        names = {t.name for t in connector.discover(["public"])}
        assert {"doomed", "shrinking"} <= names
        pg.admin("DROP TABLE public.doomed")
        pg.admin("ALTER TABLE public.shrinking DROP COLUMN b")
        for method in ("top", "random"):
            err = raises(
                ErrorCode.OBJECT_MISSING,
                lambda m=method: connector.sample("public", "doomed", ["a"], 5, method=m),
            )
            assert "Table 'public.doomed' no longer exists" in str(err)
        raises(ErrorCode.OBJECT_MISSING, lambda: connector.sample("public", "shrinking", ["b"], 5))
        assert connector.sample("public", "shrinking", ["a"], 5) == {"a": []}
    pg.admin("DROP TABLE public.shrinking")


@pg_only
def test_pg_missing_database(pg: Target) -> None:
    params = replace(pg.params, database="pursight_no_such_db")
    err = raises(ErrorCode.DATABASE_MISSING, get_connector(params).test_connection)
    assert str(err) == f"Database 'pursight_no_such_db' does not exist on {params.where}"


@pg_only
def test_pg_authentication_failures(pg: Target) -> None:
    ghost = replace(pg.params, username=f"pursight_ghost_{secrets.token_hex(3)}", password=SECRET)
    err = raises(ErrorCode.AUTH_FAILED, get_connector(ghost).test_connection)
    assert f"Authentication failed for user '{ghost.username}' on {ghost.where}" in str(err)
    assert_no_secret(err)

    role = f"pursight_nologin_{secrets.token_hex(3)}"
    pg.cleanup.append(role)
    pg.admin(f"CREATE ROLE \"{role}\" NOLOGIN PASSWORD 'right-{secrets.token_hex(4)}'")
    err = raises(
        ErrorCode.AUTH_FAILED,
        get_connector(replace(pg.params, username=role, password=SECRET)).test_connection,
    )
    assert "is not permitted to log in" in str(err)
    assert_no_secret(err)


@pg_only
def test_pg_permission_denied(pg: Target) -> None:
    role = f"pursight_nogrant_{secrets.token_hex(3)}"
    pg.cleanup.append(role)
    pg.admin(f'CREATE ROLE "{role}" LOGIN')
    with get_connector(replace(pg.params, username=role, password=SECRET)) as connector:
        assert connector.test_connection().ok
        err = raises(
            ErrorCode.PERMISSION_DENIED,
            lambda: connector.sample("public", "scratch", ["id"], 1),
        )
    assert f"Permission denied for user '{role}' on table 'public.scratch'" in str(err)
    assert_no_secret(err)


# --- MariaDB / MySQL ---------------------------------------------------------------------------
MYSQL_DDL = [
    "CREATE TABLE customers (id INT PRIMARY KEY AUTO_INCREMENT, "
    "name VARCHAR(100) NOT NULL DEFAULT 'anon' COMMENT 'Full name', "
    "email VARCHAR(200) COMMENT 'Contact e-mail', "
    "created_at TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP, photo BLOB) COMMENT='People who buy'",
    "CREATE TABLE `Order Items` (id INT PRIMARY KEY, `select` VARCHAR(50) NOT NULL, "
    "`pct%` DECIMAL(5,2), qty INT DEFAULT 1) COMMENT='Lines of orders'",
    "CREATE TABLE scratch (id INT, note VARCHAR(20))",
    "CREATE VIEW big_customers AS SELECT id, email FROM customers WHERE id > 10",
    "CREATE VIEW slow AS SELECT SLEEP(3) AS x",
    "INSERT INTO scratch VALUES (1, 'one')",
]
MYSQL_ROWS = [
    (
        "INSERT INTO customers (name, email, photo) VALUES (%s, %s, %s)",
        [
            (f"Person {i}", None if i % 5 == 0 else f"p{i}@example.com", b"\xde\xad\xbe\xef")
            for i in range(1, 31)
        ],
    ),
    (
        "INSERT INTO `Order Items` VALUES (%s, %s, %s, %s)",
        [(i, f"item {i}", i / 4, i) for i in range(1, 21)],
    ),
]


@pytest.fixture(scope="module")
def my() -> Iterator[Target]:
    admin_params = parse_url(
        service_url("PURSIGHT_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
    )
    name = f"pursight_conn_{secrets.token_hex(4)}"
    conn = pymysql.connect(
        host=admin_params.host,
        port=admin_params.port or 3306,
        user=admin_params.username,
        password=admin_params.password,
        autocommit=True,
    )

    def admin(sql: str, args: Any = None) -> Any:
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()

    admin(f"CREATE DATABASE `{name}`")
    target = Target(replace(admin_params, database=name), admin=admin)
    try:
        admin(f"USE `{name}`")
        for statement in MYSQL_DDL:
            admin(statement)
        with conn.cursor() as cur:
            for statement, rows in MYSQL_ROWS:
                cur.executemany(statement, rows)
        admin("ANALYZE TABLE customers, `Order Items`, scratch")
        yield target
    finally:
        admin(f"DROP DATABASE IF EXISTS `{name}`")
        for user in target.cleanup:
            admin("DROP USER IF EXISTS %s@'%%'", (user,))
        conn.close()


my_only = pytest.mark.mysql_target


@my_only
def test_mysql_connection_and_schemas(my: Target) -> None:
    with my.connector() as connector:
        result = connector.test_connection()
        assert result.ok and result.server_version[0].isdigit()
        assert connector.list_schemas() == [my.params.database]
    with get_connector(replace(my.params, database="")) as server_wide:
        schemas = server_wide.list_schemas()
    assert my.params.database in schemas
    assert not {"mysql", "information_schema", "performance_schema", "sys"} & set(schemas)


@my_only
def test_mysql_discovers_tables_views_columns_comments_and_estimates(my: Target) -> None:
    db = my.params.database
    with my.connector() as connector:
        found = list(connector.discover())
    assert {(t.schema, t.name, t.kind) for t in found} == {
        (db, "customers", "table"),
        (db, "Order Items", "table"),
        (db, "scratch", "table"),
        (db, "big_customers", "view"),
        (db, "slow", "view"),
    }
    tables = by_name(found)
    customers = tables["customers"]
    assert customers.comment == "People who buy" and customers.row_estimate == 30
    cols = columns_of(customers)
    assert [c.ordinal for c in customers.columns] == [1, 2, 3, 4, 5]
    assert cols["id"].data_type.startswith("INT") and cols["id"].nullable is False
    assert (cols["name"].data_type, cols["name"].default, cols["name"].comment) == (
        "VARCHAR(100)",
        "'anon'",
        "Full name",
    )
    assert cols["email"].nullable is True and cols["email"].comment == "Contact e-mail"
    assert "current_timestamp" in (cols["created_at"].default or "").lower()
    assert cols["photo"].data_type == "BLOB"
    items = tables["Order Items"]
    assert items.comment == "Lines of orders" and items.row_estimate == 20
    assert columns_of(items)["pct%"].data_type == "DECIMAL(5, 2)"
    view = tables["big_customers"]
    assert view.row_estimate is None and "`id` > 10" in (view.definition or "")


@my_only
def test_mysql_sample_quotes_identifiers_and_returns_text(my: Target) -> None:
    with my.connector() as connector:
        items = connector.sample(my.params.database, "Order Items", ["id", "select", "pct%"], 3)
        people = connector.sample(my.params.database, "customers", ["email", "photo"], 50)
        rand = connector.sample(my.params.database, "customers", ["id"], 4, method="random")
    assert items == {
        "id": ["1", "2", "3"],
        "select": ["item 1", "item 2", "item 3"],
        "pct%": ["0.25", "0.50", "0.75"],
    }
    assert len(people["email"]) == 30 and people["email"].count(None) == 6
    assert set(people["photo"]) == {"deadbeef"}
    assert len(rand["id"]) == 4


@my_only
def test_mysql_session_is_read_only_and_bounded(my: Target) -> None:
    with my.connector(statement_timeout=7) as connector:
        assert isinstance(connector, MySQLConnector)
        with connector.connection() as conn:
            version = conn.execute(sa.text("SELECT VERSION()")).scalar()
            if "mariadb" in version.lower():
                row = conn.execute(sa.text("SELECT @@tx_read_only, @@max_statement_time")).one()
                assert (int(row[0]), float(row[1])) == (1, 7.0)
            else:
                row = conn.execute(
                    sa.text("SELECT @@transaction_read_only, @@max_execution_time")
                ).one()
                assert (int(row[0]), int(row[1])) == (1, 7000)
        for statement in (
            "INSERT INTO scratch VALUES (2, 'two')",
            "CREATE TABLE intruder (id INT)",
            "UPDATE scratch SET note = 'changed'",
        ):
            with pytest.raises(ConnectorError) as info, connector.connection() as conn:
                conn.execute(sa.text(statement))
            assert info.value.code == ErrorCode.PERMISSION_DENIED, info.value
            assert "READ ONLY" in str(info.value)
    db = my.params.database
    assert my.admin(f"SELECT count(*), max(note) FROM `{db}`.scratch") == ((1, "one"),)


@my_only
def test_mysql_statement_timeout(my: Target) -> None:
    start = time.monotonic()
    with my.connector(statement_timeout=1) as connector:
        err = raises(
            ErrorCode.TIMEOUT, lambda: connector.sample(my.params.database, "slow", ["x"], 1)
        )
    assert time.monotonic() - start < 2.5
    assert "1s statement timeout" in str(err)


@my_only
def test_mysql_objects_vanishing_between_discover_and_sample(my: Target) -> None:
    db = my.params.database
    my.admin(f"CREATE TABLE `{db}`.doomed (a INT, b INT)")
    with my.connector() as connector:
        assert "doomed" in {t.name for t in connector.discover()}
        my.admin(f"ALTER TABLE `{db}`.doomed DROP COLUMN b")
        raises(ErrorCode.OBJECT_MISSING, lambda: connector.sample(db, "doomed", ["a", "b"], 5))
        my.admin(f"DROP TABLE `{db}`.doomed")
        err = raises(ErrorCode.OBJECT_MISSING, lambda: connector.sample(db, "doomed", ["a"], 5))
    assert f"Table '{db}.doomed' no longer exists" in str(err)


@my_only
def test_mysql_missing_database(my: Target) -> None:
    params = replace(my.params, database="pursight_no_such_db")
    err = raises(ErrorCode.DATABASE_MISSING, get_connector(params).test_connection)
    assert str(err) == f"Database 'pursight_no_such_db' does not exist on {params.where}"


@my_only
def test_mysql_wrong_password_and_missing_grant(my: Target) -> None:
    user = f"pursight_c_{secrets.token_hex(3)}"
    right = f"Right {secrets.token_hex(4)} /@%"
    my.cleanup.append(user)
    my.admin("CREATE USER %s@'%%' IDENTIFIED BY %s", (user, right))

    wrong = replace(my.params, username=user, password=SECRET)
    err = raises(ErrorCode.AUTH_FAILED, get_connector(wrong).test_connection)
    assert str(err).startswith(f"Authentication failed for user '{user}' on {wrong.where}")
    assert_no_secret(err)
    url = f"mysql://{user}:{quote(SECRET, safe='')}@{wrong.host}:{wrong.port}/{wrong.database}"
    assert parse_url(url) == wrong
    assert_no_secret(raises(ErrorCode.AUTH_FAILED, get_connector(parse_url(url)).test_connection))

    # The right password, but no grant on the database.
    err = raises(
        ErrorCode.PERMISSION_DENIED,
        get_connector(replace(wrong, password=right)).test_connection,
    )
    assert f"Permission denied for user '{user}'" in str(err)
    assert_no_secret(err, right)
