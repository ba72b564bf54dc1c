"""The activity stream and each user's notification inbox."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

# The anchors an event keeps (see ActivityEvent): field name -> model label of the anchor.
ANCHORS = {
    "collection_id": "rbac.Collection",
    "datasource_id": "datasources.DataSource",
    "schema_id": "catalog.CatalogSchema",
    "table_id": "catalog.CatalogTable",
    "column_id": "catalog.CatalogColumn",
}
ANCHOR_FIELDS = tuple(ANCHORS)


class ActivityEvent(models.Model):
    """Something that happened to a governed object (written after the commit of the change).

    Visible to a viewer only where the gate lets them see the target. ``workspace`` is set for
    events of the workspace itself (members, pins, tasks, notes); events about assets reach a
    workspace's feed through its pins (``datasource_id`` and ``collection_id`` are the target's
    at the time, so that a pinned source or collection shows the activity of what it holds).
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    target_repr = models.CharField(max_length=300, blank=True)
    workspace = models.ForeignKey(
        "workspaces.Workspace",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activity",
    )
    # The target's anchors when the event was recorded (catalog ids, not foreign keys: the
    # event outlives the asset), so that a workspace pinning a table, schema, data source or
    # collection shows the activity of what it holds, as its live feed does.
    datasource_id = models.BigIntegerField(null=True, blank=True)
    collection_id = models.BigIntegerField(null=True, blank=True)
    schema_id = models.BigIntegerField(null=True, blank=True)
    table_id = models.BigIntegerField(null=True, blank=True)
    column_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "-created_at"]),
            models.Index(fields=["workspace", "-created_at"]),
            models.Index(fields=["kind", "-created_at"], name="activity_kind_recent"),
            # A feed filters on one anchor (or an OR of them) and reads the newest first: each
            # anchor's index holds only the events that have one (partial), newest first.
            *(
                models.Index(
                    fields=[anchor, "-created_at"],
                    name=f"activity_{anchor.removesuffix('_id')}_recent",
                    condition=models.Q(**{f"{anchor}__isnull": False}),
                )
                for anchor in ANCHOR_FIELDS
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.target_repr}"


class Notification(models.Model):
    """One entry of a user's inbox (mention, reply, assignment, failed scan, new finding)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=64)
    event = models.ForeignKey(
        ActivityEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """What a user wants in the inbox and by e-mail (kinds they muted; e-mail on or off)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    muted_kinds = models.JSONField(default=list, blank=True)
    email = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Notification preferences of {self.user}"
