"""Catalog search: PostgreSQL full-text search on a GIN-indexed expression, a fallback elsewhere."""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Q, QuerySet

from .models import SEARCH_CONFIG, search_vector

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text or "")][:10]


def search(queryset: QuerySet, text: str) -> QuerySet:
    """Assets whose name, qualified name or description match every word of ``text`` (prefixes)."""
    words = tokens(text)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        raw = " & ".join(f"{w}:*" for w in words)
        return queryset.annotate(search=search_vector()).filter(
            search=SearchQuery(raw, search_type="raw", config=SEARCH_CONFIG)
        )
    condition = Q()
    for w in words:
        condition &= (
            Q(name__icontains=w) | Q(qualified_name__icontains=w) | Q(description__icontains=w)
        )
    return queryset.filter(condition)
