"""Lineage from view definitions, captured after each scan: table and column edges, closing,
reopening, per-view problems, and nothing that can fail the scan."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.catalog.models import CatalogColumn, CatalogTable
from governance.lineage import services
from governance.lineage.models import LineageEdge
from governance.scans.choices import RunState
from pursight.core.models import AuditEvent

pytestmark = pytest.mark.django_db

SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, country TEXT, created_at TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, total NUMERIC, status TEXT);
CREATE VIEW customer_totals AS
    SELECT c.id AS customer_id, c.email, SUM(o.total) AS spent
    FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.id, c.email;
CREATE VIEW big_spenders AS SELECT * FROM customer_totals WHERE spent > 1000;
"""


def build(path: Path, script: str = SHOP) -> Path:
    con = sqlite3.connect(path)
    con.executescript(script)
    con.commit()
    con.close()
    return path


def col(table: str, name: str) -> int:
    return CatalogColumn.objects.get(table__name=table, name=name).pk


def column_edges(view: str) -> set[tuple[str, str, str]]:
    return {
        (e.upstream_column.table.name, e.upstream_column.name, e.downstream_column.name)
        for e in LineageEdge.objects.open()
        .filter(level="column", downstream_table__name=view)
        .select_related("upstream_column__table", "downstream_column")
    }


def table_edges(view: str) -> set[str]:
    return set(
        LineageEdge.objects.open()
        .filter(level="table", downstream_table__name=view)
        .values_list("upstream_table__name", flat=True)
    )


@pytest.fixture
def scanned(tmp_path, make_source, scan_source, django_capture_on_commit_callbacks):
    path = build(tmp_path / "shop.sqlite")
    source = make_source(path, name="shop")
    with django_capture_on_commit_callbacks(execute=True):
        run = scan_source(source)
    assert run.state == RunState.SUCCEEDED, run.error
    return source, path


def test_a_scan_captures_table_and_column_lineage_of_its_views(scanned) -> None:
    assert table_edges("customer_totals") == {"customers", "orders"}
    assert column_edges("customer_totals") == {
        ("customers", "id", "customer_id"),
        ("customers", "email", "email"),
        ("orders", "total", "spent"),
    }
    # SELECT * over a view expands from the catalog: a chain of views.
    assert table_edges("big_spenders") == {"customer_totals"}
    assert column_edges("big_spenders") == {
        ("customer_totals", "customer_id", "customer_id"),
        ("customer_totals", "email", "email"),
        ("customer_totals", "spent", "spent"),
    }
    spent = LineageEdge.objects.get(downstream_column=col("customer_totals", "spent"))
    assert spent.origin == "view" and spent.transformation == "SUM(o.total)"
    assert spent.origin_ref == CatalogTable.objects.get(name="customer_totals").qualified_name
    copy = LineageEdge.objects.get(downstream_column=col("customer_totals", "email"))
    assert copy.transformation == ""
    assert AuditEvent.objects.filter(action="lineage.views_captured").count() == 1


def test_a_rescan_changes_nothing_then_a_dropped_view_closes_and_a_new_one_reopens(
    scanned, scan_source, django_capture_on_commit_callbacks
) -> None:
    source, path = scanned
    before = {e.pk: (e.last_seen, e.closed_at) for e in LineageEdge.objects.all()}
    with django_capture_on_commit_callbacks(execute=True):
        scan_source(source)
    assert LineageEdge.objects.count() == len(before)
    assert LineageEdge.objects.open().count() == len(before)

    con = sqlite3.connect(path)
    con.executescript(
        "DROP VIEW big_spenders;"
        "DROP VIEW customer_totals;"
        "CREATE VIEW customer_totals AS SELECT c.id AS customer_id, c.email, c.country AS spent"
        " FROM customers c;"
    )
    con.close()
    with django_capture_on_commit_callbacks(execute=True):
        scan_source(source)
    # big_spenders is gone: its edges are closed, not deleted.
    assert table_edges("big_spenders") == set()
    assert LineageEdge.objects.filter(downstream_table__name="big_spenders").count() == 4
    assert not LineageEdge.objects.filter(
        downstream_table__name="big_spenders", closed_at__isnull=True
    ).exists()
    # customer_totals no longer reads orders.
    assert table_edges("customer_totals") == {"customers"}
    assert ("customers", "country", "spent") in column_edges("customer_totals")
    assert ("orders", "total", "spent") not in column_edges("customer_totals")

    con = sqlite3.connect(path)
    con.executescript(
        "DROP VIEW customer_totals;"
        "CREATE VIEW customer_totals AS SELECT c.id AS customer_id, c.email, SUM(o.total) AS spent"
        " FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.id, c.email;"
    )
    con.close()
    with django_capture_on_commit_callbacks(execute=True):
        scan_source(source)
    total = LineageEdge.objects.get(
        upstream_column=col("orders", "total"), downstream_column=col("customer_totals", "spent")
    )
    assert total.closed_at is None  # the same row, reopened
    assert total.pk in before


