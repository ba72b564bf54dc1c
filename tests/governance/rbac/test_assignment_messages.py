"""Role assignment forms say what is wrong in words, not with a database constraint's name."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_an_assignment_without_a_principal_says_what_is_missing(
    client, admin_user, make_collection, role
) -> None:
    client.force_login(admin_user)
    collection = make_collection("Sales")
    response = client.post(
        "/admin/rbac/roleassignment/add/",
        {"role": role("data-reader").pk, "collection": collection.pk, "user": "", "group": ""},
    )
    body = response.content.decode()
    assert response.status_code == 200  # the form again, with the error
    assert "Choose either a user or a group" in body
    assert "rbac_roleassignment_user_xor_group" not in body
