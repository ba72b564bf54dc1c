"""The API's filter backend: django-filter with every choice narrowed through the gate.

Kept apart from :mod:`pursight.api`: DRF reads ``DEFAULT_FILTER_BACKENDS`` while its generic
views are being defined, so this module must not import them.
"""

from __future__ import annotations

from typing import Any

from django_filters import filters as django_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request

from pursight import permissions


class GatedFilterBackend(DjangoFilterBackend):
    """django-filter, with every model-choice filter narrowed through the gate: the browsable
    API's filter form lists only visible objects (for users and groups, only those the visible
    rows refer to), and filtering by a hidden id is refused like filtering by a missing one."""

    def get_filterset(self, request: Request, queryset: Any, view: Any) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        for f in filterset.filters.values():
            if isinstance(f, django_filters.QuerySetRequestMixin):
                choices = f.get_queryset(request)
                if choices is None:
                    continue
                f.queryset = permissions.restrict_choices(
                    choices, request.user, referenced_by=queryset, field=f.field_name
                )
                f.extra.pop("queryset", None)
        return filterset
