"""State machines and enumerations of workflows, their runs and schedules."""

from django.db import models


class RunState(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


RUN_ACTIVE = (RunState.PENDING, RunState.RUNNING)
RUN_FINAL = (RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED)


class StepState(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    WAITING = "waiting", "Waiting"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"
    CANCELLED = "cancelled", "Cancelled"


STEP_FINAL = (StepState.SUCCEEDED, StepState.FAILED, StepState.SKIPPED, StepState.CANCELLED)
STEP_IN_FLIGHT = (StepState.RUNNING, StepState.WAITING)

# Which moves the step state machine allows (anything else is a stale or duplicate message).
STEP_TRANSITIONS: dict[str, tuple[str, ...]] = {
    StepState.PENDING: (StepState.RUNNING, StepState.SKIPPED, StepState.CANCELLED),
    StepState.RUNNING: (
        StepState.SUCCEEDED,
        StepState.FAILED,
        StepState.WAITING,
        StepState.PENDING,  # a retry, or a re-dispatch after its worker died
        StepState.CANCELLED,
    ),
    StepState.WAITING: (
        StepState.SUCCEEDED,
        StepState.FAILED,
        StepState.PENDING,
        StepState.CANCELLED,
    ),
    StepState.FAILED: (StepState.PENDING,),  # resume
    StepState.CANCELLED: (StepState.PENDING,),  # resume of a step that never ran
    StepState.SUCCEEDED: (),
    StepState.SKIPPED: (),
}


class Trigger(models.TextChoices):
    MANUAL = "manual", "Admin"
    API = "api", "API"
    COMMAND = "command", "Command line"
    SCHEDULE = "schedule", "Schedule"


class ScheduleKind(models.TextChoices):
    CRON = "cron", "Cron expression"
    INTERVAL = "interval", "Every…"


class Period(models.TextChoices):
    SECONDS = "seconds", "Seconds"
    MINUTES = "minutes", "Minutes"
    HOURS = "hours", "Hours"
    DAYS = "days", "Days"
