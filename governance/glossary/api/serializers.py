from __future__ import annotations

from typing import Any

from rest_framework import serializers

from pursight.api import PeopleField

from ..choices import AssetType, TermStatus
from ..models import (
    Category,
    Tag,
    TagAssignment,
    TagRule,
    TagSet,
    Term,
    TermAssignment,
    TermSuggestion,
)


class TagBriefSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Tag
        fields = ["id", "name", "full_name", "description"]


class TagSetSerializer(serializers.ModelSerializer):
    tags = TagBriefSerializer(many=True, read_only=True)

    class Meta:
        model = TagSet
        fields = ["id", "name", "description", "mutually_exclusive", "tags", "updated_at"]
        read_only_fields = ["updated_at"]


class TagSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)
    tag_set_name = serializers.CharField(source="tag_set.name", read_only=True)
    assets = serializers.IntegerField(
        source="visible_count", read_only=True, help_text="Visible assets carrying the tag."
    )

    class Meta:
        model = Tag
        fields = ["id", "tag_set", "tag_set_name", "name", "full_name", "description", "assets"]

    def validate_tag_set(self, value: TagSet) -> TagSet:
        if self.instance is not None and value.pk != self.instance.tag_set_id:
            raise serializers.ValidationError("A tag cannot move to another set.")
        return value


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "parent", "full_name", "description"]
        read_only_fields = ["full_name"]


class TermSerializer(serializers.ModelSerializer):
    synonyms = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=200
    )
    owners = PeopleField(many=True, required=False)
    stewards = PeopleField(many=True, required=False)
    linked_assets = serializers.IntegerField(
        source="visible_count", read_only=True, help_text="Visible assets linked to the term."
    )

    class Meta:
        model = Term
        fields = [
            "id", "name", "abbreviation", "definition", "definition_html", "synonyms",
            "status", "status_changed_at", "categories", "related", "owners", "stewards",
            "linked_assets", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "definition_html", "status", "status_changed_at", "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {"name": {"validators": []}}


class TermTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=TermStatus.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class TermTransitionResultSerializer(serializers.Serializer):
    applied = serializers.BooleanField()
    pending = serializers.CharField(allow_null=True)
    term = TermSerializer()


class TermImportSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="The CSV file (multipart).")
    csv = serializers.CharField(required=False, help_text="Or the CSV text itself.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("file") and not attrs.get("csv"):
            raise serializers.ValidationError("Send a CSV file (file) or its text (csv).")
        return attrs


class TermImportResultSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.CharField())
    updated = serializers.ListField(child=serializers.CharField())
    unchanged = serializers.ListField(child=serializers.CharField())


class LinkSerializer(serializers.ModelSerializer):
    asset_type = serializers.ChoiceField(choices=AssetType.choices)
    asset_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    asset_name = serializers.SerializerMethodField()

    def get_asset_name(self, obj: Any) -> str:
        asset = obj.asset
        return getattr(asset, "display_name", None) or str(asset)


class TagAssignmentSerializer(LinkSerializer):
    tag_name = serializers.CharField(source="tag.full_name", read_only=True)
    replace = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Replace another tag of a mutually exclusive set on the asset.",
    )

    class Meta:
        model = TagAssignment
        fields = [
            "id", "tag", "tag_name", "asset_type", "asset_id", "asset_name", "datasource",
            "source", "rule", "created_at", "replace",
        ]  # fmt: skip
        read_only_fields = ["datasource", "source", "rule", "created_at"]
        validators: list[Any] = []


class TermAssignmentSerializer(LinkSerializer):
    term_name = serializers.CharField(source="term.name", read_only=True)

    class Meta:
        model = TermAssignment
        fields = [
            "id", "term", "term_name", "asset_type", "asset_id", "asset_name", "datasource",
            "source", "created_at",
        ]  # fmt: skip
        read_only_fields = ["datasource", "source", "created_at"]
        validators: list[Any] = []


class TermSuggestionSerializer(serializers.ModelSerializer):
    term_name = serializers.CharField(source="term.name", read_only=True)

    class Meta:
        model = TermSuggestion
        fields = [
            "id", "term", "term_name", "asset_type", "asset_id", "asset_name", "datasource",
            "score", "matched", "status", "decided_at",
        ]  # fmt: skip
        read_only_fields = fields


class TagRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = TagRule
        fields = [
            "id", "name", "tag", "rule_set", "target", "name_pattern", "classification",
            "enabled", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["updated_at"]
