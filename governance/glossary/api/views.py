from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from pursight.api import GovernedModelViewSet, GovernedReadOnlyViewSet, conflict_on_refusal

from .. import services
from ..choices import AssetType
from ..models import (
    Category,
    Tag,
    TagAssignment,
    TagRule,
    TagSet,
    Term,
    TermAssignment,
    TermSuggestion,
)
from ..queries import visible_count
from . import serializers as s

WRITE = ["get", "post", "patch", "delete", "head", "options"]
LINK_METHODS = ["get", "post", "delete", "head", "options"]


def _apply(obj: Any, data: dict[str, Any], skip: tuple[str, ...] = ()) -> Any:
    for key, value in data.items():
        if key not in skip:
            setattr(obj, key, value)
    return obj


class VocabularyViewSet(GovernedModelViewSet):
    """Global vocabulary: deletes are audited and a refused one (a category with children)
    answers 409."""

    def perform_destroy(self, instance: Any) -> None:
        with conflict_on_refusal():
            services.delete_vocabulary(actor=self.request.user, obj=instance)


class TagSetViewSet(VocabularyViewSet):
    """Tag sets (global vocabulary): anyone signed in reads them; platform-wide curators
    change them. A mutually exclusive set lets an asset carry one of its tags."""

    queryset = TagSet.objects.prefetch_related("tags__tag_set")
    serializer_class = s.TagSetSerializer
    filterset_fields = ["mutually_exclusive"]
    search_fields = ["name", "description"]
    http_method_names = WRITE

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.save_tag_set(
            actor=self.request.user, tag_set=TagSet(**serializer.validated_data)
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.save_tag_set(
            actor=self.request.user, tag_set=_apply(serializer.instance, serializer.validated_data)
        )


class TagViewSet(VocabularyViewSet):
    """Tags; ``assets`` counts only the assets the caller may see."""

    queryset = Tag.objects.select_related("tag_set")
    serializer_class = s.TagSerializer
    filterset_fields = ["tag_set"]
    search_fields = ["name", "tag_set__name", "description"]
    http_method_names = WRITE

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(visible_count=visible_count(self.request.user, TagAssignment, "tag"))
        )

    def perform_create(self, serializer: Any) -> None:
        tag = services.save_tag(actor=self.request.user, tag=Tag(**serializer.validated_data))
        serializer.instance = self.get_queryset().get(pk=tag.pk)

    def perform_update(self, serializer: Any) -> None:
        services.save_tag(
            actor=self.request.user, tag=_apply(serializer.instance, serializer.validated_data)
        )


class CategoryViewSet(VocabularyViewSet):
    queryset = Category.objects.all()
    serializer_class = s.CategorySerializer
    filterset_fields = ["parent"]
    search_fields = ["full_name", "description"]
    http_method_names = WRITE

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.save_category(
            actor=self.request.user, category=Category(**serializer.validated_data)
        )

    def perform_update(self, serializer: Any) -> None:
        services.save_category(
            actor=self.request.user,
            category=_apply(serializer.instance, serializer.validated_data),
        )


