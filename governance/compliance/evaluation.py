"""Compiling rules to ORM filters and reading their outcome, set-based.

A rule compiles to the queryset of assets in scope and the ``Q`` of those that pass; the failing
assets, their evidence and the per-source counts are each read in one query whatever the number
of assets. Nothing here writes; :mod:`governance.compliance.services.runs` persists the outcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    Func,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Concat, JSONObject, Left

from . import expressions
from .choices import AssetType
from .registry import ASSET_KINDS, AssetKind, Context, RuleError, get_condition, get_scope

# Lookups joined with "." to display an asset (``schema.table.column``).
DISPLAY = {
    AssetType.COLUMN: ("table__schema__name", "table__name", "name"),
    AssetType.TABLE: ("schema__name", "name"),
    AssetType.SCHEMA: ("name",),
    AssetType.DATASOURCE: ("name",),
}


def kind_of(asset_type: str) -> AssetKind:
    try:
        return ASSET_KINDS[asset_type]
    except KeyError:
        raise RuleError(
            f"unknown asset type '{asset_type}' (known: {', '.join(ASSET_KINDS)})"
        ) from None


def validate_spec(
    asset_type: str, scope: Any, condition: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate and normalise a rule's scope and condition.

    Raises ``ValidationError({"scope": [...], "condition": [...]})`` with clear messages. Slots
    (filters or conditions reserved for layers not installed yet) are accepted.
    """
    errors: dict[str, list[str]] = {}
    try:
        kind = kind_of(asset_type)
    except RuleError as exc:
        raise ValidationError({"asset_type": [str(exc)]}) from None
    norm_scope: dict[str, Any] = {}
    if not isinstance(scope, dict):
        errors["scope"] = [
            'The scope is an object: {"filter name": value, ...} ({} = every asset).'
        ]
    else:
        for name, value in scope.items():
            try:
                spec = get_scope(name)
                if kind.name not in spec.asset_types:
                    raise RuleError(f"does not apply to {kind.name} rules")
                norm_scope[name] = spec.validate(value)
            except RuleError as exc:
                errors.setdefault("scope", []).append(f"scope.{name}: {exc.message}")
    norm_condition: dict[str, Any] = {}
    if not isinstance(condition, dict) or not isinstance(condition.get("type"), str):
        errors["condition"] = [
            'The condition is an object with a "type", e.g. {"type": "has_owner"}.'
        ]
    else:
        try:
            spec_c = get_condition(condition["type"])
            if kind.name not in spec_c.asset_types:
                raise RuleError(f"does not apply to {kind.name} rules")
            norm_condition = spec_c.validate(dict(condition))
            if spec_c.name == "expression":
                expressions.validate(kind, norm_condition["expr"], "condition.expr")
        except RuleError as exc:
            message = str(exc) if exc.path else f"condition.{condition['type']}: {exc.message}"
            errors.setdefault("condition", []).append(message)
    if errors:
        raise ValidationError(errors)
    return norm_scope, norm_condition


@dataclass
class CompiledRule:
    kind: AssetKind
    scope_q: Q = field(default_factory=Q)
    pass_q: Q = field(default_factory=Q)
    evidence: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    skipped: str = ""  # why the rule cannot run now (a slot without provider)


def compile_rule(asset_type: str, scope: dict[str, Any], condition: dict[str, Any], now: datetime):
    """Compile a validated rule. ``skipped`` is set when it uses an unavailable slot."""
    kind = kind_of(asset_type)
    ctx = Context(kind, now)
    compiled = CompiledRule(kind)
    missing = [n for n in scope if not get_scope(n).available]
    spec = get_condition(condition["type"])
    if not spec.available:
        missing.append(spec.name)
    if missing:
        compiled.skipped = f"not available yet: {', '.join(missing)}"
        return compiled
    for name, value in scope.items():
        compiled.scope_q &= get_scope(name).compile(ctx, value)
    compiled.pass_q = spec.compile(ctx, condition)
    compiled.evidence = spec.evidence(ctx, condition)
    for name, value in scope.items():  # scope filters with facts (lineage: "propagated")
        facts = getattr(get_scope(name), "evidence", None)
        if facts is not None:
            compiled.evidence = {**facts(ctx, value), **compiled.evidence}
    compiled.description = spec.describe(condition)
    return compiled


def assets_in_scope(compiled: CompiledRule, datasource_ids: Iterable[int] | None = None):
    kind = compiled.kind
    qs = kind.base_queryset().filter(compiled.scope_q)
    if datasource_ids is not None:
        qs = qs.filter(**{f"{kind.datasource_id_lookup}__in": list(datasource_ids)})
    return qs


