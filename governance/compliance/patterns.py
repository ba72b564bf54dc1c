"""Regular expressions of rules (``*_pattern`` scopes, the ``matches`` operator), run with RE2.

RE2 matches in time linear in the input, so a steward's pattern such as ``^(a+)+b$`` cannot stall
an evaluation the way a backtracking engine (Python's ``re``, the stock SQLite ``REGEXP``) does.
Patterns are validated when a rule is saved (RE2 syntax, at most :data:`MAX_PATTERN_LENGTH`
characters) and compile to :class:`RegexMatch`, a case-insensitive match in SQL: on SQLite through
a function backed by RE2 (registered on every new connection), on PostgreSQL with ``~*`` (its
engine does not backtrack exponentially either).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2
from django.db.models import BooleanField, F, Func, Q, Value

from .registry import RuleError

MAX_PATTERN_LENGTH = 1000
MAX_PROGRAM_MEMORY = 8 << 20  # bytes of RE2 program memory per pattern
SQLITE_FUNCTION = "pursight_compliance_imatch"

_UNSUPPORTED = (
    ("(?=", "look-ahead (?=...)"),
    ("(?!", "negative look-ahead (?!...)"),
    ("(?<=", "look-behind (?<=...)"),
    ("(?<!", "negative look-behind (?<!...)"),
    ("(?>", "atomic groups (?>...)"),
    ("*+", "possessive quantifiers"),
    ("++", "possessive quantifiers"),
)


def _options() -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = MAX_PROGRAM_MEMORY
    return options


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Any:
    """The compiled, case-insensitive RE2 program of a pattern (``re2.error`` if invalid)."""
    return re2.compile(pattern, options=_options())


def validate_pattern(value: Any) -> str:
    """Return ``value`` if it is a usable pattern, else raise :class:`RuleError` saying why."""
    if not isinstance(value, str) or not value:
        raise RuleError("expects a regular expression string")
    if len(value) > MAX_PATTERN_LENGTH:
        raise RuleError(
            f"the regular expression is too long ({len(value)} characters, at most "
            f"{MAX_PATTERN_LENGTH})"
        )
    try:
        compile_pattern(value)
    except re2.error as exc:
        raise RuleError(f"invalid regular expression: {_explain(value, exc)}") from None
    except (TypeError, ValueError) as exc:
        raise RuleError(f"invalid regular expression: {exc}") from None
    return value


def _explain(pattern: str, error: Exception) -> str:
    for token, what in _UNSUPPORTED:
        if token in pattern:
            return f"{what} are not supported (RE2 syntax)"
    raw = error.args[0] if error.args else ""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    if "\\1" in pattern or ("invalid escape sequence: \\" in text and text[-1:].isdigit()):
        return "backreferences (\\1, \\2, ...) are not supported (RE2 syntax)"
    return text or "not a valid RE2 pattern"


def imatch(value: Any, pattern: Any) -> bool:
    """Does ``pattern`` match somewhere in ``value`` (case-insensitive)? False for NULLs."""
    if value is None or pattern is None:
        return False
    return compile_pattern(str(pattern)).search(str(value)) is not None


class RegexMatch(Func):
    """``lookup`` matches ``pattern`` (case-insensitive, RE2 semantics); never NULL."""

    output_field = BooleanField()
    arity = 2

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        if connection.vendor == "sqlite":
            return super().as_sql(compiler, connection, function=SQLITE_FUNCTION, **extra)
        if connection.vendor == "postgresql":
            template = "COALESCE((%(expressions)s::text ~* %(pattern)s), false)"
            lhs, lhs_params = compiler.compile(self.source_expressions[0])
            rhs, rhs_params = compiler.compile(self.source_expressions[1])
            return template % {"expressions": lhs, "pattern": rhs}, (*lhs_params, *rhs_params)
        raise NotImplementedError(f"compliance patterns are not supported on {connection.vendor}")


def regex_q(lookup: str, pattern: str) -> Q:
    """The ``Q`` of rows whose ``lookup`` matches ``pattern``.

    The pattern is validated again here, so that a rule stored before validation existed (or
    written around it) fails alike on every database instead of running with PostgreSQL's own
    regex dialect."""
    return Q(RegexMatch(F(lookup), Value(validate_pattern(pattern))))


def register_sqlite_function(connection: Any) -> None:
    """Give a SQLite connection the RE2 match function (the stock REGEXP backtracks)."""
    if connection.vendor == "sqlite" and connection.connection is not None:
        connection.connection.create_function(SQLITE_FUNCTION, 2, imatch, deterministic=True)


def connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    register_sqlite_function(connection)
