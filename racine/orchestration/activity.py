"""What workflow runs say in the activity stream (registered from ``ready()``)."""

from __future__ import annotations

from racine.activity import expansions, summaries


def _run_name(run: object) -> str:
    return f"run #{run.pk} of workflow {run.workflow}"  # type: ignore[attr-defined]


def register() -> None:
    expansions.descriptions.register("orchestration.WorkflowRun", _run_name)
    sentences = {
        "workflow.started": lambda s: (
            f"{s.actor} started {s.target}"
            + (" (scheduled)" if s.get("trigger") == "schedule" else "")
        ),
        "workflow.finished": lambda s: (
            f"{s.target} succeeded: "
            f"{summaries.plural(s.get('succeeded', 0), 'step')} done"
            + (f", {s.get('skipped')} skipped" if s.get("skipped") else "")
        ),
        "workflow.failed": lambda s: f"{s.target} failed: {summaries.quote(s.get('error'))}",
        "workflow.cancelled": lambda s: f"{s.actor} cancelled {s.target}",
        "workflow.resumed": lambda s: f"{s.actor} resumed {s.target}",
    }
    for kind, sentence in sentences.items():
        summaries.register(kind, sentence)
