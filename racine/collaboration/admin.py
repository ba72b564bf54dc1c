"""The collaboration admin: comments (read, resolve, reopen, delete one's own) and tasks (a
gated changelist with filters, the task form through the services, and "My tasks").

Comments are rows about another object: the gate shows one only where it shows its object,
so a comment on a hidden asset answers exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from unfold.decorators import action, display

from pursight import permissions
from pursight.admin import ObjectActionsMixin, PurSightModelAdmin, presence_filter
from racine.workspaces.models import Workspace

from . import services
from .choices import TaskStatus
from .models import Comment, Task
from .services.targets import check_writable, target_prefetch

STATUS_COLOURS = {
    TaskStatus.OPEN: "info",
    TaskStatus.IN_PROGRESS: "warning",
    TaskStatus.DONE: "success",
    TaskStatus.CANCELLED: "",
}
# The buttons offered for a task in each status: (target status, label).
STATUS_BUTTONS: dict[str, list[tuple[str, str]]] = {
    TaskStatus.OPEN: [(TaskStatus.IN_PROGRESS, "Start"), (TaskStatus.DONE, "Done")],
    TaskStatus.IN_PROGRESS: [(TaskStatus.DONE, "Done"), (TaskStatus.OPEN, "Back to open")],
    TaskStatus.DONE: [(TaskStatus.OPEN, "Reopen")],
    TaskStatus.CANCELLED: [(TaskStatus.OPEN, "Reopen")],
}


def _target_link(ref: dict[str, Any] | None) -> str:
    if not ref:
        return "—"
    if ref.get("url"):
        return format_html('<a href="{}">{}</a>', ref["url"], ref["name"] or ref["type"])
    return ref["name"] or f"{ref['type']} {ref['id']}"


def _report_errors(model_admin: Any, request: HttpRequest, exc: Exception) -> None:
    text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    model_admin.message_user(request, text, messages.ERROR)


# --- Comments -----------------------------------------------------------------------------------


class TargetKindFilter(admin.SimpleListFilter):
    title = "object kind"
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        kinds = (
            model_admin.get_queryset(request)
            .order_by()
            .values_list("target_type__app_label", "target_type__model")
            .distinct()
        )
        return sorted((f"{a}.{m}", f"{a}.{m}") for a, m in kinds)

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if not self.value():
            return queryset
        app_label, _, model = self.value().partition(".")
        return queryset.filter(target_type__app_label=app_label, target_type__model=model)


@admin.register(Comment)
class CommentAdmin(ObjectActionsMixin, PurSightModelAdmin):
    """Comments are written where their object is shown (and through the API); here they are
    read, resolved, reopened and deleted."""

    list_display = ["excerpt_display", "target_display", "author", "created_at", "state_label"]
    list_filter = [
        TargetKindFilter,
        presence_filter(
            "resolved_at", "thread", "thread", ("open", "Open"), ("resolved", "Resolved")
        ),
        presence_filter("deleted_at", "deleted", "deleted", ("no", "No"), ("yes", "Yes")),
    ]
    list_select_related = ["author", "resolved_by", "target_type", "parent__resolved_by"]
    fields = [
        "target_display",
        "thread_display",
        "author",
        "body_display",
        "created_at",
        "edited_at",
        "state",
        "replies_display",
    ]
    readonly_fields = fields
    actions = ["resolve_threads", "reopen_threads", "delete_comments"]
    actions_detail = ["resolve_detail", "reopen_detail", "delete_detail"]
    change_form_template = "collaboration/comment_change_form.html"
    detail_gate_actions = {
        "resolve_detail": "view",
        "reopen_detail": "view",
        "delete_detail": "view",
    }

    # Not in the gate's registry of securable models (a row about another object): gate it
    # here, by its target.
    def get_queryset(self, request: HttpRequest) -> Any:
        qs = super().get_queryset(request).prefetch_related(target_prefetch())
        return permissions.restrict(qs, request.user, permissions.VIEW)

    def has_module_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_active and user.is_staff and permissions.can_any(user, Comment, "view")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self.has_module_permission(request)
        return permissions.can(request.user, permissions.VIEW, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deleting is soft, through the service (the "Delete" action)

    def get_urls(self) -> list:
        reply = path(
            "<path:object_id>/reply/",
            self.admin_site.admin_view(self.reply_view),
            name="collaboration_comment_reply",
        )
        start = path(
            "start/",
            self.admin_site.admin_view(self.start_view),
            name="collaboration_comment_start",
        )
        return [reply, start, *super().get_urls()]

    def start_view(self, request: HttpRequest) -> HttpResponse:
        """Start a conversation about an object (a POST from the team panel of its page); back
        to that page. A hidden or missing object gets one answer, and nothing is written."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse("admin:index")
        try:
            target = services.resolve_target(
                actor=request.user,
                target_type=request.POST.get("target_type", ""),
                target_id=request.POST.get("target_id"),
            )
            services.create_comment(
                actor=request.user, target=target, body=request.POST.get("body", "")
            )
        except (ValidationError, permissions.PermissionDenied) as exc:
            _report_errors(self, request, exc)
            return HttpResponseRedirect(back)
        self.message_user(request, "Comment posted.", messages.SUCCESS)
        return HttpResponseRedirect(f"{back.split('#')[0]}#team")

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        comment = self.visible_object(request, object_id)
        extra = dict(extra_context or {})
        if comment is not None and comment.target is not None:
            extra["reply"] = {
                "url": reverse("admin:collaboration_comment_reply", args=[comment.pk]),
                "allowed": services.may_comment(request.user, comment.target),
                "target": services.target_ref(comment.target),
            }
        return super().change_view(request, object_id, form_url, extra)

    def reply_view(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        """Reply in the comment's thread (a POST from its page)."""
        comment = self.gated_object(request, object_id, "view")
        if request.method != "POST":
            return HttpResponseRedirect(self.change_url(comment))
        try:
            reply = services.create_comment(
                actor=request.user,
                target=comment.target,
                body=request.POST.get("body", ""),
                parent=comment,
            )
        except (ValidationError, permissions.PermissionDenied) as exc:
            _report_errors(self, request, exc)
            return HttpResponseRedirect(self.change_url(comment))
        self.message_user(request, "Reply posted.", messages.SUCCESS)
        return HttpResponseRedirect(self.change_url(reply))

    @display(description="Comment")
    def excerpt_display(self, obj: Comment) -> str:
        return services.excerpt(obj) or services.DELETED_TEXT

    @display(description="On")
    def target_display(self, obj: Comment) -> str:
        return _target_link(services.target_ref(obj.target, ct=obj.target_type, pk=obj.target_id))

    @display(description="Thread")
    def thread_display(self, obj: Comment) -> str:
        if obj.parent_id is None:
            return "Starts the thread"
        url = reverse("admin:collaboration_comment_change", args=[obj.parent_id])
        return format_html('<a href="{}">Reply in thread {}</a>', url, obj.parent_id)

    @display(description="Text")
    def body_display(self, obj: Comment) -> str:
        # body_html is rendered and sanitised by the service (nh3, allow-list).
        return format_html('<div class="prose">{}</div>', _safe(services.comment_item(obj)))

    def _state(self, obj: Comment) -> tuple[str, str]:
        if obj.deleted_at is not None:
            return ("deleted", "Deleted")
        root = obj if obj.parent_id is None else obj.parent
        if root.resolved_at is not None:
            by = root.resolved_by.get_username() if root.resolved_by else "system"
            return ("resolved", f"Resolved by {by}")
        return ("open", "Open")

    @display(description="State", label={"open": "info", "resolved": "success", "deleted": ""})
    def state_label(self, obj: Comment) -> tuple[str, str]:
        return self._state(obj)

    @display(description="State")
    def state(self, obj: Comment) -> str:
        return self._state(obj)[1]

    def detail_actions_state(self, request: HttpRequest, comment: Comment) -> dict[str, bool]:
        """Offer what the comment's state and the user allow: resolve or reopen, delete."""
        root = comment if comment.parent_id is None else comment.parent
        target = comment.target
        writable = target is not None and services.may_comment(request.user, target)
        return {
            "resolve_detail": writable and root.resolved_at is None,
            "reopen_detail": writable and root.resolved_at is not None,
            "delete_detail": comment.deleted_at is None
            and target is not None
            and services.may_delete(request.user, comment, target),
        }

    @display(description="Replies")
    def replies_display(self, obj: Comment) -> str:
        root = obj if obj.parent_id is None else obj.parent
        replies = list(root.replies.select_related("author").order_by("created_at", "id"))
        if not replies:
            return "—"
        rows = [
            format_html(
                '<li class="mb-2"><a href="{}">{}</a> · {}<div>{}</div></li>',
                reverse("admin:collaboration_comment_change", args=[r.pk]),
                (r.author.get_username() if r.author else "system"),
                r.created_at.strftime("%Y-%m-%d %H:%M"),
                _safe(services.comment_item(r, target=obj.target)),
            )
            for r in replies
        ]
        return format_html("<ul>{}</ul>", _join(rows))

    def _each(self, request: HttpRequest, queryset: Any, service: Any, done: str) -> None:
        count = 0
        for comment in queryset:
            try:
                service(actor=request.user, comment=comment)
                count += 1
            except (ValidationError, permissions.PermissionDenied) as exc:
                _report_errors(self, request, exc)
        if count:
            self.message_user(request, f"{count} {done}.", messages.SUCCESS)

    @admin.action(description="Resolve the threads")
    def resolve_threads(self, request: HttpRequest, queryset: Any) -> None:
        self._each(request, queryset, services.resolve_thread, "thread(s) resolved")

    @admin.action(description="Reopen the threads")
    def reopen_threads(self, request: HttpRequest, queryset: Any) -> None:
        self._each(request, queryset, services.reopen_thread, "thread(s) reopened")

    @admin.action(description="Delete (only your own)")
    def delete_comments(self, request: HttpRequest, queryset: Any) -> None:
        self._each(request, queryset, services.delete_comment, "comment(s) deleted")

    def _detail(
        self, request: HttpRequest, object_id: Any, service: Any, title: str, question: str
    ) -> HttpResponse:
        comment = self.gated_object(request, object_id, "view")

        def act() -> HttpResponse:
            try:
                service(actor=request.user, comment=comment)
                self.message_user(request, f"{title}: done.", messages.SUCCESS)
            except ValidationError as exc:
                _report_errors(self, request, exc)
            return HttpResponseRedirect(self.change_url(comment))

        return self.confirm_or_act(request, comment, title=title, question=question, act=act)

    @action(description="Resolve the thread", url_path="resolve", icon="task_alt")
    def resolve_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._detail(
            request, object_id, services.resolve_thread, "Resolve", "Resolve this thread?"
        )

    @action(description="Reopen the thread", url_path="reopen", icon="replay")
    def reopen_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._detail(
            request, object_id, services.reopen_thread, "Reopen", "Reopen this thread?"
        )

    @action(description="Delete", url_path="delete-comment", icon="delete")
    def delete_detail(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        return self._detail(
            request,
            object_id,
            services.delete_comment,
            "Delete",
            "Delete this comment? It keeps its place in the thread, without its text.",
        )


def _safe(item: dict[str, Any]) -> Any:
    return mark_safe(item["body_html"])  # noqa: S308 - sanitised by the service (nh3)


def _join(parts: list[str]) -> Any:
    return mark_safe("".join(parts))  # noqa: S308 - each part built by format_html


# --- Tasks --------------------------------------------------------------------------------------


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() == "yes":
            return queryset.filter(services.overdue_q())
        if self.value() == "no":
            return queryset.exclude(services.overdue_q())
        return queryset


class TaskForm(forms.ModelForm):
    """The task form: on creation, its workspace (those the user may edit) and optionally
    the object it is about; the services' checks run in ``clean`` so that their refusals show
    beside the fields."""

    about_type = forms.ChoiceField(
        required=False, label="About (kind)", help_text="Optional: the kind of object"
    )
    about_id = forms.IntegerField(required=False, min_value=0, label="About (id)")

    class Meta:
        model = Task
        fields = ["workspace", "title", "description", "kind", "assignee", "due_date", "status"]

    request: HttpRequest  # set by TaskAdmin.get_form

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "about_type" in self.fields:
            kinds = sorted(
                m._meta.label_lower
                for m in apps.get_models()
                if permissions.is_securable(m) and not permissions.is_targeted(m)
            )
            self.fields["about_type"].choices = [("", "—"), *((k, k) for k in kinds)]
        if "workspace" in self.fields:
            user = self.request.user
            self.fields["workspace"].queryset = permissions.restrict(
                Workspace.objects.all(), user, "edit"
            ).exclude(status="archived")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        user = self.request.user
        adding = self.instance.pk is None
        workspace = data.get("workspace") if adding else self.instance.workspace
        target = None if adding else self.instance.target
        try:
            if adding and data.get("about_type"):
                if data.get("about_id") is None:
                    raise ValidationError({"about_id": "Give the object's id."})
                target = services.resolve_target(
                    actor=user,
                    target_type=data["about_type"],
                    target_id=data["about_id"],
                    field="about_id",
                )
            data["target"] = target
            if workspace is not None:
                check_writable(workspace)
                if adding or set(self.changed_data) - {"status"}:
                    services.check_task_workspace(user, workspace)
                if "assignee" in self.changed_data or adding:
                    services.check_assignee(workspace, data.get("assignee"), target)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            else:
                self.add_error(None, exc)
        except permissions.PermissionDenied as exc:
            self.add_error(None, str(exc))
        return data


@admin.register(Task)
class TaskAdmin(ObjectActionsMixin, PurSightModelAdmin):
    form = TaskForm
    list_display = [
        "title",
        "workspace",
        "kind",
        "assignee",
        "due_display",
        "status_display",
        "target_display",
    ]
    list_filter = [
        "status",
        "kind",
        OverdueFilter,
        "workspace",
        ("assignee", admin.RelatedOnlyFieldListFilter),  # the assignees of visible tasks
    ]
    list_select_related = ["workspace", "assignee", "target_type"]
    search_fields = ["title"]
    readonly_fields = ["target_display", "created_by", "created_at", "completed_at"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related(target_prefetch())

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            fields = [
                "workspace",
                "title",
                "description",
                "kind",
                "about_type",
                "about_id",
                "assignee",
                "due_date",
            ]
        else:
            fields = [
                "workspace",
                "title",
                "description",
                "kind",
                "target_display",
                "assignee",
                "due_date",
                "status",
                "created_by",
                "created_at",
                "completed_at",
            ]
        return [(None, {"fields": fields})]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        return [*self.readonly_fields, "workspace"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def get_urls(self) -> list:
        urls = super().get_urls()
        mine = [
            path(
                "mine/",
                self.admin_site.admin_view(self.my_tasks_view),
                name="collaboration_my_tasks",
            ),
            path(
                "<path:object_id>/status/<str:status>/",
                self.admin_site.admin_view(self.status_view),
                name="collaboration_task_status",
            ),
        ]
        return [*mine, *urls]

    @display(description="Due", ordering="due_date", label={"overdue": "danger", "due": ""})
    def due_display(self, obj: Task) -> Any:
        if obj.due_date is None:
            return "—"
        text = obj.due_date.isoformat()
        if services.is_overdue(obj):
            return ("overdue", f"Overdue · {text}")
        return ("due", text)

    @display(description="Status", ordering="status", label=STATUS_COLOURS)
    def status_display(self, obj: Task) -> Any:
        return (obj.status, obj.get_status_display())

    @display(description="About")
    def target_display(self, obj: Task) -> str:
        if not obj.target_type_id:
            return "—"
        return _target_link(services.target_ref(obj.target, ct=obj.target_type, pk=obj.target_id))

    def save_model(self, request: HttpRequest, obj: Task, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            task = services.create_task(
                actor=request.user,
                workspace=data["workspace"],
                title=data["title"],
                description=data.get("description", ""),
                kind=data["kind"],
                target=data.get("target"),
                assignee=data.get("assignee"),
                due_date=data.get("due_date"),
            )
            obj.pk = task.pk
            obj._state.adding = False
            return
        stored = Task.objects.get(pk=obj.pk)
        task = stored
        edits = {
            k: data[k] for k in services.tasks.EDITABLE if k in form.changed_data and k in data
        }
        if edits:
            task = services.update_task(actor=request.user, task=task, **edits)
        if "assignee" in form.changed_data:
            task = services.assign_task(actor=request.user, task=task, assignee=data["assignee"])
        if "status" in form.changed_data:
            task = services.set_task_status(actor=request.user, task=task, status=data["status"])

    def delete_model(self, request: HttpRequest, obj: Task) -> None:
        services.delete_task(actor=request.user, task=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for task in queryset:
            try:
                services.delete_task(actor=request.user, task=task)
            except (ValidationError, permissions.PermissionDenied) as exc:
                _report_errors(self, request, exc)

    def my_tasks_view(self, request: HttpRequest) -> TemplateResponse:
        """The signed-in user's tasks across workspaces: overdue first, with buttons to move
        each through its statuses."""
        tasks = list(services.my_tasks(request.user))
        rows = [
            {
                "task": t,
                "overdue": services.is_overdue(t),
                "target": services.target_ref(t.target, ct=t.target_type, pk=t.target_id)
                if t.target_type_id
                else None,
                "buttons": [
                    (
                        reverse("admin:collaboration_task_status", args=[t.pk, to]),
                        label,
                    )
                    for to, label in STATUS_BUTTONS.get(t.status, [])
                ]
                if not t.workspace.read_only
                else [],
            }
            for t in tasks
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "My tasks",
            "rows": rows,
            "open_count": sum(1 for t in tasks if t.status in services.tasks.OPEN_STATUSES),
            "overdue_count": sum(1 for r in rows if r["overdue"]),
            "opts": self.model._meta,
            "next": request.get_full_path(),
        }
        return TemplateResponse(request, "collaboration/my_tasks.html", context)

    def status_view(self, request: HttpRequest, object_id: Any, status: str) -> HttpResponse:
        task = self.gated_object(request, object_id, "view")
        if status not in TaskStatus.values:
            raise Http404("Unknown status.")
        label = TaskStatus(status).label.lower()
        back = request.POST.get("next") or request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = ""
        back = back or reverse("admin:collaboration_my_tasks")

        def act() -> HttpResponse:
            try:
                services.set_task_status(actor=request.user, task=task, status=status)
                self.message_user(request, f"“{task}” is now {label}.", messages.SUCCESS)
            except ValidationError as exc:
                _report_errors(self, request, exc)
            return HttpResponseRedirect(back)

        if not services.may_set_status(request.user, task):
            raise permissions.PermissionDenied("You may not change the status of this task.")
        return self.confirm_or_act(
            request, task, title=f"Mark {label}", question=f"Mark “{task}” {label}?", act=act
        )
