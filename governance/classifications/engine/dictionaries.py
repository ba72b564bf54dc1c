"""Built-in word lists (multilingual) and the folding used to look values up in them.

The lists live in ``data/dictionaries.json.gz`` (written by ``build_data.py`` from Faker's locale
providers, phonenumbers' regions and the hand-written lists in ``data/sources/``); they are
modest: a capped share of names and real city names per locale, localised country names and ISO
codes, street words and gender terms in some twenty languages. They are read on first use (module
attributes such as ``CITIES`` are loaded then), not when the engine is imported.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from . import datafiles


def fold(text: str) -> str:
    """Lower-case, trim and strip accents (``"Zürich "`` -> ``"zurich"``)."""
    text = text.strip().lower()
    if text.isascii():
        return text
    return _fold_non_ascii(text)


@lru_cache(maxsize=65536)
def _fold_non_ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Module attributes, loaded on first use: these frozensets of folded words (attribute -> key in
# the data file), and the derived PERSON_NAME_TOKENS (first and last names),
# PERSON_OR_TITLE_TOKENS (names and titles), CITY_SUFFIXES (place-name endings, longest first) and
# STREET_SUFFIXES (what compound street words such as "Hauptstrasse", "Kerkstraat" or "Storgatan"
# end with).
_LISTS: dict[str, str] = {
    "FIRST_NAMES": "first_names",
    "LAST_NAMES": "last_names",
    "CITIES": "cities",
    "COUNTRY_NAMES": "country_names",
    "COUNTRY_CODES_2": "country_codes_2",
    "COUNTRY_CODES_3": "country_codes_3",
    "COUNTRY_CODES_NUMERIC": "country_codes_numeric",  # ISO 3166-1 numeric, three digits
    "GENDER_TERMS": "gender_terms",
    "GENDER_WEAK_TERMS": "gender_weak_terms",
    "STREET_WORDS": "street_words",
    "CITY_PREFIXES": "city_prefixes",
    "ORG_WORDS": "org_words",  # legal forms and words of organisation names
    "TITLE_WORDS": "title_words",  # titles, salutations and name suffixes
    "LANGUAGE_CODES": "language_codes",  # ISO 639-1
    "CURRENCY_CODES": "currency_codes",  # ISO 4217
    "PERSON_TABLE_WORDS": "person_table_words",  # table names whose rows are people
    "DATE_WORDS": "date_words",  # words that make a column name an event's date
    "CJK_SURNAMES": "cjk_surnames",  # Chinese, Korean and Japanese family names, unfolded
}
_DERIVED = ("PERSON_NAME_TOKENS", "PERSON_OR_TITLE_TOKENS", "CITY_SUFFIXES", "STREET_SUFFIXES")


@lru_cache(maxsize=1)
def _load() -> dict[str, Any]:
    lists = datafiles.load("dictionaries")
    words: dict[str, Any] = {attr: frozenset(lists[key]) for attr, key in _LISTS.items()}
    words["PERSON_NAME_TOKENS"] = words["FIRST_NAMES"] | words["LAST_NAMES"]
    words["PERSON_OR_TITLE_TOKENS"] = words["PERSON_NAME_TOKENS"] | words["TITLE_WORDS"]
    words["CITY_SUFFIXES"] = tuple(sorted(lists["city_suffixes"], key=len, reverse=True))
    words["STREET_SUFFIXES"] = tuple(lists["street_suffixes"])
    globals().update(words)  # later reads are plain module attributes
    return words


def __getattr__(name: str) -> Any:
    if name in _LISTS or name in _DERIVED:
        return _load()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


DICTIONARY_NAMES = ("person_names", "cities", "countries", "genders")


def country_hit(value: str) -> bool:
    words = _load()
    folded = fold(value)
    if folded in words["COUNTRY_NAMES"]:
        return True
    raw = value.strip()
    if len(raw) == 2 and raw.isalpha():
        return folded in words["COUNTRY_CODES_2"]
    if len(raw) == 3 and raw.isalpha():
        return folded in words["COUNTRY_CODES_3"] and (raw.isupper() or raw.islower())
    return False


def city_hit(value: str) -> bool:
    return fold(value) in _load()["CITIES"]


def gender_hit(value: str) -> bool:
    return fold(value) in _load()["GENDER_TERMS"]


def name_tokens(value: str) -> list[str]:
    return [t.strip(".,'’-") for t in fold(value).replace(",", " ").split()]


def person_token_hit(value: str) -> bool:
    tokens = _load()["PERSON_NAME_TOKENS"]
    return any(t in tokens for t in name_tokens(value)) or cjk_name_hit(value)


def _cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7a3" or "\u3040" <= ch <= "\u30ff"


def cjk_text(text: str) -> bool:
    """Whether ``text`` is written in Chinese, Japanese or Korean characters only."""
    return bool(text) and all(map(_cjk, text))


def cjk_name_hit(value: str) -> bool:
    """A Chinese or Korean name written without a space (梁鑫, 홍정훈): a known family name
    first, then one to three characters."""
    text = value.strip()
    if not 2 <= len(text) <= 4 or not all(map(_cjk, text)):
        return False
    surnames = _load()["CJK_SURNAMES"]
    return text[:1] in surnames or (len(text) >= 3 and text[:2] in surnames)


def lookup(dictionary: str, value: str) -> bool:
    """Whether ``value`` is found in the named built-in dictionary."""
    if dictionary == "person_names":
        return person_token_hit(value)
    if dictionary == "cities":
        return city_hit(value)
    if dictionary == "countries":
        return country_hit(value)
    if dictionary == "genders":
        return gender_hit(value)
    raise KeyError(f"unknown dictionary {dictionary!r}")
