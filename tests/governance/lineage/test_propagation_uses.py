"""Where propagated classifications are used: compliance scopes (and the evidence of their
findings) and the catalog export (with lineage edges per table)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from governance.catalog import exporting
from governance.catalog.models import CatalogColumn, ColumnClassification
from governance.classifications.models import Classification
from governance.compliance import evaluation
from governance.compliance.registry import Context, get_scope
from governance.datasources.models import DataSource
from governance.lineage import propagation

from .test_graph_support import build_world, column

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 1, 1, tzinfo=UTC)


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


def in_scope(asset_type: str, scope: dict) -> set[str]:
    norm_scope, norm_condition = evaluation.validate_spec(asset_type, scope, {"type": "has_owner"})
    compiled = evaluation.compile_rule(asset_type, norm_scope, norm_condition, NOW)
    assert not compiled.skipped
    return {a.qualified_name for a in evaluation.assets_in_scope(compiled)}


def test_classification_scopes_include_propagated_columns(w):
    t = w.tables
    expected = {
        f"{t[name].qualified_name}/card" for name in ("raw", "v", "mart", "secret", "report")
    }
    assert in_scope("column", {"classification": ["CREDIT_CARD_NUMBER"]}) == expected
    label = ColumnClassification.objects.get().sensitivity_label.name
    assert in_scope("column", {"sensitivity_label": [label]}) == expected
    assert in_scope("table", {"classification": ["CREDIT_CARD_NUMBER"]}) == {
        t[name].qualified_name for name in ("raw", "v", "mart", "secret", "report")
    }
    assert in_scope("column", {"classification": ["EMAIL_ADDRESS"]}) == set()


def test_the_scope_gives_the_propagation_as_evidence(w):
    spec = get_scope("classification")
    ctx = Context(evaluation.kind_of("column"), NOW)
    facts = spec.evidence(ctx, {"labels": ["CREDIT_CARD_NUMBER"], "include_suggested": True})
    rows = dict(
        CatalogColumn.objects.filter(name="card")
        .annotate(_p=facts["propagated"])
        .values_list("table__name", "_p")
    )
    assert rows["customers"] is None  # its own classification
    assert rows["v_customers"] == (
        "propagated from sales.public.customers.card via view sales.public.v_customers"
    )
    table_ctx = Context(evaluation.kind_of("table"), NOW)
    table_facts = get_scope("sensitivity_label").evidence(
        table_ctx, {"labels": [ColumnClassification.objects.get().sensitivity_label.name]}
    )
    from governance.catalog.models import CatalogTable

    mart = CatalogTable.objects.annotate(_p=table_facts["propagated"]).get(name="mart")
    assert mart._p.startswith("propagated from sales.public.customers.card (2 edges away)")


def test_the_export_carries_propagations_and_lineage(w):
    data = exporting.export_catalog(DataSource.objects.filter(pk=w.src_a.pk))
    tables = {t["name"]: t for s in data["sources"] for sc in s["schemas"] for t in sc["tables"]}
    v_card = next(c for c in tables["v_customers"]["columns"] if c["name"] == "card")
    [p] = v_card["propagated_classifications"]
    assert p["type"] == "CREDIT_CARD_NUMBER"
    assert p["origin"] == column(w.tables["raw"], "card").qualified_name
    assert p["reason"].startswith("propagated from sales.public.customers.card")
    raw_card = next(c for c in tables["customers"]["columns"] if c["name"] == "card")
    assert "propagated_classifications" not in raw_card
    lineage = tables["v_customers"]["lineage"]
    assert {e["origin"] for e in lineage["upstream"]} == {"view", "manual"}
    assert [e["downstream"] for e in lineage["downstream"]] == [w.tables["mart"].qualified_name]
    assert lineage["downstream"][0]["origin"] == "dbt"
