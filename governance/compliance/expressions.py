"""A small, safe, declarative condition language for stewards (no ``eval``).

An expression is JSON::

    {"and": [expr, ...]}   {"or": [expr, ...]}   {"not": expr}
    {"==": [field, value]} {"!=": ...} {"<": ...} {"<=": ...} {">": ...} {">=": ...}
    {"in": [field, [values]]}  {"not_in": [field, [values]]}
    {"matches": [field, "regex"]}  {"contains": [field, "text"]}
    {"startswith": [field, "text"]}  {"endswith": [field, "text"]}
    {"is_null": field}  {"not_null": field}  {"is_blank": field}  {"not_blank": field}

``field`` names a whitelisted field of the asset (``name``, ``data_type``...) or of a level above
it (``table.name``, ``schema.name``, ``datasource.encrypted_at_rest``, ``collection.name``).
Date fields compare with ``{"days_ago": N}`` or an ISO date. The expression states what a
compliant asset looks like; it compiles to a ``Q`` (the database evaluates it, set-based).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from . import patterns
from .registry import AssetKind, Context, RuleError

STR, INT, FLOAT, BOOL, DATETIME, USER = "text", "integer", "number", "boolean", "datetime", "user"

# Whitelisted fields per level: name -> (model field, type).
LEVEL_FIELDS: dict[str, dict[str, tuple[str, str]]] = {
    "column": {
        "name": ("name", STR),
        "qualified_name": ("qualified_name", STR),
        "description": ("description", STR),
        "comment": ("comment", STR),
        "owner": ("owner", USER),
        "data_type": ("data_type", STR),
        "nullable": ("nullable", BOOL),
        "ordinal": ("ordinal", INT),
        "null_fraction": ("null_fraction", FLOAT),
        "distinct_count": ("distinct_count", INT),
        "sample_size": ("sample_size", INT),
        "min_length": ("min_length", INT),
        "max_length": ("max_length", INT),
        "first_seen": ("first_seen", DATETIME),
        "last_seen": ("last_seen", DATETIME),
    },
    "table": {
        "name": ("name", STR),
        "qualified_name": ("qualified_name", STR),
        "description": ("description", STR),
        "comment": ("comment", STR),
        "owner": ("owner", USER),
        "kind": ("kind", STR),
        "row_estimate": ("row_estimate", INT),
        "first_seen": ("first_seen", DATETIME),
        "last_seen": ("last_seen", DATETIME),
    },
    "schema": {
        "name": ("name", STR),
        "qualified_name": ("qualified_name", STR),
        "description": ("description", STR),
        "owner": ("owner", USER),
        "first_seen": ("first_seen", DATETIME),
    },
    "datasource": {
        "name": ("name", STR),
        "kind": ("kind", STR),
        "description": ("description", STR),
        "owner": ("owner", USER),
        "encrypted_at_rest": ("encrypted_at_rest", BOOL),
        "store_samples": ("store_samples", BOOL),
        "retention_days": ("retention_days", INT),
        "last_scan_at": ("last_scan_at", DATETIME),
    },
    "collection": {"name": ("name", STR), "slug": ("slug", STR)},
}

COMPARE = {"==": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
# "matches" compiles to an RE2 match (patterns.regex_q), the others to these lookups.
TEXT_OPS = {"matches": "", "contains": "icontains", "startswith": "istartswith"}
TEXT_OPS["endswith"] = "iendswith"
UNARY = ("is_null", "not_null", "is_blank", "not_blank")
ALLOWED_OPS: dict[str, set[str]] = {
    STR: {"==", "!=", "in", "not_in", *TEXT_OPS, *UNARY},
    INT: {"==", "!=", "<", "<=", ">", ">=", "in", "not_in", "is_null", "not_null"},
    FLOAT: {"==", "!=", "<", "<=", ">", ">=", "is_null", "not_null"},
    BOOL: {"==", "!="},
    DATETIME: {"<", "<=", ">", ">=", "is_null", "not_null"},
    USER: {"is_null", "not_null"},
}
MAX_NODES = 200
MAX_DEPTH = 12
MAX_VALUES = 1000  # values of an "in" / "not_in" list
MAX_DAYS_AGO = 36500  # a century
MIN_INT, MAX_INT = -(2**63), 2**63 - 1  # what a bigint column can be compared with
MAX_FLOAT = 1e300
MIN_YEAR, MAX_YEAR = 1900, 9999


@dataclass(frozen=True)
class FieldRef:
    name: str
    lookup: str
    type: str


def fields_for(kind: AssetKind) -> dict[str, FieldRef]:
    """Every field name an expression over ``kind`` may use."""
    out: dict[str, FieldRef] = {}
    for level, fields in LEVEL_FIELDS.items():
        if not kind.has(level):
            continue
        own = kind.prefixes[level] == ""
        for name, (model_field, type_) in fields.items():
            public = name if own else f"{level}.{name}"
            out[public] = FieldRef(public, kind.lookup(level, model_field), type_)
    return out


def _field(kind: AssetKind, name: Any, path: str) -> FieldRef:
    if not isinstance(name, str):
        raise RuleError(f"the first operand must be a field name, got {name!r}", path)
    known = fields_for(kind)
    if name not in known:
        raise RuleError(
            f"unknown field '{name}' for {kind.name} rules (allowed: {', '.join(sorted(known))})",
            path,
        )
    return known[name]


def _literal(ref: FieldRef, value: Any, path: str) -> Any:
    t = ref.type
    ok = {
        STR: isinstance(value, str),
        INT: isinstance(value, int) and not isinstance(value, bool),
        FLOAT: isinstance(value, int | float) and not isinstance(value, bool),
        BOOL: isinstance(value, bool),
    }
    if t in ok:
        if not ok[t]:
            raise RuleError(f"'{ref.name}' is a {t} field; {value!r} is not a {t}", path)
        if t == INT and not MIN_INT <= value <= MAX_INT:
            raise RuleError(f"{value} is out of range (from {MIN_INT} to {MAX_INT})", path)
        if t == FLOAT and not (math.isfinite(value) and abs(value) <= MAX_FLOAT):
            raise RuleError(f"{value!r} is out of range (a finite number is expected)", path)
        return value
    if t == DATETIME:
        if isinstance(value, dict) and set(value) == {"days_ago"}:
            days = value["days_ago"]
            if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_DAYS_AGO:
                raise RuleError(f"days_ago must be a whole number from 0 to {MAX_DAYS_AGO}", path)
            return value
        if isinstance(value, str):
            _parse_date(ref, value, path)
            return value
        raise RuleError(
            f"'{ref.name}' is a date; compare it with {{\"days_ago\": N}} or an ISO date", path
        )
    raise RuleError(f"'{ref.name}' can only be tested with is_null / not_null", path)


def _parse_date(ref: FieldRef, value: str, path: str) -> datetime:
    """An ISO date or date-time as an aware datetime; :class:`RuleError` if it is no real one."""
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            d = parse_date(value)
            parsed = datetime(d.year, d.month, d.day) if d is not None else None
    except ValueError as exc:  # well formed but impossible: 2024-02-30, T25:00
        raise RuleError(f"'{value}' is not a valid date or time ({exc})", path) from None
    if parsed is None:
        raise RuleError(
            f"'{ref.name}' is a date; compare it with {{\"days_ago\": N}} or an ISO date "
            f"(YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]), not {value!r}",
            path,
        )
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise RuleError(f"'{value}': the year must be from {MIN_YEAR} to {MAX_YEAR}", path)
    try:
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
        parsed.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise RuleError(f"'{value}' is not a valid date or time ({exc})", path) from None
    return parsed


def validate(kind: AssetKind, expr: Any, path: str = "expr") -> None:
    """Raise :class:`RuleError` with the path of the first problem."""
    counter = {"n": 0}
    _check(kind, expr, path, 0, counter)


def _check(kind: AssetKind, expr: Any, path: str, depth: int, counter: dict[str, int]) -> None:
    counter["n"] += 1
    if counter["n"] > MAX_NODES:
        raise RuleError(f"the expression is too large (more than {MAX_NODES} nodes)", path)
    if depth > MAX_DEPTH:
        raise RuleError(f"the expression is nested too deeply (more than {MAX_DEPTH})", path)
    if not isinstance(expr, dict) or len(expr) != 1:
        raise RuleError(
            'each expression is an object with exactly one operator, e.g. {"==": ["name", "x"]}',
            path,
        )
    op, args = next(iter(expr.items()))
    here = f"{path}.{op}"
    if op in ("and", "or"):
        if not isinstance(args, list) or not args:
            raise RuleError(f"'{op}' takes a non-empty list of expressions", here)
        for i, sub in enumerate(args):
            _check(kind, sub, f"{here}[{i}]", depth + 1, counter)
        return
    if op == "not":
        _check(kind, args, here, depth + 1, counter)
        return
    if op in UNARY:
        ref = _field(kind, args, here)
        _allowed(ref, op, here)
        return
    if op in COMPARE or op in TEXT_OPS or op in ("!=", "in", "not_in"):
        if not isinstance(args, list) or len(args) != 2:
            raise RuleError(f"'{op}' takes [field, value]", here)
        ref = _field(kind, args[0], here)
        _allowed(ref, op, here)
        if op in ("in", "not_in"):
            if not isinstance(args[1], list) or not args[1]:
                raise RuleError(f"'{op}' takes a non-empty list of values", here)
            if len(args[1]) > MAX_VALUES:
                raise RuleError(f"'{op}' takes at most {MAX_VALUES} values", here)
            for v in args[1]:
                _literal(ref, v, here)
        elif op == "matches":
            if not isinstance(args[1], str):
                raise RuleError("'matches' takes a regular expression string", here)
            try:
                patterns.validate_pattern(args[1])
            except RuleError as exc:
                raise RuleError(exc.message, here) from None
        else:
            _literal(ref, args[1], here)
        return
    raise RuleError(
        f"unknown operator '{op}' (allowed: and, or, not, ==, !=, <, <=, >, >=, in, not_in, "
        "matches, contains, startswith, endswith, is_null, not_null, is_blank, not_blank)",
        path,
    )


def _allowed(ref: FieldRef, op: str, path: str) -> None:
    if op not in ALLOWED_OPS[ref.type]:
        raise RuleError(
            f"operator '{op}' does not apply to the {ref.type} field '{ref.name}' "
            f"(allowed: {', '.join(sorted(ALLOWED_OPS[ref.type]))})",
            path,
        )


def _value(ref: FieldRef, value: Any, now: datetime) -> Any:
    if ref.type != DATETIME:
        return value
    if isinstance(value, dict):
        return now - timedelta(days=value["days_ago"])
    return _parse_date(ref, value, "expr")


def compile_q(ctx: Context, expr: dict[str, Any]) -> Q:
    """The ``Q`` of assets satisfying a validated expression."""
    kind = ctx.kind
    op, args = next(iter(expr.items()))
    if op == "and":
        q = Q()
        for sub in args:
            q &= compile_q(ctx, sub)
        return q
    if op == "or":
        q = Q(pk__in=[])
        for sub in args:
            q |= compile_q(ctx, sub)
        return q
    if op == "not":
        return ~compile_q(ctx, args)
    if op in UNARY:
        ref = fields_for(kind)[args]
        lk = ref.lookup
        blank = Q(**{f"{lk}__isnull": True}) | (Q(**{lk: ""}) if ref.type == STR else Q())
        if op == "is_null":
            return Q(**{f"{lk}__isnull": True})
        if op == "not_null":
            return Q(**{f"{lk}__isnull": False})
        if op == "is_blank":
            return blank
        return ~blank
    ref = fields_for(kind)[args[0]]
    lk, raw = ref.lookup, args[1]
    if op in ("in", "not_in"):
        q = Q(**{f"{lk}__in": raw})
        return q if op == "in" else ~q
    if op == "matches":
        return patterns.regex_q(lk, raw)
    if op in TEXT_OPS:
        return Q(**{f"{lk}__{TEXT_OPS[op]}": raw})
    value = _value(ref, raw, ctx.now)
    if op == "!=":
        return ~Q(**{lk: value})
    return Q(**{f"{lk}__{COMPARE[op]}": value})


def referenced_fields(kind: AssetKind, expr: Any) -> dict[str, str]:
    """``{field name: ORM lookup}`` of the fields an expression reads (its evidence)."""
    out: dict[str, str] = {}
    known = fields_for(kind)

    def walk(node: Any) -> None:
        if not isinstance(node, dict):
            return
        for op, args in node.items():
            if op in ("and", "or"):
                for sub in args:
                    walk(sub)
            elif op == "not":
                walk(args)
            elif op in UNARY and args in known:
                out[args] = _evidence_lookup(known[args])
            elif isinstance(args, list) and args and args[0] in known:
                out[args[0]] = _evidence_lookup(known[args[0]])

    walk(expr)
    return out


def _evidence_lookup(ref: FieldRef) -> str:
    return f"{ref.lookup}__username" if ref.type == USER else ref.lookup


def today() -> date:
    return timezone.localdate()
