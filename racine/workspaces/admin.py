"""Workspaces in the admin: the list a member sees (only their workspaces), members inline,
lifecycle and ownership actions, pins and saved searches. Every change goes through the
services; the workspace's own page (the board) is :func:`racine.workspaces.views.workspace_board`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.decorators import action, display

from pursight import permissions
from pursight.admin import GovernedTabularInline, ObjectActionsMixin, PurSightModelAdmin

from . import pinning, services
from .choices import WorkspaceRole, WorkspaceStatus
from .models import Membership, Pin, SavedSearch, Workspace

STATUS_LABELS = {
    WorkspaceStatus.DRAFT: "info",
    WorkspaceStatus.ACTIVE: "success",
    WorkspaceStatus.ARCHIVED: "warning",
}


def board_url(workspace: Any) -> str:
    return reverse("admin:workspaces_workspace_board", args=[workspace.pk])


def _may(request: HttpRequest, action_name: str, workspace: Any) -> bool:
    """May the user ``action_name`` the workspace (``None``: some workspace, as Django asks
    an inline before it knows the parent, e.g. to build its queryset)?"""
    if workspace is None:
        return permissions.can_any(request.user, Workspace, action_name)
    return permissions.can(request.user, action_name, workspace)


def _writable(workspace: Any) -> bool:
    return workspace is None or not workspace.read_only


def _report_errors(model_admin: Any, request: HttpRequest, exc: Exception) -> None:
    text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    model_admin.message_user(request, text, messages.ERROR)


# --- members ----------------------------------------------------------------------------------


class MembershipInline(GovernedTabularInline):
    """The workspace's members; owners change roles and remove members here."""

    model = Membership
    fk_name = "workspace"
    fields = ["user", "role", "invited_by", "created_at"]
    readonly_fields = ["user", "invited_by", "created_at"]
    verbose_name = "member"
    verbose_name_plural = "Members"
    ordering = ["role", "user__username"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("user", "invited_by")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may(request, "view", obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # invitations: the inline below

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _writable(obj) and _may(request, "manage", obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)


class InviteInline(GovernedTabularInline):
    """New members: someone the owner may name, with a role."""

    model = Membership
    fk_name = "workspace"
    fields = ["user", "role"]
    verbose_name = "invitation"
    verbose_name_plural = "Invite members"

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).none()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "user":
            kwargs["queryset"] = services.nameable_users(request.user).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _writable(obj) and _may(request, "manage", obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- workspaces -------------------------------------------------------------------------------


class WorkspaceForm(forms.ModelForm):
    class Meta:
        model = Workspace
        fields = ["name", "description", "status"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("status")
        if field is not None:  # only on the add form: a new workspace is a draft or active
            field.choices = [
                (WorkspaceStatus.ACTIVE, WorkspaceStatus.ACTIVE.label),
                (WorkspaceStatus.DRAFT, WorkspaceStatus.DRAFT.label),
            ]
            field.initial = WorkspaceStatus.ACTIVE


class TransferForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=Membership.objects.none(),
        label="New owner",
        help_text="A member of the workspace. You become an editor.",
        empty_label=None,
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        candidates = (
            Membership.objects.filter(workspace=workspace)
            .exclude(role=WorkspaceRole.OWNER)
            .select_related("user")
            .order_by("user__username")
        )
        field = self.fields["user"]
        field.queryset = candidates
        field.label_from_instance = lambda m: (
            f"{services.display_name(m.user)} ({m.get_role_display()})"
        )


@admin.register(Workspace)
class WorkspaceAdmin(ObjectActionsMixin, PurSightModelAdmin):
    form = WorkspaceForm
    list_display = ["name", "status_label", "my_role", "member_count", "updated_at", "open_link"]
    list_display_links = ["name"]
    list_filter = ["status"]
    search_fields = ["name", "description"]
    inlines = [MembershipInline, InviteInline]
    actions_detail = [
        "open_detail",
        "activate_detail",
        "transfer_detail",
        "leave_detail",
        "archive_detail",
        "restore_detail",
    ]
    detail_gate_actions = {
        "open_detail": "view",
        "activate_detail": "manage",
        "transfer_detail": "manage",
        "leave_detail": "view",
        "archive_detail": "manage",
        "restore_detail": "manage",
    }

    # --- who sees what: anyone signed in may start a workspace and sees their own --------------

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self.has_module_permission(request) and self.has_add_permission(request)
        return super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.read_only:
            return False  # archived: read-only until restored
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.read_only:
            return False
        return super().has_delete_permission(request, obj)

    def get_queryset(self, request: HttpRequest):
        mine = Membership.objects.filter(workspace=OuterRef("pk"), user=request.user.pk)
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_members=Count("memberships", distinct=True),
                mine=Subquery(mine.values("role")[:1]),
            )
        )

    def get_inline_instances(self, request: HttpRequest, obj: Workspace | None = None):
        # A new workspace's only member is its creator: invitations come after.
        return [] if obj is None else super().get_inline_instances(request, obj)

    def get_fields(self, request: HttpRequest, obj: Workspace | None = None) -> list[str]:
        if obj is None:
            return ["name", "description", "status"]
        return ["name", "description", "status", "archived_at", "notes", "board_link"]

    def get_readonly_fields(self, request: HttpRequest, obj: Workspace | None = None) -> list[str]:
        if obj is None:
            return []
        fixed = ["status", "archived_at", "notes", "board_link"]
        if not self.has_change_permission(request, obj):
            return ["name", "description", *fixed]
        return fixed

    @display(description="Status", ordering="status", label=STATUS_LABELS)
    def status_label(self, obj: Workspace) -> str:
        return obj.status

    @display(description="My role", ordering="mine")
    def my_role(self, obj: Workspace) -> str:
        role = getattr(obj, "mine", None)
        return WorkspaceRole(role).label if role else "—"

    @display(description="Members", ordering="n_members")
    def member_count(self, obj: Workspace) -> int:
        return getattr(obj, "n_members", 0)

    @display(description="Workspace")
    def open_link(self, obj: Workspace) -> str:
        return format_html(
            '<a href="{}" class="text-primary-600">Open workspace →</a>', board_url(obj)
        )

    @display(description="Workspace page")
    def board_link(self, obj: Workspace) -> str:
        if obj is None or obj.pk is None:
            return "—"
        return format_html('<a href="{}">Open workspace →</a>', board_url(obj))

    # --- saving through the services ---------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Workspace, form: Any, change: bool) -> None:
        if change:
            services.update_workspace(
                actor=request.user, workspace=obj, name=obj.name, description=obj.description
            )
            return
        created = services.create_workspace(
            actor=request.user, name=obj.name, description=obj.description, status=obj.status
        )
        obj.pk = created.pk
        obj.created_at, obj.updated_at = created.created_at, created.updated_at

    def delete_model(self, request: HttpRequest, obj: Workspace) -> None:
        services.delete_workspace(actor=request.user, workspace=obj)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """What deleting says it takes: the workspaces and counts of what they hold (never the
        pinned objects' names: an owner may not see every pinned asset)."""
        workspaces = list(objs)
        ids = [w.pk for w in workspaces]
        counts = {
            "workspaces": len(workspaces),
            "members": Membership.objects.filter(workspace__in=ids).count(),
            "pins": Pin.objects.filter(workspace__in=ids).count(),
            "saved searches": SavedSearch.objects.filter(workspace__in=ids).count(),
        }
        allowed = all(self.has_delete_permission(request, w) for w in workspaces)
        return (
            [f"Workspace: {w}" for w in workspaces],
            {name: n for name, n in counts.items() if n},
            set() if allowed else {"workspace"},
            [],
        )

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for workspace in queryset:
            try:
                self.delete_model(request, workspace)
            except (ValidationError, permissions.PermissionDenied) as exc:
                _report_errors(self, request, exc)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        workspace = form.instance
        instances = formset.save(commit=False)
        calls: list[tuple[Callable[..., Any], dict[str, Any]]] = []
        for member in formset.deleted_objects:
            calls.append((services.remove_member, {"user": member.user}))
        for member in instances:
            if member.pk is None:
                calls.append((services.invite_member, {"user": member.user, "role": member.role}))
            else:
                calls.append((services.change_role, {"user": member.user, "role": member.role}))
        for func, kwargs in calls:
            try:
                func(actor=request.user, workspace=workspace, **kwargs)
            except (ValidationError, permissions.PermissionDenied) as exc:
                _report_errors(self, request, exc)
        return None

    # --- the workspace page and object actions -----------------------------------------------

    def get_urls(self):
        board = path(
            "<path:object_id>/board/",
            self.admin_site.admin_view(self.board_view),
            name="workspaces_workspace_board",
        )
        return [board, *super().get_urls()]

    def board_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        from .views import workspace_board  # written beside the live pages

        return workspace_board(request, object_id, admin_site=self.admin_site)

    def detail_actions_state(self, request: HttpRequest, obj: Workspace) -> dict[str, bool]:
        role = services.role_of(request.user, obj)
        last_owner = role == WorkspaceRole.OWNER and (
            Membership.objects.filter(workspace=obj, role=WorkspaceRole.OWNER).count() <= 1
        )
        return {
            "activate_detail": obj.status == WorkspaceStatus.DRAFT,
            "transfer_detail": _writable(obj),
            "leave_detail": _writable(obj) and role is not None and not last_owner,
            "archive_detail": _writable(obj),
            "restore_detail": obj.read_only,
        }

    def _done(self, request: HttpRequest, workspace: Workspace, message: str) -> HttpResponse:
        self.report(request, True, message)
        return redirect(self.change_url(workspace))

    def _lifecycle(
        self,
        request: HttpRequest,
        object_id: Any,
        *,
        func: Callable[..., Any],
        title: str,
        question: str,
        done: str,
    ) -> HttpResponse:
        workspace = self.gated_object(request, object_id, "manage")

        def act() -> HttpResponse:
            if self.call_service(request, func, workspace=workspace) is None:
                return redirect(self.change_url(workspace))
            return self._done(request, workspace, done.format(workspace=workspace))

        return self.confirm_or_act(
            request,
            workspace,
            title=title,
            question=question.format(workspace=workspace),
            act=act,
        )

    @action(description="Open workspace", url_path="open", icon="dashboard")
    def open_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        workspace = self.gated_object(request, object_id, "view")
        return redirect(board_url(workspace))

    @action(description="Activate", url_path="activate", icon="play_arrow")
    def activate_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._lifecycle(
            request,
            object_id,
            func=services.activate_workspace,
            title="Activate",
            question="Activate the draft workspace '{workspace}'?",
            done="'{workspace}' is active.",
        )

    @action(description="Archive", url_path="archive", icon="inventory_2")
    def archive_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._lifecycle(
            request,
            object_id,
            func=services.archive_workspace,
            title="Archive",
            question="Archive '{workspace}'? It becomes read-only until it is restored.",
            done="'{workspace}' is archived (read-only).",
        )

    @action(description="Restore", url_path="restore", icon="unarchive")
    def restore_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._lifecycle(
            request,
            object_id,
            func=services.restore_workspace,
            title="Restore",
            question="Restore '{workspace}'? It becomes active and writable again.",
            done="'{workspace}' is restored.",
        )

    @action(description="Leave", url_path="leave", icon="logout")
    def leave_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        workspace = self.gated_object(request, object_id, "view")

        def act() -> HttpResponse:
            try:
                services.leave_workspace(actor=request.user, workspace=workspace)
            except (ValidationError, permissions.PermissionDenied) as exc:
                _report_errors(self, request, exc)
                return redirect(self.change_url(workspace))
            self.report(request, True, f"You left '{workspace}'.")
            return redirect(reverse("admin:workspaces_workspace_changelist"))

        return self.confirm_or_act(
            request,
            workspace,
            title="Leave",
            question=f"Leave '{workspace}'? You will no longer see it.",
            act=act,
        )

    @action(description="Transfer ownership", url_path="transfer", icon="swap_horiz")
    def transfer_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        """A form (the new owner among the members) on GET; the transfer on POST."""
        workspace = self.gated_object(request, object_id, "manage")
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        form = TransferForm(request.POST if request.method == "POST" else None, workspace=workspace)
        if request.method == "POST" and form.is_valid():
            member = form.cleaned_data["user"]
            try:
                services.transfer_ownership(
                    actor=request.user, workspace=workspace, user=member.user
                )
            except (ValidationError, permissions.PermissionDenied) as exc:
                _report_errors(self, request, exc)
            else:
                return self._done(
                    request,
                    workspace,
                    f"{services.display_name(member.user)} now owns '{workspace}'.",
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Transfer ownership",
            "question": f"Who becomes the owner of '{workspace}'?",
            "form": form,
            "object": workspace,
            "opts": workspace._meta,
            "cancel_url": self.change_url(workspace),
        }
        return TemplateResponse(request, "workspaces/transfer.html", context)


# --- pins -------------------------------------------------------------------------------------


class PinForm(forms.ModelForm):
    """A new pin: a workspace you edit, a kind of object and its id. A hidden, missing or
    unpinnable object is refused alike."""

    actor: Any = None

    class Meta:
        model = Pin
        fields = ["workspace", "target_type", "target_id", "note"]
        labels = {"target_type": "Kind", "target_id": "Object id"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("target_type")
        if field is not None:
            field.queryset = ContentType.objects.filter(
                pk__in=list(pinning.by_content_type())
            ).order_by("app_label", "model")
            field.label_from_instance = lambda ct: str(ct.model_class()._meta.verbose_name)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        ct, target_id = data.get("target_type"), data.get("target_id")
        if self.instance.pk is None and ct is not None and target_id is not None:
            try:
                label = f"{ct.app_label}.{ct.model}"
                data["target"] = pinning.resolve(self.actor, label, target_id)
            except ValidationError as exc:
                self.add_error("target_id", exc.messages)
        return data


@admin.register(Pin)
class PinAdmin(PurSightModelAdmin):
    """Pins you may see: in your workspaces, of objects the gate shows you."""

    form = PinForm
    list_display = ["target_name", "target_kind", "workspace", "note", "pinned_by", "created_at"]
    list_filter = ["workspace"]
    list_select_related = ["workspace", "pinned_by", "target_type"]
    search_fields = ["note", "workspace__name"]

    def get_queryset(self, request: HttpRequest):
        return pinning.visible_pins(request.user, super().get_queryset(request))

    def get_changelist_instance(self, request: HttpRequest):
        changelist = super().get_changelist_instance(request)
        changelist.result_list = list(changelist.result_list)
        described = pinning.describe_pins(changelist.result_list)
        for pin in changelist.result_list:
            pin.described = described.get(pin.pk)
        return changelist

    def get_fields(self, request: HttpRequest, obj: Pin | None = None) -> list[str]:
        if obj is None:
            return ["workspace", "target_type", "target_id", "note"]
        return ["workspace", "target_link", "note", "pinned_by", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Pin | None = None) -> list[str]:
        if obj is None:
            return []
        fixed = ["workspace", "target_link", "pinned_by", "created_at"]
        return fixed if self.has_change_permission(request, obj) else [*fixed, "note"]

    def get_form(self, request: HttpRequest, obj: Pin | None = None, **kwargs: Any):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "workspace":  # only workspaces the user may pin to
            kwargs["queryset"] = permissions.restrict(
                Workspace.objects.exclude(status=WorkspaceStatus.ARCHIVED), request.user, "edit"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.workspace.read_only:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.workspace.read_only:
            return False
        return super().has_delete_permission(request, obj)

    def _description(self, obj: Pin) -> dict[str, Any] | None:
        if not hasattr(obj, "described"):
            obj.described = pinning.describe_pins([obj]).get(obj.pk)
        return obj.described

    @display(description="Pinned object")
    def target_name(self, obj: Pin) -> str:
        described = self._description(obj)
        return described["name"] if described else "—"

    @display(description="Kind")
    def target_kind(self, obj: Pin) -> str:
        described = self._description(obj)
        return described["kind"] if described else obj.target_type.model

    @display(description="Pinned object")
    def target_link(self, obj: Pin) -> str:
        described = self._description(obj)
        if not described:
            return "—"
        if not described["url"]:
            return described["name"]
        return format_html('<a href="{}">{}</a>', described["url"], described["name"])

    def save_model(self, request: HttpRequest, obj: Pin, form: Any, change: bool) -> None:
        if change:
            services.update_pin(actor=request.user, pin=obj, note=obj.note)
            return
        created = services.pin(
            actor=request.user,
            workspace=obj.workspace,
            target=form.cleaned_data["target"],
            note=obj.note,
        )
        obj.pk, obj.created_at = created.pk, created.created_at

    def delete_model(self, request: HttpRequest, obj: Pin) -> None:
        services.unpin(actor=request.user, pin=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for pin in queryset.select_related("workspace"):
            try:
                self.delete_model(request, pin)
            except (ValidationError, permissions.PermissionDenied) as exc:
                _report_errors(self, request, exc)


# --- saved searches ---------------------------------------------------------------------------


class SavedSearchForm(forms.ModelForm):
    """The service's checks (a name unique in the workspace, filters as names and values) shown
    as field errors before anything is saved."""

    class Meta:
        model = SavedSearch
        fields = ["workspace", "name", "query", "filters"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        probe = SavedSearch(
            pk=self.instance.pk,
            workspace_id=(data["workspace"].pk if data.get("workspace") else None)
            or self.instance.workspace_id,
            name=data.get("name", self.instance.name),
            query=data.get("query", self.instance.query),
            filters=data.get("filters", self.instance.filters),
        )
        try:
            services.check_saved_search(probe)
        except ValidationError as exc:
            errors = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
            for field, problems in errors.items():
                self.add_error(field if field in self.fields else None, problems)
        return data


@admin.register(SavedSearch)
class SavedSearchAdmin(PurSightModelAdmin):
    form = SavedSearchForm
    list_display = ["name", "workspace", "query", "results_link", "updated_at"]
    list_filter = ["workspace"]
    list_select_related = ["workspace"]
    search_fields = ["name", "query"]

    def get_fields(self, request: HttpRequest, obj: SavedSearch | None = None) -> list[str]:
        fields = ["workspace", "name", "query", "filters"]
        return fields if obj is None else [*fields, "results_link"]

    def get_readonly_fields(self, request: HttpRequest, obj: SavedSearch | None = None):
        if obj is None:
            return []
        if not self.has_change_permission(request, obj):
            return ["workspace", "name", "query", "filters", "results_link"]
        return ["workspace", "results_link"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "workspace":  # only workspaces the user may write to
            kwargs["queryset"] = permissions.restrict(
                Workspace.objects.exclude(status=WorkspaceStatus.ARCHIVED), request.user, "edit"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.workspace.read_only:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.workspace.read_only:
            return False
        return super().has_delete_permission(request, obj)

    @display(description="Results")
    def results_link(self, obj: SavedSearch) -> str:
        if obj is None or obj.pk is None:
            return "—"
        return format_html('<a href="{}">Search the catalog →</a>', pinning.saved_search_url(obj))

    def save_model(self, request: HttpRequest, obj: SavedSearch, form: Any, change: bool) -> None:
        if change:
            services.update_saved_search(
                actor=request.user,
                search=obj,
                name=obj.name,
                query=obj.query,
                filters=obj.filters,
            )
            return
        created = services.create_saved_search(
            actor=request.user,
            workspace=obj.workspace,
            name=obj.name,
            query=obj.query,
            filters=obj.filters,
        )
        obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: SavedSearch) -> None:
        services.delete_saved_search(actor=request.user, search=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for search in queryset.select_related("workspace"):
            try:
                self.delete_model(request, search)
            except (ValidationError, permissions.PermissionDenied) as exc:
                _report_errors(self, request, exc)
