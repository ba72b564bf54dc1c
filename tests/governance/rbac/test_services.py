"""Roles and assignments: guardian rows in sync, inheritance, audit, who may assign."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from governance.rbac import services
from governance.rbac.models import CollectionUserObjectPermission, Role, RoleAssignment
from pursight import permissions
from pursight.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _codes(user, collection) -> set[str]:
    return set(
        CollectionUserObjectPermission.objects.filter(
            user=user, content_object=collection
        ).values_list("permission__codename", flat=True)
    )


def test_builtin_roles_exist_with_their_permissions():
    roles = {r.slug: {p.codename for p in r.permissions.all()} for r in Role.objects.all()}
    assert roles["data-reader"] == {"view_catalog"}
    assert roles["collection-admin"] == {"manage_collection", "view_catalog"}
    assert roles["data-source-admin"] == {"manage_datasources", "view_catalog"}
    assert roles["data-curator"] == {"curate_catalog", "view_catalog"}
    assert roles["compliance-officer"] == {"manage_compliance", "view_catalog"}
    assert all(r.is_builtin for r in Role.objects.all())


def test_permission_granted_by_two_assignments_survives_revoking_one(
    make_user, make_collection, assign
):
    user = make_user()
    c = make_collection("Finance")
    reader = assign(user, "data-reader", c)
    curator = assign(user, "data-curator", c)
    assert _codes(user, c) == {"view_catalog", "curate_catalog"}
    services.revoke_role(actor=None, assignment=curator)
    assert _codes(user, c) == {"view_catalog"}
    services.revoke_role(actor=None, assignment=reader)
    assert _codes(user, c) == set()
    assert not RoleAssignment.objects.exists()


def test_assignment_applies_below_and_takes_effect_on_next_request(
    make_user, make_collection, assign
):
    from django.contrib.auth import get_user_model

    user = make_user()
    root = make_collection("Root")
    leaf = make_collection("Leaf", parent=make_collection("Mid", parent=root))
    a = assign(user, "data-reader", root)
    fresh = get_user_model().objects.get(pk=user.pk)
    assert permissions.scope(fresh, "view_catalog").contains(leaf.pk)
    services.revoke_role(actor=None, assignment=a)
    fresh = get_user_model().objects.get(pk=user.pk)
    assert not permissions.scope(fresh, "view_catalog").contains(leaf.pk)


def test_group_assignment(make_user, make_collection, assign):
    from django.contrib.auth import get_user_model

    user = make_user()
    group = Group.objects.create(name="analysts")
    user.groups.add(group)
    c = make_collection("Sales")
    assign(group, "data-curator", c)
    fresh = get_user_model().objects.get(pk=user.pk)
    assert permissions.scope(fresh, "curate_catalog").contains(c.pk)
    report = services.explain_access(fresh)
    reasons = report.collections[0].permissions["curate_catalog"]
    assert any("via group 'analysts'" in r for r in reasons)


def test_only_collection_admins_assign_and_audit_records(make_user, make_collection, assign, role):
    admin, other, target = make_user("boss"), make_user("other"), make_user("target")
    parent = make_collection("P")
    child = make_collection("C", parent=parent)
    sibling = make_collection("S")
    assign(admin, "collection-admin", parent)
    with pytest.raises(permissions.PermissionDenied):
        services.assign_role(actor=other, role=role("data-reader"), collection=child, user=target)
    with pytest.raises(permissions.PermissionDenied):
        services.assign_role(actor=admin, role=role("data-reader"), collection=sibling, user=target)
    a = services.assign_role(actor=admin, role=role("data-reader"), collection=child, user=target)
    event = AuditEvent.objects.filter(action="roleassignment.create", object_id=str(a.pk)).get()
    assert event.actor == admin and event.collection_id == child.pk
    assert event.changes["permissions"] == ["view_catalog"]
    services.revoke_role(actor=admin, assignment=a)
    assert AuditEvent.objects.filter(action="roleassignment.delete").count() == 1
    with pytest.raises(ValidationError):
        services.assign_role(actor=admin, role=role("data-reader"), collection=child)


def test_assign_is_idempotent(make_user, make_collection, assign):
    user, c = make_user(), make_collection("X")
    assert assign(user, "data-reader", c).pk == assign(user, "data-reader", c).pk
    assert RoleAssignment.objects.count() == 1


def test_custom_role_change_resyncs_assignments(make_user, make_collection, assign, admin_user):
    user, c = make_user(), make_collection("X")
    custom = services.save_role(actor=admin_user, name="Steward", codenames=["view_catalog"])
    services.assign_role(actor=None, role=custom, collection=c, user=user)
    assert _codes(user, c) == {"view_catalog"}
    services.save_role(actor=admin_user, role=custom, name="Steward", codenames=["curate_catalog"])
    assert _codes(user, c) == {"curate_catalog"}
    with pytest.raises(permissions.PermissionDenied):
        services.save_role(actor=user, name="Mine", codenames=["manage_collection"])
    with pytest.raises(ValidationError):
        services.save_role(
            actor=admin_user, role=Role.objects.get(slug="data-reader"), name="x", codenames=[]
        )


def test_explain_access_lists_inherited_grants(
    make_user, make_collection, assign, admin_user, client
):
    user = make_user("alice")
    root = make_collection("Root")
    child = make_collection("Child", parent=root)
    assign(user, "data-reader", root)
    report = services.explain_access(user)
    by_id = {row.collection.pk: row.permissions for row in report.collections}
    assert by_id[root.pk]["view_catalog"] == ["Data Reader on 'Root'"]
    assert by_id[child.pk]["view_catalog"] == ["Data Reader on 'Root' (inherited)"]
    client.force_login(admin_user)
    page = client.get(f"/admin/auth/user/{user.pk}/access/")
    assert (
        page.status_code == 200 and b"Data Reader on &#x27;Root&#x27; (inherited)" in page.content
    )
    client.force_login(make_user("nosy"))
    assert client.get(f"/admin/auth/user/{user.pk}/access/").status_code == 403
