from django.contrib import admin

from pursight.admin import PurSightModelAdmin, ReadOnlyAdminMixin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, PurSightModelAdmin):
    list_display = ["at", "actor_repr", "action", "object_type", "object_repr", "source_ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_repr", "action", "object_repr", "object_id"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)
