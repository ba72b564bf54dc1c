"""The PurSight base ModelAdmin: every model is registered on it.

It routes queryset narrowing and object checks through the permission gate, narrows foreign-key
choices, and hands saves and deletes to services (``save_service``/``delete_service``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest
from django.urls import reverse
from unfold.admin import ModelAdmin, StackedInline, TabularInline

from pursight import audit, permissions


class GatedRelatedFilter(admin.RelatedFieldListFilter):
    """A related-object filter that lists only choices the user may see."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any):
        related = field.related_model
        if related._meta.label == permissions.COLLECTION_MODEL or permissions.is_securable(related):
            qs = permissions.restrict(
                related._default_manager.all(), request.user, permissions.VIEW
            )
            ordering = self.field_admin_ordering(field, request, model_admin)
            return (
                [(o.pk, str(o)) for o in qs.order_by(*ordering)]
                if ordering
                else [(o.pk, str(o)) for o in qs]
            )
        return super().field_choices(field, request, model_admin)


class GateMixin:
    """Admin permission hooks answered by :mod:`pursight.permissions` for securable models."""

    # Foreign keys to collections list only those where the user holds this permission.
    collection_permission = "manage_datasources"

    def get_list_filter(self, request: HttpRequest):
        gated = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and "__" not in item:
                field = self.model._meta.get_field(item)
                if field.is_relation and field.related_model is not None:
                    item = (item, GatedRelatedFilter)
            gated.append(item)
        return gated

    def _securable(self) -> bool:
        return permissions.is_securable(self.model)

    def get_queryset(self, request: HttpRequest):
        qs = super().get_queryset(request)
        if self._securable():
            qs = permissions.restrict(qs, request.user, permissions.VIEW)
        return qs

    def _allowed(self, request: HttpRequest, action: str, obj: Any = None) -> bool:
        if obj is None:
            return permissions.can_any(request.user, self.model, action)
        return permissions.can(request.user, action, obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        if self._securable():
            return (
                request.user.is_active and request.user.is_staff and self._allowed(request, "view")
            )
        return super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self._securable():
            return self._allowed(request, "view", obj) or self.has_change_permission(request, obj)
        return super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self._securable():
            return self._allowed(request, "change", obj)
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        if self._securable():
            return self._allowed(request, "add")
        return super().has_add_permission(request, *args)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self._securable():
            return self._allowed(request, "delete", obj)
        return super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        related = db_field.related_model
        if related._meta.label == permissions.COLLECTION_MODEL:
            kwargs["queryset"] = permissions.allowed_collections(
                request.user, self.collection_permission
            )
        elif permissions.is_securable(related):
            kwargs["queryset"] = permissions.restrict(
                related._default_manager.all(), request.user, permissions.VIEW
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PurSightModelAdmin(GateMixin, ModelAdmin):
    list_per_page = 50
    show_full_result_count = False

    def save_service(
        self, request: HttpRequest, obj: models.Model, form: Any, change: bool
    ) -> None:
        """Persist ``obj``; subclasses call their app's service here."""
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change else {}
        obj.save()
        audit.record(
            actor=request.user,
            action=f"{obj._meta.model_name}.{'update' if change else 'create'}",
            obj=obj,
            changes=audit.diff(before, audit.snapshot(obj)),
            source_ip=client_ip(request),
        )

    def save_model(self, request: HttpRequest, obj: models.Model, form: Any, change: bool) -> None:
        self.save_service(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        audit.record(
            actor=request.user,
            action=f"{obj._meta.model_name}.delete",
            obj=obj,
            source_ip=client_ip(request),
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def report(self, request: HttpRequest, ok: bool, message: str) -> None:
        self.message_user(request, message, messages.SUCCESS if ok else messages.ERROR)

    def call_service(self, request: HttpRequest, func: Any, **kwargs: Any) -> Any:
        """Call a service, turning its validation and permission errors into admin messages."""
        try:
            return func(actor=request.user, **kwargs)
        except (ValidationError, permissions.PermissionDenied) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            self.message_user(request, text, messages.ERROR)
            return None


class ObjectActionsMixin:
    """Detail actions load the object through the gate: hidden → 404, not allowed → error."""

    def gated_object(self, request: HttpRequest, object_id: Any, action_name: str) -> Any:
        obj = self.get_queryset(request).filter(pk=object_id).first()
        if obj is None:
            raise Http404
        if not permissions.can(request.user, action_name, obj):
            raise permissions.PermissionDenied(
                f"You may not {action_name} this {obj._meta.verbose_name}."
            )
        return obj

    def change_url(self, obj: Any) -> str:
        opts = obj._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def presence_filter(
    field: str, title: str, parameter: str, absent: tuple[str, str], present: tuple[str, str]
) -> type[admin.SimpleListFilter]:
    """A changelist filter on whether ``field`` is set: ``absent`` and ``present`` are the
    (URL value, label) of the two choices, e.g. ``("live", "Present")`` for ``removed_at``."""

    class PresenceFilter(admin.SimpleListFilter):
        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            return [absent, present]

        def queryset(self, request: HttpRequest, queryset: Any) -> Any:
            if self.value() in (absent[0], present[0]):
                return queryset.filter(**{f"{field}__isnull": self.value() == absent[0]})
            return queryset

    PresenceFilter.title = title
    PresenceFilter.parameter_name = parameter
    PresenceFilter.__name__ = f"{parameter.title()}Filter"
    return PresenceFilter


class ReadOnlyAdminMixin:
    """For records written only by the system (runs, schema changes, audit)."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class GovernedTabularInline(GateMixin, TabularInline):
    extra = 0


class GovernedStackedInline(GateMixin, StackedInline):
    extra = 0


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


admin.site.site_header = "PurSight"
admin.site.site_title = "PurSight"
