"""Collections: the securable tree that data sources live in and permissions are granted on."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from pursight.models import GovernedModel

PATH_SEP = "/"


class Collection(GovernedModel):
    """A node of the collection tree. ``path`` is the materialised chain of ids, ``/1/4/9/``."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, allow_unicode=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=1000, editable=False, db_index=True, default="")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "slug"], name="rbac_collection_unique_slug"),
            models.UniqueConstraint(
                fields=["slug"],
                condition=models.Q(parent__isnull=True),
                name="rbac_collection_unique_root_slug",
            ),
        ]
        permissions = [
            ("view_catalog", "Read the catalog of this collection"),
            ("curate_catalog", "Edit catalog metadata and decide classifications"),
            ("manage_datasources", "Register and edit data sources, run scans"),
            ("manage_collection", "Manage the collection, its children and role assignments"),
            ("manage_compliance", "Manage compliance frameworks and findings"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def depth(self) -> int:
        return self.path.strip(PATH_SEP).count(PATH_SEP)

    @property
    def full_name(self) -> str:
        cached = getattr(self, "_full_name", None)
        if cached:
            return cached
        return self.name


class CollectionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Collection, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        unique_together = [("user", "permission", "content_object")]


class CollectionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Collection, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        unique_together = [("group", "permission", "content_object")]


class Role(models.Model):
    """A named set of collection permissions (Purview's collection roles). Built-in roles are
    created by a data migration and cannot be edited or deleted; custom roles can."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    permissions = models.ManyToManyField(
        "auth.Permission",
        related_name="+",
        blank=True,
        help_text="Collection permissions this role grants on the collection and below.",
    )
    is_builtin = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """A role held by one user or one group on a collection and everything below it."""

    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="role_assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    group = models.ForeignKey(
        "auth.Group",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["collection__path", "role__name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, group__isnull=True)
                    | models.Q(user__isnull=True, group__isnull=False)
                ),
                name="rbac_roleassignment_user_xor_group",
                violation_error_message="Choose either a user or a group (one of them, not both).",
            ),
            models.UniqueConstraint(
                fields=["role", "collection", "user"],
                condition=models.Q(user__isnull=False),
                name="rbac_roleassignment_unique_user",
                violation_error_message="This user already holds this role on this collection.",
            ),
            models.UniqueConstraint(
                fields=["role", "collection", "group"],
                condition=models.Q(group__isnull=False),
                name="rbac_roleassignment_unique_group",
                violation_error_message="This group already holds this role on this collection.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.principal_repr} is {self.role} on {self.collection}"

    @property
    def principal(self) -> Any:
        return self.user if self.user_id else self.group

    @property
    def principal_repr(self) -> str:
        if self.user_id:
            return f"user {self.user}"
        return f"group {self.group}"
