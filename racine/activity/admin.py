"""The activity stream and the inbox in the admin.

- Activity events: a read-only list of what the viewer may see (the same feed as the API,
  through the gate), filtered by kind, actor, workspace and date.
- Notifications: "My notifications", the signed-in user's own inbox (nobody else's), with
  mark-read buttons (POST) and the notification preferences form. The header badge links here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.paginator import InfinitePaginator
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget, UnfoldBooleanSwitchWidget

from pursight.admin import PurSightModelAdmin, ReadOnlyAdminMixin

from . import services, summaries
from .models import ActivityEvent, Notification


def _staff(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff)


class KindFilter(admin.SimpleListFilter):
    """The kinds the stream knows (no query: the list is the sentences' registry)."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(k, k) for k in summaries.known_kinds()]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(ActivityEvent)
class ActivityEventAdmin(ReadOnlyAdminMixin, PurSightModelAdmin):
    """What happened to the objects the viewer may see, newest first."""

    list_display = ["created_at", "summary_text", "kind", "actor", "target_link", "workspace"]
    # No count of a large, gate-filtered table on every page: "older" pages instead.
    paginator = InfinitePaginator
    show_full_result_count = False
    list_filter = [KindFilter, "actor", "workspace", "created_at"]
    list_select_related = ["actor", "target_type", "workspace"]
    search_fields = ["target_repr", "kind"]
    date_hierarchy = None
    fields = [
        "created_at",
        "kind",
        "summary_text",
        "actor",
        "target_link",
        "workspace",
        "data",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        # The feed: events whose target the gate shows (and a workspace's own events to its
        # members only), whatever workspace pins them.
        return services.visible_events(request.user).select_related(*self.list_select_related)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _staff(request)

    @admin.display(description="What happened")
    def summary_text(self, obj: ActivityEvent) -> str:
        return services.summary(obj)

    @admin.display(description="About")
    def target_link(self, obj: ActivityEvent) -> str:
        ct = obj.target_type
        url = services.admin_url(ct.app_label, ct.model, obj.target_id)
        if url is None:
            return obj.target_repr
        return format_html('<a href="{}">{}</a>', url, obj.target_repr)


class PreferencesForm(forms.Form):
    """What to be told about (a muted kind is unticked) and whether by e-mail too."""

    notify = forms.MultipleChoiceField(
        label="Notify me about",
        choices=services.NOTIFICATION_KIND_CHOICES,
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
    )
    email = forms.BooleanField(
        label="Also send them by e-mail",
        required=False,
        help_text="The e-mail holds the title and a link, never data values.",
        widget=UnfoldBooleanSwitchWidget,
    )


@admin.register(Notification)
class NotificationAdmin(PurSightModelAdmin):
    """Each user's own inbox: the changelist is "My notifications"."""

    inbox_template = "activity/inbox.html"
    per_page = 50

    def get_queryset(self, request: HttpRequest):
        return services.notifications_of(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _staff(request) and (obj is None or obj.recipient_id == request.user.pk)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "read/<int:notification_id>/",
                view(self.read_view),
                name="activity_notification_read",
            ),
            path("read-all/", view(self.read_all_view), name="activity_notification_read_all"),
            path(
                "preferences/",
                view(self.preferences_view),
                name="activity_notification_preferences",
            ),
            *super().get_urls(),
        ]

    def _context(self, request: HttpRequest, title: str) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "inbox_url": reverse("admin:activity_notification_changelist"),
            "preferences_url": reverse("admin:activity_notification_preferences"),
            "read_all_url": reverse("admin:activity_notification_read_all"),
        }

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if not self.has_view_permission(request):
            raise Http404
        qs = services.notifications_of(request.user)
        show = request.GET.get("show")
        if show == "unread":
            qs = qs.filter(read_at__isnull=True)
        page = Paginator(qs, self.per_page).get_page(request.GET.get("page"))
        context = {
            **self._context(request, "My notifications"),
            "page": page,
            "notifications": list(page.object_list),
            "show": show,
            "unread": services.unread_count(request.user),
        }
        return TemplateResponse(request, self.inbox_template, context)

    def _back(self, request: HttpRequest) -> HttpResponse:
        target = request.POST.get("next") or ""
        if target.startswith("/") and not target.startswith("//"):
            return redirect(target)
        return redirect("admin:activity_notification_changelist")

    def read_view(self, request: HttpRequest, notification_id: int) -> HttpResponse:
        """Mark one of one's notifications read (POST only; another's is not found)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        notification = services.notifications_of(request.user).filter(pk=notification_id).first()
        if notification is None:
            raise Http404
        services.mark_read(actor=request.user, notification=notification)
        if request.POST.get("open") and notification.url:
            return redirect(notification.url)
        return self._back(request)

    def read_all_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        n = services.mark_all_read(actor=request.user)
        self.message_user(request, f"{summaries.plural(n, 'notification')} marked read.")
        return self._back(request)

    def preferences_view(self, request: HttpRequest) -> HttpResponse:
        pref = services.preferences_of(request.user)
        kinds = list(services.NOTIFICATION_KINDS)
        if request.method == "POST":
            form = PreferencesForm(request.POST)
            if form.is_valid():
                notify = set(form.cleaned_data["notify"])
                services.update_preferences(
                    actor=request.user,
                    muted_kinds=[k for k in kinds if k not in notify],
                    email=form.cleaned_data["email"],
                )
                self.message_user(request, "Your notification preferences were saved.")
                return redirect("admin:activity_notification_preferences")
            self.message_user(request, "Please correct the errors below.", messages.ERROR)
        elif request.method in ("GET", "HEAD"):
            muted = set(pref.muted_kinds or [])
            form = PreferencesForm(
                initial={"notify": [k for k in kinds if k not in muted], "email": pref.email}
            )
        else:
            return HttpResponseNotAllowed(["GET", "POST"])
        context = {
            **self._context(request, "Notification preferences"),
            "form": form,
            "has_email": bool(request.user.email),
        }
        return TemplateResponse(request, "activity/preferences.html", context)
