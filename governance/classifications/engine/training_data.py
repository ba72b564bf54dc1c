"""The synthetic training generator's tables (``data/training.json.gz``), read once on first use.

Their source is ``data/sources/training.toml`` (edit it, then ``make engine-data``): locales,
column names per info type, table names, naming affixes, formats, and the kinds of non-sensitive
columns with the value generator (:data:`.generators.NON_SENSITIVE`) each uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from . import datafiles


@dataclass(frozen=True)
class NonSensitiveKind:
    """A kind of non-sensitive column: name stems, value generator, data type, weight."""

    names: tuple[str, ...]
    values: str  # a key of generators.NON_SENSITIVE
    params: dict[str, Any]  # that generator's parameters (options, patterns, length, ...)
    data_type: str
    weight: float


@dataclass(frozen=True)
class TrainingTables:
    locales: tuple[tuple[str, float], ...]
    column_names: dict[str, tuple[str, ...]]  # info type code -> column name stems
    personal_tables: tuple[str, ...]
    other_tables: tuple[str, ...]
    type_tables: dict[str, tuple[str, ...]]  # info type code -> typical table names
    uninformative_names: tuple[str, ...]
    name_prefixes: tuple[str, ...]
    name_suffixes: tuple[str, ...]
    neutral_code_names: tuple[str, ...]
    pooled_types: frozenset[str]
    checksum_types: dict[str, str]  # info type code -> validator its look-alikes fail
    date_formats: tuple[tuple[str, float], ...]
    gender_sets: tuple[tuple[tuple[str, ...], float], ...]
    vat_formats: dict[str, str]  # country -> format, in the file's order
    non_sensitive: tuple[NonSensitiveKind, ...]


_KIND_FIELDS = {"names", "values", "type", "weight"}


def _kind(entry: dict[str, Any]) -> NonSensitiveKind:
    return NonSensitiveKind(
        names=tuple(entry["names"]),
        values=entry["values"],
        params={k: v for k, v in entry.items() if k not in _KIND_FIELDS},
        data_type=entry["type"],
        weight=entry["weight"],
    )


def _strings(table: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {key: tuple(values) for key, values in table.items()}


def from_content(raw: dict[str, Any]) -> TrainingTables:
    """The tables of a parsed ``training`` data file."""
    return TrainingTables(
        locales=tuple((loc, weight) for loc, weight in raw["locales"]),
        column_names=_strings(raw["column_names"]),
        personal_tables=tuple(raw["tables"]["personal"]),
        other_tables=tuple(raw["tables"]["other"]),
        type_tables=_strings(raw["tables"]["by_type"]),
        uninformative_names=tuple(raw["uninformative_names"]),
        name_prefixes=tuple(raw["name_prefixes"]),
        name_suffixes=tuple(raw["name_suffixes"]),
        neutral_code_names=tuple(raw["neutral_code_names"]),
        pooled_types=frozenset(raw["pooled_types"]),
        checksum_types=dict(raw["checksum_types"]),
        date_formats=tuple((fmt, weight) for fmt, weight in raw["date_formats"]),
        gender_sets=tuple((tuple(values), weight) for values, weight in raw["gender_sets"]),
        vat_formats=dict(raw["vat_formats"]),
        non_sensitive=tuple(_kind(entry) for entry in raw["non_sensitive"]),
    )


@lru_cache(maxsize=1)
def tables() -> TrainingTables:
    """The generator's tables (read from the data file once per process)."""
    return from_content(datafiles.load("training"))
