"""Registries of rule scope filters and conditions.

A rule's ``scope`` is ``{"filter": value, ...}`` and its ``condition`` ``{"type": name, ...}``.
Each filter and condition is registered here by name with a validator (plain data in, normalised
data out, :class:`RuleError` with a clear message otherwise) and a compiler to a Django ``Q``
over the asset model (no query is run while compiling). Conditions compile to the ``Q`` of the
assets that *pass*; the evaluation flags the others in one query per rule.

Names may be reserved as *slots* (``available=False``) for layers that are not installed yet:
rules using them validate and save, and are skipped (and reported) at evaluation until a provider
registers the real implementation under the same name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet

from .choices import AssetType


class RuleError(ValueError):
    """An invalid scope or condition; ``path`` tells where (``condition.expr.and[1]``)."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


# --- Assets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetKind:
    """How one asset type reaches the levels above it (ORM lookup prefixes, ``""`` = itself)."""

    name: str
    model_label: str
    prefixes: Mapping[str, str]
    live_lookup: str | None  # removed_at lookup, or None when the model has none
    datasource_id_lookup: str
    qualified_name_lookup: str

    @property
    def model(self) -> Any:
        return apps.get_model(self.model_label)

    def has(self, level: str) -> bool:
        return level in self.prefixes

    def lookup(self, level: str, field_name: str) -> str:
        prefix = self.prefixes[level]
        if not prefix:
            return field_name
        return f"{prefix}__{field_name}" if field_name else prefix

    def base_queryset(self) -> QuerySet:
        qs = self.model._default_manager.all()
        if self.live_lookup:
            qs = qs.filter(**{f"{self.live_lookup}__isnull": True})
        return qs

    def columns_q(self, column_ids: QuerySet) -> Q:
        """Assets that are, or contain, a live column whose id is in ``column_ids``."""
        if self.name == AssetType.COLUMN:
            return Q(pk__in=column_ids)
        column = apps.get_model("catalog", "CatalogColumn")
        via = {
            AssetType.TABLE: "table_id",
            AssetType.SCHEMA: "table__schema_id",
            AssetType.DATASOURCE: "datasource_id",
        }[self.name]
        return Q(
            pk__in=column.objects.filter(pk__in=column_ids, removed_at__isnull=True).values(via)
        )


ASSET_KINDS: dict[str, AssetKind] = {
    AssetType.COLUMN: AssetKind(
        AssetType.COLUMN,
        "catalog.CatalogColumn",
        {
            "column": "",
            "table": "table",
            "schema": "table__schema",
            "datasource": "datasource",
            "collection": "datasource__collection",
        },
        "removed_at",
        "datasource_id",
        "qualified_name",
    ),
    AssetType.TABLE: AssetKind(
        AssetType.TABLE,
        "catalog.CatalogTable",
        {
            "table": "",
            "schema": "schema",
            "datasource": "datasource",
            "collection": "datasource__collection",
        },
        "removed_at",
        "datasource_id",
        "qualified_name",
    ),
    AssetType.SCHEMA: AssetKind(
        AssetType.SCHEMA,
        "catalog.CatalogSchema",
        {"schema": "", "datasource": "datasource", "collection": "datasource__collection"},
        "removed_at",
        "datasource_id",
        "qualified_name",
    ),
    AssetType.DATASOURCE: AssetKind(
        AssetType.DATASOURCE,
        "datasources.DataSource",
        {"datasource": "", "collection": "collection"},
        None,
        "pk",
        "name",
    ),
}

ALL_ASSET_TYPES = frozenset(ASSET_KINDS)


@dataclass(frozen=True)
class Context:
    """What compilers may use: the asset kind and the evaluation time."""

    kind: AssetKind
    now: datetime


# --- Scope filters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScopeFilter:
    name: str
    label: str
    validate: Callable[[Any], Any]
    compile: Callable[[Context, Any], Q]
    asset_types: frozenset[str] = ALL_ASSET_TYPES
    available: bool = True
    help: str = ""


@dataclass(frozen=True)
class Condition:
    name: str
    label: str
    validate: Callable[[dict[str, Any]], dict[str, Any]]
    compile: Callable[[Context, dict[str, Any]], Q]
    # {fact label: ORM lookup or expression} fetched for failing assets as evidence.
    evidence: Callable[[Context, dict[str, Any]], dict[str, Any]] = lambda ctx, p: {}
    describe: Callable[[dict[str, Any]], str] = lambda p: ""
    asset_types: frozenset[str] = ALL_ASSET_TYPES
    available: bool = True
    help: str = ""


@dataclass
class Registry:
    scopes: dict[str, ScopeFilter] = field(default_factory=dict)
    conditions: dict[str, Condition] = field(default_factory=dict)


registry = Registry()


def _unavailable(name: str) -> Callable[..., Q]:
    def compile_(*args: Any) -> Q:
        raise RuleError(f"'{name}' is not available: no provider has registered it yet.")

    return compile_


def register_scope(item: ScopeFilter, *, replace: bool = True) -> None:
    """Register a scope filter (a provider replaces a slot of the same name)."""
    if not replace and item.name in registry.scopes:
        return
    registry.scopes[item.name] = item


def register_condition(item: Condition, *, replace: bool = True) -> None:
    if not replace and item.name in registry.conditions:
        return
    registry.conditions[item.name] = item


def reserve_scope(name: str, label: str, help: str, asset_types: frozenset[str]) -> None:
    """A slot: rules may use ``name`` now; they are skipped until a provider registers it."""
    register_scope(
        ScopeFilter(
            name, label, _any_value, _unavailable(name), asset_types, available=False, help=help
        ),
        replace=False,
    )


def reserve_condition(name: str, label: str, help: str, asset_types: frozenset[str]) -> None:
    register_condition(
        Condition(
            name,
            label,
            lambda params: dict(params),
            _unavailable(name),
            asset_types=asset_types,
            available=False,
            help=help,
        ),
        replace=False,
    )


def _any_value(value: Any) -> Any:
    return value


def get_scope(name: str) -> ScopeFilter:
    try:
        return registry.scopes[name]
    except KeyError:
        raise RuleError(
            f"unknown scope filter '{name}' (known: {', '.join(sorted(registry.scopes))})"
        ) from None


def get_condition(name: str) -> Condition:
    try:
        return registry.conditions[name]
    except KeyError:
        raise RuleError(
            f"unknown condition '{name}' (known: {', '.join(sorted(registry.conditions))})"
        ) from None
