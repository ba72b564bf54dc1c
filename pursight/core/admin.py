from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from unfold.admin import ModelAdmin

from pursight.admin import PurSightModelAdmin, ReadOnlyAdminMixin

from . import audit_access, tokens
from .models import ApiToken, AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, PurSightModelAdmin):
    """Read-only and undeletable; superusers see everything, Collection Admins their subtree."""

    list_display = ["at", "actor_repr", "action", "object_type", "object_repr", "source_ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_repr", "action", "object_repr", "object_id"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    actions = None

    def get_queryset(self, request: HttpRequest):
        return audit_access.visible_events(request.user)

    def get_list_filter(self, request: HttpRequest):
        return self.list_filter  # choices come from the (already narrowed) queryset

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not (request.user.is_active and request.user.is_staff):
            return False
        return audit_access.can_read_audit(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)


class ActionPrefixFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any):
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request: HttpRequest, queryset: Any):
        if self.value() == "active":
            return queryset.active()
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(ModelAdmin):
    """Your API tokens (every token for superusers). The token is shown once, at creation."""

    list_display = ["name", "prefix", "user", "created_at", "expires_at", "last_used_at", "state"]
    list_filter = [ActionPrefixFilter]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    fields = ["name", "expires_at"]
    actions = ["revoke_tokens"]

    def get_queryset(self, request: HttpRequest):
        return tokens.tokens_of(actor=request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        if obj is not None:
            return ["name", "prefix", "user", "expires_at", "last_used_at", "revoked_at"]
        return []

    def get_fields(self, request: HttpRequest, obj: Any = None):
        if obj is not None:
            return ["name", "prefix", "user", "expires_at", "last_used_at", "revoked_at"]
        return self.fields

    @admin.display(description="State")
    def state(self, obj: ApiToken) -> str:
        return "active" if obj.is_active else ("revoked" if obj.revoked_at else "expired")

    def _staff(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._staff(request) and (
            obj is None or obj.user_id == request.user.pk or request.user.is_superuser
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._staff(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the row stays for the record

    def has_revoke_tokens_permission(self, request: HttpRequest) -> bool:
        return self._staff(request)

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        issued = tokens.create_token(
            actor=request.user,
            name=form.cleaned_data["name"],
            expires_at=form.cleaned_data.get("expires_at"),
        )
        obj.pk = issued.token.pk
        self.message_user(
            request,
            f"Token created: {issued.raw} — copy it now, it will not be shown again.",
            messages.WARNING,
        )

    @admin.action(description="Revoke selected tokens", permissions=["revoke_tokens"])
    def revoke_tokens(self, request: HttpRequest, queryset: Any) -> None:
        count = 0
        for token in queryset:
            tokens.revoke_token(actor=request.user, token=token)
            count += 1
        self.message_user(request, f"{count} token(s) revoked.", messages.SUCCESS)
