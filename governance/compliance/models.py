"""Compliance: frameworks → controls → rules (executable checks), evaluation runs and findings.

Built-in frameworks are shipped as data (``frameworks/*.json``) and loaded by ``load_frameworks``.
Every built-in object remembers the shipped values it was last given (``builtin_values``) so an
upgrade changes only the fields a steward did not edit locally.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce

from pursight.models import GovernedModel

from . import evaluation
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

    # What a Compliance Officer edits (the admin form and the API serializer share it).
    editable_fields = (
        "framework",
        "control",
        "code",
        "name",
        "description",
        "asset_type",
        "scope",
        "condition",
        "severity",
        "remediation",
        "enabled",
    )
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
        """Validate and normalise ``scope``/``condition`` in place (ValidationError)."""
        if self.control_id and self.framework_id and self.control.framework_id != self.framework_id:
            raise ValidationError({"control": "The control belongs to another framework."})
        self.scope, self.condition = evaluation.validate_spec(
            self.asset_type, self.scope if self.scope is not None else {}, self.condition
        )


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


ID = models.BigIntegerField()


def _confirmation(field: str) -> Subquery:
    """The latest evaluation of a finding's rule on its data source that still saw it active.

    An evaluation confirms every active finding of a rule and source at once by writing the
    source's :class:`RuleResult` (one row) instead of rewriting each finding. It counts for a
    finding whose status was set before that evaluation (a finding reopened by hand after it
    was not confirmed again until the next evaluation).
    """
    return Subquery(
        RuleResult.objects.filter(
            rule_id=OuterRef("rule_id"),
            datasource_id=OuterRef("datasource_id"),
            evaluated_at__gt=OuterRef("seen_at"),
        )
        .filter(evaluated_at__gte=Coalesce(OuterRef("status_changed_at"), OuterRef("first_seen")))
        .values(field)[:1]
    )


def last_seen_expression() -> Case:
    """``last_seen`` of a finding as an SQL expression (see :class:`Finding`)."""
    return Case(
        When(
            status__in=ACTIVE_STATUSES,
            then=Coalesce(_confirmation("evaluated_at"), F("seen_at")),
        ),
        default=F("seen_at"),
    )


def last_run_expression() -> Case:
    return Case(
        When(
            status__in=ACTIVE_STATUSES,
            then=Coalesce(_confirmation("run_id"), F("seen_run_id"), output_field=ID),
        ),
        default=F("seen_run_id"),
        output_field=ID,
    )


class FindingQuerySet(models.QuerySet):
    def with_last_seen(self) -> FindingQuerySet:
        """Annotate ``last_seen`` and ``last_run_id``: the later of the finding's own values and
        the latest confirmation of its rule on its data source (while the finding is active)."""
        return self.annotate(last_seen=last_seen_expression(), last_run_id=last_run_expression())


class FindingManager(models.Manager.from_queryset(FindingQuerySet)):  # type: ignore[misc]
    def get_queryset(self) -> FindingQuerySet:
        return super().get_queryset().with_last_seen()


class Finding(models.Model):
    """A rule violated by one asset. Deduplicated: one active finding per rule and asset.

    ``last_seen``/``last_run`` (when an evaluation last saw the violation) are the later of the
    finding's own ``seen_at``/``seen_run`` (written when it is opened, closed or transitioned)
    and the confirmation of its rule on its data source (:class:`RuleResult`): an unchanged
    re-evaluation writes one row per rule and source, not one per finding. The default manager
    annotates them, so they read, filter and sort like fields.
    """

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
    seen_at = models.DateTimeField(help_text="Last seen, as stored on the finding itself.")
    first_run = models.ForeignKey(
        EvaluationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seen_run = models.ForeignKey(
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
    description = models.TextField(
        blank=True,
        help_text="The team's notes on this finding: context, impact, the remediation plan.",
    )
    justification = models.TextField(blank=True, help_text="Why the risk is accepted.")
    risk_expires_on = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why this is a false positive.")
    status_changed_at = models.DateTimeField(null=True, blank=True)

    # Without the last_seen annotation: for set-based writes in services.
    stored = models.Manager()
    objects = FindingManager()

    class Meta:
        base_manager_name = "objects"
        default_manager_name = "objects"
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

    @property
    def last_seen(self) -> Any:
        if "_last_seen" not in self.__dict__:
            self._load_last_seen()
        return self.__dict__["_last_seen"]

    @last_seen.setter
    def last_seen(self, value: Any) -> None:
        self.__dict__["_last_seen"] = value

    @property
    def last_run_id(self) -> int | None:
        if "_last_run_id" not in self.__dict__:
            self._load_last_seen()
        return self.__dict__["_last_run_id"]

    @last_run_id.setter
    def last_run_id(self, value: int | None) -> None:
        self.__dict__["_last_run_id"] = value

    @property
    def last_run(self) -> EvaluationRun | None:
        run_id = self.last_run_id
        return EvaluationRun.objects.filter(pk=run_id).first() if run_id else None

    def _load_last_seen(self) -> None:
        """For an instance not read through the manager (or refreshed): one query."""
        if self.pk is None:
            self.last_seen, self.last_run_id = self.seen_at, self.seen_run_id
            return
        row = type(self).objects.filter(pk=self.pk).values("last_seen", "last_run_id").first()
        if row is None:
            self.last_seen, self.last_run_id = self.seen_at, self.seen_run_id
        else:
            self.last_seen, self.last_run_id = row["last_seen"], row["last_run_id"]

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        self.__dict__.pop("_last_seen", None)
        self.__dict__.pop("_last_run_id", None)


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
    # The run that evaluated it: it confirms the source's active findings of the rule.
    run = models.ForeignKey(
        EvaluationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

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
