"""Approvals in the console: the review page of a request (POST buttons to approve, reject or
withdraw; the link of every notification), the lists of requests one may see, access requests
and the approval policies of the collections one administers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.decorators import display

from pursight import changes, permissions
from pursight.admin import PurSightModelAdmin

from . import services
from .models import (
    AccessRequest,
    AccessStatus,
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalRequest,
    Decision,
    Status,
)

STATUS_KIND = {
    Status.PENDING: "warning",
    Status.APPROVED: "success",
    Status.REJECTED: "danger",
    Status.FAILED: "danger",
    Status.CANCELLED: "",
    AccessStatus.GRANTED: "success",
    AccessStatus.EXPIRED: "",
}


def _label(text: str, value: str) -> str:
    from django.template.loader import render_to_string

    return render_to_string(
        "unfold/helpers/label.html",
        {"text": text, "type": STATUS_KIND.get(value, ""), "size": "md"},
    )


def _signed_in_staff(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_active and user.is_staff)


class _OwnRowsAdmin(PurSightModelAdmin):
    """Rows narrowed by the approval services (requester, reviewers, collection admins), not
    by a collection permission: anyone in the console has a list (their own)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _signed_in_staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not _signed_in_staff(request):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class WaitingFilter(admin.SimpleListFilter):
    title = "waiting for"
    parameter_name = "waiting"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("me", "My decision")]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() == "me":
            return queryset.filter(pk__in=services.waiting_for(request.user).values("pk"))
        return queryset


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(_OwnRowsAdmin):
    list_display = [
        "request_link",
        "kind_label",
        "status_label",
        "requested_by",
        "due",
        "created_at",
    ]
    list_filter = [WaitingFilter, "status"]
    search_fields = ["summary", "target_repr"]
    list_select_related = ["requested_by"]
    ordering = ["-created_at"]

    def get_queryset(self, request: HttpRequest):
        return services.visible_requests(request.user, super().get_queryset(request))

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    @display(description="Request")
    def request_link(self, obj: ApprovalRequest) -> str:
        return format_html('<a href="{}">#{} {}</a>', services.review_url(obj), obj.pk, obj.summary)

    @display(description="Kind")
    def kind_label(self, obj: ApprovalRequest) -> str:
        return changes.label_of(obj.kind)

    @display(description="Status")
    def status_label(self, obj: ApprovalRequest) -> str:
        return _label(obj.get_status_display(), obj.status)

    @display(description="Due")
    def due(self, obj: ApprovalRequest) -> str:
        if obj.due_at is None:
            return "—"
        late = obj.status == Status.PENDING and obj.due_at < timezone.now()
        text = timezone.localtime(obj.due_at).strftime("%Y-%m-%d %H:%M")
        return (
            format_html('<span class="font-semibold text-red-700">Overdue · {}</span>', text)
            if late
            else text
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/review/",
                wrap(self.review_view),
                name="approvals_approvalrequest_review",
            ),
            path(
                "<path:object_id>/decide/<str:decision>/",
                wrap(self.decide_view),
                name="approvals_approvalrequest_decide",
            ),
            path(
                "<path:object_id>/withdraw/",
                wrap(self.withdraw_view),
                name="approvals_approvalrequest_withdraw",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        """The request's page is its review page."""
        return self.review_view(request, object_id)

    def _visible(self, request: HttpRequest, object_id: Any) -> ApprovalRequest:
        try:
            row = (
                self.get_queryset(request)
                .select_related("requested_by", "collection", "target_type", "policy")
                .prefetch_related(
                    "reviewers",
                    Prefetch(
                        "decisions", queryset=ApprovalDecision.objects.select_related("reviewer")
                    ),
                )
                .filter(pk=object_id)
                .first()
            )
        except (ValueError, TypeError, ValidationError):
            row = None
        if row is None:
            raise Http404(services.NOT_FOUND)
        return row

    def review_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        row = self._visible(request, object_id)
        reviewers = {u.pk for u in row.reviewers.all()}
        may, why = services.may_decide(request.user, row, reviewers)
        decisions = list(row.decisions.all())
        approvals = sum(1 for d in decisions if d.decision == Decision.APPROVE)
        target_url = None
        if row.target_type_id:
            ct = row.target_type
            try:
                target_url = reverse(
                    f"admin:{ct.app_label}_{ct.model}_change", args=[row.target_id]
                )
            except Exception:
                target_url = None
        access = (
            AccessRequest.objects.filter(approval=row).select_related("role", "collection").first()
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Approval request #{row.pk}",
            "opts": self.model._meta,
            "row": row,
            "kind_label": changes.label_of(row.kind),
            "status_label": _label(row.get_status_display(), row.status),
            "payload_lines": _payload_lines(row.payload),
            "reviewers": sorted(row.reviewers.all(), key=lambda u: u.get_username()),
            "decisions": decisions,
            "approvals": approvals,
            "may_decide": may,
            "why_not": why,
            "may_withdraw": row.status == Status.PENDING and row.requested_by_id == request.user.pk,
            "overdue": row.status == Status.PENDING and row.due_at and row.due_at < timezone.now(),
            "target_url": target_url,
            "access": access,
            "approve_url": reverse(
                "admin:approvals_approvalrequest_decide", args=[row.pk, "approve"]
            ),
            "reject_url": reverse(
                "admin:approvals_approvalrequest_decide", args=[row.pk, "reject"]
            ),
            "withdraw_url": reverse("admin:approvals_approvalrequest_withdraw", args=[row.pk]),
            "list_url": reverse("admin:approvals_approvalrequest_changelist"),
        }
        return TemplateResponse(request, "approvals/review.html", context)

    def decide_view(self, request: HttpRequest, object_id: str, decision: str) -> HttpResponse:
        """POST only (a state change is never a GET); a GET shows the review page."""
        if decision not in Decision.values:
            raise Http404
        row = self._visible(request, object_id)
        back = HttpResponseRedirect(services.review_url(row))
        if request.method != "POST":
            return back
        try:
            services.decide(
                actor=request.user,
                request=row,
                decision=decision,
                comment=request.POST.get("comment", ""),
            )
        except (ValidationError, permissions.PermissionDenied) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text)
            return back
        row.refresh_from_db()
        if row.status == Status.APPROVED:
            messages.success(request, "Approved: the change is applied.")
        elif row.status == Status.FAILED:
            messages.error(request, f"Approved, but the change could not be applied: {row.error}")
        elif row.status == Status.REJECTED:
            messages.success(request, "Rejected: nothing changes. The requester is told why.")
        else:
            messages.success(request, "Your approval is recorded; more are needed.")
        return back

    def withdraw_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        row = self._visible(request, object_id)
        back = HttpResponseRedirect(services.review_url(row))
        if request.method != "POST":
            return back
        try:
            services.withdraw(actor=request.user, request=row)
        except (ValidationError, permissions.PermissionDenied) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text)
            return back
        messages.success(request, "Withdrawn: nothing changes.")
        return back


