"""Asset pages of the console: a table, a column, a data source.

Through the gate (hidden == missing: the same 404), buttons only for what the user may do,
one-click decisions by POST only, a constant number of queries whatever the number of columns,
and the panels other apps register (``catalog.extensions.asset_page_panels``).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import format_html

from governance.catalog import extensions
from governance.catalog.models import CatalogColumn, CatalogTable, ColumnClassification

from .test_classification_scan import build_people

pytestmark = pytest.mark.django_db


def build_wide(path: Path, columns: int = 30) -> Path:
    """Two tables: ``narrow`` (one column) and ``wide`` (``columns`` columns, some personal)."""
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE narrow (contact_email VARCHAR(200))")
    names = [f"email_{i}" if i % 3 == 0 else f"note_{i}" for i in range(columns)]
    con.execute(f"CREATE TABLE wide ({', '.join(f'{n} VARCHAR(200)' for n in names)})")
    rows = [[f"member.{r}@mailhost.example.org"] for r in range(30)]
    con.executemany("INSERT INTO narrow VALUES (?)", rows)
    con.executemany(
        f"INSERT INTO wide VALUES ({', '.join('?' * columns)})",
        [
            [
                f"m{r}.{i}@mailhost.example.org" if i % 3 == 0 else f"text {r} {i}"
                for i in range(columns)
            ]
            for r in range(30)
        ],
    )
    con.commit()
    con.close()
    return path


@pytest.fixture
def world(make_user, make_collection, grant, make_source, scan_source, tmp_path):
    sales, hr = make_collection("Sales"), make_collection("HR")
    curator, reader, outsider = make_user("curator"), make_user("reader"), make_user("outsider")
    admin_ = make_user("dsadmin")
    for perm in ("view_catalog", "curate_catalog"):
        grant(curator, perm, sales)
    grant(reader, "view_catalog", sales)
    grant(outsider, "view_catalog", hr)
    for perm in ("view_catalog", "manage_datasources"):
        grant(admin_, perm, sales)
    crm = make_source(build_people(tmp_path / "p.sqlite"), collection=sales, name="crm")
    scan_source(crm)
    payroll = make_source(build_people(tmp_path / "h.sqlite"), collection=hr, name="payroll")
    scan_source(payroll)
    return {
        "curator": curator,
        "reader": reader,
        "outsider": outsider,
        "dsadmin": admin_,
        "crm": crm,
        "payroll": payroll,
        "people": CatalogTable.objects.get(datasource=crm, name="people"),
        "hidden": CatalogTable.objects.get(datasource=payroll, name="people"),
    }


def table_url(table: CatalogTable) -> str:
    return reverse("admin:catalog_catalogtable_page", kwargs={"object_id": table.pk})


def column_url(column: CatalogColumn) -> str:
    return reverse("admin:catalog_catalogcolumn_page", kwargs={"object_id": column.pk})


def source_url(source) -> str:
    return reverse("admin:catalog_source_page", kwargs={"object_id": source.pk})


def decide_url(row: ColumnClassification, decision: str) -> str:
    return reverse(
        "admin:catalog_columnclassification_decide",
        kwargs={"object_id": row.pk, "decision": decision},
    )


def card(source) -> ColumnClassification:
    return ColumnClassification.objects.select_related("column").get(
        column__name="card_number", datasource=source
    )


# --- table page ------------------------------------------------------------------------------


def test_table_page_shows_columns_classifications_profile_and_panels(world, client):
    client.force_login(world["curator"])
    response = client.get(table_url(world["people"]))
    assert response.status_code == 200
    html = response.content.decode()
    for column in ("contact_email", "mobile", "card_number", "loyalty_code", "note"):
        assert f'data-column="{column}"' in html
    row = card(world["crm"])
    assert row.classification.name in html
    assert "from a sample of up to" in html  # profile figures say where they come from
    # One-click decisions: small POST forms with the CSRF token, and the "change to" box.
    assert f'action="{decide_url(row, "accept")}"' in html
    assert f'action="{decide_url(row, "reject")}"' in html
    assert "csrfmiddlewaretoken" in html and 'list="ps-info-types"' in html
    assert "Edit description and owner" in html
    # Panels of the apps above the catalog: schema changes and runs (scans), findings.
    for anchor in ('id="schema-changes"', 'id="runs"', 'id="findings"'):
        assert anchor in html
    assert world["crm"].name in html and "Sales" in html


def test_reader_sees_the_page_without_any_button(world, client):
    client.force_login(world["reader"])
    response = client.get(table_url(world["people"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert card(world["crm"]).classification.name in html
    assert "/decide/" not in html and "/classify/" not in html
    assert "accept-suggestions" not in html and "Edit description" not in html
    assert "ps-info-types" not in html  # not even the list of info types to pick from


@pytest.mark.parametrize("who", ["curator", "reader"])
def test_hidden_missing_and_malformed_answer_the_same_404(world, client, who):
    client.force_login(world[who])
    hidden_table = world["hidden"]
    hidden_column = hidden_table.columns.first()
    top = CatalogTable.objects.order_by("-pk").first().pk + 1000
    for url in (
        table_url(hidden_table),
        reverse("admin:catalog_catalogtable_page", kwargs={"object_id": top}),
        reverse("admin:catalog_catalogtable_page", kwargs={"object_id": "abc"}),
        column_url(hidden_column),
        reverse("admin:catalog_catalogcolumn_page", kwargs={"object_id": "1;drop"}),
        source_url(world["payroll"]),
        reverse("admin:catalog_source_page", kwargs={"object_id": top}),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "payroll" not in response.content.decode()


def test_anonymous_is_sent_to_sign_in(world, client):
    response = client.get(table_url(world["people"]))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_columns(world, client, make_source, scan_source, tmp_path):
    source = make_source(
        build_wide(tmp_path / "w.sqlite"), collection=world["crm"].collection, name="wide"
    )
    scan_source(source)
    narrow = CatalogTable.objects.get(datasource=source, name="narrow")
    wide = CatalogTable.objects.get(datasource=source, name="wide")
    assert narrow.columns.count() == 1 and wide.columns.count() == 30
    assert ColumnClassification.objects.filter(column__table=wide).count() >= 5
    for who in ("curator", "reader"):
        client.force_login(world[who])
        _queries(client, table_url(narrow))  # warm caches (content types, sessions)
        one = _queries(client, table_url(narrow))
        many = _queries(client, table_url(wide))
        assert one == many, (who, one, many)
        _queries(client, column_url(narrow.columns.get()))  # the columns' content type too
        col_one = _queries(client, column_url(narrow.columns.get()))
        col_many = _queries(client, column_url(wide.columns.get(name="email_0")))
        assert col_one == col_many
    client.force_login(world["dsadmin"])
    _queries(client, source_url(world["crm"]))  # warm caches
    assert _queries(client, source_url(source)) == _queries(client, source_url(world["crm"]))


def test_removed_columns_are_hidden_unless_asked(world, client):
    people = world["people"]
    gone = people.columns.get(name="note")
    CatalogColumn.objects.filter(pk=gone.pk).update(removed_at=gone.last_seen)
    client.force_login(world["reader"])
    html = client.get(table_url(people)).content.decode()
    assert 'data-column="note"' not in html and "Show 1 removed" in html
    html = client.get(table_url(people) + "?removed=1").content.decode()
    assert 'data-column="note"' in html


# --- one-click decisions ---------------------------------------------------------------------


def test_accept_and_reject_in_one_post_and_back_to_the_page(world, client):
    client.force_login(world["curator"])
    row = card(world["crm"])
    page = table_url(world["people"])
    response = client.post(decide_url(row, "accept"), {"next": page})
    assert response.status_code == 302 and response["Location"] == page
    row.refresh_from_db()
    assert row.status == "accepted" and row.decided_by == world["curator"]
    html = client.get(page).content.decode()
    assert "Accepted: people.card_number" in html
    response = client.post(decide_url(row, "reject"), {"next": page})
    row.refresh_from_db()
    assert row.status == "rejected"


def test_a_get_asks_first_and_changes_nothing(world, client):
    client.force_login(world["curator"])
    row = card(world["crm"])
    before = row.status
    response = client.get(decide_url(row, "accept"))
    assert response.status_code == 200 and b'id="confirm-action"' in response.content
    row.refresh_from_db()
    assert row.status == before


def test_decisions_through_the_gate(world, client):
    row, hidden = card(world["crm"]), card(world["payroll"])
    client.force_login(world["reader"])
    assert client.post(decide_url(row, "accept")).status_code == 403  # visible, no right
    client.force_login(world["curator"])
    assert client.post(decide_url(hidden, "accept")).status_code == 404  # hidden == missing
    assert client.post(decide_url(row, "approve")).status_code == 404  # no such decision
    hidden.refresh_from_db()
    assert hidden.status == "suggested"


def test_next_never_leaves_the_site(world, client):
    client.force_login(world["curator"])
    row = card(world["crm"])
    response = client.post(decide_url(row, "accept"), {"next": "https://evil.example/"})
    assert response["Location"] == table_url(world["people"])


def test_change_a_classification_with_the_info_type_box(world, client):
    from governance.classifications.models import Classification

    column = CatalogColumn.objects.get(datasource=world["crm"], name="loyalty_code")
    url = reverse("admin:catalog_catalogcolumn_classify", kwargs={"object_id": column.pk})
    info_type = Classification.objects.filter(is_active=True).order_by("code").first()
    client.force_login(world["reader"])
    assert client.post(url, {"classification": info_type.code}).status_code == 403
    client.force_login(world["curator"])
    assert client.get(url).status_code == 405  # a state change is never a GET
    response = client.post(url, {"classification": "no-such-type"}, follow=True)
    assert "No info type &#x27;no-such-type&#x27;" in response.content.decode()
    response = client.post(url, {"classification": info_type.code, "next": column_url(column)})
    assert response["Location"] == column_url(column)
    row = ColumnClassification.objects.get(column=column, classification=info_type)
    assert row.status == "accepted" and row.source == "manual"
    hidden = world["hidden"].columns.get(name="loyalty_code")
    hidden_url = reverse("admin:catalog_catalogcolumn_classify", kwargs={"object_id": hidden.pk})
    assert client.post(hidden_url, {"classification": info_type.code}).status_code == 404


def test_accept_all_suggestions_of_a_table(world, client):
    people = world["people"]
    url = reverse("admin:catalog_catalogtable_accept_suggestions", kwargs={"object_id": people.pk})
    suggested = ColumnClassification.objects.filter(column__table=people, status="suggested")
    n = suggested.count()
    assert n >= 2
    client.force_login(world["reader"])
    assert client.post(url).status_code == 403
    client.force_login(world["curator"])
    html = client.get(table_url(people)).content.decode()
    assert f"Accept all {n} suggestions" in html
    response = client.post(url, {"next": table_url(people)}, follow=True)
    assert f"Accepted {n} suggested classifications." in response.content.decode()
    assert not suggested.exists()


# --- column and data source pages -------------------------------------------------------------


def test_column_page_shows_reasons_evidence_and_profile(world, client):
    row = card(world["crm"])
    client.force_login(world["curator"])
    response = client.get(column_url(row.column))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Masked evidence" in html and "From a sample of" in html
    assert row.classification.name in html and f'action="{decide_url(row, "reject")}"' in html
    assert "4111111111111111" not in html  # never a sampled value of a sensitive column
    client.force_login(world["reader"])
    html = client.get(column_url(row.column)).content.decode()
    assert "/decide/" not in html and "/classify/" not in html


def test_source_page_buttons_follow_the_gate(world, client):
    url = source_url(world["crm"])
    test = reverse(
        "admin:datasources_datasource_test_connection_detail",
        kwargs={"object_id": world["crm"].pk},
    )
    client.force_login(world["dsadmin"])
    html = client.get(url).content.decode()
    assert f'action="{test}"' in html and "Scan now" in html and ">Edit<" in html
    assert "people" in html and 'id="runs"' in html and 'id="findings"' in html
    for who in ("reader", "curator"):
        client.force_login(world[who])
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Test connection" not in html and "Scan now" not in html
        assert ">Edit<" not in html


def test_the_buttons_of_the_source_page_act_on_post(world, client):
    client.force_login(world["dsadmin"])
    test = reverse(
        "admin:datasources_datasource_test_connection_detail",
        kwargs={"object_id": world["crm"].pk},
    )
    response = client.post(test, follow=True)
    assert "crm: Connected" in response.content.decode()


# --- links and the extension registry -----------------------------------------------------------


def test_changelists_and_overview_link_to_the_pages(world, client):
    client.force_login(world["curator"])
    people = world["people"]
    html = client.get(reverse("admin:catalog_catalogtable_changelist")).content.decode()
    assert f'href="{table_url(people)}"' in html and f'href="{source_url(world["crm"])}"' in html
    column = people.columns.get(name="mobile")
    html = client.get(reverse("admin:catalog_catalogcolumn_changelist")).content.decode()
    assert f'href="{column_url(column)}"' in html
    overview = reverse("admin:catalog_classification_overview")
    html = client.get(f"{overview}?datasource={world['crm'].pk}").content.decode()
    assert f'href="{table_url(people)}"' in html


def test_registered_panels_render_at_the_bottom(world, client):
    seen = []

    def panel(request, obj):
        seen.append(type(obj).__name__)
        if isinstance(obj, CatalogColumn):
            return None
        return format_html('<section id="test-panel">{}</section>', obj.name)

    extensions.asset_page_panels.register("tests.panel", panel)
    try:
        client.force_login(world["reader"])
        people = world["people"]
        html = client.get(table_url(people)).content.decode()
        assert re.search(r'id="column-list".*id="test-panel">people<', html, re.S)
        html = client.get(column_url(people.columns.first())).content.decode()
        assert "test-panel" not in html
        html = client.get(source_url(world["crm"])).content.decode()
        assert '<section id="test-panel">crm</section>' in html
    finally:
        extensions.asset_page_panels.unregister("tests.panel")
    assert seen == ["CatalogTable", "CatalogColumn", "DataSource"]
