from __future__ import annotations

from typing import Any

from rest_framework import permissions, viewsets

from .. import services
from ..models import ScanRuleSet
from .serializers import ScanRuleSetSerializer


class ScanRuleSetViewSet(viewsets.ModelViewSet):
    """Rule sets are shared configuration: any signed-in user reads them; writing needs the
    model permission (granted to platform administrators)."""

    queryset = ScanRuleSet.objects.prefetch_related("classifications")
    serializer_class = ScanRuleSetSerializer
    permission_classes = [permissions.IsAuthenticated, permissions.DjangoModelPermissions]
    filterset_fields = ["source_kind", "is_system"]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        classifications = data.pop("classifications", None)
        serializer.instance = services.save_rule_set(
            actor=self.request.user,
            rule_set=ScanRuleSet(**data),
            classifications=classifications,
        )

    def perform_update(self, serializer: Any) -> None:
        instance = serializer.instance
        data = dict(serializer.validated_data)
        classifications = data.pop("classifications", None)
        for key, value in data.items():
            setattr(instance, key, value)
        services.save_rule_set(
            actor=self.request.user, rule_set=instance, classifications=classifications
        )
