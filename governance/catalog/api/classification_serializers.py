from __future__ import annotations

from rest_framework import serializers

from governance.classifications.models import Classification

from ..models import ColumnClassification


class ColumnClassificationSerializer(serializers.ModelSerializer):
    """Masked evidence and reasons only: no sampled value is ever part of a classification."""

    classification = serializers.SlugRelatedField(
        slug_field="code", queryset=Classification.objects.filter(is_active=True)
    )
    classification_name = serializers.CharField(source="classification.name", read_only=True)
    category = serializers.CharField(source="classification.category", read_only=True)
    column_name = serializers.CharField(source="column.name", read_only=True)
    table = serializers.IntegerField(source="column.table_id", read_only=True)
    table_name = serializers.CharField(source="column.table.name", read_only=True)
    schema_name = serializers.CharField(source="column.table.schema.name", read_only=True)
    datasource_name = serializers.CharField(source="datasource.name", read_only=True)
    sensitivity_label = serializers.SlugRelatedField(
        slug_field="name", read_only=True, allow_null=True
    )
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    note = serializers.CharField(write_only=True, required=False, allow_blank=True)
    # Plain strings in the schema: "status" and "source" name other choice sets elsewhere.
    status = serializers.CharField(read_only=True, help_text="suggested, accepted or rejected")
    source = serializers.CharField(read_only=True, help_text="rule, model, rule+model or manual")

    class Meta:
        model = ColumnClassification
        fields = [
            "id",
            "column",
            "column_name",
            "table",
            "table_name",
            "schema_name",
            "datasource",
            "datasource_name",
            "classification",
            "classification_name",
            "category",
            "confidence",
            "source",
            "status",
            "reasons",
            "evidence",
            "model_version",
            "sensitivity_label",
            "disagreement",
            "disagreement_details",
            "decided_by",
            "decided_at",
            "created_at",
            "updated_at",
            "note",
        ]
        read_only_fields = [f for f in fields if f not in ("column", "classification", "note")]


class ClassificationSummarySerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="classification.code")
    label = serializers.CharField(source="sensitivity_label.name", default=None, allow_null=True)

    class Meta:
        model = ColumnClassification
        fields = ["type", "confidence", "status", "source", "label"]


class RollupSerializer(serializers.Serializer):
    """One visible data source in the roll-up (the response is a list of these)."""

    datasource = serializers.IntegerField()
    datasource_name = serializers.CharField()
    sensitivity_label = serializers.CharField(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="by status")
