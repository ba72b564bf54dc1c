"""Evaluation runs: open new findings, confirm unchanged ones, close fixed ones, set-based.

Evaluation costs a constant number of queries per rule whatever the number of assets: rules are
compiled to SQL by :mod:`governance.compliance.evaluation`; new findings and closing events are
written with ``INSERT … SELECT`` (:func:`pursight.bulk.insert_select`), fixed findings closed with
one ``UPDATE``.
"""

from __future__ import annotations

import itertools
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from governance.datasources.models import DataSource
from pursight import events
from pursight.bulk import insert_select

from .. import evaluation
from ..choices import ACTIVE_STATUSES, UNRESOLVED_STATUSES, FindingStatus, RunState, Trigger
from ..models import (
    EvaluationRun,
    Finding,
    FindingEvent,
    Framework,
    Rule,
    RuleResult,
    last_run_expression,
    last_seen_expression,
)
from .access import check_evaluate, user_of
from .scores import snapshot_scores

log = logging.getLogger(__name__)
BATCH = 2000
ANALYZE_AFTER = 5000  # findings opened or closed by a run (PostgreSQL)


@dataclass
class RuleOutcome:
    rule: str
    checked: int = 0
    failing: int = 0
    opened: int = 0  # new findings and resolved ones reopened (``reopened`` of them)
    closed: int = 0
    skipped: str = ""
    error: str = ""  # the rule failed: it was skipped, the others were evaluated
    reopened: int = 0  # resolved by hand, still violated: the same finding reopened


@dataclass
class Summary:
    framework: str
    rules: int = 0
    skipped: int = 0
    failed: int = 0
    checked: int = 0
    opened: int = 0
    reopened: int = 0
    closed: int = 0
    still_open: int = 0
    score: float | None = None
    outcomes: list[RuleOutcome] = field(default_factory=list)


def evaluate(
    *,
    actor: Any,
    framework: Framework | None = None,
    datasource: DataSource | None = None,
    trigger: str = Trigger.MANUAL,
) -> list[EvaluationRun]:
    """Evaluate one framework (or every enabled one), over every data source or one.

    A framework whose evaluation fails is recorded as a failed run; the others still run.
    """
    frameworks = [framework] if framework else list(Framework.objects.filter(enabled=True))
    for fw in frameworks:
        check_evaluate(actor, fw, datasource)
    runs = []
    for fw in frameworks:
        try:
            runs.append(
                evaluate_framework(
                    actor=actor, framework=fw, datasource=datasource, trigger=trigger
                )
            )
        except Exception as exc:
            log.exception("compliance.evaluation_failed framework=%s", fw.code)
            runs.append(
                EvaluationRun.objects.create(
                    framework=fw,
                    datasource=datasource,
                    trigger=trigger,
                    requested_by=user_of(actor),
                    state=RunState.FAILED,
                    finished_at=timezone.now(),
                    error=_error_text(exc),
                )
            )
    return runs


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def evaluate_framework(
    *,
    actor: Any,
    framework: Framework,
    datasource: DataSource | None = None,
    trigger: str = Trigger.MANUAL,
    now: datetime | None = None,
) -> EvaluationRun:
    """One evaluation run: open new findings, refresh unchanged ones, close fixed ones.

    Each rule runs in its own savepoint: a rule that fails (however it was stored) is rolled
    back and recorded with its error on the run; the other rules are evaluated as usual.
    """
    check_evaluate(actor, framework, datasource)
    now = now or timezone.now()
    with transaction.atomic():
        # Serialise evaluations of one framework (dedup relies on it).
        Framework.objects.select_for_update().filter(pk=framework.pk).first()
        run = EvaluationRun.objects.create(
            framework=framework,
            datasource=datasource,
            trigger=trigger,
            requested_by=user_of(actor),
        )
        ds_ids = [datasource.pk] if datasource else None
        summary = Summary(framework.code)
        _expire_accepted_risks(framework, run, now)
        rules = list(Rule.objects.filter(framework=framework, enabled=True).order_by("pk"))
        scopes = _materialise_shared_scopes(rules, now, ds_ids)
        for rule in rules:
            outcome = _evaluate_rule_safely(rule, run, now, ds_ids, scopes)
            summary.outcomes.append(outcome)
            if outcome.error:
                summary.failed += 1
                continue
            if outcome.skipped:
                summary.skipped += 1
                continue
            summary.rules += 1
            summary.checked += outcome.checked
            summary.opened += outcome.opened
            summary.reopened += outcome.reopened
            summary.closed += outcome.closed
        if connection.vendor == "postgresql" and summary.opened + summary.closed >= ANALYZE_AFTER:
            # Fresh statistics, or the next evaluation plans its anti-joins on a table it
            # believes empty (nested loops over every finding; autovacuum comes too late).
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {Finding._meta.db_table}, {FindingEvent._meta.db_table}")
        active = Finding.stored.filter(framework=framework, status__in=UNRESOLVED_STATUSES)
        if ds_ids:
            active = active.filter(datasource_id__in=ds_ids)
        summary.still_open = active.count()
        score = snapshot_scores(framework, now, ds_ids)
        # A run that checked no asset has no score of its own ("no data"), whatever results
        # of earlier runs remain (a rule that failed or was skipped keeps its last ones).
        summary.score = score if summary.checked else None
        _drop_scopes(scopes)
        run.state = RunState.SUCCEEDED
        run.finished_at = timezone.now()
        run.rules_evaluated = summary.rules
        run.rules_skipped = summary.skipped
        run.assets_checked = summary.checked
        run.findings_opened = summary.opened
        run.findings_closed = summary.closed
        run.findings_open = summary.still_open
        run.score = summary.score
        run.details = {"rules": [o.__dict__ for o in summary.outcomes]}
        if summary.reopened:
            run.details["reopened"] = summary.reopened
        if summary.failed:
            run.details["failed"] = summary.failed
            run.error = "; ".join(f"rule {o.rule}: {o.error}" for o in summary.outcomes if o.error)[
                :2000
            ]
        run.save()
        # One event per evaluation; the receiver summarises it per data source.
        events.emit(
            "finding.opened",
            run,
            actor=user_of(actor),
            opened=summary.opened,
            reopened=summary.reopened,
        )
    log.info(
        "compliance.evaluated framework=%s run=%s rules=%s failed=%s checked=%s opened=%s "
        "closed=%s",
        framework.code,
        run.pk,
        summary.rules,
        summary.failed,
        summary.checked,
        summary.opened,
        summary.closed,
    )
    return run


