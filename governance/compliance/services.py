"""Compliance services: rules, evaluation (set-based), the finding lifecycle, reports, scores.

Every write happens here, in one transaction, with an audit record. Evaluation costs a constant
number of queries per rule whatever the number of assets (inserts of new findings are batched).
"""

from __future__ import annotations

import itertools
import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from governance.datasources.models import DataSource
from pursight import audit, permissions

from . import evaluation
from .choices import (
    ACTIVE_STATUSES,
    TRANSITIONS,
    UNRESOLVED_STATUSES,
    FindingStatus,
    ReportFormat,
    ReportState,
    RunState,
    Severity,
    Trigger,
)
from .models import (
    ComplianceReport,
    Control,
    EvaluationRun,
    Finding,
    FindingEvent,
    Framework,
    Rule,
    RuleResult,
    SchemaChangeAcknowledgement,
    ScoreSnapshot,
    last_run_expression,
    last_seen_expression,
)

log = logging.getLogger(__name__)
BATCH = 2000
ANALYZE_AFTER = 5000  # findings opened or closed by a run (PostgreSQL)
MANAGE = "manage_compliance"


# --- permissions -----------------------------------------------------------------------------
# Frameworks, controls and rules are global (registered with ``permissions.register_global``):
# changing them needs manage_compliance platform-wide. Findings and per-source evaluation runs
# belong to their data source's collection.


def _check(actor: Any, action: str, obj: Any) -> None:
    """Raise the gate's PermissionDenied unless ``actor`` (None: the system) may ``action``."""
    if actor is None or permissions.can(actor, action, obj):
        return
    if permissions.is_global(type(obj)):
        raise permissions.PermissionDenied(
            f"You may not {action} a {obj._meta.verbose_name}: frameworks, controls and rules "
            "apply to every collection and need the Compliance Officer role platform-wide."
        )
    raise permissions.PermissionDenied(f"You may not {action} this {obj._meta.verbose_name}.")


def _check_evaluate(actor: Any, framework: Framework, datasource: DataSource | None) -> None:
    """Evaluating one data source needs manage_compliance on its collection; evaluating every
    source (a run that reaches all collections) needs it platform-wide."""
    if actor is None:
        return
    run = EvaluationRun(framework=framework, datasource=datasource)
    if permissions.can(actor, permissions.ADD, run):
        return
    if datasource is None:
        raise permissions.PermissionDenied(
            "Evaluating every data source needs the Compliance Officer role platform-wide; "
            "evaluate one of your data sources instead."
        )
    raise permissions.PermissionDenied(
        f"You may not evaluate compliance of the data source {datasource.name}."
    )


def _actor_repr(actor: Any) -> str:
    if getattr(actor, "is_authenticated", False):
        return actor.get_username()[:150]
    return "system"


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- frameworks, controls, rules -------------------------------------------------------------


def validate_rule(rule: Rule) -> None:
    """Validate and normalise ``rule.scope``/``rule.condition`` in place (ValidationError)."""
    if rule.control_id and rule.framework_id and rule.control.framework_id != rule.framework_id:
        raise ValidationError({"control": "The control belongs to another framework."})
    rule.scope, rule.condition = evaluation.validate_spec(
        rule.asset_type, rule.scope if rule.scope is not None else {}, rule.condition
    )


def _save(actor: Any, obj: Any, action: str) -> Any:
    _check(actor, permissions.CHANGE if obj.pk else permissions.ADD, obj)
    before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if obj.pk else {}
    if obj.pk is None and _user(actor):
        obj.created_by = actor
    if _user(actor):
        obj.updated_by = actor
    exclude = ["created_by", "updated_by", "builtin_key"]
    obj.full_clean(exclude=exclude, validate_unique=True)
    obj.save()
    audit.record(
        actor=actor,
        action=f"{action}.{'update' if before else 'create'}",
        obj=obj,
        changes=audit.diff(before, audit.snapshot(obj)),
    )
    return obj


@transaction.atomic
def save_framework(*, actor: Any, framework: Framework) -> Framework:
    return _save(actor, framework, "framework")


@transaction.atomic
def save_control(*, actor: Any, control: Control) -> Control:
    return _save(actor, control, "control")


@transaction.atomic
def save_rule(*, actor: Any, rule: Rule) -> Rule:
    """Validate (``Rule.clean`` runs :func:`validate_rule`) and save; nothing saved on error."""
    if rule.control_id and not rule.framework_id:
        rule.framework_id = rule.control.framework_id
    return _save(actor, rule, "rule")


