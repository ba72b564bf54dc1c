"""Scan rule sets: what a scan looks at."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from pursight.models import GovernedModel

from .choices import SampleMethod


def _list() -> list:
    return []


class ScanRuleSet(GovernedModel):
    """Include/exclude patterns (shell-style globs, case-insensitive) and sampling settings.

    Patterns for tables and columns may be qualified (``sales.*``, ``*.orders``,
    ``*.*.password``); an unqualified pattern matches the last part of the name.
    """

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    source_kind = models.CharField(
        max_length=20,
        blank=True,
        help_text="The source kind this system rule set is the default for.",
    )
    is_system = models.BooleanField(default=False, editable=False)
    include_schemas = models.JSONField(default=_list, blank=True)
    exclude_schemas = models.JSONField(default=_list, blank=True)
    include_tables = models.JSONField(default=_list, blank=True)
    exclude_tables = models.JSONField(default=_list, blank=True)
    exclude_columns = models.JSONField(default=_list, blank=True)
    include_views = models.BooleanField(default=True)
    incremental = models.BooleanField(
        default=True,
        help_text="Skip sampling (and classifying) tables whose structure and data have not "
        "changed since the last scan, where the engine can tell.",
    )
    sample_size = models.PositiveIntegerField(
        default=100, validators=[MinValueValidator(0), MaxValueValidator(10_000)]
    )
    sample_method = models.CharField(
        max_length=10, choices=SampleMethod.choices, default=SampleMethod.TOP
    )
    classifications = models.ManyToManyField(
        "classifications.Classification",
        blank=True,
        related_name="+",
        help_text="Classifications this rule set applies (system and custom); "
        "none selected: every active system classification.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
