"""Column analysis: rule evidence per info type plus a numeric feature vector for the model.

One pass over a column's distinct non-null values does all the pattern work: every value pattern
of every info type sits in a single RE2 ``Set`` (one linear-time scan per distinct value tells all
the types it matches), except the ambiguous formats of types that need their name (bare digits,
random strings): those are matched only in columns whose name points at their type. Validators,
which are the expensive part, only run for types that matched enough values, first on a bounded
subsample and on the rest only if that subsample looks right. Only the types a column touched are
visited afterwards, so that a column's cost does not grow with the number of types.

The column's context (its name's date words, its table, the names of the columns beside it) is
summed up in :class:`Context`, for the model's features and the engine's context checks.
"""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import re2

from . import dictionaries as dicts
from .infotypes import TYPE_FAMILIES, Category, InfoTypeSpec, Sensitivity
from .patterns import PatternSet, compile_pattern
from .validators import (
    CHECKSUM_VALIDATORS,
    COLUMN_CHECKS,
    EXPENSIVE_VALIDATORS,
    VALIDATOR_LABELS,
    VALIDATORS,
    Validator,
    parse_date,
)

# Values that mean "no value" in exports and hand-filled tables, in the spellings people use.
NULL_TOKENS = frozenset(
    {"", "null", "none", "nil", "n/a", "na", "n.a.", "-", "--", "?", "nan", "undefined", "#n/a"}
)
NULL_VARIANTS = frozenset(
    [v for t in NULL_TOKENS for v in (t, t.upper(), t.title(), t.capitalize())] + ["NaN"]
)
MAX_DISTINCT = 32  # distinct values examined per column (counts are extrapolated to the rest)
VALIDATE_PROBE = 8  # matched distinct values validated before deciding to validate the rest
SHAPE_SAMPLE = 16  # distinct values used for the value-shape statistics
DICT_SAMPLE = 16  # distinct values looked up for the dictionary and date statistics
MAX_EXPENSIVE = 24  # distinct values an expensive validator checks (the rest is extrapolated)
MAX_VALIDATE = 32  # ... any other validator
PREFILTER_RATIO = 0.3  # share of values a type's patterns must match before its validator runs
PREFILTER_RATIO_NAMED = 0.1  # ... when the column name already points at the type

# These fixed patterns (camel case, uninformative names) are this module's own and run on short
# column names, where the standard library's ``re`` is faster than RE2. Every pattern that comes
# from an info type or a steward is compiled by RE2 (``patterns.py``) and runs in linear time.
_CAMEL_1 = re.compile(r"([a-z0-9])([A-Z])")
_CAMEL_2 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_NAME_PUNCT = str.maketrans(dict.fromkeys("_-.:/\\#()[]{}\"'`,;|@$%^&*+=~<>!?", " "))
_UNINFORMATIVE = re.compile(
    r"(?:col|cols|column|field|fld|attr|attribute|c|f|x|v|var|variable|feature|feat|data|value|"
    r"val|unnamed|unknown|misc|extra|custom|tmp|temp|udf|prop|property|item|param|dim|a|b|"
    r"spalte|champ|campo|kolumn|kolom|veld) ?[0-9]*[a-z]?"
)
_NEGATIVE_LAST = frozenset(
    [
        "count",
        "cnt",
        "counts",
        "type",
        "types",
        "kind",
        "status",
        "flag",
        "flags",
        "verified",
        "valid",
        "validated",
        "enabled",
        "disabled",
        "hash",
        "hashed",
        "md5",
        "sha",
        "sha1",
        "sha256",
        "length",
        "len",
        "format",
        "fmt",
        "source",
        "provider",
        "template",
        "optin",
        "opt",
        "sent",
        "confirmed",
        "bounced",
        "changed",
        "updated",
        "created",
        "deleted",
        "at",
        "ts",
        "time",
        "timestamp",
        "policy",
        "consent",
        "preference",
        "preferences",
        "pref",
        "visible",
        "visibility",
        "public",
        "private",
        "required",
        "mask",
        "masked",
        "uuid",
        "ref",
        "pk",
        "fk",
    ]
)
_NEGATIVE_FIRST = frozenset(
    [
        "is",
        "has",
        "can",
        "allow",
        "allows",
        "count",
        "total",
        "default",
        "max",
        "min",
    ]
)


@lru_cache(maxsize=8192)
def normalize_name(name: str) -> str:
    """``"customerEMail_Addr"`` -> ``"customer e mail addr"`` (accents folded)."""
    if not name:
        return ""
    text = _CAMEL_2.sub(r"\1 \2", _CAMEL_1.sub(r"\1 \2", name))
    return " ".join(dicts.fold(text).translate(_NAME_PUNCT).split())


