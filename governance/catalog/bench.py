"""Catalog columns for the info-type test bench (``governance.classifications.extensions``).

A steward names a catalog column by its qualified name, as the catalog shows it
(``<data source>/<schema>/<table>/<column>``, ``/`` and ``%`` in names escaped as ``%2F`` and
``%25``) or as stored (the data source's id first); the column is looked up through the
permission gate (a column the steward may not view answers like a missing one) and sampled
live from its data source, with the source's connector and timeouts. The bench shows the values
masked; nothing is stored.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from django.db.models import Q, QuerySet

from governance.classifications.engine import ColumnInput
from governance.datasources import services as datasources
from governance.datasources.connectors import ConnectorError
from pursight import permissions

from .models import CatalogColumn

MAX_CHOICES = 50


def _visible(actor: Any) -> QuerySet[CatalogColumn]:
    return permissions.restrict(
        CatalogColumn.objects.live().select_related("table__schema", "datasource"), actor
    )


def _parts(key: str) -> list[str] | None:
    parts = key.split("/")
    if len(parts) != 4 or not all(parts):
        return None
    return [unquote(p) for p in parts]


def find_column(actor: Any, key: str) -> CatalogColumn | None:
    """The live column ``key`` names, if ``actor`` may view it (one query)."""
    parts = _parts(key.strip())
    if parts is None:
        return None
    source, schema, table, column = parts
    by_name = Q(datasource__name=source, table__schema__name=schema, table__name=table, name=column)
    query = by_name | Q(qualified_name=key.strip()) if source.isdigit() else by_name
    return _visible(actor).filter(query).order_by("pk").first()


class CatalogColumnSource:
    """The catalog's columns, sampled live (:class:`ColumnSource` of the test bench)."""

    label = "catalog column"

    def sample(self, actor: Any, key: str, limit: int) -> ColumnInput | None:
        column = find_column(actor, key)
        if column is None:
            return None
        table = column.table
        source = column.datasource
        try:
            with datasources.open_connector(source) as connector:
                values = connector.sample(table.schema.name, table.name, [column.name], limit)
        except ConnectorError as exc:
            raise ValueError(
                datasources.public_message(source, exc.code.value, exc.message)
            ) from None
        siblings = list(
            CatalogColumn.objects.live()
            .filter(table_id=table.pk)
            .exclude(pk=column.pk)
            .order_by("ordinal", "name")
            .values_list("name", flat=True)
        )
        return ColumnInput(
            name=column.name,
            data_type=column.data_type,
            values=[None if v is None else str(v) for v in values.get(column.name, [])],
            table=table.name,
            siblings=siblings,
        )

    def choices(
        self, actor: Any, term: str = "", limit: int = MAX_CHOICES
    ) -> list[tuple[str, str]]:
        """Columns ``actor`` may view whose name (or table's) contains ``term``, as
        ``(key, label)`` for a picker: the key is what :meth:`sample` takes (one query)."""
        qs = _visible(actor)
        term = (term or "").strip()
        if term:
            qs = qs.filter(Q(name__icontains=term) | Q(table__name__icontains=term))
        out = []
        for c in qs.order_by("datasource__name", "table__name", "ordinal")[:limit]:
            out.append((c.display_qualified_name, f"{c.table.name}.{c.name} ({c.data_type})"))
        return out


column_source = CatalogColumnSource()
