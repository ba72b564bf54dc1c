"""An evaluation that checked no asset has no score ("no data"), in the service, the API, the
admin lists and the dashboard; and its day is not left with an earlier evaluation's score."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from governance.catalog.models import CatalogColumn
from governance.compliance import evaluation, services
from governance.compliance.models import EvaluationRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(catalog_of, make_rule, evaluate, make_user):
    cat = catalog_of(name="src")
    cat.column(cat.table(cat.schema("main"), "t"), "email")
    make_rule("column", {"type": "has_description"})
    first = evaluate()
    assert first.score == 0.0 and first.assets_checked == 1
    return {"source": cat.source, "admin": make_user("root", superuser=True)}


def test_emptied_catalog_leaves_no_score_for_the_day(scored, evaluate):
    CatalogColumn.objects.all().delete()
    run = evaluate()
    assert run.assets_checked == 0 and run.score is None
    data = services.dashboard(scored["admin"])
    assert data["trend"] == {} or data["trend"]["test"] == [
        (timezone.localdate().isoformat(), None)
    ]
    assert data["frameworks"][0]["score"] is None


def test_run_that_checked_nothing_has_no_score_despite_earlier_results(
    scored, evaluate, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("catalog unavailable")

    monkeypatch.setattr(evaluation, "counts_by_datasource", broken)
    run = evaluate()
    assert run.assets_checked == 0 and run.error
    assert run.score is None


def test_admin_and_api_show_no_data(scored, evaluate, client):
    CatalogColumn.objects.all().delete()
    run = evaluate()
    client.force_login(scored["admin"])
    page = client.get("/admin/compliance/evaluationrun/").content.decode()
    assert "No data" in page
    page = client.get("/admin/compliance/framework/").content.decode()
    assert "No data" in page
    page = client.get("/admin/compliance/finding/dashboard/").content.decode()
    assert "No data" in page and "0.0%" not in page and "100.0%" not in page
    api = APIClient()
    api.force_authenticate(scored["admin"])
    body = api.get(f"/api/v1/compliance/runs/{run.pk}/").json()
    assert body["assets_checked"] == 0 and body["score"] is None
    assert EvaluationRun.objects.filter(score__isnull=False).count() == 1
