"""The PurSight base ModelAdmin: every model is registered on it.

It routes queryset narrowing and object checks through the permission gate, narrows foreign-key
choices, and hands saves and deletes to services (``save_service``/``delete_service``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import RelatedFieldListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import ValidationError
from django.db import models
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import reverse
from unfold.admin import ModelAdmin, TabularInline

from pursight import audit, changes, permissions
from pursight.registry import Registry


class GatedRelatedFilter(admin.RelatedFieldListFilter):
    """A related-object filter that lists only choices the user may see (for models outside
    the gate, such as users, only those the visible rows refer to)."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any):
        ordering = self.field_admin_ordering(field, request, model_admin) or ()
        qs = permissions.restrict_choices(
            field.related_model._default_manager.all(),
            request.user,
            referenced_by=model_admin.get_queryset(request),
            field=self.field_path,
        )
        return [(o.pk, str(o)) for o in qs.order_by(*ordering)]


class GateMixin:
    """Admin permission hooks answered by :mod:`pursight.permissions` for securable models."""

    # Foreign keys to collections list only those where the user holds this permission.
    collection_permission = "manage_datasources"

    def get_list_filter(self, request: HttpRequest):
        gated = []
        for item in super().get_list_filter(request):
            if not isinstance(item, str | tuple | list):  # a SimpleListFilter of the app's own
                gated.append(item)
                continue
            path, spec = (item, None) if isinstance(item, str) else (item[0], item[1])
            if spec is None or issubclass(spec, RelatedFieldListFilter):
                field = get_fields_from_path(self.model, path)[-1]
                if field.is_relation and field.related_model is not None:
                    item = (path, GatedRelatedFilter)
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
        elif "queryset" not in kwargs:
            kwargs["queryset"] = permissions.restrict_choices(
                related._default_manager.all(), request.user
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if "queryset" not in kwargs:
            kwargs["queryset"] = permissions.restrict_choices(
                db_field.related_model._default_manager.all(), request.user
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class PurSightModelAdmin(GateMixin, ModelAdmin):
    list_per_page = 50
    show_full_result_count = False
    # Under the form: the panels other apps register (pursight.admin_extensions.object_panels).
    change_form_outer_after_template = "admin/pursight/object_panels.html"

    def save_service(
        self, request: HttpRequest, obj: models.Model, form: Any, change: bool
    ) -> None:
        """Persist ``obj``; subclasses call their app's service here."""
        audit.audited_save(
            actor=request.user,
            obj=obj,
            action=f"{obj._meta.model_name}.{'update' if change else 'create'}",
            source_ip=client_ip(request),
        )

    def save_model(self, request: HttpRequest, obj: models.Model, form: Any, change: bool) -> None:
        self.save_service(request, obj, form, change)

    # A change held for approval (pursight.changes) saves nothing of the form, logs no change
    # and goes back to the object's page, where "Sent for approval" is shown.
    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if changes.pending_of(form.instance) is None:
            super().save_related(request, form, formsets, change)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        if changes.pending_of(obj) is None:
            return super().log_change(request, obj, message)
        return None

    def response_change(self, request: HttpRequest, obj: Any) -> HttpResponse:
        if changes.pending_of(obj) is not None:
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

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
            result = func(actor=request.user, **kwargs)
            # Held for approval: the user was told "Sent for approval"; nothing was done.
            return None if changes.pending_of(result) is not None else result
        except (ValidationError, permissions.PermissionDenied) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            self.message_user(request, text, messages.ERROR)
            return None


class ObjectActionsMixin:
    """Detail actions (buttons on an object's page) through the gate.

    The object is loaded through the gate: hidden, missing or not even a valid id → 404, visible
    without the right → 403. ``detail_gate_actions`` maps an action method's name to the gate
    action it needs, so that a button the user may not use is not shown. Actions that change
    something answer GET with a confirmation page (a POST form with the CSRF token) and act only
    on POST (:meth:`confirm_or_act`); any other method is 405.
    """

    detail_gate_actions: dict[str, str] = {}
    confirm_template = "pursight/confirm_action.html"

    def get_actions_detail(self, request: HttpRequest, object_id: Any) -> list[Any]:
        actions = super().get_actions_detail(request, object_id)  # type: ignore[misc]

        def name(a: Any) -> str:
            return getattr(a.method, "original_function_name", "")

        gated = any(name(a) in self.detail_gate_actions for a in actions)
        stateful = type(self).detail_actions_state is not ObjectActionsMixin.detail_actions_state
        if not (gated or stateful):
            return actions
        obj = self.visible_object(request, object_id)
        fits = self.detail_actions_state(request, obj) if obj is not None else {}

        def shown(a: Any) -> bool:
            needs = self.detail_gate_actions.get(name(a))
            if needs is not None and (obj is None or not permissions.can(request.user, needs, obj)):
                return False
            return fits.get(name(a), True)

        return [a for a in actions if shown(a)]

    def detail_actions_state(self, request: HttpRequest, obj: Any) -> dict[str, bool]:
        """Which detail actions the object's state offers (action method name -> shown;
        unnamed ones are shown): a workspace that is archived offers Restore, not Archive.
        Called with a visible object, after the gate's rights."""
        return {}

    def visible_object(self, request: HttpRequest, object_id: Any) -> Any:
        """The object if the user may see it; None if hidden, missing or not a valid id."""
        try:
            return self.get_queryset(request).filter(pk=object_id).first()  # type: ignore[attr-defined]
        except (ValueError, TypeError, ValidationError):
            return None

    def gated_object(self, request: HttpRequest, object_id: Any, action_name: str) -> Any:
        obj = self.visible_object(request, object_id)
        if obj is None:
            raise Http404
        if not permissions.can(request.user, action_name, obj):
            raise permissions.PermissionDenied(
                f"You may not {action_name} this {obj._meta.verbose_name}."
            )
        return obj

    def confirm_or_act(
        self,
        request: HttpRequest,
        obj: Any,
        *,
        title: str,
        question: str,
        act: Callable[[], HttpResponse],
    ) -> HttpResponse:
        """Act on POST (CSRF-checked by Django); on GET, ask first. A state change is never a
        GET."""
        if request.method == "POST":
            return act()
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "POST"])
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": title,
            "question": question,
            "object": obj,
            "opts": obj._meta,
            "cancel_url": self.change_url(obj),
        }
        return TemplateResponse(request, self.confirm_template, context)

    def change_url(self, obj: Any) -> str:
        opts = obj._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])

    def object_action(
        self,
        request: HttpRequest,
        object_id: Any,
        action_name: str,
        *,
        title: str,
        question: Callable[[Any], str],
        service: Callable[..., Any],
        arg: str,
        done: Callable[[Any], str] | None = None,
        then: Callable[[Any, Any], HttpResponse] | None = None,
    ) -> HttpResponse:
        """A detail action that calls one service on one object: the object through the gate
        (:meth:`gated_object`), a confirmation on GET (``question(obj)``), on POST
        ``service(actor=..., <arg>=obj)`` (its errors become messages, :meth:`call_service`),
        ``done(result)`` reported when it did something, then ``then(obj, result)`` (by default
        back to the object's page)."""
        obj = self.gated_object(request, object_id, action_name)

        def act() -> HttpResponse:
            result = self.call_service(request, service, **{arg: obj})  # type: ignore[attr-defined]
            if result is not None and done is not None:
                self.report(request, True, done(result))  # type: ignore[attr-defined]
            if then is not None:
                return then(obj, result)
            return HttpResponseRedirect(self.change_url(obj))

        return self.confirm_or_act(request, obj, title=title, question=question(obj), act=act)

    def state_allows(
        self, request: HttpRequest, object_id: Any, action_name: str, states: Any
    ) -> bool:
        """For ``has_<action>_permission``: no object (the changelist) → True; else whether the
        object is one the user may ``action_name`` and its ``state`` is one of ``states`` (one
        query; hidden, missing or not an id → False)."""
        if object_id is None:
            return True
        model = self.model  # type: ignore[attr-defined]
        try:
            obj = (
                permissions.restrict(model._default_manager.all(), request.user, action_name)
                .filter(pk=object_id)
                .only("state")
                .first()
            )
        except (ValueError, TypeError, ValidationError):  # not an id: like a missing object
            return False
        return obj is not None and obj.state in states


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


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


