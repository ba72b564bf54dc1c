from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from rest_framework import exceptions, permissions, viewsets

from pursight import permissions as gate

from .. import services
from ..models import Classification
from .serializers import ClassificationSerializer


class CanManageClassifications(permissions.BasePermission):
    """Any signed-in user reads; curators (curate_catalog somewhere) create and edit."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if request.method.lower() not in view.http_method_names:
            return True  # answered 405 by the view

        return services.can_manage(request.user)


class ClassificationViewSet(viewsets.ModelViewSet):
    queryset = Classification.objects.select_related("default_label", "label_policy__label")
    serializer_class = ClassificationSerializer
    permission_classes = [permissions.IsAuthenticated, CanManageClassifications]
    filterset_fields = ["is_system", "is_active", "category"]
    search_fields = ["code", "name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _save(self, obj: Classification) -> Classification:
        try:
            return services.save_classification(actor=self.request.user, classification=obj)
        except ValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict) from None
        except gate.PermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from None

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = self._save(Classification(**serializer.validated_data))

    def perform_update(self, serializer: Any) -> None:
        obj = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(obj, key, value)
        serializer.instance = self._save(obj)
