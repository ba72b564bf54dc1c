from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from pursight import permissions
from pursight.admin import PurSightModelAdmin, ReadOnlyAdminMixin

from . import services
from .models import Classification, ClassifierModel, LabelPolicy, SensitivityLabel

# The library is global (registered with the gate in apps.py): PurSightModelAdmin answers every
# permission question: any staff user reads it, platform-wide curators change it.


@admin.register(Classification)
class ClassificationAdmin(PurSightModelAdmin):
    list_display = ["code", "name", "category", "default_label", "is_system", "is_active"]
    list_filter = ["is_system", "is_active", "category", "default_label"]
    list_select_related = ["default_label"]
    search_fields = ["code", "name", "description"]
    fieldsets = [
        (
            None,
            {"fields": list(services.INFO_FIELDS)},
        ),
        (
            "Rule (custom classifications)",
            {
                "fields": list(services.MATCH_FIELDS),
                "description": "Regular expressions use RE2 syntax (linear time: no "
                "backreferences or look-arounds).",
            },
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and obj.is_system:
            return list(services.SYSTEM_READONLY)
        return []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivated, never deleted (the gate gives "delete" to nobody but root)

    def save_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_classification(actor=request.user, classification=obj)


@admin.register(LabelPolicy)
class LabelPolicyAdmin(PurSightModelAdmin):
    list_display = ["classification", "label", "note"]
    list_select_related = ["classification", "label"]
    autocomplete_fields = ["classification"]

    def save_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.set_label_policy(
            actor=request.user, classification=obj.classification, label=obj.label, note=obj.note
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.set_label_policy(actor=request.user, classification=obj.classification, label=None)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(SensitivityLabel)
class SensitivityLabelAdmin(ReadOnlyAdminMixin, PurSightModelAdmin):
    list_display = ["name", "rank", "description"]


@admin.register(ClassifierModel)
class ClassifierModelAdmin(ReadOnlyAdminMixin, PurSightModelAdmin):
    list_display = ["version", "trained_at", "is_active", "training_examples"]
    fields = ["version", "trained_at", "is_active", "metadata"]
    readonly_fields = fields
    actions = ["activate"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).defer("data")

    @admin.display(description="Training columns")
    def training_examples(self, obj: ClassifierModel) -> Any:
        return obj.metadata.get("training_examples")

    def has_activate_permission(self, request: HttpRequest) -> bool:
        return permissions.can_any(request.user, ClassifierModel, "activate")

    @admin.action(description="Activate the selected model version", permissions=["activate"])
    def activate(self, request: HttpRequest, queryset: Any) -> None:
        if queryset.count() != 1:
            self.report(request, False, "Select exactly one model version.")
            return
        row = self.call_service(request, services.activate_model, row=queryset.get())
        if row is not None:
            self.report(request, True, f"Model {row.version} is now active.")
