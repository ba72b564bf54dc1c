"""The glossary's API and admin pages: permission filtering, bad input, query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from governance.glossary import services
from governance.glossary.choices import TermStatus
from governance.glossary.models import TagAssignment, Term, TermAssignment, TermSuggestion

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def linked(shop, other, tiers):
    """Gold on a table of each collection; a term linked to both."""
    services.add_tags(actor=None, assets=[shop.tables["orders"]], tags=[tiers["Tier.Gold"]])
    services.add_tags(actor=None, assets=[other.tables["orders"]], tags=[tiers["Tier.Gold"]])
    term = services.save_term(actor=None, term=Term(name="Order"))
    services.link_term(actor=None, asset=shop.tables["orders"], term=term)
    services.link_term(actor=None, asset=other.tables["orders"], term=term)
    return term


def test_lists_and_counts_never_reveal_hidden_assets(shop, other, tiers, linked, make_user, grant):
    reader = make_user("reader")
    grant(reader, "view_catalog", shop.collection)
    api = _api(reader)
    rows = api.get("/api/v1/tag-assignments/").json()["results"]
    assert {r["datasource"] for r in rows} == {shop.source.pk}
    tag = api.get(f"/api/v1/tags/{tiers['Tier.Gold'].pk}/").json()
    assert tag["assets"] == 1
    term = api.get(f"/api/v1/glossary/terms/{linked.pk}/").json()
    assert term["linked_assets"] == 1
    hidden = TagAssignment.objects.get(datasource=other.source)
    assert api.get(f"/api/v1/tag-assignments/{hidden.pk}/").status_code == 404
    # Filtering by a tag's name finds the visible assets only.
    found = api.get("/api/v1/tag-assignments/", {"tag_name": "tier.gold"}).json()["results"]
    assert len(found) == 1 and found[0]["datasource"] == shop.source.pk
    # The admin's counts and lists as well.
    client = _login(reader)
    page = client.get(reverse("admin:glossary_term_change", args=[linked.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "(table or view, shop)" in html and "(table or view, other)" not in html
    changelist = client.get(reverse("admin:glossary_tagassignment_changelist"))
    assert {o.datasource_id for o in changelist.context["cl"].result_list} == {shop.source.pk}


def _login(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_assignment_api_rights_and_bad_input(shop, other, tiers, make_user, grant):
    curator = make_user("curator")
    grant(curator, "view_catalog", shop.collection)
    grant(curator, "curate_catalog", shop.collection)
    api = _api(curator)
    gold, silver = tiers["Tier.Gold"], tiers["Tier.Silver"]
    orders = shop.tables["orders"]
    body = {"tag": gold.pk, "asset_type": "table", "asset_id": orders.pk}
    created = api.post("/api/v1/tag-assignments/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["tag_name"] == "Tier.Gold"
    clash = api.post("/api/v1/tag-assignments/", {**body, "tag": silver.pk}, format="json")
    assert clash.status_code == 400 and "one tag per asset" in str(clash.json())
    swapped = api.post(
        "/api/v1/tag-assignments/", {**body, "tag": silver.pk, "replace": True}, format="json"
    )
    assert swapped.status_code == 201
    # A hidden asset answers like a missing one.
    hidden = {**body, "asset_id": other.tables["orders"].pk}
    missing = {**body, "asset_id": 10**9}
    assert (
        api.post("/api/v1/tag-assignments/", hidden, format="json").json()
        == api.post("/api/v1/tag-assignments/", missing, format="json").json()
    )
    assert (
        api.post("/api/v1/tag-assignments/", {**body, "asset_type": "x"}, format="json").status_code
        == 400
    )
    # A reader may not tag; curating the vocabulary needs a platform-wide grant.
    reader = make_user("reader")
    grant(reader, "view_catalog", shop.collection)
    assert _api(reader).post("/api/v1/tag-assignments/", body, format="json").status_code == 403
    assert api.post("/api/v1/tag-sets/", {"name": "X"}, format="json").status_code == 403
    # Terms link the same way; removing goes through the service.
    term = services.save_term(actor=None, term=Term(name="Order"))
    link = api.post(
        "/api/v1/glossary/term-links/",
        {"term": term.pk, "asset_type": "table", "asset_id": orders.pk},
        format="json",
    )
    assert link.status_code == 201
    assert api.delete(f"/api/v1/glossary/term-links/{link.json()['id']}/").status_code == 204
    assert not TermAssignment.objects.exists()


def test_term_api_workflow_and_csv(admin_user, make_user, django_assert_max_num_queries):
    api = _api(admin_user)
    created = api.post(
        "/api/v1/glossary/terms/",
        {"name": "Customer", "definition": "*A buyer*", "synonyms": ["Client"],
         "owners": [admin_user.username]},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["definition_html"] == "<p><em>A buyer</em></p>\n"
    # An owner must be an active person the author may see: others answer like unknown names.
    gone = make_user("gone")
    gone.is_active = False
    gone.save()
    answers = [
        api.post("/api/v1/glossary/terms/", {"name": "X", "owners": [name]}, format="json")
        for name in ("gone", "nobody-by-that-name")
    ]
    assert [a.status_code for a in answers] == [400, 400]
    assert all("does not exist" in str(a.json()["owners"]) for a in answers)
    dup = api.post("/api/v1/glossary/terms/", {"name": "customer"}, format="json")
    assert dup.status_code == 400
    bad = api.post(f"/api/v1/glossary/terms/{pk}/transition/", {"to": "approved"}, format="json")
    assert bad.status_code == 400 and "cannot become approved" in str(bad.json())
    ok = api.post(f"/api/v1/glossary/terms/{pk}/transition/", {"to": "in_review"}, format="json")
    assert ok.status_code == 200 and ok.json()["term"]["status"] == "in_review"
    patched = api.patch(f"/api/v1/glossary/terms/{pk}/", {"status": "approved"}, format="json")
    assert patched.json()["status"] == "in_review"  # status is read-only outside the workflow
    for i in range(5):
        services.save_term(actor=None, term=Term(name=f"Term {i}", synonyms=["s"]))
    with django_assert_max_num_queries(14):
        listed = api.get("/api/v1/glossary/terms/")
    assert listed.json()["count"] == 6
    exported = api.get("/api/v1/glossary/terms/export/")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    text = exported.content.decode()
    Term.objects.all().delete()
    imported = api.post("/api/v1/glossary/terms/import/", {"csv": text}, format="json")
    assert imported.status_code == 200 and len(imported.json()["created"]) == 6
    assert api.get("/api/v1/glossary/terms/export/").content.decode() == text
    rejected = api.post(
        "/api/v1/glossary/terms/import/", {"csv": "name,status\nX,nope\n"}, format="json"
    )
    assert rejected.status_code == 400 and "Row 2 ('X'): unknown status" in str(rejected.json())
    assert api.post("/api/v1/glossary/terms/import/", {}, format="json").status_code == 400
    reader = make_user("reader")
    assert (
        _api(reader)
        .post("/api/v1/glossary/terms/import/", {"csv": text}, format="json")
        .status_code
        == 403
    )
    assert _api(reader).get("/api/v1/glossary/terms/export/").status_code == 200
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert "/api/v1/glossary/terms/{id}/transition/" in schema.content.decode()


def test_suggestion_api(shop, admin_user):
    services.save_term(actor=None, term=Term(name="Full name"))
    services.suggest_terms()
    api = _api(admin_user)
    row = TermSuggestion.objects.get()
    accepted = api.post(f"/api/v1/glossary/suggestions/{row.pk}/accept/")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert TermAssignment.objects.filter(column=shop.columns["customers.full_name"]).exists()


def test_admin_pages_and_query_counts(
    shop, tiers, linked, admin_user, django_assert_max_num_queries
):
    client = _login(admin_user)
    for i in range(6):
        t = services.save_term(actor=None, term=Term(name=f"T{i}"))
        services.link_term(actor=None, asset=shop.tables["customers"], term=t)
    pages = [
        reverse("admin:glossary_term_changelist"),
        reverse("admin:glossary_tagset_changelist"),
        reverse("admin:glossary_tag_changelist"),
        reverse("admin:glossary_tagassignment_changelist"),
        reverse("admin:glossary_termassignment_changelist"),
        reverse("admin:glossary_termsuggestion_changelist"),
        reverse("admin:glossary_category_changelist"),
        reverse("admin:glossary_tagrule_changelist"),
        reverse("admin:glossary_term_change", args=[linked.pk]),
        reverse("admin:glossary_tagset_change", args=[tiers["Tier.Gold"].tag_set_id]),
        reverse("admin:glossary_term_import_csv"),
    ]
    for url in pages:
        with django_assert_max_num_queries(30):
            response = client.get(url)
        assert response.status_code == 200, url
    # The table's page shows the panel, with its forms.
    table_page = client.get(
        reverse("admin:catalog_catalogtable_page", args=[shop.tables["orders"].pk])
    )
    html = table_page.content.decode()
    assert "Tags and glossary terms" in html and "Tier.Gold" in html and "Order" in html


def test_admin_status_buttons_post_only(linked, admin_user):
    client = _login(admin_user)
    url = reverse("admin:glossary_term_to_review", args=[linked.pk])
    assert client.get(url).status_code == 200  # a confirmation page
    linked.refresh_from_db()
    assert linked.status == TermStatus.DRAFT
    client.post(url)
    linked.refresh_from_db()
    assert linked.status == TermStatus.IN_REVIEW


def test_admin_panel_actions_and_bulk_page(shop, other, tiers, make_user, grant):
    curator = make_user("curator")
    grant(curator, "view_catalog", shop.collection)
    grant(curator, "curate_catalog", shop.collection)
    client = _login(curator)
    orders = shop.tables["orders"]
    url = reverse("admin:glossary_asset_links", args=["table", orders.pk])
    assert client.get(url).status_code == 405
    client.post(url, {"op": "add_tag", "tag": tiers["Tier.Gold"].pk})
    assert services.links_of(TagAssignment, orders).count() == 1
    response = client.post(url, {"op": "add_tag", "tag": tiers["Tier.Silver"].pk}, follow=True)
    assert "one tag per asset" in response.content.decode()
    hidden = reverse("admin:glossary_asset_links", args=["table", other.tables["orders"].pk])
    assert client.post(hidden, {"op": "add_tag", "tag": tiers["Tier.Gold"].pk}).status_code == 404
    # Bulk: the hidden id is dropped like a missing one.
    ids = f"{shop.tables['customers'].pk},{other.tables['customers'].pk}"
    bulk = reverse("admin:glossary_tag_assets") + f"?type=table&ids={ids}"
    page = client.get(bulk)
    assert page.status_code == 200 and page.context["count"] == 1
    client.post(bulk, {"tags": [tiers["Domain.Sales"].pk]})
    assert TagAssignment.objects.filter(tag=tiers["Domain.Sales"]).count() == 1
    reader = make_user("reader")
    grant(reader, "view_catalog", shop.collection)
    denied = _login(reader).post(url, {"op": "add_tag", "tag": tiers["Domain.Finance"].pk})
    assert denied.status_code == 403
    assert not TagAssignment.objects.filter(tag=tiers["Domain.Finance"]).exists()


def test_asset_panel_queries_and_rights(shop, other, tiers, linked, make_user, grant, rf,
                                        django_assert_max_num_queries):  # fmt: skip
    from governance.glossary.console import asset_panel

    services.save_term(actor=None, term=Term(name="Customer"))
    services.suggest_terms()
    curator = make_user("curator")
    grant(curator, "view_catalog", shop.collection)
    grant(curator, "curate_catalog", shop.collection)
    request = rf.get("/")
    request.user = curator
    # Cold: the user's scopes (view and curate), then three link reads, the source's
    # collection and the two pickers. Warm: the same whatever the asset (no per-row query).
    with django_assert_max_num_queries(14):
        asset_panel(request, shop.tables["customers"])
    for asset in [*shop.tables.values(), *shop.columns.values(), shop.source]:
        with django_assert_max_num_queries(6):
            asset_panel(request, asset)
    html = asset_panel(request, shop.tables["orders"])
    assert "Tier.Gold" in html and 'name="op" value="add_tag"' in html
    customers = asset_panel(request, shop.tables["customers"])
    assert 'title="Link Customer"' in customers and 'value="accept"' in customers
    reader = make_user("reader")
    grant(reader, "view_catalog", shop.collection)
    request.user = reader
    html = asset_panel(request, shop.tables["orders"])
    assert "Tier.Gold" in html and "add_tag" not in html and "unlink_term" not in html


def test_global_search_finds_terms_and_tags(tiers, admin_user, make_user):
    from governance.catalog.search import Query, find

    services.save_term(actor=None, term=Term(name="Customer", synonyms=["Kunde"]))
    results = find(make_user("someone"), Query(text="kunde", type="term"), limit=5)
    hits = [h for h in results.hits if h.type == "term"]
    assert [h.title for h in hits] == ["Customer"]
    tags = find(admin_user, Query(text="gold", type="tag"), limit=5)
    assert [h.title for h in tags.hits if h.type == "tag"] == ["Tier.Gold"]


def test_datasource_bulk_action_opens_the_tag_page(shop, admin_user):
    client = _login(admin_user)
    response = client.post(
        reverse("admin:datasources_datasource_changelist"),
        {"action": "add_tags_to_sources", "_selected_action": [shop.source.pk]},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:glossary_tag_assets"))
    page = client.get(response["Location"])
    assert page.status_code == 200 and page.context["count"] == 1


def test_vocabulary_deletes_are_audited_and_refusals_are_409(admin_user):
    from governance.glossary.models import Category
    from pursight.core.models import AuditEvent

    api = _api(admin_user)
    parent = services.ensure_category(actor=None, path="Finance/Revenue").parent
    refused = api.delete(f"/api/v1/glossary/categories/{parent.pk}/")
    assert refused.status_code == 409 and "sub-categories" in refused.json()["detail"]
    child = Category.objects.get(name="Revenue")
    assert api.delete(f"/api/v1/glossary/categories/{child.pk}/").status_code == 204
    assert api.delete(f"/api/v1/glossary/categories/{parent.pk}/").status_code == 204
    assert AuditEvent.objects.filter(action="category.delete").count() == 2


def test_find_suggestions_button_is_a_post_for_curators(
    shop, make_user, grant, django_capture_on_commit_callbacks
):
    services.save_term(actor=None, term=Term(name="Full name"))
    url = reverse("admin:glossary_termsuggestion_find_suggestions")
    reader = make_user("reader")
    grant(reader, "view_catalog", shop.collection)
    assert _login(reader).post(url).status_code == 403
    curator = make_user("curator")
    grant(curator, "view_catalog", shop.collection)
    grant(curator, "curate_catalog", shop.collection)
    client = _login(curator)
    assert client.get(url).status_code == 200  # asks first
    assert not TermSuggestion.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert TermSuggestion.objects.get().asset_name == "full_name"
