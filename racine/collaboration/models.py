"""Comments, tasks and co-edited documents."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from pursight.models import GovernedModel, TimeStampedModel

from .choices import TaskKind, TaskStatus


class Comment(TimeStampedModel):
    """A comment on any registered governance object. A thread is its first comment
    (``parent`` null) and the replies that point to it; resolving is on the thread."""

    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()  # Markdown as written
    body_html = models.TextField(editable=False, default="")  # rendered and sanitised
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["target_type", "target_id", "created_at"])]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.target_type.name} {self.target_id}"


class Task(GovernedModel):
    """A governance task in a workspace, assigned to a member, optionally about an object."""

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="tasks"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=32, choices=TaskKind.choices, default=TaskKind.OTHER)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="racine_tasks",
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["status", "due_date", "id"]
        indexes = [models.Index(fields=["assignee", "status", "due_date"])]

    def __str__(self) -> str:
        return self.title


class SharedDocument(models.Model):
    """The CRDT (Yjs/pycrdt) state of one co-edited text: a workspace's notes, an asset's or a
    finding's description. ``state`` is the document's full update (compacted); ``text`` the
    plain value last saved through the owning object's service, ``saving`` the one a save in
    flight writes."""

    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    field = models.CharField(max_length=64)
    state = models.BinaryField(default=b"")
    text = models.TextField(blank=True)
    # The text a save in flight is writing through the owning service (the row is not locked
    # meanwhile): the object holding it then is that save, not an edit made elsewhere.
    saving = models.TextField(blank=True, default="")
    updates_since_compaction = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    saved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id", "field"], name="collaboration_document_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.field} of {self.target_type.name} {self.target_id}"
