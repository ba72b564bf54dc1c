from django.db import models


class RunState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATES = (RunState.QUEUED, RunState.RUNNING)
FINAL_STATES = (RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED)


class Trigger(models.TextChoices):
    MANUAL = "manual", "Admin"
    API = "api", "API"
    COMMAND = "command", "Command line"
    SCHEDULE = "schedule", "Schedule"


class ChangeKind(models.TextChoices):
    ADDED = "added", "Added"
    REMOVED = "removed", "Removed"
    RESTORED = "restored", "Reappeared"
    TYPE_CHANGED = "type_changed", "Type changed"
    CHANGED = "changed", "Definition changed"


class AssetType(models.TextChoices):
    SCHEMA = "schema", "Schema"
    TABLE = "table", "Table"
    VIEW = "view", "View"
    COLUMN = "column", "Column"
