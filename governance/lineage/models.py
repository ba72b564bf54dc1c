"""Lineage between catalog assets, and the classifications that flow along it.

An edge joins two tables, or two columns and their tables: data flows from upstream to
downstream. Each origin (a view definition, an OpenLineage job, a dbt model,
a person) keeps its own edges, so one origin can close what it no longer reports without
touching what another says. A closed edge (``closed_at`` set) is history: it stays, is not drawn
by default and never propagates.

Each edge also carries the data source of each end (``upstream_datasource``,
``downstream_datasource``: copies of its tables' ``datasource``, which never change), so that
the gate's scope of an edge, the "both ends visible" rule and the graph's per-level visibility
are decided on the edge row itself, without joining the tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models

from .choices import EdgeLevel, EdgeOrigin


class EdgeQuerySet(models.QuerySet):
    def open(self) -> EdgeQuerySet:
        return self.filter(closed_at__isnull=True)


class LineageEdge(models.Model):
    """``upstream_table`` → ``downstream_table`` always; a column-level edge also names the
    columns (each in its table). The table graph is the set of distinct table pairs of open
    edges; the column graph the open edges with columns.

    ``upstream_datasource`` / ``downstream_datasource`` repeat the tables' data sources: filled
    by :meth:`save` and by the bulk writers (``services.sync_edges``, via
    :func:`datasources_of_tables`), never edited."""

    upstream_table = models.ForeignKey(
        "catalog.CatalogTable", on_delete=models.CASCADE, related_name="lineage_downstream"
    )
    downstream_table = models.ForeignKey(
        "catalog.CatalogTable", on_delete=models.CASCADE, related_name="lineage_upstream"
    )
    upstream_datasource = models.ForeignKey(
        "datasources.DataSource",
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        help_text="The upstream table's data source (a copy, for the gate and the graph).",
    )
    downstream_datasource = models.ForeignKey(
        "datasources.DataSource",
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        help_text="The downstream table's data source (a copy: the edge's scope in the gate).",
    )
    upstream_column = models.ForeignKey(
        "catalog.CatalogColumn",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="lineage_downstream",
    )
    downstream_column = models.ForeignKey(
        "catalog.CatalogColumn",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="lineage_upstream",
    )
    level = models.CharField(max_length=8, choices=EdgeLevel.choices)
    origin = models.CharField(max_length=12, choices=EdgeOrigin.choices)
    origin_ref = models.CharField(
        max_length=500,
        blank=True,
        help_text="What reported the edge: the view, the OpenLineage job or the dbt node.",
    )
    transformation = models.TextField(
        blank=True, help_text="How the downstream is derived, when the origin says."
    )
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField()
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the origin stopped reporting this edge."
    )
    propagation_blocked = models.BooleanField(
        default=False,
        help_text="Classifications do not flow along this edge.",
    )
    blocked_reason = models.CharField(max_length=300, blank=True)
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = EdgeQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["upstream_table", "downstream_table", "origin", "origin_ref"],
                condition=models.Q(upstream_column__isnull=True),
                name="lineage_table_edge_one_per_origin",
            ),
            models.UniqueConstraint(
                fields=["upstream_column", "downstream_column", "origin", "origin_ref"],
                condition=models.Q(upstream_column__isnull=False),
                name="lineage_column_edge_one_per_origin",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        level="table", upstream_column__isnull=True, downstream_column__isnull=True
                    )
                    | models.Q(
                        level="column",
                        upstream_column__isnull=False,
                        downstream_column__isnull=False,
                    )
                ),
                name="lineage_edge_level_matches_columns",
            ),
        ]
        indexes = [
            models.Index(fields=["upstream_table", "closed_at"], name="lineage_edge_up_table"),
            models.Index(fields=["downstream_table", "closed_at"], name="lineage_edge_down_table"),
            models.Index(fields=["upstream_column", "closed_at"], name="lineage_edge_up_col"),
            models.Index(fields=["downstream_column", "closed_at"], name="lineage_edge_down_col"),
            models.Index(fields=["origin", "origin_ref"], name="lineage_edge_origin"),
        ]

    def __str__(self) -> str:
        up = self.upstream_column_id or self.upstream_table_id
        down = self.downstream_column_id or self.downstream_table_id
        return f"{self.level} {up} → {down} ({self.origin})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or {
            "upstream_table",
            "downstream_table",
            "upstream_datasource",
            "downstream_datasource",
        } & set(update_fields):
            self.fill_datasources()
        super().save(*args, **kwargs)

    def fill_datasources(self) -> None:
        """Copy each end's data source from its table: no query when both tables are loaded
        (or the copies are already set for the same tables), else one."""
        cache = self._state.fields_cache
        wanted: dict[str, int] = {}
        for end in ("upstream", "downstream"):
            table_id = getattr(self, f"{end}_table_id")
            table = cache.get(f"{end}_table")
            if table is not None and table.pk == table_id:
                setattr(self, f"{end}_datasource_id", table.datasource_id)
            elif table_id is not None and (
                getattr(self, f"{end}_datasource_id") is None or self._state.adding
            ):
                wanted[end] = table_id
        if wanted:
            found = datasources_of_tables(wanted.values())
            for end, table_id in wanted.items():
                setattr(self, f"{end}_datasource_id", found.get(table_id))


def datasources_of_tables(table_ids: Iterable[int]) -> dict[int, int]:
    """``{table id: data source id}`` of ``table_ids`` (one query; none for no ids)."""
    from governance.catalog.models import CatalogTable

    ids = sorted(set(table_ids))
    if not ids:
        return {}
    return dict(CatalogTable.objects.filter(pk__in=ids).values_list("pk", "datasource_id"))


class PropagatedClassification(models.Model):
    """A classification a column holds because an upstream column holds it.

    ``origin`` is the accepted (or manual) decision on the upstream column that started the flow;
    ``via`` is the last edge of the path, ``path`` the edge ids from the origin. Rows are rebuilt
    by the propagation service when a decision, an edge or a block changes; they are never edited
    by hand.
    """

    column = models.ForeignKey(
        "catalog.CatalogColumn", on_delete=models.CASCADE, related_name="propagated_classifications"
    )
    datasource = models.ForeignKey(
        "datasources.DataSource", on_delete=models.CASCADE, related_name="+", editable=False
    )
    classification = models.ForeignKey(
        "classifications.Classification", on_delete=models.CASCADE, related_name="+"
    )
    sensitivity_label = models.ForeignKey(
        "classifications.SensitivityLabel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    origin = models.ForeignKey(
        "catalog.ColumnClassification", on_delete=models.CASCADE, related_name="propagations"
    )
    via = models.ForeignKey(LineageEdge, on_delete=models.CASCADE, related_name="propagations")
    path = models.JSONField(default=list, help_text="Edge ids from the origin column to this one.")
    reason = models.CharField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["column_id", "classification_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["column", "classification", "origin"], name="lineage_propagated_one"
            )
        ]
        indexes = [models.Index(fields=["datasource", "classification"])]

    def __str__(self) -> str:
        return self.reason
