from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch
from rest_framework import filters, mixins
from rest_framework.viewsets import GenericViewSet

from pursight.api import GovernedViewSetMixin
from pursight.filters import GatedFilterBackend

from .. import classifying, search, services
from ..models import CatalogColumn, CatalogSchema, CatalogTable, ColumnClassification
from .serializers import (
    VISIBLE_CONTAINMENTS,
    ColumnSerializer,
    SchemaSerializer,
    TableSerializer,
    visible_containments,
)


class FullTextSearchFilter(filters.BaseFilterBackend):
    """``?q=words``: PostgreSQL full-text search (prefix match), a LIKE fallback elsewhere.

    ``?search=`` (the parameter of the other list endpoints) is accepted as an alias of ``q``.
    """

    params = ("q", "search")

    def filter_queryset(self, request: Any, queryset: Any, view: Any):
        text = next(
            (request.query_params[p] for p in self.params if request.query_params.get(p)), ""
        )
        return search.search(queryset, text) if text else queryset

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        describe = {
            "q": "Words to search in names, qualified names and descriptions.",
            "search": "Alias of q (used when q is not given).",
        }
        return [
            {
                "name": name,
                "required": False,
                "in": "query",
                "description": describe[name],
                "schema": {"type": "string"},
            }
            for name in self.params
        ]


class AssetFilter(django_filters.FilterSet):
    removed = django_filters.BooleanFilter(
        field_name="removed_at", lookup_expr="isnull", exclude=True
    )


class SchemaFilter(AssetFilter):
    class Meta:
        model = CatalogSchema
        fields = ["datasource", "name"]


class TableFilter(AssetFilter):
    class Meta:
        model = CatalogTable
        fields = ["datasource", "schema", "kind", "name"]


class ColumnFilter(AssetFilter):
    data_type = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = CatalogColumn
        fields = ["datasource", "table", "table__schema", "name", "data_type", "nullable"]


class AssetViewSet(
    GovernedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    GenericViewSet,
):
    """Catalog assets are written by scans; curators edit description and owner."""

    http_method_names = ["get", "patch", "head", "options"]
    filter_backends = [
        GatedFilterBackend,
        FullTextSearchFilter,
        filters.OrderingFilter,
    ]
    ordering_fields = ["name", "qualified_name", "first_seen"]

    def perform_update(self, serializer: Any) -> None:
        fields = {
            k: v for k, v in serializer.validated_data.items() if k in services.CURATABLE_FIELDS
        }
        serializer.instance = services.update_asset(
            actor=self.request.user, asset=serializer.instance, **fields
        )


class SchemaViewSet(AssetViewSet):
    queryset = CatalogSchema.objects.select_related("datasource")
    serializer_class = SchemaSerializer
    filterset_class = SchemaFilter


class TableViewSet(AssetViewSet):
    queryset = classifying.with_table_label(
        CatalogTable.objects.select_related("datasource", "schema")
    )
    serializer_class = TableSerializer
    filterset_class = TableFilter


class ColumnViewSet(AssetViewSet):
    queryset = CatalogColumn.objects.select_related(
        "datasource", "table", "table__schema"
    ).prefetch_related(
        Prefetch(
            "classifications",
            queryset=ColumnClassification.objects.select_related(
                "classification", "sensitivity_label"
            ).order_by("-confidence"),
        )
    )
    serializer_class = ColumnSerializer
    filterset_class = ColumnFilter
    ordering_fields = [*AssetViewSet.ordering_fields, "ordinal"]

    def get_queryset(self):
        # The columns' "contains" results in one query per page, through the gate.
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch(
                    "containments",
                    queryset=visible_containments(self.request.user),
                    to_attr=VISIBLE_CONTAINMENTS,
                )
            )
        )
