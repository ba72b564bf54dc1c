from rest_framework import serializers

from ..models import DataSource


class DataSourceSerializer(serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Write-only. Omit to keep the stored password; empty string clears it.",
    )
    has_password = serializers.BooleanField(read_only=True)
    options = serializers.JSONField(
        required=False,
        help_text=(
            "Driver options, an object of names and scalar values. Secret-like options (names "
            "with pass, secret, token, key, credential…) are write-only: stored encrypted, never "
            "returned; omit one to keep it, give it an empty string to remove it."
        ),
    )
    has_secret_options = serializers.BooleanField(read_only=True)
    collection_name = serializers.CharField(source="collection.name", read_only=True)

    class Meta:
        model = DataSource
        fields = [
            "id",
            "name",
            "kind",
            "host",
            "port",
            "database",
            "username",
            "password",
            "has_password",
            "options",
            "has_secret_options",
            "collection",
            "collection_name",
            "owner",
            "description",
            "encrypted_at_rest",
            "store_samples",
            "retention_days",
            "last_test_at",
            "last_test_ok",
            "last_test_message",
            "last_scan_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "last_test_at",
            "last_test_ok",
            "last_test_message",
            "last_scan_at",
            "created_at",
            "updated_at",
        ]


class TestResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    message = serializers.CharField()
    code = serializers.CharField(allow_blank=True)
    server_version = serializers.CharField(allow_blank=True)
    latency_ms = serializers.FloatField(allow_null=True)
