"""Workspaces: a securable root (like a collection) where a team works on a set of assets."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from pursight.models import GovernedModel, TimeStampedModel

from .choices import WorkspaceRole, WorkspaceStatus


class Workspace(GovernedModel):
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=WorkspaceStatus.choices, default=WorkspaceStatus.ACTIVE
    )
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The co-edited notes (plain-text value saved from the shared document, at most every few
    # seconds; the CRDT state lives in collaboration.SharedDocument).
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        # view_workspace (Django's own) lets a member see it, its members, pins and activity.
        permissions = [
            ("edit_workspace", "Pin assets, comment, edit notes and tasks in the workspace"),
            ("manage_workspace", "Manage members, lifecycle and settings of the workspace"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def read_only(self) -> bool:
        return self.status == WorkspaceStatus.ARCHIVED


class WorkspaceUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Workspace, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        unique_together = [("user", "permission", "content_object")]


class WorkspaceGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Workspace, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        unique_together = [("group", "permission", "content_object")]


class Membership(TimeStampedModel):
    """A user's role in a workspace; the services keep guardian's rows in step with it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workspace_memberships"
    )
    role = models.CharField(max_length=16, choices=WorkspaceRole.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["workspace", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="workspaces_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) in {self.workspace}"


class Pin(TimeStampedModel):
    """An asset (or scan, finding, saved search...) pinned to a workspace. Seen only by members
    whom the gate lets see the asset itself: membership never widens governance access."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="pins")
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["workspace", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "target_type", "target_id"], name="workspaces_pin_once"
            )
        ]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.target_type.name} {self.target_id} in {self.workspace}"


class SavedSearch(GovernedModel):
    """A catalog search a workspace keeps (query text and facet filters), pinnable."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(max_length=120)
    query = models.CharField(max_length=500, blank=True)
    filters = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["workspace", "name"]
        verbose_name_plural = "saved searches"
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="workspaces_search_name")
        ]

    def __str__(self) -> str:
        return self.name