def _evaluate_rule_safely(
    rule: Rule,
    run: EvaluationRun,
    now: datetime,
    ds_ids: list[int] | None,
    scopes: dict[tuple[str, str], str],
) -> RuleOutcome:
    """:func:`_evaluate_rule` in a savepoint; a failure is returned as the outcome's error."""
    try:
        with transaction.atomic():
            return _evaluate_rule(rule, run, now, ds_ids, scopes)
    except Exception as exc:  # one bad rule never fails the run (nor the scan behind it)
        log.exception("compliance.rule_failed rule=%s run=%s", rule.pk, run.pk)
        return RuleOutcome(rule.code, error=_error_text(exc))


_scope_tables = itertools.count(1)


def _scope_key(rule: Rule) -> tuple[str, str]:
    return rule.asset_type, json.dumps(rule.scope or {}, sort_keys=True, default=str)


def _materialise_shared_scopes(
    rules: list[Rule], now: datetime, ds_ids: list[int] | None
) -> dict[tuple[str, str], str]:
    """Materialise once the assets in scope shared by several rules (PostgreSQL).

    Many rules share a scope (the same name pattern over the same asset type): its ids go to a
    temporary table, read by every rule sharing it instead of scanning (and matching) the
    catalog again per query. Returns ``{scope key: table name}``; the tables live in the run's
    transaction (dropped at its end, or with its rollback).
    """
    if connection.vendor != "postgresql":
        return {}
    groups: dict[tuple[str, str], list[Rule]] = {}
    for rule in rules:
        groups.setdefault(_scope_key(rule), []).append(rule)
    tables: dict[tuple[str, str], str] = {}
    for key, members in groups.items():
        if len(members) < 2 or not members[0].scope:
            continue
        rule = members[0]
        name = f"compliance_scope_{next(_scope_tables)}"
        try:
            with transaction.atomic():
                compiled = evaluation.compile_rule(rule.asset_type, rule.scope, rule.condition, now)
                if compiled.skipped:
                    continue
                assets = evaluation.assets_in_scope(compiled, ds_ids).order_by().values("pk")
                sql, params = assets.query.sql_with_params()
                with connection.cursor() as cursor:
                    cursor.execute(f'CREATE TEMPORARY TABLE "{name}" (id bigint PRIMARY KEY)')
                    cursor.execute(f'INSERT INTO "{name}" (id) {sql}', params)
                    cursor.execute(f'ANALYZE "{name}"')
        except Exception:  # each rule then evaluates (and reports) its scope on its own
            log.exception("compliance.scope_failed rule=%s", rule.pk)
            continue
        tables[key] = name
    return tables


def _drop_scopes(tables: dict[tuple[str, str], str]) -> None:
    if not tables:
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE " + ", ".join(f'"{t}"' for t in tables.values()))


