"""``/api/v1/search/``: the console's global search for API clients (the same service and gate
as the header's search box)."""

from __future__ import annotations

from typing import Any

from django import forms
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from pursight.api import GatedSerializerMixin

from .. import search


class SearchApiForm(search.SearchForm):
    limit = forms.IntegerField(required=False, min_value=1, max_value=search.MAX_LIMIT)
    offset = forms.IntegerField(required=False, min_value=0, max_value=search.CAP)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        if data.get("offset") and not data.get("type"):
            self.add_error("offset", "Give a type to page through its results.")
        return data


class BadgeSerializer(serializers.Serializer):
    text = serializers.CharField()
    kind = serializers.CharField(help_text="info, warning, danger, success or empty.")


class HitSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="source, table, column, finding, rule, ...")
    id = serializers.IntegerField()
    title = serializers.CharField()
    context = serializers.CharField(allow_blank=True)
    url = serializers.CharField(help_text="The result's page in the console.")
    badges = BadgeSerializer(many=True)


class TypeCountSerializer(serializers.Serializer):
    type = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="Matches, counted up to the cap.")
    capped = serializers.BooleanField(help_text="More matches than the cap.")


class FacetValueSerializer(serializers.Serializer):
    value = serializers.IntegerField(help_text="The id to pass as the facet's parameter.")
    label = serializers.CharField()
    count = serializers.IntegerField()
    selected = serializers.BooleanField()


class SearchResultSerializer(serializers.Serializer):
    q = serializers.CharField(allow_blank=True)
    type = serializers.CharField(allow_blank=True)
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    cap = serializers.IntegerField(help_text="Matches are counted and faceted up to this.")
    types = TypeCountSerializer(many=True)
    results = HitSerializer(many=True)
    facets = serializers.DictField(
        child=FacetValueSerializer(many=True),
        help_text="Per facet (source, collection, info_type, label, owner): its values.",
    )


class _OneAnswerSchema(AutoSchema):
    """The search answers one object (counts, facets and results), not a list of rows."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


def _id(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, description=description)


class SearchViewSet(GatedSerializerMixin, GenericViewSet):
    """Search data sources, tables, columns, findings and rules (and what other apps add).

    Only what the caller may see is searched and counted. Words match prefixes of names,
    qualified names and descriptions (every word must match). Without ``type``, each type
    answers its first ``limit`` results; with it, ``offset`` pages through that type. Without
    words or a filter the answer is empty.
    """

    filter_backends: list[Any] = []
    pagination_class = None
    serializer_class = SearchResultSerializer
    schema = _OneAnswerSchema()

    @extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Words to search (prefixes)."),
            OpenApiParameter(
                "type",
                OpenApiTypes.STR,
                enum=[p.type for p in search.providers()],
                description="One type of result.",
            ),
            _id("source", "Only assets of this data source."),
            _id("collection", "Only assets of data sources in this collection."),
            _id("info_type", "Only tables and columns with this info type (not rejected)."),
            _id("label", "Only tables and columns with this sensitivity label."),
            _id("owner", "Only assets owned by (findings assigned to) this user."),
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                description=f"Results per type (1 to {search.MAX_LIMIT}).",
            ),
            OpenApiParameter("offset", OpenApiTypes.INT, description="With type: results to skip."),
        ],
        responses=SearchResultSerializer,
    )
    def list(self, request: Request) -> Response:
        form = SearchApiForm(request.query_params, user=request.user)
        if not form.is_valid():
            raise ValidationError(
                {
                    name: [e["message"] for e in errors]
                    for name, errors in form.errors.get_json_data().items()
                }
            )
        query = form.query()
        limit = form.cleaned_data.get("limit") or 20
        offset = form.cleaned_data.get("offset") or 0
        # No words and no filter: nothing is searched (an empty answer, not the catalog).
        results = (
            search.Results(query, [], {})
            if query.empty
            else search.find(request.user, query, limit=limit, offset=offset)
        )
        body = {
            "q": query.text,
            "type": query.type,
            "limit": limit,
            "offset": offset,
            "cap": search.CAP,
            "types": [
                {"type": t.type, "label": t.label, "count": t.count, "capped": t.capped}
                for t in results.types
            ],
            "results": [h.as_dict() for h in results.hits],
            "facets": {
                facet: [
                    {"value": v.value, "label": v.label, "count": v.count, "selected": v.selected}
                    for v in values
                ]
                for facet, values in results.facets.items()
            },
        }
        return Response(body)
