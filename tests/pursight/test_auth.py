"""Hashed API tokens, lockout, throttling, Argon2, CSP, production deploy check."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from pursight.core import tokens
from pursight.core.models import ApiToken, AuditEvent

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_token_lifecycle(make_user):
    user = make_user("api")
    client = APIClient()
    client.force_authenticate(user)
    r = client.post("/api/v1/tokens/", {"name": "ci"}, format="json")
    assert r.status_code == 201
    raw = r.json()["token"]
    assert raw.startswith("pst_")
    stored = ApiToken.objects.get(pk=r.json()["id"])
    assert stored.digest == tokens.digest(raw) and raw not in stored.digest
    listed = client.get("/api/v1/tokens/").json()["results"]
    assert "token" not in listed[0]
    client.force_authenticate(None)
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert bearer.get("/api/v1/collections/").status_code == 200
    assert ApiToken.objects.get(pk=stored.pk).last_used_at is not None
    client.force_authenticate(user)
    assert client.delete(f"/api/v1/tokens/{stored.pk}/").status_code == 204
    revoked = bearer.get("/api/v1/collections/")
    assert revoked.status_code == 401 and "Bearer" in revoked["WWW-Authenticate"]
    assert {"apitoken.create", "apitoken.revoke"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )
    # Someone else's token is invisible.
    other = APIClient()
    other.force_authenticate(make_user("other"))
    assert other.get(f"/api/v1/tokens/{stored.pk}/").status_code == 404
    assert APIClient().get("/api/v1/collections/").status_code == 401


def test_lockout_after_repeated_failures(make_user, client, settings):
    make_user("victim")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "victim", "password": "bad"})
    r = client.post("/admin/login/", {"username": "victim", "password": "pw"})
    assert r.status_code == 429  # locked out even with the right password
    assert AuditEvent.objects.filter(action="auth.login_failed").count() >= 5
    # The test client's login() (no request) still works for tests.
    assert client.login(username="victim", password="pw")


@override_settings(PURSIGHT_LOGIN_RATE="3/min")
def test_login_rate_limit(client):
    codes = [
        client.post("/admin/login/", {"username": f"u{i}", "password": "x"}).status_code
        for i in range(5)
    ]
    assert codes[-1] == 429 and 429 not in codes[:3]


def test_argon2_is_the_default_hasher():
    from django.conf import settings

    from pursight.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert "django.contrib.auth.hashers.Argon2PasswordHasher" in base.PASSWORD_HASHERS
    assert settings.AUTHENTICATION_BACKENDS[0] == "pursight.core.backends.LockoutBackend"


def test_api_throttling_configured():
    from django.conf import settings

    rf = settings.REST_FRAMEWORK
    assert "rest_framework.throttling.UserRateThrottle" in rf["DEFAULT_THROTTLE_CLASSES"]
    assert "rest_framework.authtoken" not in settings.INSTALLED_APPS


@pytest.mark.django_db
def test_api_calls_are_throttled_per_user(make_user, monkeypatch):
    from django.core.cache import cache
    from rest_framework.test import APIClient
    from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

    rates = {"user": "3/min", "anon": "2/min"}
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    client = APIClient()
    client.force_authenticate(make_user("busy"))
    codes = [client.get("/api/v1/datasources/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    cache.clear()


def test_security_headers(client):
    r = client.get("/admin/login/")
    assert "frame-ancestors 'none'" in r["Content-Security-Policy"]
    assert r["X-Frame-Options"] == "DENY"


def test_prod_settings_pass_the_deploy_check(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pursight.settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "PURSIGHT_CREDENTIALS_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "PURSIGHT_VAR_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "pursight.example.com",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    short = {**env, "SECRET_KEY": "short"}
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=short,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "SECRET_KEY" in done.stderr