admin.site.site_header = "PurSight"
admin.site.site_title = "PurSight"
admin.site.index_title = "Main Manager"  # the stewards' landing page (racine.approvals.manager)


# --- The console's home page and its site-level pages ---------------------------------------


@dataclass(frozen=True)
class HomePanel:
    """A panel of the console's home page (``/admin/``). ``render(request)`` returns its HTML
    (built with a template) or None when it has nothing for this user; it reads through the
    gate and runs a constant number of queries. Panels are shown by ``order``; ``wide`` ones
    span the page."""

    render: Callable[[HttpRequest], str | None]
    order: int = 100
    wide: bool = False


# Filled by the apps (their admin module or ``AppConfig.ready()``), keyed by name:
# ``home_panels.register("catalog.review", HomePanel(review_panel, order=20))``.
home_panels: Registry[HomePanel] = Registry("console home panels")
# Callables ``(admin_site) -> [URL patterns]`` mounted under /admin/, in the "admin"
# namespace, for pages that belong to no single ModelAdmin (global search, a data source's
# catalog page). Wrap each view with ``admin_site.admin_view``.
site_urls: Registry[Callable[[Any], list[Any]]] = Registry("console site pages")
# Apps listed last in the index of every model (login attempts are not what stewards look for).
INDEX_LAST = ("axes",)


def home(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    """The context of ``/admin/`` (``UNFOLD["DASHBOARD_CALLBACK"]``): the registered panels;
    with ``?models=all`` the index of every model instead."""
    context["app_list"] = sorted(
        context.get("app_list") or [], key=lambda app: app.get("app_label") in INDEX_LAST
    )
    context["models_url"] = f"{reverse('admin:index')}?models=all"
    if request.GET.get("models") == "all":
        context["show_models"] = True
        context["title"] = "All models"
        return context
    ordered = sorted(enumerate(home_panels), key=lambda item: (item[1].order, item[0]))
    panels = [
        {"html": html, "wide": panel.wide}
        for _, panel in ordered
        if (html := panel.render(request))
    ]
    narrow = [p for p in panels if not p["wide"]]
    context["home_panels"] = panels
    # Wide panels across the page, the others in two columns (alternately, in their order).
    context["home_wide"] = [p for p in panels if p["wide"]]
    context["home_columns"] = [c for c in (narrow[0::2], narrow[1::2]) if c]
    return context


admin.site.extra_urls = lambda: [p for urls in site_urls for p in urls(admin.site)]
