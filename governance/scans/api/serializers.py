from rest_framework import serializers

from ..models import COUNTER_FIELDS, Scan, ScanRun, SchemaChange


class ScanSerializer(serializers.ModelSerializer):
    datasource_name = serializers.CharField(source="datasource.name", read_only=True)

    class Meta:
        model = Scan
        fields = [
            "id",
            "name",
            "datasource",
            "datasource_name",
            "rule_set",
            "is_default",
            "description",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_default", "created_at", "updated_at"]


class ScanRunSerializer(serializers.ModelSerializer):
    progress = serializers.FloatField(read_only=True, allow_null=True)
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = ScanRun
        fields = [
            "id",
            "scan",
            "datasource",
            "state",
            "trigger",
            "requested_by",
            "queued_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
            "attempts",
            "cancel_requested",
            "error",
            "warnings",
            "tables_total",
            "tables_done",
            "progress",
            "duration_seconds",
            *COUNTER_FIELDS,
        ]
        read_only_fields = fields


class SchemaChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = SchemaChange
        fields = [
            "id",
            "run",
            "datasource",
            "asset_type",
            "change",
            "qualified_name",
            "display_name",
            "details",
            "at",
        ]
        read_only_fields = fields
