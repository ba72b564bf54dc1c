"""Serializers of the activity API. Items are written by :mod:`racine.activity.services`
(``activity_item``, ``notification_item``): the API and the live events show the same thing;
the fields below describe it for the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .. import services
from ..models import NotificationPreference


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TargetSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="Its model's lower-case label: catalog.catalogtable...")
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="The target's name when the event happened.")
    url = serializers.CharField(allow_null=True, help_text="Its page in the admin.")


class ActivityEventSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text="e.g. scan.failed, comment.created.")
    created_at = serializers.DateTimeField(read_only=True)
    actor = PersonSerializer(read_only=True, allow_null=True)
    target = TargetSerializer(read_only=True)
    summary = serializers.CharField(read_only=True, help_text="The event in one sentence.")
    data = serializers.JSONField(read_only=True, help_text="The event's details, by kind.")
    workspace = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Set for a workspace's own events."
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return services.activity_item(instance)


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=services.NOTIFICATION_KIND_CHOICES, read_only=True)
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True)
    event = serializers.IntegerField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    read_at = serializers.DateTimeField(read_only=True, allow_null=True)
    read = serializers.BooleanField(read_only=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return services.notification_item(instance)


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were marked read.")
    unread = serializers.IntegerField()


class NotificationPreferenceSerializer(serializers.ModelSerializer):
    muted_kinds = serializers.MultipleChoiceField(
        choices=services.NOTIFICATION_KIND_CHOICES,
        required=False,
        help_text="Kinds of notification not to receive.",
    )
    email = serializers.BooleanField(
        required=False, help_text="Also send each notification by e-mail (title and link only)."
    )
    kinds = serializers.SerializerMethodField(help_text="Every kind, with its description.")

    class Meta:
        model = NotificationPreference
        fields = ["muted_kinds", "email", "kinds"]

    def get_kinds(self, obj: Any) -> dict[str, str]:
        return dict(services.NOTIFICATION_KINDS)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["muted_kinds"] = sorted(data["muted_kinds"] or [])
        return data
