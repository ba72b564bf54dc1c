from django.db import models


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class TaskKind(models.TextChoices):
    REVIEW_CLASSIFICATIONS = "review_classifications", "Review classifications"
    REMEDIATE_FINDING = "remediate_finding", "Remediate a finding"
    DESCRIBE_ASSET = "describe_asset", "Describe an asset"
    OTHER = "other", "Other"
