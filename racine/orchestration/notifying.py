"""Notifications of workflow runs: a failed run tells its workflow's owner; a "notify" step
tells the people it names. Written to racine.activity's inbox (the same rows, the same live
``inbox`` page), only to users the gate lets see the run."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import NoReverseMatch, reverse

from racine.activity import services as activity

WORKFLOW_FAILED = "workflow_failed"
WORKFLOW_MESSAGE = "workflow_message"


def run_url(run: Any) -> str:
    try:
        return reverse("admin:orchestration_workflowrun_change", args=[run.pk])
    except NoReverseMatch:
        return ""


def notify(
    run: Any,
    *,
    user_ids: Iterable[int],
    title: str,
    body: str = "",
    kind: str = WORKFLOW_MESSAGE,
) -> int:
    """Put a notification about ``run`` in the inbox of each of ``user_ids`` who may see the
    run and did not mute ``kind``; returns how many were written."""
    written = activity.deliver(
        user_ids, kind=kind, title=title, body=body, url=run_url(run), about=run
    )
    return len(written)


def notify_failure(run: Any) -> int:
    """Tell the workflow's owner that ``run`` failed."""
    owner = run.workflow.owner_id
    if not owner:
        return 0
    return notify(
        run,
        user_ids=[owner],
        title=f"Workflow {run.workflow} failed (run #{run.pk})",
        body=run.error,
        kind=WORKFLOW_FAILED,
    )
