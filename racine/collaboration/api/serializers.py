"""Serializers of comments and tasks.

The read serializers declare the shape for the OpenAPI schema and render through the
services' ``comment_item``/``task_item``, which the live events send too: one shape, on the
wire and on the socket. Writes are validated here and carried out by the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from racine.workspaces.models import Workspace

from .. import services
from ..choices import TaskKind, TaskStatus
from ..models import Comment, Task
from ..services.comments import MAX_BODY


class ObjectRefSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="Lower-case model label, e.g. catalog.catalogtable")
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.CharField(allow_null=True, help_text="Its page in the admin")


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CommentSerializer(serializers.ModelSerializer):
    parent = serializers.IntegerField(
        source="parent_id", allow_null=True, help_text="The thread's first comment (null for it)"
    )
    target = ObjectRefSerializer()
    author = PersonRefSerializer(allow_null=True)
    body = serializers.CharField(help_text="Markdown as written")
    body_html = serializers.CharField(help_text="Rendered and sanitised")
    deleted = serializers.BooleanField()
    resolved_by = PersonRefSerializer(allow_null=True)
    reply_count = serializers.IntegerField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "parent",
            "target",
            "author",
            "body",
            "body_html",
            "created_at",
            "edited_at",
            "deleted",
            "resolved_at",
            "resolved_by",
            "reply_count",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Comment) -> dict[str, Any]:
        return services.comment_item(instance)


class TargetInputMixin(serializers.Serializer):
    target_type = serializers.CharField(
        max_length=100, help_text="The model's lower-case label, e.g. compliance.finding"
    )
    target_id = serializers.IntegerField(min_value=0)


class CommentCreateSerializer(TargetInputMixin):
    body = serializers.CharField(max_length=MAX_BODY, help_text="Markdown; @username mentions")
    parent = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="The comment replied to"
    )


class CommentEditSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_BODY)


class MentionableQuerySerializer(TargetInputMixin):
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)


class MentionableSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()


class TaskSerializer(serializers.ModelSerializer):
    target = ObjectRefSerializer(allow_null=True)
    assignee = PersonRefSerializer(allow_null=True)
    created_by = PersonRefSerializer(allow_null=True)
    overdue = serializers.BooleanField(help_text="Still to do after its due date")

    class Meta:
        model = Task
        fields = [
            "id",
            "workspace",
            "title",
            "description",
            "kind",
            "target",
            "assignee",
            "due_date",
            "status",
            "overdue",
            "created_by",
            "created_at",
            "completed_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Task) -> dict[str, Any]:
        return services.task_item(instance)


def _people() -> Any:
    return get_user_model()._default_manager.filter(is_active=True)


class TaskCreateSerializer(serializers.Serializer):
    workspace = serializers.PrimaryKeyRelatedField(queryset=Workspace.objects.all())
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=TaskKind.choices, default=TaskKind.OTHER)
    target_type = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100
    )
    target_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=_people(), required=False, allow_null=True, default=None
    )
    due_date = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("target_type")) != (attrs.get("target_id") is not None):
            raise serializers.ValidationError(
                {"target_id": "Give target_type and target_id together."}
            )
        return attrs


class TaskUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    kind = serializers.ChoiceField(required=False, choices=TaskKind.choices)
    due_date = serializers.DateField(required=False, allow_null=True)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=_people(), required=False, allow_null=True
    )
    status = serializers.ChoiceField(required=False, choices=TaskStatus.choices)


class TaskAssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=_people(), allow_null=True)


class TaskStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TaskStatus.choices)
