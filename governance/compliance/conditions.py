"""The built-in scope filters and conditions (registered in ``ComplianceConfig.ready``).

Every compiler returns a ``Q`` over the asset model without running a query: conditions return
the assets that *pass*. Evidence specs name what to read for the assets that fail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat

from . import expressions, patterns
from .choices import AssetType
from .registry import (
    ALL_ASSET_TYPES,
    Condition,
    Context,
    RuleError,
    ScopeFilter,
    register_condition,
    register_scope,
    reserve_condition,
    reserve_scope,
)

CATALOG_TYPES = frozenset({AssetType.COLUMN, AssetType.TABLE, AssetType.SCHEMA})
EXPOSED_SCHEMAS = r"^(public|staging|stage|stg|tmp|temp|scratch)$"
DRIFT_KINDS = ("type_changed", "removed")
MAX_DAYS = 36500  # day counts of conditions: at most a century
MAX_ID = 2**63 - 1  # ids fit a signed 64-bit integer (SQLite and PostgreSQL bigint)
MAX_ITEMS = 1000  # entries of a list parameter


# --- validators ------------------------------------------------------------------------------


def _regex(value: Any) -> str:
    return patterns.validate_pattern(value)


def _str_list(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise RuleError("expects a non-empty list of strings")
    if len(value) > MAX_ITEMS:
        raise RuleError(f"expects at most {MAX_ITEMS} entries")
    return value


def _id_list(value: Any) -> list[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise RuleError("expects a non-empty list of ids")
    if len(value) > MAX_ITEMS:
        raise RuleError(f"expects at most {MAX_ITEMS} ids")
    if not all(1 <= v <= MAX_ID for v in value):
        raise RuleError("expects ids between 1 and 2^63 - 1")
    return value


def _one_of(what: str, known: Callable[[], Sequence[str]]) -> Callable[[Any], list[str]]:
    """A validator for a list of strings, each one of ``known()`` (read when a rule is checked)."""

    def check(value: Any) -> list[str]:
        values, allowed = _str_list(value), known()
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise RuleError(f"unknown {what} {', '.join(unknown)} (known: {', '.join(allowed)})")
        return values

    return check


def _source_kinds() -> Sequence[str]:
    from governance.datasources.choices import SourceKind

    return SourceKind.values


def _change_kinds() -> Sequence[str]:
    from governance.scans.choices import ChangeKind

    return ChangeKind.values


_kinds = _one_of("data source kind", _source_kinds)
_drift_kinds = _one_of("change kind", _change_kinds)


def _params(allowed: dict[str, Any]) -> Any:
    """A validator for ``{"type": ..., **params}`` with typed optional params and defaults."""

    def validate(params: dict[str, Any]) -> dict[str, Any]:
        out = {"type": params["type"]}
        unknown = set(params) - set(allowed) - {"type"}
        if unknown:
            raise RuleError(
                f"unknown parameter {', '.join(sorted(unknown))} "
                f"(allowed: {', '.join(sorted(allowed)) or 'none'})"
            )
        for name, (check, default) in allowed.items():
            if name in params:
                try:
                    out[name] = check(params[name])
                except RuleError as exc:
                    raise RuleError(f"parameter '{name}' {exc.message}") from None
            elif default is not None:
                out[name] = default
        return out

    return validate


def _days(value: Any) -> int:
    """A number of days: a whole number from 1 to :data:`MAX_DAYS`."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_DAYS:
        raise RuleError(f"expects a whole number of days from 1 to {MAX_DAYS}")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise RuleError("expects true or false")
    return value


# --- scope filters ---------------------------------------------------------------------------


def _collection_q(ctx: Context, ids: list[int]) -> Q:
    # Collection paths are the chain of ids (/1/4/9/): a subtree is a path containing /id/.
    q = Q(pk__in=[])
    for cid in ids:
        q |= Q(**{ctx.kind.lookup("collection", "path__contains"): f"/{cid}/"})
    return q


def _regex_on(level: str, field: str = "name") -> Any:
    def compile_(ctx: Context, value: str) -> Q:
        if not ctx.kind.has(level):
            raise RuleError(f"does not apply to {ctx.kind.name} rules")
        return patterns.regex_q(ctx.kind.lookup(level, field), value)

    return compile_


def _own_name(ctx: Context, value: str) -> Q:
    return patterns.regex_q("name", value)


