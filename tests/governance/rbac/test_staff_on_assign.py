"""A role makes the console usable: its holder may sign in to the admin (issue 12)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from pursight import permissions
from pursight.core.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "a-Long-pass-phrase-42"


def _newcomer(make_user, name: str):
    user = make_user(name, staff=False)
    user.set_password(PASSWORD)
    user.save()
    return user


def _staff_events(user) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="user.staff_granted", object_id=str(user.pk)))


def test_a_user_granted_a_role_can_sign_in_to_the_admin(make_user, make_collection, assign, client):
    sales = make_collection("Sales")
    reader = _newcomer(make_user, "reader")
    refused = client.post("/admin/login/", {"username": "reader", "password": PASSWORD})
    assert refused.status_code == 200  # "staff account" message, not signed in

    assign(reader, "data-reader", sales)

    reader.refresh_from_db()
    assert reader.is_staff and not reader.is_superuser
    r = client.post("/admin/login/", {"username": "reader", "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/admin/"
    page = client.get("/admin/rbac/collection/")
    assert page.status_code == 200 and "Sales" in page.content.decode()
    (event,) = _staff_events(reader)
    assert event.changes == {"is_staff": [False, True]}


def test_assigning_again_or_to_staff_records_nothing_more(make_user, make_collection, assign):
    sales = make_collection("Sales")
    reader = _newcomer(make_user, "reader")
    assign(reader, "data-reader", sales)
    assign(reader, "data-reader", sales)
    assign(reader, "data-curator", sales)
    assert len(_staff_events(reader)) == 1
    staff = make_user("already")
    assign(staff, "data-reader", sales)
    assert _staff_events(staff) == []


def test_a_group_role_makes_its_members_staff(make_user, make_collection, assign):
    sales = make_collection("Sales")
    team = Group.objects.create(name="stewards")
    member, outsider = _newcomer(make_user, "member"), _newcomer(make_user, "outsider")
    member.groups.add(team)
    assign(team, "data-reader", sales)
    member.refresh_from_db()
    outsider.refresh_from_db()
    assert member.is_staff and not outsider.is_staff
    assert len(_staff_events(member)) == 1


def test_a_refused_assignment_leaves_the_user_as_they_were(make_user, make_collection, assign):
    sales = make_collection("Sales")
    reader = _newcomer(make_user, "reader")
    nobody = make_user("nobody")
    with pytest.raises(permissions.PermissionDenied):
        assign(reader, "data-reader", sales, actor=nobody)
    reader.refresh_from_db()
    assert not reader.is_staff and _staff_events(reader) == []


def test_revoking_keeps_staff_but_the_gate_shows_nothing(
    make_user, make_collection, assign, client
):
    from governance.rbac import services

    sales = make_collection("Sales")
    reader = _newcomer(make_user, "reader")
    services.revoke_role(actor=None, assignment=assign(reader, "data-reader", sales))
    reader.refresh_from_db()
    assert reader.is_staff  # staff is only the console's door; what it shows is the gate's
    client.force_login(reader)
    page = client.get("/admin/rbac/collection/")
    assert "Sales" not in page.content.decode()