def type_family(data_type: str) -> str:
    """Map a declared SQL type (``varchar(255)``, ``numeric(9,6)``, ``timestamptz``) to a family."""
    t = (data_type or "").strip().lower()
    base = t.split("(", 1)[0].strip()
    if base in ("uuid", "uniqueidentifier"):
        return "uuid"
    if base in ("inet", "cidr"):
        return "inet"
    if base in ("macaddr", "macaddr8"):
        return "macaddr"
    if base in ("bool", "boolean", "bit"):
        return "boolean"
    if base == "date":
        return "date"
    if base.startswith(("timestamp", "datetime", "smalldatetime", "datetimeoffset", "time")):
        return "datetime"
    if base in ("int", "integer", "smallint", "bigint", "tinyint", "mediumint", "serial",
                "bigserial", "smallserial", "int2", "int4", "int8", "long", "short"):  # fmt: skip
        return "integer"
    if base in ("numeric", "decimal", "number"):
        if "," in t:
            scale = t.split(",", 1)[1].strip(" )")
            if scale.isdigit() and int(scale) == 0:
                return "integer"
        return "decimal"
    if base in ("float", "real", "double", "double precision", "float4", "float8", "money"):
        return "decimal"
    if base in ("json", "jsonb", "xml", "array", "bytea", "blob", "binary", "varbinary"):
        return "other"
    return "string"


def declared_length(data_type: str) -> int:
    t = (data_type or "").lower()
    if "(" in t and "," not in t:
        inner = t.split("(", 1)[1].split(")", 1)[0].strip()
        if inner.isdigit():
            return int(inner)
    return 0


@dataclass
class TypeEvidence:
    """What one info type's rules found in one column (counts are over non-null values)."""

    matched: int = 0  # values matching a distinctive or an ambiguous pattern
    strong_matched: int = 0  # values matching a distinctive pattern
    validated: int = 0  # matched values passing the validator / found in the dictionary
    validated_estimated: bool = False  # the validator ran on part of the values only
    extrapolated: bool = False  # pattern counts extrapolated from the first distinct values
    column_check_ok: bool = True
    examples: list[str] = field(default_factory=list)  # raw values, never shown unmasked


_NO_EVIDENCE = TypeEvidence()


@dataclass
class CompiledSpec:
    spec: InfoTypeSpec
    index: int
    validator: Validator | None
    validator_label: str | None
    lookup: Callable[[str], bool] | None
    column_check: Callable[[list[str]], bool] | None
    name_patterns: int
    has_patterns: bool
    expensive: bool
    checksum: bool


