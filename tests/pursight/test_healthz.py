"""GET /healthz reports database, cache, broker and Celery reachability."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_ok_in_embedded_mode(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "celery"}
    assert all(check["ok"] for check in body["checks"].values())


def test_healthz_is_503_when_the_broker_is_down(client, settings):
    from pursight.testing import celery_broker

    with celery_broker("redis://127.0.0.1:1/0"):  # nothing listens there
        settings.CELERY_TASK_ALWAYS_EAGER = False
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded" and body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_admin_wears_the_pursight_skin(client, admin_user):
    from django.conf import settings

    assert settings.UNFOLD["SITE_TITLE"] == "PurSight"
    page = client.get("/admin/login/").content.decode()
    assert "PurSight" in page and "Django administration" not in page
    client.force_login(admin_user)
    page = client.get("/admin/").content.decode()
    for group in ("Data sources", "Scan rule sets", "Data catalog", "Access control"):
        assert group in page
