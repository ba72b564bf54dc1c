"""Test connection cannot map a network: a closed port, an HTTP listener and another service
look the same to anyone but a platform administrator (real listeners on 127.0.0.1)."""

from __future__ import annotations

import logging

import pytest
from rest_framework.test import APIClient

from governance.datasources import services
from governance.datasources.models import DataSource

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user, make_collection, grant):
    collection = make_collection("Net")
    steward = make_user("steward")
    grant(steward, "manage_datasources", collection)
    grant(steward, "view_catalog", collection)
    return {"collection": collection, "steward": steward, "root": make_user("root", superuser=True)}


@pytest.fixture
def fast(settings, monkeypatch) -> list[float]:
    settings.PURSIGHT_SCAN = {**settings.PURSIGHT_SCAN, "CONNECT_TIMEOUT": 1}
    pauses: list[float] = []
    monkeypatch.setattr(services.time, "sleep", pauses.append)
    return pauses


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_unreachable_and_wrong_protocol_endpoints_look_the_same(
    kind, endpoints, people, fast, caplog
) -> None:
    sources = {
        name: services.register_datasource(
            actor=None,
            name=f"{kind}-{name}",
            kind=kind,
            host="127.0.0.1",
            port=port,
            database="d",
            username="u",
            password="pw-never-shown",
            collection=people["collection"],
        )
        for name, port in endpoints.items()
    }
    client = APIClient()
    client.force_authenticate(people["steward"])
    caplog.set_level(logging.WARNING, logger="governance.datasources.services")
    seen = {}
    for name, source in sources.items():
        body = client.post(f"/api/v1/datasources/{source.pk}/test/").json()
        seen[name] = (body["ok"], body["code"], body["message"])
        assert str(endpoints[name]) not in body["message"]
        source.refresh_from_db()
        assert source.last_test_message == body["message"]
    assert len(set(seen.values())) == 1, seen
    ok, code, message = seen["closed"]
    assert ok is False and code == "host_unreachable" and "unreachable" in message
    # The refused port answered at once: the answer waits for the timeout like the others.
    assert len(fast) == 3 and fast[0] > 0 and all(0 <= pause <= 1 for pause in fast)
    # The details are in the server log.
    assert "connection refused" in caplog.text
    assert "pw-never-shown" not in caplog.text
    # A platform administrator sees what happened.
    fast.clear()
    detailed = {
        name: services.test_connection(actor=people["root"], source=source).message
        for name, source in sources.items()
    }
    assert "connection refused" in detailed["closed"]
    assert len(set(detailed.values())) > 1 and not fast
    # and the row still holds the public message, readable by anyone who sees the source
    stored = set(DataSource.objects.filter(kind=kind).values_list("last_test_message", flat=True))
    assert stored == {message}


def test_failures_of_file_sources_stay_specific(people, fast, tmp_path):
    """The generic answer is for network endpoints; a missing SQLite file is said plainly."""
    from django.test import override_settings

    with override_settings(PURSIGHT_FILE_SOURCE_ROOTS=[str(tmp_path)]):
        source = services.register_datasource(
            actor=None,
            name="gone",
            kind="sqlite",
            database=str(tmp_path / "gone.sqlite"),
            collection=people["collection"],
        )
        outcome = services.test_connection(actor=people["steward"], source=source)
    assert outcome.code == "database_missing" and "does not exist" in outcome.message