@transaction.atomic
def delete_object(*, actor: Any, obj: Framework | Control | Rule) -> None:
    _check(actor, permissions.DELETE, obj)
    audit.record(actor=actor, action=f"{obj._meta.model_name}.delete", obj=obj)
    obj.delete()


# --- evaluation ------------------------------------------------------------------------------


@dataclass
class RuleOutcome:
    rule: str
    checked: int = 0
    failing: int = 0
    opened: int = 0
    closed: int = 0
    skipped: str = ""
    error: str = ""  # the rule failed: it was skipped, the others were evaluated


@dataclass
class Summary:
    framework: str
    rules: int = 0
    skipped: int = 0
    failed: int = 0
    checked: int = 0
    opened: int = 0
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
        _check_evaluate(actor, fw, datasource)
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
                    requested_by=_user(actor),
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
    _check_evaluate(actor, framework, datasource)
    now = now or timezone.now()
    with transaction.atomic():
        # Serialise evaluations of one framework (dedup relies on it).
        Framework.objects.select_for_update().filter(pk=framework.pk).first()
        run = EvaluationRun.objects.create(
            framework=framework,
            datasource=datasource,
            trigger=trigger,
            requested_by=_user(actor),
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
        summary.score = _snapshot_scores(framework, now, ds_ids)
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
        if summary.failed:
            run.details["failed"] = summary.failed
            run.error = "; ".join(f"rule {o.rule}: {o.error}" for o in summary.outcomes if o.error)[
                :2000
            ]
        run.save()
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
    outcome.closed = _insert_select(
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
        outcome.opened = _insert_select(Finding, new, {**columns, **constants})
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


def _insert_select(model: Any, source: QuerySet, values: dict[str, Any]) -> int:
    """``INSERT INTO model (...) SELECT ... FROM source``: one statement, no row in Python.

    ``values`` maps the model's fields (attnames) to expressions over ``source``; required
    fields left out get their (constant) default. Returns the number of rows inserted.
    """
    values = dict(values)
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname in values or f.null:
            continue
        default = f.get_default()  # "" for text fields
        if default is None:
            raise ValueError(f"{model.__name__}.{f.attname} needs a value")
        values[f.attname] = Value(default)
    fields = {f.attname: f for f in model._meta.concrete_fields}
    aliases = {f"_i{i}": name for i, name in enumerate(values)}
    annotated = source.order_by().annotate(
        **{
            alias: ExpressionWrapper(values[name], output_field=fields[name])
            if isinstance(values[name], Value)
            else values[name]
            for alias, name in aliases.items()
        }
    )
    qs = annotated.values(*aliases)
    compiler = qs.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    selected = [alias for _, _, alias in compiler.select]
    if selected != list(aliases):  # never insert a value into the wrong column
        raise RuntimeError(f"unexpected column order {selected}")
    columns = ", ".join(connection.ops.quote_name(fields[aliases[a]].column) for a in selected)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)
        return cursor.rowcount


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


def _snapshot_scores(
    framework: Framework, now: datetime, ds_ids: list[int] | None = None
) -> float | None:
    """Store today's score per collection; return the score of the run's data sources (all of
    them for a framework-wide run: a per-source run never tells about the others)."""
    rows = list(
        RuleResult.objects.filter(rule__framework=framework, rule__enabled=True)
        .values("datasource__collection_id")
        .annotate(checked=Sum("checked"), failing=Sum("failing"))
        .order_by()
    )
    day = timezone.localdate(now)
    ScoreSnapshot.objects.bulk_create(
        [
            ScoreSnapshot(
                framework=framework,
                collection_id=r["datasource__collection_id"],
                day=day,
                checked=r["checked"] or 0,
                failing=r["failing"] or 0,
                at=now,
            )
            for r in rows
        ],
        update_conflicts=True,
        unique_fields=["framework", "collection", "day"],
        update_fields=["checked", "failing", "at"],
    )
    if ds_ids is not None:
        own = RuleResult.objects.filter(
            rule__framework=framework, rule__enabled=True, datasource_id__in=ds_ids
        ).aggregate(checked=Sum("checked"), failing=Sum("failing"))
        return score(own["checked"] or 0, own["failing"] or 0)
    checked = sum(r["checked"] or 0 for r in rows)
    failing = sum(r["failing"] or 0 for r in rows)
    return score(checked, failing)


def score(checked: int, failing: int) -> float | None:
    """Share of (rule, asset) checks that pass, in percent; None when nothing was checked."""
    if not checked:
        return None
    return round(100.0 * (checked - failing) / checked, 1)


def summarize(run: EvaluationRun) -> Summary:
    return Summary(
        framework=run.framework.code,
        rules=run.rules_evaluated,
        skipped=run.rules_skipped,
        failed=run.details.get("failed", 0),
        checked=run.assets_checked,
        opened=run.findings_opened,
        closed=run.findings_closed,
        still_open=run.findings_open,
        score=run.score,
        outcomes=[RuleOutcome(**o) for o in run.details.get("rules", [])],
    )


# --- the rule test bench ---------------------------------------------------------------------


@dataclass
class Preview:
    checked: int
    failing: int
    samples: list[evaluation.Violation]
    skipped: str = ""
    description: str = ""


def may_use_test_bench(actor: Any) -> bool:
    """The test bench previews a rule before it is added: it needs the right to add one."""
    return actor is None or permissions.can_any(actor, Rule, permissions.ADD)


def check_test_bench(actor: Any) -> None:
    if not may_use_test_bench(actor):
        raise permissions.PermissionDenied(
            "The rule test bench needs the Compliance Officer role platform-wide."
        )


def preview_rule(*, actor: Any, rule: Rule, limit: int = 50) -> Preview:
    """What ``rule`` (saved or not) would flag now, among the assets ``actor`` may see.

    The test bench needs the right to add a rule (manage_compliance platform-wide), in the API
    and the admin alike; its results only include assets the actor may view.
    """
    check_test_bench(actor)
    validate_rule(rule)
    compiled = evaluation.compile_rule(rule.asset_type, rule.scope, rule.condition, timezone.now())
    if compiled.skipped:
        return Preview(0, 0, [], skipped=compiled.skipped)
    assets = evaluation.assets_in_scope(compiled)
    if actor is not None:
        assets = permissions.restrict(assets, actor, permissions.VIEW)
    failing = evaluation.failing_assets(assets, compiled)
    counts = assets.aggregate(checked=Count("pk"), failing=Count("pk", filter=~compiled.pass_q))
    samples = list(evaluation.violations(failing.order_by("pk")[:limit], compiled))
    return Preview(counts["checked"], counts["failing"], samples, description=compiled.description)


# --- the finding lifecycle -------------------------------------------------------------------


class TransitionError(ValidationError):
    pass


def _can_act(actor: Any, finding: Finding, action: str = "transition") -> None:
    if actor is not None:
        permissions.check(actor, action, finding)


@transaction.atomic
def transition_finding(
    *,
    actor: Any,
    finding: Finding,
    to: str,
    note: str = "",
    justification: str = "",
    expires_on: date | None = None,
    reason: str = "",
) -> Finding:
    """Move ``finding`` to status ``to``; refuse transitions the lifecycle does not allow."""
    _can_act(actor, finding)
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    current = finding.status
    if to not in FindingStatus.values:
        raise TransitionError({"to": f"Unknown status '{to}'."})
    allowed = TRANSITIONS.get(current, ())
    if to not in allowed:
        names = ", ".join(FindingStatus(s).label for s in allowed) or "none"
        raise TransitionError(
            f"A finding that is {FindingStatus(current).label.lower()} cannot become "
            f"{FindingStatus(to).label.lower()} (allowed: {names})."
        )
    before = audit.snapshot(finding)
    today = timezone.localdate()
    if to == FindingStatus.ACCEPTED_RISK:
        errors = {}
        if not justification.strip():
            errors["justification"] = "Accepting a risk needs a justification."
        if expires_on is None:
            errors["expires_on"] = "Accepting a risk needs an expiry date."
        elif expires_on <= today:
            errors["expires_on"] = "The expiry date must be in the future."
        if errors:
            raise TransitionError(errors)
        finding.justification = justification.strip()
        finding.risk_expires_on = expires_on
    if to == FindingStatus.FALSE_POSITIVE:
        if not reason.strip():
            raise TransitionError({"reason": "Marking a false positive needs a reason."})
        finding.reason = reason.strip()
    now = timezone.now()
    if to == FindingStatus.RESOLVED:
        finding.closed_at = now
    elif current == FindingStatus.RESOLVED:
        finding.closed_at = None
        finding.closed_by_run = None
    # Keep the latest confirmation of the violation as the finding's own last seen: the new
    # status is only confirmed by later evaluations.
    finding.seen_at = finding.last_seen
    finding.seen_run_id = finding.last_run_id
    finding.status = to
    finding.status_changed_at = now
    finding.save()
    FindingEvent.objects.create(
        finding=finding,
        at=now,
        actor=_user(actor),
        actor_repr=_actor_repr(actor),
        from_status=current,
        to_status=to,
        note=note or justification or reason,
    )
    audit.record(
        actor=actor,
        action=f"finding.{to}",
        obj=finding,
        changes=audit.diff(before, audit.snapshot(finding)),
    )
    return finding


@dataclass
class BulkResult:
    done: list[Finding] = field(default_factory=list)
    refused: list[tuple[Finding, str]] = field(default_factory=list)


def bulk_transition(*, actor: Any, findings: QuerySet, to: str, **kwargs: Any) -> BulkResult:
    """Transition each finding the actor may act on; collect refusals instead of failing all."""
    result = BulkResult()
    for finding in findings:
        try:
            result.done.append(transition_finding(actor=actor, finding=finding, to=to, **kwargs))
        except (ValidationError, permissions.PermissionDenied) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            result.refused.append((finding, text))
    return result


@transaction.atomic
def assign_finding(
    *, actor: Any, finding: Finding, assignee: Any = None, due_date: date | None = None
) -> Finding:
    _can_act(actor, finding, "assign")
    before = audit.snapshot(finding)
    finding.assignee = assignee
    finding.due_date = due_date
    finding.save(update_fields=["assignee", "due_date"])
    audit.record(
        actor=actor,
        action="finding.assign",
        obj=finding,
        changes=audit.diff(before, audit.snapshot(finding)),
    )
    return finding


@transaction.atomic
def acknowledge_schema_changes(*, actor: Any, changes: QuerySet, note: str = "") -> int:
    """Mark schema changes as seen: they stop counting as open drift."""
    from governance.scans.models import SchemaChange

    changes = changes.filter(compliance_ack__isnull=True).select_related("datasource")
    allowed = permissions.action_scope(actor, SchemaChangeAcknowledgement, "add") if actor else None
    acks = []
    for change in changes:
        if allowed is not None and not allowed.contains(change.datasource.collection_id):
            raise permissions.PermissionDenied(
                f"You may not acknowledge changes of {change.datasource}."
            )
        acks.append(
            SchemaChangeAcknowledgement(change=change, acknowledged_by=_user(actor), note=note)
        )
    SchemaChangeAcknowledgement.objects.bulk_create(acks)
    if acks:
        audit.record(
            actor=actor,
            action="schemachange.acknowledge",
            object_type=SchemaChange._meta.label_lower,
            object_repr=f"{len(acks)} schema change(s)",
            changes={"ids": [a.change_id for a in acks][:500], "note": note},
        )
    return len(acks)


# --- dashboard -------------------------------------------------------------------------------


def dashboard(user: Any, days: int = 90) -> dict[str, Any]:
    """Scores per framework and collection, open findings by severity, daily trend.

    Everything is narrowed to the collections ``user`` may view.
    """
    from governance.rbac.models import Collection

    results = permissions.restrict(
        RuleResult.objects.filter(rule__enabled=True, rule__framework__enabled=True), user
    )
    by_fw = {
        r["rule__framework_id"]: r
        for r in results.values("rule__framework_id")
        .annotate(checked=Sum("checked"), failing=Sum("failing"))
        .order_by()
    }
    by_coll = list(
        results.values("datasource__collection_id")
        .annotate(checked=Sum("checked"), failing=Sum("failing"))
        .order_by()
    )
    findings = permissions.restrict(Finding.stored.filter(status__in=UNRESOLVED_STATUSES), user)
    severity_counts = dict(
        findings.values_list("severity")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("severity", "n")
    )
    open_by_fw = dict(
        findings.values_list("framework_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("framework_id", "n")
    )
    frameworks = []
    for fw in Framework.objects.filter(enabled=True).order_by("name"):
        r = by_fw.get(fw.pk, {})
        frameworks.append(
            {
                "framework": fw,
                "checked": r.get("checked") or 0,
                "failing": r.get("failing") or 0,
                "score": score(r.get("checked") or 0, r.get("failing") or 0),
                "open": open_by_fw.get(fw.pk, 0),
            }
        )
    names = dict(
        Collection.objects.filter(
            pk__in=[r["datasource__collection_id"] for r in by_coll]
        ).values_list("pk", "name")
    )
    collections = sorted(
        (
            {
                "collection": names.get(r["datasource__collection_id"], "?"),
                "checked": r["checked"] or 0,
                "failing": r["failing"] or 0,
                "score": score(r["checked"] or 0, r["failing"] or 0),
            }
            for r in by_coll
        ),
        key=lambda c: c["collection"],
    )
    since = timezone.localdate() - timedelta(days=days)
    trend_rows = (
        permissions.restrict(ScoreSnapshot.objects.filter(day__gte=since), user)
        .values("framework__code", "day")
        .annotate(checked=Sum("checked"), failing=Sum("failing"))
        .order_by("day")
    )
    trend: dict[str, list[tuple[str, float | None]]] = {}
    for r in trend_rows:
        trend.setdefault(r["framework__code"], []).append(
            (r["day"].isoformat(), score(r["checked"] or 0, r["failing"] or 0))
        )
    return {
        "frameworks": frameworks,
        "collections": collections,
        "severity": [
            {"severity": s.label, "key": s.value, "count": severity_counts.get(s.value, 0)}
            for s in reversed(list(Severity))
        ],
        "trend": trend,
    }


# --- reports ---------------------------------------------------------------------------------


@transaction.atomic
def request_report(*, actor: Any, framework: Framework, format: str) -> ComplianceReport:
    """Queue a report of ``framework`` for ``actor`` (built in the background)."""
    if _user(actor) and not permissions.scope(actor, "view_catalog"):
        raise permissions.PermissionDenied("You need a role on at least one collection.")
    if format not in ReportFormat.values:
        raise ValidationError({"format": f"Unknown format '{format}' (csv or pdf)."})
    report = ComplianceReport.objects.create(
        framework=framework, format=format, requested_by=_user(actor)
    )
    audit.record(actor=actor, action="compliancereport.request", obj=report)
    from .tasks import build_report

    build_report.delay_on_commit(report.pk)
    return report


def build_report(report_id: int) -> ComplianceReport | None:
    """Render a queued report (idempotent: a finished report is left alone)."""
    from . import reports

    with transaction.atomic():
        report = (
            ComplianceReport.objects.select_for_update(of=("self",))
            .select_related("framework", "requested_by")
            .filter(pk=report_id)
            .first()
        )
        if report is None or report.state == ReportState.DONE:
            return report
        report.state = ReportState.RUNNING
        report.save(update_fields=["state"])
    try:
        content, count = reports.render(report)
    except Exception as exc:  # a report failure is recorded on the row, never lost
        log.exception("compliance.report_failed report=%s", report_id)
        report.state = ReportState.FAILED
        report.error = str(exc)[:2000]
        report.finished_at = timezone.now()
        report.save(update_fields=["state", "error", "finished_at"])
        return report
    stamp = timezone.now()
    report.content = content
    report.size = len(content)
    report.findings_count = count
    report.filename = f"{report.framework.code}-{stamp:%Y%m%d-%H%M}.{report.format}"
    report.state = ReportState.DONE
    report.finished_at = stamp
    report.save()
    return report


def report_findings(report: ComplianceReport) -> QuerySet:
    """The findings a report shows: those its requester may see."""
    qs = Finding.objects.filter(framework=report.framework).select_related(
        "rule", "rule__control", "datasource", "datasource__collection", "assignee"
    )
    user = report.requested_by
    if user is not None:
        qs = permissions.restrict(qs, user)
    return qs.order_by("rule__control__code", "rule__code", "qualified_name", "pk")


def visible_reports(user: Any) -> QuerySet:
    qs = ComplianceReport.objects.select_related("framework")
    if getattr(user, "is_superuser", False):
        return qs
    return qs.filter(requested_by=user)


def age_filter(bucket: str) -> Q:
    """Findings by age of first detection: 7d, 30d, 90d, older."""
    now = timezone.now()
    bounds = {"7d": (0, 7), "30d": (7, 30), "90d": (30, 90), "older": (90, None)}
    low, high = bounds[bucket]
    q = Q(first_seen__lte=now - timedelta(days=low))
    if high is not None:
        q &= Q(first_seen__gt=now - timedelta(days=high))
    return q
