"""The workflows API: workflows (definitions; run, export, import), their runs (cancel,
resume, decide an approval) and schedules. Every write calls a service; a hidden object
answers 404 like a missing one, a state that refuses the action 409."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from pursight.api import GovernedModelViewSet, GovernedReadOnlyViewSet, conflict_on_refusal

from .. import definition as defs
from .. import services
from ..choices import Trigger
from ..models import Schedule, StepRun, Workflow, WorkflowRun, WorkflowStep
from .serializers import (
    DecisionSerializer,
    ImportSerializer,
    ScheduleSerializer,
    WorkflowRunSerializer,
    WorkflowSerializer,
)


def _data(validated: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in validated.items() if k != "step_specs"}
    if "collection" in data:
        data["collection"] = data["collection"].pk if data["collection"] else None
    if "step_specs" in validated:
        data["steps"] = [dict(s) for s in validated["step_specs"]]
    return data


class WorkflowViewSet(GovernedModelViewSet):
    """Workflows: DAGs of typed steps. Create and update take the definition (the YAML/JSON
    form, as JSON); ``run`` starts a run; ``export`` gives the definition as YAML or JSON and
    ``import`` creates (or replaces) one from that text."""

    queryset = Workflow.objects.select_related("owner").prefetch_related(
        Prefetch("steps", queryset=WorkflowStep.objects.order_by("position", "id"))
    )
    serializer_class = WorkflowSerializer
    filterset_fields = ["collection", "enabled"]
    search_fields = ["name", "title", "description"]
    ordering_fields = ["name", "created_at", "updated_at"]
    gate_actions = {"run": "run", "export": "view", "import_definition": "add"}

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.save_workflow(
            actor=self.request.user, data=_data(serializer.validated_data)
        )

    def perform_update(self, serializer: Any) -> None:
        workflow = serializer.instance
        data = {**defs.export(workflow), **_data(serializer.validated_data)}
        serializer.instance = services.save_workflow(
            actor=self.request.user, data=data, workflow=workflow
        )

    def perform_destroy(self, instance: Workflow) -> None:
        with conflict_on_refusal():
            services.delete_workflow(actor=self.request.user, workflow=instance)

    @extend_schema(request=None, responses={202: WorkflowRunSerializer})
    @action(detail=True, methods=["post"])
    def run(self, request: Request, pk: Any = None) -> Response:
        """Start a run (it needs the rights each step needs); follow it at
        ``/api/v1/workflow-runs/{id}/`` or live on the ``workflowrun`` page of ``/ws/live/``."""
        run = services.start_run(
            actor=request.user, workflow=self.get_object(), trigger=Trigger.API
        )
        run = WorkflowRun.objects.prefetch_related("steps").get(pk=run.pk)
        return Response(WorkflowRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[
            OpenApiParameter("as", OpenApiTypes.STR, enum=["yaml", "json"], required=False)
        ],
        responses={(200, "application/yaml"): OpenApiTypes.STR},
    )
    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk: Any = None) -> HttpResponse:
        """The definition as YAML (default) or JSON (``?as=json``): what import reads back."""
        fmt = "json" if request.query_params.get("as") == "json" else "yaml"
        workflow = self.get_object()
        response = HttpResponse(
            services.export_workflow(workflow, fmt),
            content_type="application/json" if fmt == "json" else "application/yaml",
        )
        response["Content-Disposition"] = f'attachment; filename="{workflow.name}.{fmt}"'
        return response

    @extend_schema(
        request=ImportSerializer,
        responses={201: WorkflowSerializer, 400: OpenApiResponse(description="Invalid.")},
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_definition(self, request: Request) -> Response:
        """Create a workflow from its YAML/JSON definition (``replace``: update the one of
        that name)."""
        body = ImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        workflow = services.import_workflow(
            actor=request.user,
            text=body.validated_data["definition"],
            replace=body.validated_data["replace"],
        )
        fresh = self.get_queryset().get(pk=workflow.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)


class WorkflowRunViewSet(GovernedReadOnlyViewSet):
    """Runs with their steps' states. ``cancel``, ``resume`` (from the failed steps) and
    ``decide`` (an approver approves or rejects a waiting approval step)."""

    queryset = WorkflowRun.objects.select_related("requested_by").prefetch_related(
        Prefetch("steps", queryset=StepRun.objects.order_by("position", "id"))
    )
    serializer_class = WorkflowRunSerializer
    filterset_fields = ["workflow", "state", "trigger", "schedule"]
    ordering_fields = ["created_at", "finished_at"]
    gate_actions = {"cancel": "cancel", "resume": "resume", "decide": "decide"}

    def _answer(self, run: WorkflowRun, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=run.pk)).data, status=code)

    @extend_schema(request=None, responses=WorkflowRunSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        with conflict_on_refusal():
            run = services.cancel_run(actor=request.user, run=self.get_object())
        return self._answer(run)

    @extend_schema(request=None, responses={202: WorkflowRunSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: Any = None) -> Response:
        with conflict_on_refusal():
            run = services.resume_run(actor=request.user, run=self.get_object())
        return self._answer(run, status.HTTP_202_ACCEPTED)

    @extend_schema(request=DecisionSerializer, responses=WorkflowRunSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: Any = None) -> Response:
        run = self.get_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.decide_approval(
            actor=request.user,
            run=run,
            step_key=body.validated_data["step"],
            approve=body.validated_data["approve"],
            note=body.validated_data["note"],
        )
        return self._answer(run)


class ScheduleViewSet(GovernedModelViewSet):
    """Schedules of workflows and scans: a cron expression in a time zone, or an interval
    (stored with django-celery-beat); ``next_run`` is when it fires next."""

    queryset = Schedule.objects.select_related("periodic_task")
    serializer_class = ScheduleSerializer
    filterset_fields = ["workflow", "scan", "enabled", "kind"]
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.save_schedule(
            actor=self.request.user, schedule=Schedule(**serializer.validated_data)
        )

    def perform_update(self, serializer: Any) -> None:
        schedule = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(schedule, name, value)
        serializer.instance = services.save_schedule(actor=self.request.user, schedule=schedule)

    def perform_destroy(self, instance: Schedule) -> None:
        services.delete_schedule(actor=self.request.user, schedule=instance)
