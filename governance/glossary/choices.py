from __future__ import annotations

from django.db import models


class AssetType(models.TextChoices):
    DATASOURCE = "datasource", "Data source"
    SCHEMA = "schema", "Schema"
    TABLE = "table", "Table or view"
    COLUMN = "column", "Column"


class LinkSource(models.TextChoices):
    MANUAL = "manual", "By hand"
    RULE = "rule", "Tag rule"
    SUGGESTION = "suggestion", "Accepted suggestion"
    IMPORT = "import", "Import"


class TermStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    DEPRECATED = "deprecated", "Deprecated"


# Where a term may go from each status (services.transition_term).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    TermStatus.DRAFT: (TermStatus.IN_REVIEW, TermStatus.DEPRECATED),
    TermStatus.IN_REVIEW: (TermStatus.APPROVED, TermStatus.DRAFT),
    TermStatus.APPROVED: (TermStatus.DEPRECATED, TermStatus.IN_REVIEW),
    TermStatus.DEPRECATED: (TermStatus.DRAFT,),
}


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class RuleTarget(models.TextChoices):
    TABLE = "table", "Tables and views"
    COLUMN = "column", "Columns"
