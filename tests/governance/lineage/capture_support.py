"""Catalog rows for lineage-capture tests, written through the catalog's own upsert services
(as a scan writes them) without connecting to a database."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from governance.catalog import services as catalog
from governance.catalog.models import CatalogColumn, CatalogTable


def catalogue(source: Any, tables: dict[str, list[str]], views: dict[str, str] | None = None):
    """``{"schema.table": [columns]}`` into ``source``'s catalog; ``views`` gives definitions."""
    now = timezone.now()
    views = views or {}
    names = sorted({key.split(".", 1)[0] for key in tables})
    schemas, _ = catalog.upsert_schemas(source, names, now)
    observed = []
    for key, columns in tables.items():
        schema, name = key.split(".", 1)
        observed.append(
            catalog.ObservedTable(
                schema=schema,
                name=name,
                kind="view" if key in views else "table",
                definition=views.get(key),
                columns=[
                    catalog.ObservedColumn(name=c, data_type="TEXT", nullable=True, ordinal=i)
                    for i, c in enumerate(columns, 1)
                ],
            )
        )
    catalog.upsert_tables(source, schemas, observed, now)
    return {
        f"{t.schema.name}.{t.name}": t
        for t in CatalogTable.objects.filter(datasource=source).select_related("schema")
    }


def column(source: Any, key: str, name: str) -> CatalogColumn:
    schema, table = key.split(".", 1)
    return CatalogColumn.objects.get(
        datasource=source, table__schema__name=schema, table__name=table, name=name
    )