SCOPES = [
    ScopeFilter(
        "collection",
        "Collections (with their sub-collections)",
        _id_list,
        _collection_q,
        help="[collection id, ...]",
    ),
    ScopeFilter(
        "datasource",
        "Data sources by name",
        _str_list,
        lambda ctx, v: Q(**{ctx.kind.lookup("datasource", "name__in"): v}),
        help='["sales-db", ...]',
    ),
    ScopeFilter(
        "datasource_kind",
        "Data source kinds",
        _kinds,
        lambda ctx, v: Q(**{ctx.kind.lookup("datasource", "kind__in"): v}),
        help='["postgresql", "mysql", "sqlite"]',
    ),
    ScopeFilter(
        "name_pattern", "Asset name (regular expression)", _regex, _own_name, help='"^(pan|card)"'
    ),
    ScopeFilter(
        "schema_pattern",
        "Schema name (regular expression)",
        _regex,
        _regex_on("schema"),
        asset_types=CATALOG_TYPES,
    ),
    ScopeFilter(
        "table_pattern",
        "Table name (regular expression)",
        _regex,
        _regex_on("table"),
        asset_types=frozenset({AssetType.COLUMN, AssetType.TABLE}),
    ),
    ScopeFilter(
        "data_type_pattern",
        "Column data type (regular expression)",
        _regex,
        _regex_on("column", "data_type"),
        asset_types=frozenset({AssetType.COLUMN}),
    ),
]


# --- conditions ------------------------------------------------------------------------------


def _owner_q(ctx: Context, p: dict[str, Any]) -> Q:
    kind = ctx.kind
    q = Q(owner__isnull=False)
    if p.get("inherit"):
        for level in ("table", "schema", "datasource"):
            if kind.has(level) and kind.prefixes[level]:
                q |= Q(**{kind.lookup(level, "owner__isnull"): False})
    return q


