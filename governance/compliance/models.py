"""Compliance: frameworks → controls → rules (executable checks), evaluation runs and findings.

Built-in frameworks are shipped as data (``frameworks/*.json``) and loaded by ``load_frameworks``.
Every built-in object remembers the shipped values it was last given (``builtin_values``) so an
upgrade changes only the fields a steward did not edit locally.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from pursight.models import GovernedModel

from .choices import (
    ACTIVE_STATUSES,
    AssetType,
    FindingStatus,
    ReportFormat,
    ReportState,
    RunState,
    Severity,
    Trigger,
)


class BuiltinMixin(models.Model):
    builtin_key = models.CharField(
        max_length=200, null=True, blank=True, unique=True, editable=False
    )
    builtin_hash = models.CharField(max_length=64, blank=True, editable=False)
    builtin_values = models.JSONField(default=dict, blank=True, editable=False)

    # Fields an upgrade of the shipped content may change (unless edited locally).
    builtin_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    @property
    def is_builtin(self) -> bool:
        return bool(self.builtin_key)

    def locally_edited_fields(self) -> list[str]:
        """Shipped fields whose current value differs from what was last shipped."""
        if not self.builtin_key:
            return []
        return [
            name
            for name in self.builtin_fields
            if name in self.builtin_values and self.builtin_values[name] != _value(self, name)
        ]


def _value(obj: models.Model, name: str) -> object:
    field = obj._meta.get_field(name)
    return getattr(obj, field.attname)


class Framework(BuiltinMixin, GovernedModel):
    code = models.SlugField(max_length=50, unique=True, help_text="Short code, e.g. pci-dss.")
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=50, blank=True)
    description = models.TextField(blank=True)
    url = models.URLField(blank=True)
    enabled = models.BooleanField(default=True)

    builtin_fields = ("name", "version", "description", "url")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Control(BuiltinMixin, GovernedModel):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="controls")
    code = models.CharField(max_length=50, help_text="The control's reference, e.g. 3.4.")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)

    builtin_fields = ("title", "description")

    class Meta:
        ordering = ["framework_id", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"], name="compliance_control_unique_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Rule(BuiltinMixin, GovernedModel):
    """An executable check: every asset of ``asset_type`` in ``scope`` must satisfy ``condition``.

    ``scope`` is ``{"filter name": value, ...}`` (all must match; ``{}`` is every asset);
    ``condition`` is ``{"type": "condition name", ...params}``. Both are validated against the
    registries of :mod:`governance.compliance.registry`.
    """

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="rules")
    control = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="rules")
    code = models.SlugField(max_length=80)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    asset_type = models.CharField(max_length=12, choices=AssetType.choices)
    scope = models.JSONField(default=dict, blank=True, help_text="Which assets are checked.")
    condition = models.JSONField(help_text="What each asset in scope must satisfy.")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    remediation = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)

    builtin_fields = (
        "name",
        "description",
        "asset_type",
        "scope",
        "condition",
        "severity",
        "remediation",
        "enabled",
    )

    class Meta:
        ordering = ["framework_id", "control_id", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"], name="compliance_rule_unique_code"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from .services import validate_rule

        validate_rule(self)


class EvaluationRun(models.Model):
    """One evaluation of a framework, over every data source or one."""

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="evaluation_runs"
    )
    datasource = models.ForeignKey(
        "datasources.DataSource", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    state = models.CharField(max_length=10, choices=RunState.choices, default=RunState.RUNNING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rules_evaluated = models.PositiveIntegerField(default=0)
    rules_skipped = models.PositiveIntegerField(default=0)
    assets_checked = models.PositiveIntegerField(default=0)
    findings_opened = models.PositiveIntegerField(default=0)
    findings_closed = models.PositiveIntegerField(default=0)
    findings_open = models.PositiveIntegerField(default=0)
    score = models.FloatField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Evaluation #{self.pk} of {self.framework_id}"


class Finding(models.Model):
    """A rule violated by one asset. Deduplicated: one active finding per rule and asset."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="findings")
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="findings")
    asset_type = models.CharField(max_length=12, choices=AssetType.choices)
    asset_id = models.BigIntegerField()
    qualified_name = models.CharField(max_length=1200)
    asset_name = models.CharField(max_length=600, blank=True)
    datasource = models.ForeignKey(
        "datasources.DataSource", on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=FindingStatus.choices, default=FindingStatus.OPEN, db_index=True
    )
    severity = models.CharField(max_length=10, choices=Severity.choices, db_index=True)
    evidence = models.JSONField(default=dict, blank=True)
    first_seen = models.DateTimeField(db_index=True)
    last_seen = models.DateTimeField()
    first_run = models.ForeignKey(
        EvaluationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_run = models.ForeignKey(
        EvaluationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by_run = models.ForeignKey(
        EvaluationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    justification = models.TextField(blank=True, help_text="Why the risk is accepted.")
    risk_expires_on = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why this is a false positive.")
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-first_seen", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "asset_type", "asset_id"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="compliance_one_active_finding",
            )
        ]
        indexes = [
            models.Index(fields=["rule", "datasource", "status"]),
            models.Index(fields=["datasource", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.asset_name or self.qualified_name}"


class FindingEvent(models.Model):
    """The history of a finding: detection, transitions, closing by an evaluation."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_repr = models.CharField(max_length=150, blank=True)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    note = models.TextField(blank=True)
    run = models.ForeignKey(
        EvaluationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["finding_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class RuleResult(models.Model):
    """The latest outcome of a rule on one data source: assets checked and failing."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="results")
    datasource = models.ForeignKey(
        "datasources.DataSource", on_delete=models.CASCADE, related_name="+"
    )
    checked = models.PositiveIntegerField(default=0)
    failing = models.PositiveIntegerField(default=0)
    evaluated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "datasource"], name="compliance_ruleresult_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}@{self.datasource_id}: {self.failing}/{self.checked}"


class ScoreSnapshot(models.Model):
    """Daily compliance score of a framework in a collection (the dashboard trend)."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")
    collection = models.ForeignKey("rbac.Collection", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    checked = models.PositiveIntegerField(default=0)
    failing = models.PositiveIntegerField(default=0)
    at = models.DateTimeField()

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "collection", "day"], name="compliance_snapshot_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.framework_id}/{self.collection_id} {self.day}"


class SchemaChangeAcknowledgement(models.Model):
    """A steward has seen a schema change: it no longer counts as open schema drift."""

    change = models.OneToOneField(
        "scans.SchemaChange", on_delete=models.CASCADE, related_name="compliance_ack"
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Acknowledged change {self.change_id}"


class ComplianceReport(models.Model):
    """A report of one framework generated in the background for the user who asked."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="reports")
    format = models.CharField(max_length=5, choices=ReportFormat.choices)
    state = models.CharField(
        max_length=10, choices=ReportState.choices, default=ReportState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)
    size = models.PositiveIntegerField(default=0)
    findings_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return self.filename or f"Report #{self.pk}"
