"""Meaning beyond patterns: whether a column's context lets it be what its values look like.

Formats say what a value could be; the column says what it is. A date of birth is a date whose
values fit living people (ages 0 to 110, none in the future, not all one day) *and* whose name,
or for a name that says nothing the columns beside it, suggests a person: a hire date or an
invoice date has the format and the spread of birth dates, and its name says otherwise. Two- and
three-letter codes are countries only when no value is a language or currency that is no
country. Dotted numbers are IP addresses only when they do not read like version numbers.

Each check is registered for an info type and returns a :class:`Verdict` (the most confidence
the type may keep, and why) or ``None``; the engine applies it to that type's candidate after
the rules and the model have scored it, and the reason is shown with the candidate.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass

from . import dictionaries as dicts
from .columns import ColumnInput
from .features import ColumnAnalysis, Library
from .validators import parse_date

CONTEXT_CAP = 0.3  # what a type keeps when its context rules it out: a hint, not a decision
MAX_AGE = 110  # years: older "birth dates" are not living people's


@dataclass(frozen=True)
class Verdict:
    cap: float
    reason: str


ContextCheck = Callable[[ColumnInput, ColumnAnalysis, Library], "Verdict | None"]
CONTEXT_CHECKS: dict[str, ContextCheck] = {}


def register_context(code: str) -> Callable[[ContextCheck], ContextCheck]:
    """Register ``check`` as the context rule of info type ``code``."""

    def wrap(check: ContextCheck) -> ContextCheck:
        CONTEXT_CHECKS[code] = check
        return check

    return wrap


def _named(library: Library, an: ColumnAnalysis, code: str) -> bool:
    i = library.index.get(code)
    return i is not None and i in an.name_hits and i not in an.name_excluded


@register_context("DATE_OF_BIRTH")
def birth_dates(column: ColumnInput, an: ColumnAnalysis, library: Library) -> Verdict | None:
    dates = [d for d in map(parse_date, an.values) if d is not None]
    if len(dates) < max(1, len(an.values) // 2):
        return None  # not a date column: the values have said no already
    today = _dt.date.today()
    # a stray typo is dirt; a tenth of the dates after today or before living memory is not
    tolerated = max(1, len(dates) // 10)
    if sum(1 for d in dates if d > today) > tolerated:
        return Verdict(CONTEXT_CAP, "some dates are in the future: not dates of birth")
    old = [d for d in dates if d.year < today.year - MAX_AGE]
    if len(old) > tolerated:
        return Verdict(
            CONTEXT_CAP,
            f"dates back to {min(old).year}: older than living people's birth dates",
        )
    if an.non_null >= 3 and len(set(dates)) == 1:
        return Verdict(CONTEXT_CAP, "every value is the same day: not people's birth dates")
    if _named(library, an, "DATE_OF_BIRTH"):
        return None
    if not an.name_uninformative:
        return Verdict(
            CONTEXT_CAP,
            f"column name '{column.name}' names another date than a birth"
            if an.context.date_word
            else f"column name '{column.name}' does not name a birth date",
        )
    ctx = an.context
    if ctx.sibling_birth:
        return Verdict(CONTEXT_CAP, "another column of the table names the birth date")
    if ctx.sibling_person or ctx.table_person:
        return None
    return Verdict(
        CONTEXT_CAP, "neither its name nor the columns beside it suggest a person's birth date"
    )


_LANGUAGE_NOT_COUNTRY: frozenset[str] | None = None
_CURRENCY_NOT_COUNTRY: frozenset[str] | None = None


def _code_lists() -> tuple[frozenset[str], frozenset[str]]:
    global _LANGUAGE_NOT_COUNTRY, _CURRENCY_NOT_COUNTRY
    if _LANGUAGE_NOT_COUNTRY is None or _CURRENCY_NOT_COUNTRY is None:
        # "uk" is Ukrainian, and the United Kingdom in many a country column: not evidence
        _LANGUAGE_NOT_COUNTRY = (dicts.LANGUAGE_CODES - dicts.COUNTRY_CODES_2) - {"uk"}
        _CURRENCY_NOT_COUNTRY = dicts.CURRENCY_CODES - dicts.COUNTRY_CODES_3
    return _LANGUAGE_NOT_COUNTRY, _CURRENCY_NOT_COUNTRY


@register_context("COUNTRY")
def country_codes(column: ColumnInput, an: ColumnAnalysis, library: Library) -> Verdict | None:
    codes = [v.strip().lower() for v in an.values if len(v.strip()) in (2, 3)]
    if len(codes) < max(2, len(an.values) // 2):
        return None  # names, not codes
    languages, currencies = _code_lists()
    lang = sorted({c for c in codes if c in languages})
    if lang:
        return Verdict(
            CONTEXT_CAP,
            f"codes such as {', '.join(lang[:3])} are languages, not countries",
        )
    money = sorted({c for c in codes if c in currencies})
    if money:
        return Verdict(
            CONTEXT_CAP,
            f"codes such as {', '.join(money[:3]).upper()} are currencies, not countries",
        )
    return None


@register_context("IP_ADDRESS")
def ip_addresses(column: ColumnInput, an: ColumnAnalysis, library: Library) -> Verdict | None:
    quads = [v.split("/")[0].split(".") for v in an.values if v.count(".") == 3 and ":" not in v]
    quads = [q for q in quads if all(p.isdigit() for p in q)]
    if len(quads) < max(3, len(an.values) // 2):
        return None
    # version and section numbers (1.2.0.4, 3.10.2.1): every part small, first not a network's
    versions = sum(1 for q in quads if all(int(p) < 32 for p in q) and q[0] not in ("10", "127"))
    if versions >= 0.6 * len(quads):
        return Verdict(CONTEXT_CAP, "the dotted numbers read like versions, not addresses")
    return None
