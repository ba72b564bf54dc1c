"""``POST /api/v1/lineage/openlineage/``: OpenLineage run events in (Marquez-compatible body).

Authenticated like the rest of the API (token or session). A malformed event answers 400 with
``{"field": ..., "error": ...}`` naming the first bad member; an event that links a table the
caller may see but not curate answers 403 and records nothing; tables the caller may not see
are reported as unresolved exactly like tables that do not exist.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import openlineage


class EventErrorSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="Path of the offending member, e.g. run.runId.")
    error = serializers.CharField()


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class JobSerializer(serializers.Serializer):
    namespace = serializers.CharField()
    name = serializers.CharField()


class EdgeCountSerializer(serializers.Serializer):
    table = serializers.IntegerField()
    column = serializers.IntegerField()


class UnresolvedSerializer(serializers.Serializer):
    namespace = serializers.CharField()
    name = serializers.CharField()
    reason = serializers.CharField()


class IngestedSerializer(serializers.Serializer):
    eventType = serializers.CharField()
    job = JobSerializer()
    runId = serializers.CharField()
    recorded = serializers.BooleanField(help_text="FAIL and ABORT events record no lineage.")
    edges = EdgeCountSerializer(help_text="Edges the event reports (resolved in the catalog).")
    opened = serializers.IntegerField()
    reopened = serializers.IntegerField()
    closed = serializers.IntegerField(
        help_text="Edges of the job a COMPLETE event no longer names."
    )
    kept = serializers.IntegerField()
    skipped_indirect = serializers.IntegerField(
        help_text="Column inputs only used indirectly (filters, joins): not edges."
    )
    unresolved = UnresolvedSerializer(many=True)
    unresolved_columns = serializers.ListField(child=serializers.CharField())


EXAMPLE = {
    "eventType": "COMPLETE",
    "eventTime": "2026-11-29T10:00:00Z",
    "producer": "https://example.org/etl",
    "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    "run": {"runId": "0f1e7c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b"},
    "job": {"namespace": "etl", "name": "daily_revenue"},
    "inputs": [{"namespace": "postgres://db.example:5432", "name": "shop.public.orders"}],
    "outputs": [
        {
            "namespace": "postgres://db.example:5432",
            "name": "shop.reporting.daily_revenue",
            "facets": {
                "columnLineage": {
                    "fields": {
                        "revenue": {
                            "inputFields": [
                                {
                                    "namespace": "postgres://db.example:5432",
                                    "name": "shop.public.orders",
                                    "field": "total",
                                    "transformations": [
                                        {"type": "DIRECT", "subtype": "AGGREGATION"}
                                    ],
                                }
                            ]
                        }
                    }
                }
            },
        }
    ],
}


class OpenLineageView(APIView):
    http_method_names = ["post", "options"]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="lineage_openlineage_create",
        request=OpenApiTypes.OBJECT,
        responses={
            200: IngestedSerializer,
            400: EventErrorSerializer,
            401: DetailSerializer,
            403: DetailSerializer,
            415: DetailSerializer,
        },
        examples=[OpenApiExample("A completed run", value=EXAMPLE, request_only=True)],
        summary="Record the lineage of an OpenLineage run event",
    )
    def post(self, request: Request) -> Response:
        try:
            payload: Any = request.data
        except UnsupportedMediaType:
            raise
        except ParseError as exc:
            return Response(
                {"field": "(body)", "error": f"Not valid JSON: {exc.detail}"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            result = openlineage.ingest_event(actor=request.user, payload=payload)
        except openlineage.EventError as exc:
            return Response(
                {"field": exc.field, "error": exc.error}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(IngestedSerializer(result.as_dict()).data)
