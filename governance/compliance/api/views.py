"""The compliance API. Writes go through services; the permission gate decides visibility."""

from __future__ import annotations

from typing import Any

import django_filters
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework import permissions as drf_permissions
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from governance.datasources.models import DataSource
from governance.scans.models import SchemaChange
from pursight import permissions
from pursight.api import (
    GatedSerializerMixin,
    GovernedModelViewSet,
    GovernedReadOnlyViewSet,
    GovernedViewSetMixin,
)

from .. import services
from ..choices import ReportState, Severity, Trigger
from ..downloads import report_response
from ..models import (
    ComplianceReport,
    Control,
    EvaluationRun,
    Finding,
    Framework,
    Rule,
    SchemaChangeAcknowledgement,
)
from .serializers import (
    AcknowledgeChangesSerializer,
    AssignSerializer,
    ControlSerializer,
    EvaluateSerializer,
    EvaluationRunSerializer,
    FindingSerializer,
    FrameworkSerializer,
    ReportSerializer,
    RuleSerializer,
    TransitionSerializer,
)


def visible_sources(request: Request) -> Any:
    """Data sources offered by filters: those the user may see."""
    if request is None:
        return DataSource.objects.none()
    return permissions.restrict(DataSource.objects.all(), request.user)


class DefinitionViewSet(GovernedModelViewSet):
    """Frameworks, controls and rules: global models of the gate (anyone signed in reads them;
    writing needs manage_compliance platform-wide). Writes go through the services."""

    saver: Any = None

    def perform_create(self, serializer: Any) -> None:
        obj = serializer.Meta.model(**serializer.validated_data)
        serializer.instance = type(self).saver(actor=self.request.user, obj=obj)

    def perform_update(self, serializer: Any) -> None:
        obj = serializer.instance
        for k, v in serializer.validated_data.items():
            setattr(obj, k, v)
        serializer.instance = type(self).saver(actor=self.request.user, obj=obj)

    def perform_destroy(self, instance: Any) -> None:
        services.delete_object(actor=self.request.user, obj=instance)


def _save_framework(*, actor: Any, obj: Framework) -> Framework:
    return services.save_framework(actor=actor, framework=obj)


def _save_control(*, actor: Any, obj: Control) -> Control:
    return services.save_control(actor=actor, control=obj)


def _save_rule(*, actor: Any, obj: Rule) -> Rule:
    return services.save_rule(actor=actor, rule=obj)


class FrameworkViewSet(DefinitionViewSet):
    queryset = Framework.objects.all()
    serializer_class = FrameworkSerializer
    saver = staticmethod(_save_framework)
    search_fields = ["code", "name"]
    filterset_fields = ["enabled", "code"]
    # Anyone who sees the framework reaches the action; the service decides on the data
    # source (its collection, or platform-wide for every source).
    gate_actions = {"evaluate": "view"}

    @action(detail=True, methods=["post"], serializer_class=EvaluateSerializer)
    def evaluate(self, request: Request, pk: Any = None) -> Response:
        """Evaluate the framework over one data source (``datasource``) or, for platform-wide
        Compliance Officers, over every data source."""
        framework = self.get_object()
        data = EvaluateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        source = None
        if data.validated_data["datasource"]:
            source = get_object_or_404(
                permissions.restrict(DataSource.objects.all(), request.user),
                pk=data.validated_data["datasource"],
            )
        run = services.evaluate_framework(
            actor=request.user, framework=framework, datasource=source, trigger=Trigger.API
        )
        return Response(EvaluationRunSerializer(run).data, status=status.HTTP_201_CREATED)


class ControlViewSet(DefinitionViewSet):
    queryset = Control.objects.select_related("framework")
    serializer_class = ControlSerializer
    saver = staticmethod(_save_control)
    filterset_fields = ["framework"]


class RuleViewSet(DefinitionViewSet):
    queryset = Rule.objects.select_related("control", "framework")
    serializer_class = RuleSerializer
    saver = staticmethod(_save_rule)
    filterset_fields = ["framework", "control", "severity", "asset_type", "enabled"]
    search_fields = ["code", "name"]
    gate_actions = {"preview": "add"}

    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        """The rule test bench: what the (unsaved) rule in the body would flag now, among the
        assets the caller may see. It needs the right to add a rule (platform-wide)."""
        services.check_test_bench(request.user)  # 403 before the body is validated
        serializer = RuleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        control = data.get("control")
        rule = Rule(**data, framework_id=control.framework_id if control else None)
        preview = services.preview_rule(actor=request.user, rule=rule, limit=50)
        return Response(
            {
                "checked": preview.checked,
                "failing": preview.failing,
                "skipped": preview.skipped,
                "condition": preview.description,
                "samples": [v.__dict__ for v in preview.samples],
            }
        )


