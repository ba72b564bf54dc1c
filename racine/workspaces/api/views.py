"""The workspaces API: workspaces with their members and pins, and saved searches.

A workspace one is not a member of answers 404 like a missing one; a member without the role an
action needs gets 403. Every write calls a service; a write refused because the workspace is
archived answers 409.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from pursight.api import Conflict, GovernedModelViewSet

from .. import pinning, services
from ..models import Membership, Pin, SavedSearch, Workspace
from .serializers import (
    InviteSerializer,
    MemberRoleSerializer,
    MemberSerializer,
    NewPinSerializer,
    PinSerializer,
    SavedSearchSerializer,
    TransferSerializer,
    WorkspaceSerializer,
)

USER_ID = OpenApiParameter(
    "user_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="A member's user id."
)
PIN_ID = OpenApiParameter("pin_id", OpenApiTypes.INT, OpenApiParameter.PATH)
NO_SUCH_PIN = "No such pin."


@contextmanager
def archived_is_conflict() -> Iterator[None]:
    """A write on an archived workspace is well formed but refused by its state: 409."""
    try:
        yield
    except services.WorkspaceArchived as exc:
        raise Conflict("; ".join(exc.messages)) from None


def _path_id(value: Any, message: str) -> int:
    """An id from the path; anything that cannot be one is not found (a JSON 404)."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise NotFound(message) from None
    if not 0 < pk < 2**63:
        raise NotFound(message)
    return pk


