"""Workflows (a DAG of typed steps), their runs (one state machine per step) and schedules.

A workflow belongs to a collection (who may see, edit and run it) or, without one, to the
platform (platform-wide holders only). A run keeps a snapshot of the definition it started
with, so editing a workflow never changes a run in flight. Schedules (of a workflow or of a
plain scan) own a django-celery-beat ``PeriodicTask`` that fires them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from pursight.models import GovernedModel

from .choices import Period, RunState, ScheduleKind, StepState, Trigger

# The longest interval of a schedule, per unit (a year).
MAX_EVERY = {"seconds": 366 * 86400, "minutes": 366 * 1440, "hours": 366 * 24, "days": 366}


def names_unique_in_collection(model: str) -> list[models.UniqueConstraint]:
    """A name unique in its collection, and among the rows of no collection (platform ones)."""
    return [
        models.UniqueConstraint(
            fields=["collection", "name"], name=f"orchestration_{model}_name_in_collection"
        ),
        models.UniqueConstraint(
            fields=["name"],
            condition=models.Q(collection__isnull=True),
            name=f"orchestration_{model}_name_platform",
        ),
    ]


class Workflow(GovernedModel):
    name = models.SlugField(
        max_length=100,
        help_text="A name unique in its collection (letters, digits, - and _): "
        "`manage.py run_workflow NAME`.",
    )
    title = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    collection = models.ForeignKey(
        "rbac.Collection",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who may see and run it: roles on this collection. Empty: a platform "
        "workflow, for platform-wide data source administrators only.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Told when a run fails.",
    )
    enabled = models.BooleanField(
        default=True, help_text="Its schedules start it only while it is enabled."
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]
        # Unique per collection (names in a collection one cannot see are no business of
        # one's), and among platform workflows.
        constraints = names_unique_in_collection("workflow")

    def __str__(self) -> str:
        return self.title or self.name

    @property
    def step_specs(self) -> list[dict]:
        """The steps as the definition gives them (reads the prefetched steps)."""
        return [
            {
                "key": s.key,
                "type": s.type,
                "params": s.params,
                "after": list(s.depends_on),
                "retries": s.retries,
                "retry_backoff": s.retry_backoff,
                "timeout": s.timeout,
            }
            for s in self.steps.all()
        ]


class WorkflowStep(models.Model):
    """One node of the DAG: a typed step (see :mod:`.steps`) with validated parameters."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="steps")
    key = models.SlugField(max_length=50, help_text="Unique in the workflow; others name it.")
    type = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    depends_on = models.JSONField(
        default=list, blank=True, help_text="Keys of the steps that must succeed first."
    )
    retries = models.PositiveSmallIntegerField(
        default=0, help_text="Extra attempts after a transient error (with backoff)."
    )
    retry_backoff = models.PositiveIntegerField(
        default=10, help_text="Seconds before the first retry; doubled at each further one."
    )
    timeout = models.PositiveIntegerField(
        default=3600, help_text="Seconds the step may run (or wait) before it fails."
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["workflow", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "key"], name="orchestration_step_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.type})"


class WorkflowRun(models.Model):
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="runs")
    # The steps as they were defined when the run started.
    definition = models.JSONField(default=dict, editable=False)
    state = models.CharField(
        max_length=10, choices=RunState.choices, default=RunState.PENDING, db_index=True
    )
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    schedule = models.ForeignKey(
        "Schedule", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    resumed = models.PositiveSmallIntegerField(default=0, help_text="Times resumed.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workflow", "-created_at"])]

    def __str__(self) -> str:
        return f"Workflow run #{self.pk} ({self.get_state_display().lower()})"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class StepRun(models.Model):
    """One step of one run: its state machine. ``dispatch`` numbers the messages sent for it;
    a message carrying another number is stale (a duplicate or a redelivery) and is dropped."""

    run = models.ForeignKey(WorkflowRun, on_delete=models.CASCADE, related_name="steps")
    key = models.CharField(max_length=50)
    type = models.CharField(max_length=40)
    state = models.CharField(
        max_length=10, choices=StepState.choices, default=StepState.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # Attempts made before the last resume: retries are counted from there.
    retry_base = models.PositiveSmallIntegerField(default=0)
    dispatch = models.PositiveIntegerField(default=0)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True, help_text="Next retry, if any.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    # What a waiting step waits for ("scans.ScanRun:42"), indexed for the wake-up receivers.
    waiting_for = models.CharField(max_length=100, blank=True, db_index=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["run", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "key"], name="orchestration_steprun_key")
        ]
        indexes = [models.Index(fields=["state", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"{self.key} ({self.get_state_display().lower()})"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class Schedule(GovernedModel):
    """When a workflow (or a plain scan) runs: a cron expression in a time zone, or an
    interval. Fired by django-celery-beat through the ``PeriodicTask`` the services keep in
    step; a missed run fires once (see :func:`.services.fire_schedule`)."""

    name = models.CharField(max_length=150, help_text="Unique in its collection.")
    workflow = models.ForeignKey(
        Workflow, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules"
    )
    scan = models.ForeignKey(
        "scans.Scan", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=ScheduleKind.choices, default=ScheduleKind.CRON)
    cron = models.CharField(
        max_length=120,
        blank=True,
        help_text="Minute hour day-of-month month day-of-week, e.g. `0 2 * * *` (02:00 daily).",
    )
    every = models.PositiveIntegerField(null=True, blank=True)
    period = models.CharField(max_length=10, choices=Period.choices, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    enabled = models.BooleanField(default=True)
    # The target's collection (derived by the services): who may see and edit the schedule.
    collection = models.ForeignKey(
        "rbac.Collection", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    last_fired_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_outcome = models.CharField(max_length=500, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(workflow__isnull=False, scan__isnull=True)
                | models.Q(workflow__isnull=True, scan__isnull=False),
                name="orchestration_schedule_one_target",
                violation_error_message="A schedule runs either a workflow or a scan.",
            ),
            *names_unique_in_collection("schedule"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def target(self) -> Workflow | models.Model | None:
        return self.workflow if self.workflow_id else self.scan

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from .timing import cron_parts, validate_timezone

        validate_timezone(self.timezone)
        if self.kind == ScheduleKind.CRON:
            cron_parts(self.cron)
        else:
            errors = {}
            if self.period not in Period.values:
                errors["period"] = "Choose seconds, minutes, hours or days."
            elif not self.every or self.every > MAX_EVERY[self.period]:
                errors["every"] = (
                    f"How often: a whole number from 1 to {MAX_EVERY[self.period]} "
                    f"{self.period} (a year)."
                )
            if errors:
                raise ValidationError(errors)
