from __future__ import annotations

from typing import Any

from pursight.api import GovernedModelViewSet, conflict_on_refusal

from .. import services
from ..models import ScanRuleSet
from .serializers import ScanRuleSetSerializer


class ScanRuleSetViewSet(GovernedModelViewSet):
    """Rule sets are shared by every collection's scans: any signed-in user reads them; writing
    needs ``manage_datasources`` platform-wide (the gate's registration of
    ``scanrules.ScanRuleSet``)."""

    queryset = ScanRuleSet.objects.prefetch_related("classifications")
    serializer_class = ScanRuleSetSerializer
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

    def perform_destroy(self, instance: ScanRuleSet) -> None:
        with conflict_on_refusal():
            services.delete_rule_set(actor=self.request.user, rule_set=instance)
