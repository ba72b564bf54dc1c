from django.db import models


class TableKind(models.TextChoices):
    TABLE = "table", "Table"
    VIEW = "view", "View"


class ClassificationStatus(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class ClassificationSource(models.TextChoices):
    RULE = "rule", "Rules"
    MODEL = "model", "Model"
    RULE_MODEL = "rule+model", "Rules and model"
    MANUAL = "manual", "Set by a steward"
