from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pursight import audit, permissions
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

    def _check_source(self, scan: Scan) -> None:
        if not permissions.can(self.request.user, "add", scan):
            raise permissions.PermissionDenied("You may not manage scans of this data source.")

    def perform_create(self, serializer: Any) -> None:
        scan = Scan(**serializer.validated_data, created_by=self.request.user)
        self._check_source(scan)
        scan.full_clean()
        scan.save()
        audit.record(actor=self.request.user, action="scan.create", obj=scan)
        serializer.instance = scan

    def perform_update(self, serializer: Any) -> None:
        before = audit.snapshot(serializer.instance)
        scan = serializer.save(updated_by=self.request.user)
        self._check_source(scan)
        audit.record(
            actor=self.request.user,
            action="scan.update",
            obj=scan,
            changes=audit.diff(before, audit.snapshot(scan)),
        )

    @extend_schema(request=None, responses={202: ScanRunSerializer})
    @action(detail=True, methods=["post"])
    def run(self, request: Request, pk: Any = None) -> Response:
        """Queue a run of this scan (409 when one is already active)."""
        try:
            run = services.start_scan(
                actor=request.user, scan=self.get_object(), trigger=Trigger.API
            )
        except services.ScanError as exc:
            return _scan_error(exc)
        return Response(ScanRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


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
