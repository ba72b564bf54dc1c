"""Audit trail (read-only, filterable, CSV/JSON export) and personal API tokens."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import django_filters
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from pursight.api import GatedSerializerMixin
from pursight.filters import IPAddressFilter, UTCDateTimeFilter

from .. import audit_access, tokens
from ..models import ApiToken, AuditEvent
from .renderers import CSVRenderer, csv_lines
from .serializers import ApiTokenSerializer, AuditEventSerializer, IssuedTokenSerializer

EXPORT_FIELDS = AuditEventSerializer.Meta.fields


class AuditEventFilter(django_filters.FilterSet):
    source_ip = IPAddressFilter()
    since = UTCDateTimeFilter(field_name="at", lookup_expr="gte")
    until = UTCDateTimeFilter(field_name="at", lookup_expr="lt")
    action = django_filters.CharFilter()
    action_prefix = django_filters.CharFilter(field_name="action", lookup_expr="startswith")
    actor_name = django_filters.CharFilter(field_name="actor_repr", lookup_expr="iexact")

    class Meta:
        model = AuditEvent
        fields = ["actor", "object_type", "object_id", "collection_id", "source_ip"]


_CSV_OR_JSON = [OpenApiParameter("format", str, enum=["json", "csv"])]


@extend_schema_view(
    list=extend_schema(
        parameters=_CSV_OR_JSON,
        responses={
            (200, "application/json"): AuditEventSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
        },
    ),
    retrieve=extend_schema(
        parameters=_CSV_OR_JSON,
        responses={
            (200, "application/json"): AuditEventSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
        },
    ),
)
class AuditEventViewSet(GatedSerializerMixin, viewsets.ReadOnlyModelViewSet):
    """The append-only audit trail: superusers see everything, Collection Admins the events of
    their collections. ``?format=csv`` renders a page as CSV; ``export/`` streams all matches."""

    serializer_class = AuditEventSerializer
    permission_classes = [IsAuthenticated]
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CSVRenderer]
    filterset_class = AuditEventFilter
    search_fields = ["actor_repr", "action", "object_repr", "object_id"]
    ordering_fields = ["at", "action"]

    def get_queryset(self):
        return audit_access.visible_events(self.request.user)

    @extend_schema(
        parameters=_CSV_OR_JSON,
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/json"): AuditEventSerializer(many=True),
        },
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request: Request) -> StreamingHttpResponse:
        """Every matching event (filters apply), streamed as CSV or JSON."""
        fmt = request.query_params.get("format", "json")
        qs = self.filter_queryset(self.get_queryset())
        rows = (
            AuditEventSerializer(e).data for e in qs.select_related(None).iterator(chunk_size=2000)
        )
        if fmt == "csv":
            response = StreamingHttpResponse(
                csv_lines(rows, EXPORT_FIELDS), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = 'attachment; filename="audit-events.csv"'
        else:
            response = StreamingHttpResponse(_json_array(rows), content_type="application/json")
            response["Content-Disposition"] = 'attachment; filename="audit-events.json"'
        return response


def _json_array(rows: Any) -> Iterator[str]:
    yield "["
    for i, row in enumerate(rows):
        yield ("," if i else "") + json.dumps(row, default=str)
    yield "]"


class ApiTokenViewSet(
    GatedSerializerMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your API tokens. The token is returned once, at creation; DELETE revokes it."""

    serializer_class = ApiTokenSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["user"]

    def get_queryset(self):
        return tokens.tokens_of(actor=self.request.user)

    @extend_schema(responses={201: IssuedTokenSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issued = tokens.create_token(
            actor=request.user,
            name=serializer.validated_data["name"],
            expires_at=serializer.validated_data.get("expires_at"),
        )
        data = IssuedTokenSerializer(issued.token).data
        data["token"] = issued.raw
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiToken) -> None:
        tokens.revoke_token(actor=self.request.user, token=instance)
