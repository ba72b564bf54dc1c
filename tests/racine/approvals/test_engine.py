"""The approval engine: changes held by a policy, quorum, rejection, self-approval, escalation,
and visibility (hidden equals missing)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.catalog import classifying
from governance.catalog.models import ColumnClassification
from pursight import changes, permissions
from pursight.core.models import AuditEvent
from racine.activity.models import Notification
from racine.approvals import services
from racine.approvals.models import ApprovalRequest, Status

pytestmark = pytest.mark.django_db


def accept(world, user, row=None):
    row = row or ColumnClassification.objects.get(pk=world.row.pk)
    return classifying.accept_classification(actor=world.fresh(user), classification=row)


def status_of(row) -> str:
    return ColumnClassification.objects.get(pk=row.pk).status


def test_without_a_policy_the_change_applies_at_once(world):
    result = accept(world, world.curator)
    assert changes.pending_of(result) is None
    assert status_of(world.row) == "accepted"
    assert not ApprovalRequest.objects.exists()


def test_a_policy_holds_the_change_until_one_approval(world, policy):
    policy()
    result = accept(world, world.curator)
    pending = changes.pending_of(result)
    assert pending is not None and "Sent for approval" in pending.message
    assert status_of(world.row) == "suggested"  # nothing changed yet
    request = pending.request
    assert request.status == Status.PENDING and request.required == 1
    # Reviewers: the other Data Curators on Finance, never the requester.
    reviewers = set(request.reviewers.values_list("username", flat=True))
    assert reviewers == {"curator2", "steward"}
    # They are told, with a link to the review page.
    notes = Notification.objects.filter(kind="approval")
    assert {n.recipient.username for n in notes} == {"curator2", "steward"}
    assert all(n.url == services.review_url(request) for n in notes)
    services.decide(actor=world.fresh(world.curator2), request=request, decision="approve")
    request.refresh_from_db()
    assert request.status == Status.APPROVED
    row = ColumnClassification.objects.get(pk=world.row.pk)
    # Applied through the service, as the requester: the decision, its audit and activity.
    assert row.status == "accepted" and row.decided_by_id == world.curator.pk
    assert AuditEvent.objects.filter(
        action="columnclassification.accept", object_id=str(row.pk), actor=world.curator
    ).exists()
    assert AuditEvent.objects.filter(action="approvalrequest.approve").exists()


def test_rejection_leaves_the_object_unchanged(world, policy):
    policy()
    request = changes.pending_of(accept(world, world.curator)).request
    with pytest.raises(ValidationError):  # a rejection says why
        services.decide(actor=world.fresh(world.steward), request=request, decision="reject")
    services.decide(
        actor=world.fresh(world.steward), request=request, decision="reject", comment="Not PII"
    )
    request.refresh_from_db()
    assert request.status == Status.REJECTED
    assert status_of(world.row) == "suggested"
    # The requester is told.
    assert Notification.objects.filter(recipient=world.curator, kind="approval").exists()
    # A closed request takes no more decisions.
    with pytest.raises(services.Closed):
        services.decide(actor=world.fresh(world.curator2), request=request, decision="approve")


def test_nobody_approves_their_own_request(world, policy):
    policy(users=(world.curator,))  # even when named as a reviewer
    request = changes.pending_of(accept(world, world.curator)).request
    assert not request.reviewers.filter(pk=world.curator.pk).exists()
    with pytest.raises(permissions.PermissionDenied, match="own request"):
        services.decide(actor=world.fresh(world.curator), request=request, decision="approve")
    assert status_of(world.row) == "suggested"


def test_quorum_all_needs_every_reviewer(world, policy):
    policy(quorum="all")
    request = changes.pending_of(accept(world, world.curator)).request
    assert request.required == 2  # curator2 and steward
    services.decide(actor=world.fresh(world.curator2), request=request, decision="approve")
    request.refresh_from_db()
    assert request.status == Status.PENDING and status_of(world.row) == "suggested"
    with pytest.raises(ValidationError, match="already decided"):
        services.decide(actor=world.fresh(world.curator2), request=request, decision="approve")
    services.decide(actor=world.fresh(world.steward), request=request, decision="approve")
    request.refresh_from_db()
    assert request.status == Status.APPROVED and status_of(world.row) == "accepted"


def test_quorum_of_n(world, policy, make_user, assign):
    third = make_user("third")
    assign(third, "data-curator", world.finance)
    policy(quorum="count", required=2)
    request = changes.pending_of(accept(world, world.curator)).request
    assert request.required == 2 and request.reviewers.count() == 3
    services.decide(actor=world.fresh(world.curator2), request=request, decision="approve")
    request.refresh_from_db()
    assert request.status == Status.PENDING
    services.decide(actor=world.fresh(third), request=request, decision="approve")
    request.refresh_from_db()
    assert request.status == Status.APPROVED and status_of(world.row) == "accepted"
    state = services.request_state(request.pk)
    assert state["status"] == "approved" and state["approvals"] == 2 and state["required"] == 2


def test_nearest_policy_wins_and_other_collections_are_untouched(world, policy, admin_user):
    policy(quorum="any")  # Finance
    policy(quorum="all", collection="ledger")  # nearer to the row
    request = changes.pending_of(accept(world, world.curator)).request
    assert request.quorum == "all" and request.collection_id == world.ledger.pk
    # HR has no policy: its decisions apply at once.
    hr_row = ColumnClassification.objects.get(pk=world.hr_row.pk)
    classifying.accept_classification(actor=admin_user, classification=hr_row)
    assert status_of(world.hr_row) == "accepted"


def test_a_change_refused_on_approval_fails_with_the_reason(world, policy):
    from governance.rbac.models import RoleAssignment
    from governance.rbac.services import revoke_role

    policy()
    request = changes.pending_of(accept(world, world.curator)).request
    # The requester lost the right meanwhile: the service refuses, nothing changes.
    revoke_role(actor=None, assignment=RoleAssignment.objects.get(user=world.curator))
    services.decide(actor=world.fresh(world.steward), request=request, decision="approve")
    request.refresh_from_db()
    assert request.status == Status.FAILED and "may not" in request.error
    assert status_of(world.row) == "suggested"


def test_overdue_requests_are_escalated_to_the_collection_admins(world, policy):
    policy(due_days=1)
    request = changes.pending_of(accept(world, world.curator)).request
    assert services.escalate_overdue() == 0  # not due yet
    later = timezone.now() + timedelta(days=2)
    assert services.escalate_overdue(now=later) == 1
    request.refresh_from_db()
    assert request.escalated_at is not None
    assert request.reviewers.filter(pk=world.admin.pk).exists()
    assert Notification.objects.filter(recipient=world.admin, title__startswith="Overdue").exists()
    assert AuditEvent.objects.filter(action="approvalrequest.escalate").exists()
    assert services.escalate_overdue(now=later) == 0  # once
    # The admin decides.
    services.decide(actor=world.fresh(world.admin), request=request, decision="approve")
    assert status_of(world.row) == "accepted"


def test_escalation_task_runs_the_service(world, policy):
    from racine.approvals import tasks

    policy(due_days=0)
    changes.pending_of(accept(world, world.curator))
    assert tasks.escalate_overdue() == 1


def test_hidden_equals_missing(world, policy):
    policy()
    request = changes.pending_of(accept(world, world.curator)).request
    seen = {
        name: services.visible_requests(world.fresh(getattr(world, name)))
        .filter(pk=request.pk)
        .exists()
        for name in ("curator", "curator2", "steward", "admin", "hr_admin", "outsider")
    }
    assert seen == {
        "curator": True,  # requester
        "curator2": True,  # reviewer
        "steward": True,  # reviewer
        "admin": True,  # admin of Finance (above Ledger)
        "hr_admin": False,
        "outsider": False,
    }
    ok, _ = services.may_decide(world.fresh(world.hr_admin), request)
    assert not ok


def test_withdraw(world, policy):
    policy()
    request = changes.pending_of(accept(world, world.curator)).request
    with pytest.raises(permissions.PermissionDenied):
        services.withdraw(actor=world.fresh(world.curator2), request=request)
    services.withdraw(actor=world.fresh(world.curator), request=request)
    request.refresh_from_db()
    assert request.status == Status.CANCELLED and status_of(world.row) == "suggested"


def test_request_approval_for_a_workflow_step(world):
    """What orchestration calls: a kind without an applier is only approved."""
    request = services.request_approval(
        "workflow.gate",
        world.ledger,
        {"step": 3},
        world.fresh(world.curator),
        reviewers=[world.steward],
        quorum="any",
    )
    assert services.request_state(request)["status"] == "pending"
    services.decide(actor=world.fresh(world.steward), request=request, decision="approve")
    assert services.request_state(request)["status"] == "approved"


def test_unknown_kinds_are_refused_by_the_kernel(world):
    with pytest.raises(LookupError):
        changes.propose("no.such.kind", world.row, {}, actor=None, apply=lambda: None)


def test_a_decision_is_signalled_after_the_commit(world, django_capture_on_commit_callbacks):
    from racine.approvals.signals import request_decided

    seen = []

    def receiver(sender, request, status, **kw):
        seen.append((request.pk, status))

    request_decided.connect(receiver)
    try:
        request = services.request_approval(
            "workflow.gate", world.ledger, {}, world.fresh(world.curator), reviewers=[world.steward]
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.decide(
                actor=world.fresh(world.steward), request=request, decision="reject", comment="No"
            )
    finally:
        request_decided.disconnect(receiver)
    assert seen == [(request.pk, "rejected")]


def test_the_systems_own_changes_are_never_held(world, policy):
    policy()
    row = ColumnClassification.objects.get(pk=world.row.pk)
    outcome = changes.propose(
        "classification.decision", row, {"status": "accepted"}, actor=None, apply=lambda: "done"
    )
    assert outcome == "done" and not ApprovalRequest.objects.exists()


def test_a_deleted_target_fails_the_request(world, policy):
    policy()
    request = changes.pending_of(accept(world, world.curator)).request
    ColumnClassification.objects.filter(pk=world.row.pk).delete()
    services.decide(actor=world.fresh(world.steward), request=request, decision="approve")
    request.refresh_from_db()
    assert request.status == Status.FAILED and "no longer exists" in request.error
