"""Tags and the business glossary.

Tag sets, tags, categories, terms and tag rules are global vocabulary (registered with the gate
as global models: anyone signed in reads them, platform-wide curators change them). Links of
tags and terms to catalog assets (and term suggestions) are rows about assets: each carries the
asset's data source, through which the gate places it in a collection, and the foreign key of
its asset (so that deleting an asset deletes its links and the compliance scope filters on an
indexed column).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from pursight.models import GovernedModel

from .choices import AssetType, LinkSource, RuleTarget, SuggestionStatus, TermStatus


def _list() -> list:
    return []


class TagSet(GovernedModel):
    """A family of tags (``Tier``, ``Domain``); in a mutually exclusive set an asset carries at
    most one of its tags."""

    name = models.CharField(
        max_length=60, help_text="Tags are named Set.Tag, e.g. Tier.Gold: no dot in the set's name."
    )
    description = models.TextField(blank=True)
    mutually_exclusive = models.BooleanField(
        default=False, help_text="An asset may carry at most one tag of this set."
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "tag set"
        constraints = [models.UniqueConstraint(Lower("name"), name="glossary_tagset_unique_name")]

    def __str__(self) -> str:
        return self.name


class Tag(GovernedModel):
    tag_set = models.ForeignKey(TagSet, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=60)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["tag_set__name", "name"]
        constraints = [
            models.UniqueConstraint(
                "tag_set", Lower("name"), name="glossary_tag_unique_name_in_set"
            )
        ]

    def __str__(self) -> str:
        # Lists select the set with the tag.
        return f"{self.tag_set.name}.{self.name}"

    @property
    def full_name(self) -> str:
        return str(self)


class Category(GovernedModel):
    """A node of the glossary's category tree; ``full_name`` is its path (``Finance/Revenue``),
    kept by the services when a category or one of its ancestors is renamed or moved."""

    name = models.CharField(max_length=100, help_text="No slash: it separates levels.")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True)
    full_name = models.CharField(max_length=600, unique=True, editable=False)

    class Meta:
        ordering = ["full_name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.full_name or self.name


class Term(GovernedModel):
    name = models.CharField(max_length=200)
    definition = models.TextField(blank=True, help_text="Markdown.")
    definition_html = models.TextField(blank=True, editable=False)
    synonyms = models.JSONField(
        default=_list, blank=True, help_text="Other names, in any language, matched to assets."
    )
    abbreviation = models.CharField(max_length=40, blank=True)
    status = models.CharField(
        max_length=12, choices=TermStatus.choices, default=TermStatus.DRAFT, editable=False
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    categories = models.ManyToManyField(Category, blank=True, related_name="terms")
    related = models.ManyToManyField("self", blank=True, symmetrical=True)
    owners = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    stewards = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="glossary_term_unique_name")]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return self.name


class TagRule(GovernedModel):
    """Tags the assets a scan finds: tables or columns whose name matches ``name_pattern``
    and/or columns classified with ``classification`` get ``tag`` (scans of ``rule_set`` only,
    or every scan when it is empty)."""

    name = models.CharField(max_length=100, unique=True)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="rules")
    rule_set = models.ForeignKey(
        "scanrules.ScanRuleSet",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty: scans of every rule set.",
    )
    target = models.CharField(max_length=10, choices=RuleTarget.choices, default=RuleTarget.COLUMN)
    name_pattern = models.CharField(
        max_length=500,
        blank=True,
        help_text="A regular expression (RE2 syntax, case-insensitive) searched in the name.",
    )
    classification = models.ForeignKey(
        "classifications.Classification",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Columns (or tables with a column) classified with it, not rejected.",
    )
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "tag rule"

    def __str__(self) -> str:
        return self.name


class AssetLink(models.Model):
    """A row about one catalog asset: its type and id, its data source (the gate's way to its
    collection) and the foreign key of its own level."""

    asset_type = models.CharField(max_length=10, choices=AssetType.choices)
    asset_id = models.BigIntegerField()
    datasource = models.ForeignKey(
        "datasources.DataSource",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="data source",
    )
    schema = models.ForeignKey(
        "catalog.CatalogSchema", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    table = models.ForeignKey(
        "catalog.CatalogTable", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    column = models.ForeignKey(
        "catalog.CatalogColumn", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def asset(self) -> models.Model:
        return getattr(self, self.asset_type)


class TagAssignment(AssetLink):
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="assignments")
    # The tag's set when it is mutually exclusive: the database refuses a second tag of the set.
    exclusive_set = models.ForeignKey(
        TagSet, null=True, blank=True, on_delete=models.CASCADE, related_name="+", editable=False
    )
    source = models.CharField(max_length=12, choices=LinkSource.choices, default=LinkSource.MANUAL)
    rule = models.ForeignKey(
        TagRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "tag assignment"
        constraints = [
            models.UniqueConstraint(
                fields=["tag", "asset_type", "asset_id"], name="glossary_tag_once_per_asset"
            ),
            models.UniqueConstraint(
                fields=["exclusive_set", "asset_type", "asset_id"],
                name="glossary_exclusive_tag_per_asset",
                violation_error_message="The asset already carries a tag of this set.",
            ),
        ]
        indexes = [
            models.Index(fields=["asset_type", "asset_id"]),
            models.Index(fields=["datasource", "tag"]),
        ]

    def __str__(self) -> str:
        return f"{self.tag} on {self.get_asset_type_display().lower()} {self.asset_id}"


class TermAssignment(AssetLink):
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="assignments")
    source = models.CharField(max_length=12, choices=LinkSource.choices, default=LinkSource.MANUAL)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "term link"
        constraints = [
            models.UniqueConstraint(
                fields=["term", "asset_type", "asset_id"], name="glossary_term_once_per_asset"
            )
        ]
        indexes = [
            models.Index(fields=["asset_type", "asset_id"]),
            models.Index(fields=["datasource", "term"]),
        ]

    def __str__(self) -> str:
        return f"{self.term} on {self.get_asset_type_display().lower()} {self.asset_id}"


class TermSuggestion(AssetLink):
    """A term the matcher proposes for a table or column, with its score (0-100) and what
    matched; a steward accepts (it becomes a link) or rejects it (never proposed again)."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="suggestions")
    asset_name = models.CharField(max_length=255)
    score = models.FloatField()
    matched = models.CharField(max_length=300, help_text="The term's name or synonym matched.")
    status = models.CharField(
        max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "id"]
        verbose_name = "term suggestion"
        constraints = [
            models.UniqueConstraint(
                fields=["term", "asset_type", "asset_id"], name="glossary_suggest_once_per_asset"
            )
        ]
        indexes = [models.Index(fields=["datasource", "status"])]

    def __str__(self) -> str:
        return f"{self.term} for {self.asset_name} ({self.score:.0f})"
