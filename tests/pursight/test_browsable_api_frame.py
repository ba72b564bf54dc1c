"""The browsable API's frame names PurSight, links back to the console and the docs, and
describes its root (templates/rest_framework/api.html)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_api_root_page_describes_itself_and_links_back(admin_client) -> None:
    page = admin_client.get("/api/v1/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<title>Api Root – PurSight API</title>" in html
    assert "default basic root view" not in html
    for href in ('href="/admin/"', 'href="/api/docs/"', 'href="/api/v1/tokens/"'):
        assert href in html


def test_other_pages_keep_their_own_description(admin_client) -> None:
    html = admin_client.get("/api/v1/collections/", HTTP_ACCEPT="text/html").content.decode()
    assert "Every endpoint of the PurSight REST API" not in html
    assert "PurSight API</title>" in html


def test_anonymous_visitors_get_no_page_from_the_frame(client) -> None:
    page = client.get("/api/v1/collections/", HTTP_ACCEPT="text/html")
    assert page.status_code in (401, 403)
