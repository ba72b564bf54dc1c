from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from pursight.admin import PurSightModelAdmin

from . import services
from .models import ScanRuleSet


@admin.register(ScanRuleSet)
class ScanRuleSetAdmin(PurSightModelAdmin):
    """Global (registered with the gate in apps.py): any staff user reads rule sets,
    platform-wide Data Source Admins write them."""

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

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        system = obj is not None and obj.is_system
        return super().has_delete_permission(request, obj) and not system

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            # The scans that use a rule set may live in collections the user cannot see.
            protected = ["Scans that use this rule set (give them another rule set first)"]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: ScanRuleSet) -> None:
        services.delete_rule_set(actor=request.user, rule_set=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)
