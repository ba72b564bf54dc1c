from __future__ import annotations

from typing import Any

from pursight.api import GovernedModelViewSet, conflict_on_refusal

from .. import services
from ..models import Collection, Role, RoleAssignment
from .serializers import CollectionSerializer, RoleAssignmentSerializer, RoleSerializer


class CollectionViewSet(GovernedModelViewSet):
    """The collection tree. Creating and moving stay within the user's scope (checked by the
    services): roots only for platform administrators, a parent only one the user manages."""

    queryset = Collection.objects.all()
    serializer_class = CollectionSerializer
    filterset_fields = ["parent"]
    search_fields = ["name", "slug", "description"]
    ordering_fields = ["path", "name"]

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.create_collection(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        instance = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(instance, key, value)
        serializer.instance = services.save_collection(actor=self.request.user, collection=instance)

    def perform_destroy(self, instance: Collection) -> None:
        with conflict_on_refusal():
            services.delete_collection(actor=self.request.user, collection=instance)


class RoleAssignmentViewSet(GovernedModelViewSet):
    """Who holds which role where. Visible to and managed by Collection Admins of the subtree.
    Assignments are immutable: revoke and assign again."""

    queryset = RoleAssignment.objects.select_related("role", "collection", "user", "group")
    serializer_class = RoleAssignmentSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    filterset_fields = ["role", "collection", "user", "group"]
    ordering_fields = ["created_at", "collection__path"]

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.assign_role(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance: RoleAssignment) -> None:
        services.revoke_role(actor=self.request.user, assignment=instance)


class RoleViewSet(GovernedModelViewSet):
    """Roles are named sets of collection permissions, global to the platform: everyone signed
    in reads them, platform administrators define custom ones (the gate's registration of
    ``rbac.Role``). Built-in roles are read-only."""

    queryset = Role.objects.prefetch_related("permissions")
    serializer_class = RoleSerializer
    filterset_fields = ["is_builtin"]
    search_fields = ["name", "description"]

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.save_role(
            actor=self.request.user,
            name=data["name"],
            description=data.get("description", ""),
            codenames=[p.codename for p in data.get("permissions", [])],
        )

    def perform_update(self, serializer: Any) -> None:
        role = serializer.instance
        data = serializer.validated_data
        serializer.instance = services.save_role(
            actor=self.request.user,
            role=role,
            name=data.get("name", role.name),
            description=data.get("description", role.description),
            codenames=[p.codename for p in data["permissions"]]
            if "permissions" in data
            else services.role_codenames(role),
        )

    def perform_destroy(self, instance: Role) -> None:
        with conflict_on_refusal():
            services.delete_role(actor=self.request.user, role=instance)
