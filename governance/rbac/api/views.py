from __future__ import annotations

from typing import Any

from pursight import permissions
from pursight.api import GovernedModelViewSet

from .. import services
from ..models import Collection
from .serializers import CollectionSerializer


class CollectionViewSet(GovernedModelViewSet):
    queryset = Collection.objects.all()
    serializer_class = CollectionSerializer
    filterset_fields = ["parent"]
    ordering_fields = ["path", "name"]

    def perform_create(self, serializer: Any) -> None:
        parent = serializer.validated_data.get("parent")
        if parent is None or not permissions.can(self.request.user, "add", parent):
            raise permissions.PermissionDenied(
                "You may create collections only under a collection you manage."
            )
        serializer.instance = services.create_collection(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        instance = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(instance, key, value)
        parent = instance.parent
        if parent is not None and not permissions.can(self.request.user, "change", parent):
            raise permissions.PermissionDenied(
                "You may move a collection only under one you manage."
            )
        services.save_collection(actor=self.request.user, collection=instance)

    def perform_destroy(self, instance: Collection) -> None:
        services.delete_collection(actor=self.request.user, collection=instance)
