"""The lineage API: the graph around an asset, impact analysis, edges (with the propagation
block) and propagated classifications. Every answer goes through the permission gate; an
asset the caller may not see answers 404 exactly like a missing one."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, filters, mixins
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from governance.catalog.models import CatalogTable, ColumnClassification
from pursight import permissions
from pursight.api import GovernedViewSetMixin, conflict_on_refusal
from pursight.filters import GatedFilterBackend

from .. import graph, propagation
from ..choices import EdgeLevel, EdgeOrigin
from ..graph_wiring import visible_edges
from ..models import LineageEdge, PropagatedClassification
from .serializers import (
    BlockSerializer,
    GraphSerializer,
    ImpactSerializer,
    LineageEdgeSerializer,
    PropagatedClassificationSerializer,
)

ASSET = OpenApiParameter(
    "asset",
    OpenApiTypes.STR,
    required=True,
    description="Qualified name of a table or column (`<source id>/<schema>/<table>[/<column>]`).",
)

NOT_FOUND = OpenApiResponse(
    description="No asset with this qualified name that you may see (hidden and missing alike)."
)


def _asset(request: Request) -> graph.Asset:
    if not permissions.can_any(request.user, CatalogTable, permissions.VIEW):
        raise Http404(graph.AssetNotFound.message)
    try:
        return graph.resolve_asset(request.user, request.query_params.get("asset"))
    except graph.LineageInputError as exc:
        raise exceptions.ValidationError({"asset": [str(exc)]}) from None
    except graph.AssetNotFound:
        raise Http404(graph.AssetNotFound.message) from None


class LineageGraphView(APIView):
    """The lineage graph around an asset (tables; ``expand`` adds a table's columns)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="lineage_graph",
        parameters=[
            ASSET,
            OpenApiParameter(
                "direction",
                OpenApiTypes.STR,
                enum=list(graph.DIRECTIONS),
                description="up, down or both (default).",
            ),
            OpenApiParameter(
                "depth",
                OpenApiTypes.INT,
                description=f"Edges to follow, 1 to {graph.MAX_DEPTH} (default "
                f"{graph.DEFAULT_DEPTH}).",
            ),
            OpenApiParameter(
                "expand",
                OpenApiTypes.STR,
                many=True,
                description="Qualified names of tables in the graph whose columns and "
                "column-level edges to add (repeatable).",
            ),
            OpenApiParameter(
                "include_closed",
                OpenApiTypes.BOOL,
                description="Also follow closed (historical) edges.",
            ),
        ],
        responses={200: GraphSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        asset = _asset(request)
        try:
            direction = graph.parse_direction(request.query_params.get("direction"))
            depth = graph.parse_depth(request.query_params.get("depth"))
        except graph.LineageInputError as exc:
            raise exceptions.ValidationError({"detail": [str(exc)]}) from None
        expand_names = request.query_params.getlist("expand")[:50]
        if any("\x00" in name for name in expand_names):
            raise exceptions.ValidationError(
                {"expand": ["A qualified name cannot contain a NUL character."]}
            )
        expand = list(
            CatalogTable.objects.filter(qualified_name__in=expand_names).values_list(
                "pk", flat=True
            )
        )
        if asset.column is not None:
            expand.append(asset.table.pk)
        result = graph.table_graph(
            request.user,
            asset,
            direction=direction,
            depth=depth,
            expand=expand,  # only tables drawn as visible nodes are expanded
            include_closed=request.query_params.get("include_closed") in ("1", "true"),
        )
        return Response(result.as_dict(asset.qualified_name, direction, depth))


class LineageImpactView(APIView):
    """Everything downstream of an asset the caller may see, nearest first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="lineage_impact",
        parameters=[ASSET],
        responses={200: ImpactSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        asset = _asset(request)
        result = graph.impact(request.user, asset)
        return Response(
            ImpactSerializer(
                {
                    "root": asset.qualified_name,
                    "hidden": result.hidden,
                    "truncated": result.truncated,
                    "rows": result.rows,
                }
            ).data
        )


class EdgeFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=EdgeLevel.choices)
    origin = django_filters.ChoiceFilter(choices=EdgeOrigin.choices)
    open = django_filters.BooleanFilter(field_name="closed_at", lookup_expr="isnull")

    class Meta:
        model = LineageEdge
        fields = [
            "upstream_table",
            "downstream_table",
            "upstream_column",
            "downstream_column",
            "propagation_blocked",
        ]


class LineageEdgeViewSet(
    GovernedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet
):
    """Lineage edges (rows whose both ends the caller may see). Curators of the downstream
    asset block or unblock propagation along an edge (POST, with a reason; audited)."""

    queryset = LineageEdge.objects.select_related(
        "upstream_table__schema",
        "downstream_table__schema",
        "upstream_column",
        "downstream_column",
        "downstream_datasource",  # the gate's scope of an edge (block / unblock checks)
    )
    serializer_class = LineageEdgeSerializer
    filterset_class = EdgeFilter
    filter_backends = [GatedFilterBackend, filters.OrderingFilter]
    ordering_fields = ["id", "last_seen", "first_seen"]
    ordering = ["id"]
    gate_actions = {"block": "block", "unblock": "block"}

    def get_queryset(self):
        return visible_edges(self.queryset.all(), self.request.user)

    def _act(self, request: Request, func: Any) -> Response:
        edge = self.get_object()
        body = BlockSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with conflict_on_refusal():
            try:
                func(actor=request.user, edge=edge, reason=body.validated_data.get("reason", ""))
            except DjangoValidationError as exc:
                if hasattr(exc, "error_dict"):  # bad input (no reason): 400, not 409
                    raise exceptions.ValidationError(exc.message_dict) from None
                raise
        return Response(self.get_serializer(self.get_queryset().get(pk=edge.pk)).data)

    @extend_schema(request=BlockSerializer, responses=LineageEdgeSerializer)
    @action(detail=True, methods=["post"])
    def block(self, request: Request, pk: Any = None) -> Response:
        """Stop classifications flowing along this edge (``reason`` required)."""
        return self._act(request, propagation.block_edge)

    @extend_schema(request=BlockSerializer, responses=LineageEdgeSerializer)
    @action(detail=True, methods=["post"])
    def unblock(self, request: Request, pk: Any = None) -> Response:
        """Let classifications flow along this edge again (``reason`` optional)."""
        return self._act(request, propagation.unblock_edge)


class PropagatedFilter(django_filters.FilterSet):
    classification = django_filters.CharFilter(field_name="classification__code")
    table = django_filters.NumberFilter(field_name="column__table_id")
    label = django_filters.CharFilter(field_name="sensitivity_label__name")

    class Meta:
        model = PropagatedClassification
        fields = ["column", "datasource"]


class PropagatedClassificationViewSet(
    GovernedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet
):
    """Classifications columns hold through lineage, with the reason (naming the origin only
    for callers who may see it)."""

    queryset = PropagatedClassification.objects.select_related(
        "column", "classification", "sensitivity_label"
    )
    serializer_class = PropagatedClassificationSerializer
    filterset_class = PropagatedFilter
    filter_backends = [GatedFilterBackend, filters.OrderingFilter]
    ordering_fields = ["id", "created_at"]
    ordering = ["id"]

    def get_queryset(self):
        user = self.request.user
        origins = permissions.restrict(ColumnClassification.objects.all(), user, as_subquery=True)
        tables = permissions.restrict(CatalogTable.objects.all(), user, as_subquery=True)
        return permissions.restrict(self.queryset.all(), user, as_subquery=True).annotate(
            _origin_shown=Exists(origins.filter(pk=OuterRef("origin_id"))),
            _via_shown=Exists(tables.filter(pk=OuterRef("via__upstream_table_id"))),
        )
