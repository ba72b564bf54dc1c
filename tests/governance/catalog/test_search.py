"""The console's global search: the header box's suggestions, the results page with its facets,
and ``/api/v1/search/``. Only what the gate shows is found or counted; a hidden id in a filter
fails exactly like a missing one; a constant number of queries whatever the number of matches.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from governance.catalog import extensions
from governance.catalog import search as global_search
from governance.catalog.models import CatalogColumn, CatalogTable, ColumnClassification
from governance.classifications.models import Classification

from .test_asset_pages import build_wide
from .test_classification_scan import build_people

pytestmark = pytest.mark.django_db
FIND = "/admin/find/"
SUGGEST = "/admin/find/suggest/"
API = "/api/v1/search/"


@pytest.fixture
def world(make_user, make_collection, grant, make_source, scan_source, tmp_path):
    from governance.compliance import builtins, services
    from governance.compliance.models import Framework

    builtins.load_frameworks()
    sales, hr = make_collection("Sales"), make_collection("HR")
    curator, outsider = make_user("curator"), make_user("outsider")
    for perm in ("view_catalog", "curate_catalog"):
        grant(curator, perm, sales)
    grant(outsider, "view_catalog", hr)
    crm = make_source(build_people(tmp_path / "p.sqlite"), collection=sales, name="crm")
    payroll = make_source(build_people(tmp_path / "h.sqlite"), collection=hr, name="payroll")
    for source in (crm, payroll):
        scan_source(source)
    services.evaluate(actor=None, framework=Framework.objects.get(code="gdpr"))
    return {
        "curator": curator,
        "outsider": outsider,
        "crm": crm,
        "payroll": payroll,
        "sales": sales,
        "hr": hr,
    }


def run(user, text="", **filters):
    kind = filters.pop("type", "")
    return global_search.find(
        user, global_search.Query(text=text, type=kind, filters=filters), limit=50
    )


def titles(results, kind: str) -> list[str]:
    return [h.title for t in results.types if t.type == kind for h in t.hits]


def count(results, kind: str) -> int:
    return next(t.count for t in results.types if t.type == kind)


# --- the service ------------------------------------------------------------------------------


def test_every_type_is_found_by_prefix_and_only_where_the_gate_shows_it(world):
    curator, outsider = world["curator"], world["outsider"]
    found = run(curator, "peo")
    assert titles(found, "table") == ["main.people"] and count(found, "table") == 1
    assert titles(run(curator, "contact ema"), "column") == ["people.contact_email"]
    assert titles(run(curator, "crm"), "source") == ["crm"]
    # payroll has the very same tables: never found, never counted, for a Sales steward.
    assert run(curator, "payroll").total == 0
    assert count(run(curator, "people"), "column") == 6
    assert titles(run(outsider, "peo"), "table") == ["main.people"]
    assert {h.context for h in run(outsider, "people").hits if h.type == "column"} == {
        f"payroll / main.people · {c.data_type}"
        for c in CatalogColumn.objects.filter(datasource=world["payroll"])
    }


def test_findings_and_rules_are_found(world):
    found = run(world["curator"], "encrypted storage")
    assert "Personal data lives in encrypted storage" in titles(found, "rule")
    findings = titles(run(world["curator"], "contact_email", type="finding"), "finding")
    assert findings and all("contact_email" in t for t in findings)
    # The outsider's findings are payroll's; the curator's crm findings stay hidden from them.
    outsider = run(world["outsider"], "people", type="finding")
    assert {h.context.split(" · ")[0] for h in outsider.hits} == {"payroll"}


def test_facets_count_narrow_and_name_only_visible_values(world):
    curator = world["curator"]
    email = Classification.objects.get(code="EMAIL_ADDRESS")
    found = run(curator, "people")
    facets = {f: {v.label: v.count for v in values} for f, values in found.facets.items()}
    assert set(facets["source"]) == {"crm"} and set(facets["collection"]) == {"Sales"}
    assert facets["info_type"][str(email)] == 1  # columns are counted (tables filtered)
    narrowed = run(curator, "", info_type=email)
    assert titles(narrowed, "column") == ["people.contact_email"]
    assert titles(narrowed, "table") == ["main.people"]
    assert count(narrowed, "rule") == 0 and count(narrowed, "source") == 0  # no info type
    chosen = next(v for v in narrowed.facets["info_type"] if v.selected)
    assert chosen.value == email.pk
    by_source = run(curator, "people", source=world["crm"])
    assert count(by_source, "column") == 6 and count(by_source, "finding") > 0


def test_rejected_classifications_do_not_count_in_facets(world):
    curator = world["curator"]
    email = Classification.objects.get(code="EMAIL_ADDRESS")
    ColumnClassification.objects.filter(datasource=world["crm"], classification=email).update(
        status="rejected"
    )
    assert run(curator, "", info_type=email).total == 0


def test_removed_assets_are_not_found(world):
    column = CatalogColumn.objects.get(datasource=world["crm"], name="mobile")
    CatalogColumn.objects.filter(pk=column.pk).update(removed_at=column.last_seen)
    assert titles(run(world["curator"], "mobile"), "column") == []


def test_a_hidden_choice_fails_like_a_missing_one(world):
    curator = world["curator"]
    top = 10**9

    def errors(**data):
        form = global_search.SearchForm(data, user=curator)
        assert not form.is_valid()
        return form.errors

    missing = errors(source=top)
    assert errors(source=world["payroll"].pk) == missing
    assert errors(collection=world["hr"].pk) == errors(collection=top)
    for junk in ("abc", "-1", "0", "1e3", str(2**70), "١"):
        assert errors(source=junk) == missing, junk
    assert "type" in errors(type="nope")


def test_queries_do_not_grow_with_matches(world, make_source, scan_source, tmp_path, client):
    wide = make_source(build_wide(tmp_path / "w.sqlite"), collection=world["sales"], name="wide")
    scan_source(wide)
    client.force_login(world["curator"])

    def queries(url: str) -> int:
        client.get(url)  # warm up
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = queries(f"{FIND}?q=loyalty")  # one column, one rule at most
    many = queries(f"{FIND}?q=note")  # 20 columns of 'wide', 2 of crm
    assert few == many
    assert queries(f"{FIND}?q=note&type=column") == queries(f"{FIND}?q=loyalty&type=column")
    assert queries(f"{SUGGEST}?q=note") == queries(f"{SUGGEST}?q=loyal")


def test_search_providers_registry(world):
    class Everything(global_search.SearchProvider):
        type, label = "greeting", "Greetings"

        def search(self, user, query, *, limit, offset=0, count=True, facets=True):
            hits = [global_search.Hit("greeting", 1, f"hello {query.text}", url="/admin/")]
            return global_search.TypeResult(self.type, self.label, hits[:limit], len(hits))

    extensions.search_providers.register("tests.greeting", Everything())
    try:
        assert titles(run(world["curator"], "world"), "greeting") == ["hello world"]
        form = global_search.SearchForm({"type": "greeting", "q": "x"}, user=world["curator"])
        assert form.is_valid()
        # A facet it does not declare leaves it out.
        assert run(world["curator"], "x", source=world["crm"]).types[-1].type == "greeting"
    finally:
        extensions.search_providers.unregister("tests.greeting")


# --- the results page and the header's suggestions ---------------------------------------------


def test_results_page_with_tabs_facets_and_no_hidden_names(world, client):
    client.force_login(world["curator"])
    response = client.get(FIND, {"q": "people"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/admin/catalog/catalogtable/' in html and "main.people" in html
    assert "Columns<span>6</span>" in html and "payroll" not in html and "HR" not in html
    email = Classification.objects.get(code="EMAIL_ADDRESS")
    assert f"info_type={email.pk}" in html  # the facet's link
    response = client.get(FIND, {"q": "people", "info_type": email.pk, "type": "column"})
    html = response.content.decode()
    assert "people.contact_email" in html and "people.mobile" not in html
    assert "✓ " + str(email) in html  # the selected facet, which a click removes


def test_results_page_answers_bad_input_plainly(world, client):
    client.force_login(world["curator"])
    for params in (
        {"q": "people", "source": world["payroll"].pk},
        {"q": "people", "source": "x"},
        {"q": "people", "type": "nope"},
        {"q": "x" * 300},
    ):
        response = client.get(FIND, params)
        assert response.status_code == 200
        assert 'class="ps-errors"' in response.content.decode(), params
        assert "payroll" not in response.content.decode()
    response = client.get(FIND, {"q": "people", "type": "column", "page": "zzz"})
    assert response.status_code == 200
    assert client.get(FIND).status_code == 200  # an empty search explains itself


def test_results_page_pages_through_one_type(world, make_source, scan_source, tmp_path, client):
    wide = make_source(build_wide(tmp_path / "w.sqlite", columns=60), collection=world["sales"])
    scan_source(wide)
    client.force_login(world["curator"])
    first = client.get(FIND, {"q": "note", "type": "column"}).content.decode()
    assert "Page 1 of 2" in first and "Next →" in first
    second = client.get(FIND, {"q": "note", "type": "column", "page": 2}).content.decode()
    assert "Page 2 of 2" in second and "← Previous" in second


def test_suggestions_for_the_header_box(world, client):
    client.force_login(world["curator"])
    body = client.get(SUGGEST, {"q": "mob"}).json()
    assert body["results"][0]["title"] == "people.mobile"
    assert body["results"][0]["url"].startswith("/admin/catalog/catalogcolumn/")
    assert body["all"] == f"{FIND}?q=mob"
    assert client.get(SUGGEST, {"q": "m"}).json()["results"] == []  # two characters at least
    assert all(
        "payroll" not in h["context"] for h in client.get(SUGGEST, {"q": "peo"}).json()["results"]
    )
    assert client.get(SUGGEST, {"q": "\x00mob"}).status_code == 200


def test_the_box_is_in_every_page_header(world, client):
    client.force_login(world["curator"])
    for url in ("/admin/", reverse("admin:catalog_catalogtable_changelist"), FIND):
        html = client.get(url).content.decode()
        assert 'id="ps-search"' in html and "/static/catalog/search.js" in html, url
    client.logout()
    assert 'id="ps-search"' not in client.get("/admin/login/").content.decode()


def test_anonymous_users_are_sent_away(world, client):
    assert client.get(FIND, {"q": "people"}).status_code == 302
    assert client.get(SUGGEST, {"q": "people"}).status_code == 302
    assert APIClient().get(API, {"q": "people"}).status_code == 401


# --- the API -------------------------------------------------------------------------------------


def test_api_search(world):
    api = APIClient()
    api.force_authenticate(world["curator"])
    body = api.get(API, {"q": "peo"}).json()
    assert [r["title"] for r in body["results"] if r["type"] == "table"] == ["main.people"]
    assert {t["type"] for t in body["types"]} >= {"source", "table", "column", "finding", "rule"}
    assert [v["label"] for v in body["facets"]["source"]] == ["crm"]
    page = api.get(API, {"q": "people", "type": "column", "limit": 2, "offset": 2}).json()
    assert len(page["results"]) == 2 and page["offset"] == 2
    everything = api.get(API, {"q": "people", "type": "column"}).json()["results"]
    assert [r["id"] for r in page["results"]] == [r["id"] for r in everything[2:4]]
    assert api.get(API).json()["results"] == []  # nothing asked, nothing searched


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"q": "x", "type": "nope"}, "type", "Select a valid choice"),
        ({"q": "x", "offset": 5}, "offset", "Give a type to page"),
        ({"q": "x", "limit": 1000}, "limit", "less than or equal to 100"),
        ({"q": "x", "source": "abc"}, "source", "Select a valid choice"),
        ({"q": "x" * 201}, "q", "at most 200 characters"),
        ({"q": "a\x00b"}, "q", "Null characters are not allowed"),
    ],
)
def test_api_refuses_bad_input_with_a_clear_400(world, params, field, message):
    api = APIClient()
    api.force_authenticate(world["curator"])
    response = api.get(API, params)
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])


def test_api_hidden_filter_answers_like_a_missing_one(world):
    api = APIClient()
    api.force_authenticate(world["curator"])
    hidden = api.get(API, {"q": "people", "source": world["payroll"].pk})
    missing = api.get(API, {"q": "people", "source": 10**9})
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json()


def test_api_is_in_the_schema_and_the_root():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/search/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "type", "source", "collection", "info_type", "label", "owner"} <= names


def test_api_root_lists_search(make_user):
    api = APIClient()
    api.force_authenticate(make_user("someone"))
    assert (
        api.get("/api/v1/", HTTP_ACCEPT="application/json")
        .json()["search"]
        .endswith("/api/v1/search/")
    )


def test_tables_are_found_by_their_label(world):
    from governance.classifications.models import SensitivityLabel

    label = SensitivityLabel.objects.get(name="Highly Confidential")
    found = run(world["curator"], "", label=label)
    assert titles(found, "table") == ["main.people"]
    assert titles(found, "column") == ["people.card_number"]
    assert CatalogTable.objects.filter(name="people").count() == 2
