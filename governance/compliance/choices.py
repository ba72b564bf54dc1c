from django.db import models


class AssetType(models.TextChoices):
    COLUMN = "column", "Column"
    TABLE = "table", "Table or view"
    SCHEMA = "schema", "Schema"
    DATASOURCE = "datasource", "Data source"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class FindingStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    IN_REMEDIATION = "in_remediation", "In remediation"
    RESOLVED = "resolved", "Resolved"
    ACCEPTED_RISK = "accepted_risk", "Accepted risk"
    FALSE_POSITIVE = "false_positive", "False positive"


# Every status but resolved is "active": one active finding per rule and asset at most.
ACTIVE_STATUSES = (
    FindingStatus.OPEN,
    FindingStatus.ACKNOWLEDGED,
    FindingStatus.IN_REMEDIATION,
    FindingStatus.ACCEPTED_RISK,
    FindingStatus.FALSE_POSITIVE,
)
# Statuses that still need work (counted as "open" in scores and dashboards).
UNRESOLVED_STATUSES = (
    FindingStatus.OPEN,
    FindingStatus.ACKNOWLEDGED,
    FindingStatus.IN_REMEDIATION,
)

# Allowed manual transitions (the evaluation also closes any active finding as resolved).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    FindingStatus.OPEN: (
        FindingStatus.ACKNOWLEDGED,
        FindingStatus.IN_REMEDIATION,
        FindingStatus.ACCEPTED_RISK,
        FindingStatus.FALSE_POSITIVE,
    ),
    FindingStatus.ACKNOWLEDGED: (
        FindingStatus.IN_REMEDIATION,
        FindingStatus.ACCEPTED_RISK,
        FindingStatus.FALSE_POSITIVE,
    ),
    FindingStatus.IN_REMEDIATION: (
        FindingStatus.RESOLVED,
        FindingStatus.ACCEPTED_RISK,
        FindingStatus.FALSE_POSITIVE,
    ),
    FindingStatus.ACCEPTED_RISK: (FindingStatus.OPEN, FindingStatus.IN_REMEDIATION),
    FindingStatus.FALSE_POSITIVE: (FindingStatus.OPEN,),
    FindingStatus.RESOLVED: (FindingStatus.OPEN,),
}


class Trigger(models.TextChoices):
    MANUAL = "manual", "Admin"
    API = "api", "API"
    COMMAND = "command", "Command line"
    SCHEDULE = "schedule", "Schedule"
    SCAN = "scan", "After a scan"


class RunState(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ReportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    PDF = "pdf", "PDF (evidence pack)"


class ReportState(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