class Library:
    """The compiled form of a list of specs: one RE2 set for values, one for column names."""

    def __init__(self, specs: Sequence[InfoTypeSpec]):
        codes = [s.code for s in specs]
        if len(set(codes)) != len(codes):
            raise ValueError("duplicate info type codes in the spec list")
        self.specs: tuple[InfoTypeSpec, ...] = tuple(specs)
        self.codes: tuple[str, ...] = tuple(codes)
        self.compiled: list[CompiledSpec] = []
        value_entries: list[tuple[object, str]] = []
        name_entries: list[tuple[object, str]] = []
        excl_entries: list[tuple[object, str]] = []
        # ambiguous formats that need the column name: matched per named column, not by the set
        self.name_gated: dict[int, PatternSet] = {}
        for i, spec in enumerate(specs):
            value_entries += [((i, False), p) for p in spec.value_patterns]
            if spec.weak_needs_name and spec.weak_value_patterns:
                self.name_gated[i] = PatternSet([(i, p) for p in spec.weak_value_patterns])
            else:
                value_entries += [((i, True), p) for p in spec.weak_value_patterns]
            name_entries += [(i, fold_pattern(p)) for p in spec.column_name_patterns]
            excl_entries += [(i, fold_pattern(p)) for p in spec.column_name_exclusions]
            self.compiled.append(
                CompiledSpec(
                    spec=spec,
                    index=i,
                    validator=VALIDATORS[spec.validator] if spec.validator else None,
                    validator_label=VALIDATOR_LABELS.get(spec.validator or ""),
                    lookup=_make_lookup(spec),
                    column_check=COLUMN_CHECKS.get(spec.column_check or ""),
                    name_patterns=len(spec.column_name_patterns),
                    has_patterns=bool(spec.value_patterns or spec.weak_value_patterns),
                    expensive=(spec.validator or "") in EXPENSIVE_VALIDATORS,
                    checksum=(spec.validator or "") in CHECKSUM_VALIDATORS,
                )
            )
        # types examined for every column whatever its values: no pattern to prefilter them
        self.patternless: tuple[int, ...] = tuple(
            cs.index for cs in self.compiled if not cs.has_patterns
        )
        self.index: dict[str, int] = {code: i for i, code in enumerate(self.codes)}
        # types whose presence in a table says its rows are people (a name, a gender, an e-mail,
        # a phone, a national or health number of a person), and the birth date's own
        self.person_specs = frozenset(
            cs.index
            for cs in self.compiled
            if cs.spec.code in PERSON_ATTRIBUTES
            or (
                cs.spec.category in (Category.GOVERNMENT_ID, Category.HEALTH)
                and cs.spec.sensitivity == Sensitivity.HIGHLY_CONFIDENTIAL
            )
        )
        self.birth_spec: int | None = self.index.get("DATE_OF_BIRTH")
        self._name_cache: dict[str, frozenset[int]] = {}
        self.values = PatternSet(value_entries)
        self._value_keys: list[tuple[int, bool]] = list(self.values.keys)  # type: ignore[arg-type]
        self.names = _UnanchoredSet(name_entries)
        self.exclusions = _UnanchoredSet(excl_entries)
        self.signatures: dict[tuple[int, ...], tuple[tuple[int, ...], tuple[int, ...]]] = {}
        self._layouts: dict[tuple[str, ...], FeatureLayout] = {}
        raw = getattr(self.values._set, "_set", None)
        if raw is not None:
            self.raw_match: Callable[[bytes], list[int] | None] = raw.Match
        else:  # pragma: no cover - other re2 bindings
            self.raw_match = lambda b: self.values.match_indices(b.decode("utf-8"))

    def named(self, name: str) -> frozenset[int]:
        """The types a column name points at (their patterns match, no exclusion does)."""
        hits = self._name_cache.get(name)
        if hits is None:
            norm = normalize_name(name)
            hits = frozenset(self.names.match(norm) - self.exclusions.match(norm))
            if len(self._name_cache) < 50_000:
                self._name_cache[name] = hits
        return hits

    def sibling_context(self, siblings: Sequence[str]) -> dict[str, Any]:
        """How many of ``siblings`` name a person's attribute, and whether one names a birth."""
        person = 0
        birth = False
        for sibling in siblings[:200]:
            hits = self.named(sibling)
            if hits:
                if not self.person_specs.isdisjoint(hits):
                    person += 1
                if self.birth_spec in hits:
                    birth = True
        return {"sibling_person": person, "sibling_birth": birth}

    def feature_layout(self, codes: tuple[str, ...]) -> FeatureLayout:
        """Where each spec's per-type features go in a vector laid out for ``codes``."""
        layout = self._layouts.get(codes)
        if layout is None:
            layout = FeatureLayout(self, codes)
            self._layouts[codes] = layout
        return layout

    def signature_of(self, key: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(specs matched by a distinctive pattern, specs matched only by an ambiguous one)."""
        keys = self._value_keys
        strong_set = {keys[i][0] for i in key if not keys[i][1]}
        weak_set = {keys[i][0] for i in key if keys[i][1]} - strong_set
        sig = (tuple(sorted(strong_set)), tuple(sorted(weak_set)))
        if len(self.signatures) < 20000:
            self.signatures[key] = sig
        return sig


class FeatureLayout:
    """The per-type block of the feature vector for one ordering of info-type codes.

    ``slots[i]`` is the offset of spec ``i``'s features within the block (-1: the model was
    trained without that type); ``template`` is a whole vector for a column with no evidence
    (zeros) and ``always_valid`` the number of specs such a column satisfies (those with a zero
    minimum match ratio).
    """

    def __init__(self, library: Library, codes: tuple[str, ...]):
        width = len(PER_TYPE_FEATURES)
        position = {code: k * width for k, code in enumerate(codes)}
        self.slots: list[int] = [position.get(cs.spec.code, -1) for cs in library.compiled]
        head = len(GLOBAL_FEATURES)
        self.template = np.zeros(head + width * len(codes), dtype=np.float32)
        self.always_valid = sum(1 for cs in library.compiled if cs.spec.min_match_ratio <= 0.0)


class _UnanchoredSet:
    def __init__(self, entries: list[tuple[object, str]]):
        self._keys = [k for k, _ in entries]
        self._set: Any = None
        if entries:
            for _, p in entries:
                compile_pattern(p)
            opts = re2.Options()
            opts.log_errors = False
            self._set = re2.Set(re2._Anchor.UNANCHORED, opts)
            for _, p in entries:
                self._set.Add(p)
            self._set.Compile()

    def match(self, text: str) -> set[Any]:
        if self._set is None or not text:
            return set()
        idx = self._set.Match(text)
        return {self._keys[i] for i in idx} if idx else set()


def fold_pattern(pattern: str) -> str:
    """A column-name pattern in the form names are matched in (accents and Hangul decomposed).

    Names are folded by :func:`normalize_name`; a pattern written with accented or non-Latin
    letters gets the same Unicode decomposition, so that it can still match them. ASCII
    patterns are returned as written (nothing else, in particular not their case, changes).
    """
    if pattern.isascii():
        return pattern
    decomposed = unicodedata.normalize("NFKD", pattern)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _make_lookup(spec: InfoTypeSpec) -> Callable[[str], bool] | None:
    builtin = spec.dictionary
    custom = spec.dictionary_values
    if custom:
        folded = frozenset(dicts.fold(v) for v in custom)
        if builtin:
            base = builtin
            return lambda v: dicts.fold(v) in folded or dicts.lookup(base, v)
        return lambda v: dicts.fold(v) in folded
    if builtin:
        if builtin not in dicts.DICTIONARY_NAMES:
            raise ValueError(f"{spec.code}: unknown dictionary {builtin!r}")
        return lambda v: dicts.lookup(builtin, v)
    return None


@dataclass
class ColumnAnalysis:
    name: str
    name_norm: str
    table_norm: str
    family: str
    sampled: int
    non_null: int
    distinct: int
    evidence: list[TypeEvidence]
    name_hits: set[int]
    name_excluded: set[int]
    name_negative: bool
    name_uninformative: bool
    dense: np.ndarray
    touched: list[int] = field(default_factory=list)  # specs with evidence, by index
    values: list[str] = field(default_factory=list)  # the distinct values examined
    context: Context = field(default_factory=lambda: Context())


@dataclass(frozen=True)
class Context:
    """What the column's name, table and neighbours say, beyond its own evidence."""

    date_word: bool = False  # its name names a date ("hire date", "datum")
    table_person: bool = False  # its table holds people ("customers", "patienten")
    sibling_person: int = 0  # columns beside it that name a person's attribute
    sibling_birth: bool = False  # a column beside it names a birth date