class WorkspaceViewSet(GovernedModelViewSet):
    """Workspaces you are a member of (superusers: all), with their members and the pins whose
    objects you may see. Anyone signed in may create one and becomes its owner."""

    queryset = Workspace.objects.all()
    serializer_class = WorkspaceSerializer
    filterset_fields = ["status"]
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "updated_at"]
    gate_actions = {
        "invite": "manage",
        "remove_member": "manage",
        "change_role": "manage",
        "transfer": "manage",
        "leave": "view",
        "archive": "manage",
        "restore": "manage",
        "activate": "manage",
        "add_pin": "edit",
        "unpin": "edit",
    }

    def get_queryset(self) -> Any:
        user = self.request.user
        pins = pinning.visible_pins(user, Pin.objects.select_related("pinned_by"))
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch("memberships", queryset=Membership.objects.select_related("user")),
                Prefetch("pins", queryset=pins, to_attr="visible_pins"),
            )
        )

    def _fresh(self, workspace: Workspace) -> Workspace:
        return self.get_queryset().get(pk=workspace.pk)

    def _answer(self, workspace: Workspace, code: int = status.HTTP_200_OK) -> Response:
        context = self.get_serializer_context()
        data = WorkspaceSerializer(self._fresh(workspace), context=context).data
        return Response(data, status=code)

    def _act(self, func: Callable[..., Any], **kwargs: Any) -> Any:
        with archived_is_conflict():
            return func(actor=self.request.user, **kwargs)

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = self._fresh(
            services.create_workspace(
                actor=self.request.user,
                name=data["name"],
                description=data.get("description", ""),
                status=data.get("status", "active"),
            )
        )

    def perform_update(self, serializer: Any) -> None:
        fields = {k: v for k, v in serializer.validated_data.items() if k in services.UPDATABLE}
        workspace = self._act(services.update_workspace, workspace=serializer.instance, **fields)
        serializer.instance = self._fresh(workspace)

    def perform_destroy(self, instance: Workspace) -> None:
        self._act(services.delete_workspace, workspace=instance)

    @extend_schema(request=InviteSerializer, responses={201: MemberSerializer})
    @action(detail=True, methods=["post"], url_path="members", serializer_class=InviteSerializer)
    def invite(self, request: Request, pk: Any = None) -> Response:
        """Invite a user (someone you may name) with a role. Owners only."""
        workspace = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        member = self._act(
            services.invite_member,
            workspace=workspace,
            user=body.validated_data["user"],
            role=body.validated_data["role"],
        )
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)

    def _member(self, workspace: Workspace, user_id: Any) -> Membership:
        member = (
            Membership.objects.select_related("user")
            .filter(workspace=workspace, user_id=_path_id(user_id, services.NOT_A_MEMBER))
            .first()
        )
        if member is None:
            raise NotFound(services.NOT_A_MEMBER)
        return member

    @extend_schema(request=None, responses={204: None}, parameters=[USER_ID])
    @action(
        detail=True,
        methods=["post"],
        url_path=r"members/(?P<user_id>[^/.]+)/remove",
        serializer_class=MemberSerializer,
    )
    def remove_member(self, request: Request, pk: Any = None, user_id: Any = None) -> Response:
        """Remove a member. Owners only; the last owner stays."""
        workspace = self.get_object()
        member = self._member(workspace, user_id)
        self._act(services.remove_member, workspace=workspace, user=member.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=MemberRoleSerializer, responses={200: MemberSerializer}, parameters=[USER_ID]
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"members/(?P<user_id>[^/.]+)/role",
        serializer_class=MemberRoleSerializer,
    )
    def change_role(self, request: Request, pk: Any = None, user_id: Any = None) -> Response:
        """Give a member another role. Owners only; the last owner keeps theirs."""
        workspace = self.get_object()
        member = self._member(workspace, user_id)
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        member = self._act(
            services.change_role,
            workspace=workspace,
            user=member.user,
            role=body.validated_data["role"],
        )
        return Response(MemberSerializer(member).data)

    @extend_schema(request=TransferSerializer, responses={200: WorkspaceSerializer})
    @action(detail=True, methods=["post"], serializer_class=TransferSerializer)
    def transfer(self, request: Request, pk: Any = None) -> Response:
        """Make a member the owner; you (the previous owner) become an editor."""
        workspace = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        self._act(
            services.transfer_ownership, workspace=workspace, user=body.validated_data["user"]
        )
        return self._answer(workspace)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"], serializer_class=WorkspaceSerializer)
    def leave(self, request: Request, pk: Any = None) -> Response:
        """Leave the workspace (the last owner cannot)."""
        workspace = self.get_object()
        self._act(services.leave_workspace, workspace=workspace)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _lifecycle(self, func: Callable[..., Any]) -> Response:
        workspace = self.get_object()
        self._act(func, workspace=workspace)
        return self._answer(workspace)

    @extend_schema(request=None, responses={200: WorkspaceSerializer})
    @action(detail=True, methods=["post"], serializer_class=WorkspaceSerializer)
    def archive(self, request: Request, pk: Any = None) -> Response:
        """Archive: the workspace becomes read-only. Owners only."""
        return self._lifecycle(services.archive_workspace)

    @extend_schema(request=None, responses={200: WorkspaceSerializer})
    @action(detail=True, methods=["post"], serializer_class=WorkspaceSerializer)
    def restore(self, request: Request, pk: Any = None) -> Response:
        """Restore an archived workspace (active again). Owners only."""
        return self._lifecycle(services.restore_workspace)

    @extend_schema(request=None, responses={200: WorkspaceSerializer})
    @action(detail=True, methods=["post"], serializer_class=WorkspaceSerializer)
    def activate(self, request: Request, pk: Any = None) -> Response:
        """Activate a draft. Owners only."""
        return self._lifecycle(services.activate_workspace)

    @extend_schema(request=NewPinSerializer, responses={201: PinSerializer})
    @action(detail=True, methods=["post"], url_path="pins", serializer_class=NewPinSerializer)
    def add_pin(self, request: Request, pk: Any = None) -> Response:
        """Pin an object you may see (editors and owners). A kind that cannot be pinned, a
        missing object and one you may not see answer alike: "Object not found."."""
        workspace = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        target = pinning.resolve(request.user, data["target_type"], data["target_id"])
        pin = self._act(services.pin, workspace=workspace, target=target, note=data["note"])
        return Response(PinSerializer(pin).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None}, parameters=[PIN_ID])
    @action(
        detail=True,
        methods=["post"],
        url_path=r"pins/(?P<pin_id>[^/.]+)/unpin",
        serializer_class=PinSerializer,
    )
    def unpin(self, request: Request, pk: Any = None, pin_id: Any = None) -> Response:
        """Remove a pin (editors and owners)."""
        workspace = self.get_object()
        pin = (
            pinning.visible_pins(request.user, Pin.objects.filter(workspace=workspace))
            .select_related("workspace", "target_type")
            .filter(pk=_path_id(pin_id, NO_SUCH_PIN))
            .first()
        )
        if pin is None:
            raise NotFound(NO_SUCH_PIN)
        self._act(services.unpin, pin=pin)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SavedSearchViewSet(GovernedModelViewSet):
    """Catalog searches kept by workspaces (members read them; editors write them)."""

    queryset = SavedSearch.objects.select_related("workspace")
    serializer_class = SavedSearchSerializer
    filterset_fields = ["workspace"]
    search_fields = ["name", "query"]
    ordering_fields = ["name", "created_at", "updated_at"]

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        with archived_is_conflict():
            serializer.instance = services.create_saved_search(
                actor=self.request.user,
                workspace=data["workspace"],
                name=data["name"],
                query=data.get("query", ""),
                filters=data.get("filters") or {},
            )

    def perform_update(self, serializer: Any) -> None:
        fields = {
            k: v for k, v in serializer.validated_data.items() if k in ("name", "query", "filters")
        }
        with archived_is_conflict():
            serializer.instance = services.update_saved_search(
                actor=self.request.user, search=serializer.instance, **fields
            )

    def perform_destroy(self, instance: SavedSearch) -> None:
        with archived_is_conflict():
            services.delete_saved_search(actor=self.request.user, search=instance)