def failing_assets(assets: QuerySet, compiled: CompiledRule) -> QuerySet:
    return assets.filter(~compiled.pass_q)


def outcomes(assets: QuerySet, compiled: CompiledRule) -> Iterator[tuple[int, int, bool]]:
    """``(asset id, data source id, passes)`` of every asset in scope: one pass, streamed."""
    passes = Case(When(compiled.pass_q, then=Value(True)), default=Value(False))
    rows = (
        assets.order_by()
        .annotate(_ok=ExpressionWrapper(passes, output_field=BooleanField()))
        .values_list("pk", compiled.kind.datasource_id_lookup, "_ok")
    )
    return rows.iterator(chunk_size=10000)


def counts_by_datasource(assets: QuerySet, compiled: CompiledRule) -> dict[int, tuple[int, int]]:
    """``{datasource id: (checked, failing)}`` in one grouped query."""
    rows = (
        assets.order_by()
        .values(ds=F(compiled.kind.datasource_id_lookup))
        .annotate(checked=Count("pk"), failing=Count("pk", filter=~compiled.pass_q))
    )
    return {r["ds"]: (r["checked"], r["failing"]) for r in rows}


@dataclass
class Violation:
    asset_id: int
    qualified_name: str
    asset_name: str
    datasource_id: int
    evidence: dict[str, Any]


def violations(failing: QuerySet, compiled: CompiledRule) -> Iterator[Violation]:
    """The failing assets with their evidence (one query, streamed)."""
    kind = compiled.kind
    labels = list(compiled.evidence)
    values: dict[str, Any] = {
        "_qn": F(kind.qualified_name_lookup),
        "_ds": F(kind.datasource_id_lookup),
    }
    for i, part in enumerate(DISPLAY[kind.name]):
        values[f"_d{i}"] = F(part)
    for i, label in enumerate(labels):
        expr = compiled.evidence[label]
        values[f"_e{i}"] = F(expr) if isinstance(expr, str) else expr
    if not failing.query.is_sliced:
        failing = failing.order_by()
    rows = failing.values("pk", **values)
    for row in rows.iterator(chunk_size=5000):
        name = ".".join(str(row[f"_d{i}"]) for i in range(len(DISPLAY[kind.name])))
        facts = {label: jsonable(row[f"_e{i}"]) for i, label in enumerate(labels)}
        yield Violation(row["pk"], row["_qn"], name, row["_ds"], facts)


def violation_columns(failing: QuerySet, compiled: CompiledRule) -> tuple[QuerySet, dict[str, Any]]:
    """The failing assets annotated for an ``INSERT … SELECT`` of findings (PostgreSQL).

    Returns the queryset and ``{finding field: expression}`` for the asset id, names, data source
    and the evidence, built in SQL as :func:`violations` builds it in Python (same JSON).
    """
    kind = compiled.kind
    parts = [F(p) for p in DISPLAY[kind.name]]
    name: Any = parts[0]
    if len(parts) > 1:
        pieces: list[Any] = []
        for part in parts:
            pieces += [part, Value(".")]
        name = Concat(*pieces[:-1], output_field=CharField())
    evidence = {
        f"_e{i}": F(e) if isinstance(e, str) else e
        for i, e in enumerate(compiled.evidence.values())
    }
    qs = failing.order_by().annotate(**evidence) if evidence else failing.order_by()
    facts = {}
    for i, label in enumerate(compiled.evidence):
        expr = qs.query.annotations[f"_e{i}"]
        ref = F(f"_e{i}")
        facts[label] = IsoDateTime(ref) if isinstance(expr.output_field, DateTimeField) else ref
    columns = {
        "asset_id": F("pk"),
        "qualified_name": Left(F(kind.qualified_name_lookup), 1200),
        "asset_name": Left(name, 600),
        "datasource_id": F(kind.datasource_id_lookup),
        "evidence": JSONObject(
            condition=Value(compiled.description, output_field=TextField()),
            facts=JSONObject(**facts),
        ),
    }
    return qs, columns


class IsoDateTime(Func):
    """A timestamp as Python's ``datetime.isoformat()`` writes it in UTC (PostgreSQL)."""

    output_field = TextField()
    template = (
        "(SELECT to_char(t, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
        "to_char(t, 'US') = '000000' THEN '' "
        "ELSE to_char(t, '.US') END || '+00:00' "
        "FROM (SELECT (%(expressions)s) AT TIME ZONE 'UTC' AS t) AS ts)"
    )


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value
