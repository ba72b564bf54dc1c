"""A scan cannot map a network: the failure a run stores, publishes and serves for a closed
port, an HTTP listener and another service is one public message (real listeners on
127.0.0.1); the details go to the server log only."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from rest_framework.test import APIClient

from governance.datasources import services as datasources
from governance.scans import services
from governance.scans.choices import RunState
from pursight.core.models import AuditEvent

pytestmark = pytest.mark.django_db

LEAKS = ("refused", "http", "ssh", "protocol version", "lost connection", "timed out after")


@pytest.fixture
def fast(settings, monkeypatch) -> list[float]:
    """A 1 s connect timeout, and the pauses that pad fast failures recorded, not slept."""
    settings.PURSIGHT_SCAN = {**settings.PURSIGHT_SCAN, "CONNECT_TIMEOUT": 1}
    pauses: list[float] = []
    monkeypatch.setattr(services.time, "sleep", pauses.append)
    return pauses


@pytest.fixture
def published(monkeypatch) -> list[dict[str, Any]]:
    """What the scans publish to the live feed."""
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(
        services.realtime, "publish", lambda kind, pk, event, data: sent.append(dict(data))
    )
    return sent


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_failed_scans_of_network_endpoints_look_the_same(
    kind, endpoints, fast, published, make_collection, make_user, grant, scan_source, caplog
) -> None:
    collection = make_collection("Net")
    reader = make_user("reader")
    grant(reader, "view_catalog", collection)
    client = APIClient()
    client.force_authenticate(reader)
    caplog.set_level(logging.WARNING, logger="governance.scans.services")
    errors, runs = {}, {}
    for name, port in endpoints.items():
        source = datasources.register_datasource(
            actor=None,
            name=f"{kind}-{name}",
            kind=kind,
            host="127.0.0.1",
            port=port,
            database="d",
            username="u",
            password="pw-never-shown",
            collection=collection,
        )
        runs[name] = scan_source(source)
    for name, run in runs.items():  # the reader's scope is cached on the user: scan first
        assert run.state == RunState.FAILED
        body = client.get(f"/api/v1/scan-runs/{run.pk}/").json()
        assert body["error"] == run.error
        audited = AuditEvent.objects.get(action="scan.failed", object_id=str(run.pk))
        assert audited.changes["error"] == run.error
        errors[name] = run.error
    assert len(set(errors.values())) == 1, errors
    error = errors["closed"]
    assert error.startswith("host_unreachable:") and "unreachable" in error
    for leak in (*LEAKS, *(str(port) for port in endpoints.values())):
        assert leak not in error.lower(), (leak, error)
    # The live feed carried nothing more than the row.
    assert {p["error"] for p in published} == {"", error}
    # A refused port fails at once: the run waits for the connect timeout like the others.
    assert fast and fast[0] > 0 and all(0 <= pause <= 1 for pause in fast)
    # The details are in the server log, without the password.
    assert "connection refused" in caplog.text
    assert "pw-never-shown" not in caplog.text


def test_failures_of_file_sources_stay_specific(make_source, scan_source, tmp_path, fast):
    """The public wording is for network endpoints: a missing SQLite file is said plainly."""
    run = scan_source(make_source(tmp_path / "gone.sqlite"))
    assert run.error.startswith("database_missing:") and "does not exist" in run.error
    assert not fast


def test_a_scan_of_a_reachable_database_is_not_padded(make_source, scan_source, shop_db, fast):
    run = scan_source(make_source(shop_db))
    assert run.state == RunState.SUCCEEDED, run.error
    assert not fast
