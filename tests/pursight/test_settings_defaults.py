"""Settings have their defaults in the settings module: code reads ``settings.X`` plainly."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def test_defaults_live_in_the_settings_module() -> None:
    assert settings.PURSIGHT_COMPLIANCE_EVALUATE_AFTER_SCAN is True
    assert settings.PURSIGHT_CSP_REPORT_ONLY is False
    classifier = settings.PURSIGHT_CLASSIFIER
    assert classifier == {
        "DEFAULT_SMALL": True,  # tests train the small default (PURSIGHT_CLASSIFIER_SMALL)
        "CACHE_DIR": Path(settings.VAR_DIR) / "classifier",
        "SEED": 0,
    }
    assert settings.PURSIGHT_LOGIN_PATHS and settings.PURSIGHT_LOGIN_RATE


def test_the_policy_sent_is_the_settings_one(client) -> None:
    """The same policy as before its default moved into the settings."""
    response = client.get("/healthz")
    assert response["Content-Security-Policy"] == POLICY
    assert "Content-Security-Policy-Report-Only" not in response
