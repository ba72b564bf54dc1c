"""The comments and tasks API. Writes go through the services; the gate decides visibility (a
comment or task whose object is hidden from the caller answers 404 like a missing one)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pursight.api import Conflict, GovernedModelViewSet
from racine.workspaces.models import Workspace

from .. import services
from ..choices import TaskKind, TaskStatus
from ..models import Comment, Task
from .serializers import (
    CommentCreateSerializer,
    CommentEditSerializer,
    CommentSerializer,
    MentionableQuerySerializer,
    MentionableSerializer,
    TaskAssignSerializer,
    TaskCreateSerializer,
    TaskSerializer,
    TaskStatusSerializer,
    TaskUpdateSerializer,
)

WRITE_METHODS = ["get", "post", "patch", "delete", "head", "options"]


@contextmanager
def refusals() -> Iterator[None]:
    """What the object's state refuses now (archived workspace, already resolved) is 409;
    other validation errors stay 400."""
    try:
        yield
    except services.StateRefusal as exc:
        raise Conflict("; ".join(exc.messages)) from None


def _target_of(filterset: Any, data: dict[str, Any]) -> Any:
    """The visible target named by ``target_type`` and ``target_id`` (both or neither)."""
    target_type, target_id = data.get("target_type"), data.get("target_id")
    if not target_type and target_id is None:
        return None
    if not target_type or target_id is None:
        raise exceptions.ValidationError(
            {"target_type": ["Give target_type and target_id together."]}
        )
    return services.resolve_target(
        actor=filterset.request.user, target_type=target_type, target_id=target_id
    )


class TargetFilterSet(django_filters.FilterSet):
    target_type = django_filters.CharFilter(
        method="by_target", help_text="With target_id: the object's lower-case model label"
    )
    target_id = django_filters.NumberFilter(method="by_target", help_text="With target_type")

    def by_target(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset  # both applied together in filter_queryset

    def filter_queryset(self, queryset: Any) -> Any:
        target = _target_of(self, self.form.cleaned_data)
        if target is not None:
            queryset = services.comments_on(queryset, target)
        return super().filter_queryset(queryset)


class CommentFilter(TargetFilterSet):
    thread = django_filters.NumberFilter(
        method="by_thread", help_text="A thread: its first comment and its replies"
    )

    class Meta:
        model = Comment
        fields = ["target_type", "target_id", "thread"]

    def by_thread(self, queryset: Any, name: str, value: Any) -> Any:
        return services.in_thread(queryset, int(value)) if value is not None else queryset


class CommentViewSet(GovernedModelViewSet):
    """Comments on any object the gate knows. ``parent`` is the thread's first comment; a
    deleted comment keeps its place with its text replaced. Editing and deleting are for the
    author (and a workspace's managers may delete comments on the workspace)."""

    queryset = Comment.objects.all()
    serializer_class = CommentSerializer
    filterset_class = CommentFilter
    ordering_fields = ["created_at"]
    http_method_names = WRITE_METHODS
    # The services decide who may edit, delete or resolve; the gate shows the comment.
    gate_actions = {"resolve": "view", "reopen": "view", "mentionable": "view"}

    def get_queryset(self) -> Any:
        return services.visible_comments(self.request.user)

    def _item(self, comment: Comment, code: int = status.HTTP_200_OK) -> Response:
        return Response(services.comment_item(comment), status=code)

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        target = services.resolve_target(
            actor=request.user, target_type=values["target_type"], target_id=values["target_id"]
        )
        parent = None
        if values["parent"] is not None:
            parent = self.get_queryset().filter(pk=values["parent"]).first()
            if parent is None:
                raise exceptions.ValidationError({"parent": ["Comment not found."]})
        with refusals():
            comment = services.create_comment(
                actor=request.user, target=target, body=values["body"], parent=parent
            )
        return self._item(comment, status.HTTP_201_CREATED)

    @extend_schema(request=CommentEditSerializer, responses=CommentSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        comment = self.get_object()
        data = CommentEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with refusals():
            comment = services.edit_comment(
                actor=request.user, comment=comment, body=data.validated_data["body"]
            )
        return self._item(comment)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not kwargs.get("partial"):
            raise exceptions.MethodNotAllowed(request.method)
        return self.partial_update(request, *args, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        comment = self.get_object()
        with refusals():
            services.delete_comment(actor=request.user, comment=comment)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _thread(self, request: Request, service: Callable[..., Comment]) -> Response:
        comment = self.get_object()
        with refusals():
            root = service(actor=request.user, comment=comment)
        return self._item(root)

    @extend_schema(request=None, responses=CommentSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: Any = None) -> Response:
        """Resolve the comment's thread (answers with the thread's first comment)."""
        return self._thread(request, services.resolve_thread)

    @extend_schema(request=None, responses=CommentSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: Any = None) -> Response:
        """Reopen the comment's resolved thread."""
        return self._thread(request, services.reopen_thread)

    @extend_schema(
        parameters=[
            OpenApiParameter("target_type", OpenApiTypes.STR, required=True),
            OpenApiParameter("target_id", OpenApiTypes.INT, required=True),
            OpenApiParameter("q", OpenApiTypes.STR, description="Start of a username or name"),
        ],
        responses=MentionableSerializer(many=True),
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def mentionable(self, request: Request) -> Response:
        """Up to 10 people who may be mentioned on the object: those who may see it (and whom
        the caller may name)."""
        query = MentionableQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        target = services.resolve_target(
            actor=request.user, target_type=values["target_type"], target_id=values["target_id"]
        )
        users = services.mentionable_users(actor=request.user, target=target, q=values["q"])
        return Response(
            [{"id": u.pk, "username": u.get_username(), "name": u.get_full_name()} for u in users]
        )


class TaskFilter(TargetFilterSet):
    workspace = django_filters.ModelChoiceFilter(queryset=Workspace.objects.all())
    assignee = django_filters.CharFilter(
        method="by_assignee", help_text="A user id, 'me' or 'none'"
    )
    status = django_filters.MultipleChoiceFilter(choices=TaskStatus.choices)
    kind = django_filters.MultipleChoiceFilter(choices=TaskKind.choices)
    overdue = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="by_overdue",
        help_text="true: still to do after the due date; false: the others",
    )

    class Meta:
        model = Task
        fields = ["workspace", "assignee", "status", "kind", "overdue", "target_type", "target_id"]

    def by_assignee(self, queryset: Any, name: str, value: str) -> Any:
        value = (value or "").strip()
        if not value:
            return queryset
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value.isdigit():
            return queryset.filter(assignee_id=int(value))
        raise exceptions.ValidationError({"assignee": ["Enter a user id, 'me' or 'none'."]})

    def by_overdue(self, queryset: Any, name: str, value: str) -> Any:
        if value == "true":
            return queryset.filter(services.overdue_q())
        if value == "false":
            return queryset.exclude(services.overdue_q())
        return queryset


class TaskViewSet(GovernedModelViewSet):
    """Governance tasks in workspaces. A task about an object is seen only by members who may
    see the object. ``PATCH`` changes the title, description, kind, due date, assignee or
    status (the workspace's editors); ``status/`` is open to the assignee too."""

    queryset = Task.objects.all()
    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    ordering_fields = ["due_date", "created_at", "status"]
    http_method_names = WRITE_METHODS
    gate_actions = {"assign": "change", "set_status": "view"}

    def get_queryset(self) -> Any:
        return services.visible_tasks(self.request.user)

    def _item(self, task: Task, code: int = status.HTTP_200_OK) -> Response:
        return Response(services.task_item(task), status=code)

    @extend_schema(request=TaskCreateSerializer, responses={201: TaskSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        target = None
        target_type, target_id = values.pop("target_type"), values.pop("target_id")
        if target_type:
            target = services.resolve_target(
                actor=request.user, target_type=target_type, target_id=target_id
            )
        with refusals():
            task = services.create_task(actor=request.user, target=target, **values)
        return self._item(services.visible_tasks(request.user).get(pk=task.pk), 201)

    @extend_schema(request=TaskUpdateSerializer, responses=TaskSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        task = self.get_object()
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        with refusals():
            if "assignee" in values:
                task = services.assign_task(
                    actor=request.user, task=task, assignee=values.pop("assignee")
                )
            new_status = values.pop("status", None)
            if values:
                task = services.update_task(actor=request.user, task=task, **values)
            if new_status is not None:
                task = services.set_task_status(actor=request.user, task=task, status=new_status)
        return self._item(self.get_queryset().get(pk=task.pk))

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not kwargs.get("partial"):
            raise exceptions.MethodNotAllowed(request.method)
        return self.partial_update(request, *args, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        task = self.get_object()
        with refusals():
            services.delete_task(actor=request.user, task=task)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def get_serializer_class(self) -> Any:
        return {
            "create": TaskCreateSerializer,
            "partial_update": TaskUpdateSerializer,
            "update": TaskUpdateSerializer,
            "assign": TaskAssignSerializer,
            "set_status": TaskStatusSerializer,
        }.get(self.action, TaskSerializer)

    @extend_schema(request=TaskAssignSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: Any = None) -> Response:
        """Assign the task to a member who may see its object (``null``: nobody)."""
        task = self.get_object()
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        with refusals():
            task = services.assign_task(
                actor=request.user, task=task, assignee=data.validated_data["assignee"]
            )
        return self._item(self.get_queryset().get(pk=task.pk))

    @extend_schema(request=TaskStatusSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def set_status(self, request: Request, pk: Any = None) -> Response:
        """Move the task to another status (its assignee or the workspace's editors)."""
        task = self.get_object()
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        with refusals():
            task = services.set_task_status(
                actor=request.user, task=task, status=data.validated_data["status"]
            )
        return self._item(self.get_queryset().get(pk=task.pk))
