from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from guardian.admin import GuardedModelAdminMixin

from pursight.admin import PurSightModelAdmin

from . import services
from .models import Collection


@admin.register(Collection)
class CollectionAdmin(GuardedModelAdminMixin, PurSightModelAdmin):
    collection_permission = "manage_collection"
    list_display = ["indented_name", "slug", "parent", "description"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug", "description"]
    fields = ["name", "parent", "description"]
    ordering = ["path"]

    @admin.display(description="Collection", ordering="path")
    def indented_name(self, obj: Collection) -> str:
        return f"{'— ' * obj.depth}{obj.name}"

    def save_service(self, request: HttpRequest, obj: Collection, form: Any, change: bool) -> None:
        saved = services.save_collection(actor=request.user, collection=obj)
        obj.pk, obj.path = saved.pk, saved.path