# ------------------------------------------------------------------------------------------------
# character classes for the value-shape profile
_CLASS_TABLE = {}
for _c in range(128):
    _ch = chr(_c)
    if _ch.isdigit():
        _CLASS_TABLE[_c] = "0"
    elif "A" <= _ch <= "Z":
        _CLASS_TABLE[_c] = "A"
    elif "a" <= _ch <= "z":
        _CLASS_TABLE[_c] = "a"
    elif _ch in "\t\r":
        _CLASS_TABLE[_c] = " "
_SHAPE_TABLE = {**_CLASS_TABLE, **{ord(c): "a" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}}
_PUNCT_TRACKED = "@.-_:/,+(#\n "
_HEXSTRIP = "0123456789abcdefABCDEF"
_NUMERIC_START = frozenset("0123456789+-.")


def _sign_log(x: float) -> float:
    return math.copysign(math.log1p(abs(x)), x)


GLOBAL_FEATURES: list[str] = (
    [f"family={f}" for f in TYPE_FAMILIES]
    + ["declared_len_log", "null_ratio", "non_null_log", "distinct_ratio", "distinct_log"]
    + ["len_mean_log", "len_std_log", "len_min_log", "len_max_log", "len_cv"]
    + ["ch_digit", "ch_upper", "ch_lower", "ch_other"]
    + [f"ch_{c!r}" for c in _PUNCT_TRACKED]
    + ["all_digit", "alpha_words", "has_space", "tokens_mean", "title", "upper", "lower"]
    + ["numeric", "integer", "negative", "decimals_mean", "num_min", "num_max", "num_span"]
    + ["in_lat_range", "in_lon_range", "starts_digit", "starts_plus", "shape_ratio", "top_shape"]
    + ["hex_only", "digit_and_alpha", "first_name_tok", "last_name_tok", "person_tok_all"]
    + ["org_word", "street_word", "city_dict", "city_affix", "country", "gender", "title_word"]
    + ["date_like", "year_median", "year_std", "year_min", "year_max", "time_nonzero"]
    + ["date_future"]
    + ["name_uninformative", "name_tokens", "name_negative", "name_len", "name_empty"]
    + ["name_date_word", "table_person", "sibling_person", "sibling_birth"]
    + ["named_validated", "named_matched", "named_types", "strong_validated", "shape_failed"]
    + ["max_type_validated", "n_types_validated"]
)
_VALUE_BLOCK = 43  # features derived from the values' shape (zeros for an all-null column)
# Core types whose column beside a date says the table's rows are people.
PERSON_ATTRIBUTES = frozenset(
    {"PERSON_NAME", "GENDER", "EMAIL_ADDRESS", "PHONE_NUMBER", "US_SSN", "UK_NINO",
     "US_PASSPORT_NUMBER", "PASSPORT_NUMBER"}
)  # fmt: skip
# Per info type: the share of values matching a distinctive and only an ambiguous format, the
# share passing the check (halved when the whole-column check fails), and whether the column
# name points at it (1; 0.5 when an exclusion says it names a related attribute). The global
# ``named_*``, ``strong_validated`` and ``shape_failed`` features sum the same evidence up over
# every type, so that the trees learn "a type is clearly here" once for all types.
PER_TYPE_FEATURES = ("strong", "weak", "validated", "name")
_N_EVIDENCE = 7  # the global features computed from the per-type evidence (the last seven)


