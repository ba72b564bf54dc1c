"""A user who joins a group that holds a role can sign in to the console (issue 12)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from pursight import audit
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


@pytest.fixture
def stewards(make_collection, assign) -> Group:
    team = Group.objects.create(name="stewards")
    assign(team, "data-reader", make_collection("Sales"))
    return team


def test_joining_a_group_with_a_role_makes_the_user_staff(make_user, stewards, client):
    late = _newcomer(make_user, "late")
    late.groups.add(stewards)

    late.refresh_from_db()
    assert late.is_staff and not late.is_superuser
    (event,) = _staff_events(late)
    assert event.changes == {"is_staff": [False, True]}
    assert event.actor is None and event.actor_repr == "system"
    r = client.post("/admin/login/", {"username": "late", "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/admin/"
    assert "Sales" in client.get("/admin/rbac/collection/").content.decode()


def test_adding_members_from_the_group_side_makes_them_staff(make_user, stewards):
    one, two = _newcomer(make_user, "one"), _newcomer(make_user, "two")
    stewards.user_set.add(one, two)
    for user in (one, two):
        user.refresh_from_db()
        assert user.is_staff
        assert len(_staff_events(user)) == 1


def test_a_group_without_a_role_opens_nothing(make_user, stewards):
    plain = Group.objects.create(name="newsletter")
    user = _newcomer(make_user, "reader")
    user.groups.add(plain)
    plain.user_set.add(_newcomer(make_user, "other"))
    user.refresh_from_db()
    assert not user.is_staff and _staff_events(user) == []
    assert not AuditEvent.objects.filter(action="user.staff_granted").exists()


def test_staff_and_repeated_joins_record_nothing_more(make_user, stewards):
    staff = make_user("already")
    staff.groups.add(stewards)
    assert _staff_events(staff) == []
    user = _newcomer(make_user, "joiner")
    user.groups.add(stewards)
    user.groups.remove(stewards)
    user.groups.add(stewards)
    user.groups.set([stewards])
    assert len(_staff_events(user)) == 1


def test_the_actor_is_who_added_the_user(make_user, stewards, rf):
    admin = make_user("boss", superuser=True)
    user = _newcomer(make_user, "joiner")
    request = rf.post("/admin/auth/user/")
    request.user = admin
    with audit.request_context(request):
        user.groups.set([stewards])
    (event,) = _staff_events(user)
    assert event.actor == admin


def test_adding_the_group_in_the_user_admin_opens_the_console(make_user, stewards, client):
    admin = make_user("boss", superuser=True)
    user = _newcomer(make_user, "joiner")
    client.force_login(admin)
    page = client.get(f"/admin/auth/user/{user.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name not in ("password", "groups", "user_permissions", "last_login", "date_joined")
        and value is not None
    }
    data.update(
        {
            "groups": [stewards.pk],
            "is_active": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "10:00:00",
        }
    )
    r = client.post(f"/admin/auth/user/{user.pk}/change/", data)
    assert r.status_code == 302, r.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.is_staff
    (event,) = _staff_events(user)
    assert event.actor == admin


def test_the_forms_say_what_each_role_grants_and_that_it_opens_the_console(make_user, client):
    client.force_login(make_user("boss", superuser=True))
    page = client.get("/admin/rbac/roleassignment/add/").content.decode()
    assert "Granting a role makes the console usable" in page
    assert (
        "<li><strong>Data Source Admin</strong>: read the catalog of this collection; "
        "register and edit data sources, run scans</li>" in page
    )
    assert "<li><strong>Data Reader</strong>: read the catalog of this collection</li>" in page
    user = make_user("someone", staff=False)
    page = client.get(f"/admin/auth/user/{user.pk}/change/").content.decode()
    assert "Lets the user sign in to this console. A role assignment" in page
    assert "joining a group that holds a role makes them staff" in page
    assert (
        "Granting a role makes the console usable"
        in client.get("/admin/auth/group/add/").content.decode()
    )


def test_a_duplicate_role_name_is_said_in_plain_words(make_user, client):
    client.force_login(make_user("boss", superuser=True))
    r = client.post("/admin/rbac/role/add/", {"name": "Data Reader", "description": ""})
    assert r.status_code == 200
    assert "A role with this name already exists; choose another name." in r.content.decode()
    assert "Role with this Name already exists" not in r.content.decode()
