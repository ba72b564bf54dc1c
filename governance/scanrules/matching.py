"""Pure matching of schema/table/column names against a rule set's patterns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase


def _match(patterns: Sequence[str], parts: Sequence[str]) -> bool:
    """A pattern with k dots is matched against the last k+1 parts of the dotted name."""
    for raw in patterns:
        pattern = raw.strip().lower()
        if not pattern:
            continue
        depth = pattern.count(".") + 1
        if depth > len(parts):
            continue
        candidate = ".".join(p.lower() for p in parts[-depth:])
        if fnmatchcase(candidate, pattern):
            return True
    return False


@dataclass(frozen=True)
class Selection:
    include_schemas: tuple[str, ...] = ()
    exclude_schemas: tuple[str, ...] = ()
    include_tables: tuple[str, ...] = ()
    exclude_tables: tuple[str, ...] = ()
    exclude_columns: tuple[str, ...] = ()
    include_views: bool = True

    def schema(self, schema: str) -> bool:
        if self.include_schemas and not _match(self.include_schemas, [schema]):
            return False
        return not _match(self.exclude_schemas, [schema])

    def table(self, schema: str, table: str, kind: str = "table") -> bool:
        if kind == "view" and not self.include_views:
            return False
        parts = [schema, table]
        if self.include_tables and not _match(self.include_tables, parts):
            return False
        return not _match(self.exclude_tables, parts)

    def column(self, schema: str, table: str, column: str) -> bool:
        return not _match(self.exclude_columns, [schema, table, column])
