"""The asset hierarchy: data source → schema → table or view → column."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .choices import ClassificationSource, ClassificationStatus, TableKind

SEARCH_CONFIG = "simple"


class AssetQuerySet(models.QuerySet):
    def live(self) -> AssetQuerySet:
        return self.filter(removed_at__isnull=True)


class Asset(models.Model):
    """Common fields of catalog assets.

    ``qualified_name`` is unique across the catalog: ``<source id>/<schema>/<table>/<column>``
    with ``/`` and ``%`` in names percent-escaped. An asset that disappears is marked removed
    (``removed_at``), never deleted, and comes back when it reappears. A rescan of an unchanged
    source writes nothing: ``last_seen`` is the last time the asset was observed with a change;
    the source's ``last_scan_at`` tells when unchanged live assets were last confirmed.
    """

    datasource = models.ForeignKey(
        "datasources.DataSource", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=255)
    qualified_name = models.CharField(max_length=1200, unique=True)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_seen = models.DateTimeField(editable=False)
    last_seen = models.DateTimeField(editable=False)
    removed_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssetQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_qualified_name(self) -> str:
        """The qualified name for people: the data source's name instead of its internal id.

        ``qualified_name`` stays the key (ids do not change when a source is renamed).
        """
        _, _, rest = self.qualified_name.partition("/")
        return f"{qn_escape(self.datasource.name)}/{rest}" if rest else self.qualified_name


def qn_escape(part: str) -> str:
    return part.replace("%", "%25").replace("/", "%2F")


def qualified(*parts: object) -> str:
    return "/".join(qn_escape(str(p)) for p in parts)


class CatalogSchema(Asset):
    class Meta:
        ordering = ["datasource_id", "name"]
        verbose_name = "schema"

    @property
    def display_name(self) -> str:
        return self.name


class CatalogTable(Asset):
    schema = models.ForeignKey(CatalogSchema, on_delete=models.CASCADE, related_name="tables")
    kind = models.CharField(max_length=10, choices=TableKind.choices, default=TableKind.TABLE)
    comment = models.TextField(blank=True)
    definition = models.TextField(blank=True)
    row_estimate = models.BigIntegerField(null=True, blank=True)
    # What the last sampling saw: the source's data version, the sampling settings and the
    # structure. An unchanged token lets an incremental scan skip sampling the table.
    scan_token = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["schema_id", "name"]
        verbose_name = "table or view"
        verbose_name_plural = "tables and views"
        indexes = [
            models.Index(fields=["datasource", "removed_at"]),
        ]

    @property
    def display_name(self) -> str:
        return (
            f"{self.schema.name}.{self.name}" if "schema" in self._state.fields_cache else self.name
        )


class CatalogColumn(Asset):
    table = models.ForeignKey(CatalogTable, on_delete=models.CASCADE, related_name="columns")
    data_type = models.CharField(max_length=200)
    nullable = models.BooleanField(default=True)
    ordinal = models.PositiveIntegerField(default=0)
    default = models.TextField(blank=True, null=True)
    comment = models.TextField(blank=True)
    # Profile of the last sample.
    sample_size = models.PositiveIntegerField(null=True, blank=True)
    null_fraction = models.FloatField(null=True, blank=True)
    distinct_count = models.PositiveIntegerField(null=True, blank=True)
    min_length = models.PositiveIntegerField(null=True, blank=True)
    max_length = models.PositiveIntegerField(null=True, blank=True)
    top_values = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["table_id", "ordinal", "name"]
        verbose_name = "column"
        indexes = [
            # The catalog list: one data source's columns in table and ordinal order.
            models.Index(
                fields=["datasource", "table", "ordinal", "name"], name="catalog_col_listing"
            ),
            models.Index(fields=["datasource", "removed_at"]),
        ]

    @property
    def display_name(self) -> str:
        if "table" in self._state.fields_cache:
            return f"{self.table.name}.{self.name}"
        return self.name

    @property
    def distinct_label(self) -> str:
        """The distinct count with its basis: it is counted in the last sample, not the table."""
        if self.distinct_count is None:
            return ""
        if self.sample_size is None:
            return f"{self.distinct_count} distinct in sample"
        return f"{self.distinct_count} distinct in sample of {self.sample_size}"


class ColumnClassification(models.Model):
    """A classification of a column: suggested by a scan, decided (or set) by a steward.

    Holds masked evidence only, never sampled values. ``datasource`` repeats the column's data
    source (written with the row, never changed) so that the permission gate, filters and label
    roll-ups need no join through the column.
    """

    column = models.ForeignKey(
        CatalogColumn, on_delete=models.CASCADE, related_name="classifications"
    )
    datasource = models.ForeignKey(
        "datasources.DataSource", on_delete=models.CASCADE, related_name="+", editable=False
    )
    classification = models.ForeignKey(
        "classifications.Classification", on_delete=models.CASCADE, related_name="+"
    )
    confidence = models.FloatField(default=0.0)
    source = models.CharField(max_length=12, choices=ClassificationSource.choices)
    status = models.CharField(
        max_length=10,
        choices=ClassificationStatus.choices,
        default=ClassificationStatus.SUGGESTED,
    )
    reasons = models.JSONField(default=list, blank=True)
    evidence = models.JSONField(default=list, blank=True, help_text="Masked example values.")
    model_version = models.CharField(max_length=80, blank=True)
    sensitivity_label = models.ForeignKey(
        "classifications.SensitivityLabel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    disagreement = models.BooleanField(
        default=False, help_text="A later scan found evidence against the steward's decision."
    )
    disagreement_details = models.JSONField(default=dict, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["column_id", "-confidence"]
        constraints = [
            models.UniqueConstraint(
                fields=["column", "classification"], name="colclass_one_per_column_type"
            )
        ]
        indexes = [
            models.Index(fields=["datasource", "status"]),
            models.Index(fields=["classification", "status"]),
        ]

    def __str__(self) -> str:
        """E.g. "customers.email — Email address (suggested)".

        Reads the column, its table and the classification: lists select them together.
        """
        column = self.column
        return (
            f"{column.table.name}.{column.name} — {self.classification.name} "
            f"({self.get_status_display().lower()})"
        )


class ColumnContainment(models.Model):
    """Sensitive data found *inside* a column's text (an e-mail or a phone number in a notes
    column): not the column's type, but a separate result with the share of sampled rows where
    it occurs, as Purview reports data "contained" in unstructured fields.

    Written by scans (one row per column and info type, replaced when the column is sampled
    again); never decided by stewards. Holds masked evidence only. ``datasource`` repeats the
    column's data source so that the permission gate needs no join; ``scan_run_id`` is the id of
    the run that last found it (scans sit above the catalog, so it is a plain id).
    """

    column = models.ForeignKey(CatalogColumn, on_delete=models.CASCADE, related_name="containments")
    datasource = models.ForeignKey(
        "datasources.DataSource", on_delete=models.CASCADE, related_name="+", editable=False
    )
    classification = models.ForeignKey(
        "classifications.Classification",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="info type",
    )
    share = models.FloatField(help_text="Share of the sampled non-null values that contain it.")
    matched = models.PositiveIntegerField(default=0, help_text="Sampled values containing it.")
    sampled = models.PositiveIntegerField(default=0, help_text="Sampled non-null values.")
    evidence = models.JSONField(default=list, blank=True, help_text="Masked matches.")
    scan_run_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    found_at = models.DateTimeField()

    class Meta:
        ordering = ["column_id", "-share"]
        verbose_name = "sensitive data inside text"
        verbose_name_plural = "sensitive data inside text"
        constraints = [
            models.UniqueConstraint(
                fields=["column", "classification"], name="colcontain_one_per_column_type"
            )
        ]
        indexes = [models.Index(fields=["datasource", "classification"])]

    def __str__(self) -> str:
        return f"{self.column.name} contains {self.classification.name} ({self.share:.0%})"
