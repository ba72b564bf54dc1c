"""The gate's workspace root and generic targets: membership never widens governance access."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from guardian.shortcuts import assign_perm

from pursight import permissions
from racine.workspaces.models import Pin, Workspace

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(make_user, make_collection, grant):
    a, b = make_collection("A"), make_collection("B")
    member, outsider = make_user("member"), make_user("outsider")
    grant(member, "view_catalog", a)
    grant(outsider, "view_catalog", a)
    grant(outsider, "view_catalog", b)
    ws = Workspace.objects.create(name="Team")
    other = Workspace.objects.create(name="Other team")
    assign_perm("workspaces.view_workspace", member, ws)
    ct = ContentType.objects.get_for_model(a)
    seen = Pin.objects.create(workspace=ws, target_type=ct, target_id=a.pk)
    hidden = Pin.objects.create(workspace=ws, target_type=ct, target_id=b.pk)
    elsewhere = Pin.objects.create(workspace=other, target_type=ct, target_id=a.pk)
    return member, outsider, ws, other, seen, hidden, elsewhere


def test_a_member_sees_only_pins_whose_asset_the_gate_shows(setup) -> None:
    member, outsider, ws, _other, seen, hidden, elsewhere = setup
    assert list(permissions.restrict(Workspace.objects.all(), member)) == [ws]
    assert set(permissions.restrict(Pin.objects.all(), member)) == {seen}
    assert permissions.can(member, "view", seen)
    assert not permissions.can(member, "view", hidden)
    assert not permissions.can(member, "view", elsewhere)
    # Reading every collection does not open a workspace one is not a member of.
    assert not permissions.restrict(Pin.objects.all(), outsider).exists()
    assert not permissions.restrict(Workspace.objects.all(), outsider).exists()


def test_requirements_travel_as_data_and_are_met_from_cached_scopes(setup) -> None:
    member, outsider, ws, _other, seen, hidden, _elsewhere = setup
    req_seen, req_hidden = permissions.requirement(seen), permissions.requirement(hidden)
    roots = {r.get("root") for r in req_seen["all"]}
    assert roots == {"rbac.Collection", "workspaces.Workspace"}
    assert permissions.meets(member, req_seen) and not permissions.meets(member, req_hidden)
    assert permissions.meets(member, permissions.requirement(ws))
    assert not permissions.meets(outsider, permissions.requirement(ws))
    # Once resolved on this user object, no query is needed.
    assert permissions.meets(member, req_hidden, cached_only=True) is False


def test_anyone_signed_in_may_start_a_workspace_but_not_change_one(setup) -> None:
    member, outsider, ws, *_ = setup
    assert permissions.can_any(outsider, Workspace, "add")
    assert not permissions.can(member, "change", ws)
