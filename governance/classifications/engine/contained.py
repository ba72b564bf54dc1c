"""Personal data inside free text: an e-mail or a phone number in a notes column.

This is not the column's type (a notes column is not an e-mail column): it is a separate
*contains* result, with the share of rows where the data occurs, so that stewards and
compliance rules can see that a free-text column holds personal data. Only text-like columns are
searched (values with spaces or long ones), with unanchored RE2 patterns, and every match is
confirmed by the type's own validator (a phone number's plausible length, a card's Luhn digit,
an IBAN's mod-97).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import re2

from .columns import ColumnInput
from .features import MAX_DISTINCT, clean_values
from .masking import mask_value
from .validators import valid_card, valid_iban, valid_phone

MAX_EVIDENCE = 3
MIN_TEXT_LENGTH = 20  # mean length of values that makes a column free text (or spaces in half)
MIN_SHARE = 0.02  # below this share of rows, a finding is noise


@dataclass
class Containment:
    """Values of ``info_type`` found inside a column's text, in ``share`` of its rows."""

    info_type: str
    share: float
    matched: int  # non-null values containing one (extrapolated to the sample)
    sampled: int  # non-null values
    evidence: list[str] = field(default_factory=list)  # masked matches

    def to_dict(self) -> dict[str, Any]:
        return {
            "info_type": self.info_type,
            "share": round(self.share, 4),
            "matched": self.matched,
            "sampled": self.sampled,
            "evidence": list(self.evidence),
        }


def _opts() -> Any:
    opts = re2.Options()
    opts.log_errors = False
    return opts


# (info type, unanchored pattern, validator of a match or None)
_FINDERS: list[tuple[str, Any, Callable[[str], bool] | None]] = [
    (
        "EMAIL_ADDRESS",
        re2.compile(
            r"(?i)[a-z0-9._%+-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)*\.[a-z]{2,}",
            _opts(),
        ),
        None,
    ),
    ("PHONE_NUMBER", re2.compile(r"\+?\(?[0-9][0-9 ().-]{6,18}[0-9]", _opts()), valid_phone),
    ("CREDIT_CARD_NUMBER", re2.compile(r"[0-9](?:[ -]?[0-9]){12,18}", _opts()), valid_card),
    ("IBAN", re2.compile(r"(?i)[a-z]{2}[0-9]{2}(?: ?[a-z0-9]){11,30}", _opts()), valid_iban),
]


def is_free_text(values: list[str]) -> bool:
    """Whether sampled values read as text (sentences, notes) rather than as single values."""
    if not values:
        return False
    spaced = sum(1 for v in values if " " in v)
    mean = sum(map(len, values)) / len(values)
    return mean >= MIN_TEXT_LENGTH or spaced >= 0.5 * len(values)


def find_contained(
    column: ColumnInput, skip: frozenset[str] | set[str] = frozenset()
) -> list[Containment]:
    """Personal data found inside ``column``'s free text, by type (``skip``: types not to look
    for, such as the column's own type)."""
    _, counts = clean_values(column.values)
    distinct = list(counts)[:MAX_DISTINCT]
    weights = [counts[v] for v in distinct]
    considered = sum(weights)
    non_null = sum(counts.values())
    if not considered or not is_free_text(distinct):
        return []
    out: list[Containment] = []
    for code, pattern, check in _FINDERS:
        if code in skip:
            continue
        hit_weight = 0
        examples: list[str] = []
        for value, weight in zip(distinct, weights, strict=True):
            for match in pattern.finditer(value):
                text = match.group(0).strip(" .-")
                if check is None or check(text):
                    hit_weight += weight
                    if len(examples) < MAX_EVIDENCE:
                        examples.append(text)
                    break
        share = hit_weight / considered
        if share >= MIN_SHARE and hit_weight:
            out.append(
                Containment(
                    info_type=code,
                    share=share,
                    matched=round(share * non_null),
                    sampled=non_null,
                    evidence=[mask_value(code, e) for e in examples],
                )
            )
    return out
