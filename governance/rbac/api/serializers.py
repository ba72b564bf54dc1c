from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from rest_framework import serializers

from pursight import permissions

from .. import roles
from ..models import Collection, Role, RoleAssignment


class CollectionSerializer(serializers.ModelSerializer):
    # Derived from the name, in any script ("финансы"): plain text in the schema, not a pattern
    # that regex engines disagree about outside ASCII.
    slug = serializers.CharField(read_only=True)

    class Meta:
        model = Collection
        fields = ["id", "name", "slug", "parent", "path", "description", "created_at", "updated_at"]
        read_only_fields = ["slug", "path", "created_at", "updated_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and "parent" in fields:
            # A hidden parent answers like a missing one (400), never 403.
            fields["parent"].queryset = permissions.restrict(
                Collection.objects.all(), request.user, permissions.VIEW
            )
        return fields


class RoleSerializer(serializers.ModelSerializer):
    permissions = serializers.SlugRelatedField(
        many=True,
        slug_field="codename",
        queryset=Permission.objects.none(),
        help_text=f"Collection permissions: {', '.join(roles.COLLECTION_PERMISSIONS)}.",
    )

    class Meta:
        model = Role
        fields = ["id", "name", "slug", "description", "permissions", "is_builtin"]
        read_only_fields = ["slug", "is_builtin"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["permissions"].child_relation.queryset = Permission.objects.filter(
            content_type__app_label=Collection._meta.app_label,
            content_type__model=Collection._meta.model_name,
            codename__in=roles.COLLECTION_PERMISSIONS,
        )
        return fields


class RoleAssignmentSerializer(serializers.ModelSerializer):
    role_name = serializers.CharField(source="role.name", read_only=True)
    collection_name = serializers.CharField(source="collection.name", read_only=True)
    principal = serializers.CharField(source="principal_repr", read_only=True)
    user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False, allow_null=True
    )
    group = serializers.PrimaryKeyRelatedField(
        queryset=Group.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = RoleAssignment
        fields = [
            "id",
            "role",
            "role_name",
            "collection",
            "collection_name",
            "user",
            "group",
            "principal",
            "created_at",
            "created_by",
        ]
        read_only_fields = ["created_at", "created_by"]
        validators: list = []  # assign_role is idempotent; exactly one principal is checked below

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            # Only collections the user administers: others answer like missing ones (400).
            fields["collection"].queryset = permissions.allowed_collections(
                request.user, roles.MANAGE_COLLECTION
            )
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs.get("user") is None) == (attrs.get("group") is None):
            raise serializers.ValidationError("Give exactly one of user or group.")
        return attrs
