"""Serializers of the workflows API: a workflow is its definition (the YAML/JSON form), runs
carry their steps, schedules show when they fire next."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import services
from ..choices import Period, RunState, ScheduleKind, StepState, Trigger
from ..models import Schedule, StepRun, Workflow, WorkflowRun


class WorkflowUserSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True, source="get_username")


class StepSpecSerializer(serializers.Serializer):
    """One step of a definition (validated as a whole by the service: types, parameters,
    dependencies, cycles, visibility of the objects it names)."""

    key = serializers.SlugField(max_length=50)
    type = serializers.CharField(max_length=40)
    params = serializers.DictField(required=False, default=dict)
    after = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    retries = serializers.IntegerField(min_value=0, max_value=10, required=False, default=0)
    retry_backoff = serializers.IntegerField(
        min_value=0, max_value=3600, required=False, default=10
    )
    timeout = serializers.IntegerField(min_value=1, required=False, default=3600)


class WorkflowSerializer(serializers.ModelSerializer):
    steps = StepSpecSerializer(many=True, source="step_specs")
    owner = WorkflowUserSerializer(read_only=True)

    class Meta:
        model = Workflow
        fields = [
            "id",
            "name",
            "title",
            "description",
            "collection",
            "owner",
            "enabled",
            "version",
            "steps",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]
        # Names are unique per collection: the service says so once it knows the author
        # manages the collection (a validator here would answer for anyone's collection).
        validators: list = []


class ImportSerializer(serializers.Serializer):
    definition = serializers.CharField(
        help_text="The workflow as YAML or JSON text (what the export gives)."
    )
    replace = serializers.BooleanField(
        default=False, help_text="Replace the workflow of that name if it exists."
    )


class StepRunSerializer(serializers.ModelSerializer):
    state = serializers.ChoiceField(choices=StepState.choices, read_only=True)

    class Meta:
        model = StepRun
        fields = [
            "key",
            "type",
            "state",
            "attempts",
            "started_at",
            "finished_at",
            "not_before",
            "heartbeat_at",
            "worker",
            "result",
            "error",
        ]
        read_only_fields = fields


class WorkflowRunSerializer(serializers.ModelSerializer):
    state = serializers.ChoiceField(choices=RunState.choices, read_only=True)
    trigger = serializers.ChoiceField(choices=Trigger.choices, read_only=True)
    steps = StepRunSerializer(many=True, read_only=True)
    requested_by = WorkflowUserSerializer(read_only=True)

    class Meta:
        model = WorkflowRun
        fields = [
            "id",
            "workflow",
            "state",
            "trigger",
            "requested_by",
            "schedule",
            "created_at",
            "started_at",
            "finished_at",
            "resumed",
            "error",
            "steps",
        ]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    step = serializers.SlugField(help_text="The key of the waiting approval step.")
    approve = serializers.BooleanField(help_text="true approves, false rejects.")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ScheduleSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=ScheduleKind.choices, default=ScheduleKind.CRON)
    period = serializers.ChoiceField(
        choices=Period.choices, required=False, allow_blank=True, default=""
    )
    next_run = serializers.SerializerMethodField()

    class Meta:
        model = Schedule
        validators: list = []  # names unique per collection: checked by the service
        fields = [
            "id",
            "name",
            "workflow",
            "scan",
            "kind",
            "cron",
            "every",
            "period",
            "timezone",
            "enabled",
            "collection",
            "next_run",
            "last_fired_at",
            "last_outcome",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "collection",
            "last_fired_at",
            "last_outcome",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_next_run(self, schedule: Schedule) -> Any:
        when = services.next_run(schedule)
        return serializers.DateTimeField().to_representation(when) if when else None
