"""``permissions.users_who_can``: the gate's ``can`` asked of every user at once, from the grant
tables, in a constant number of queries; and ``restrict_people`` naming workspace co-members."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from pursight import permissions

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(make_user, make_collection, make_source) -> dict[str, Any]:
    from governance.compliance.models import Framework
    from racine.collaboration.models import Task
    from racine.workspaces.models import Pin, Workspace

    a = make_collection("A")
    a1 = make_collection("A1", parent=a)
    b = make_collection("B")
    source = make_source(collection=a1, name="in-a1")
    ws = Workspace.objects.create(name="Team")
    users = {
        name: make_user(name)
        for name in (
            "on_a",
            "on_a1",
            "on_b",
            "via_group",
            "platform",
            "platform_group",
            "inactive",
            "member",
            "member_via_group",
            "nobody",
        )
    }
    users["root"] = make_user("root", superuser=True)
    assign_perm("rbac.view_catalog", users["on_a"], a)
    assign_perm("rbac.manage_datasources", users["on_a"], a)
    assign_perm("rbac.view_catalog", users["on_a1"], a1)
    assign_perm("rbac.view_catalog", users["on_b"], b)
    readers = Group.objects.create(name="readers")
    assign_perm("rbac.view_catalog", readers, a)
    users["via_group"].groups.add(readers)
    view_catalog = Permission.objects.get(codename="view_catalog", content_type__app_label="rbac")
    users["platform"].user_permissions.add(view_catalog)
    everyone = Group.objects.create(name="everyone-readers")
    everyone.permissions.add(view_catalog)
    users["platform_group"].groups.add(everyone)
    assign_perm("rbac.view_catalog", users["inactive"], a)
    users["inactive"].is_active = False
    users["inactive"].save()
    assign_perm("workspaces.view_workspace", users["member"], ws)
    assign_perm("workspaces.view_workspace", users["on_a"], ws)
    team = Group.objects.create(name="team")
    assign_perm("workspaces.view_workspace", team, ws)
    assign_perm("workspaces.edit_workspace", team, ws)
    users["member_via_group"].groups.add(team)
    framework = Framework.objects.create(code="X", name="X")
    ct = ContentType.objects.get_for_model(source)
    about_source = Task.objects.create(workspace=ws, title="t", target_type=ct, target_id=source.pk)
    about_nothing = Task.objects.create(workspace=ws, title="u")
    pin = Pin.objects.create(workspace=ws, target_type=ct, target_id=source.pk)
    objects = [a, a1, b, source, ws, framework, about_source, about_nothing, pin]
    return {"users": users, "objects": objects}


ACTIONS = ["view", "change", "add", "delete", "scan", "edit", "manage"]


def test_the_same_answers_as_can_for_every_user(setup) -> None:
    User = get_user_model()
    users = setup["users"]
    checked = 0
    for obj in setup["objects"]:
        for action in ACTIONS:
            expected = {
                name
                for name, u in users.items()
                if permissions.can(User.objects.get(pk=u.pk), action, obj)
            }
            got = set(permissions.users_who_can(action, obj).values_list("username", flat=True))
            assert got == expected, (obj, action)
            checked += 1
    assert checked == len(setup["objects"]) * len(ACTIONS)
    # A queryset narrows the candidates; the inherited grant reaches the subtree only.
    a, a1 = setup["objects"][:2]
    assert set(
        permissions.users_who_can(
            "view", a1, User.objects.filter(username__startswith="on_")
        ).values_list("username", flat=True)
    ) == {"on_a", "on_a1"}
    assert "on_a1" not in set(
        permissions.users_who_can("view", a).values_list("username", flat=True)
    )


def test_one_query_whatever_the_number_of_users(setup, make_user) -> None:
    source = setup["objects"][3]

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            list(permissions.users_who_can("view", source))
        return len(queries)

    few = count()
    for i in range(20):
        assign_perm("rbac.view_catalog", make_user(f"extra{i}"), setup["objects"][0])
    assert count() == few <= 3


def test_workspace_co_members_are_nameable(setup) -> None:
    User = get_user_model()
    users = setup["users"]
    member = User.objects.get(pk=users["member"].pk)  # no collection role at all
    named = set(
        permissions.restrict_people(User.objects.all(), member).values_list("username", flat=True)
    )
    assert named == {"member", "on_a", "member_via_group"}
    nobody = User.objects.get(pk=users["nobody"].pk)
    assert set(
        permissions.restrict_people(User.objects.all(), nobody).values_list("username", flat=True)
    ) == {"nobody"}
    assert set(
        permissions.restrict_people(Group.objects.all(), member).values_list("name", flat=True)
    ) == {"team"}
