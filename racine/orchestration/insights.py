"""Workflow steps that fail again and again (the workflows' part of the optimisation from
history; the scans' part is :mod:`governance.scans.history`)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import QuerySet


def failing_steps(
    step_runs: QuerySet, *, window: int = 10, at_least: int = 3, share: float = 0.5
) -> list[dict[str, Any]]:
    """Workflow steps (by workflow and step key) that failed in at least ``share`` of their
    last ``window`` runs and at least ``at_least`` times: ``step_runs`` is a queryset of
    ``StepRun`` rows the viewer may see (one query)."""
    recent: dict[tuple[int, str], list[str]] = defaultdict(list)
    rows = step_runs.order_by("-id").values_list("run__workflow_id", "key", "state")
    for workflow_id, key, state in rows.iterator():
        states = recent[(workflow_id, key)]
        if len(states) < window:
            states.append(state)
    flagged = []
    for (workflow_id, key), states in recent.items():
        failed = sum(1 for s in states if s == "failed")
        if failed >= at_least and failed / len(states) >= share:
            flagged.append(
                {
                    "workflow_id": workflow_id,
                    "key": key,
                    "failed": failed,
                    "runs": len(states),
                    "reason": f"Failed in {failed} of its last {len(states)} runs.",
                }
            )
    return sorted(flagged, key=lambda f: (-f["failed"] / f["runs"], -f["failed"]))
