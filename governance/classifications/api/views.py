from __future__ import annotations

from typing import Any

from pursight.api import GovernedModelViewSet

from .. import services
from ..models import Classification
from .serializers import ClassificationSerializer


class ClassificationViewSet(GovernedModelViewSet):
    """Info types (system and custom), global to the platform: any signed-in user reads them;
    creating and changing them needs ``curate_catalog`` platform-wide (the gate's registration
    of ``classifications.Classification``). They are deactivated, never deleted."""

    queryset = Classification.objects.select_related("default_label", "label_policy__label")
    serializer_class = ClassificationSerializer
    filterset_fields = ["is_system", "is_active", "category"]
    search_fields = ["code", "name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.save_classification(
            actor=self.request.user, classification=Classification(**serializer.validated_data)
        )

    def perform_update(self, serializer: Any) -> None:
        obj = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(obj, key, value)
        serializer.instance = services.save_classification(
            actor=self.request.user, classification=obj
        )
