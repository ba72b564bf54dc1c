"""The info-type test bench: try a rule on values before saving it, as Purview's does.

A steward pastes values (or names a catalog column, sampled through the column sources other
apps register in :mod:`.extensions`), and sees, for the rule as it stands in the form: which
values match its pattern, pass its validator or are in its dictionary, whether the column name
matches, the confidence the engine would give it and why, and what the engine would decide among
every active type. Nothing is saved, and sampled values are shown masked (values the steward
pasted are theirs, and shown as pasted).

The bench runs the engine's rules (the active model does not know an unsaved type), over the
system types, the active custom rules and the rule under test in place of its saved version.
It needs the right to add a classification (platform-wide), as saving the rule would; a catalog
column also needs the right to view it, which its source checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from pursight import permissions

from . import services
from .engine import (
    SYSTEM_CODES,
    VALIDATORS,
    ColumnInput,
    Engine,
    InfoTypeSpec,
    compile_pattern,
    get_spec,
    mask_value,
)
from .engine.dictionaries import fold
from .engine.features import normalize_name
from .extensions import column_sources
from .models import Classification

MAX_VALUES = 200  # values a steward may paste (and that a column is sampled for)
SHOWN_VALUES = 50  # distinct values listed with their verdicts
TEST_CODE = "RULE_UNDER_TEST"  # the code of an unsaved rule that has none yet


@dataclass
class BenchValue:
    """One distinct value and what the rule says of it."""

    shown: str  # as pasted, or masked for a sampled column
    count: int
    matched: bool  # the value pattern matches it (or, without one, it is in the dictionary)
    validated: bool | None  # it passes the validator (None: the rule has none)
    in_dictionary: bool | None  # it is one of the dictionary values (None: no dictionary)


@dataclass
class BenchResult:
    code: str
    name: str
    source: str  # "pasted values" or the sampled column's name
    masked: bool
    column_name: str
    data_type: str
    sampled: int
    non_null: int
    name_matches: bool | None  # the column-name pattern matches (None: the rule has none)
    confidence: float  # the rule's type as the engine scores it (0 when it is no candidate)
    decided: bool  # the engine would classify the column as the rule's type
    decision: str | None  # what the engine would classify it as (any type)
    reasons: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    candidates: list[dict[str, Any]] = field(default_factory=list)
    values: list[BenchValue] = field(default_factory=list)
    matched: int = 0
    validated: int = 0


def may_use_test_bench(actor: Any) -> bool:
    """The bench tries a rule before it is added or changed: it needs the right to add one."""
    return actor is None or permissions.can_any(actor, Classification, permissions.ADD)


def check_test_bench(actor: Any) -> None:
    if not may_use_test_bench(actor):
        raise permissions.PermissionDenied(
            "The info-type test bench needs the right to curate the catalog platform-wide."
        )


def parse_values(text: str) -> list[str | None]:
    """Pasted values: one per line (an empty line is a null value), at most ``MAX_VALUES``."""
    lines = (text or "").replace("\r\n", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) > MAX_VALUES:
        raise ValidationError(f"Paste at most {MAX_VALUES} values (one per line).")
    return [line if line.strip() else None for line in lines]


def sample_column(*, actor: Any, key: str, limit: int = 100) -> ColumnInput:
    """A real column for the bench, from the first column source that knows ``key``.

    A column the actor may not view is answered as a missing one.
    """
    check_test_bench(actor)
    key = (key or "").strip()
    if not key:
        raise ValidationError("Name a column to sample.")
    for source in column_sources:
        try:
            column = source.sample(actor, key, min(limit, MAX_VALUES))
        except ValueError as exc:
            raise ValidationError(f"The column could not be sampled: {exc}") from None
        if column is not None:
            return column
    raise ValidationError(f"No column named {key!r} that you may view.")


def rule_spec(rule: Classification) -> InfoTypeSpec:
    """The engine spec of ``rule`` as it stands (a system type keeps the engine's own rules)."""
    if rule.is_system and rule.code in SYSTEM_CODES:
        return get_spec(rule.code)
    if not rule.code:
        rule.code = TEST_CODE
    if not rule.name:
        rule.name = "Rule under test"
    rule.clean()  # a bad regex or threshold is a field error here as when saving
    return services.spec_of(rule)


def test_rule(
    *,
    actor: Any,
    rule: Classification,
    column: ColumnInput,
    masked: bool = False,
    source: str = "pasted values",
) -> BenchResult:
    """What the engine's rules make of ``column`` with ``rule`` as it stands (nothing saved)."""
    check_test_bench(actor)
    spec = rule_spec(rule)
    specs = [s for s in services._current_specs() if s.code != spec.code] + [spec]
    engine = Engine(specs=specs)
    candidates = engine.classify(column)
    decision = engine.decide(candidates)
    own = next((c for c in candidates if c.info_type == spec.code), None)

    counts: dict[str, int] = {}
    nulls = 0
    for value in column.values:
        text = "" if value is None else str(value).strip()
        if not text:
            nulls += 1
            continue
        counts[text] = counts.get(text, 0) + 1
    patterns = [compile_pattern(p) for p in (*spec.value_patterns, *spec.weak_value_patterns)]
    check = VALIDATORS.get(spec.validator or "")
    dictionary = {fold(v) for v in spec.dictionary_values} if spec.dictionary_values else None
    rows: list[BenchValue] = []
    matched = validated = 0
    for text, count in counts.items():
        in_dict = None if dictionary is None else fold(text) in dictionary
        hit = any(p.fullmatch(text) for p in patterns) if patterns else bool(in_dict)
        ok = None if check is None else (hit and check(text))
        matched += count if hit else 0
        validated += count if hit and ok is not False else 0
        if len(rows) < SHOWN_VALUES:
            rows.append(
                BenchValue(
                    shown=mask_value(spec.code, text) if masked else text,
                    count=count,
                    matched=hit,
                    validated=ok,
                    in_dictionary=in_dict,
                )
            )
    name_norm = normalize_name(column.name)
    name_matches = (
        any(compile_pattern(p).search(name_norm) for p in spec.column_name_patterns)
        if spec.column_name_patterns
        else None
    )
    return BenchResult(
        code=spec.code,
        name=spec.name,
        source=source,
        masked=masked,
        column_name=column.name,
        data_type=column.data_type,
        sampled=len(column.values),
        non_null=len(column.values) - nulls,
        name_matches=name_matches,
        confidence=own.confidence if own else 0.0,
        decided=decision is not None and decision.info_type == spec.code,
        decision=decision.info_type if decision else None,
        reasons=list(own.reasons) if own else [],
        evidence=list(own.evidence) if own else [],
        candidates=[c.to_dict() for c in candidates],
        values=rows,
        matched=matched,
        validated=validated,
    )
