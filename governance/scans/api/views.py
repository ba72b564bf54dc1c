from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pursight.api import GovernedModelViewSet, GovernedReadOnlyViewSet

from .. import services
from ..choices import Trigger
from ..models import Scan, ScanRun, SchemaChange
from .serializers import ScanRunSerializer, ScanSerializer, SchemaChangeSerializer


def _scan_error(exc: services.ScanError) -> Response:
    return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)


class ScanViewSet(GovernedModelViewSet):
    queryset = Scan.objects.select_related("datasource", "rule_set")
    serializer_class = ScanSerializer
    filterset_fields = ["datasource", "rule_set", "is_default"]
    search_fields = ["name", "datasource__name"]
    gate_actions = {"run": "run"}

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.save_scan(
            actor=self.request.user, scan=Scan(**serializer.validated_data)
        )

    def perform_update(self, serializer: Any) -> None:
        scan = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(scan, name, value)
        serializer.instance = services.save_scan(actor=self.request.user, scan=scan)

    @extend_schema(request=None, responses={202: ScanRunSerializer})
    @action(detail=True, methods=["post"])
    def run(self, request: Request, pk: Any = None) -> Response:
        """Start a run of this scan and answer at once (409 when one is already active): the
        run is queued for a worker, or runs in the background without one; follow it at
        ``/api/v1/scan-runs/{id}/`` or live on the ``scanrun`` page of ``/ws/live/``. A run
        that could not be handed over is answered with its failed state and the reason."""
        try:
            launch = services.launch_scan(
                actor=request.user, scan=self.get_object(), trigger=Trigger.API
            )
        except services.ScanError as exc:
            return _scan_error(exc)
        return Response(ScanRunSerializer(launch.run).data, status=status.HTTP_202_ACCEPTED)


class ScanRunViewSet(GovernedReadOnlyViewSet):
    queryset = ScanRun.objects.select_related("datasource")
    serializer_class = ScanRunSerializer
    filterset_fields = ["scan", "datasource", "state", "trigger"]
    ordering_fields = ["queued_at", "finished_at"]
    gate_actions = {"cancel": "cancel"}

    @extend_schema(request=None, responses=ScanRunSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        try:
            run = services.cancel_run(actor=request.user, run=self.get_object())
        except services.ScanError as exc:
            return _scan_error(exc)
        return Response(ScanRunSerializer(run).data)


class SchemaChangeViewSet(GovernedReadOnlyViewSet):
    queryset = SchemaChange.objects.select_related("datasource")
    serializer_class = SchemaChangeSerializer
    filterset_fields = ["run", "datasource", "asset_type", "change"]