def test_a_view_that_cannot_be_parsed_is_reported_and_keeps_the_scan(
    tmp_path, make_source, scan_source, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    path = build(tmp_path / "odd.sqlite")
    source = make_source(path, name="odd")
    original = services.capture_view_lineage

    def broken_definition(*, source, seen_at=None):
        CatalogTable.objects.filter(name="big_spenders").update(definition="SELEC nothing FRM")
        return original(source=source, seen_at=seen_at)

    monkeypatch.setattr(services, "capture_view_lineage", broken_definition)
    with django_capture_on_commit_callbacks(execute=True):
        run = scan_source(source)
    assert run.state == RunState.SUCCEEDED
    audit = AuditEvent.objects.get(action="lineage.views_captured")
    assert audit.changes["failed"] == 1 and audit.changes["complete"] == 1
    assert "Cannot parse" in audit.changes["problems"]["main.big_spenders"][0]
    assert table_edges("customer_totals") == {"customers", "orders"}


def test_a_failing_capture_never_fails_the_scan(
    tmp_path, make_source, scan_source, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    source = make_source(build(tmp_path / "s.sqlite"), name="s")

    def boom(**_):
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(services, "capture_view_lineage", boom)
    with django_capture_on_commit_callbacks(execute=True):
        run = scan_source(source)
    assert run.state == RunState.SUCCEEDED
    assert not LineageEdge.objects.exists()


def test_unknown_tables_and_columns_are_problems_of_the_view(
    tmp_path, make_source, scan_source
) -> None:
    source = make_source(build(tmp_path / "u.sqlite"), name="u")
    scan_source(source)  # (no capture: callbacks are not run)
    view = CatalogTable.objects.get(name="big_spenders")
    CatalogTable.objects.filter(pk=view.pk).update(
        definition="SELECT x.a AS customer_id FROM elsewhere x"
    )
    CatalogTable.objects.filter(name="customer_totals").update(
        definition="SELECT id AS customer_id, nope AS email FROM customers"
    )
    result = services.capture_view_lineage(source=source)
    assert result.views == 2 and result.partial == 2 and result.complete == 0
    assert any("elsewhere" in p for p in result.problems["main.big_spenders"])
    assert any("nope" in p for p in result.problems["main.customer_totals"])
    assert column_edges("customer_totals") == {("customers", "id", "customer_id")}


def test_capture_costs_a_constant_number_of_queries(
    tmp_path, make_source, scan_source, django_assert_max_num_queries
) -> None:
    views = "\n".join(
        f"CREATE VIEW v{i} AS SELECT c.id, c.email, o.total FROM customers c "
        f"JOIN orders o ON o.customer_id = c.id WHERE o.total > {i};"
        for i in range(30)
    )
    source = make_source(build(tmp_path / "many.sqlite", SHOP + views), name="many")
    scan_source(source)
    with django_assert_max_num_queries(14):
        result = services.capture_view_lineage(source=source)
    assert result.views == 32 and result.complete == 32
    with CaptureQueriesContext(connection) as queries:
        again = services.capture_view_lineage(source=source)
    assert not again.sync.changed
    assert len(queries) <= 12, "\n".join(q["sql"][:150] for q in queries)