class FindingFilter(django_filters.FilterSet):
    framework = django_filters.CharFilter(field_name="framework__code")
    collection = django_filters.NumberFilter(field_name="datasource__collection")
    datasource = django_filters.ModelChoiceFilter(queryset=visible_sources)
    # A number, not a list of every user: the visible findings are filtered by it.
    assignee = django_filters.NumberFilter(field_name="assignee")
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    age = django_filters.ChoiceFilter(
        choices=[
            ("7d", "< 7 days"),
            ("30d", "7–30 days"),
            ("90d", "30–90 days"),
            ("older", "older"),
        ],
        method="filter_age",
    )

    class Meta:
        model = Finding
        fields = ["framework", "rule", "status", "severity", "datasource", "assignee", "asset_type"]

    def filter_age(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(services.age_filter(value)) if value else queryset


class FindingViewSet(
    GovernedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet
):
    queryset = Finding.objects.select_related("rule", "framework", "datasource", "assignee")
    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    search_fields = ["qualified_name", "asset_name"]
    ordering_fields = ["first_seen", "last_seen", "severity", "status"]
    gate_actions = {"transition": "transition", "assign": "assign"}

    @action(detail=True, methods=["post"], serializer_class=TransitionSerializer)
    def transition(self, request: Request, pk: Any = None) -> Response:
        finding = self.get_object()
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        finding = services.transition_finding(
            actor=request.user, finding=finding, **data.validated_data
        )
        return Response(FindingSerializer(finding).data)

    @action(detail=True, methods=["post"], serializer_class=AssignSerializer)
    def assign(self, request: Request, pk: Any = None) -> Response:
        finding = self.get_object()
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        finding = services.assign_finding(
            actor=request.user, finding=finding, **data.validated_data
        )
        return Response(FindingSerializer(finding).data)


class EvaluationRunFilter(django_filters.FilterSet):
    datasource = django_filters.ModelChoiceFilter(queryset=visible_sources)

    class Meta:
        model = EvaluationRun
        fields = ["framework", "datasource", "trigger"]


class EvaluationRunViewSet(GovernedReadOnlyViewSet):
    """Evaluation runs, for Compliance Officers: those of the data sources in their collections;
    runs over every data source for platform-wide officers only."""

    queryset = EvaluationRun.objects.select_related("framework")
    serializer_class = EvaluationRunSerializer
    filterset_class = EvaluationRunFilter


class ReportViewSet(
    GatedSerializerMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    GenericViewSet,
):
    """Reports of a framework, built in the background; each user sees their own, and a report
    holds only the findings its requester may see."""

    serializer_class = ReportSerializer
    queryset = ComplianceReport.objects.none()  # for the schema; get_queryset narrows per user
    permission_classes = [drf_permissions.IsAuthenticated]

    def get_queryset(self) -> Any:
        return services.visible_reports(self.request.user)

    @extend_schema(responses={202: ReportSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.request_report(
            actor=request.user,
            framework=serializer.validated_data["framework"],
            format=serializer.validated_data["format"],
        )
        report.refresh_from_db()
        return Response(ReportSerializer(report).data, status=status.HTTP_202_ACCEPTED)

    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: Any = None) -> HttpResponse:
        report = self.get_object()
        if report.state != ReportState.DONE:
            return Response(
                {"detail": f"The report is {report.state}."}, status=status.HTTP_409_CONFLICT
            )
        return report_response(report)


class SchemaChangeViewSet(GovernedViewSetMixin, GenericViewSet):
    """Schema drift seen by scans, acknowledged so that it stops counting as open drift."""

    queryset = SchemaChangeAcknowledgement.objects.select_related("change")
    serializer_class = AcknowledgeChangesSerializer
    gate_actions = {"acknowledge": permissions.ADD}

    @extend_schema(
        responses={
            200: inline_serializer(
                "AcknowledgedChanges", {"acknowledged": serializers.IntegerField()}
            ),
            404: inline_serializer(
                "SchemaChangesNotFound",
                {
                    "detail": serializers.CharField(),
                    "ids": serializers.ListField(child=serializers.IntegerField()),
                },
            ),
        }
    )
    @action(detail=False, methods=["post"])
    def acknowledge(self, request: Request) -> Response:
        """Acknowledge the schema changes ``ids`` (with an optional ``note``).

        Changes outside the caller's reach answer 404; those already acknowledged are skipped.
        """
        # The right on at least one collection, or 403 before the body is validated.
        if not permissions.can_any(request.user, SchemaChangeAcknowledgement, permissions.ADD):
            raise permissions.PermissionDenied("You may not acknowledge schema changes.")
        data = AcknowledgeChangesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = set(data.validated_data["ids"])
        changes = permissions.restrict(SchemaChange.objects.all(), request.user).filter(pk__in=ids)
        found = set(changes.values_list("pk", flat=True))
        if found != ids:
            return Response(
                {"detail": "Schema changes not found.", "ids": sorted(ids - found)},
                status=status.HTTP_404_NOT_FOUND,
            )
        count = services.acknowledge_schema_changes(
            actor=request.user, changes=changes, note=data.validated_data["note"]
        )
        return Response({"acknowledged": count})
