"""Classification review in the admin and API: working links, readable titles and marks."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from governance.catalog.models import CatalogColumn, CatalogTable, ColumnClassification

from .test_classification_scan import build_people

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/catalog/columnclassification/"
OVERVIEW = CHANGELIST + "overview/"
TABLES = "/admin/catalog/catalogtable/"


@pytest.fixture
def review(make_user, make_collection, grant, make_source, scan_source, tmp_path):
    sales, hr = make_collection("Sales"), make_collection("HR")
    curator, outsider = make_user("curator"), make_user("outsider")
    grant(curator, "view_catalog", sales)
    grant(curator, "curate_catalog", sales)
    grant(outsider, "view_catalog", hr)
    source = make_source(build_people(tmp_path / "p.sqlite"), collection=sales, name="crm")
    scan_source(source)
    return {"curator": curator, "outsider": outsider, "source": source}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href and not href.startswith(("#", "javascript:")):
            self.hrefs.append(href)


def catalog_links(page_url: str, html: str) -> set[str]:
    """Every link on the page that stays in the catalog admin, resolved against the page."""
    parser = _Links()
    parser.feed(html)
    links = {urljoin(page_url, h) for h in parser.hrefs}
    return {link for link in links if urlsplit(link).path.startswith("/admin/catalog/")}


def card_row() -> ColumnClassification:
    return ColumnClassification.objects.get(column__name="card_number", datasource__name="crm")


def test_every_link_on_the_overview_and_table_list_answers_200(review, client):
    client.force_login(review["curator"])
    table_id = card_row().column.table_id
    pages = [OVERVIEW, f"{OVERVIEW}?datasource={review['source'].pk}", TABLES]
    followed = set()
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        for link in catalog_links(page, response.content.decode()) - followed:
            followed.add(link)
            assert client.get(link).status_code == 200, link
    table_links = {link for link in followed if f"={table_id}" in link and "table" in link}
    assert any(urlsplit(link).path == CHANGELIST for link in table_links), table_links


def test_table_filter_shows_only_that_tables_classifications(
    review, client, make_source, scan_source, tmp_path
):
    other = make_source(
        build_people(tmp_path / "q.sqlite"), collection=review["source"].collection, name="erp"
    )
    scan_source(other)
    client.force_login(review["curator"])
    table = CatalogTable.objects.get(datasource=review["source"])
    html = client.get(TABLES).content.decode()
    link = next(
        urljoin(TABLES, h)
        for h in _hrefs(html)
        if urlsplit(urljoin(TABLES, h)).path == CHANGELIST and f"={table.pk}" in h
    )
    response = client.get(link)
    assert response.status_code == 200
    shown = {r.pk for r in response.context["cl"].result_list}
    expected = set(
        ColumnClassification.objects.filter(column__table=table).values_list("pk", flat=True)
    )
    assert shown == expected and expected
    # The filter chip names the table, so a steward sees what is filtered.
    assert "main.people" in response.content.decode()

    # Someone who cannot see the table gets an empty list that does not name it.
    client.force_login(review["outsider"])
    response = client.get(link)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    assert "main.people" not in response.content.decode()


def _hrefs(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def test_classification_title_is_readable(review):
    row = ColumnClassification.objects.select_related("column__table", "classification").get(
        pk=card_row().pk
    )
    assert str(row) == f"people.card_number — {row.classification.name} (suggested)"


def test_changelist_and_inline_queries_do_not_grow_with_rows(
    review, client, make_source, scan_source, tmp_path
):
    client.force_login(review["curator"])
    with CaptureQueriesContext(connection) as few:
        assert client.get(CHANGELIST).status_code == 200
    for k in range(2):
        make_source(
            build_people(tmp_path / f"more{k}.sqlite"), collection=review["source"].collection
        )
    for source in type(review["source"]).objects.exclude(pk=review["source"].pk):
        scan_source(source)
    with CaptureQueriesContext(connection) as many:
        assert client.get(CHANGELIST).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)

    column = card_row().column
    page = client.get(f"/admin/catalog/catalogcolumn/{column.pk}/change/")
    html = page.content.decode()
    assert f"{column.table.name}.{column.name} — " in html
    assert f"{column.pk}: " not in html


def test_no_disagreement_is_not_a_red_cross(review, client):
    client.force_login(review["curator"])
    row = card_row()
    assert not row.disagreement
    pages = [CHANGELIST, f"{CHANGELIST}{row.pk}/change/"]
    pages.append(f"/admin/catalog/catalogcolumn/{row.column_id}/change/")
    for page in pages:
        html = client.get(page).content.decode()
        assert "close_small" not in html, page
    row.disagreement = True
    row.disagreement_details = {"found": "PHONE_NUMBER"}
    row.save()
    html = client.get(CHANGELIST).content.decode()
    assert "Disagrees" in html


def test_distinct_counts_say_they_come_from_a_sample(review, client):
    client.force_login(review["curator"])
    column = card_row().column
    assert column.sample_size and column.distinct_count is not None
    label = f"{column.distinct_count} distinct in sample of {column.sample_size}"
    for page in (
        "/admin/catalog/catalogcolumn/",
        f"/admin/catalog/catalogcolumn/{column.pk}/change/",
        f"{TABLES}{column.table_id}/change/",
    ):
        assert label in client.get(page).content.decode(), page
    api = APIClient()
    api.force_authenticate(review["curator"])
    profile = api.get(f"/api/v1/catalog/columns/{column.pk}/").json()["profile"]
    assert profile["distinct_count"] == column.distinct_count
    assert profile["distinct_label"] == label


def test_qualified_name_shows_the_source_name_not_its_id(review, client):
    source = review["source"]
    table = CatalogTable.objects.get(datasource=source)
    column = CatalogColumn.objects.get(table=table, name="card_number")
    assert table.qualified_name.startswith(f"{source.pk}/")  # the stored key is unchanged
    assert table.display_qualified_name == "crm/main/people"
    client.force_login(review["curator"])
    html = client.get(f"{TABLES}{table.pk}/change/").content.decode()
    assert "crm/main/people" in html and table.qualified_name not in html
    html = client.get(f"/admin/catalog/catalogcolumn/{column.pk}/change/").content.decode()
    assert "crm/main/people/card_number" in html
    api = APIClient()
    api.force_authenticate(review["curator"])
    data = api.get(f"/api/v1/catalog/tables/{table.pk}/").json()
    assert data["qualified_name"] == table.qualified_name
    assert data["display_qualified_name"] == "crm/main/people"


@pytest.mark.parametrize("param", ["q", "search"])
def test_search_parameter_and_its_alias(review, param):
    api = APIClient()
    api.force_authenticate(review["curator"])
    for url, name in (
        ("/api/v1/catalog/tables/", "people"),
        ("/api/v1/catalog/columns/", "card_number"),
        ("/api/v1/catalog/schemas/", "main"),
    ):
        found = api.get(url, {param: name}).json()
        assert found["count"] >= 1 and all(name in r["name"] for r in found["results"]), url
        assert api.get(url, {param: "nosuchthing"}).json()["count"] == 0


def test_search_alias_is_in_the_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    params = {p["name"] for p in schema["paths"]["/api/v1/catalog/tables/"]["get"]["parameters"]}
    assert {"q", "search"} <= params


@pytest.mark.parametrize("param", ["q", "search"])
def test_classification_search_and_its_alias(review, param):
    api = APIClient()
    api.force_authenticate(review["curator"])
    url = "/api/v1/catalog/classifications/"
    total = api.get(url).json()["count"]
    found = api.get(url, {param: "card"}).json()
    assert found["results"] and found["count"] < total
    assert all(r["column_name"] == "card_number" for r in found["results"])
    assert api.get(url, {param: "nosuchthing"}).json()["count"] == 0
