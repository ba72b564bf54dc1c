"""Catalog services: incremental, set-based upserts of what a scan observed, and curation.

Every function here works on whole batches: a constant number of queries per batch of tables,
never one per column. A rescan of an unchanged source issues reads only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q

from governance.datasources.models import DataSource
from pursight import audit

from .choices import TableKind
from .models import CatalogColumn, CatalogSchema, CatalogTable, qualified
from .profiling import Profile

BULK_BATCH = 2000


@dataclass
class ObservedColumn:
    name: str
    data_type: str
    nullable: bool
    ordinal: int
    default: str | None = None
    comment: str | None = None
    profile: Profile | None = None


@dataclass
class ObservedTable:
    schema: str
    name: str
    kind: str = TableKind.TABLE
    comment: str | None = None
    definition: str | None = None
    row_estimate: int | None = None
    columns: list[ObservedColumn] = field(default_factory=list)


@dataclass
class Change:
    asset_type: str
    change: str
    qualified_name: str
    display_name: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class UpsertResult:
    counters: dict[str, int] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    # Live columns of the batch with their observed profile, keyed by qualified name.
    columns: dict[str, CatalogColumn] = field(default_factory=dict)
    tables: dict[str, CatalogTable] = field(default_factory=dict)

    def bump(self, name: str, n: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + n

    def merge(self, other: UpsertResult) -> None:
        for k, v in other.counters.items():
            self.bump(k, v)
        self.changes.extend(other.changes)


def schema_qn(source_id: int, schema: str) -> str:
    return qualified(source_id, schema)


def table_qn(source_id: int, schema: str, table: str) -> str:
    return qualified(source_id, schema, table)


def column_qn(source_id: int, schema: str, table: str, column: str) -> str:
    return qualified(source_id, schema, table, column)


def upsert_schemas(
    source: DataSource, names: Sequence[str], now: datetime
) -> tuple[dict[str, CatalogSchema], UpsertResult]:
    """Create missing schemas and restore removed ones; returns them by name."""
    result = UpsertResult()
    existing = {s.name: s for s in CatalogSchema.objects.filter(datasource=source)}
    new, restored = [], []
    for name in names:
        result.bump("schemas_seen")
        obj = existing.get(name)
        qn = schema_qn(source.pk, name)
        if obj is None:
            obj = CatalogSchema(
                datasource=source, name=name, qualified_name=qn, first_seen=now, last_seen=now
            )
            new.append(obj)
            existing[name] = obj
            result.bump("schemas_added")
            result.changes.append(Change("schema", "added", qn, name))
        elif obj.removed_at is not None:
            obj.removed_at, obj.last_seen = None, now
            restored.append(obj)
            result.bump("schemas_added")
            result.changes.append(Change("schema", "restored", qn, name))
    with transaction.atomic():
        CatalogSchema.objects.bulk_create(new, batch_size=BULK_BATCH)
        if restored:
            CatalogSchema.objects.bulk_update(restored, ["removed_at", "last_seen", "updated_at"])
    return {n: existing[n] for n in names}, result


TABLE_FIELDS = ("kind", "comment", "definition", "row_estimate")
COLUMN_META_FIELDS = ("data_type", "nullable", "ordinal", "default", "comment")
PROFILE_FIELDS = (
    "sample_size",
    "null_fraction",
    "distinct_count",
    "min_length",
    "max_length",
    "top_values",
)


def _table_values(t: ObservedTable) -> dict[str, Any]:
    return {
        "kind": t.kind,
        "comment": t.comment or "",
        "definition": t.definition or "",
        "row_estimate": t.row_estimate,
    }


def _column_values(c: ObservedColumn) -> dict[str, Any]:
    values: dict[str, Any] = {
        "data_type": c.data_type,
        "nullable": c.nullable,
        "ordinal": c.ordinal,
        "default": c.default,
        "comment": c.comment or "",
    }
    if c.profile is not None:
        values.update(c.profile.as_fields())
    return values


def _apply(obj: Any, values: dict[str, Any]) -> list[str]:
    """Set the differing values on ``obj``; return the names of fields that changed."""
    changed = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def upsert_tables(
    source: DataSource,
    schemas: dict[str, CatalogSchema],
    observed: Sequence[ObservedTable],
    now: datetime,
) -> UpsertResult:
    """Upsert one batch of tables with their columns, in one transaction.

    A table is written whole or not at all. Columns missing from an observed table are marked
    removed. Row estimates alone do not count as a change (they drift with every insert) but are
    refreshed when the table is written for another reason.
    """
    result = UpsertResult()
    if not observed:
        return result
    sid = source.pk
    tqns = {table_qn(sid, t.schema, t.name): t for t in observed}
    existing_tables = {
        t.qualified_name: t for t in CatalogTable.objects.filter(qualified_name__in=list(tqns))
    }
    # Tables that were live before this batch: column additions are recorded only for them.
    existing_table_ids = {t.pk for t in existing_tables.values() if t.removed_at is None}
    existing_columns: dict[str, CatalogColumn] = {}
    columns_by_table: dict[int, list[CatalogColumn]] = {}
    for c in CatalogColumn.objects.filter(table_id__in=[t.pk for t in existing_tables.values()]):
        existing_columns[c.qualified_name] = c
        columns_by_table.setdefault(c.table_id, []).append(c)
    new_tables: list[CatalogTable] = []
    upd_tables: list[CatalogTable] = []
    upd_table_fields: set[str] = set()
    for qn, t in tqns.items():
        result.bump("tables_seen")
        values = _table_values(t)
        obj = existing_tables.get(qn)
        display = f"{t.schema}.{t.name}"
        if obj is None:
            obj = CatalogTable(
                datasource=source,
                schema=schemas[t.schema],
                name=t.name,
                qualified_name=qn,
                first_seen=now,
                last_seen=now,
                **values,
            )
            new_tables.append(obj)
            result.bump("tables_added")
            # One change for a new table; its columns are listed in it, not recorded one by one.
            result.changes.append(
                Change(t.kind, "added", qn, display, {"columns": [c.name for c in t.columns]})
            )
        else:
            changed = _apply(obj, {k: v for k, v in values.items() if k != "row_estimate"})
            if obj.removed_at is not None:
                obj.removed_at = None
                changed.append("removed_at")
                result.bump("tables_added")
                result.changes.append(Change(t.kind, "restored", qn, display))
            elif changed:
                result.bump("tables_changed")
                if "definition" in changed or "kind" in changed:
                    result.changes.append(
                        Change(t.kind, "changed", qn, display, {"fields": changed})
                    )
            if changed:
                obj.row_estimate = values["row_estimate"]
                obj.last_seen = now
                upd_tables.append(obj)
                upd_table_fields.update([*changed, "row_estimate", "last_seen"])
        result.tables[qn] = obj

    new_columns: list[CatalogColumn] = []
    upd_columns: list[CatalogColumn] = []
    upd_column_fields: set[str] = set()
    removed_columns: list[CatalogColumn] = []
    with transaction.atomic():
        CatalogTable.objects.bulk_create(new_tables, batch_size=BULK_BATCH)
        if upd_tables:
            upd_table_fields.add("updated_at")
            CatalogTable.objects.bulk_update(
                upd_tables, sorted(upd_table_fields), batch_size=BULK_BATCH
            )
        for tqn, t in tqns.items():
            table = result.tables[tqn]
            seen: set[str] = set()
            for c in t.columns:
                qn = column_qn(sid, t.schema, t.name, c.name)
                seen.add(qn)
                result.bump("columns_seen")
                values = _column_values(c)
                obj = existing_columns.get(qn)
                display = f"{t.schema}.{t.name}.{c.name}"
                if obj is None:
                    obj = CatalogColumn(
                        datasource=source,
                        table=table,
                        name=c.name,
                        qualified_name=qn,
                        first_seen=now,
                        last_seen=now,
                        **values,
                    )
                    new_columns.append(obj)
                    result.bump("columns_added")
                    if table.pk in existing_table_ids:  # a column added to a known table
                        result.changes.append(
                            Change("column", "added", qn, display, {"data_type": c.data_type})
                        )
                else:
                    old_type = obj.data_type
                    changed = _apply(obj, values)
                    if obj.removed_at is not None:
                        obj.removed_at = None
                        changed.append("removed_at")
                        result.bump("columns_added")
                        result.changes.append(Change("column", "restored", qn, display))
                    elif changed:
                        result.bump("columns_changed")
                        if "data_type" in changed:
                            result.changes.append(
                                Change(
                                    "column",
                                    "type_changed",
                                    qn,
                                    display,
                                    {"from": old_type, "to": c.data_type},
                                )
                            )
                    if changed:
                        obj.last_seen = now
                        upd_columns.append(obj)
                        upd_column_fields.update([*changed, "last_seen"])
                result.columns[qn] = obj
            for obj in columns_by_table.get(table.pk, ()):
                qn = obj.qualified_name
                if qn not in seen and obj.removed_at is None:
                    obj.removed_at = now
                    removed_columns.append(obj)
                    result.bump("columns_removed")
                    result.changes.append(
                        Change("column", "removed", qn, f"{t.schema}.{t.name}.{obj.name}")
                    )
        CatalogColumn.objects.bulk_create(new_columns, batch_size=BULK_BATCH)
        if upd_columns:
            upd_column_fields.add("updated_at")
            CatalogColumn.objects.bulk_update(
                upd_columns, sorted(upd_column_fields), batch_size=BULK_BATCH
            )
        if removed_columns:
            CatalogColumn.objects.filter(pk__in=[c.pk for c in removed_columns]).update(
                removed_at=now
            )
    return result


def mark_missing(
    source: DataSource,
    *,
    scanned_schemas: Iterable[str],
    seen_tables: set[str],
    in_scope: Callable[[str, str, str], bool],
    schema_in_scope: Callable[[str], bool],
    now: datetime,
) -> UpsertResult:
    """Mark removed the in-scope tables (and their columns) and schemas that were not seen."""
    result = UpsertResult()
    scanned = set(scanned_schemas)
    with transaction.atomic():
        gone_schemas = [
            s
            for s in CatalogSchema.objects.live().filter(datasource=source)
            if s.name not in scanned and schema_in_scope(s.name)
        ]
        if gone_schemas:
            CatalogSchema.objects.filter(pk__in=[s.pk for s in gone_schemas]).update(removed_at=now)
            for s in gone_schemas:
                result.bump("schemas_removed")
                result.changes.append(Change("schema", "removed", s.qualified_name, s.name))
        gone_schema_ids = {s.pk for s in gone_schemas}
        candidates = (
            CatalogTable.objects.live()
            .filter(datasource=source)
            .filter(Q(schema__name__in=scanned) | Q(schema_id__in=gone_schema_ids))
            .select_related("schema")
        )
        gone = [
            t
            for t in candidates
            if t.qualified_name not in seen_tables
            and (t.schema_id in gone_schema_ids or in_scope(t.schema.name, t.name, t.kind))
        ]
        if gone:
            ids = [t.pk for t in gone]
            CatalogTable.objects.filter(pk__in=ids).update(removed_at=now)
            removed_cols = (
                CatalogColumn.objects.live().filter(table_id__in=ids).update(removed_at=now)
            )
            result.bump("tables_removed", len(gone))
            result.bump("columns_removed", removed_cols)
            for t in gone:
                result.changes.append(
                    Change(t.kind, "removed", t.qualified_name, f"{t.schema.name}.{t.name}")
                )
    return result


CURATABLE_FIELDS = ("description", "owner")


@transaction.atomic
def update_asset(*, actor: Any, asset: Any, **fields: Any) -> Any:
    """Edit curated metadata (description, owner) of a schema, table or column."""
    unknown = set(fields) - set(CURATABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    before = audit.snapshot(asset, list(CURATABLE_FIELDS))
    for k, v in fields.items():
        setattr(asset, k, v)
    asset.save(update_fields=[*fields, "updated_at"])
    audit.record(
        actor=actor,
        action=f"{asset._meta.model_name}.update",
        obj=asset,
        changes=audit.diff(before, audit.snapshot(asset, list(CURATABLE_FIELDS))),
    )
    return asset
