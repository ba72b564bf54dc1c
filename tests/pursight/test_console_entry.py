"""Where signing in lands, the API root's index and the locally served API docs (issue 12)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.governance.rbac.routes import api_routes

pytestmark = pytest.mark.django_db
PASSWORD = "a-Long-pass-phrase-42"


@pytest.fixture
def steward(make_user):
    user = make_user("steward")
    user.set_password(PASSWORD)
    user.save()
    return user


def _sign_in(client: Client, url: str, **extra: str):
    return client.post(url, {"username": "steward", "password": PASSWORD, **extra})


def test_admin_login_without_next_lands_on_the_admin_index(steward, client):
    r = _sign_in(client, "/admin/login/")
    assert r.status_code == 302 and r["Location"] == "/admin/"
    assert client.get(r["Location"]).status_code == 200


def test_admin_login_keeps_next(steward, client):
    r = _sign_in(client, "/admin/login/?next=/admin/rbac/collection/")
    assert r.status_code == 302 and r["Location"] == "/admin/rbac/collection/"


def test_api_login_without_next_lands_on_the_api_root(steward, client):
    r = _sign_in(client, "/api/auth/login/", next="")  # the form posts an empty "next"
    assert r.status_code == 302 and r["Location"] == "/api/v1/"
    assert client.get(r["Location"], HTTP_ACCEPT="application/json").status_code == 200


def test_api_login_keeps_a_safe_next_and_refuses_an_outside_one(steward, client):
    r = _sign_in(client, "/api/auth/login/", next="/api/v1/datasources/")
    assert r.status_code == 302 and r["Location"] == "/api/v1/datasources/"
    client.logout()
    r = _sign_in(client, "/api/auth/login/", next="https://evil.example/")
    assert r.status_code == 302 and r["Location"] == "/api/v1/"


def _list_prefixes() -> set[str]:
    """``catalog/tables`` for every viewset list route under /api/v1/."""
    return {
        r.route.removeprefix("api/v1/").strip("^$/")
        for r in api_routes()
        if r.name.endswith("-list")
    }


def test_api_root_lists_every_collection_endpoint(make_user):
    client = APIClient()
    client.force_authenticate(make_user("reader"))
    r = client.get("/api/v1/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    index = r.json()
    prefixes = _list_prefixes()
    assert len(prefixes) > 20  # every app's routes, not one app's
    assert set(index) == prefixes
    for prefix, url in index.items():
        assert url == f"http://testserver/api/v1/{prefix}/"
        assert client.get(url, HTTP_ACCEPT="application/json").status_code == 200, prefix


def test_api_root_needs_a_signed_in_user():
    assert APIClient().get("/api/v1/").status_code == 401


def test_api_docs_use_local_assets_and_no_inline_script(make_user, client):
    client.force_login(make_user("reader"))
    r = client.get("/api/docs/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "cdn" not in html.lower() and "https://" not in html
    assert not re.search(r"<script>", html)  # every script is a file the CSP allows ('self')
    sources = re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in s for s in sources)
    for src in sources:
        assert src.startswith("/"), src
        asset = client.get(src.replace("&amp;", "&"))
        assert asset.status_code == 200, src
    init = client.get("/api/docs/?script=")
    assert init["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in init.content.decode()