def _owner_evidence(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    return {"owner": "owner__username"}


def _description_q(ctx: Context, p: dict[str, Any]) -> Q:
    q = ~Q(description="")
    if p.get("accept_comment") and ctx.kind.name in (AssetType.COLUMN, AssetType.TABLE):
        q |= ~Q(comment="") & Q(comment__isnull=False)
    return q


def _description_evidence(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    facts = {"description": "description"}
    if ctx.kind.name in (AssetType.COLUMN, AssetType.TABLE):
        facts["comment"] = "comment"
    return facts


def _ds_flag(field: str, expected: bool) -> Any:
    def compile_(ctx: Context, p: dict[str, Any]) -> Q:
        return Q(**{ctx.kind.lookup("datasource", field): expected})

    def evidence(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "data source": ctx.kind.lookup("datasource", "name"),
            field: ctx.kind.lookup("datasource", field),
        }

    return compile_, evidence


def _retention_q(ctx: Context, p: dict[str, Any]) -> Q:
    lk = ctx.kind.lookup("datasource", "retention_days")
    q = Q(**{f"{lk}__isnull": False})
    if p.get("max_days"):
        q &= Q(**{f"{lk}__lte": p["max_days"]})
    return q


def _retention_evidence(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    return {
        "data source": ctx.kind.lookup("datasource", "name"),
        "retention_days": ctx.kind.lookup("datasource", "retention_days"),
    }


def _schema_lookup(ctx: Context) -> str:
    if not ctx.kind.has("schema"):
        raise RuleError(f"does not apply to {ctx.kind.name} rules")
    return ctx.kind.lookup("schema", "name")


def _exposed_q(ctx: Context, p: dict[str, Any]) -> Q:
    return ~patterns.regex_q(_schema_lookup(ctx), p["pattern"])


def _scanned_q(ctx: Context, p: dict[str, Any]) -> Q:
    since = ctx.now - timedelta(days=p["days"])
    return Q(**{ctx.kind.lookup("datasource", "last_scan_at__gte"): since})


def _drift_changes(ctx: Context, p: dict[str, Any]) -> QuerySet:
    """Unacknowledged changes of the asset in its source's latest successful scan run."""
    run = apps.get_model("scans", "ScanRun")
    change = apps.get_model("scans", "SchemaChange")
    latest = (
        run.objects.filter(datasource_id=OuterRef("datasource_id"), state="succeeded")
        .order_by("-finished_at", "-pk")
        .values("pk")[:1]
    )
    kind = ctx.kind
    qs = change.objects.filter(
        datasource_id=OuterRef(kind.datasource_id_lookup),
        change__in=p["changes"],
        compliance_ack__isnull=True,
    ).filter(run_id=Subquery(latest))
    if kind.name == AssetType.COLUMN:
        qs = qs.filter(qualified_name=OuterRef("qualified_name"))
    elif kind.name in (AssetType.TABLE, AssetType.SCHEMA):
        qs = qs.filter(
            Q(qualified_name=OuterRef("qualified_name"))
            | Q(qualified_name__startswith=Concat(OuterRef("qualified_name"), Value("/")))
        )
    return qs


def _drift_q(ctx: Context, p: dict[str, Any]) -> Q:
    return ~Q(Exists(_drift_changes(ctx, p)))


def _drift_evidence(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    changes = _drift_changes(ctx, p).order_by("pk")
    return {
        "change": Subquery(changes.values("change")[:1]),
        "changed asset": Subquery(changes.values("display_name")[:1]),
        "scan run": Subquery(changes.values("run_id")[:1]),
    }


def _expression_validate(params: dict[str, Any]) -> dict[str, Any]:
    unknown = set(params) - {"type", "expr"}
    if unknown:
        raise RuleError(f"unknown parameter {', '.join(sorted(unknown))} (allowed: expr)")
    if "expr" not in params:
        raise RuleError('an expression condition needs "expr"')
    return {"type": "expression", "expr": params["expr"]}


def _expression_q(ctx: Context, p: dict[str, Any]) -> Q:
    expressions.validate(ctx.kind, p["expr"])
    return expressions.compile_q(ctx, p["expr"])


def _expression_evidence(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    return expressions.referenced_fields(ctx.kind, p["expr"])


_enc = _ds_flag("encrypted_at_rest", True)
_samples = _ds_flag("store_samples", False)

CONDITIONS = [
    Condition(
        "has_owner",
        "Has an owner",
        _params({"inherit": (_bool, False)}),
        _owner_q,
        _owner_evidence,
        lambda p: "has an owner" + (" (or inherits one)" if p.get("inherit") else ""),
    ),
    Condition(
        "has_description",
        "Has a description",
        _params({"accept_comment": (_bool, False)}),
        _description_q,
        _description_evidence,
        lambda p: "has a description",
    ),
    Condition(
        "encrypted_at_rest",
        "Data source encrypted at rest",
        _params({}),
        _enc[0],
        _enc[1],
        lambda p: "its data source is encrypted at rest",
    ),
    Condition(
        "samples_off",
        "Sample storage off",
        _params({}),
        _samples[0],
        _samples[1],
        lambda p: "its data source does not store sampled values",
    ),
    Condition(
        "retention_set",
        "Retention period set",
        _params({"max_days": (_days, None)}),
        _retention_q,
        _retention_evidence,
        lambda p: (
            "its data source has a retention period"
            + (f" of at most {p['max_days']} days" if p.get("max_days") else "")
        ),
    ),
    Condition(
        "not_in_exposed_schema",
        "Not in a public/staging/tmp schema",
        _params({"pattern": (_regex, EXPOSED_SCHEMAS)}),
        _exposed_q,
        lambda ctx, p: {"schema": _schema_lookup(ctx)},
        lambda p: f"is not in a schema named like {p['pattern']}",
        asset_types=CATALOG_TYPES,
    ),
    Condition(
        "scanned_within",
        "Scanned recently",
        _params({"days": (_days, 30)}),
        _scanned_q,
        lambda ctx, p: {"last_scan_at": ctx.kind.lookup("datasource", "last_scan_at")},
        lambda p: f"its data source was scanned within {p['days']} days",
    ),
    Condition(
        "no_open_schema_drift",
        "No unacknowledged schema drift",
        _params({"changes": (_drift_kinds, list(DRIFT_KINDS))}),
        _drift_q,
        _drift_evidence,
        lambda p: "no unacknowledged " + "/".join(p["changes"]) + " change in the latest scan",
    ),
    Condition(
        "expression",
        "Custom expression",
        _expression_validate,
        _expression_q,
        _expression_evidence,
        lambda p: "satisfies a custom expression",
    ),
]


def register_builtins() -> None:
    for scope in SCOPES:
        register_scope(scope, replace=False)
    for condition in CONDITIONS:
        register_condition(condition, replace=False)
    # Slots for layers that plug in later (see connect_classifications).
    reserve_scope(
        "classification",
        "Classification labels",
        "Assets that are or contain a column classified with one of these labels.",
        ALL_ASSET_TYPES,
    )
    reserve_scope(
        "sensitivity_label",
        "Sensitivity labels",
        "Assets that are or contain a column whose classification carries these labels.",
        ALL_ASSET_TYPES,
    )
    reserve_scope("tag", "Tags", "Assets carrying one of these tags.", ALL_ASSET_TYPES)
    reserve_condition(
        "classification_decided",
        "Classification decided by a steward",
        "Every classification of the asset's columns was accepted or rejected by a steward.",
        ALL_ASSET_TYPES,
    )


# --- the classifications hook ----------------------------------------------------------------


def _labels_value(value: Any) -> dict[str, Any]:
    if isinstance(value, str | list):
        return {"labels": _str_list(value), "include_suggested": True}
    if isinstance(value, dict):
        unknown = set(value) - {"labels", "include_suggested"}
        if unknown:
            raise RuleError(f"unknown key {', '.join(sorted(unknown))}")
        include = value.get("include_suggested", True)
        return {"labels": _str_list(value.get("labels")), "include_suggested": _bool(include)}
    raise RuleError('expects ["label", ...] or {"labels": [...], "include_suggested": true}')


@dataclass(frozen=True)
class _EvidencedScope(ScopeFilter):
    """A scope filter with facts for the finding's evidence (``{label: expression}``, read
    for failing assets like a condition's)."""

    evidence: Callable[[Context, Any], dict[str, Any]] = lambda ctx, v: {}


def _lineage_provider() -> Any:
    try:
        from governance.lineage import propagation
    except ImportError:
        return None
    return propagation if hasattr(propagation, "propagated_column_ids") else None


def connect_classifications(provider: Any = None) -> bool:
    """Plug the classification scopes and condition in when the classifications app offers them.

    ``provider`` (default: ``governance.catalog.classifying``, where column classifications
    live) must expose:

    ``classified_column_ids(*, labels=None, sensitivity_labels=None, include_suggested=True)``
        a single-column queryset of ``CatalogColumn`` ids classified with one of ``labels`` (or
        carrying one of ``sensitivity_labels``); rejected classifications never count, suggested
        ones only with ``include_suggested``;
    ``undecided_column_ids()``
        a single-column queryset of column ids with a classification still only *suggested*.
    """
    provider_is_default = provider is None
    if provider is None:
        try:
            from governance.catalog import classifying as provider
        except ImportError:
            return False
    classified = getattr(provider, "classified_column_ids", None)
    undecided = getattr(provider, "undecided_column_ids", None)
    if classified is None or undecided is None:
        return False

    # Classifications that flow along lineage count too (a view over card numbers holds card
    # numbers): ``governance.lineage.propagation`` adds them, and the finding's evidence says
    # where they came from.
    lineage = _lineage_provider() if provider_is_default else None

    def by_labels(ctx: Context, v: dict[str, Any]) -> Q:
        ids = classified(labels=v["labels"], include_suggested=v["include_suggested"])
        if lineage is None:
            return ctx.kind.columns_q(ids)
        flowed = lineage.propagated_column_ids(labels=v["labels"])
        return ctx.kind.columns_q(ids) | ctx.kind.columns_q(flowed)

    def by_sensitivity(ctx: Context, v: dict[str, Any]) -> Q:
        ids = classified(sensitivity_labels=v["labels"], include_suggested=v["include_suggested"])
        if lineage is None:
            return ctx.kind.columns_q(ids)
        flowed = lineage.propagated_column_ids(sensitivity_labels=v["labels"])
        return ctx.kind.columns_q(ids) | ctx.kind.columns_q(flowed)

    def evidence(key: str) -> Any:
        def facts(ctx: Context, v: dict[str, Any]) -> dict[str, Any]:
            if lineage is None:
                return {}
            return {"propagated": lineage.propagation_evidence(ctx.kind.name, **{key: v["labels"]})}

        return facts

    register_scope(
        _EvidencedScope(
            "classification",
            "Classification labels",
            _labels_value,
            by_labels,
            evidence=evidence("labels"),
        )
    )
    register_scope(
        _EvidencedScope(
            "sensitivity_label",
            "Sensitivity labels",
            _labels_value,
            by_sensitivity,
            evidence=evidence("sensitivity_labels"),
        )
    )
    register_condition(
        Condition(
            "classification_decided",
            "Classification decided by a steward",
            _params({}),
            lambda ctx, p: ~ctx.kind.columns_q(undecided()),
            lambda ctx, p: {},
            lambda p: "every classification was decided by a steward",
        )
    )
    return True


# --- the glossary hook -----------------------------------------------------------------------


def _tag_names(value: Any) -> list[str]:
    names = _str_list(value)
    for name in names:
        if not name.strip() or name.strip().startswith(".") or name.strip().endswith("."):
            raise RuleError(f'expects tag names such as "Tier.Gold" or a set name, not {name!r}')
    return [n.strip() for n in names]


def connect_tags(provider: Any = None) -> bool:
    """Plug the ``tag`` scope in when the glossary offers it.

    ``provider`` (default: ``governance.glossary.services``) must expose
    ``tagged_ids(asset_type, tags)``: a single-column queryset of the ids of assets of that type
    carrying one of ``tags`` (``"Set.Tag"``, or a set's name for any of its tags).
    """
    if provider is None:
        try:
            from governance.glossary import services as provider
        except ImportError:
            return False
    tagged = getattr(provider, "tagged_ids", None)
    if tagged is None:
        return False

    def by_tags(ctx: Context, v: list[str]) -> Q:
        return Q(pk__in=tagged(ctx.kind.name, v))

    register_scope(ScopeFilter("tag", "Tags", _tag_names, by_tags, help='["Tier.Gold", ...]'))
    return True
