from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from ..choices import FindingStatus
from ..models import ComplianceReport, Control, EvaluationRun, Finding, Framework, Rule


class FrameworkSerializer(serializers.ModelSerializer):
    is_builtin = serializers.BooleanField(read_only=True)

    class Meta:
        model = Framework
        fields = [
            "id",
            "code",
            "name",
            "version",
            "description",
            "url",
            "enabled",
            "is_builtin",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class ControlSerializer(serializers.ModelSerializer):
    class Meta:
        model = Control
        fields = ["id", "framework", "code", "title", "description"]


class RuleSerializer(serializers.ModelSerializer):
    framework = serializers.PrimaryKeyRelatedField(read_only=True)
    is_builtin = serializers.BooleanField(read_only=True)
    locally_edited = serializers.SerializerMethodField()

    class Meta:
        model = Rule
        fields = ["id", *Rule.editable_fields, "is_builtin", "locally_edited"]

    def get_locally_edited(self, obj: Rule) -> list[str]:
        return obj.locally_edited_fields()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Model validation (scope and condition) runs in the service, inside its transaction.
        return attrs


class FindingSerializer(serializers.ModelSerializer):
    rule_code = serializers.CharField(source="rule.code", read_only=True)
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    framework_code = serializers.CharField(source="framework.code", read_only=True)
    datasource_name = serializers.CharField(source="datasource.name", read_only=True)
    collection = serializers.IntegerField(source="datasource.collection_id", read_only=True)
    assignee_name = serializers.SerializerMethodField()
    remediation = serializers.CharField(source="rule.remediation", read_only=True)
    # Annotated by Finding's manager: the later of its own and its rule's last confirmation.
    last_seen = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "framework",
            "framework_code",
            "rule",
            "rule_code",
            "rule_name",
            "asset_type",
            "asset_id",
            "asset_name",
            "qualified_name",
            "datasource",
            "datasource_name",
            "collection",
            "status",
            "severity",
            "evidence",
            "first_seen",
            "last_seen",
            "closed_at",
            "closed_by_run",
            "assignee",
            "assignee_name",
            "due_date",
            "justification",
            "risk_expires_on",
            "reason",
            "remediation",
        ]
        read_only_fields = fields

    def get_assignee_name(self, obj: Finding) -> str | None:
        return obj.assignee.get_username() if obj.assignee else None


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=FindingStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    justification = serializers.CharField(required=False, allow_blank=True, default="")
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), allow_null=True
    )
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class EvaluateSerializer(serializers.Serializer):
    datasource = serializers.IntegerField(required=False, allow_null=True, default=None)


class EvaluationRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvaluationRun
        fields = [
            "id",
            "framework",
            "datasource",
            "trigger",
            "state",
            "started_at",
            "finished_at",
            "rules_evaluated",
            "rules_skipped",
            "assets_checked",
            "findings_opened",
            "findings_closed",
            "findings_open",
            "score",
            "details",
        ]
        read_only_fields = fields

    def to_representation(self, instance: EvaluationRun) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not instance.assets_checked:  # no asset checked: no score (older runs stored one)
            data["score"] = None
        return data


class ReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplianceReport
        fields = [
            "id",
            "framework",
            "format",
            "state",
            "requested_at",
            "finished_at",
            "filename",
            "size",
            "findings_count",
            "error",
        ]
        read_only_fields = [
            "state",
            "requested_at",
            "finished_at",
            "filename",
            "size",
            "findings_count",
            "error",
        ]


class AcknowledgeChangesSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=10000,
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
