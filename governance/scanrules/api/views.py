from __future__ import annotations

from typing import Any

from rest_framework import permissions, viewsets

from .. import services
from ..models import ScanRuleSet
from .serializers import ScanRuleSetSerializer


class ScanRuleSetViewSet(viewsets.ModelViewSet):
    """Rule sets are shared configuration: any signed-in user reads them; writing needs the
    model permission (granted to platform administrators)."""

    queryset = ScanRuleSet.objects.all()
    serializer_class = ScanRuleSetSerializer
    permission_classes = [permissions.IsAuthenticated, permissions.DjangoModelPermissions]
    filterset_fields = ["source_kind", "is_system"]

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.save_rule_set(
            actor=self.request.user, rule_set=ScanRuleSet(**serializer.validated_data)
        )

    def perform_update(self, serializer: Any) -> None:
        instance = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(instance, key, value)
        services.save_rule_set(actor=self.request.user, rule_set=instance)
