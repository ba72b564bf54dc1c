"""The activity feed (read-only, cursor-paginated), each user's notifications and their
preferences."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from pursight import permissions
from pursight.api import GatedSerializerMixin, GovernedReadOnlyViewSet
from pursight.filters import UTCDateTimeField
from racine.workspaces.models import Workspace

from .. import services
from ..models import ActivityEvent, Notification, NotificationPreference
from .serializers import (
    ActivityEventSerializer,
    NotificationPreferenceSerializer,
    NotificationSerializer,
    ReadAllSerializer,
    UnreadCountSerializer,
)

NOT_FOUND = "Object not found."
MAX_ID = 2**63 - 1
KIND = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*$")
MAX_KINDS = 30


class ActivityPagination(CursorPagination):
    """Newest first; the cursor holds the position, so pages stay stable while events arrive."""

    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request: Any) -> Any:
        # A cursor that is not one of ours is bad input (400, naming the parameter), not a
        # missing page.
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {self.cursor_query_param: "Not a cursor of this feed: use the next/previous links."}
            ) from None


class FeedFilters(forms.Form):
    workspace = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    target_type = forms.CharField(required=False, max_length=100)
    target_id = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    actor = forms.CharField(required=False, max_length=20)
    since = UTCDateTimeField(required=False)
    until = UTCDateTimeField(required=False)

    def clean_actor(self) -> int | str | None:
        value = (self.cleaned_data.get("actor") or "").strip()
        if not value:
            return None
        if value == "me":
            return value
        if not value.isdigit() or not 0 < int(value) <= MAX_ID:
            raise forms.ValidationError("Give a user id, or me.")
        return int(value)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        alone = bool(data.get("target_type")) != bool(data.get("target_id"))
        if alone and "target_type" not in self.errors and "target_id" not in self.errors:
            raise forms.ValidationError({"target_type": "Give target_type and target_id together."})
        since, until = data.get("since"), data.get("until")
        if since and until and since >= until:
            raise forms.ValidationError({"until": "until must be later than since."})
        return data


def _messages(form: forms.Form) -> dict[str, list[str]]:
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


def _kinds(request: Request) -> list[str]:
    """``kind`` may be repeated and comma-separated: ``?kind=scan.failed,comment.created``."""
    kinds: list[str] = []
    for value in request.query_params.getlist("kind"):
        kinds += [k.strip() for k in value.split(",") if k.strip()]
    bad = [k for k in kinds if not KIND.match(k) or len(k) > 64]
    if bad:
        shown = ", ".join(repr(k[:64]) for k in bad[:3])
        raise exceptions.ValidationError(
            {"kind": [f"Kinds are written like scan.failed or comment.created; not {shown}."]}
        )
    if len(kinds) > MAX_KINDS:
        raise exceptions.ValidationError({"kind": [f"At most {MAX_KINDS} kinds at once."]})
    return kinds


def _visible_target(user: Any, label: str, pk: int) -> Any:
    """The object ``label``/``pk`` if the gate lets ``user`` see it; otherwise (a missing or
    hidden object, a kind the gate does not know) the same 400."""
    app_label, _, model_name = label.strip().lower().partition(".")
    try:
        model = ContentType.objects.get_by_natural_key(app_label, model_name).model_class()
    except ContentType.DoesNotExist:
        model = None
    if model is None or not (permissions.is_securable(model) or permissions.is_root(model)):
        raise exceptions.ValidationError({"target": [NOT_FOUND]})
    obj = (
        permissions.restrict(model._default_manager.all(), user, permissions.VIEW)
        .filter(pk=pk)
        .first()
    )
    if obj is None:
        raise exceptions.ValidationError({"target": [NOT_FOUND]})
    return obj


FEED_PARAMETERS = [
    OpenApiParameter(
        "kind",
        OpenApiTypes.STR,
        many=True,
        description="Event kinds, repeated or comma-separated (scan.failed,comment.created).",
    ),
    OpenApiParameter(
        "workspace", OpenApiTypes.INT, description="A workspace's feed (its events and pins')."
    ),
    OpenApiParameter(
        "target_type",
        OpenApiTypes.STR,
        description="With target_id: events about this object and what it holds "
        "(catalog.catalogtable, datasources.datasource...).",
    ),
    OpenApiParameter("target_id", OpenApiTypes.INT),
    OpenApiParameter("actor", OpenApiTypes.STR, description="A user id, or me."),
    OpenApiParameter("since", OpenApiTypes.DATETIME, description="From this time (included)."),
    OpenApiParameter("until", OpenApiTypes.DATETIME, description="Before this time."),
]


@extend_schema_view(list=extend_schema(parameters=FEED_PARAMETERS))
class ActivityEventViewSet(GovernedReadOnlyViewSet):
    """What happened to the objects you may see: scans, schema changes, classifications,
    findings, comments, workspace changes. An event about an object the gate hides from you is
    never listed, whatever workspace pins it."""

    queryset = ActivityEvent.objects.all()
    serializer_class = ActivityEventSerializer
    pagination_class = ActivityPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet:
        request = self.request
        form = FeedFilters(request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError(_messages(form))
        data = form.cleaned_data
        user = request.user
        workspace = None
        if data.get("workspace"):
            workspace = (
                permissions.restrict(Workspace.objects.all(), user, permissions.VIEW)
                .filter(pk=data["workspace"])
                .first()
            )
            if workspace is None:
                raise exceptions.ValidationError({"workspace": [NOT_FOUND]})
        target = None
        if data.get("target_type"):
            target = _visible_target(user, data["target_type"], data["target_id"])
        actor = data.get("actor")
        return services.feed(
            user=user,
            workspace=workspace,
            target=target,
            kinds=_kinds(request),
            actor=user.pk if actor == "me" else actor,
            since=data.get("since"),
            until=data.get("until"),
        )


class NotificationViewSet(
    GatedSerializerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Your own notifications, newest first (nobody else's: another's id is not found)."""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet:
        qs = services.notifications_of(self.request.user)
        if self.action == "list":
            unread = self.request.query_params.get("unread")
            if unread is not None:
                value = unread.strip().lower()
                if value not in ("true", "false", "1", "0"):
                    raise exceptions.ValidationError({"unread": ["Use true or false."]})
                qs = qs.filter(read_at__isnull=value in ("true", "1"))
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only unread (or read).")
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: Any = None) -> Response:
        """Mark this notification read."""
        notification = services.mark_read(actor=request.user, notification=self.get_object())
        return Response(services.notification_item(notification))

    @extend_schema(request=None, responses=ReadAllSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        """Mark all your notifications read."""
        marked = services.mark_all_read(actor=request.user)
        return Response({"marked": marked, "unread": services.unread_count(request.user)})

    @extend_schema(responses=UnreadCountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request: Request) -> Response:
        """How many of your notifications are unread (the header badge)."""
        return Response({"unread": services.unread_count(request.user)})


class NotificationPreferenceViewSet(GatedSerializerMixin, viewsets.GenericViewSet):
    """Your notification preferences: kinds you muted, e-mail on or off."""

    queryset = NotificationPreference.objects.all()
    serializer_class = NotificationPreferenceSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[Any] = []
    pagination_class = None

    def get_queryset(self) -> QuerySet:
        return NotificationPreference.objects.filter(user=self.request.user)

    def get_object(self) -> NotificationPreference:
        """One's own preferences (the only object here; the browsable API's forms ask too)."""
        return services.preferences_of(self.request.user)

    @extend_schema(methods=["GET"], responses=NotificationPreferenceSerializer)
    @extend_schema(
        methods=["PUT", "PATCH"],
        request=NotificationPreferenceSerializer,
        responses=NotificationPreferenceSerializer,
    )
    @action(detail=False, methods=["get", "put", "patch"], url_path="me")
    def me(self, request: Request) -> Response:
        pref = self.get_object()
        if request.method == "GET":
            return Response(self.get_serializer(pref).data)
        serializer = self.get_serializer(pref, data=request.data, partial=request.method == "PATCH")
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        pref = services.update_preferences(
            actor=request.user,
            muted_kinds=values.get("muted_kinds"),
            email=values.get("email"),
        )
        return Response(self.get_serializer(pref).data)
