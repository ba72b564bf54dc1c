"""The frameworks list shows each framework's last score as the dashboard does, "No data" where
the last evaluation checked nothing, per user scope and with constant queries; duplicate codes
are said in plain words (issue 12)."""

from __future__ import annotations

import re

import pytest

from governance.catalog.models import CatalogColumn
from governance.compliance import services

pytestmark = pytest.mark.django_db


def _list_scores(client) -> dict[str, str]:
    page = client.get("/admin/compliance/framework/").content.decode()
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)
    scores = {}
    for row in rows:
        cells = [
            re.sub(r"<[^>]+>|\s+", " ", c).strip()
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        ]
        if len(cells) > 2 and cells[-1] and (cells[-1].endswith("%") or cells[-1] == "No data"):
            scores[cells[1] if cells[0] == "" else cells[0]] = cells[-1]
    return scores


def _dashboard_scores(user) -> dict[str, str]:
    return {
        f["framework"].name: "No data" if f["score"] is None else f"{f['score']:.1f}%"
        for f in services.dashboard(user)["frameworks"]
    }


def test_framework_list_shows_the_dashboards_scores_per_scope(
    catalog_of,
    make_rule,
    evaluate,
    make_user,
    make_collection,
    grant,
    client,
    django_assert_max_num_queries,
):
    sales, hr = make_collection("Sales"), make_collection("HR")
    for collection, described in ((sales, True), (hr, False)):
        cat = catalog_of(collection=collection)
        table = cat.table(cat.schema("main"), "t")
        for name in ("a", "b", "c"):
            cat.column(table, name, description="known" if described and name != "c" else "")
    make_rule("column", {"type": "has_description"})
    evaluate()
    officer = make_user("officer")
    grant(officer, "view_catalog", sales)
    root = make_user("root", superuser=True)

    for user, expected in ((root, "33.3%"), (officer, "66.7%")):
        client.force_login(user)
        with django_assert_max_num_queries(20):
            listed = _list_scores(client)
        assert listed == _dashboard_scores(user) == {"Test framework": expected}


def test_no_data_when_the_last_evaluation_checked_nothing(
    catalog_of, make_rule, evaluate, make_user, client
):
    cat = catalog_of(name="src")
    cat.column(cat.table(cat.schema("main"), "t"), "email")
    make_rule("column", {"type": "has_description"})
    assert evaluate().score == 0.0
    CatalogColumn.objects.all().delete()
    assert evaluate().assets_checked == 0
    client.force_login(make_user("root", superuser=True))
    assert _list_scores(client) == {"Test framework": "No data"}


def test_duplicate_codes_are_said_in_plain_words(framework, make_rule, make_user, client):
    client.force_login(make_user("root", superuser=True))
    page = client.post(
        "/admin/compliance/framework/add/",
        {
            "code": "test",
            "name": "Again",
            "enabled": "on",
            "controls-TOTAL_FORMS": "0",
            "controls-INITIAL_FORMS": "0",
            "rules-TOTAL_FORMS": "0",
            "rules-INITIAL_FORMS": "0",
        },
    ).content.decode()
    assert "A framework with this code already exists; choose another code." in page
    make_rule("column", {"type": "has_owner"}, code="dup")
    data = {
        "framework": framework.pk,
        "control": framework.controls.first().pk,
        "code": "dup",
        "name": "Two",
        "asset_type": "column",
        "scope": "{}",
        "condition": '{"type": "has_owner"}',
        "severity": "high",
        "enabled": "on",
    }
    response = client.post("/admin/compliance/rule/add/", data)
    page = response.content.decode()
    assert "This framework already has a rule with this code; choose another code." in page, (
        response.context["adminform"].form.errors
    )
    page = client.post("/admin/compliance/rule/add/", {**data, "scope": "{bad"}).content.decode()
    assert "The scope must be written in JSON" in page
    assert "Enter a valid JSON" not in page
