"""Info types (classifications), sensitivity labels, label policies and classifier versions.

System classifications mirror the engine's ``SYSTEM_INFO_TYPES`` (loaded by a data migration and
``manage.py load_classifications``); custom ones are stewards' rules (RE2 regexes, a dictionary,
a validator) that become engine ``InfoTypeSpec``s.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from pursight.models import GovernedModel, TimeStampedModel

from .engine import VALIDATORS, Category, PatternError, compile_pattern
from .engine.infotypes import DEFAULT_MIN_MATCH_RATIO, TYPE_FAMILIES
from .engine.validators import VALIDATOR_LABELS

CATEGORY_CHOICES = [(c.value, c.value) for c in Category]


def _string_types() -> list[str]:
    return ["string"]


def _list() -> list:
    return []


def validator_choices() -> list[tuple[str, str]]:
    """The engine's validators, named by what they check (a callable: no migration per label)."""
    return [(v, f"{v}: {VALIDATOR_LABELS.get(v, v)}") for v in sorted(VALIDATORS)]


class SensitivityLabel(TimeStampedModel):
    """Public < Internal < Confidential < Highly Confidential (``rank`` orders them)."""

    name = models.CharField(max_length=60, unique=True)
    rank = models.PositiveSmallIntegerField(unique=True)
    color = models.CharField(max_length=20, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name


class Classification(GovernedModel):
    """An info type. System ones come from the engine; custom ones carry a steward's rule."""

    code = models.CharField(
        max_length=64,
        unique=True,
        help_text="Upper-case letters, digits and underscores, e.g. LOYALTY_CARD.",
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=40, choices=CATEGORY_CHOICES, default=Category.OTHER)
    country = models.CharField(
        max_length=40,
        blank=True,
        help_text="ISO 3166 codes of the countries that issue it, space-separated (e.g. CZ SK); "
        "empty when it is not national.",
    )
    default_label = models.ForeignKey(
        SensitivityLabel, on_delete=models.PROTECT, related_name="+", verbose_name="default label"
    )
    is_system = models.BooleanField(default=False, editable=False)
    is_active = models.BooleanField(default=True)
    # Rule of a custom classification (system ones keep the engine's own rules).
    value_regex = models.TextField(
        blank=True,
        help_text="RE2 regular expression matched against each whole (stripped) sampled value.",
    )
    column_name_regex = models.TextField(
        blank=True,
        help_text="RE2 regular expression searched in the normalised column name (lower case, "
        "words separated by single spaces: customerLoyaltyId → 'customer loyalty id').",
    )
    dictionary_values = models.JSONField(
        default=_list, blank=True, help_text='Known values, as a JSON list: ["gold", "silver"].'
    )
    validator = models.CharField(
        max_length=40,
        blank=True,
        choices=validator_choices,
        help_text="A check the matching values must also pass.",
    )
    min_match_ratio = models.FloatField(
        default=DEFAULT_MIN_MATCH_RATIO,
        help_text="Share of non-null sampled values that must match (0 < threshold ≤ 1).",
    )
    data_types = models.JSONField(
        default=_string_types,
        blank=True,
        help_text=f"Data-type families the rule applies to: {', '.join(TYPE_FAMILIES)}.",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        code = self.code or ""
        if not code or not code.replace("_", "").isalnum() or code.upper() != code:
            errors["code"] = "Use upper-case letters, digits and underscores only."
        for field in ("value_regex", "column_name_regex"):
            pattern = getattr(self, field)
            if pattern:
                try:
                    compile_pattern(pattern)
                except PatternError as exc:
                    errors[field] = f"Not a valid RE2 regular expression: {exc.message}."
        if not 0.0 < (self.min_match_ratio or 0.0) <= 1.0:
            errors["min_match_ratio"] = "The threshold must be greater than 0 and at most 1."
        if not isinstance(self.dictionary_values, list) or not all(
            isinstance(v, str) for v in self.dictionary_values
        ):
            errors["dictionary_values"] = "A JSON list of strings is expected."
        country = (self.country or "").split()
        if any(len(c) != 2 or not c.isalpha() or not c.isupper() for c in country):
            errors["country"] = "Two-letter upper-case ISO 3166 codes, separated by spaces."
        types = self.data_types or []
        if not isinstance(types, list) or any(t not in TYPE_FAMILIES for t in types):
            errors["data_types"] = f"A list of: {', '.join(TYPE_FAMILIES)}."
        if self.validator and self.validator not in VALIDATORS:
            errors["validator"] = "Unknown validator."
        if (
            not self.is_system
            and not errors
            and not (self.value_regex or self.column_name_regex or self.dictionary_values)
        ):
            errors["value_regex"] = (
                "A custom classification needs a value regex, a column-name regex or "
                "dictionary values."
            )
        if errors:
            raise ValidationError(errors)


class LabelPolicy(GovernedModel):
    """Overrides the sensitivity label of a classification."""

    classification = models.OneToOneField(
        Classification, on_delete=models.CASCADE, related_name="label_policy"
    )
    label = models.ForeignKey(SensitivityLabel, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "label policies"

    def __str__(self) -> str:
        return f"{self.classification.code} → {self.label}"


class ClassifierModel(TimeStampedModel):
    """A trained engine model (serialised bytes); exactly one is active."""

    version = models.CharField(max_length=80, unique=True)
    data = models.BinaryField(editable=False)
    trained_at = models.DateTimeField()
    metadata = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=False)

    class Meta:
        ordering = ["-trained_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="classifiermodel_one_active",
            )
        ]

    def __str__(self) -> str:
        return self.version
