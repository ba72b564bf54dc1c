"""Admin actions that change something are POSTs with CSRF: a GET (a link, a cross-site image)
only shows a confirmation form; the right status for users without the right or the object."""

from __future__ import annotations

import pytest
from django.test import Client

from governance.datasources.models import DataSource
from governance.scans import services
from governance.scans.models import Scan, ScanRun
from pursight.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user, make_collection, grant, make_source, shop_db, tmp_path):
    import shutil

    sales, hr = make_collection("Sales"), make_collection("HR")
    other = tmp_path / "other.sqlite"
    shutil.copy(shop_db, other)
    source = make_source(shop_db, collection=sales, name="shop")
    hidden = make_source(other, collection=hr, name="secret-hr")
    admin, reader = make_user("dsa"), make_user("reader")
    grant(admin, "manage_datasources", sales)  # a Data Source Admin on Sales
    grant(admin, "view_catalog", sales)
    grant(reader, "view_catalog", sales)  # a Data Reader on Sales
    scan = services.default_scan(actor=None, source=source)
    queued = services.start_scan(actor=None, scan=scan, enqueue=False)
    hidden_scan = services.default_scan(actor=None, source=hidden)
    hidden_run = services.start_scan(actor=None, scan=hidden_scan, enqueue=False)
    return {
        "source": source,
        "hidden": hidden,
        "scan": scan,
        "run": queued,
        "hidden_scan": hidden_scan,
        "hidden_run": hidden_run,
        "admin": admin,
        "reader": reader,
    }


def urls(w, which: str = "") -> dict[str, str]:
    source = w["hidden" if which else "source"].pk
    scan = w["hidden_scan" if which else "scan"].pk
    run = w["hidden_run" if which else "run"].pk
    return {
        "test": f"/admin/datasources/datasource/{source}/test-connection/",
        "scan": f"/admin/datasources/datasource/{source}/scan/",
        "run": f"/admin/scans/scan/{scan}/run/",
        "cancel": f"/admin/scans/scanrun/{run}/cancel/",
    }


def state(w) -> tuple:
    """Everything the actions could change."""
    return (
        ScanRun.objects.count(),
        ScanRun.objects.get(pk=w["run"].pk).state,
        tuple(DataSource.objects.order_by("pk").values_list("last_test_at", flat=True)),
        AuditEvent.objects.filter(action__in=["datasource.test", "scan.start"]).count(),
        Scan.objects.count(),
    )


def test_get_shows_a_confirmation_form_and_changes_nothing(world, client) -> None:
    client.force_login(world["admin"])
    before = state(world)
    for name, url in urls(world).items():
        response = client.get(url)
        assert response.status_code == 200, name
        page = response.content.decode()
        assert 'method="post"' in page and "csrfmiddlewaretoken" in page, name
        assert client.head(url).status_code == 200
    assert state(world) == before
    pk = world["source"].pk
    page = client.get(f"/admin/datasources/datasource/{pk}/change/").content.decode()
    assert f"/{pk}/test-connection/" in page and f"/{pk}/scan/" in page  # the buttons


def test_other_methods_are_not_allowed(world, client) -> None:
    client.force_login(world["admin"])
    before = state(world)
    for url in urls(world).values():
        assert client.put(url).status_code == 405
        assert client.delete(url).status_code == 405
    assert state(world) == before


def test_post_without_the_csrf_token_is_refused(world) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["admin"])
    before = state(world)
    for url in urls(world).values():
        assert client.post(url).status_code == 403
    assert state(world) == before


def test_post_with_the_csrf_token_acts(world, django_capture_on_commit_callbacks) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["admin"])
    u = urls(world)
    page = client.get(u["test"])
    token = page.context["csrf_token"]
    response = client.post(u["test"], {"csrfmiddlewaretoken": str(token)}, follow=True)
    assert "Connected in" in response.content.decode()
    assert DataSource.objects.get(pk=world["source"].pk).last_test_ok is True
    response = client.post(u["cancel"], {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302
    assert ScanRun.objects.get(pk=world["run"].pk).state == "cancelled"
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(u["run"], {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302
    assert ScanRun.objects.filter(scan=world["scan"], state="queued").count() == 1
    ScanRun.objects.filter(scan=world["scan"], state="queued").update(state="cancelled")
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(u["scan"], {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302 and "/admin/scans/scanrun/" in response["Location"]


def test_a_data_reader_gets_403_and_no_buttons(world, client) -> None:
    client.force_login(world["reader"])
    before = state(world)
    for name, url in urls(world).items():
        assert client.get(url).status_code == 403, name
        assert client.post(url).status_code == 403, name
    assert state(world) == before
    source_page = client.get(f"/admin/datasources/datasource/{world['source'].pk}/change/")
    assert source_page.status_code == 200
    page = source_page.content.decode()
    pk = world["source"].pk
    assert f"/{pk}/test-connection/" not in page and f"/{pk}/scan/" not in page
    scan_page = client.get(f"/admin/scans/scan/{world['scan'].pk}/change/").content.decode()
    assert f"/admin/scans/scan/{world['scan'].pk}/run/" not in scan_page
    # No bulk action either.
    changelist = client.get("/admin/datasources/datasource/").content.decode()
    assert 'value="test_connections"' not in changelist and 'value="scan_now"' not in changelist
    response = client.post(
        "/admin/datasources/datasource/",
        {"action": "scan_now", "_selected_action": [world["source"].pk]},
    )
    assert response.status_code in (200, 302)
    assert state(world) == before


def test_hidden_or_missing_objects_answer_alike(world, client) -> None:
    client.force_login(world["admin"])
    before = state(world)
    hidden = urls(world, "hidden")
    for name, url in urls(world).items():
        missing = url.replace(f"/{url.split('/')[-3]}/", "/999999/")
        garbage = url.replace(f"/{url.split('/')[-3]}/", "/abc/")
        for method in ("get", "post"):
            statuses = {
                getattr(client, method)(u).status_code for u in (hidden[name], missing, garbage)
            }
            # the scan run's Cancel button is filtered by its own permission (403 for all three)
            assert len(statuses) == 1 and statuses <= {403, 404}, (name, method, statuses)
    assert state(world) == before