class TermFilter(django_filters.FilterSet):
    category = django_filters.ModelChoiceFilter(
        field_name="categories", queryset=Category.objects.all()
    )
    q = django_filters.CharFilter(method="search_text", label="Name, synonym or abbreviation")

    class Meta:
        model = Term
        fields = ["status", "category"]

    def search_text(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(
            Q(name__icontains=value)
            | Q(abbreviation__icontains=value)
            | Q(synonyms__icontains=value)
        )


class TermViewSet(VocabularyViewSet):
    """Glossary terms. The status moves only through ``transition`` (the workflow, with its
    approval guards); CSV ``export`` and all-or-nothing ``import`` round-trip."""

    queryset = Term.objects.prefetch_related("categories", "related", "owners", "stewards")
    serializer_class = s.TermSerializer
    filterset_class = TermFilter
    search_fields = ["name", "abbreviation", "synonyms", "definition"]
    http_method_names = WRITE
    gate_actions = {"transition": "transition", "export": "view", "import_csv": "import"}
    M2M = ("categories", "related", "owners", "stewards")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(visible_count=visible_count(self.request.user, TermAssignment, "term"))
        )

    def _save(self, serializer: Any, term: Term) -> None:
        data = serializer.validated_data
        _apply(term, data, skip=self.M2M)
        saved = services.save_term(
            actor=self.request.user, term=term, **{k: data[k] for k in self.M2M if k in data}
        )
        serializer.instance = self.get_queryset().get(pk=saved.pk)

    def perform_create(self, serializer: Any) -> None:
        self._save(serializer, Term())

    def perform_update(self, serializer: Any) -> None:
        self._save(serializer, serializer.instance)

    @extend_schema(
        request=s.TermTransitionSerializer,
        responses={200: s.TermTransitionResultSerializer, 202: s.TermTransitionResultSerializer},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: Any = None) -> Response:
        """Move the term to another status; 202 when a guard holds it for approval."""
        term = self.get_object()
        body = s.TermTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.transition_term(
            term, body.validated_data["to"], request.user,
            comment=body.validated_data.get("comment", ""),
        )  # fmt: skip
        data = {
            "applied": result.applied,
            "pending": result.pending.message if result.pending else None,
            "term": s.TermSerializer(self.get_queryset().get(pk=term.pk)).data,
        }
        return Response(data, status=status.HTTP_200_OK if result.applied else 202)

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR)})
    @action(detail=False, methods=["get"])
    def export(self, request: Request) -> HttpResponse:
        """Every term as CSV (the import's format)."""
        response = HttpResponse(services.export_terms_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="glossary-terms.csv"'
        return response

    @extend_schema(request=s.TermImportSerializer, responses={200: s.TermImportResultSerializer})
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def import_csv(self, request: Request) -> Response:
        """Create or update terms from CSV, all or nothing: 400 lists every bad row."""
        body = s.TermImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data.get("file")
        data = upload.read() if upload else body.validated_data["csv"]
        result = services.import_terms_csv(actor=request.user, data=data)
        return Response(
            {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
        )


class LinkFilter(django_filters.FilterSet):
    asset_type = django_filters.ChoiceFilter(choices=AssetType.choices)
    asset_id = django_filters.NumberFilter(min_value=1, max_value=2**63 - 1)


class TagAssignmentFilter(LinkFilter):
    tag_name = django_filters.CharFilter(method="by_name", label="Tag (Set.Tag, or a set)")

    class Meta:
        model = TagAssignment
        fields = ["tag", "asset_type", "asset_id", "datasource", "source"]

    def by_name(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(services.tag_names_q([value]))


class TagAssignmentViewSet(GovernedModelViewSet):
    """Tags on assets: listed where the asset is visible; added and removed by curators of the
    asset's collection. Filter by ``tag``/``tag_name`` to find the assets carrying a tag."""

    queryset = TagAssignment.objects.select_related(
        "tag__tag_set", "datasource", "schema", "table__schema", "column__table"
    )
    serializer_class = s.TagAssignmentSerializer
    filterset_class = TagAssignmentFilter
    http_method_names = LINK_METHODS

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        assets = services.visible_assets(self.request.user, data["asset_type"], [data["asset_id"]])
        if not assets:
            raise ValidationError({"asset_id": "No such asset."})
        change = services.add_tags(
            actor=self.request.user,
            assets=assets,
            tags=[data["tag"]],
            replace=data.get("replace", False),
        )
        row = change.added[0] if change.added else None
        if row is None:
            row = services.links_of(TagAssignment, assets[0]).get(tag=data["tag"])
        serializer.instance = self.get_queryset().get(pk=row.pk)

    def perform_destroy(self, instance: TagAssignment) -> None:
        services.remove_tag(actor=self.request.user, assignment=instance)


class TermAssignmentFilter(LinkFilter):
    class Meta:
        model = TermAssignment
        fields = ["term", "asset_type", "asset_id", "datasource", "source"]


class TermAssignmentViewSet(GovernedModelViewSet):
    """Terms linked to assets, like tags: visible with the asset, made by its curators."""

    queryset = TermAssignment.objects.select_related(
        "term", "datasource", "schema", "table__schema", "column__table"
    )
    serializer_class = s.TermAssignmentSerializer
    filterset_class = TermAssignmentFilter
    http_method_names = LINK_METHODS

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        assets = services.visible_assets(self.request.user, data["asset_type"], [data["asset_id"]])
        if not assets:
            raise ValidationError({"asset_id": "No such asset."})
        link = services.link_term(actor=self.request.user, asset=assets[0], term=data["term"])
        serializer.instance = self.get_queryset().get(pk=link.pk)

    def perform_destroy(self, instance: TermAssignment) -> None:
        services.unlink_term(actor=self.request.user, assignment=instance)


class TermSuggestionViewSet(GovernedReadOnlyViewSet):
    """What the matcher proposes; ``accept`` links the term, ``reject`` never proposes it
    again for the asset."""

    queryset = TermSuggestion.objects.select_related("term", "datasource", "table", "column")
    serializer_class = s.TermSuggestionSerializer
    filterset_fields = ["status", "term", "asset_type", "datasource"]
    gate_actions = {"accept": "decide", "reject": "decide"}

    def _decide(self, accept: bool) -> Response:
        row = self.get_object()
        services.decide_suggestions(actor=self.request.user, suggestions=[row], accept=accept)
        row.refresh_from_db()
        return Response(s.TermSuggestionSerializer(row).data)

    @extend_schema(request=None, responses={200: s.TermSuggestionSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: Any = None) -> Response:
        return self._decide(True)

    @extend_schema(request=None, responses={200: s.TermSuggestionSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        return self._decide(False)


class TagRuleViewSet(VocabularyViewSet):
    queryset = TagRule.objects.select_related("tag__tag_set")
    serializer_class = s.TagRuleSerializer
    filterset_fields = ["enabled", "target", "rule_set", "tag"]
    http_method_names = WRITE

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.save_tag_rule(
            actor=self.request.user, rule=TagRule(**serializer.validated_data)
        )

    def perform_update(self, serializer: Any) -> None:
        services.save_tag_rule(
            actor=self.request.user, rule=_apply(serializer.instance, serializer.validated_data)
        )