def _evaluate_rule(
    rule: Rule,
    run: EvaluationRun,
    now: datetime,
    ds_ids: list[int] | None,
    scopes: dict[tuple[str, str], str] | None = None,
) -> RuleOutcome:
    """Evaluate one rule in a constant number of queries, whatever the number of assets.

    Everything happens in the database: one grouped query counts the assets in scope and those
    failing per source; the fixed findings are closed with ``INSERT … SELECT`` (their events)
    and one ``UPDATE``; the unchanged ones are refreshed with one ``UPDATE``; the new violations
    are inserted with one ``INSERT … SELECT … WHERE NOT EXISTS`` (evidence built in SQL) on
    PostgreSQL, or read and bulk-inserted elsewhere. No asset row is read into Python.
    """
    outcome = RuleOutcome(rule.code)
    compiled = evaluation.compile_rule(rule.asset_type, rule.scope, rule.condition, now)
    if compiled.skipped:
        outcome.skipped = compiled.skipped
        return outcome
    table = (scopes or {}).get(_scope_key(rule))
    if table:  # the scope's assets, materialised once for the run (same set)
        ids = RawSQL(f'SELECT id FROM "{table}"', [])  # noqa: S611 - our own table name
        compiled.scope_q = Q(pk__in=ids)
    assets = evaluation.assets_in_scope(compiled, ds_ids)
    failing = evaluation.failing_assets(assets, compiled).order_by()

    # 1. Counts per data source, one grouped query.
    counts = evaluation.counts_by_datasource(assets, compiled)
    outcome.checked = sum(c for c, _ in counts.values())
    outcome.failing = sum(f for _, f in counts.values())

    # 2. The rule's active findings.
    active = Finding.stored.filter(
        rule=rule, asset_type=rule.asset_type, status__in=ACTIVE_STATUSES
    )
    if ds_ids is not None:
        active = active.filter(datasource_id__in=ds_ids)

    # 3. Fixed (or out of scope, or removed): record the closing event, then close (keeping
    # the last confirmation as the finding's own last seen).
    closing = active.exclude(Exists(failing.filter(pk=OuterRef("asset_id"))))
    outcome.closed = insert_select(
        FindingEvent,
        closing,
        {
            "finding_id": F("pk"),
            "at": Value(now),
            "actor_repr": Value("evaluation"),
            "from_status": F("status"),
            "to_status": Value(FindingStatus.RESOLVED),
            "note": Value("No longer violated."),
            "run_id": Value(run.pk),
        },
    )
    if outcome.closed:
        closed_now = FindingEvent.objects.filter(
            finding_id=OuterRef("pk"), run=run, to_status=FindingStatus.RESOLVED
        )
        active.filter(Exists(closed_now)).update(
            seen_at=last_seen_expression(),
            seen_run_id=last_run_expression(),
            status=FindingStatus.RESOLVED,
            closed_at=now,
            closed_by_run=run,
            status_changed_at=now,
        )

    # 3b. Resolved by hand and not verified yet: the evaluation verifies the resolution.
    outcome.reopened = _verify_resolutions(rule, run, now, ds_ids, failing)
    outcome.opened += outcome.reopened

    # 4. Unchanged violations: the rule's result per source confirms them (their last seen),
    # one small row per source instead of an UPDATE of every finding.
    results = RuleResult.objects.filter(rule=rule)
    if ds_ids is not None:
        results = results.filter(datasource_id__in=ds_ids)
    results.delete()
    RuleResult.objects.bulk_create(
        [
            RuleResult(rule=rule, datasource_id=ds, checked=c, failing=f, evaluated_at=now, run=run)
            for ds, (c, f) in counts.items()
        ],
        batch_size=BATCH,
    )
    active.exclude(severity=rule.severity).update(severity=rule.severity)

    # 5. New violations, deduplicated against the active findings in the same statement
    # (not needed when the rule has none: on a still empty table PostgreSQL would plan the
    # anti-join as a scan of the table per failing asset, a table the INSERT itself grows).
    new = failing
    if Finding.stored.filter(rule=rule, status__in=ACTIVE_STATUSES).exists():
        new = failing.exclude(
            Exists(
                Finding.stored.filter(
                    rule=rule,
                    asset_type=rule.asset_type,
                    status__in=ACTIVE_STATUSES,
                    asset_id=OuterRef("pk"),
                )
            )
        )
    constants = {
        "rule_id": Value(rule.pk),
        "framework_id": Value(rule.framework_id),
        "asset_type": Value(rule.asset_type),
        "severity": Value(rule.severity),
        "first_seen": Value(now),
        "seen_at": Value(now),
        "first_run_id": Value(run.pk),
        "seen_run_id": Value(run.pk),
        "status_changed_at": Value(now),
    }
    if connection.vendor == "postgresql":
        new, columns = evaluation.violation_columns(new, compiled)
        outcome.opened += insert_select(Finding, new, {**columns, **constants})
        return outcome
    batch: list[Finding] = []
    for v in evaluation.violations(new, compiled):
        batch.append(
            Finding(
                rule=rule,
                framework_id=rule.framework_id,
                asset_type=rule.asset_type,
                asset_id=v.asset_id,
                qualified_name=v.qualified_name[:1200],
                asset_name=v.asset_name[:600],
                datasource_id=v.datasource_id,
                severity=rule.severity,
                evidence={"condition": compiled.description, "facts": v.evidence},
                first_seen=now,
                seen_at=now,
                first_run=run,
                seen_run=run,
                status_changed_at=now,
            )
        )
        if len(batch) >= BATCH:
            outcome.opened += len(Finding.stored.bulk_create(batch))
            batch = []
    if batch:
        outcome.opened += len(Finding.stored.bulk_create(batch))
    return outcome


