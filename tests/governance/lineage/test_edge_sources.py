"""Each edge's copies of its ends' data sources (``upstream_datasource``,
``downstream_datasource``): filled on every write path (the model's save, the bulk sync service,
the data migration), and used by the gate, the edge admin and the graph instead of joins through
the tables, with the "both ends visible" rule unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.catalog.models import CatalogTable
from governance.lineage import graph, services
from governance.lineage.graph_wiring import visible_edges
from governance.lineage.models import LineageEdge
from pursight import permissions

from .test_graph_support import build_world, column, edge, make_table

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:lineage_lineageedge_changelist"


@pytest.fixture
def w(make_collection, make_source, make_user, grant):
    return build_world(make_collection, make_source, make_user, grant)


def sources_of(e: LineageEdge) -> tuple[int, int]:
    e.refresh_from_db()
    return e.upstream_datasource_id, e.downstream_datasource_id


def test_save_copies_each_ends_data_source(w, django_assert_num_queries):
    t = w.tables
    crossing = edge(t["raw"], t["secret"], origin="manual", ref="by hand")
    assert sources_of(crossing) == (w.src_a.pk, w.src_b.pk)
    # Tables given by id only: their data sources are read (one query), then the insert.
    with django_assert_num_queries(2):
        e = LineageEdge.objects.create(
            upstream_table_id=t["other"].pk,
            downstream_table_id=t["mart"].pk,
            level="table",
            origin="manual",
            origin_ref="ids",
            last_seen=timezone.now(),
        )
    assert sources_of(e) == (w.src_b.pk, w.src_a.pk)
    # A save naming only other fields does not touch (nor read) them.
    with django_assert_num_queries(1):
        e.propagation_blocked = True
        e.save(update_fields=["propagation_blocked"])
    assert sources_of(e) == (w.src_b.pk, w.src_a.pk)


def test_the_sync_service_fills_them_in_bulk(w):
    t = w.tables
    up, down = column(t["other"], "id"), column(t["report"], "id")
    result = services.sync_edges(
        origin="openlineage",
        reports={
            "job.a": [
                services.Edge(t["other"].pk, t["report"].pk),
                services.Edge(t["other"].pk, t["report"].pk, up.pk, down.pk),
            ],
            "job.b": [services.Edge(t["mart"].pk, t["secret"].pk)],
        },
    )
    assert result.opened == 3
    rows = set(
        LineageEdge.objects.filter(origin_ref__in=["job.a", "job.b"]).values_list(
            "origin_ref", "level", "upstream_datasource_id", "downstream_datasource_id"
        )
    )
    assert rows == {
        ("job.a", "table", w.src_b.pk, w.src_a.pk),
        ("job.a", "column", w.src_b.pk, w.src_a.pk),
        ("job.b", "table", w.src_a.pk, w.src_b.pk),
    }


def test_sources_known_to_the_caller_save_the_lookup(w):
    t = w.tables

    def queries(edges: list[services.Edge], ref: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            services.sync_edges(origin="manual", reports={ref: edges})
        return len(ctx.captured_queries)

    unknown = queries([services.Edge(t["raw"].pk, t["report"].pk)], "one")
    known = queries(
        [
            services.Edge(
                t["mart"].pk,
                t["report"].pk,
                upstream_source=w.src_a.pk,
                downstream_source=w.src_a.pk,
            )
        ],
        "two",
    )
    assert known == unknown - 1
    # The copies are not part of an edge's identity.
    assert services.Edge(1, 2, upstream_source=3) == services.Edge(1, 2)
    assert sources_of(LineageEdge.objects.get(origin_ref="two")) == (w.src_a.pk, w.src_a.pk)


# --- the gate and the edge admin ------------------------------------------------------------


def test_the_gate_scopes_an_edge_by_its_downstream_data_source(w):
    t = w.tables
    into_hidden = LineageEdge.objects.get(downstream_table=t["secret"])
    into_visible = LineageEdge.objects.get(upstream_table=t["secret"])
    assert not permissions.can(w.viewer, "view", into_hidden)
    assert permissions.can(w.viewer, "view", into_visible)
    assert permissions.can(w.curator, "block", into_visible)
    assert not permissions.can(w.curator, "block", into_hidden)


def test_visible_edges_keeps_both_ends_visible_without_joining_the_tables(w):
    t = w.tables
    qs = visible_edges(LineageEdge.objects.all(), w.viewer)
    sql = str(qs.query)
    assert "catalog_catalogtable" not in sql
    shown = set(qs.values_list("upstream_table_id", "downstream_table_id"))
    assert shown == {(t["raw"].pk, t["v"].pk), (t["v"].pk, t["mart"].pk)}
    # Each one-sided edge is left out: upstream hidden, or downstream hidden.
    assert (t["other"].pk, t["v"].pk) not in shown
    assert (t["secret"].pk, t["report"].pk) not in shown
    assert (t["raw"].pk, t["secret"].pk) not in shown
    # The curator's block scope is the same rule with another permission.
    blockable = visible_edges(LineageEdge.objects.all(), w.curator, "block")
    assert set(blockable.values_list("pk", flat=True)) == set(qs.values_list("pk", flat=True))


def test_nobody_without_the_catalog_sees_any_edge(w, make_user):
    assert not visible_edges(LineageEdge.objects.all(), make_user("nobody")).exists()


def changelist_queries(client: Any, **params: Any) -> tuple[int, set[int]]:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(reverse(CHANGELIST), params)
    assert r.status_code == 200
    return len(ctx.captured_queries), {e.pk for e in r.context["cl"].result_list}


def test_the_changelist_costs_the_same_queries_for_3_or_40_rows(
    w, client, django_assert_num_queries
):
    client.force_login(w.viewer)
    client.get(reverse(CHANGELIST))  # session and per-user caches warm
    count, shown = changelist_queries(client)
    assert len(shown) == 3
    src = w.src_a
    root = make_table(src, "wide_root", ["x"])
    for i in range(12):
        mid = make_table(src, f"wide_{i}", ["x"])
        edge(root, mid, cols=("x", "x"))
        edge(root, mid, ref=f"t{i}")
        edge(mid, w.tables["secret"])  # into a hidden table: never listed
    edge(w.tables["other"], root)  # from a hidden table: never listed
    with django_assert_num_queries(count):
        r = client.get(reverse(CHANGELIST))
    assert len(r.context["cl"].result_list) == 27
    assert "secret_stage" not in r.content.decode()


def test_the_changelist_filters_by_data_source_without_hidden_choices(w, client, make_source):
    second = make_source(collection=w.a, name="sales_two")
    edge(w.tables["mart"], make_table(second, "copy", ["id"]), ref="copy")
    client.force_login(w.viewer)
    r = client.get(reverse(CHANGELIST))
    html = r.content.decode()
    specs = {f.field_path: f for f in r.context["cl"].filter_specs if hasattr(f, "field_path")}
    for name in ("upstream_datasource", "downstream_datasource"):
        assert {label for _, label in specs[name].lookup_choices} == {"sales", "sales_two"}
        assert f"{name}__id__exact" in html
    assert "vault" not in html  # the hidden data source is not offered
    _, shown = changelist_queries(client, downstream_datasource__id__exact=second.pk)
    assert shown == {LineageEdge.objects.get(origin_ref="copy").pk}
    _, shown = changelist_queries(client, upstream_datasource__id__exact=w.src_a.pk)
    assert len(shown) == 4
    # Filtering on the hidden source shows nothing (the rule still applies).
    _, shown = changelist_queries(client, upstream_datasource__id__exact=w.src_b.pk)
    assert shown == set()


# --- the graph -----------------------------------------------------------------------------


def viewer_sources(w: Any) -> set[int] | None:
    return graph._shown_sources(permissions.action_scope(w.viewer, CatalogTable, "view"))


def test_hidden_neighbours_fold_into_one_row_per_visible_table(w):
    """A visible table with many hidden neighbours reads one row for all of them, and the
    graph still draws one placeholder per side; visible neighbours keep their edges."""
    t = w.tables
    hub = t["raw"]
    for i in range(15):
        edge(hub, make_table(w.src_b, f"hidden_{i}", ["id"]), ref=f"h{i}")
    shown = viewer_sources(w)
    rows = graph._level([hub.pk], graph.DOWN, False, shown)
    hidden_rows = [r for r in rows if not r[4]]
    assert len(hidden_rows) == 1
    assert hidden_rows[0][:4] == (hub.pk, t["secret"].pk, "", False)  # the smallest hidden id
    assert {r[1] for r in rows if r[4]} == {t["v"].pk}
    # A reader of everything gets every edge, each marked shown.
    everything = graph._level([hub.pk], graph.DOWN, False, None)
    assert len(everything) == 17 and all(r[4] for r in everything)
    g = graph.table_graph(w.viewer, graph.Asset(hub), direction="down", depth=1)
    placeholders = [n for n in g.nodes if n["hidden"]]
    assert placeholders == [
        {"id": "h1", "kind": "hidden", "hidden": True, "label": "Hidden downstream"}
    ]
    assert {e["target"] for e in g.edges} == {f"t{t['v'].pk}", "h1"}


def test_the_upstream_side_folds_too(w):
    t = w.tables
    shown = viewer_sources(w)
    rows = graph._level([t["v"].pk], graph.UP, False, shown)
    assert sorted(rows) == [
        (t["raw"].pk, t["v"].pk, "view", False, True),
        (t["other"].pk, t["v"].pk, "", False, False),
    ]
    g = graph.table_graph(w.viewer, graph.Asset(t["v"]), direction="up", depth=2)
    assert [n["label"] for n in g.nodes if n["hidden"]] == ["Hidden upstream"]


# --- the data migration --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_fills_existing_rows_in_batches(monkeypatch, make_source):
    """Back to the nullable columns, rows without copies (more than one batch), forward again:
    every row gets its tables' data sources and the columns end NOT NULL."""
    import importlib

    from django.db.migrations.executor import MigrationExecutor

    fill = importlib.import_module("governance.lineage.migrations.0003_fill_edge_datasources")
    monkeypatch.setattr(fill, "BATCH", 2)
    one, two = make_source(name="one"), make_source(name="two")
    a, b = make_table(one, "a", ["x"]), make_table(two, "b", ["x"])
    before = [("lineage", "0002_edge_datasources")]
    latest = [("lineage", "0004_edge_datasources_not_null")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        Edge = old.get_model("lineage", "LineageEdge")
        now = timezone.now()
        for i, (up, down) in enumerate([(a, b), (b, a), (a, b), (b, a), (a, b)]):
            Edge.objects.create(
                upstream_table_id=up.pk,
                downstream_table_id=down.pk,
                level="table",
                origin="manual",
                origin_ref=f"r{i}",
                last_seen=now,
            )
        assert Edge.objects.filter(upstream_datasource__isnull=True).count() == 5
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
    rows = set(
        LineageEdge.objects.values_list(
            "upstream_table_id", "upstream_datasource_id", "downstream_datasource_id"
        )
    )
    assert rows == {(a.pk, one.pk, two.pk), (b.pk, two.pk, one.pk)}
    assert LineageEdge.objects.count() == 5
    with pytest.raises(IntegrityError), transaction.atomic():  # NOT NULL in the database
        LineageEdge.objects.filter(upstream_table=a).update(upstream_datasource=None)
