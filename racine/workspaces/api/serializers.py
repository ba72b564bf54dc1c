"""Serializers of the workspaces API. Members and pins are read here and changed through the
workspace's actions (services); pins show only targets the gate lets the reader see."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import pinning, services
from ..choices import WorkspaceRole, WorkspaceStatus
from ..models import Membership, Pin, SavedSearch, Workspace


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True, source="get_username")
    name = serializers.SerializerMethodField()

    def get_name(self, user: Any) -> str:
        return services.display_name(user)


class MemberSerializer(serializers.ModelSerializer):
    user = UserRefSerializer(read_only=True)
    role = serializers.ChoiceField(choices=WorkspaceRole.choices, read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "role"]


class SensitivitySerializer(serializers.Serializer):
    name = serializers.CharField()
    rank = serializers.IntegerField()
    color = serializers.CharField()


class ReviewSerializer(serializers.Serializer):
    decided = serializers.IntegerField(help_text="Classifications accepted or rejected.")
    total = serializers.IntegerField(help_text="Classifications of the asset's live columns.")


class ScanSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The scan run.")
    state = serializers.CharField()
    progress = serializers.FloatField(allow_null=True, help_text="0 to 1, when known.")


class FindingSummarySerializer(serializers.Serializer):
    severity = serializers.CharField()
    status = serializers.CharField()
    rule = serializers.CharField()


class PinTargetSerializer(serializers.Serializer):
    """A pinned object as described by :func:`racine.workspaces.pinning.describe_object`."""

    type = serializers.CharField(help_text="Lower-case model label, e.g. catalog.catalogtable.")
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.CharField(help_text="Its page in the admin.")
    kind = serializers.CharField(help_text="What it is, for people (table or view, column...).")
    context = serializers.CharField(help_text="Where it lives (its data source...).")
    sensitivity = SensitivitySerializer(
        allow_null=True, help_text="Highest label of its accepted or suggested classifications."
    )
    review = ReviewSerializer(allow_null=True, help_text="Classification-review progress.")
    scan = ScanSummarySerializer(
        allow_null=True, help_text="A data source's or scan's latest run; a run's own state."
    )
    finding = FindingSummarySerializer(allow_null=True)
    search_url = serializers.CharField(allow_null=True, help_text="A saved search's results.")


class PinSerializer(serializers.ModelSerializer):
    target = serializers.SerializerMethodField()
    pinned_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Pin
        fields = ["id", "target", "note", "pinned_by", "created_at"]
        read_only_fields = fields

    @extend_schema_field(PinTargetSerializer)
    def get_target(self, pin: Pin) -> dict[str, Any] | None:
        described = self.context.get("pin_targets")
        if described is None or pin.pk not in described:
            described = pinning.describe_pins([pin])
        return described.get(pin.pk)


class WorkspaceListSerializer(serializers.ListSerializer):
    """Describes the pins of every workspace of the page at once (one query per kind)."""

    def to_representation(self, data: Any) -> list[Any]:
        items = list(data.all() if hasattr(data, "all") else data)
        pins = [p for ws in items for p in getattr(ws, "visible_pins", ())]
        self.child.context["pin_targets"] = pinning.describe_pins(pins)
        return super().to_representation(items)


class WorkspaceSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(
        choices=WorkspaceStatus.choices,
        required=False,
        help_text="A new workspace is draft or active (the default). Later the status changes "
        "with the archive, restore and activate actions.",
    )
    my_role = serializers.SerializerMethodField(help_text="Your role (null: not a member).")
    members = serializers.SerializerMethodField()
    pins = serializers.SerializerMethodField(help_text="Only pins of objects you may see.")

    class Meta:
        model = Workspace
        fields = [
            "id",
            "name",
            "description",
            "status",
            "archived_at",
            "notes",
            "my_role",
            "members",
            "pins",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["archived_at", "notes", "created_at", "updated_at"]
        list_serializer_class = WorkspaceListSerializer

    def validate_status(self, value: str) -> str:
        if self.instance is None:
            if value not in (WorkspaceStatus.DRAFT, WorkspaceStatus.ACTIVE):
                raise serializers.ValidationError("A new workspace is a draft or active.")
        elif value != self.instance.status:
            raise serializers.ValidationError(
                "Change the status with the archive, restore and activate actions."
            )
        return value

    def _memberships(self, ws: Workspace) -> list[Membership]:
        return list(ws.memberships.all())

    @extend_schema_field({"type": "string", "enum": list(WorkspaceRole.values), "nullable": True})
    def get_my_role(self, ws: Workspace) -> str | None:
        request = self.context.get("request")
        user_id = getattr(getattr(request, "user", None), "pk", None)
        return next((m.role for m in self._memberships(ws) if m.user_id == user_id), None)

    @extend_schema_field(MemberSerializer(many=True))
    def get_members(self, ws: Workspace) -> list[Any]:
        return MemberSerializer(self._memberships(ws), many=True).data

    @extend_schema_field(PinSerializer(many=True))
    def get_pins(self, ws: Workspace) -> list[Any]:
        pins = getattr(ws, "visible_pins", None)
        if pins is None:
            request = self.context.get("request")
            pins = list(
                pinning.visible_pins(
                    getattr(request, "user", None), Pin.objects.filter(workspace=ws)
                ).select_related("pinned_by")
            )
        described = self.context.get("pin_targets")
        if described is None or any(p.pk not in described for p in pins):
            described = pinning.describe_pins(pins)
        context = {**self.context, "pin_targets": described}
        shown = [p for p in pins if p.pk in described]
        return PinSerializer(shown, many=True, context=context).data


class InviteSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        error_messages={
            "does_not_exist": services.NO_SUCH_USER,
            "incorrect_type": services.NO_SUCH_USER,
        },
        help_text="A user you may name (the same answer for an unknown one).",
    )
    role = serializers.ChoiceField(choices=WorkspaceRole.choices, default=WorkspaceRole.VIEWER)


class MemberRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=WorkspaceRole.choices)


class TransferSerializer(serializers.Serializer):
    user = serializers.IntegerField(min_value=1, help_text="A member of the workspace.")


class NewPinSerializer(serializers.Serializer):
    target_type = serializers.CharField(
        max_length=100,
        help_text="Lower-case model label of a pinnable kind: "
        "rbac.collection, datasources.datasource, catalog.catalogschema, catalog.catalogtable, "
        "catalog.catalogcolumn, scans.scan, scans.scanrun, compliance.finding, "
        "workspaces.savedsearch.",
    )
    target_id = serializers.IntegerField(min_value=1)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class SavedSearchSerializer(serializers.ModelSerializer):
    filters = serializers.JSONField(
        required=False, help_text='Catalog facets, e.g. {"datasource": "3", "data_type": "text"}.'
    )
    search_url = serializers.SerializerMethodField()

    class Meta:
        model = SavedSearch
        fields = [
            "id",
            "workspace",
            "name",
            "query",
            "filters",
            "search_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []  # the service says which name is taken, in plain words

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["workspace"].read_only = True  # a saved search stays in its workspace
        return fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_search_url(self, search: SavedSearch) -> str:
        return pinning.saved_search_url(search)
