from __future__ import annotations

from rest_framework import serializers

from ..models import Classification, SensitivityLabel
from ..services import RULE_FIELDS


class ClassificationSerializer(serializers.ModelSerializer):
    default_label = serializers.SlugRelatedField(
        slug_field="name", queryset=SensitivityLabel.objects.all()
    )
    label = serializers.SerializerMethodField()

    class Meta:
        model = Classification
        fields = ["id", *RULE_FIELDS, "label", "is_system", "created_at", "updated_at"]
        read_only_fields = ["is_system", "created_at", "updated_at"]
        extra_kwargs = {"code": {"validators": []}}

    def get_label(self, obj: Classification) -> str:
        policy = getattr(obj, "label_policy", None)
        return (policy.label if policy else obj.default_label).name
