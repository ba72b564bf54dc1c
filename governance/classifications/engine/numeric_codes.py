"""Countries written as ISO 3166-1 numeric codes (``250`` France, ``276`` Germany, ``840`` the
United States, ``036`` Australia).

Numbers are poor evidence by themselves: ``250``, ``276`` and ``840`` are as likely product
codes, quantities, HTTP statuses or surrogate keys, and a quarter of all three-digit numbers
are valid codes. So a numeric column is a country column only when

* its name says country (the Country type's own name patterns, or ``m49``, ``iso_numeric``…)
  and nearly all its values are valid codes, or
* its name says nothing, and its values read like a code list: nearly all (98%) are valid
  codes, written with three digits (``004`` or ``840``, not ``4``), at least
  :data:`MIN_DISTINCT_UNNAMED` different ones, repeated across rows (a categorical column, not
  one value per row), the declared type an integer or text.

A name that names something else (a product, a quantity, a status, a key) rules it out, and so
does ``country_id`` (a surrogate key into a country table, not a code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import dictionaries as dicts
from .columns import ColumnInput
from .features import ColumnAnalysis, Library, clean_values
from .infotypes import DATE, DATETIME, DECIMAL

CODE = "COUNTRY"
NAMED_MIN_SHARE = 0.9
UNNAMED_MIN_SHARE = 0.98
MIN_DISTINCT_UNNAMED = 6
MIN_REPEAT = 1.5  # rows per distinct value: codes repeat, identifiers do not
NAMED_CONFIDENCE = 0.9
UNNAMED_CONFIDENCE = 0.6
MAX_EVIDENCE = 3
_DIGITS = re.compile(r"^[0-9]{1,3}$")
# (on the normalised name: lower case, words apart, "isoNumeric" -> "iso numeric")
_NUMERIC_NAMES = re.compile(r"(?:^| )(?:m ?49|iso ?num(?:eric)?|un ?m ?49|iso ?3166)")
_OTHER_THINGS = re.compile(
    r"(?:^| )(?:product|prod|item|sku|article|part|qty|quantity|amount|price|cost|total|count|"
    r"cnt|status|http|port|area|dial|phone|calling|prefix|zip|postal|year|age|score|size|"
    r"weight|page|rank|level|version|id|key|seq|line|store|branch|dept|department)(?: |$)"
)


@dataclass
class NumericCountry:
    confidence: float
    reasons: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)  # codes as found (public: not personal)
    matched: int = 0
    validated: int = 0


def numeric_country(
    column: ColumnInput, an: ColumnAnalysis, library: Library
) -> NumericCountry | None:
    """A Country candidate for a column of ISO 3166-1 numeric codes, or ``None``."""
    if an.non_null == 0 or an.family in (DECIMAL, DATE, DATETIME):
        return None
    distinct = an.values  # cheap first look: short digit strings only
    if not distinct or sum(1 for v in distinct if len(v) <= 3 and v.isdigit()) < 0.95 * len(
        distinct
    ):
        return None
    _, counts = clean_values(column.values)
    total = sum(counts.values())
    if not total:
        return None
    numeric = {v: n for v, n in counts.items() if _DIGITS.match(v)}
    numeric_rows = sum(numeric.values())
    if numeric_rows < 0.95 * total:
        return None
    codes = dicts.COUNTRY_CODES_NUMERIC
    valid = {v: n for v, n in numeric.items() if v.zfill(3) in codes}
    valid_rows = sum(valid.values())
    share = valid_rows / total
    name = an.name_norm
    index = library.index.get(CODE)
    named = (index is not None and index in an.name_hits and index not in an.name_excluded) or bool(
        _NUMERIC_NAMES.search(name)
    )
    excluded = index is not None and index in an.name_excluded
    if excluded or (not named and (_OTHER_THINGS.search(name) or an.name_negative)):
        return None
    examples = sorted(valid, key=lambda v: (-valid[v], v))[:MAX_EVIDENCE]
    found = f"{valid_rows}/{total} non-null values are ISO 3166-1 numeric country codes"
    if named:
        if share < NAMED_MIN_SHARE or an.name_negative:
            return None
        return NumericCountry(
            NAMED_CONFIDENCE,
            [f"column name '{column.name}' names a country", found],
            examples,
            numeric_rows,
            valid_rows,
        )
    if not an.name_uninformative:
        return None  # the name says something, and not a country
    three_digit_rows = sum(n for v, n in valid.items() if len(v) == 3)
    different = len(valid)
    if (
        share < UNNAMED_MIN_SHARE
        or three_digit_rows < 0.8 * total
        or different < MIN_DISTINCT_UNNAMED
        or total < MIN_REPEAT * len(counts)
    ):
        return None
    return NumericCountry(
        UNNAMED_CONFIDENCE,
        [
            found,
            f"{different} different codes, each repeated across rows: a country code list "
            "(the column's name says nothing)",
        ],
        examples,
        numeric_rows,
        valid_rows,
    )
