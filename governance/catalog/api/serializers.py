from rest_framework import serializers

from ..models import CatalogColumn, CatalogSchema, CatalogTable
from .classification_serializers import ClassificationSummarySerializer

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


class ColumnSerializer(AssetSerializer):
    classifications = ClassificationSummarySerializer(many=True, read_only=True)
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
