"""Roles are global (they act on every collection): any signed-in user reads them, only
platform administrators (superusers) write them, through the one gate in the API, the admin and
the services. Role assignments reference only collections the actor administers: a hidden one
answers exactly like a missing one."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from governance.rbac import services
from governance.rbac.models import Role
from pursight import permissions

pytestmark = pytest.mark.django_db


@pytest.fixture
def cadmin(world: Any, make_user: Any, assign: Any) -> Any:
    user = make_user("cadmin")
    assign(user, "collection-admin", world.a)
    return user


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_role_is_a_global_model_of_the_gate():
    assert permissions.is_global(Role)
    spec = permissions.securable(Role)
    assert spec.actions == {"view": permissions.SIGNED_IN}


def test_collection_admin_reads_roles_but_never_writes_them(world, cadmin, admin_user):
    custom = services.save_role(actor=admin_user, name="Steward", codenames=["view_catalog"])
    client = _api(cadmin)
    assert client.get("/api/v1/roles/").status_code == 200
    assert client.get(f"/api/v1/roles/{custom.pk}/").status_code == 200
    payload = {"name": "Mine", "permissions": ["manage_collection"]}
    assert client.post("/api/v1/roles/", payload, format="json").status_code == 403
    r = client.patch(f"/api/v1/roles/{custom.pk}/", {"permissions": ["manage_collection"]}, "json")
    assert r.status_code == 403
    assert client.delete(f"/api/v1/roles/{custom.pk}/").status_code == 403
    assert services.role_codenames(Role.objects.get(pk=custom.pk)) == {"view_catalog"}
    with pytest.raises(permissions.PermissionDenied):
        services.delete_role(actor=cadmin, role=custom)


def test_superuser_writes_roles_and_builtin_ones_stay(world, admin_user):
    client = _api(admin_user)
    r = client.post("/api/v1/roles/", {"name": "Auditor", "permissions": ["view_catalog"]}, "json")
    assert r.status_code == 201, r.content
    role = Role.objects.get(pk=r.json()["id"])
    builtin = Role.objects.get(slug="data-reader")
    assert client.patch(f"/api/v1/roles/{builtin.pk}/", {"name": "x"}, "json").status_code == 400
    assert client.delete(f"/api/v1/roles/{builtin.pk}/").status_code == 409
    assert client.delete(f"/api/v1/roles/{role.pk}/").status_code == 204


def test_role_admin_answers_through_the_gate(world, cadmin, admin_user, client):
    custom = services.save_role(actor=admin_user, name="Steward", codenames=["view_catalog"])
    builtin = Role.objects.get(slug="data-reader")
    client.force_login(cadmin)
    page = client.get("/admin/rbac/role/")
    assert page.status_code == 200
    assert not page.context["has_add_permission"]
    assert client.get("/admin/rbac/role/add/").status_code == 403
    change = client.get(f"/admin/rbac/role/{custom.pk}/change/")
    assert change.status_code == 200 and not change.context["has_change_permission"]
    r = client.post(f"/admin/rbac/role/{custom.pk}/change/", {"name": "Hacked", "permissions": []})
    assert r.status_code == 403
    assert client.post(f"/admin/rbac/role/{custom.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Role.objects.get(pk=custom.pk).name == "Steward"
    client.force_login(admin_user)
    assert client.get(f"/admin/rbac/role/{custom.pk}/change/").context["has_change_permission"]
    builtin_page = client.get(f"/admin/rbac/role/{builtin.pk}/change/")
    assert not builtin_page.context["has_change_permission"]
    assert not builtin_page.context["has_delete_permission"]


def test_assignment_with_hidden_collection_answers_exactly_like_a_missing_one(
    world, cadmin, role, make_user
):
    client = _api(cadmin)
    target = make_user("target")

    def post(collection: Any, user: Any = None) -> Any:
        return client.post(
            "/api/v1/role-assignments/",
            {"role": role("data-reader").pk, "collection": collection, "user": user or target.pk},
            format="json",
        )

    hidden, missing = post(world.b.pk), post(999999)
    assert hidden.status_code == missing.status_code == 400
    assert set(hidden.json()) == set(missing.json()) == {"collection"}
    assert hidden.json()["collection"][0].replace(str(world.b.pk), "N") == missing.json()[
        "collection"
    ][0].replace("999999", "N")
    assert "B" not in str(hidden.json())
    gone = post(world.a1.pk, user=999999)
    assert gone.status_code == 400 and set(gone.json()) == {"user"}


def test_saving_a_builtin_role_unchanged_is_a_no_op(admin_user):
    builtin = Role.objects.get(slug="data-reader")
    client = _api(admin_user)
    r = client.patch(f"/api/v1/roles/{builtin.pk}/", {}, format="json")
    assert r.status_code == 200 and r.json()["name"] == builtin.name
    r = client.patch(f"/api/v1/roles/{builtin.pk}/", {"permissions": []}, format="json")
    assert r.status_code == 400
    assert services.role_codenames(Role.objects.get(pk=builtin.pk)) == {"view_catalog"}
