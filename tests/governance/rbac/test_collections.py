"""Creating, moving and renaming collections: always within the actor's scope, never a cycle,
never a duplicate name among siblings (a clear 400 or form error, not an IntegrityError), and
slugs that stay unique for names in any script."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from governance.rbac import services
from governance.rbac.models import Collection
from pursight import permissions

pytestmark = pytest.mark.django_db


@pytest.fixture
def cadmin(world: Any, make_user: Any, assign: Any) -> Any:
    """A Collection Admin of A (and so of A1 below it); nothing on B."""
    user = make_user("cadmin")
    assign(user, "collection-admin", world.a)
    return user


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _parent_id(collection: Any) -> Any:
    return Collection.objects.values_list("parent_id", flat=True).get(pk=collection.pk)


# --- Item 9: creating and moving stay within the actor's scope ----------------------------------


def test_scoped_admin_cannot_make_a_sub_collection_a_root(world, cadmin):
    r = _api(cadmin).patch(f"/api/v1/collections/{world.a1.pk}/", {"parent": None}, format="json")
    assert r.status_code == 403, r.content
    assert _parent_id(world.a1) == world.a.pk
    # Still theirs: it did not fall out of their reach.
    assert _api(cadmin).get(f"/api/v1/collections/{world.a1.pk}/").status_code == 200


def test_scoped_admin_cannot_create_a_root(world, cadmin):
    r = _api(cadmin).post("/api/v1/collections/", {"name": "Rogue"}, format="json")
    assert r.status_code == 403
    with pytest.raises(permissions.PermissionDenied):
        services.create_collection(actor=cadmin, name="Rogue")
    assert not Collection.objects.filter(name="Rogue").exists()


def test_moving_under_a_hidden_collection_answers_like_a_missing_one(world, cadmin):
    client = _api(cadmin)
    url = f"/api/v1/collections/{world.a1.pk}/"
    hidden = client.patch(url, {"parent": world.b.pk}, format="json")
    missing = client.patch(url, {"parent": 999999}, format="json")
    assert hidden.status_code == missing.status_code == 400
    assert str(world.b.pk) in str(hidden.json()["parent"])
    assert hidden.json()["parent"][0].replace(str(world.b.pk), "N") == missing.json()["parent"][
        0
    ].replace("999999", "N")
    assert "B" not in str(hidden.json())
    assert _parent_id(world.a1) == world.a.pk


def test_moving_under_a_visible_unmanaged_collection_is_refused(
    world, make_user, assign, make_collection
):
    user = make_user("mixed")
    assign(user, "collection-admin", world.a1)
    assign(user, "data-reader", world.b)
    r = _api(user).patch(f"/api/v1/collections/{world.a1.pk}/", {"parent": world.b.pk}, "json")
    assert r.status_code == 403
    with pytest.raises(permissions.PermissionDenied):
        services.move_collection(actor=user, collection=world.a1, parent=world.b)
    assert _parent_id(world.a1) == world.a.pk


def test_never_under_its_own_descendant(world, cadmin):
    r = _api(cadmin).patch(f"/api/v1/collections/{world.a.pk}/", {"parent": world.a1.pk}, "json")
    assert r.status_code == 400 and "parent" in r.json()
    r = _api(cadmin).patch(f"/api/v1/collections/{world.a1.pk}/", {"parent": world.a1.pk}, "json")
    assert r.status_code == 400
    assert _parent_id(world.a) is None and _parent_id(world.a1) == world.a.pk


def test_move_within_scope_rewrites_paths(world, cadmin):
    a2 = services.create_collection(actor=cadmin, name="A2", parent=world.a)
    r = _api(cadmin).patch(f"/api/v1/collections/{world.a1.pk}/", {"parent": a2.pk}, "json")
    assert r.status_code == 200, r.content
    a1 = Collection.objects.get(pk=world.a1.pk)
    assert a1.path == f"/{world.a.pk}/{a2.pk}/{a1.pk}/"


def test_service_checks_the_actor(world, cadmin, make_user):
    stranger = make_user("stranger")
    with pytest.raises(permissions.PermissionDenied):
        services.create_collection(actor=stranger, name="X", parent=world.a)
    with pytest.raises(permissions.PermissionDenied):
        services.move_collection(actor=cadmin, collection=world.a1, parent=None)
    with pytest.raises(permissions.PermissionDenied):
        services.move_collection(actor=cadmin, collection=world.b, parent=world.a)
    with pytest.raises(permissions.PermissionDenied):
        services.delete_collection(actor=cadmin, collection=world.b)


def test_platform_admins_create_and_move_roots(world, make_user, grant_platform):
    boss = grant_platform(make_user("boss"), "manage_collection", "view_catalog")
    root = services.create_collection(actor=boss, name="Group")
    assert root.parent_id is None
    r = _api(boss).patch(f"/api/v1/collections/{world.a1.pk}/", {"parent": None}, "json")
    assert r.status_code == 200 and _parent_id(world.a1) is None
    r = _api(boss).post("/api/v1/collections/", {"name": "Another"}, format="json")
    assert r.status_code == 201, r.content


def test_admin_scoped_user_cannot_create_a_root(world, cadmin, client):
    client.force_login(cadmin)
    page = client.get("/admin/rbac/collection/add/")
    assert page.status_code == 200
    field = page.context["adminform"].form.fields["parent"]
    assert set(field.queryset.values_list("pk", flat=True)) == {world.a.pk, world.a1.pk}
    assert field.required and field.empty_label is None
    assert "" not in [str(value) for value, _ in field.choices]
    r = client.post(
        "/admin/rbac/collection/add/",
        {"name": "Rogue", "parent": "", "description": "", **_inline_management()},
    )
    assert r.status_code == 200 and r.context["adminform"].form.errors
    assert not Collection.objects.filter(name="Rogue").exists()
    r = client.post(
        "/admin/rbac/collection/add/",
        {"name": "Rogue", "parent": str(world.b.pk), "description": "", **_inline_management()},
    )
    assert r.status_code == 200 and "parent" in r.context["adminform"].form.errors
    assert not Collection.objects.filter(name="Rogue").exists()
    r = client.post(
        "/admin/rbac/collection/add/",
        {"name": "Fine", "parent": str(world.a.pk), "description": "", **_inline_management()},
    )
    assert r.status_code == 302
    assert Collection.objects.get(name="Fine").parent_id == world.a.pk


def test_admin_parent_choices_exclude_the_subtree(world, cadmin, client):
    client.force_login(cadmin)
    a2 = services.create_collection(actor=None, name="A2", parent=world.a)
    page = client.get(f"/admin/rbac/collection/{world.a.pk}/change/")
    field = page.context["adminform"].form.fields["parent"]
    # A is a root: keeping it a root is offered (no change), nothing in its own subtree is.
    assert set(field.queryset.values_list("pk", flat=True)) == set()
    assert not field.required
    page = client.get(f"/admin/rbac/collection/{world.a1.pk}/change/")
    field = page.context["adminform"].form.fields["parent"]
    assert set(field.queryset.values_list("pk", flat=True)) == {world.a.pk, a2.pk}
    assert field.required and field.empty_label is None


def test_admin_hides_a_parent_the_user_cannot_see(world, make_user, assign, client):
    user = make_user("leafadmin")
    assign(user, "collection-admin", world.a1)
    client.force_login(user)
    page = client.get(f"/admin/rbac/collection/{world.a1.pk}/change/")
    assert page.status_code == 200
    assert "parent" not in page.context["adminform"].form.fields
    r = client.post(
        f"/admin/rbac/collection/{world.a1.pk}/change/",
        {"name": "A1 renamed", "description": "", **_inline_management()},
    )
    assert r.status_code == 302
    a1 = Collection.objects.get(pk=world.a1.pk)
    assert a1.name == "A1 renamed" and a1.parent_id == world.a.pk


def test_admin_changelist_does_not_name_hidden_parents(world, make_user, assign, client):
    user = make_user("leafadmin")
    assign(user, "collection-admin", world.a1)
    client.force_login(user)
    Collection.objects.filter(pk=world.a.pk).update(name="Zqparent")
    page = client.get("/admin/rbac/collection/")
    assert page.status_code == 200 and b"Zqparent" not in page.content


# --- Item 13: duplicate names among siblings, unique slugs ------------------------------------


def _inline_management() -> dict[str, str]:
    prefix = "role_assignments"
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_api_rename_onto_a_sibling_is_a_400(world, cadmin):
    client = _api(cadmin)
    sibling = client.post("/api/v1/collections/", {"name": "A2", "parent": world.a.pk}, "json")
    assert sibling.status_code == 201
    r = client.patch(f"/api/v1/collections/{sibling.json()['id']}/", {"name": "a1"}, "json")
    assert r.status_code == 400 and "name" in r.json(), r.content
    r = client.post("/api/v1/collections/", {"name": "A1", "parent": world.a.pk}, "json")
    assert r.status_code == 400 and "name" in r.json()


def test_api_move_onto_a_sibling_slug_is_a_400(world, cadmin, make_collection):
    client = _api(cadmin)
    deep = make_collection("A1", parent=world.a1)  # A/A1/A1: same name one level down
    r = client.patch(f"/api/v1/collections/{deep.pk}/", {"parent": world.a.pk}, "json")
    assert r.status_code == 400 and "name" in r.json(), r.content
    assert _parent_id(deep) == world.a1.pk


def test_root_names_are_unique_too(make_user):
    boss = make_user("boss", superuser=True)
    services.create_collection(actor=boss, name="Finance")
    with pytest.raises(ValidationError) as err:
        services.create_collection(actor=boss, name="finance")
    assert "name" in err.value.message_dict


def test_admin_rename_onto_a_sibling_is_a_form_error(world, cadmin, client):
    client.force_login(cadmin)
    a2 = services.create_collection(actor=None, name="A2", parent=world.a)
    r = client.post(
        f"/admin/rbac/collection/{a2.pk}/change/",
        {"name": "A1", "parent": str(world.a.pk), "description": "", **_inline_management()},
    )
    assert r.status_code == 200
    assert "name" in r.context["adminform"].form.errors
    assert Collection.objects.get(pk=a2.pk).name == "A2"
    deep = services.create_collection(actor=None, name="A1", parent=world.a1)
    r = client.post(
        f"/admin/rbac/collection/{deep.pk}/change/",
        {"name": "A1", "parent": str(world.a.pk), "description": "", **_inline_management()},
    )
    assert r.status_code == 200 and r.context["adminform"].form.errors
    assert _parent_id(deep) == world.a1.pk


@pytest.mark.parametrize(
    "names",
    [
        ("Финансы", "Продажи", "Кадры"),
        ("财务", "销售", "人事"),
        ("経理", "営業"),
        ("💰", "📈", "🔒"),
        ("Sales", "Sales!", "Sales?"),
    ],
)
def test_names_in_any_script_get_unique_slugs(make_user, names):
    boss = make_user("boss", superuser=True)
    parent = services.create_collection(actor=boss, name="Root")
    created = [services.create_collection(actor=boss, name=n, parent=parent) for n in names]
    roots = [services.create_collection(actor=boss, name=n) for n in names]
    for group in (created, roots):
        slugs = [c.slug for c in group]
        assert len(set(slugs)) == len(slugs) and all(slugs), slugs
    for c in created + roots:
        c.full_clean()  # the stored slug is a valid (unicode) slug


def test_cyrillic_slug_is_readable_and_path_lookup_is_idempotent():
    c = services.ensure_collection_path(actor=None, path="Финансы/Отчёты")
    assert c.slug == "отчёты" and c.parent.slug == "финансы"
    assert services.ensure_collection_path(actor=None, path="Финансы/Отчёты").pk == c.pk
    assert Collection.objects.count() == 2


def test_rename_keeps_slug_unique(make_user):
    boss = make_user("boss", superuser=True)
    services.create_collection(actor=boss, name="Sales")
    other = services.create_collection(actor=boss, name="Marketing")
    other.name = "Sales!"
    services.save_collection(actor=boss, collection=other)
    other.refresh_from_db()
    assert other.name == "Sales!" and other.slug != "sales" and other.slug.startswith("sales")


def test_a_hidden_sibling_is_never_revealed_by_the_name_check(world, make_user, assign):
    """An admin of A1 only cannot see A's other children: taking the name of one of them
    answers exactly like a free name (the slug gets a suffix), never "already exists"."""
    secret = services.create_collection(actor=None, name="Secret", parent=world.a)
    user = make_user("leafadmin")
    assign(user, "collection-admin", world.a1)
    r = _api(user).patch(f"/api/v1/collections/{world.a1.pk}/", {"name": "secret"}, "json")
    assert r.status_code == 200, r.content
    a1 = Collection.objects.get(pk=world.a1.pk)
    assert a1.name == "secret" and a1.slug != secret.slug
    assert "Secret" not in str(r.json())


def test_deleting_a_non_empty_collection_is_a_409(world, cadmin):
    client = _api(cadmin)
    r = client.delete(f"/api/v1/collections/{world.a1.pk}/")  # holds src-a
    assert r.status_code == 409 and "empty" in r.json()["detail"]
    empty = services.create_collection(actor=cadmin, name="Empty", parent=world.a)
    assert _api(cadmin).delete(f"/api/v1/collections/{empty.pk}/").status_code == 204
