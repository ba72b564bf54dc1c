"""Workflow steps that fail again and again, read from the step runs the viewer may see."""

from __future__ import annotations

from typing import Any

import pytest

from racine.orchestration import insights
from racine.orchestration.models import StepRun, WorkflowRun

from .conftest import noop

pytestmark = pytest.mark.django_db


def runs(workflow: Any, states: dict[str, list[str]]) -> None:
    """One run per position of the lists: step ``key`` ended in ``states[key][i]``."""
    count = len(next(iter(states.values())))
    for i in range(count):
        run = WorkflowRun.objects.create(workflow=workflow, state="failed")
        for key, seq in states.items():
            StepRun.objects.create(run=run, key=key, type="noop", state=seq[i])


def test_a_step_failing_in_most_of_its_recent_runs_is_flagged(
    make_workflow, django_assert_num_queries
) -> None:
    flaky = make_workflow([noop("extract"), noop("load", "extract")])
    runs(
        flaky,
        {
            "extract": ["succeeded"] * 6,
            "load": ["failed", "failed", "succeeded", "failed", "failed", "succeeded"],
        },
    )
    steady = make_workflow([noop("only")])
    runs(steady, {"only": ["succeeded", "failed", "succeeded", "succeeded"]})
    with django_assert_num_queries(1):
        flagged = insights.failing_steps(StepRun.objects.all())
    assert flagged == [
        {
            "workflow_id": flaky.pk,
            "key": "load",
            "failed": 4,
            "runs": 6,
            "reason": "Failed in 4 of its last 6 runs.",
        }
    ]


def test_only_the_recent_window_counts(make_workflow) -> None:
    healed = make_workflow([noop("step")])
    runs(healed, {"step": ["failed"] * 5 + ["succeeded"] * 10})  # oldest first
    assert insights.failing_steps(StepRun.objects.all(), window=10) == []
    longer = insights.failing_steps(StepRun.objects.all(), window=15, share=0.3)
    assert longer[0]["failed"] == 5 and longer[0]["runs"] == 15
