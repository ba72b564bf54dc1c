"""Masked examples of the built-in info types and what recognises them, for the library's pages.

The examples are the training generator's own synthetic values (a fixed seed per type, a few
formats), masked the way evidence is: they show a type's shape, and are never real data.
"""

from __future__ import annotations

import random
from functools import lru_cache

from .infotypes import SYSTEM_CODES, get_spec
from .masking import mask_value
from .validators import VALIDATOR_LABELS


@lru_cache(maxsize=256)
def masked_examples(code: str, n: int = 3) -> tuple[str, ...]:
    """Up to ``n`` masked example values of the built-in type ``code`` (none for other codes)."""
    if code not in SYSTEM_CODES:
        return ()
    from .generators import VARIANTS, Ctx  # Faker: only loaded when examples are asked for

    rng = random.Random(f"examples:{code}")  # a str seed hashes the same in every process
    values: list[str] = []
    for _ in range(4 * n):
        ctx = Ctx(random.Random(rng.getrandbits(64)), "en_US")
        gen, _ = VARIANTS[code](ctx)
        value = str(gen(ctx)).strip()
        if value and value not in values:
            values.append(value)
        if len(values) >= n:
            break
    return tuple(mask_value(code, v) for v in values)


def recognition(code: str) -> dict[str, object]:
    """How the engine recognises the built-in type ``code``: its check, names and countries."""
    if code not in SYSTEM_CODES:
        return {}
    from .training_data import tables

    spec = get_spec(code)
    return {
        "check": VALIDATOR_LABELS.get(spec.validator or "", ""),
        "dictionary": spec.dictionary or "",
        "column_names": list(tables().column_names.get(code, ()))[:12],
        "country": spec.country,
        "formats": len(spec.value_patterns) + len(spec.weak_value_patterns),
        "needs_name": bool(spec.weak_needs_name and not spec.value_patterns),
    }
