from __future__ import annotations

from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pursight.api import GovernedModelViewSet

from .. import services
from ..models import DataSource
from .serializers import DataSourceSerializer, TestResultSerializer


class DataSourceViewSet(GovernedModelViewSet):
    queryset = DataSource.objects.select_related("collection", "owner")
    serializer_class = DataSourceSerializer
    filterset_fields = ["kind", "collection", "owner"]
    search_fields = ["name", "host", "database", "description"]
    ordering_fields = ["name", "kind", "last_scan_at", "created_at"]
    gate_actions = {"test": "test"}

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        password = data.pop("password", "")
        serializer.instance = services.register_datasource(
            actor=self.request.user, password=password, **data
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        password = data.pop("password", None)
        serializer.instance = services.update_datasource(
            actor=self.request.user, source=serializer.instance, password=password, **data
        )

    def perform_destroy(self, instance: DataSource) -> None:
        services.delete_datasource(actor=self.request.user, source=instance)

    @extend_schema(request=None, responses=TestResultSerializer)
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: Any = None) -> Response:
        """Test the connection; the result says what failed (auth, host, database, timeout)."""
        outcome = services.test_connection(actor=request.user, source=self.get_object())
        return Response(TestResultSerializer(asdict(outcome)).data)
