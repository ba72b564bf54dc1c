from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.classifications.models import Classification
from pursight import permissions

from ..models import CatalogColumn, CatalogSchema, CatalogTable, ColumnContainment
from .classification_serializers import ClassificationSummarySerializer

#: The attribute the column list's prefetch fills with the containments the user may see.
VISIBLE_CONTAINMENTS = "visible_containments"


def visible_containments(user: Any) -> QuerySet:
    """Containments the user may view (their column's collection), of info types the user may
    view, the largest share first."""
    return permissions.restrict(
        ColumnContainment.objects.filter(
            classification__in=permissions.restrict(Classification.objects.all(), user)
        )
        .select_related("classification")
        .order_by("-share", "classification__name"),
        user,
    )


ASSET_FIELDS = [
    "id",
    "name",
    "qualified_name",
    "display_qualified_name",
    "datasource",
    "datasource_name",
    "description",
    "owner",
    "first_seen",
    "last_seen",
    "removed_at",
]
READ_ONLY = [f for f in ASSET_FIELDS if f not in ("description", "owner")]


class AssetSerializer(serializers.ModelSerializer):
    datasource_name = serializers.CharField(source="datasource.name", read_only=True)
    display_qualified_name = serializers.CharField(
        read_only=True,
        help_text="The qualified name with the data source's name; qualified_name is the key.",
    )


class SchemaSerializer(AssetSerializer):
    class Meta:
        model = CatalogSchema
        fields = ASSET_FIELDS
        read_only_fields = READ_ONLY


class TableSerializer(AssetSerializer):
    schema_name = serializers.CharField(source="schema.name", read_only=True)
    sensitivity_label = serializers.CharField(read_only=True, default=None, allow_null=True)

    class Meta:
        model = CatalogTable
        fields = [
            *ASSET_FIELDS,
            "schema",
            "schema_name",
            "kind",
            "comment",
            "definition",
            "row_estimate",
            "sensitivity_label",
        ]
        read_only_fields = [*READ_ONLY, "schema", "kind", "comment", "definition", "row_estimate"]


class ContainmentSerializer(serializers.ModelSerializer):
    """Sensitive data found inside the column's text: masked evidence only."""

    info_type = serializers.CharField(source="classification.code", read_only=True)
    info_type_name = serializers.CharField(source="classification.name", read_only=True)
    share = serializers.FloatField(
        read_only=True, help_text="Share of the sampled non-null values that contain it (0-1)."
    )
    matched = serializers.IntegerField(read_only=True, help_text="Sampled values containing it.")
    sampled = serializers.IntegerField(read_only=True, help_text="Sampled non-null values.")
    evidence = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Masked matches."
    )

    class Meta:
        model = ColumnContainment
        fields = [
            "info_type",
            "info_type_name",
            "share",
            "matched",
            "sampled",
            "evidence",
            "scan_run_id",
            "found_at",
        ]
        read_only_fields = fields


class ColumnSerializer(AssetSerializer):
    classifications = ClassificationSummarySerializer(many=True, read_only=True)
    contains = serializers.SerializerMethodField(
        help_text="Sensitive data found inside the column's text (an e-mail address in a notes "
        "column), apart from what the column itself is; written by scans, read-only."
    )
    table_name = serializers.CharField(source="table.name", read_only=True)
    schema_name = serializers.CharField(source="table.schema.name", read_only=True)
    profile = serializers.SerializerMethodField()

    class Meta:
        model = CatalogColumn
        fields = [
            *ASSET_FIELDS,
            "table",
            "table_name",
            "schema_name",
            "data_type",
            "nullable",
            "ordinal",
            "default",
            "comment",
            "profile",
            "classifications",
            "contains",
        ]
        read_only_fields = [
            *READ_ONLY,
            "table",
            "data_type",
            "nullable",
            "ordinal",
            "default",
            "comment",
        ]

    def get_profile(self, obj: CatalogColumn) -> dict:
        return {
            "sample_size": obj.sample_size,
            "null_fraction": obj.null_fraction,
            "distinct_count": obj.distinct_count,
            "distinct_label": obj.distinct_label,
            "min_length": obj.min_length,
            "max_length": obj.max_length,
            "top_values": obj.top_values,
        }

    @extend_schema_field(ContainmentSerializer(many=True))
    def get_contains(self, obj: CatalogColumn) -> list[dict[str, Any]]:
        rows = getattr(obj, VISIBLE_CONTAINMENTS, None)
        if rows is None:  # an instance not loaded by the view (the answer to a PATCH)
            rows = list(visible_containments(self.context["request"].user).filter(column=obj))
        return ContainmentSerializer(rows, many=True, context=self.context).data
