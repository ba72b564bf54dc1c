"""Access requests: a role on a collection asked with a justification, approved by its admins,
time-bound grants revoked on their own (audited)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.rbac.models import Role, RoleAssignment
from pursight import permissions
from pursight.core.models import AuditEvent
from racine.activity.models import Notification
from racine.approvals import services, tasks
from racine.approvals.models import AccessRequest, AccessStatus, Status

pytestmark = pytest.mark.django_db


def curator_role() -> Role:
    return Role.objects.get(slug="data-curator")


def test_ask_approve_grant_and_expire(world):
    reader = world.fresh(world.outsider)  # Data Reader on HR
    until = timezone.now() + timedelta(days=1)
    access = services.request_access(
        actor=reader,
        collection=world.hr,
        role=curator_role(),
        justification="Quarter close",
        expires_at=until,
    )
    request = access.approval
    assert set(request.reviewers.values_list("username", flat=True)) == {"hr_admin"}
    assert Notification.objects.filter(recipient=world.hr_admin, kind="approval").exists()
    assert "curate_catalog" not in {
        p for p in ["curate_catalog"] if permissions.scope(reader, p).contains(world.hr.pk)
    }
    services.decide(actor=world.fresh(world.hr_admin), request=request, decision="approve")
    access.refresh_from_db()
    assert access.status == AccessStatus.GRANTED and access.assignment is not None
    fresh = world.fresh(world.outsider)
    assert permissions.scope(fresh, "curate_catalog").contains(world.hr.pk)
    assert AuditEvent.objects.filter(action="roleassignment.create", actor=world.hr_admin).exists()
    # Not yet due.
    assert services.expire_access() == 0
    # Due: revoked by the task, audited.
    assert services.expire_access(now=until + timedelta(seconds=1)) == 1
    access.refresh_from_db()
    assert access.status == AccessStatus.EXPIRED and access.ended_at is not None
    assert not RoleAssignment.objects.filter(user=world.outsider, role=curator_role()).exists()
    assert not permissions.scope(world.fresh(world.outsider), "curate_catalog").contains(
        world.hr.pk
    )
    assert AuditEvent.objects.filter(action="roleassignment.delete").exists()
    assert AuditEvent.objects.filter(
        action="accessrequest.expire", object_id=str(access.pk)
    ).exists()
    assert tasks.expire_access() == 0


def test_a_grant_never_takes_away_a_role_held_before(world, assign):
    access = services.request_access(
        actor=world.fresh(world.outsider),
        collection=world.hr,
        role=curator_role(),
        justification="x",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    assign(world.outsider, "data-curator", world.hr)  # given meanwhile, for good
    services.decide(actor=world.fresh(world.hr_admin), request=access.approval, decision="approve")
    access.refresh_from_db()
    assert access.status == AccessStatus.GRANTED and access.assignment is None
    services.expire_access(now=timezone.now() + timedelta(hours=2))
    assert RoleAssignment.objects.filter(user=world.outsider, role=curator_role()).exists()


def test_rejected_request_grants_nothing(world):
    access = services.request_access(
        actor=world.fresh(world.outsider),
        collection=world.hr,
        role=curator_role(),
        justification="please",
    )
    services.decide(
        actor=world.fresh(world.hr_admin),
        request=access.approval,
        decision="reject",
        comment="Ask your manager",
    )
    access.refresh_from_db()
    assert access.status == AccessStatus.REJECTED
    assert access.approval.status == Status.REJECTED
    assert not RoleAssignment.objects.filter(user=world.outsider, role=curator_role()).exists()


def test_bad_requests_are_refused_with_reasons(world):
    reader = world.fresh(world.outsider)
    with pytest.raises(ValidationError) as err:
        services.request_access(
            actor=reader,
            collection=world.hr,
            role=curator_role(),
            justification=" ",
            expires_at=timezone.now() - timedelta(days=1),
        )
    assert set(err.value.message_dict) == {"justification", "expires_at"}
    # A collection hidden from the requester is "not found".
    with pytest.raises(ValidationError, match="not found"):
        services.request_access(
            actor=reader, collection=world.finance, role=curator_role(), justification="x"
        )
    # A role already held.
    with pytest.raises(ValidationError, match="already hold"):
        services.request_access(
            actor=reader,
            collection=world.hr,
            role=Role.objects.get(slug="data-reader"),
            justification="x",
        )
    services.request_access(
        actor=reader, collection=world.hr, role=curator_role(), justification="x"
    )
    with pytest.raises(ValidationError, match="already asked"):
        services.request_access(
            actor=reader, collection=world.hr, role=curator_role(), justification="x"
        )
    assert AccessRequest.objects.count() == 1


def test_only_the_requester_and_the_admins_see_an_access_request(world):
    access = services.request_access(
        actor=world.fresh(world.outsider),
        collection=world.hr,
        role=curator_role(),
        justification="x",
    )
    seen = {
        name
        for name in ("curator", "admin", "hr_admin", "outsider")
        if services.visible_access_requests(world.fresh(getattr(world, name)))
        .filter(pk=access.pk)
        .exists()
    }
    assert seen == {"hr_admin", "outsider"}
    # A Finance admin may not decide on HR's request (and does not see it).
    ok, _ = services.may_decide(world.fresh(world.admin), access.approval)
    assert not ok