def _verify_resolutions(
    rule: Rule, run: EvaluationRun, now: datetime, ds_ids: list[int] | None, failing: Any
) -> int:
    """Verify the findings of ``rule`` resolved by hand since its last evaluation.

    A resolution is a claim until an evaluation confirms it (as in Purview or OpenMetadata): a
    finding whose asset still fails is reopened (the same finding, with an event), never
    duplicated by a new one; a fixed one stays resolved, closed by this run (verified: a later
    regression is a new violation). Set-based like the rest of the run: one ``INSERT …
    SELECT`` for the events and two ``UPDATE`` statements. Returns the number reopened.
    """
    pending = Finding.stored.filter(
        rule=rule,
        asset_type=rule.asset_type,
        status=FindingStatus.RESOLVED,
        closed_by_run__isnull=True,
    )
    if ds_ids is not None:
        pending = pending.filter(datasource_id__in=ds_ids)
    # At most one finding per asset may become active again: the latest resolved one, and
    # none where the asset already has an active finding.
    newer = Finding.stored.filter(
        rule=rule,
        asset_type=rule.asset_type,
        asset_id=OuterRef("asset_id"),
        status=FindingStatus.RESOLVED,
        closed_by_run__isnull=True,
        pk__gt=OuterRef("pk"),
    )
    active = Finding.stored.filter(
        rule=rule,
        asset_type=rule.asset_type,
        asset_id=OuterRef("asset_id"),
        status__in=ACTIVE_STATUSES,
    )
    still_failing = Exists(failing.filter(pk=OuterRef("asset_id")))
    reopening = pending.filter(still_failing).exclude(Exists(newer)).exclude(Exists(active))
    reopened = insert_select(
        FindingEvent,
        reopening,
        {
            "finding_id": F("pk"),
            "at": Value(now),
            "actor_repr": Value("evaluation"),
            "from_status": F("status"),
            "to_status": Value(FindingStatus.OPEN),
            "note": Value("Resolved, but still violated: reopened by the evaluation."),
            "run_id": Value(run.pk),
        },
    )
    if reopened:
        reopened_now = FindingEvent.objects.filter(
            finding_id=OuterRef("pk"), run=run, to_status=FindingStatus.OPEN
        )
        pending.filter(Exists(reopened_now)).update(
            status=FindingStatus.OPEN,
            closed_at=None,
            seen_at=now,
            seen_run=run,
            status_changed_at=now,
        )
    # The others are fixed (or out of scope, or removed): the resolution is verified.
    pending.exclude(still_failing).update(closed_by_run=run)
    return reopened


def _expire_accepted_risks(framework: Framework, run: EvaluationRun, now: datetime) -> None:
    expired = Finding.stored.filter(
        framework=framework,
        status=FindingStatus.ACCEPTED_RISK,
        risk_expires_on__lt=timezone.localdate(now),
    )
    ids = list(expired.values_list("pk", flat=True))
    if not ids:
        return
    # The new status no longer follows the rule's earlier confirmations: keep the latest.
    expired.update(
        seen_at=last_seen_expression(),
        seen_run_id=last_run_expression(),
        status=FindingStatus.OPEN,
        status_changed_at=now,
    )
    FindingEvent.objects.bulk_create(
        [
            FindingEvent(
                finding_id=pk,
                at=now,
                actor_repr="evaluation",
                from_status=FindingStatus.ACCEPTED_RISK,
                to_status=FindingStatus.OPEN,
                note="Risk acceptance expired.",
                run=run,
            )
            for pk in ids
        ],
        batch_size=BATCH,
    )


def summarize(run: EvaluationRun) -> Summary:
    return Summary(
        framework=run.framework.code,
        rules=run.rules_evaluated,
        skipped=run.rules_skipped,
        failed=run.details.get("failed", 0),
        checked=run.assets_checked,
        opened=run.findings_opened,
        reopened=run.details.get("reopened", 0),
        closed=run.findings_closed,
        still_open=run.findings_open,
        score=run.score,
        outcomes=[RuleOutcome(**o) for o in run.details.get("rules", [])],
    )
