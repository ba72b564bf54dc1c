from rest_framework import serializers

from governance.classifications.models import Classification

from ..models import ScanRuleSet


class ScanRuleSetSerializer(serializers.ModelSerializer):
    classifications = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        required=False,
        queryset=Classification.objects.all(),
        help_text="Classification codes applied; empty: every active system classification.",
    )

    class Meta:
        model = ScanRuleSet
        fields = [
            "id",
            "name",
            "description",
            "source_kind",
            "is_system",
            "include_schemas",
            "exclude_schemas",
            "include_tables",
            "exclude_tables",
            "exclude_columns",
            "include_views",
            "sample_size",
            "sample_method",
            "classifications",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_system", "created_at", "updated_at"]

    def validate(self, attrs: dict) -> dict:
        for key in (
            "include_schemas",
            "exclude_schemas",
            "include_tables",
            "exclude_tables",
            "exclude_columns",
        ):
            value = attrs.get(key)
            if value is not None and (
                not isinstance(value, list) or not all(isinstance(v, str) for v in value)
            ):
                raise serializers.ValidationError({key: "A list of pattern strings is expected."})
        return attrs
