"""The shared shape of a detail action (``ObjectActionsMixin.object_action``) and of a button
shown only in some states (``state_allows``), on a probe admin over scan runs: the object
through the gate (404 hidden, 403 without the right), a confirmation on GET, the service on
POST only, its success or error reported, then the object's page or the ``then`` answer."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin import AdminSite
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse

from governance.scans import services as scans
from governance.scans.models import ScanRun
from pursight import permissions
from pursight.admin import ObjectActionsMixin, PurSightModelAdmin

pytestmark = pytest.mark.django_db


class Probe(ObjectActionsMixin, PurSightModelAdmin):
    pass


@pytest.fixture
def admin() -> Probe:
    return Probe(ScanRun, AdminSite())


@pytest.fixture
def world(make_user, make_source, make_collection, grant) -> dict[str, Any]:
    source = make_source(collection=make_collection("Ops"))
    run = scans.start_scan(
        actor=None, scan=scans.default_scan(actor=None, source=source), enqueue=False
    )
    manager, reader, stranger = make_user("manager"), make_user("reader"), make_user("stranger")
    grant(manager, "manage_datasources", source.collection)
    grant(manager, "view_catalog", source.collection)
    grant(reader, "view_catalog", source.collection)
    return {"run": run, "manager": manager, "reader": reader, "stranger": stranger}


def _request(rf, user, method: str = "post"):
    request = getattr(rf, method)("/probe/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _act(admin, request, run, calls, **kw):
    def service(*, actor, run):
        calls.append((actor, run.pk))
        return run

    return admin.object_action(
        request,
        run.pk,
        "cancel",
        title="Probe",
        question=lambda obj: f"Probe run #{obj.pk}?",
        service=service,
        arg="run",
        **kw,
    )


def test_post_calls_the_service_reports_and_goes_back_to_the_page(admin, world, rf):
    run, calls = world["run"], []
    request = _request(rf, world["manager"])
    response = _act(admin, request, run, calls, done=lambda r: f"Run #{r.pk} probed.")
    assert calls == [(world["manager"], run.pk)]
    assert response.status_code == 302
    assert response.url == f"/admin/scans/scanrun/{run.pk}/change/"
    assert [m.message for m in get_messages(request)] == [f"Run #{run.pk} probed."]


def test_get_asks_first_and_calls_nothing(admin, world, rf):
    run, calls = world["run"], []
    response = _act(admin, _request(rf, world["manager"], "get"), run, calls)
    assert calls == []
    assert response.template_name == "pursight/confirm_action.html"
    assert response.context_data["question"] == f"Probe run #{run.pk}?"
    assert response.context_data["cancel_url"] == f"/admin/scans/scanrun/{run.pk}/change/"
    response = _act(admin, _request(rf, world["manager"], "put"), run, calls)
    assert response.status_code == 405 and calls == []


def test_then_answers_after_the_service_with_its_result(admin, world, rf):
    run, calls, seen = world["run"], [], []

    def then(obj, result):
        seen.append((obj.pk, result.pk))
        return HttpResponse("then")

    response = _act(admin, _request(rf, world["manager"]), run, calls, then=then)
    assert response.content == b"then" and seen == [(run.pk, run.pk)]


def test_a_failing_service_reports_its_error_and_not_done(admin, world, rf):
    run = world["run"]
    request = _request(rf, world["manager"])

    def failing(*, actor, run):
        raise ValidationError("Too late to probe.")

    response = admin.object_action(
        request,
        run.pk,
        "cancel",
        title="Probe",
        question=str,
        service=failing,
        arg="run",
        done=lambda r: "done",
    )
    assert response.status_code == 302
    assert [m.message for m in get_messages(request)] == ["Too late to probe."]


def test_gate_hidden_is_404_and_visible_without_the_right_is_403(admin, world, rf):
    run, calls = world["run"], []
    with pytest.raises(Http404):
        _act(admin, _request(rf, world["stranger"]), run, calls)
    with pytest.raises(Http404):  # not even an id: like a missing run
        admin.object_action(
            _request(rf, world["manager"]),
            "not-an-id",
            "cancel",
            title="Probe",
            question=str,
            service=None,
            arg="run",
        )
    with pytest.raises(permissions.PermissionDenied):
        _act(admin, _request(rf, world["reader"]), run, calls)
    assert calls == []


def test_state_allows(admin, world, rf):
    run, manager = world["run"], world["manager"]
    request = _request(rf, manager, "get")
    assert admin.state_allows(request, None, "cancel", ()) is True  # the changelist
    assert admin.state_allows(request, run.pk, "cancel", ("queued", "running")) is True
    assert admin.state_allows(request, run.pk, "cancel", ("failed",)) is False
    assert admin.state_allows(request, "nope", "cancel", ("queued",)) is False
    reader = _request(rf, world["reader"], "get")
    assert admin.state_allows(reader, run.pk, "cancel", ("queued",)) is False  # may not cancel
    assert admin.state_allows(reader, run.pk, "view", ("queued",)) is True
