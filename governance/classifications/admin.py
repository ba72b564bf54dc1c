from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from pursight.admin import PurSightModelAdmin, ReadOnlyAdminMixin

from . import services
from .models import Classification, ClassifierModel, LabelPolicy, SensitivityLabel


class StewardAdmin(PurSightModelAdmin):
    """Shared configuration: every staff user reads it; curators (``curate_catalog``) edit."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return services.can_manage(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return services.can_manage(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Classification)
class ClassificationAdmin(StewardAdmin):
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

    def save_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_classification(actor=request.user, classification=obj)


@admin.register(LabelPolicy)
class LabelPolicyAdmin(StewardAdmin):
    list_display = ["classification", "label", "note"]
    list_select_related = ["classification", "label"]
    autocomplete_fields = ["classification"]

    def save_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.set_label_policy(
            actor=request.user, classification=obj.classification, label=obj.label, note=obj.note
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return services.can_manage(request.user)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.set_label_policy(actor=request.user, classification=obj.classification, label=None)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(SensitivityLabel)
class SensitivityLabelAdmin(ReadOnlyAdminMixin, StewardAdmin):
    list_display = ["name", "rank", "description"]


@admin.register(ClassifierModel)
class ClassifierModelAdmin(ReadOnlyAdminMixin, StewardAdmin):
    list_display = ["version", "trained_at", "is_active", "training_examples"]
    fields = ["version", "trained_at", "is_active", "metadata"]
    readonly_fields = fields
    actions = ["activate"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).defer("data")

    @admin.display(description="Training columns")
    def training_examples(self, obj: ClassifierModel) -> Any:
        return obj.metadata.get("training_examples")

    @admin.action(description="Activate the selected model version")
    def activate(self, request: HttpRequest, queryset: Any) -> None:
        if not services.can_manage(request.user) or queryset.count() != 1:
            self.report(request, False, "Select exactly one model (curators only).")
            return
        row = services.activate_model(queryset.get(), actor=request.user)
        self.report(request, True, f"Model {row.version} is now active.")
