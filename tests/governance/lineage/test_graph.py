"""The lineage graph API and its permission filtering: hidden assets as anonymous placeholders
(no name, type or count), 404 for hidden and missing assets alike, 400 on bad input, cycles,
column expansion, impact lists and a bounded number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from governance.lineage import graph

from .test_graph_support import build_world, edge, make_table

pytestmark = pytest.mark.django_db
URL = "/api/v1/lineage/"


@pytest.fixture
def w(make_collection, make_source, make_user, grant):
    return build_world(make_collection, make_source, make_user, grant)


def client_for(user: Any) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def get(user: Any, **params: Any) -> Any:
    return client_for(user).get(URL, params)


def names(data: dict) -> set[str]:
    return {n["label"] for n in data["nodes"] if n["kind"] == "table"}


def assert_nothing_hidden_leaks(w: Any, body: str) -> None:
    for secret in (
        "secret_stage",
        "other_secret",
        "vault",
        "report",
        w.tables["secret"].qualified_name,
        w.tables["other"].qualified_name,
        f't{w.tables["secret"].pk}"',
        f't{w.tables["other"].pk}"',
    ):
        assert secret not in body, secret


def test_the_viewer_sees_visible_tables_and_anonymous_placeholders(w):
    r = get(w.viewer, asset=w.tables["raw"].qualified_name, direction="both", depth=3)
    assert r.status_code == 200, r.content
    data = r.json()
    assert names(data) == {"public.customers", "public.v_customers", "public.mart"}
    hidden = [n for n in data["nodes"] if n["hidden"]]
    # raw → secret_stage: one placeholder, no name, no type, no qualified name; traversal
    # stops there (report, behind it, is not reached).
    assert hidden == [{"id": "h1", "kind": "hidden", "hidden": True, "label": "Hidden downstream"}]
    h_edges = [e for e in data["edges"] if e["hidden"]]
    assert h_edges == [
        {
            "id": f"t{w.tables['raw'].pk}-h1",
            "source": f"t{w.tables['raw'].pk}",
            "target": "h1",
            "level": "table",
            "hidden": True,
            "origins": [],
            "blocked": False,
        }
    ]
    assert_nothing_hidden_leaks(w, r.content.decode())
    root = next(n for n in data["nodes"] if n.get("root"))
    assert root["qualified_name"] == w.tables["raw"].qualified_name and root["level"] == 0
    levels = {n["label"]: n["level"] for n in data["nodes"] if n["kind"] == "table"}
    assert levels == {"public.customers": 0, "public.v_customers": 1, "public.mart": 2}


def test_several_hidden_neighbours_are_one_placeholder_so_their_number_does_not_leak(w):
    extra = make_table(w.src_b, "more_secret", ["card"])
    edge(w.tables["raw"], extra, cols=("card", "card"), origin="openlineage", ref="job.more")
    upstream_secret = make_table(w.src_b, "feeds_view", ["id"])
    edge(upstream_secret, w.tables["v"], origin="manual")
    body = ""
    for name, label in (("raw", "Hidden downstream"), ("v", "Hidden upstream")):
        r = get(w.viewer, asset=w.tables[name].qualified_name, direction="both", depth=2)
        data = r.json()
        # raw feeds two hidden tables, v_customers is fed by two: one placeholder each.
        assert [n["label"] for n in data["nodes"] if n["hidden"]] == [label]
        assert len([e for e in data["edges"] if e["hidden"]]) == 1
        body += r.content.decode()
    assert "more_secret" not in body and "feeds_view" not in body
    # The panel counts agree with the graph: visible ones only, hidden ones as a yes/no.
    n = graph.neighbours(w.viewer, w.tables["raw"].pk)
    assert (n.upstream, n.downstream, n.hidden_upstream, n.hidden_downstream) == (0, 1, False, True)
    n = graph.neighbours(w.viewer, w.tables["v"].pk)
    assert (n.upstream, n.downstream, n.hidden_upstream) == (1, 1, True)


def test_a_platform_reader_follows_lineage_everywhere(w, make_user):
    boss = make_user("boss", superuser=True)
    data = get(boss, asset=w.tables["raw"].qualified_name, depth=3).json()
    assert {"public.secret_stage", "public.report"} <= names(data)
    assert not any(n["hidden"] for n in data["nodes"])
    up = get(boss, asset=w.tables["v"].qualified_name, direction="up", depth=1).json()
    assert names(up) == {"public.v_customers", "public.customers", "public.other_secret"}
    down = get(boss, asset=w.tables["v"].qualified_name, direction="down", depth=1).json()
    assert names(down) == {"public.v_customers", "public.mart"}


def test_hidden_and_missing_assets_answer_the_same_404(w, make_user):
    hidden = get(w.viewer, asset=w.tables["secret"].qualified_name)
    missing = get(w.viewer, asset="999/public/nothing")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    hidden_col = get(w.viewer, asset=w.tables["secret"].qualified_name + "/card")
    assert hidden_col.status_code == 404 and hidden_col.json() == missing.json()
    nobody = make_user("nobody")
    r = get(nobody, asset=w.tables["raw"].qualified_name)
    assert r.status_code == 404 and r.json() == missing.json()
    assert APIClient().get(URL, {"asset": w.tables["raw"].qualified_name}).status_code in (401, 403)


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "asset"),
        ({"direction": "sideways"}, "detail"),
        ({"depth": "0"}, "detail"),
        ({"depth": "11"}, "detail"),
        ({"depth": "three"}, "detail"),
        ({"asset": "1/main/a\x00b"}, "asset"),  # PostgreSQL cannot compare it: 400, not 500
        ({"expand": "1/main/a\x00b"}, "expand"),
    ],
)
def test_bad_parameters_answer_400_with_the_reason(w, params, field):
    if "asset" not in params and field != "asset":
        params = {"asset": w.tables["raw"].qualified_name, **params}
    r = get(w.viewer, **params)
    assert r.status_code == 400
    assert field in r.json()


def test_cycles_terminate_and_each_table_is_drawn_once(make_source, make_user):
    src = make_source(name="loop")
    a, b, c = (make_table(src, n, ["x"]) for n in "abc")
    edge(a, b, cols=("x", "x"))
    edge(b, c, cols=("x", "x"))
    edge(c, a, cols=("x", "x"))
    edge(a, a, cols=("x", "x"), origin="manual")
    boss = make_user("boss", superuser=True)
    data = get(boss, asset=a.qualified_name, depth=10).json()
    assert sorted(names(data)) == ["public.a", "public.b", "public.c"]
    assert len(data["edges"]) == 4  # a→b, b→c, c→a, a→a
    impact = graph.impact(boss, graph.Asset(a))
    assert [r.display_name for r in impact.rows] == ["loop.public.b", "loop.public.c"]


def test_expanding_a_table_adds_its_columns_and_column_edges(w):
    v = w.tables["v"]
    data = get(
        w.viewer, asset=w.tables["raw"].qualified_name, depth=2, expand=v.qualified_name
    ).json()
    cols = [n for n in data["nodes"] if n["kind"] == "column"]
    assert {c["name"] for c in cols} == {"id", "card", "email"}
    assert {c["parent"] for c in cols} == {f"t{v.pk}"}
    col_edges = [e for e in data["edges"] if e["level"] == "column"]
    # raw.card → v.card and raw.email → v.email (raw not expanded: from the table node),
    # v.card → mart.card (to the table node). Nothing towards hidden tables.
    assert len(col_edges) == 3
    # Pairs drawn column by column lose their table-level arrow; others keep it.
    table_edges = {(e["source"], e["target"]) for e in data["edges"] if e["level"] == "table"}
    raw = w.tables["raw"]
    assert (f"t{raw.pk}", f"t{v.pk}") not in table_edges
    assert (f"t{raw.pk}", "h1") in table_edges
    assert all(not e["hidden"] for e in col_edges)
    # A hidden table cannot be expanded (its name is ignored, nothing about it comes back).
    data = get(
        w.viewer, asset=w.tables["raw"].qualified_name, expand=w.tables["secret"].qualified_name
    ).json()
    assert not [n for n in data["nodes"] if n["kind"] == "column"]
    # A column as the asset: its table comes expanded.
    col = get(w.viewer, asset=w.tables["v"].qualified_name + "/card", direction="up", depth=1)
    assert col.status_code == 200
    assert any(n.get("qualified_name") == v.qualified_name + "/card" for n in col.json()["nodes"])


def test_impact_lists_visible_downstream_assets_and_says_if_some_are_hidden(w):
    raw_card = graph.resolve_asset(w.viewer, w.tables["raw"].qualified_name + "/card")
    result = graph.impact(w.viewer, raw_card)
    assert [(r.display_name, r.depth) for r in result.rows] == [
        ("sales.public.v_customers.card", 1),
        ("sales.public.mart.card", 2),
    ]
    assert result.hidden is True
    r = client_for(w.viewer).get(URL + "impact/", {"asset": raw_card.qualified_name})
    assert r.status_code == 200
    body = r.json()
    assert body["hidden"] is True and len(body["rows"]) == 2
    assert "secret" not in r.content.decode()
    table = graph.impact(w.viewer, graph.Asset(w.tables["v"]))
    assert [row.display_name for row in table.rows] == ["sales.public.mart"]
    assert table.hidden is False


def test_graph_queries_do_not_grow_with_the_graph(make_source, make_user):
    boss = make_user("boss", superuser=True)
    src = make_source(name="big")

    def fan(prefix: str, width: int) -> Any:
        root = make_table(src, f"{prefix}root", ["x"])
        for i in range(width):
            mid = make_table(src, f"{prefix}m{i}", ["x"])
            edge(root, mid)
            edge(mid, make_table(src, f"{prefix}l{i}", ["x"]))
        return root

    small, big = fan("s", 2), fan("b", 25)
    counts = []
    for root in (small, big):
        client = client_for(boss)
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(URL, {"asset": root.qualified_name, "depth": 3})
        assert r.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert len(r.json()["nodes"]) == 51
    assert counts[0] == counts[1], counts


def test_the_edge_list_shows_rows_whose_both_ends_are_visible(w):
    r = client_for(w.viewer).get("/api/v1/lineage/edges/", {"page_size": 100})
    assert r.status_code == 200
    rows = r.json()["results"]
    pairs = {(e["upstream"], e["downstream"]) for e in rows}
    assert pairs == {
        ("public.customers.card", "public.v_customers.card"),
        ("public.customers.email", "public.v_customers.email"),
        ("public.v_customers.card", "public.mart.card"),
    }
    assert "secret" not in r.content.decode()