def _payload_lines(payload: Any) -> list[tuple[str, str]]:
    """The proposed values as (name, value) lines for the review page."""
    if not isinstance(payload, dict):
        return [("value", str(payload))]
    lines: list[tuple[str, str]] = []
    for key, value in payload.items():
        if isinstance(value, dict):
            lines += [(f"{key}.{k}", _short(v)) for k, v in value.items()]
        else:
            lines.append((str(key), _short(value)))
    return lines


def _short(value: Any) -> str:
    text = str(value) if not isinstance(value, str) else value
    return text if len(text) <= 300 else text[:297] + "…"


class AccessRequestForm(forms.ModelForm):
    class Meta:
        model = AccessRequest
        fields = ["collection", "role", "justification", "expires_at"]
        help_texts = {
            "collection": "A collection you can see. Its admins review your request.",
            "expires_at": "Optional: the role is removed on its own at this time.",
        }


@admin.register(AccessRequest)
class AccessRequestAdmin(_OwnRowsAdmin):
    form = AccessRequestForm
    collection_permission = "view_catalog"
    list_display = ["__str__", "status_label", "expires_at", "created_at", "review"]
    list_filter = ["status"]
    list_select_related = ["requester", "role", "collection", "approval"]
    ordering = ["-created_at"]

    def get_queryset(self, request: HttpRequest):
        return services.visible_access_requests(request.user, super().get_queryset(request))

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _signed_in_staff(request)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "collection":
            kwargs["queryset"] = services.requestable_collections(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        if obj is None:
            return []
        return [
            "requester",
            "collection",
            "role",
            "justification",
            "expires_at",
            "status",
            "review",
            "granted_at",
            "ended_at",
        ]

    def get_fields(self, request: HttpRequest, obj: Any = None):
        if obj is None:
            return ["collection", "role", "justification", "expires_at"]
        return self.get_readonly_fields(request, obj)

    @display(description="Status")
    def status_label(self, obj: AccessRequest) -> str:
        return _label(obj.get_status_display(), obj.status)

    @display(description="Review")
    def review(self, obj: AccessRequest) -> str:
        if obj.approval_id is None:
            return "—"
        return format_html(
            '<a href="{}">Approval request #{}</a>',
            reverse("admin:approvals_approvalrequest_review", args=[obj.approval_id]),
            obj.approval_id,
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: AccessRequest, form: Any, change: bool) -> None:
        access = services.request_access(
            actor=request.user,
            collection=obj.collection,
            role=obj.role,
            justification=obj.justification,
            expires_at=obj.expires_at,
        )
        obj.pk, obj.requester, obj.approval = access.pk, access.requester, access.approval

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class Form(form):  # type: ignore[misc,valid-type]
            def clean(self) -> dict[str, Any]:
                data = super().clean()
                if not self.errors:
                    try:
                        services.check_access_request(
                            actor=user,
                            collection=data.get("collection"),
                            role=data.get("role"),
                            justification=data.get("justification") or "",
                            expires_at=data.get("expires_at"),
                        )
                    except ValidationError as exc:
                        self.add_error(None, exc)
                return data

            def _post_clean(self) -> None:  # the requester is set by the service
                self.instance.requester = user
                super()._post_clean()

        return Form

    def response_add(
        self, request: HttpRequest, obj: AccessRequest, post_url_continue: Any = None
    ) -> HttpResponse:
        messages.success(
            request,
            "Request sent: the collection's admins are told and decide; "
            "you are told of their answer.",
        )
        if obj.approval_id:
            return HttpResponseRedirect(services.review_url(obj.approval))
        return HttpResponseRedirect(reverse("admin:approvals_accessrequest_changelist"))


class ApprovalPolicyForm(forms.ModelForm):
    kind = forms.ChoiceField(choices=())

    class Meta:
        model = ApprovalPolicy
        fields = [
            "name",
            "kind",
            "collection",
            "reviewer_users",
            "reviewer_role",
            "quorum",
            "required",
            "due_days",
            "enabled",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = changes.kind_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("reviewer_users") and not data.get("reviewer_role"):
            raise ValidationError("Name reviewers: users, a role, or both.")
        return data


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(PurSightModelAdmin):
    form = ApprovalPolicyForm
    collection_permission = "manage_collection"
    list_display = [
        "name",
        "kind_label",
        "collection",
        "reviewer_role",
        "quorum",
        "required",
        "due_days",
        "enabled",
    ]
    list_filter = ["enabled", "quorum"]
    list_select_related = ["collection", "reviewer_role"]
    search_fields = ["name"]
    filter_horizontal = ["reviewer_users"]

    @display(description="Kind of change")
    def kind_label(self, obj: ApprovalPolicy) -> str:
        return changes.label_of(obj.kind)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        platform = permissions.platform(request.user, services.MANAGE)

        class Form(form):  # type: ignore[misc,valid-type]
            def clean(self) -> dict[str, Any]:
                data = super().clean()
                if not data.get("collection") and not platform:
                    self.add_error(
                        "collection",
                        "Choose a collection: a policy for everything is set by platform admins.",
                    )
                return data

        return Form

    def save_service(
        self, request: HttpRequest, obj: ApprovalPolicy, form: Any, change: bool
    ) -> None:
        services.save_policy(
            actor=request.user, policy=obj, reviewer_users=form.cleaned_data.get("reviewer_users")
        )
