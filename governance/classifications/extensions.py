"""What apps above the classifications add to them, registered from their ``ready()``.

Other apps may import this module (never the classifications' ``admin``); see
:mod:`pursight.registry`.

``column_sources``
    Where the info-type test bench takes a real column from, besides pasted values. The catalog
    (above this app, which may not import it) registers one: ``sample(actor, key, limit)``
    resolves ``key`` (a column's qualified name) through the permission gate and samples it,
    returning a :class:`ColumnSource` answer, or ``None`` when the key is not one of its
    columns. A column the actor may not view is answered like a missing one (``None``); a
    source that fails raises ``ValueError`` with a message for the steward.
"""

from __future__ import annotations

from typing import Any, Protocol

from pursight.registry import Registry

from .engine import ColumnInput


class ColumnSource(Protocol):
    """A provider of real columns for the test bench (the catalog's, for instance)."""

    label: str  # what a key names, shown beside the field ("catalog column")

    def sample(self, actor: Any, key: str, limit: int) -> ColumnInput | None:
        """The column ``key`` names, with up to ``limit`` sampled values; ``None`` if unknown or
        hidden from ``actor``."""
        ...

    # Optional: ``choices(actor, term) -> [(key, label)]``, columns ``actor`` may pick (the
    # bench offers them as suggestions of its column field).


column_sources: Registry[ColumnSource] = Registry("classification test bench column sources")