def feature_names(codes: Sequence[str]) -> list[str]:
    names = list(GLOBAL_FEATURES)
    for code in codes:
        names += [f"{code}:{f}" for f in PER_TYPE_FEATURES]
    return names


def clean_values(values: Sequence[object], limit: int = 2000) -> tuple[int, dict[str, int]]:
    """Count distinct stripped non-null values; returns (sampled, {value: count})."""
    if len(values) > limit:
        values = values[:limit]
    try:  # fast path: str or None (the usual case); ``filter`` drops None and ""
        counts = Counter(map(str.strip, filter(None, values)))  # type: ignore[arg-type]
    except TypeError:  # numbers or other objects from a driver
        counts = Counter(
            (v if isinstance(v, str) else str(v)).strip() for v in values if v is not None
        )
    for key in counts.keys() & NULL_VARIANTS:  # "null", "NULL", "Null", "N/A", "N/a", ...
        del counts[key]
    return len(values), counts


def analyze(
    library: Library,
    name: str,
    data_type: str,
    values: Sequence[object],
    table: str = "",
    *,
    model_codes: Sequence[str] | None = None,
    siblings: Sequence[str] = (),
) -> ColumnAnalysis:
    """Run every rule over one column and build its feature vector.

    ``siblings`` are the names of the other columns of its table: what they are tells whether a
    date beside them may be a person's birth date.
    """
    sampled, counts = clean_values(values)
    distinct_values = list(counts)
    weights = list(counts.values())
    non_null = sum(weights)
    if len(distinct_values) > MAX_DISTINCT:
        distinct_values = distinct_values[:MAX_DISTINCT]
        weights = weights[:MAX_DISTINCT]
        considered = sum(weights)
    else:
        considered = non_null
    scale = non_null / considered if considered else 0.0
    family = type_family(data_type)
    name_norm = normalize_name(name)
    n_specs = len(library.compiled)

    # --- column name ---
    name_hits: set[int] = library.names.match(name_norm)
    name_excluded: set[int] = library.exclusions.match(name_norm)
    tokens = name_norm.split()
    name_negative = bool(tokens) and (
        tokens[-1] in _NEGATIVE_LAST or (len(tokens) > 1 and tokens[0] in _NEGATIVE_FIRST)
    )
    uninformative = not tokens or bool(_UNINFORMATIVE.fullmatch(name_norm))
    table_norm = normalize_name(table)
    context = Context(
        date_word=not dicts.DATE_WORDS.isdisjoint(tokens),
        table_person=not dicts.PERSON_TABLE_WORDS.isdisjoint(table_norm.split()),
        **library.sibling_context(siblings),
    )

    # --- one pass of the value pattern set ---
    strong = [0] * n_specs  # (a flat list is cheaper than a dict, even for hundreds of types)
    weak = [0] * n_specs
    matched_values: dict[int, list[int]] = {}  # indices into distinct_values, matched specs only
    raw_match = library.raw_match
    sigs = library.signatures
    for j, v in enumerate(distinct_values):
        idx = raw_match(v.encode())
        if not idx:
            continue
        key = tuple(idx)
        sig = sigs.get(key) or library.signature_of(key)
        w = weights[j]
        for i in sig[0]:
            strong[i] += w
            matched_values.setdefault(i, []).append(j)
        for i in sig[1]:
            weak[i] += w
            matched_values.setdefault(i, []).append(j)

    # --- ambiguous formats of the types the column name points at ---
    gated = library.name_gated
    for i in name_hits & gated.keys() if gated else ():
        pattern_set = gated[i]
        seen = matched_values.get(i)
        already = set(seen) if seen else ()
        for j, v in enumerate(distinct_values):
            if j not in already and pattern_set.match_indices(v):
                weak[i] += weights[j]
                matched_values.setdefault(i, []).append(j)

    # --- validators / dictionaries, only where plausible: the types the pattern set matched,
    # and those without patterns; every other type shares the empty evidence (never mutated),
    # so the cost of a column does not grow with the number of types in the library ---
    evidence: list[TypeEvidence] = [_NO_EVIDENCE] * n_specs
    touched = sorted(matched_values.keys() | set(library.patternless))
    compiled = library.compiled
    for i in touched:
        cs = compiled[i]
        n_strong, n_weak = strong[i], weak[i]
        ev = TypeEvidence(
            matched=round((n_strong + n_weak) * scale),
            strong_matched=round(n_strong * scale),
            extrapolated=considered < non_null,
        )
        idxs = matched_values.get(i, [])
        check = cs.validator or cs.lookup
        if cs.lookup is not None and not cs.has_patterns:
            idxs = list(range(len(distinct_values)))  # dictionary-only rule: look every value up
            ev.matched = ev.strong_matched = non_null
        if check is None:
            ev.validated = ev.matched
            ev.examples = [distinct_values[j] for j in idxs[:3]]
        elif idxs and considered:
            ratio = (n_strong + n_weak) / considered if cs.has_patterns else 1.0
            strong_ratio = n_strong / considered if cs.has_patterns else 1.0
            if i in name_hits:
                plausible = ratio >= PREFILTER_RATIO_NAMED
            elif cs.expensive:
                plausible = strong_ratio >= PREFILTER_RATIO
            else:
                plausible = ratio >= PREFILTER_RATIO
            if plausible:
                passed, ok_idx, estimated = _validate(cs, check, distinct_values, weights, idxs)
                ev.validated = round(passed * scale)
                ev.validated_estimated = estimated
                ev.examples = [distinct_values[j] for j in ok_idx[:3]]
                if cs.column_check is not None and ok_idx:
                    ev.column_check_ok = cs.column_check([distinct_values[j] for j in ok_idx])
        evidence[i] = ev

    dense = _dense_features(
        library,
        distinct_values,
        weights,
        counts,
        sampled,
        non_null,
        family,
        data_type,
        evidence,
        name_hits,
        name_excluded,
        name_negative,
        uninformative,
        tokens,
        model_codes,
        touched,
        context,
    )
    return ColumnAnalysis(
        name=name,
        name_norm=name_norm,
        table_norm=table_norm,
        family=family,
        sampled=sampled,
        non_null=non_null,
        distinct=len(counts),
        evidence=evidence,
        name_hits=name_hits,
        name_excluded=name_excluded,
        name_negative=name_negative,
        name_uninformative=uninformative,
        dense=dense,
        touched=touched,
        values=distinct_values,
        context=context,
    )


