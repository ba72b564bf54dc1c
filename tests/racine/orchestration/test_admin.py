"""The workflow admin: steps edited as a formset validated together (a cycle is a form error,
nothing saved), the DAG drawn, Run now (a POST), the run page's live panel and actions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from racine.orchestration.models import Workflow, WorkflowRun

pytestmark = pytest.mark.django_db


def form(collection, steps):
    data = {
        "name": "from-admin",
        "title": "From the admin",
        "description": "",
        "collection": collection.pk,
        "enabled": "on",
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for i, (key, after) in enumerate(steps):
        data.update(
            {
                f"steps-{i}-key": key,
                f"steps-{i}-type": "noop",
                f"steps-{i}-params": "{}",
                f"steps-{i}-after": after,
                f"steps-{i}-retries": "0",
                f"steps-{i}-retry_backoff": "10",
                f"steps-{i}-timeout": "3600",
            }
        )
    return data


def test_add_with_a_cycle_shows_the_error_and_saves_nothing(client, admin_user, collection):
    client.force_login(admin_user)
    url = reverse("admin:orchestration_workflow_add")
    response = client.post(url, form(collection, [("a", "b"), ("b", "a")]))
    assert response.status_code == 200
    assert "The steps form a cycle" in response.content.decode()
    assert not Workflow.objects.exists()


def test_add_draw_run_and_follow(client, admin_user, collection, committed):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:orchestration_workflow_add"),
        form(collection, [("a", ""), ("b", "a"), ("c", "a, b")]),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    wf = Workflow.objects.get(name="from-admin")
    assert [s.depends_on for s in wf.steps.all()] == [[], ["a"], ["a", "b"]]
    page = client.get(reverse("admin:orchestration_workflow_change", args=[wf.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and 'class="wf-graph"' in html and 'data-step="c"' in html

    run_url = reverse("admin:orchestration_workflow_run_detail", args=[wf.pk])
    assert client.get(run_url).status_code == 200  # a confirmation, no run yet
    assert not WorkflowRun.objects.exists()
    with committed():
        response = client.post(run_url)
    run = WorkflowRun.objects.get()
    assert response.status_code == 302 and str(run.pk) in response.url
    page = client.get(reverse("admin:orchestration_workflowrun_change", args=[run.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "workflowrun-live-data" in html
    assert "workflowrun_live.js" in html and 'data-state="succeeded"' in html
