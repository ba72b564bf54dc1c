from rest_framework import serializers

from ..models import Collection


class CollectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Collection
        fields = ["id", "name", "slug", "parent", "path", "description", "created_at", "updated_at"]
        read_only_fields = ["slug", "path", "created_at", "updated_at"]
