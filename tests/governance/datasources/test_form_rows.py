"""The data source page has one row for the password, for who edits it and who only reads it
(issue 12: the password had two rows)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def _labels(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>|\s+", " ", m).strip()
        for m in re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)
    ]


@pytest.mark.parametrize("role", ["steward", "reader"])
def test_one_password_row_that_says_whether_one_is_stored(
    role, client, make_user, make_collection, grant, make_source
):
    sales = make_collection("Sales")
    user = make_user(role)
    grant(user, "view_catalog", sales)
    if role == "steward":
        grant(user, "manage_datasources", sales)
    source = make_source(
        collection=sales,
        name="crm",
        kind="postgresql",
        host="crm.internal",
        database="crm",
        username="scanner",
        password="pa55-w0rd!",
    )
    client.force_login(user)
    page = client.get(f"/admin/datasources/datasource/{source.pk}/change/").content.decode()
    labels = _labels(page)
    assert [label for label in labels if label.startswith("Password")] == ["Password"], labels
    assert "Stored (encrypted)" in page and "pa55-w0rd!" not in page
    assert ("Remove the password" in labels) == (role == "steward")
