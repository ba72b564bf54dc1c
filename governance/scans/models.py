"""Scans (what to scan) and their runs (one execution each), with per-run schema changes."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from pursight.models import GovernedModel

from .choices import ACTIVE_STATES, AssetType, ChangeKind, RunState, Trigger

COUNTER_FIELDS = [
    f"{kind}_{what}"
    for kind in ("schemas", "tables", "columns")
    for what in ("seen", "added", "changed", "removed")
]


class Scan(GovernedModel):
    name = models.CharField(max_length=100)
    datasource = models.ForeignKey(
        "datasources.DataSource",
        on_delete=models.CASCADE,
        related_name="scans",
        verbose_name="data source",
    )
    rule_set = models.ForeignKey(
        "scanrules.ScanRuleSet",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="Empty: the system default rule set for the source's kind.",
    )
    is_default = models.BooleanField(default=False, editable=False)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["datasource__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["datasource", "name"], name="scans_scan_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.datasource.name} / {self.name}"


def _counters() -> dict[str, models.Field]:
    return {name: models.PositiveIntegerField(default=0, editable=False) for name in COUNTER_FIELDS}


class ScanRun(models.Model):
    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="runs")
    datasource = models.ForeignKey(
        "datasources.DataSource",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="data source",
    )
    state = models.CharField(
        max_length=10, choices=RunState.choices, default=RunState.QUEUED, db_index=True
    )
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    warnings = models.JSONField(default=list, blank=True)
    tables_total = models.PositiveIntegerField(null=True, blank=True)
    tables_done = models.PositiveIntegerField(default=0)
    tables_sampled = models.PositiveIntegerField(
        default=0, help_text="Tables sampled; the others were unchanged since the last scan."
    )
    locals().update(_counters())

    class Meta:
        ordering = ["-queued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scan"],
                condition=models.Q(state__in=ACTIVE_STATES),
                name="scans_one_active_run_per_scan",
                violation_error_message="This scan already has a queued or running run.",
            )
        ]
        indexes = [models.Index(fields=["datasource", "-queued_at"])]

    def __str__(self) -> str:
        # No query: lists of schema changes name their run without loading its scan.
        return f"Scan run #{self.pk} ({self.get_state_display().lower()})"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def progress(self) -> float | None:
        if not self.tables_total:
            return 1.0 if self.state == RunState.SUCCEEDED else None
        return min(1.0, self.tables_done / self.tables_total)

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class SchemaChange(models.Model):
    run = models.ForeignKey(ScanRun, on_delete=models.CASCADE, related_name="changes")
    datasource = models.ForeignKey(
        "datasources.DataSource",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="data source",
    )
    asset_type = models.CharField(max_length=10, choices=AssetType.choices)
    change = models.CharField(max_length=15, choices=ChangeKind.choices)
    qualified_name = models.CharField(max_length=1200)
    display_name = models.CharField(max_length=600)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run_id", "id"]
        indexes = [models.Index(fields=["datasource", "-at"])]

    def __str__(self) -> str:
        return f"{self.get_change_display()} {self.asset_type} {self.display_name}"
