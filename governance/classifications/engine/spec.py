"""The info-type spec: what an info type is, as plain data (system types and stewards' rules).

An :class:`InfoTypeSpec` is plain data: the built-in library (:mod:`.infotypes` and the modules it
gathers) declares the system types with it, and the Django layer builds the same dataclass for
stewards' custom rules (their own patterns, dictionary values and thresholds).

Column-name patterns are RE2 searches over the *normalised* column name: lower-cased, accents
folded, camelCase and punctuation split into single spaces (``customerEMail_Addr`` becomes
``customer e mail addr``), so ``\\b`` marks a word boundary. Value patterns are matched against the
whole stripped value.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from . import validators_ids  # noqa: F401 - registers the identifier validators
from .validators import VALIDATORS


class Sensitivity(enum.StrEnum):
    PUBLIC = "Public"
    INTERNAL = "Internal"
    CONFIDENTIAL = "Confidential"
    HIGHLY_CONFIDENTIAL = "Highly Confidential"


class Category(enum.StrEnum):
    CONTACT = "Contact"
    FINANCIAL = "Financial"
    GOVERNMENT_ID = "Government ID"
    NETWORK = "Network"
    PERSONAL = "Personal"
    LOCATION = "Location"
    HEALTH = "Health"
    CREDENTIALS = "Credentials"
    OTHER = "Other"


# Data-type families (see ``features.type_family``).
STRING = "string"
INTEGER = "integer"
DECIMAL = "decimal"
DATE = "date"
DATETIME = "datetime"
BOOLEAN = "boolean"
UUID = "uuid"
INET = "inet"
MACADDR = "macaddr"
TYPE_FAMILIES = (STRING, INTEGER, DECIMAL, DATE, DATETIME, BOOLEAN, UUID, INET, MACADDR, "other")

# Rule confidence of a value-only match, by how distinctive the format is.
STRONG = 0.92  # checksum-validated or unmistakable format
MEDIUM = 0.75  # distinctive format without a checksum
WEAK = 0.35  # ambiguous format: needs the column name (or the model) to agree
DEFAULT_MIN_MATCH_RATIO = 0.6


@dataclass(frozen=True)
class InfoTypeSpec:
    """One classification: how to recognise it from a column's name and sampled values.

    ``value_patterns`` are distinctive formats; ``weak_value_patterns`` are ambiguous ones (a bare
    9-digit number for an SSN) that count as matches but never decide alone. ``validator`` names a
    check in :data:`~governance.classifications.engine.validators.VALIDATORS`; ``dictionary`` names
    a built-in word list (``dictionary_values`` adds a steward's own values). ``column_check``
    names a whole-column condition (e.g. at least two distinct gender values). ``country`` names
    the countries whose identifier it is, ``mask`` how its evidence is masked.

    ``weak_needs_name`` keeps the ambiguous formats out of the pattern set that every column runs
    through: they are matched only in columns whose name points at the type. Eleven bare digits
    or a random-looking string match nearly anything, so a library of many national numbers and
    secrets would otherwise validate most columns against most of them; with the name as their
    prefilter, a column's cost does not grow with the number of such types.
    """

    code: str
    name: str
    category: str = Category.OTHER
    sensitivity: str = Sensitivity.CONFIDENTIAL
    value_patterns: tuple[str, ...] = ()
    weak_value_patterns: tuple[str, ...] = ()
    validator: str | None = None
    dictionary: str | None = None
    dictionary_values: frozenset[str] = field(default_factory=frozenset)
    column_name_patterns: tuple[str, ...] = ()
    column_name_exclusions: tuple[str, ...] = ()
    data_types: tuple[str, ...] = (STRING,)
    min_match_ratio: float = DEFAULT_MIN_MATCH_RATIO
    value_confidence: float = MEDIUM
    column_check: str | None = None
    description: str = ""
    system: bool = True
    country: str = ""  # ISO 3166 alpha-2 codes of the issuing countries ("CZ SK"); "" for any
    weak_needs_name: bool = False  # look for the ambiguous formats only under a matching name
    mask: str = ""  # how evidence is masked (a style of ``masking.MASK_STYLES``); "" by type

    def __post_init__(self) -> None:
        if not self.code or not self.code.replace("_", "").isalnum():
            raise ValueError(f"info type code {self.code!r} must be alphanumeric/underscore")
        if self.validator is not None and self.validator not in VALIDATORS:
            raise ValueError(f"{self.code}: unknown validator {self.validator!r}")
        if not 0.0 < self.min_match_ratio <= 1.0:
            raise ValueError(f"{self.code}: min_match_ratio must be in (0, 1]")
        if not 0.0 <= self.value_confidence <= 1.0:
            raise ValueError(f"{self.code}: value_confidence must be in [0, 1]")
        if isinstance(self.dictionary_values, (list, set, tuple)):
            object.__setattr__(self, "dictionary_values", frozenset(self.dictionary_values))

    @property
    def has_value_rules(self) -> bool:
        return bool(
            self.value_patterns
            or self.weak_value_patterns
            or self.dictionary
            or self.dictionary_values
        )
