"""View lineage from real PostgreSQL and MariaDB/MySQL targets: each engine returns its view
definitions its own way (pg_get_viewdef, information_schema.VIEWS), parsed in its dialect."""

from __future__ import annotations

import pytest

from governance.datasources import services as datasources
from governance.lineage.models import LineageEdge
from governance.scans.choices import RunState
from pursight.testing import mysql_connect, mysql_database, postgres_database, service_url

pytestmark = pytest.mark.django_db

PG_DDL = """
CREATE SCHEMA sales;
CREATE TABLE public.customers (id bigint PRIMARY KEY, email text, "Country" text);
CREATE TABLE sales.orders (id bigint PRIMARY KEY, customer_id bigint, total numeric,
                           placed_at timestamptz);
CREATE VIEW sales.customer_revenue AS
    WITH o AS (SELECT customer_id, sum(total) AS revenue FROM sales.orders GROUP BY customer_id)
    SELECT c.id, c.email, c."Country" AS country, o.revenue,
           rank() OVER (ORDER BY o.revenue DESC) AS revenue_rank
    FROM customers c JOIN o ON o.customer_id = c.id;
CREATE VIEW public.top_customers AS SELECT * FROM sales.customer_revenue WHERE revenue_rank <= 10;
"""


def edges() -> set[tuple[str, str, str, str]]:
    return {
        (
            e.upstream_column.table.name,
            e.upstream_column.name,
            e.downstream_column.table.name,
            e.downstream_column.name,
        )
        for e in LineageEdge.objects.open()
        .filter(level="column")
        .select_related("upstream_column__table", "downstream_column__table")
    }


def test_postgresql_views(make_collection, scan_source, django_capture_on_commit_callbacks):
    with postgres_database(service_url("PURSIGHT_TEST_POSTGRES_URL")) as url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(PG_DDL)
        source = datasources.register_from_url(
            actor=None, name="pg-lineage", url=url, collection=make_collection("pgl")
        )
        with django_capture_on_commit_callbacks(execute=True):
            run = scan_source(source)
        assert run.state == RunState.SUCCEEDED, run.error
    got = edges()
    assert {
        ("customers", "id", "customer_revenue", "id"),
        ("customers", "email", "customer_revenue", "email"),
        ("customers", "Country", "customer_revenue", "country"),
        ("orders", "total", "customer_revenue", "revenue"),
        ("orders", "total", "customer_revenue", "revenue_rank"),
        ("customer_revenue", "email", "top_customers", "email"),
        ("customer_revenue", "revenue_rank", "top_customers", "revenue_rank"),
    } <= got
    assert len([g for g in got if g[2] == "top_customers"]) == 5  # SELECT * expanded


def test_mysql_views(make_collection, scan_source, django_capture_on_commit_callbacks):
    with mysql_database(service_url("PURSIGHT_TEST_MYSQL_URL")) as url:
        database = url.rsplit("/", 1)[1]
        conn = mysql_connect(url, database)
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE customers (id BIGINT PRIMARY KEY, email VARCHAR(200))")
            cur.execute(
                "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id BIGINT, "
                "total DECIMAL(10,2))"
            )
            cur.execute(
                "CREATE VIEW spend AS SELECT c.email, SUM(o.total) AS spent, COUNT(*) AS n "
                "FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.email"
            )
            cur.execute(
                "CREATE VIEW mails AS SELECT email FROM customers UNION SELECT email FROM spend"
            )
        conn.close()
        source = datasources.register_from_url(
            actor=None, name="my-lineage", url=url, collection=make_collection("myl")
        )
        with django_capture_on_commit_callbacks(execute=True):
            run = scan_source(source)
        assert run.state == RunState.SUCCEEDED, run.error
    assert edges() == {
        ("customers", "email", "spend", "email"),
        ("orders", "total", "spend", "spent"),
        ("customers", "email", "mails", "email"),
        ("spend", "email", "mails", "email"),
    }
