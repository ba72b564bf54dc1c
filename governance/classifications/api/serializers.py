from __future__ import annotations

from rest_framework import serializers

from ..models import Classification, SensitivityLabel


class ClassificationSerializer(serializers.ModelSerializer):
    default_label = serializers.SlugRelatedField(
        slug_field="name", queryset=SensitivityLabel.objects.all()
    )
    label = serializers.SerializerMethodField()

    class Meta:
        model = Classification
        fields = [
            "id",
            "code",
            "name",
            "description",
            "category",
            "default_label",
            "label",
            "is_system",
            "is_active",
            "value_regex",
            "column_name_regex",
            "dictionary_values",
            "validator",
            "min_match_ratio",
            "data_types",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_system", "created_at", "updated_at"]
        extra_kwargs = {"code": {"validators": []}}

    def get_label(self, obj: Classification) -> str:
        policy = getattr(obj, "label_policy", None)
        return (policy.label if policy else obj.default_label).name