def _validate(
    cs: CompiledSpec,
    check: Callable[[str], bool],
    distinct_values: list[str],
    weights: list[int],
    idxs: list[int],
) -> tuple[int, list[int], bool]:
    """Validate matched values: a probe first, then the rest up to the validator's cap.

    A probe where fewer than a quarter of the values pass decides the rest (not this type: the
    pass rate is extrapolated by weight). Otherwise every matched value is checked up to the cap;
    past the cap, a probe where every value passed, or the checked values' pass rate, is
    extrapolated to the values left over. Returns (passed weight, indices of the values that
    passed, whether the count is an estimate).
    """
    # ``check`` is ``cs.validator or cs.lookup``: the validator when there is one, else the lookup
    passed = 0
    ok_idx: list[int] = []
    probe = idxs[:VALIDATE_PROBE]
    for j in probe:
        if check(distinct_values[j]):
            passed += weights[j]
            ok_idx.append(j)
    rest = idxs[VALIDATE_PROBE:]
    if not rest:
        return passed, ok_idx, False
    cap = MAX_EXPENSIVE if cs.expensive else MAX_VALIDATE
    checked_w = sum([weights[j] for j in probe])
    if len(ok_idx) < 0.25 * len(probe) or (len(ok_idx) == len(probe) and len(idxs) > cap):
        unchecked = rest
    else:
        unchecked = rest[cap - VALIDATE_PROBE :]
        for j in rest[: cap - VALIDATE_PROBE]:
            checked_w += weights[j]
            if check(distinct_values[j]):
                passed += weights[j]
                ok_idx.append(j)
        if not unchecked:
            return passed, ok_idx, False
    unchecked_w = sum([weights[j] for j in unchecked])
    return passed + round(unchecked_w * passed / checked_w), ok_idx, True


