"""record_edges / sync_edges: upsert, close what an origin no longer reports, reopen what comes
back, late reports never age or reopen, each origin and ref apart, constant queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.lineage.models import LineageEdge
from governance.lineage.services import Edge, edges_changed, record_edges, sync_edges

from .capture_support import catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def t(make_source, tmp_path):
    db = tmp_path / "x.sqlite"
    db.touch()
    source = make_source(db)
    cols = [f"c{i}" for i in range(60)]
    tables = catalogue(source, {"main.a": cols, "main.b": cols, "main.c": cols})
    ids = {k.split(".")[1]: v for k, v in tables.items()}
    columns = {(t.name, c.name): c.pk for t in tables.values() for c in t.columns.all()}
    return ids, columns


def test_upsert_close_reopen(t) -> None:
    ids, cols = t
    a, b, c = ids["a"].pk, ids["b"].pk, ids["c"].pk
    now = timezone.now()
    first = record_edges(
        "manual", "job", [Edge(a, b), Edge(a, b, cols[("a", "c1")], cols[("b", "c1")])], now
    )
    assert (first.opened, first.closed) == (2, 0)
    second = record_edges("manual", "job", [Edge(a, b), Edge(c, b)], now + timedelta(hours=1))
    assert (second.opened, second.closed, second.kept) == (1, 1, 1)
    column_edge = LineageEdge.objects.get(level="column")
    assert column_edge.closed_at == now + timedelta(hours=1)
    # Another ref of the same origin, or another origin, is untouched by this ref's sync.
    record_edges("manual", "other", [Edge(a, c)], now)
    record_edges("view", "job", [Edge(b, c)], now)
    third = record_edges(
        "manual",
        "job",
        [Edge(a, b, cols[("a", "c1")], cols[("b", "c1")])],
        now + timedelta(hours=2),
    )
    assert third.reopened == 1 and third.closed == 2
    column_edge.refresh_from_db()
    assert column_edge.closed_at is None and column_edge.last_seen == now + timedelta(hours=2)
    assert LineageEdge.objects.filter(origin_ref="other", closed_at=None).count() == 1
    assert LineageEdge.objects.filter(origin="view", closed_at=None).count() == 1


def test_a_late_report_neither_ages_nor_reopens(t) -> None:
    ids, _ = t
    a, b = ids["a"].pk, ids["b"].pk
    now = timezone.now()
    record_edges("openlineage", "job", [Edge(a, b)], now)
    record_edges("openlineage", "job", [], now + timedelta(hours=1))  # closed
    late = record_edges("openlineage", "job", [Edge(a, b)], now + timedelta(minutes=30))
    assert late.reopened == 0 and late.opened == 0
    edge = LineageEdge.objects.get()
    assert edge.closed_at == now + timedelta(hours=1) and edge.last_seen == now


def test_self_edges_are_ignored_and_half_column_edges_refused(t) -> None:
    ids, cols = t
    a = ids["a"].pk
    assert record_edges("manual", "r", [Edge(a, a)]).opened == 0
    with pytest.raises(ValueError, match="both columns"):
        record_edges("manual", "r", [Edge(a, ids["b"].pk, cols[("a", "c1")], None)])
    with pytest.raises(ValueError, match="Unknown lineage origin"):
        record_edges("somewhere", "r", [])


def test_changes_are_announced_after_commit_only_when_something_changed(
    t, django_capture_on_commit_callbacks
) -> None:
    ids, _ = t
    heard = []

    def listen(sender, **kw):
        heard.append(kw)

    edges_changed.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            record_edges("manual", "r", [Edge(ids["a"].pk, ids["b"].pk)])
        with django_capture_on_commit_callbacks(execute=True):
            record_edges("manual", "r", [Edge(ids["a"].pk, ids["b"].pk)])
    finally:
        edges_changed.disconnect(listen)
    assert len(heard) == 1
    assert heard[0]["origin"] == "manual" and heard[0]["table_ids"] == {ids["a"].pk, ids["b"].pk}


@pytest.mark.parametrize("size", [5, 60])
def test_a_batch_costs_a_constant_number_of_queries(t, size) -> None:
    ids, cols = t
    a, b, c = ids["a"].pk, ids["b"].pk, ids["c"].pk
    edges = [Edge(a, b, cols[("a", f"c{i}")], cols[("b", f"c{i}")]) for i in range(size)]
    now = timezone.now()
    with CaptureQueriesContext(connection) as q1:
        sync_edges(origin="dbt", reports={"n1": edges, "n2": [Edge(a, b)]}, seen_at=now)
    moved = [Edge(c, b, cols[("c", f"c{i}")], cols[("b", f"c{i}")]) for i in range(size)]
    later = now + timedelta(minutes=1)
    with CaptureQueriesContext(connection) as q2:
        result = sync_edges(
            origin="dbt",
            reports={"n1": moved + edges[: size // 2]},
            seen_at=later,
            scope_prefix="n",
        )
    assert result.opened == size and result.closed == size - size // 2 + 1
    # q2 opens new edges whose tables' data sources the caller did not give: one more query
    # for the whole batch (``services.sync_edges`` copies them onto the rows).
    assert len(q1) <= 6 and len(q2) <= 9, [q["sql"][:80] for q in q2]
