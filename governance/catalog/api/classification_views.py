from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import filters, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from pursight import permissions
from pursight.api import GovernedViewSetMixin
from pursight.filters import GatedFilterBackend

from .. import classifying, search
from ..choices import ClassificationSource, ClassificationStatus
from ..models import CatalogColumn, ColumnClassification
from .classification_serializers import ColumnClassificationSerializer, RollupSerializer


class ColumnClassificationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ClassificationStatus.choices)
    source = django_filters.ChoiceFilter(choices=ClassificationSource.choices)
    classification = django_filters.CharFilter(field_name="classification__code")
    category = django_filters.CharFilter(field_name="classification__category")
    table = django_filters.NumberFilter(field_name="column__table_id")
    label = django_filters.CharFilter(field_name="sensitivity_label__name")
    confidence_min = django_filters.NumberFilter(field_name="confidence", lookup_expr="gte")
    confidence_max = django_filters.NumberFilter(field_name="confidence", lookup_expr="lte")
    q = django_filters.CharFilter(
        method="search_words",
        help_text="Words to find in the column, table and classification names and codes.",
    )
    search = django_filters.CharFilter(method="search_words", help_text="Alias of q.")

    class Meta:
        model = ColumnClassification
        fields = ["datasource", "column", "disagreement"]

    def search_words(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in search.tokens(value):
            queryset = queryset.filter(
                Q(column__name__icontains=word)
                | Q(column__table__name__icontains=word)
                | Q(classification__code__icontains=word)
                | Q(classification__name__icontains=word)
            )
        return queryset


class ColumnClassificationViewSet(
    GovernedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    GenericViewSet,
):
    """Classifications found by scans; curators accept, reject or set them (POST)."""

    queryset = ColumnClassification.objects.select_related(
        "column__table__schema",
        "datasource",
        "classification",
        "sensitivity_label",
        "decided_by",
    )
    serializer_class = ColumnClassificationSerializer
    filterset_class = ColumnClassificationFilter
    filter_backends = [GatedFilterBackend, filters.OrderingFilter]
    ordering_fields = ["confidence", "created_at", "updated_at", "status"]
    ordering = ["column_id", "-confidence"]
    gate_actions = {"accept": "curate", "reject": "curate", "create": "add", "rollup": "view"}

    def perform_create(self, serializer: Any) -> None:
        column = serializer.validated_data["column"]
        visible = permissions.restrict(CatalogColumn.objects.all(), self.request.user)
        column = visible.select_related("datasource").filter(pk=column.pk).first()
        if column is None:
            raise Http404
        serializer.instance = classifying.set_classification(
            actor=self.request.user,
            column=column,
            classification=serializer.validated_data["classification"],
            note=serializer.validated_data.get("note", ""),
        )

    def _decide(self, request: Any, func: Any) -> Response:
        row = self.get_object()
        row = func(actor=request.user, classification=row)
        return Response(self.get_serializer(self.get_queryset().get(pk=row.pk)).data)

    @extend_schema(request=None, responses=ColumnClassificationSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Any, pk: Any = None) -> Response:
        return self._decide(request, classifying.accept_classification)

    @extend_schema(request=None, responses=RollupSerializer(many=True))
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def rollup(self, request: Any) -> Response:
        """Per visible data source: the highest sensitivity label and counts by status."""
        if not permissions.can_any(request.user, ColumnClassification, permissions.VIEW):
            raise permissions.PermissionDenied("You may not view classifications.")
        return Response(classifying.rollup_summary(self.get_queryset()))

    @extend_schema(request=None, responses=ColumnClassificationSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Any, pk: Any = None) -> Response:
        return self._decide(request, classifying.reject_classification)

    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        response = super().create(request, *args, **kwargs)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=response.data["id"])).data,
            status=status.HTTP_201_CREATED,
        )
