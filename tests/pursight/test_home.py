"""The console's home page (/admin/): the steward's sources with their last scan, what waits for
their review, open findings and recent scans, through the gate; the index of every model one
link away (login attempts last)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import format_html

from governance.catalog.models import CatalogTable
from pursight.admin import HomePanel, home_panels
from tests.governance.catalog.test_classification_scan import build_people

pytestmark = pytest.mark.django_db
HOME = "/admin/"


@pytest.fixture
def world(make_user, make_collection, grant, make_source, scan_source, tmp_path):
    from governance.compliance import builtins, services
    from governance.compliance.models import Framework

    builtins.load_frameworks()
    sales, hr = make_collection("Sales"), make_collection("HR")
    steward, reader = make_user("steward"), make_user("reader")
    for perm in ("view_catalog", "curate_catalog", "manage_datasources"):
        grant(steward, perm, sales)
    grant(reader, "view_catalog", sales)
    crm = make_source(build_people(tmp_path / "p.sqlite"), collection=sales, name="crm")
    payroll = make_source(build_people(tmp_path / "h.sqlite"), collection=hr, name="payroll")
    for source in (crm, payroll):
        scan_source(source)
    services.evaluate(actor=None, framework=Framework.objects.get(code="gdpr"))
    return {"steward": steward, "reader": reader, "crm": crm, "sales": sales}


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_steward_home_shows_sources_review_findings_and_scans(world, client):
    client.force_login(world["steward"])
    response = client.get(HOME)
    assert response.status_code == 200
    html = response.content.decode()
    words = text(html)
    crm, people = world["crm"], CatalogTable.objects.get(datasource=world["crm"], name="people")
    assert f'href="/admin/catalog/source/{crm.pk}/"' in html  # the source's page
    assert "Your data sources" in words and "Succeeded" in words
    assert "Waiting for your review" in words
    assert f'href="/admin/catalog/catalogtable/{people.pk}/page/"' in html  # review → table page
    assert "Open findings" in words and "Critical" in words and "Recent scans" in words
    assert "Register a data source" in words  # may add sources
    # Nothing of HR; no index of models (login attempts least of all); a link to it.
    assert "payroll" not in html and "HR" not in words
    assert "Access attempts" not in words and "All models" in words
    # The sources across the page, then two columns: review and scans, findings beside them.
    at = {t: words.index(t) for t in ("Your data sources", "Waiting for", "Recent scans")}
    assert at["Your data sources"] < at["Waiting for"] < at["Recent scans"]
    assert words.index("Open findings") > at["Your data sources"]


def test_reader_home_has_no_review_and_no_buttons(world, client):
    client.force_login(world["reader"])
    words = text(client.get(HOME).content.decode())
    assert "Your data sources" in words and "crm" in words and "Open findings" in words
    assert "Waiting for your review" not in words
    assert "Register a data source" not in words and "All data sources" in words


def test_a_user_without_any_role_is_told_what_is_missing(make_user, client):
    client.force_login(make_user("newcomer"))
    words = text(client.get(HOME).content.decode())
    assert "no role on any collection yet" in words


def test_all_models_lists_the_apps_with_login_attempts_last(world, client):
    client.force_login(world["steward"])
    response = client.get(HOME, {"models": "all"})
    assert response.status_code == 200
    labels = [app["app_label"] for app in response.context["app_list"]]
    assert "catalog" in labels and "axes" not in labels[:-1]
    assert "← Home" in response.content.decode()


def test_login_attempts_come_last_even_for_a_superuser(admin_user, client):
    client.force_login(admin_user)
    response = client.get(HOME, {"models": "all"})
    labels = [app["app_label"] for app in response.context["app_list"]]
    assert labels[-1] == "axes" and labels.index("catalog") < labels.index("axes")


def test_home_queries_do_not_grow_with_sources(world, client, make_source, scan_source, tmp_path):
    client.force_login(world["steward"])

    def queries() -> int:
        client.get(HOME)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(HOME).status_code == 200
        return len(ctx.captured_queries)

    one = queries()
    for i in range(3):
        source = make_source(
            build_people(tmp_path / f"x{i}.sqlite"), collection=world["sales"], name=f"x{i}"
        )
        scan_source(source)
    assert queries() == one


def test_registered_panels_in_their_order(world, client):
    def hello(request):
        return format_html('<p id="hello">Hello {}</p>', request.user.get_username())

    home_panels.register("tests.hello", HomePanel(hello, order=1, wide=True))
    home_panels.register("tests.none", HomePanel(lambda request: None, order=2))
    try:
        client.force_login(world["reader"])
        html = client.get(HOME).content.decode()
        assert html.index('id="hello">Hello reader') < html.index("Your data sources")
    finally:
        home_panels.unregister("tests.hello")
        home_panels.unregister("tests.none")


def test_the_sidebar_offers_only_what_the_user_may_open(world, admin_user, client):
    restricted = (
        "/admin/rbac/roleassignment/",
        "/admin/auth/user/",
        "/admin/core/auditevent/",
        "/admin/compliance/evaluationrun/",
    )
    client.force_login(world["reader"])
    html = client.get(HOME).content.decode()
    assert 'href="/admin/catalog/catalogtable/"' in html
    assert not [url for url in restricted if f'href="{url}"' in html]
    client.force_login(admin_user)
    html = client.get(HOME).content.decode()
    assert all(f'href="{url}"' in html for url in restricted)
