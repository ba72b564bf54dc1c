"""Approval policies, approval requests (one engine for every kind of change) and access
requests (a role on a collection, asked for with a justification)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Quorum(models.TextChoices):
    ANY = "any", "Any one reviewer"
    ALL = "all", "Every reviewer"
    COUNT = "count", "A number of reviewers"


class Status(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved and applied"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Withdrawn"
    FAILED = "failed", "Approved, could not be applied"


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"


class AccessStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    GRANTED = "granted", "Granted"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Withdrawn"
    EXPIRED = "expired", "Expired"


class ApprovalPolicy(models.Model):
    """ "Classification decisions on collection Finance need 1 approval from Data Curators."

    A policy applies to the objects of its collection and of the collections below it (the
    nearest policy wins); a policy without a collection applies everywhere, including to the
    definitions that belong to no collection (scan rule sets, compliance rules)."""

    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=64, help_text="The kind of change that needs approval.")
    collection = models.ForeignKey(
        "rbac.Collection",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="approval_policies",
        help_text="Empty: every collection, and definitions outside collections.",
    )
    reviewer_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name="reviewers"
    )
    reviewer_role = models.ForeignKey(
        "rbac.Role",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Holders of this role on the object's collection (or above) review.",
    )
    quorum = models.CharField(max_length=8, choices=Quorum.choices, default=Quorum.ANY)
    required = models.PositiveSmallIntegerField(
        default=1, help_text="Approvals needed when the quorum is a number of reviewers."
    )
    due_days = models.PositiveSmallIntegerField(
        default=3, help_text="Days before an open request is escalated to the collection admins."
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["kind", "collection__path", "name"]
        verbose_name_plural = "approval policies"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "collection"],
                condition=models.Q(enabled=True, collection__isnull=False),
                name="approvals_policy_one_per_collection",
                violation_error_message="This collection already has a policy for this kind.",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(enabled=True, collection__isnull=True),
                name="approvals_policy_one_global",
                violation_error_message="There already is a policy for this kind everywhere.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ApprovalRequest(models.Model):
    """A proposed change held until its reviewers approve it (then applied through the owning
    service) or one of them rejects it. Seen only by its requester, its reviewers and the
    admins of its collection."""

    kind = models.CharField(max_length=64, db_index=True)
    summary = models.CharField(max_length=300)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target_repr = models.CharField(max_length=300, blank=True)
    collection = models.ForeignKey(
        "rbac.Collection",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="approval_requests",
    )
    payload = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="approval_requests",
    )
    policy = models.ForeignKey(
        ApprovalPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="approvals_to_review"
    )
    quorum = models.CharField(max_length=8, choices=Quorum.choices, default=Quorum.ANY)
    required = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    due_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["target_type", "target_id"]),
        ]

    def __str__(self) -> str:
        return f"Request #{self.pk}: {self.summary}"

    @property
    def is_open(self) -> bool:
        return self.status == Status.PENDING


class ApprovalDecision(models.Model):
    """One reviewer's approval or rejection, with its comment."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="decisions")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    decision = models.CharField(max_length=8, choices=Decision.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "reviewer"],
                name="approvals_one_decision_per_reviewer",
                violation_error_message="You already decided on this request.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.get_decision_display()}"


class AccessRequest(models.Model):
    """A user asks for a role on a collection; the collection's admins approve or reject it.
    A grant may end on its own (``expires_at``), revoked by a scheduled task."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_requests"
    )
    collection = models.ForeignKey(
        "rbac.Collection", on_delete=models.CASCADE, related_name="access_requests"
    )
    role = models.ForeignKey("rbac.Role", on_delete=models.PROTECT, related_name="+")
    justification = models.TextField()
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty: the role is kept until someone revokes it."
    )
    status = models.CharField(
        max_length=10, choices=AccessStatus.choices, default=AccessStatus.PENDING, db_index=True
    )
    approval = models.OneToOneField(
        ApprovalRequest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_request",
    )
    assignment = models.ForeignKey(
        "rbac.RoleAssignment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    granted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.requester} asks for {self.role} on {self.collection}"
