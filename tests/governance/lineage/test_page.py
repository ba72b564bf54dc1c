"""The lineage console: the graph page, impact analysis (list and CSV), the asset pages' lineage
panel, the edge admin's block / unblock form, and what each hides."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse

from governance.catalog.models import ColumnClassification
from governance.classifications.models import Classification
from governance.lineage import propagation
from governance.lineage.models import LineageEdge
from pursight.core.models import AuditEvent

from .test_graph_support import build_world, column

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_collection, make_source, make_user, grant):
    w = build_world(make_collection, make_source, make_user, grant)
    card = Classification.objects.get(code="CREDIT_CARD_NUMBER")
    col = column(w.tables["raw"], "card")
    ColumnClassification.objects.create(
        column=col,
        datasource_id=col.datasource_id,
        classification=card,
        confidence=1.0,
        source="manual",
        status="accepted",
        sensitivity_label=card.default_label,
    )
    propagation.recompute_for_tables([w.tables["raw"].pk])
    return w


def login(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def test_the_graph_page_loads_the_vendored_library_and_no_inline_script(w, client):
    login(client, w.viewer)
    url = reverse("admin:lineage_graph")
    r = client.get(url, {"asset": w.tables["raw"].qualified_name})
    assert r.status_code == 200
    html = r.content.decode()
    for path in (
        "vendor/cytoscape/cytoscape-3.35.0.min.js",
        "vendor/cytoscape/cytoscape-dagre-4.0.1.min.js",
        "lineage/graph.js",
    ):
        assert path in html
    content = html[html.index('id="lineage-page"') :]
    assert "<script>" not in content and "onclick" not in content
    assert f'data-asset="{w.tables["raw"].qualified_name}"' in html
    # Without an asset: the form only.
    assert client.get(url).status_code == 200


def test_the_graph_page_hides_hidden_assets_like_missing_ones(w, client, make_user):
    login(client, w.viewer)
    url = reverse("admin:lineage_graph")
    hidden = client.get(url, {"asset": w.tables["secret"].qualified_name})
    missing = client.get(url, {"asset": "0/nothing/here"})
    assert hidden.status_code == missing.status_code == 404
    outsider = make_user("outsider")
    login(client, outsider)
    assert client.get(url, {"asset": w.tables["raw"].qualified_name}).status_code == 403


def test_impact_list_and_csv(w, client):
    login(client, w.viewer)
    url = reverse("admin:lineage_impact")
    asset = column(w.tables["raw"], "card").qualified_name
    r = client.get(url, {"asset": asset})
    assert r.status_code == 200
    html = r.content.decode()
    assert "sales.public.v_customers.card" in html and "sales.public.mart.card" in html
    assert 'id="impact-hidden"' in html
    assert "secret_stage" not in html and "vault" not in html
    r = client.get(url, {"asset": asset, "format": "csv"})
    assert r["Content-Type"].startswith("text/csv")
    assert "attachment" in r["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode())))
    assert rows[0][:4] == ["kind", "asset", "qualified_name", "depth"]
    assert [row[1] for row in rows[1:3]] == [
        "sales.public.v_customers.card",
        "sales.public.mart.card",
    ]
    assert rows[3][:2] == ["note", "Some downstream assets are hidden from you."]
    assert "secret" not in r.content.decode()
    assert client.get(url, {"asset": w.tables["secret"].qualified_name}).status_code == 404


def test_asset_pages_show_the_lineage_panel(w, client):
    login(client, w.viewer)
    r = client.get(reverse("admin:catalog_catalogtable_page", args=[w.tables["v"].pk]))
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="lineage"' in html
    assert "upstream table and assets hidden from you" in html  # customers, + other_secret
    assert "propagated from sales.public.customers.card via view sales.public.v_customers" in html
    assert "other_secret" not in html
    r = client.get(
        reverse("admin:catalog_catalogcolumn_page", args=[column(w.tables["report"], "card").pk])
    )
    html = r.content.decode()
    assert propagation.HIDDEN_REASON in html  # it came through the hidden secret_stage
    assert "secret_stage" not in html and "sales.public.customers.card" not in html


def test_edge_admin_lists_rows_with_both_ends_visible_and_blocks_with_a_reason(w, client):
    login(client, w.viewer)
    r = client.get(reverse("admin:lineage_lineageedge_changelist"))
    assert r.status_code == 200
    shown = {e.pk for e in r.context["cl"].result_list}
    visible = set(
        LineageEdge.objects.filter(
            upstream_table__datasource=w.src_a, downstream_table__datasource=w.src_a
        ).values_list("pk", flat=True)
    )
    assert shown == visible
    e = LineageEdge.objects.get(
        upstream_column=column(w.tables["raw"], "card"), downstream_table=w.tables["v"]
    )
    block_url = reverse("admin:lineage_lineageedge_block_detail", args=[e.pk])
    unblock_url = reverse("admin:lineage_lineageedge_unblock_detail", args=[e.pk])
    page_url = reverse("admin:lineage_lineageedge_change", args=[e.pk])

    def buttons() -> set[str]:
        html = client.get(page_url).content.decode()
        return {name for name, url in (("block", block_url), ("allow", unblock_url)) if url in html}

    assert buttons() == set()  # a reader: neither
    assert client.post(block_url, {"reason": "masked"}).status_code == 403
    hidden = LineageEdge.objects.get(downstream_table=w.tables["report"])
    login(client, w.curator)
    assert (
        client.get(reverse("admin:lineage_lineageedge_block_detail", args=[hidden.pk])).status_code
        == 404
    )
    assert buttons() == {"block"}  # an open edge offers only Block
    r = client.get(block_url)
    assert r.status_code == 200 and 'id="block-form"' in r.content.decode()
    r = client.post(block_url, {"reason": ""})
    assert r.status_code == 200 and "Say why propagation stops" in r.content.decode()
    e.refresh_from_db()
    assert not e.propagation_blocked
    r = client.post(block_url, {"reason": "the view masks it"})
    assert r.status_code == 302
    e.refresh_from_db()
    assert e.propagation_blocked and e.blocked_reason == "the view masks it"
    assert AuditEvent.objects.filter(action="lineageedge.block").count() == 1
    assert buttons() == {"allow"}  # a blocked one only Allow
    r = client.post(unblock_url, {"reason": ""})
    assert r.status_code == 302
    e.refresh_from_db()
    assert not e.propagation_blocked


def test_block_through_the_api(w):
    from rest_framework.test import APIClient

    e = LineageEdge.objects.get(
        upstream_column=column(w.tables["raw"], "card"), downstream_table=w.tables["v"]
    )
    url = f"/api/v1/lineage/edges/{e.pk}/block/"
    c = APIClient()
    c.force_authenticate(w.viewer)
    assert c.post(url, {"reason": "x"}, format="json").status_code == 403
    c.force_authenticate(w.curator)
    r = c.post(url, {}, format="json")
    assert r.status_code == 400 and "reason" in r.json()
    r = c.post(url, {"reason": "masked in the view"}, format="json")
    assert r.status_code == 200 and r.json()["propagation_blocked"] is True
    assert c.post(url, {"reason": "again"}, format="json").status_code == 409
    hidden = LineageEdge.objects.get(downstream_table=w.tables["report"])
    r = c.post(f"/api/v1/lineage/edges/{hidden.pk}/block/", {"reason": "x"}, format="json")
    assert r.status_code == 404
    r = c.get("/api/v1/lineage/propagated/", {"classification": "CREDIT_CARD_NUMBER"})
    reasons = {row["column_qualified_name"]: row["reason"] for row in r.json()["results"]}
    report_card = column(w.tables["report"], "card").qualified_name
    assert reasons[report_card] == propagation.HIDDEN_REASON
    assert column(w.tables["v"], "card").qualified_name not in reasons  # blocked now
    assert column(w.tables["secret"], "card").qualified_name not in reasons  # hidden


def test_the_lineage_routes_are_in_the_openapi_schema(client, admin_user):
    client.force_login(admin_user)
    r = client.get("/api/schema/", {"format": "json"})
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/api/v1/lineage/" in paths
    params = {p["name"] for p in paths["/api/v1/lineage/"]["get"]["parameters"]}
    assert {"asset", "direction", "depth", "expand"} <= params
    assert "/api/v1/lineage/edges/{id}/block/" in paths
