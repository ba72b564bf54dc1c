"""The demo's shop database: its view's lineage is captured by the scan that catalogues it."""

from __future__ import annotations

import pytest

from governance.lineage.models import LineageEdge
from governance.scans.demo import build_demo_database

pytestmark = pytest.mark.django_db


def test_the_demo_view_has_table_and_column_lineage(
    tmp_path, make_source, scan_source, django_capture_on_commit_callbacks
) -> None:
    path = build_demo_database(tmp_path / "demo.sqlite", customers=20)
    source = make_source(path, name="Demo shop")
    with django_capture_on_commit_callbacks(execute=True):
        scan_source(source)
    edges = {
        (
            e.upstream_table.name,
            e.upstream_column.name if e.upstream_column else None,
            e.downstream_column.name if e.downstream_column else None,
        )
        for e in LineageEdge.objects.open()
        .filter(downstream_table__name="customer_order_totals")
        .select_related("upstream_table", "upstream_column", "downstream_column")
    }
    assert edges == {
        ("customers", None, None),
        ("orders", None, None),
        ("customers", "id", "customer_id"),
        ("customers", "email", "email"),
        ("orders", "id", "orders"),
        ("orders", "total_amount", "total"),
    }
    # A view over a view: its columns come from the first view and from the table it joins.
    chained = {
        (e.upstream_table.name, e.upstream_column.name, e.downstream_column.name)
        for e in LineageEdge.objects.open()
        .filter(downstream_table__name="customer_segments", level="column")
        .select_related("upstream_table", "upstream_column", "downstream_column")
    }
    assert {
        ("customer_order_totals", "email", "email"),
        ("customers", "country", "country"),
        ("customer_order_totals", "total", "segment"),
    } <= chained
    card = LineageEdge.objects.open().get(
        downstream_table__name="order_payments", downstream_column__name="card_number"
    )
    assert (card.upstream_table.name, card.upstream_column.name) == ("payments", "card_number")
