"""Scans of real PostgreSQL and MariaDB target databases that the tests create and drop."""

from __future__ import annotations

import pytest

from governance.catalog.models import CatalogColumn, CatalogTable
from governance.datasources import services as datasources
from governance.scans.choices import RunState
from governance.scans.models import SchemaChange
from pursight.testing import mysql_connect, mysql_database, postgres_database, service_url

pytestmark = pytest.mark.django_db

PG_DDL = """
CREATE SCHEMA sales;
CREATE TABLE sales."Order Items" (id serial PRIMARY KEY, "select" text NOT NULL, qty int DEFAULT 1);
COMMENT ON TABLE sales."Order Items" IS 'Lines of orders';
COMMENT ON COLUMN sales."Order Items"."select" IS 'reserved word as a name';
CREATE TABLE public.customers (id bigint PRIMARY KEY, email varchar(200), born date);
CREATE VIEW public.adults AS SELECT id, email FROM public.customers WHERE born < '2008-01-01';
INSERT INTO sales."Order Items" ("select", qty)
    SELECT 'item ' || g, g FROM generate_series(1, 250) g;
INSERT INTO public.customers
    SELECT g, 'c' || g || '@example.org', DATE '1990-01-01' + g FROM generate_series(1, 40) g;
ANALYZE;
"""


@pytest.fixture
def pg_target():
    with postgres_database(service_url("PURSIGHT_TEST_POSTGRES_URL")) as url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(PG_DDL)
        yield url


@pytest.fixture
def mysql_target():
    with mysql_database(service_url("PURSIGHT_TEST_MYSQL_URL")) as url:
        database = url.rsplit("/", 1)[1]
        conn = mysql_connect(url, database)
        with conn.cursor() as cur:
            cur.execute(
                "CREATE TABLE `Order Items` (id INT PRIMARY KEY AUTO_INCREMENT, "
                "`select` VARCHAR(50) NOT NULL COMMENT 'reserved word', qty INT DEFAULT 1) "
                "COMMENT='Lines of orders'"
            )
            cur.execute("CREATE TABLE customers (id BIGINT PRIMARY KEY, email VARCHAR(200))")
            cur.execute("CREATE VIEW mails AS SELECT email FROM customers")
            cur.executemany(
                "INSERT INTO `Order Items` (`select`, qty) VALUES (%s, %s)",
                [(f"item {i}", i) for i in range(1, 151)],
            )
            cur.executemany(
                "INSERT INTO customers VALUES (%s, %s)",
                [(i, f"c{i}@example.org") for i in range(1, 31)],
            )
        conn.close()
        yield url


def _register(make_collection, url, name):
    return datasources.register_from_url(
        actor=None, name=name, url=url, collection=make_collection(name)
    )


def test_postgresql_scan_and_rescan(pg_target, make_collection, scan_source):
    source = _register(make_collection, pg_target, "pg")
    assert datasources.test_connection(actor=None, source=source).ok
    run = scan_source(source)
    assert run.state == RunState.SUCCEEDED, run.error
    items = CatalogTable.objects.get(name="Order Items")
    assert items.comment == "Lines of orders" and items.row_estimate == 250
    select = CatalogColumn.objects.get(table=items, name="select")
    assert select.comment == "reserved word as a name" and select.nullable is False
    assert select.sample_size == 100 and select.distinct_count == 100
    qty = CatalogColumn.objects.get(table=items, name="qty")
    assert qty.default == "1" and qty.data_type == "INTEGER"
    view = CatalogTable.objects.get(name="adults")
    assert view.kind == "view" and "born" in view.definition
    assert set(CatalogTable.objects.values_list("schema__name", flat=True)) == {"public", "sales"}

    rescan = scan_source(source)
    assert rescan.state == RunState.SUCCEEDED
    assert rescan.columns_added == rescan.columns_changed == rescan.columns_removed == 0
    assert not SchemaChange.objects.filter(run=rescan).exists()


def test_postgresql_scan_is_read_only_and_type_changes_are_recorded(
    pg_target, make_collection, scan_source
):
    import psycopg

    source = _register(make_collection, pg_target, "pg2")
    scan_source(source)
    with psycopg.connect(pg_target, autocommit=True) as conn:
        conn.execute("DROP VIEW public.adults")
        conn.execute("ALTER TABLE public.customers ALTER COLUMN email TYPE text")
    run = scan_source(source)
    change = SchemaChange.objects.get(run=run, change="type_changed")
    assert change.display_name == "public.customers.email"
    assert change.details == {"from": "VARCHAR(200)", "to": "TEXT"}


def test_mysql_scan(mysql_target, make_collection, scan_source):
    source = _register(make_collection, mysql_target, "maria")
    outcome = datasources.test_connection(actor=None, source=source)
    assert outcome.ok, outcome.message
    run = scan_source(source)
    assert run.state == RunState.SUCCEEDED, run.error
    items = CatalogTable.objects.get(name="Order Items")
    assert items.comment == "Lines of orders"
    select = CatalogColumn.objects.get(table=items, name="select")
    assert select.comment == "reserved word" and select.distinct_count == 100
    assert CatalogTable.objects.get(name="mails").kind == "view"
    assert run.tables_seen == 3


def test_wrong_password_is_reported_as_authentication_failure(make_collection, scan_source):
    admin_url = service_url("PURSIGHT_TEST_MYSQL_URL")
    conn = mysql_connect(admin_url)
    with conn.cursor() as cur:
        cur.execute("DROP USER IF EXISTS 'pursight_ro'@'%'")
        cur.execute("CREATE USER 'pursight_ro'@'%' IDENTIFIED BY 'right-secret'")
    try:
        host = admin_url.split("@", 1)[1]
        source = _register(make_collection, f"mysql://pursight_ro:wrong-S3cret@{host}", "bad-pw")
        outcome = datasources.test_connection(actor=None, source=source)
        assert not outcome.ok and outcome.code == "auth_failed"
        assert "Authentication failed for user 'pursight_ro'" in outcome.message
        assert "wrong-S3cret" not in outcome.message
        run = scan_source(source)
        assert run.state == RunState.FAILED and run.error.startswith("auth_failed:")
        assert "wrong-S3cret" not in run.error
    finally:
        with conn.cursor() as cur:
            cur.execute("DROP USER IF EXISTS 'pursight_ro'@'%'")
        conn.close()


def test_unreachable_host_and_missing_database(make_collection):
    pg = service_url("PURSIGHT_TEST_POSTGRES_URL")
    closed = _register(make_collection, "postgresql://u:p@127.0.0.1:1/x", "closed-port")
    outcome = datasources.test_connection(actor=None, source=closed)
    assert not outcome.ok and outcome.code == "host_unreachable"
    missing = _register(make_collection, pg.rsplit("/", 1)[0] + "/no_such_db_xyz", "missing-db")
    outcome = datasources.test_connection(actor=None, source=missing)
    assert not outcome.ok and outcome.code == "database_missing"
    assert "no_such_db_xyz" in outcome.message