def _dense_features(
    library: Library,
    dv: list[str],
    weights: list[int],
    counts: dict[str, int],
    sampled: int,
    non_null: int,
    family: str,
    data_type: str,
    evidence: list[TypeEvidence],
    name_hits: set[int],
    name_excluded: set[int],
    name_negative: bool,
    uninformative: bool,
    name_tokens: list[str],
    model_codes: Sequence[str] | None,
    touched: Sequence[int] = (),
    context: Context | None = None,
) -> np.ndarray:
    f: list[float] = [1.0 if family == fam else 0.0 for fam in TYPE_FAMILIES]
    dl = declared_length(data_type)
    dv = dv[:SHAPE_SAMPLE]  # value-shape statistics are stable on a bounded sample
    n = len(dv)
    f += [
        math.log1p(dl),
        1.0 - non_null / sampled if sampled else 1.0,
        math.log1p(non_null),
        len(counts) / non_null if non_null else 0.0,
        math.log1p(len(counts)),
    ]
    if n == 0:
        f += [0.0] * _VALUE_BLOCK
    else:
        lengths = list(map(len, dv))
        mean = sum(lengths) / n
        var = sum([(x - mean) ** 2 for x in lengths]) / n
        std = math.sqrt(var)
        f += [math.log1p(mean), math.log1p(std), math.log1p(min(lengths))]
        f += [math.log1p(max(lengths)), std / mean if mean else 0.0]
        joined = "\x00".join(dv)
        classes = joined.translate(_CLASS_TABLE)
        total = max(1, len(joined) - (n - 1))
        d, up, lo = classes.count("0"), classes.count("A"), classes.count("a")
        punct = [classes.count(c) for c in _PUNCT_TRACKED]
        other = total - d - up - lo - sum(punct)
        f += [d / total, up / total, lo / total, max(0, other) / total]
        f += [p / total for p in punct]

        all_digit = alpha_words = has_space = title = upper = lower = 0
        token_total = 0
        numeric = integer = negative = 0
        decimals = 0
        nums: list[float] = []
        starts_digit = starts_plus = hex_only = digit_alpha = 0
        for v in dv:
            isdigit = v.isdigit()
            if isdigit:
                all_digit += 1
            spaces = v.count(" ")
            if spaces:
                has_space += 1
            token_total += spaces + 1
            if v.isalpha() or (spaces and v.replace(" ", "").isalpha()):
                alpha_words += 1
            elif not isdigit and v.isalnum():
                digit_alpha += 1
            if v.istitle():
                title += 1
            if v.isupper():
                upper += 1
            elif v.islower():
                lower += 1
            c0 = v[0]
            if c0 in "0123456789":
                starts_digit += 1
            elif c0 == "+":
                starts_plus += 1
            if isdigit or (c0 in _NUMERIC_START and v.lstrip("+-").replace(".", "", 1).isdigit()):
                x = float(v) if len(v) < 40 else 0.0
                numeric += 1
                nums.append(x)
                if x < 0:
                    negative += 1
                dot = v.find(".")
                if dot >= 0:
                    decimals += len(v) - dot - 1
                else:
                    integer += 1
            if len(v) >= 6 and not v.strip(_HEXSTRIP):
                hex_only += 1
        # value shapes: _SHAPE_TABLE is _CLASS_TABLE with upper case folded to "a", and only
        # A-Z map to "A" in ``classes``, so the shapes are ``classes`` with "A" -> "a"
        if classes.count("\x00") == n - 1:  # no NUL inside a value: split the joined form
            shapes = Counter(classes.replace("A", "a").split("\x00"))
        else:
            shapes = Counter(v.translate(_SHAPE_TABLE) for v in dv)
        f += [
            all_digit / n,
            alpha_words / n,
            has_space / n,
            token_total / n,
            title / n,
            upper / n,
            lower / n,
            numeric / n,
            integer / n,
            negative / n,
            decimals / numeric if numeric else 0.0,
        ]
        if nums:
            lo_n, hi_n = min(nums), max(nums)
            f += [_sign_log(lo_n), _sign_log(hi_n), math.log1p(hi_n - lo_n)]
            f += [sum(-90 <= x <= 90 for x in nums) / n, sum(-180 <= x <= 180 for x in nums) / n]
        else:
            f += [0.0, 0.0, 0.0, 0.0, 0.0]
        f += [starts_digit / n, starts_plus / n, len(shapes) / n, max(shapes.values()) / n]
        f += [hex_only / n, digit_alpha / n]
    f += _dictionary_features(dv[:DICT_SAMPLE])
    f += _date_features(dv[:DICT_SAMPLE])
    f += [
        1.0 if uninformative else 0.0,
        float(len(name_tokens)),
        1.0 if name_negative else 0.0,
        math.log1p(sum(len(t) for t in name_tokens)),
        0.0 if name_tokens else 1.0,
    ]
    ctx = context or Context()
    f += [
        1.0 if ctx.date_word else 0.0,
        1.0 if ctx.table_person else 0.0,
        min(1.0, ctx.sibling_person / 3.0),
        1.0 if ctx.sibling_birth else 0.0,
    ]
    # per-type rule evidence, in the order the model was trained with: a template row (no
    # evidence) with only the types the column touched or its name points at filled in
    codes = tuple(model_codes) if model_codes is not None else library.codes
    layout = library.feature_layout(codes)
    out = layout.template.copy()
    head = len(f) + _N_EVIDENCE
    best = named_validated = named_matched = strong_validated = shape_failed = 0.0
    n_valid = layout.always_valid
    nn = non_null or 1
    slots = layout.slots
    named = name_hits - name_excluded
    for i in name_hits:
        pos = slots[i]
        if pos >= 0:
            out[head + pos + 3] = 1.0 if i in named else 0.5
    compiled = library.compiled
    for i in touched:
        cs = compiled[i]
        ev = evidence[i]
        if ev is _NO_EVIDENCE:
            continue
        min_ratio = cs.spec.min_match_ratio
        if min_ratio <= 0.0:
            n_valid -= 1  # counted in ``always_valid``; decided from its evidence below
        validated = ev.validated / nn
        strong = ev.strong_matched / nn
        matched = ev.matched / nn
        if validated >= min_ratio and ev.column_check_ok:
            n_valid += 1
            best = max(best, validated)
        checked = validated if ev.column_check_ok else 0.5 * validated
        if i in named:
            named_validated = max(named_validated, checked)
            named_matched = max(named_matched, matched)
        strong_validated = max(strong_validated, min(strong, checked))
        if cs.checksum and matched >= 0.5:
            shape_failed = max(shape_failed, matched - validated)
        pos = slots[i]
        if pos >= 0:
            k = head + pos
            out[k : k + 3] = (strong, matched - strong, checked)
    f += [named_validated, named_matched, float(len(named)), strong_validated, shape_failed]
    f += [best, float(n_valid)]
    out[:head] = f
    return out


