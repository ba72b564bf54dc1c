"""RE2 pattern compilation: every regular expression the engine runs is linear-time.

``compile_pattern`` is also what the Django layer calls to validate a steward's custom regex when a
rule is saved: it raises :class:`PatternError` with a readable message for anything RE2 rejects
(backreferences, look-arounds, possessive quantifiers, ...) or for an unreasonably large pattern.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import re2

MAX_PATTERN_LENGTH = 2000
MAX_PROGRAM_MEMORY = 8 << 20  # bytes of RE2 program memory per pattern
SET_PROGRAM_MEMORY = 256 << 20  # ... for the set of all value patterns of all info types

_UNSUPPORTED_HINTS = (
    ("(?=", "look-ahead (?=...) is not supported by RE2"),
    ("(?!", "negative look-ahead (?!...) is not supported by RE2"),
    ("(?<=", "look-behind (?<=...) is not supported by RE2"),
    ("(?<!", "negative look-behind (?<!...) is not supported by RE2"),
    ("(?>", "atomic groups (?>...) are not supported by RE2"),
    ("*+", "possessive quantifiers are not supported by RE2"),
    ("++", "possessive quantifiers are not supported by RE2"),
)


class PatternError(ValueError):
    """A pattern is not valid RE2 syntax (or is too large to run safely)."""

    def __init__(self, pattern: str, message: str) -> None:
        super().__init__(f"invalid pattern {pattern!r}: {message}")
        self.pattern = pattern
        self.message = message


def _options(case_insensitive: bool, max_mem: int = MAX_PROGRAM_MEMORY) -> Any:
    opts = re2.Options()
    opts.log_errors = False
    opts.max_mem = max_mem
    opts.case_sensitive = not case_insensitive
    return opts


def _precheck(pattern: object) -> str:
    if not isinstance(pattern, str):
        raise PatternError(repr(pattern), "a pattern must be a string")
    if not pattern.strip():
        raise PatternError(pattern, "the pattern is empty")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(pattern[:40] + "...", f"longer than {MAX_PATTERN_LENGTH} characters")
    return pattern


def _explain(pattern: str, error: Exception) -> str:
    for token, hint in _UNSUPPORTED_HINTS:
        if token in pattern:
            return hint
    raw = error.args[0] if error.args else str(error)
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    if "\\1" in pattern or ("invalid escape sequence: \\" in text and text[-1:].isdigit()):
        return "backreferences (\\1, \\2, ...) are not supported by RE2"
    return text or "not a valid RE2 pattern"


def compile_pattern(pattern: str, *, case_insensitive: bool = False) -> Any:
    """Compile ``pattern`` with google-re2 (linear-time matching).

    Returns the compiled RE2 object (``.search``, ``.fullmatch``, ``.match`` as in :mod:`re`).
    Raises :class:`PatternError` for an empty, oversized or non-RE2 pattern.
    """
    pattern = _precheck(pattern)
    try:
        return re2.compile(pattern, options=_options(case_insensitive))
    except re2.error as exc:
        raise PatternError(pattern, _explain(pattern, exc)) from None
    except (TypeError, ValueError) as exc:
        raise PatternError(pattern, str(exc)) from None


def validate_pattern(pattern: str) -> str | None:
    """Return ``None`` when ``pattern`` compiles, else the human error message."""
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        return exc.message
    return None


class PatternSet:
    """Many anchored patterns matched in one pass per value (an RE2 ``Set``).

    ``match(value)`` returns the keys whose pattern matches the whole value.
    """

    def __init__(self, entries: Iterable[tuple[object, str]], *, case_insensitive: bool = False):
        self._keys: list[object] = []
        self._set: Any = None
        anchor = re2._Anchor.ANCHOR_BOTH
        patterns: list[str] = []
        for key, pattern in entries:
            compile_pattern(pattern, case_insensitive=case_insensitive)  # clear error per pattern
            patterns.append(pattern)
            self._keys.append(key)
        if patterns:
            self._set = re2.Set(anchor, _options(case_insensitive, SET_PROGRAM_MEMORY))
            for pattern in patterns:
                if self._set.Add(pattern) < 0:
                    raise PatternError(pattern, "rejected by the RE2 pattern set")
            try:
                self._set.Compile()
            except re2.error:
                message = "the pattern set is too large for RE2"
                raise PatternError("|".join(patterns)[:80], message) from None

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def keys(self) -> Sequence[object]:
        return tuple(self._keys)

    def match_indices(self, value: str) -> list[int]:
        if self._set is None:
            return []
        return self._set.Match(value)

    def match(self, value: str) -> list[object]:
        keys = self._keys
        return [keys[i] for i in self.match_indices(value)]
