"""Evaluation runs: deduplication, automatic closing, per-source runs, constant query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.catalog.models import CatalogColumn
from governance.compliance.choices import FindingStatus
from governance.compliance.models import Finding, FindingEvent, RuleResult, ScoreSnapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_sources(catalog_of):
    cats = []
    for name in ("alpha", "beta"):
        cat = catalog_of(name=name)
        table = cat.table(cat.schema("main"), "people")
        for col in ("email", "phone", "age"):
            cat.column(table, col)
        cats.append(cat)
    return cats


def test_dedup_and_auto_close_across_runs(two_sources, make_rule, evaluate):
    rule = make_rule("column", {"type": "has_description"}, {"name_pattern": "^(email|phone)$"})
    first = evaluate()
    assert (first.findings_opened, first.findings_closed, first.findings_open) == (4, 0, 4)
    assert first.assets_checked == 4 and first.rules_evaluated == 1
    assert first.score == 0.0
    f = Finding.objects.get(rule=rule, asset_name="main.people.email", datasource__name="alpha")
    assert f.first_run == first and f.status == FindingStatus.OPEN

    # Unchanged: nothing opened or closed, last seen moves, same rows.
    second = evaluate()
    assert (second.findings_opened, second.findings_closed, second.findings_open) == (0, 0, 4)
    assert Finding.objects.count() == 4
    f.refresh_from_db()
    assert f.first_run == first and f.last_run == second and f.last_seen > f.first_seen

    # Fix one column: its finding is closed with the run that saw it fixed.
    CatalogColumn.objects.filter(pk=f.asset_id).update(description="Contact address")
    third = evaluate()
    assert (third.findings_opened, third.findings_closed, third.findings_open) == (0, 1, 3)
    f.refresh_from_db()
    assert f.status == FindingStatus.RESOLVED and f.closed_by_run == third
    # Detection is on the finding (first_seen, first_run); the closing is an event.
    assert list(f.events.values_list("from_status", "to_status", "run")) == [
        ("open", "resolved", third.pk)
    ]
    assert third.score == 25.0

    # It regresses: a new finding is opened (the old one stays resolved, as history).
    CatalogColumn.objects.filter(pk=f.asset_id).update(description="")
    fourth = evaluate()
    assert fourth.findings_opened == 1
    assert Finding.objects.filter(asset_id=f.asset_id, rule=rule).count() == 2


def test_acknowledged_finding_stays_deduplicated_and_closes_when_fixed(
    two_sources, make_rule, evaluate
):
    from governance.compliance import services

    rule = make_rule("column", {"type": "has_description"}, {"name_pattern": "^email$"})
    evaluate()
    f = Finding.objects.filter(rule=rule).first()
    services.transition_finding(actor=None, finding=f, to=FindingStatus.ACKNOWLEDGED)
    assert evaluate().findings_opened == 0
    f.refresh_from_db()
    assert f.status == FindingStatus.ACKNOWLEDGED
    CatalogColumn.objects.filter(pk=f.asset_id).update(description="ok")
    evaluate()
    f.refresh_from_db()
    assert f.status == FindingStatus.RESOLVED


def test_removed_assets_and_out_of_scope_close(two_sources, make_rule, evaluate):
    from django.utils import timezone

    rule = make_rule("column", {"type": "has_description"}, {"name_pattern": "^email$"})
    evaluate()
    CatalogColumn.objects.filter(name="email", datasource__name="alpha").update(
        removed_at=timezone.now()
    )
    run = evaluate()
    assert run.findings_closed == 1
    assert Finding.objects.filter(rule=rule, status="open").get().datasource.name == "beta"


def test_per_source_run_touches_only_that_source(two_sources, make_rule, evaluate):
    rule = make_rule("column", {"type": "has_description"})
    evaluate()
    alpha, beta = (c.source for c in two_sources)
    CatalogColumn.objects.update(description="documented")
    run = evaluate(datasource=alpha)
    assert run.findings_closed == 3 and run.datasource == alpha
    assert Finding.objects.filter(rule=rule, status="open", datasource=beta).count() == 3
    results = dict(RuleResult.objects.filter(rule=rule).values_list("datasource_id", "failing"))
    assert results == {alpha.pk: 0, beta.pk: 3}
    # One snapshot per collection (each source lives in its own collection here).
    snapshots = {s.collection_id: (s.checked, s.failing) for s in ScoreSnapshot.objects.all()}
    assert snapshots == {alpha.collection_id: (3, 0), beta.collection_id: (3, 3)}


def test_query_count_is_constant_in_the_number_of_assets(catalog_of, make_rule, evaluate):
    for cond in (
        {"type": "has_owner", "inherit": True},
        {"type": "has_description", "accept_comment": True},
        {"type": "encrypted_at_rest"},
        {"type": "not_in_exposed_schema"},
        {"type": "scanned_within", "days": 7},
        {"type": "no_open_schema_drift"},
        {"type": "expression", "expr": {"and": [{"not_blank": "name"}, {"<": ["ordinal", 5]}]}},
    ):
        make_rule("column", cond)
    cat = catalog_of(name="grow")
    public = cat.schema("public")

    def grow(n: int) -> None:
        table = cat.table(public, f"t{CatalogColumn.objects.count()}")
        for i in range(n):
            cat.column(table, f"c{i}", ordinal=9)

    counts = []
    for n in (3, 40):
        grow(n)
        # First run opens findings, the second refreshes them, the third closes them.
        for step in ("open", "refresh", "close"):
            if step == "close":
                CatalogColumn.objects.update(description="d", ordinal=0)
            with CaptureQueriesContext(connection) as ctx:
                evaluate()
            counts.append(len(ctx.captured_queries))
        Finding.objects.all().delete()
        CatalogColumn.objects.update(description="", ordinal=9)
    assert counts[:3] == counts[3:], counts
    assert FindingEvent.objects.count() == 0  # cascade-deleted with findings


def test_evaluation_after_a_successful_scan(
    make_source, shop_db, scan_source, make_rule, framework, django_capture_on_commit_callbacks
):
    make_rule("table", {"type": "has_owner"})
    source = make_source(shop_db, name="shop")
    with django_capture_on_commit_callbacks(execute=True):
        scan_source(source)
    run = framework.evaluation_runs.get()
    assert run.trigger == "scan" and run.datasource == source
    assert run.findings_opened == 3  # customers, orders and the view big_orders


def test_command_prints_a_summary(two_sources, make_rule, framework, capsys):
    from django.core.management import call_command

    make_rule("column", {"type": "has_description"})
    call_command("evaluate_compliance", "--framework", framework.code, "--source", "alpha")
    out = capsys.readouterr().out
    assert "framework" in out and "opened" in out
    line = next(row for row in out.splitlines() if row.startswith("test"))
    assert line.split()[1:7] == ["1", "0", "3", "3", "0", "3"]


def test_unchanged_rerun_confirms_without_rewriting_findings(two_sources, make_rule, evaluate):
    """last_seen moves with every evaluation that still sees the violation, but an unchanged
    re-evaluation writes one confirmation per rule and source, not every finding."""
    from governance.compliance import services

    rule = make_rule("column", {"type": "has_description"}, {"name_pattern": "^email$"})
    first = evaluate()
    second = evaluate()
    # The findings themselves still hold the first run: nothing rewrote them.
    stored = Finding.stored.filter(rule=rule)
    assert {f.seen_run_id for f in stored} == {first.pk}
    rows = Finding.objects.filter(rule=rule)
    assert {f.last_run_id for f in rows} == {second.pk}
    assert all(f.last_seen > f.first_seen for f in rows)
    # Sorting and filtering on last_seen work like on a field.
    latest = rows.order_by("-last_seen").first().last_seen
    assert rows.filter(last_seen=latest).count() == 2

    # A manual transition keeps the latest confirmation as the finding's own last seen ...
    f = rows.get(datasource__name="alpha")
    seen = f.last_seen
    f = services.transition_finding(actor=None, finding=f, to=FindingStatus.IN_REMEDIATION)
    f = services.transition_finding(actor=None, finding=f, to=FindingStatus.RESOLVED)
    f = Finding.objects.get(pk=f.pk)
    assert f.last_seen == seen and f.last_run_id == second.pk
    # ... and a resolved finding is not confirmed by a later evaluation that sees it fixed.
    CatalogColumn.objects.filter(pk=f.asset_id).update(description="fixed")
    third = evaluate()
    assert third.findings_opened == 0
    f = Finding.objects.get(pk=f.pk)
    assert f.status == FindingStatus.RESOLVED and f.closed_by_run == third
    assert f.last_seen == seen and f.last_run == second
    # Reopened by hand after a run that did not see it: not confirmed by that run.
    f = services.transition_finding(actor=None, finding=f, to=FindingStatus.OPEN)
    assert Finding.objects.get(pk=f.pk).last_seen == seen


def test_closing_keeps_the_last_confirmation(two_sources, make_rule, evaluate):
    rule = make_rule("column", {"type": "has_description"}, {"name_pattern": "^email$"})
    evaluate()
    second = evaluate()
    f = Finding.objects.get(rule=rule, datasource__name="alpha")
    seen = f.last_seen
    CatalogColumn.objects.filter(pk=f.asset_id).update(description="fixed")
    third = evaluate()
    f.refresh_from_db()
    assert f.status == FindingStatus.RESOLVED and f.closed_by_run == third
    assert f.last_seen == seen and f.last_run == second
    assert Finding.stored.get(pk=f.pk).seen_at == seen


def test_evidence_dates_match_the_python_format(catalog_of, make_rule, evaluate):
    """Evidence is built in SQL on PostgreSQL: dates read as datetime.isoformat() writes them."""
    from datetime import timedelta

    from django.utils import timezone

    from governance.datasources.models import DataSource

    source = catalog_of(name="stale").source
    when = timezone.now().replace(microsecond=123456) - timedelta(days=40)
    DataSource.objects.filter(pk=source.pk).update(last_scan_at=when)
    round_ = catalog_of(name="round").source
    DataSource.objects.filter(pk=round_.pk).update(last_scan_at=when.replace(microsecond=0))
    rule = make_rule("datasource", {"type": "scanned_within", "days": 30})
    evaluate()
    facts = {
        f.asset_name: f.evidence["facts"]["last_scan_at"] for f in Finding.objects.filter(rule=rule)
    }
    assert facts == {
        "stale": when.isoformat(),
        "round": when.replace(microsecond=0).isoformat(),
    }
