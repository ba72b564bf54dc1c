"""Catalog services: incremental, set-based upserts of what a scan observed, and curation.

Every function here works on whole batches: a constant number of queries per batch of tables,
never one per column. A rescan of an unchanged source issues reads only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Q

from governance.datasources.models import DataSource
from pursight import audit, bulk, events

from .choices import ClassificationStatus, TableKind
from .models import CatalogColumn, CatalogSchema, CatalogTable, ColumnClassification, qualified
from .profiling import Profile


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
    scan_token: str = ""


@dataclass
class Change:
    asset_type: str
    change: str
    qualified_name: str
    display_name: str
    details: dict[str, Any] = field(default_factory=dict)


class TableRef(NamedTuple):
    id: int
    schema: str
    name: str
    kind: str


class ColumnRef(NamedTuple):
    """A live column of a scanned batch, for later layers (e.g. classification)."""

    id: int
    table_id: int
    schema: str
    table: str
    name: str
    data_type: str


@dataclass
class UpsertResult:
    counters: dict[str, int] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    # Live tables and columns of the batch, keyed by qualified name.
    columns: dict[str, ColumnRef] = field(default_factory=dict)
    tables: dict[str, TableRef] = field(default_factory=dict)

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
        rows = [
            {k: getattr(o, k) for k in ("name", "qualified_name", "first_seen", "last_seen")}
            | {"datasource_id": source.pk}
            for o in new
        ]
        for obj, pk in zip(new, bulk.insert_rows(CatalogSchema, rows), strict=True):
            obj.pk = pk
            obj._state.adding = False
        if restored:
            CatalogSchema.objects.bulk_update(restored, ["removed_at", "last_seen", "updated_at"])
    return {n: existing[n] for n in names}, result


TABLE_FIELDS = ("kind", "comment", "definition", "row_estimate", "scan_token")
# Fields that drift with the data: written when they differ, never counted as a change.
VOLATILE_TABLE_FIELDS = ("row_estimate", "scan_token")
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
        "scan_token": t.scan_token,
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


def _diff(current: dict[str, Any], values: dict[str, Any]) -> list[str]:
    """Names of the fields whose observed value differs from the stored one."""
    return [name for name, value in values.items() if current[name] != value]


# Stored values read back for comparison. Profiles are read only for tables sampled again.
TABLE_ROW = ("id", "qualified_name", "removed_at", *TABLE_FIELDS)
COLUMN_ROW = ("id", "qualified_name", "table_id", "name", "removed_at", *COLUMN_META_FIELDS)
PROFILE_ROW = ("id", *PROFILE_FIELDS)


class _Updates:
    """Rows to update, grouped by the set of fields each one changes: one UPDATE per group, and
    no row is written a field it did not change."""

    def __init__(self, model: type) -> None:
        self.model = model
        self.groups: dict[frozenset[str], list[Any]] = {}

    def add(self, pk: int, fields: dict[str, Any]) -> None:
        self.groups.setdefault(frozenset(fields), []).append(self.model(pk=pk, **fields))

    def write(self) -> None:
        for fields, objs in self.groups.items():
            self.model.objects.bulk_update(objs, sorted(fields))


def upsert_tables(
    source: DataSource,
    schemas: dict[str, CatalogSchema],
    observed: Sequence[ObservedTable],
    now: datetime,
) -> UpsertResult:
    """Upsert one batch of tables with their columns, in one transaction.

    A table is written whole or not at all. Columns missing from an observed table are marked
    removed. Row estimates alone do not count as a change (they drift with every insert) but are
    refreshed when the table is written for another reason. Stored rows are compared as plain
    values; only new and changed rows are written.
    """
    result = UpsertResult()
    if not observed:
        return result
    sid = source.pk
    tqns = {table_qn(sid, t.schema, t.name): t for t in observed}
    existing_tables = {
        r["qualified_name"]: r
        for r in CatalogTable.objects.filter(qualified_name__in=list(tqns)).values(*TABLE_ROW)
    }
    # Tables that were live before this batch: column additions are recorded only for them.
    live_table_ids = {r["id"] for r in existing_tables.values() if r["removed_at"] is None}
    existing_columns: dict[str, dict[str, Any]] = {}
    columns_by_table: dict[int, list[dict[str, Any]]] = {}
    for r in CatalogColumn.objects.filter(
        table_id__in=[t["id"] for t in existing_tables.values()]
    ).values(*COLUMN_ROW):
        existing_columns[r["qualified_name"]] = r
        columns_by_table.setdefault(r["table_id"], []).append(r)
    # Columns classified as sensitive keep no top values (see classifying.store_batch).
    sensitive = (
        sensitive_columns_of_tables([t["id"] for t in existing_tables.values()])
        if existing_tables
        else set()
    )
    sampled_ids = [
        existing_tables[qn]["id"]
        for qn, t in tqns.items()
        if qn in existing_tables and any(c.profile is not None for c in t.columns)
    ]
    if sampled_ids:
        profiles = {
            r.pop("id"): r
            for r in CatalogColumn.objects.filter(table_id__in=sampled_ids).values(*PROFILE_ROW)
        }
        for r in existing_columns.values():
            r.update(profiles.get(r["id"], {}))

    new_tables: list[tuple[str, dict[str, Any]]] = []
    upd_tables = _Updates(CatalogTable)
    table_ids: dict[str, int] = {}
    for qn, t in tqns.items():
        result.bump("tables_seen")
        values = _table_values(t)
        row = existing_tables.get(qn)
        display = f"{t.schema}.{t.name}"
        if row is None:
            new_tables.append(
                (
                    qn,
                    {
                        "datasource_id": sid,
                        "schema_id": schemas[t.schema].pk,
                        "name": t.name,
                        "qualified_name": qn,
                        "first_seen": now,
                        "last_seen": now,
                        **values,
                    },
                )
            )
            result.bump("tables_added")
            # One change for a new table; its columns are listed in it, not recorded one by one.
            result.changes.append(
                Change(t.kind, "added", qn, display, {"columns": [c.name for c in t.columns]})
            )
            continue
        table_ids[qn] = row["id"]
        changed = _diff(row, {k: v for k, v in values.items() if k not in VOLATILE_TABLE_FIELDS})
        volatile = _diff(row, {k: values[k] for k in VOLATILE_TABLE_FIELDS})
        if row["removed_at"] is not None:
            changed.append("removed_at")
            result.bump("tables_added")
            result.changes.append(Change(t.kind, "restored", qn, display))
        elif changed:
            result.bump("tables_changed")
            if "definition" in changed or "kind" in changed:
                result.changes.append(Change(t.kind, "changed", qn, display, {"fields": changed}))
        if changed:
            fields = {k: values[k] for k in changed if k in values}
            fields.update({k: values[k] for k in VOLATILE_TABLE_FIELDS})
            upd_tables.add(
                row["id"], {**fields, "removed_at": None, "last_seen": now, "updated_at": now}
            )
        elif volatile and row["scan_token"] != values["scan_token"]:
            # The data changed and was sampled again: keep the token (and the fresh estimate).
            fields = {k: values[k] for k in VOLATILE_TABLE_FIELDS}
            upd_tables.add(row["id"], {**fields, "updated_at": now})

    new_columns: list[tuple[str, dict[str, Any]]] = []
    upd_columns = _Updates(CatalogColumn)
    removed_column_ids: list[int] = []
    column_ids: dict[str, int] = {}
    with transaction.atomic():
        ids = bulk.insert_rows(CatalogTable, [row for _, row in new_tables])
        table_ids.update((qn, pk) for (qn, _), pk in zip(new_tables, ids, strict=True))
        upd_tables.write()
        for tqn, t in tqns.items():
            table_id = table_ids[tqn]
            result.tables[tqn] = TableRef(table_id, t.schema, t.name, t.kind)
            seen: set[str] = set()
            for c in t.columns:
                qn = column_qn(sid, t.schema, t.name, c.name)
                seen.add(qn)
                result.bump("columns_seen")
                values = _column_values(c)
                row = existing_columns.get(qn)
                if row is not None and row["id"] in sensitive and values.get("top_values"):
                    values["top_values"] = []
                display = f"{t.schema}.{t.name}.{c.name}"
                if row is None:
                    new_columns.append(
                        (
                            qn,
                            {
                                "datasource_id": sid,
                                "table_id": table_id,
                                "name": c.name,
                                "qualified_name": qn,
                                "first_seen": now,
                                "last_seen": now,
                                **values,
                            },
                        )
                    )
                    result.bump("columns_added")
                    if table_id in live_table_ids:  # a column added to a known table
                        result.changes.append(
                            Change("column", "added", qn, display, {"data_type": c.data_type})
                        )
                else:
                    column_ids[qn] = row["id"]
                    changed = _diff(row, values)
                    if row["removed_at"] is not None:
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
                                    {"from": row["data_type"], "to": c.data_type},
                                )
                            )
                    if changed:
                        fields = {k: values[k] for k in changed if k in values}
                        upd_columns.add(
                            row["id"],
                            {**fields, "removed_at": None, "last_seen": now, "updated_at": now},
                        )
                result.columns[qn] = ColumnRef(0, table_id, t.schema, t.name, c.name, c.data_type)
            for row in columns_by_table.get(table_id, ()):
                if row["qualified_name"] not in seen and row["removed_at"] is None:
                    removed_column_ids.append(row["id"])
                    result.bump("columns_removed")
                    result.changes.append(
                        Change(
                            "column",
                            "removed",
                            row["qualified_name"],
                            f"{t.schema}.{t.name}.{row['name']}",
                        )
                    )
        ids = bulk.insert_rows(CatalogColumn, [row for _, row in new_columns])
        column_ids.update((qn, pk) for (qn, _), pk in zip(new_columns, ids, strict=True))
        upd_columns.write()
        if removed_column_ids:
            CatalogColumn.objects.filter(pk__in=removed_column_ids).update(removed_at=now)
    for qn, ref in result.columns.items():
        result.columns[qn] = ref._replace(id=column_ids[qn])
    return result


def sensitive_columns_of_tables(table_ids: Iterable[int]) -> set[int]:
    """Columns of these tables with a classification that is not rejected (one query)."""
    return set(
        ColumnClassification.objects.filter(column__table_id__in=list(table_ids))
        .exclude(status=ClassificationStatus.REJECTED)
        .values_list("column_id", flat=True)
    )


def scan_tokens(source: DataSource, qualified_names: Iterable[str]) -> dict[str, str]:
    """The stored scan token of each live table among ``qualified_names`` (one query)."""
    return dict(
        CatalogTable.objects.live()
        .filter(datasource=source, qualified_name__in=list(qualified_names))
        .exclude(scan_token="")
        .values_list("qualified_name", "scan_token")
    )


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
            .exclude(qualified_name__in=list(seen_tables))
            .values_list("pk", "qualified_name", "schema_id", "schema__name", "name", "kind")
        )
        gone = [
            row
            for row in candidates
            if row[2] in gone_schema_ids or in_scope(row[3], row[4], row[5])
        ]
        if gone:
            ids = [row[0] for row in gone]
            CatalogTable.objects.filter(pk__in=ids).update(removed_at=now)
            removed_cols = (
                CatalogColumn.objects.live().filter(table_id__in=ids).update(removed_at=now)
            )
            result.bump("tables_removed", len(gone))
            result.bump("columns_removed", removed_cols)
            for _, qn, _, schema, name, kind in gone:
                result.changes.append(Change(kind, "removed", qn, f"{schema}.{name}"))
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
    if "description" in fields:
        events.emit("description.edited", asset, actor=actor, excerpt=asset.description[:200])
    return asset
