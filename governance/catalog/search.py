"""Catalog search: PostgreSQL full-text search on a stored, GIN-indexed document column
(migration 0005), a LIKE fallback elsewhere."""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from .models import SEARCH_CONFIG

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text or "")][:10]


def search(queryset: QuerySet, text: str) -> QuerySet:
    """Assets whose name, qualified name or description match every word of ``text`` (prefixes)."""
    words = tokens(text)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        query = " & ".join(f"{w}:*" for w in words)
        matches = RawSQL(  # noqa: S611 - the table name is ours, quoted; words are parameters
            f"{table}.search_document @@ to_tsquery(%s::regconfig, %s)",
            (SEARCH_CONFIG, query),
            output_field=BooleanField(),
        )
        return queryset.filter(matches)
    condition = Q()
    for w in words:
        condition &= (
            Q(name__icontains=w) | Q(qualified_name__icontains=w) | Q(description__icontains=w)
        )
    return queryset.filter(condition)