def _dictionary_features(dv: list[str]) -> list[float]:
    first = last = all_tok = org = street = city = affix = country = gender = titles = 0
    m = len(dv)
    if m == 0:
        return [0.0] * 10
    first_names, last_names = dicts.FIRST_NAMES, dicts.LAST_NAMES
    org_words, street_words, title_words = dicts.ORG_WORDS, dicts.STREET_WORDS, dicts.TITLE_WORDS
    cities, genders, prefixes = dicts.CITIES, dicts.GENDER_TERMS, dicts.CITY_PREFIXES
    suffixes = dicts.CITY_SUFFIXES
    country_names, codes_2 = dicts.COUNTRY_NAMES, dicts.COUNTRY_CODES_2
    codes_3 = dicts.COUNTRY_CODES_3
    person_or_title = dicts.PERSON_OR_TITLE_TOKENS
    for v in dv:
        if len(v) > 80 or not v[0].isalpha():
            continue
        folded_v = dicts.fold(v)  # == dicts.name_tokens(v) and dicts.country_hit(v), folding once
        toks = [t.strip(".,'’-") for t in folded_v.replace(",", " ").split()]
        if not toks:
            continue
        tokset = set(toks)
        if not first_names.isdisjoint(tokset):
            first += 1
        if not last_names.isdisjoint(tokset):
            last += 1
        if tokset <= person_or_title:
            all_tok += 1
        if not org_words.isdisjoint(tokset):
            org += 1
        if not street_words.isdisjoint(tokset):
            street += 1
        if not title_words.isdisjoint(tokset):
            titles += 1
        folded = " ".join(toks)
        if folded in cities:
            city += 1
        if (len(toks) >= 2 and toks[0] in prefixes) or (
            len(toks[-1]) >= 6 and toks[-1].endswith(suffixes)
        ):
            affix += 1
        if folded_v in country_names:
            country += 1
        else:
            raw = v.strip()
            if len(raw) == 2 and raw.isalpha():
                country += folded_v in codes_2
            elif len(raw) == 3 and raw.isalpha():
                country += folded_v in codes_3 and (raw.isupper() or raw.islower())
        if folded in genders:
            gender += 1
    return [
        first / m,
        last / m,
        all_tok / m,
        org / m,
        street / m,
        city / m,
        affix / m,
        country / m,
        gender / m,
        titles / m,
    ]


_THIS_YEAR = datetime.date.today().year


def _date_features(dv: list[str]) -> list[float]:
    years: list[int] = []
    nonzero_time = future = 0
    n = len(dv)
    for v in dv:
        if len(v) >= 8 and v[:4].isdigit() and v[4] in "-/.":
            y = int(v[:4])
            if len(v) > 10 and v[10] in " T":
                t = v[11:19]
                if t and t.strip("0:.") != "":
                    nonzero_time += 1
        elif len(v) >= 8 and v[-4:].isdigit() and v[-5] in "-/. ":
            y = int(v[-4:])
        else:
            continue
        if 1000 <= y <= 2999:
            years.append(y)
            if y > _THIS_YEAR or (y == _THIS_YEAR and _after_today(v)):
                future += 1
    if not years:
        return [0.0] * 7
    years.sort()
    k = len(years)
    mean = sum(years) / k
    std = math.sqrt(sum((y - mean) ** 2 for y in years) / k)
    return [
        k / n,
        (_THIS_YEAR - years[k // 2]) / 50.0,
        std / 20.0,
        (_THIS_YEAR - years[0]) / 50.0,
        (_THIS_YEAR - years[-1]) / 50.0,
        nonzero_time / k,
        future / k,
    ]


def _after_today(value: str) -> bool:
    parsed = parse_date(value)
    return parsed is not None and parsed > datetime.date.today()
