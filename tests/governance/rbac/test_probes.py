"""Probes for cross-collection references: guessed ids, filters, search, nested names, admin
autocomplete and list filters must not reveal what lives in a hidden collection."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from governance.catalog.models import CatalogColumn, CatalogTable
from governance.rbac import services
from pursight import permissions

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(world, make_user, assign):
    user = make_user("reader")
    assign(user, "data-reader", world.a)
    client = APIClient()
    client.force_authenticate(user)
    return client, user


def test_enumerated_ids_answer_like_missing_ones(world, reader):
    client, _ = reader
    hidden = list(CatalogColumn.objects.filter(datasource=world.src_b).values_list("pk", flat=True))
    top = CatalogColumn.objects.order_by("-pk").first().pk
    for pk in [*hidden, top + 1000]:
        r = client.get(f"/api/v1/catalog/columns/{pk}/")
        assert r.status_code == 404 and r.json() == {
            "detail": "No CatalogColumn matches the given query."
        }


@pytest.mark.parametrize(
    "query",
    ["q=email", "search=src-b", "datasource={b}", "table__schema={schema_b}", "q=customers"],
)
def test_filters_and_search_do_not_reveal_hidden_assets(world, reader, query):
    client, _ = reader
    schema_b = world.objects[CatalogTable]["b"].schema_id
    q = query.format(b=world.src_b.pk, schema_b=schema_b)
    for endpoint in ("catalog/columns", "catalog/tables", "catalog/schemas", "datasources"):
        r = client.get(f"/api/v1/{endpoint}/?{q}&page_size=500")
        assert r.status_code in (200, 400), (endpoint, q, r.status_code)
        if r.status_code == 200:
            for row in r.json()["results"]:
                assert row.get("datasource", world.src_a.pk) == world.src_a.pk
                assert row.get("datasource_name", "src-a") == "src-a"
                assert row.get("name") != "src-b"


def test_nested_names_only_of_visible_parents(world, reader):
    client, _ = reader
    rows = client.get("/api/v1/catalog/columns/?page_size=500").json()["results"]
    assert rows and {r["datasource_name"] for r in rows} == {"src-a"}
    body = str(client.get(f"/api/v1/datasources/{world.src_a.pk}/").json())
    assert "s3cret" not in body and "password_encrypted" not in body


def test_role_assignment_to_hidden_collection_answers_like_missing(world, make_user, assign, role):
    admin = make_user("cadmin")
    assign(admin, "collection-admin", world.a)
    client = APIClient()
    client.force_authenticate(admin)
    target = make_user("t")
    for coll in (world.b.pk, 999999):
        r = client.post(
            "/api/v1/role-assignments/",
            {"role": role("data-reader").pk, "collection": coll, "user": target.pk},
            format="json",
        )
        assert r.status_code == 400 and "collection" in r.json()
    r = client.post(
        "/api/v1/role-assignments/",
        {"role": role("data-reader").pk, "collection": world.a1.pk, "user": target.pk},
        format="json",
    )
    assert r.status_code == 201, r.json()
    listed = client.get("/api/v1/role-assignments/?page_size=500").json()["results"]
    assert all(row["collection"] in (world.a.pk, world.a1.pk) for row in listed)
    assert client.delete(f"/api/v1/role-assignments/{r.json()['id']}/").status_code == 204


def test_admin_autocomplete_and_list_filters_hide_other_collections(
    world, make_user, assign, client
):
    user = make_user("curator")
    assign(user, "data-source-admin", world.a)
    client.force_login(user)
    r = client.get("/admin/datasources/datasource/")
    assert r.status_code == 200
    filters = {
        str(choice["display"])
        for spec in r.context["cl"].filter_specs
        for choice in spec.choices(r.context["cl"])
    }
    assert "B" not in filters and "src-b" not in filters
    r = client.get(
        "/admin/autocomplete/",
        {"app_label": "catalog", "model_name": "catalogcolumn", "field_name": "table", "term": ""},
    )
    if r.status_code == 200:
        assert all("src-b" not in str(item) for item in r.json()["results"])
    # Guessing the change URL of a hidden source answers like a missing one.
    missing = client.get("/admin/datasources/datasource/999999/change/")
    hidden = client.get(f"/admin/datasources/datasource/{world.src_b.pk}/change/")
    assert hidden.status_code == missing.status_code == 302


def _scope_queries(user) -> int:
    from django.contrib.auth import get_user_model

    fresh = get_user_model().objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as ctx:
        qs = permissions.restrict(CatalogColumn.objects.select_related("datasource"), fresh)
        list(qs[:500])
        for obj in qs[:500]:
            permissions.can(fresh, "view", obj)
    return len(ctx.captured_queries)


def test_permission_resolution_is_constant_in_objects_and_depth(
    make_user, make_collection, make_source, assign
):
    from django.utils import timezone

    from governance.catalog.models import CatalogSchema

    user = make_user("deep")
    chain = [make_collection("L0")]
    for depth in range(1, 6):
        chain.append(make_collection(f"L{depth}", parent=chain[-1]))
    assign(user, "data-reader", chain[0])
    shallow = make_collection("Shallow")
    assign(user, "data-reader", shallow)
    now = timezone.now()

    def fill(collection, n: int, tag: str) -> None:
        src = make_source(collection=collection, name=f"src-{tag}")
        schema = CatalogSchema.objects.create(
            datasource=src, name="s", qualified_name=f"{tag}/s", first_seen=now, last_seen=now
        )
        table = CatalogTable.objects.create(
            datasource=src,
            schema=schema,
            name="t",
            qualified_name=f"{tag}/t",
            first_seen=now,
            last_seen=now,
        )
        CatalogColumn.objects.bulk_create(
            CatalogColumn(
                datasource=src,
                table=table,
                name=f"c{i}",
                qualified_name=f"{tag}/c{i}",
                data_type="text",
                first_seen=now,
                last_seen=now,
            )
            for i in range(n)
        )

    fill(shallow, 1, "one")
    one = _scope_queries(user)
    fill(chain[-1], 499, "many")  # 6 levels deep, inherited from L0
    many = _scope_queries(user)
    assert one == many, (one, many)
    assert CatalogColumn.objects.count() == 500
    # API list: the same number of queries for a page of 1 and a page of 500.
    client = APIClient()
    counts = []
    for size in (1, 500):
        from django.contrib.auth import get_user_model

        client.force_authenticate(get_user_model().objects.get(pk=user.pk))
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(f"/api/v1/catalog/columns/?page_size={size}")
        assert r.status_code == 200 and len(r.json()["results"]) == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    assert services.explain_access(user).collections
