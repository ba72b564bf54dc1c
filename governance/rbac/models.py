"""Collections: the securable tree that data sources live in and permissions are granted on."""

from __future__ import annotations

from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from pursight.models import GovernedModel

PATH_SEP = "/"


class Collection(GovernedModel):
    """A node of the collection tree. ``path`` is the materialised chain of ids, ``/1/4/9/``."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
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

    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip(PATH_SEP).split(PATH_SEP) if p]


class CollectionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Collection, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        unique_together = [("user", "permission", "content_object")]


class CollectionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Collection, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        unique_together = [("group", "permission", "content_object")]
