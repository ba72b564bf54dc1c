"""Serializers of approval requests, decisions and access requests (no query per row: the
viewsets select and prefetch what they read)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.rbac.models import Collection, Role
from pursight import changes

from ..models import AccessRequest, ApprovalDecision, ApprovalRequest, Decision


def _person(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.get_username()}


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    }
)
class PersonField(serializers.Field):
    def to_representation(self, value: Any) -> Any:
        return _person(value)


class DecisionSerializer(serializers.ModelSerializer):
    reviewer = PersonField(read_only=True)

    class Meta:
        model = ApprovalDecision
        fields = ["reviewer", "decision", "comment", "created_at"]


class ApprovalRequestSerializer(serializers.ModelSerializer):
    kind_label = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()
    requested_by = PersonField(read_only=True)
    reviewers = serializers.SerializerMethodField()
    decisions = DecisionSerializer(many=True, read_only=True)
    approvals = serializers.SerializerMethodField()
    review_url = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "kind",
            "kind_label",
            "summary",
            "target",
            "collection",
            "payload",
            "requested_by",
            "reviewers",
            "quorum",
            "required",
            "approvals",
            "status",
            "created_at",
            "due_at",
            "escalated_at",
            "decided_at",
            "error",
            "decisions",
            "review_url",
        ]
        read_only_fields = fields

    def get_kind_label(self, obj: ApprovalRequest) -> str:
        return changes.label_of(obj.kind)

    def get_target(self, obj: ApprovalRequest) -> dict[str, Any] | None:
        if obj.target_type_id is None:
            return None
        ct = obj.target_type
        return {"type": f"{ct.app_label}.{ct.model}", "id": obj.target_id, "name": obj.target_repr}

    def get_reviewers(self, obj: ApprovalRequest) -> list[dict[str, Any]]:
        return [_person(u) for u in obj.reviewers.all()]

    def get_approvals(self, obj: ApprovalRequest) -> int:
        return sum(1 for d in obj.decisions.all() if d.decision == Decision.APPROVE)

    def get_review_url(self, obj: ApprovalRequest) -> str:
        from ..services import review_url

        return review_url(obj)


class DecideSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class AccessRequestSerializer(serializers.ModelSerializer):
    requester = PersonField(read_only=True)
    collection = serializers.PrimaryKeyRelatedField(queryset=Collection.objects.all())
    role = serializers.PrimaryKeyRelatedField(queryset=Role.objects.all())
    approval = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = AccessRequest
        fields = [
            "id",
            "requester",
            "collection",
            "role",
            "justification",
            "expires_at",
            "status",
            "approval",
            "created_at",
            "granted_at",
            "ended_at",
        ]
        read_only_fields = ["status", "approval", "created_at", "granted_at", "ended_at"]


User = get_user_model()
