"""The approvals API: ``/api/v1/approvals/`` (requests one may see; approve, reject, withdraw)
and ``/api/v1/access-requests/`` (ask for a role; the admins approve or reject).

A request one may not see answers 404 like a missing one; one visible but not one's to decide
answers 403; a request already decided answers 409.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from pursight.api import Conflict, GatedSerializerMixin, GovernedViewSetMixin

from .. import services
from ..models import (
    AccessRequest,
    AccessStatus,
    ApprovalDecision,
    ApprovalRequest,
    Decision,
    Status,
)
from .serializers import AccessRequestSerializer, ApprovalRequestSerializer, DecideSerializer


@contextmanager
def closed_is_conflict() -> Iterator[None]:
    """Deciding on a request already closed is well formed but refused by its state: 409."""
    try:
        yield
    except services.Closed as exc:
        raise Conflict("; ".join(exc.messages)) from None


class ApprovalRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    kind = django_filters.CharFilter()
    waiting_for_me = django_filters.BooleanFilter(method="filter_waiting")

    class Meta:
        model = ApprovalRequest
        fields = ["status", "kind"]

    def filter_waiting(self, queryset: Any, name: str, value: Any) -> Any:
        if not value:
            return queryset
        return queryset.filter(pk__in=services.waiting_for(self.request.user).values("pk"))


class ApprovalRequestViewSet(
    GovernedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Approval requests you made, review or administer (the gate lists them: its registration
    names the requester and reviewers as people who may view one)."""

    serializer_class = ApprovalRequestSerializer
    # Whoever may view a request reaches its decisions; the service says who may decide (403).
    gate_actions = {"approve": "view", "reject": "view", "withdraw": "view"}
    filterset_class = ApprovalRequestFilter
    ordering_fields = ["created_at", "due_at", "status"]
    queryset = ApprovalRequest.objects.select_related(
        "requested_by", "target_type", "collection"
    ).prefetch_related(
        "reviewers",
        Prefetch("decisions", queryset=ApprovalDecision.objects.select_related("reviewer")),
    )

    def _decide(self, request: Request, decision: str) -> Response:
        row = self.get_object()
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with closed_is_conflict():
            services.decide(
                actor=request.user,
                request=row,
                decision=decision,
                comment=data.validated_data.get("comment", ""),
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=row.pk)).data)

    @extend_schema(request=DecideSerializer, responses=ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        return self._decide(request, Decision.APPROVE)

    @extend_schema(request=DecideSerializer, responses=ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        return self._decide(request, Decision.REJECT)

    @extend_schema(request=None, responses=ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: Any = None) -> Response:
        row = self.get_object()
        with closed_is_conflict():
            services.withdraw(actor=request.user, request=row)
        return Response(self.get_serializer(self.get_queryset().get(pk=row.pk)).data)


class AccessRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AccessStatus.choices)

    class Meta:
        model = AccessRequest
        fields = ["status"]


class AccessRequestViewSet(
    GatedSerializerMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Ask for a role on a collection you can see, with a justification (and, if you like, an
    end); the collection's admins approve or reject it."""

    serializer_class = AccessRequestSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = AccessRequestFilter
    queryset = AccessRequest.objects.select_related("requester", "collection", "role", "approval")

    def get_queryset(self):
        return services.visible_access_requests(self.request.user, super().get_queryset())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        access = services.request_access(
            actor=request.user,
            collection=data["collection"],
            role=data["role"],
            justification=data.get("justification", ""),
            expires_at=data.get("expires_at"),
        )
        row = self.get_queryset().get(pk=access.pk)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    def _decide(self, request: Request, decision: str) -> Response:
        access = self.get_object()
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if access.approval is None or access.status != AccessStatus.PENDING:
            raise Conflict("This access request is no longer open.")
        with closed_is_conflict():
            services.decide(
                actor=request.user,
                request=access.approval,
                decision=decision,
                comment=data.validated_data.get("comment", ""),
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=access.pk)).data)

    @extend_schema(request=DecideSerializer, responses=AccessRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        return self._decide(request, Decision.APPROVE)

    @extend_schema(request=DecideSerializer, responses=AccessRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        return self._decide(request, Decision.REJECT)

    @extend_schema(request=None, responses=AccessRequestSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: Any = None) -> Response:
        access = self.get_object()
        with closed_is_conflict():
            services.withdraw_access(actor=request.user, access=access)
        return Response(self.get_serializer(self.get_queryset().get(pk=access.pk)).data)
