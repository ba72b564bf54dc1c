"""Catalog export as plain data, a constant number of queries whatever the catalog's size."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet

from governance.datasources.models import DataSource
from pursight.registry import Registry

from .models import CatalogColumn, CatalogSchema, CatalogTable

# Sections added to each exported column (the catalog's classifications; layers above it
# register theirs in their ``AppConfig.ready()``): callables taking the ids of the exported
# columns and returning {column id: {key: value}}, in one query whatever the number of columns.
ColumnExtension = Callable[[Sequence[int]], dict[int, dict[str, Any]]]
column_extensions: Registry[ColumnExtension] = Registry("catalog export columns")
# The same for exported tables, schemas and data sources (the glossary adds tags and terms).
table_extensions: Registry[ColumnExtension] = Registry("catalog export tables")
schema_extensions: Registry[ColumnExtension] = Registry("catalog export schemas")
source_extensions: Registry[ColumnExtension] = Registry("catalog export sources")


def _extra(registry: Registry[ColumnExtension], ids: Sequence[int]) -> dict[int, dict]:
    extra: dict[int, dict] = {}
    for extension in registry:
        for pk, data in extension(ids).items():
            extra.setdefault(pk, {}).update(data)
    return extra


def export_catalog(
    sources: QuerySet[DataSource], *, include_removed: bool = False
) -> dict[str, Any]:
    sources = list(sources.select_related("collection").order_by("name"))
    ids = [s.pk for s in sources]
    schemas = CatalogSchema.objects.filter(datasource_id__in=ids)
    tables = CatalogTable.objects.filter(datasource_id__in=ids)
    columns = CatalogColumn.objects.filter(datasource_id__in=ids)
    if not include_removed:
        schemas, tables, columns = schemas.live(), tables.live(), columns.live()
    cols_by_table: dict[int, list[dict]] = {}
    column_rows = list(columns.order_by("table_id", "ordinal"))
    extra: dict[int, dict] = {}
    for extension in column_extensions:
        for cid, data in extension([c.pk for c in column_rows]).items():
            extra.setdefault(cid, {}).update(data)
    for c in column_rows:
        cols_by_table.setdefault(c.table_id, []).append(
            {
                "name": c.name,
                "qualified_name": c.qualified_name,
                "data_type": c.data_type,
                "nullable": c.nullable,
                "ordinal": c.ordinal,
                "default": c.default,
                "comment": c.comment,
                "description": c.description,
                "removed_at": c.removed_at.isoformat() if c.removed_at else None,
                "profile": {
                    "sample_size": c.sample_size,
                    "null_fraction": c.null_fraction,
                    "distinct_count": c.distinct_count,
                    "min_length": c.min_length,
                    "max_length": c.max_length,
                    "top_values": c.top_values,
                },
                **extra.get(c.pk, {}),
            }
        )
    tables_by_schema: dict[int, list[dict]] = {}
    table_rows = list(tables.order_by("schema_id", "name"))
    table_extra = _extra(table_extensions, [t.pk for t in table_rows])
    for t in table_rows:
        tables_by_schema.setdefault(t.schema_id, []).append(
            {
                "name": t.name,
                "kind": t.kind,
                "qualified_name": t.qualified_name,
                "row_estimate": t.row_estimate,
                "comment": t.comment,
                "description": t.description,
                "definition": t.definition or None,
                "removed_at": t.removed_at.isoformat() if t.removed_at else None,
                "columns": cols_by_table.get(t.pk, []),
                **table_extra.get(t.pk, {}),
            }
        )
    schemas_by_source: dict[int, list[dict]] = {}
    schema_rows = list(schemas.order_by("name"))
    schema_extra = _extra(schema_extensions, [s.pk for s in schema_rows])
    for s in schema_rows:
        schemas_by_source.setdefault(s.datasource_id, []).append(
            {
                "name": s.name,
                "qualified_name": s.qualified_name,
                "removed_at": s.removed_at.isoformat() if s.removed_at else None,
                "tables": tables_by_schema.get(s.pk, []),
                **schema_extra.get(s.pk, {}),
            }
        )
    source_extra = _extra(source_extensions, ids)
    return {
        "sources": [
            {
                "name": src.name,
                "kind": src.kind,
                "location": src.location,
                "collection": src.collection.name,
                "description": src.description,
                "last_scan_at": src.last_scan_at.isoformat() if src.last_scan_at else None,
                "schemas": schemas_by_source.get(src.pk, []),
                **source_extra.get(src.pk, {}),
            }
            for src in sources
        ]
    }
