from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from pursight.admin import PurSightModelAdmin

from . import services
from .models import ScanRuleSet


@admin.register(ScanRuleSet)
class ScanRuleSetAdmin(PurSightModelAdmin):
    list_display = ["name", "source_kind", "is_system", "sample_size", "sample_method"]
    list_filter = ["is_system", "source_kind", "sample_method"]
    search_fields = ["name", "description"]
    fieldsets = [
        (None, {"fields": ["name", "description", "source_kind"]}),
        (
            "What to scan",
            {
                "fields": [
                    "include_schemas",
                    "exclude_schemas",
                    "include_tables",
                    "exclude_tables",
                    "exclude_columns",
                    "include_views",
                ],
                "description": "Shell-style patterns, case-insensitive, as JSON lists: "
                '["sales", "hr_*"]. Table patterns may be qualified: "staging.*".',
            },
        ),
        ("Sampling", {"fields": ["sample_size", "sample_method"]}),
        ("Classification", {"fields": ["classifications"]}),
    ]
    filter_horizontal = ["classifications"]

    def save_service(self, request: HttpRequest, obj: ScanRuleSet, form: Any, change: bool) -> None:
        services.save_rule_set(
            actor=request.user,
            rule_set=obj,
            classifications=list(form.cleaned_data.get("classifications") or []),
        )
