"""The API's filter backend: django-filter with every choice narrowed through the gate.

Kept apart from :mod:`pursight.api`: DRF reads ``DEFAULT_FILTER_BACKENDS`` while its generic
views are being defined, so this module must not import them.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import django_filters
import django_filters.fields
from django import forms
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
            if isinstance(f, django_filters.filters.QuerySetRequestMixin):
                choices = f.get_queryset(request)
                if choices is None:
                    continue
                f.queryset = permissions.restrict_choices(
                    choices, request.user, referenced_by=queryset, field=f.field_name
                )
                f.extra.pop("queryset", None)
        return filterset


class UTCDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time, turned into UTC before it reaches the database (PostgreSQL
    refuses offsets past ±15:59); one that cannot be expressed in UTC is a 400."""

    def to_python(self, value: Any) -> Any:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError("Enter a date and time within years 1 to 9999.") from None


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


class IPAddressFilter(django_filters.CharFilter):
    """An exact IP address; anything else is a 400, never a database error."""

    field_class = forms.GenericIPAddressField
