"""Read helpers shared by the glossary's admin and API."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from pursight import permissions


def visible_count(user: Any, model: type, field: str) -> Any:
    """An annotation: how many rows of ``model`` (links) pointing at the row through ``field``
    the user may see. Links the gate hides are not counted, so a count never reveals an
    asset the user cannot see."""
    rows = (
        permissions.restrict(model.objects.filter(**{field: OuterRef("pk")}), user)
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)
