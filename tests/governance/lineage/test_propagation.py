"""Classifications flowing downstream along lineage: what propagates, removal, the per-edge block,
cycles, bounded queries, and what a viewer reads of the reason."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.catalog.models import ColumnClassification
from governance.classifications.models import Classification
from governance.lineage import propagation
from governance.lineage.models import LineageEdge, PropagatedClassification
from pursight import events, permissions
from pursight.core.models import AuditEvent

from .test_graph_support import build_world, column, edge, make_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_collection, make_source, make_user, grant):
    return build_world(make_collection, make_source, make_user, grant)


def suggest(col: Any, code: str = "CREDIT_CARD_NUMBER") -> ColumnClassification:
    cls = Classification.objects.get(code=code)
    return ColumnClassification.objects.create(
        column=col,
        datasource_id=col.datasource_id,
        classification=cls,
        confidence=0.9,
        source="rule",
        status="suggested",
        sensitivity_label=cls.default_label,
    )


def holders(code: str = "CREDIT_CARD_NUMBER") -> dict[str, PropagatedClassification]:
    rows = PropagatedClassification.objects.filter(classification__code=code).select_related(
        "column__table"
    )
    return {f"{r.column.table.name}.{r.column.name}": r for r in rows}


def decide(row: ColumnClassification, status: str, actor: Any, capture: Any) -> None:
    """A steward's decision as the catalog announces it (``classifying._decide``): the row
    changes and ``classification.<status>`` is emitted, received after the commit. (Decisions
    go through the catalog's services, which approvals may hold: the event is the contract.)"""
    with capture(execute=True):
        row.status = status
        row.decided_by = actor
        row.save(update_fields=["status", "decided_by"])
        events.emit(f"classification.{status}", row, actor=actor, code=row.classification.code)


def accept(row: ColumnClassification, actor: Any, capture: Any) -> None:
    decide(row, "accepted", actor, capture)


def test_an_accepted_classification_flows_downstream_with_its_reason_and_label(
    w, django_capture_on_commit_callbacks
):
    row = suggest(column(w.tables["raw"], "card"))
    assert propagation.recompute_for_tables([w.tables["raw"].pk]).created == 0  # a suggestion
    assert holders() == {}
    accept(row, w.curator, django_capture_on_commit_callbacks)
    got = holders()
    assert set(got) == {"v_customers.card", "mart.card", "secret_stage.card", "report.card"}
    v = got["v_customers.card"]
    assert (
        v.reason == "propagated from sales.public.customers.card via view sales.public.v_customers"
    )
    assert got["mart.card"].reason == (
        "propagated from sales.public.customers.card (2 edges away) via dbt model model.shop.mart"
    )
    assert v.sensitivity_label_id == row.sensitivity_label_id is not None
    assert v.origin_id == row.pk and v.datasource_id == w.src_a.pk
    assert len(got["mart.card"].path) == 2 and got["mart.card"].via_id == got["mart.card"].path[-1]
    # The email column flows nowhere: it holds nothing decided.
    assert not PropagatedClassification.objects.filter(column__name="email").exists()


def test_rejecting_or_removing_the_origin_removes_what_flowed(
    w, django_capture_on_commit_callbacks
):
    row = suggest(column(w.tables["raw"], "card"))
    accept(row, w.curator, django_capture_on_commit_callbacks)
    assert len(holders()) == 4
    decide(row, "rejected", w.curator, django_capture_on_commit_callbacks)
    assert holders() == {}
    accept(row, w.curator, django_capture_on_commit_callbacks)
    assert len(holders()) == 4
    row.delete()  # a removed decision: its rows go with it
    assert holders() == {}


def test_a_manual_classification_propagates(w, django_capture_on_commit_callbacks):
    col = column(w.tables["v"], "email")
    row = suggest(col, "EMAIL_ADDRESS")
    row.source = "manual"  # what set_classification stores: accepted, source manual
    row.save()
    decide(row, "accepted", w.curator, django_capture_on_commit_callbacks)
    # v_customers.email has no downstream column edge: nothing flows; raw.email is upstream.
    assert holders("EMAIL_ADDRESS") == {}
    edge(w.tables["v"], w.tables["mart"], cols=("email", "card"), origin="dbt", ref="model.x")
    propagation.recompute_for_tables([w.tables["v"].pk, w.tables["mart"].pk])
    assert set(holders("EMAIL_ADDRESS")) == {"mart.card"}


def test_block_stops_the_flow_along_one_edge_with_a_reason_and_an_audit_record(
    w, django_capture_on_commit_callbacks
):
    accept(suggest(column(w.tables["raw"], "card")), w.curator, django_capture_on_commit_callbacks)
    e = LineageEdge.objects.get(
        upstream_column=column(w.tables["raw"], "card"), downstream_table=w.tables["v"]
    )
    with pytest.raises(ValidationError) as err:
        propagation.block_edge(actor=w.curator, edge=e, reason="  ")
    assert "reason" in err.value.message_dict
    with pytest.raises(permissions.PermissionDenied):
        propagation.block_edge(actor=w.viewer, edge=e, reason="masked")
    assert len(holders()) == 4  # nothing changed by the refusals
    propagation.block_edge(actor=w.curator, edge=e, reason="the view masks the card number")
    e.refresh_from_db()
    assert e.propagation_blocked and e.blocked_by == w.curator
    assert e.blocked_reason == "the view masks the card number"
    assert set(holders()) == {"secret_stage.card", "report.card"}
    audit = AuditEvent.objects.filter(action="lineageedge.block").get()
    assert audit.changes["reason"] == "the view masks the card number"
    with pytest.raises(ValidationError):
        propagation.block_edge(actor=w.curator, edge=e, reason="again")
    propagation.unblock_edge(actor=w.curator, edge=e, reason="unmasked")
    assert len(holders()) == 4
    assert AuditEvent.objects.filter(action="lineageedge.unblock").count() == 1


def test_a_closed_edge_carries_nothing(w, django_capture_on_commit_callbacks):
    accept(suggest(column(w.tables["raw"], "card")), w.curator, django_capture_on_commit_callbacks)
    e = LineageEdge.objects.get(
        upstream_column=column(w.tables["raw"], "card"), downstream_table=w.tables["secret"]
    )
    e.closed_at = timezone.now()
    e.save()
    propagation.on_edges_changed(
        LineageEdge, table_ids={e.upstream_table_id, e.downstream_table_id}
    )
    assert set(holders()) == {"v_customers.card", "mart.card"}
    e.closed_at = None
    e.save()
    propagation.recompute_for_tables([e.downstream_table_id])  # either end is enough
    assert len(holders()) == 4


def test_a_stewards_rejection_downstream_stops_the_flow_there(
    w, django_capture_on_commit_callbacks
):
    masked = suggest(column(w.tables["v"], "card"))
    decide(masked, "rejected", w.curator, django_capture_on_commit_callbacks)
    accept(suggest(column(w.tables["raw"], "card")), w.curator, django_capture_on_commit_callbacks)
    assert set(holders()) == {"secret_stage.card", "report.card"}


def test_cycles_terminate(make_source, make_collection):
    src = make_source(name="loop")
    a = make_table(src, "a", ["x"])
    b = make_table(src, "b", ["x"])
    c = make_table(src, "c", ["x"])
    edge(a, b, cols=("x", "x"))
    edge(b, c, cols=("x", "x"))
    edge(c, a, cols=("x", "x"))
    edge(b, b, cols=("x", "x"), origin="manual")  # a self-loop too
    row = suggest(column(a, "x"))
    row.status = "accepted"
    row.save()
    result = propagation.recompute_for_tables([a.pk])
    assert set(holders()) == {"b.x", "c.x"}  # the origin itself holds its own decision
    assert result.levels <= 4
    assert propagation.recompute_for_tables([c.pk]).created == 2  # idempotent
    assert PropagatedClassification.objects.count() == 2


def test_recompute_costs_queries_per_level_not_per_origin(make_source):
    src = make_source(name="wide")

    def chain(n_cols: int, length: int) -> list[Any]:
        tables = [
            make_table(src, f"t{length}_{i}_{n_cols}", [f"c{j}" for j in range(n_cols)])
            for i in range(length)
        ]
        for up, down in itertools.pairwise(tables):
            for j in range(n_cols):
                edge(up, down, cols=(f"c{j}", f"c{j}"))
        return tables

    def accept_all(table: Any) -> None:
        for col in table.columns.all():
            r = suggest(col)
            r.status = "accepted"
            r.save()

    small, big = chain(1, 4), chain(12, 4)
    accept_all(small[0])
    accept_all(big[0])
    counts = []
    for tables in (small, big):
        with CaptureQueriesContext(connection) as ctx:
            propagation.recompute_for_tables([tables[0].pk])
        counts.append(len(ctx.captured_queries))
    assert PropagatedClassification.objects.count() == 3 + 12 * 3
    # Twelve times the origins and edges: the same number of queries (bulk insert aside).
    assert counts[1] <= counts[0] + 2, counts
    assert counts[0] <= 20, counts


def test_a_viewer_reads_the_reason_only_when_the_origin_path_is_visible(
    w, django_capture_on_commit_callbacks
):
    accept(suggest(column(w.tables["raw"], "card")), w.curator, django_capture_on_commit_callbacks)
    ids = [column(w.tables[t], "card").pk for t in ("v", "report", "secret")]
    rows = propagation.visible_rows(w.viewer, ids)
    v, report = ids[0], ids[1]
    assert rows[v][0]["reason"].startswith("propagated from sales.public.customers.card")
    # report.card got it through the hidden secret_stage: the reason names nothing.
    assert rows[report][0]["reason"] == propagation.HIDDEN_REASON
    assert "secret" not in str(rows) and "vault" not in str(rows)
    assert ids[2] not in rows  # a hidden column's rows are not read at all


def test_label_policy_changes_reach_propagated_rows(w, django_capture_on_commit_callbacks):
    from governance.classifications.models import SensitivityLabel

    row = suggest(column(w.tables["raw"], "card"))
    accept(row, w.curator, django_capture_on_commit_callbacks)
    other = SensitivityLabel.objects.exclude(pk=row.sensitivity_label_id).first()
    ColumnClassification.objects.filter(pk=row.pk).update(sensitivity_label=other)
    assert propagation.refresh_labels(classification_ids=[row.classification_id]) == 4
    assert {r.sensitivity_label_id for r in holders().values()} == {other.pk}
