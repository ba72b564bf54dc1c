"""Orchestration on the Main Manager: workflows running now and failed, and advice from
history applied in one click.

The panel reads the scan history of the data sources the user may scan
(:mod:`governance.scans.history`): how often to scan each one, scans that keep getting slower,
and workflow steps that fail again and again (:mod:`.insights`), each with the evidence it
rests on. "Scan every …" sets the source's scan schedule to the advised interval through the
orchestration services, as a change of kind ``schedule.frequency``: a policy may hold it for
approval (``pursight.changes``), like any other governed change.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import path, reverse

from governance.datasources.models import DataSource
from governance.scans import history
from governance.scans import services as scans
from pursight import changes, permissions
from pursight.admin import HomePanel, home_panels, site_urls

from . import insights
from .choices import Period, ScheduleKind
from .models import Schedule, StepRun

KIND = "schedule.frequency"
SHOWN = 8


def _scannable(user: Any) -> Any:
    return permissions.restrict(DataSource.objects.all(), user, "scan")


def schedule_name(source: DataSource) -> str:
    return f"Scan of {source.name} (source {source.pk})"[:150]


def _interval(hours: int) -> tuple[int, str]:
    return (hours // 24, Period.DAYS) if hours % 24 == 0 else (hours, Period.HOURS)


def apply_frequency(*, actor: Any, source: DataSource, hours: int) -> Any:
    """Scan ``source`` every ``hours`` hours: its schedule (created if it has none) becomes
    that interval. Returns the schedule, or the unchanged one marked pending when a policy
    holds the change for approval."""
    if not isinstance(hours, int) or not 1 <= hours <= 24 * 366:
        raise ValidationError({"hours": "Give a whole number of hours from 1 to 8,784."})
    scan = scans.default_scan(actor=None, source=source)
    permissions.check(actor, "run", scan)
    schedule = Schedule.objects.filter(scan=scan).order_by("pk").first()
    if schedule is None:
        schedule = Schedule(name=schedule_name(source), scan=scan)

    def apply() -> Schedule:
        from .services import save_schedule

        schedule.kind = ScheduleKind.INTERVAL
        schedule.every, schedule.period = _interval(hours)
        schedule.enabled = True
        return save_schedule(actor=actor, schedule=schedule)

    outcome = changes.propose(KIND, scan, {"hours": hours}, actor=actor, apply=apply)
    return changes.result(schedule, outcome)


def _apply_change(change: changes.Change) -> Any:
    return apply_frequency(
        actor=change.actor, source=change.obj.datasource, hours=int(change.payload["hours"])
    )


def _describe(change: changes.Change) -> str:
    return f"Scan {change.obj.datasource} every {history.human_interval(change.payload['hours'])}"


# --- the panel ---------------------------------------------------------------------------------


def advice_panel(request: HttpRequest) -> str | None:
    user = request.user
    sources = {s.pk: s for s in _scannable(user).order_by("name")[:500]}
    if not sources:
        return None
    readings = history.insights(list(sources.values()))
    advice = [a for a in readings.advice.values() if a.recommended_hours is not None]
    advice.sort(key=lambda a: sources[a.datasource_id].name)
    trends = readings.trends
    steps = insights.failing_steps(permissions.restrict(StepRun.objects.all(), user))
    if not (advice or trends or steps):
        return None
    return render_to_string(
        "orchestration/advice_panel.html",
        {
            "advice": [
                {
                    "source": sources[a.datasource_id],
                    "now": history.human_interval(a.current_hours),
                    "then": history.human_interval(a.recommended_hours),
                    "hours": int(a.recommended_hours),
                    "reason": a.reason,
                }
                for a in advice[:SHOWN]
            ],
            "trends": [{"source": sources.get(t.datasource_id), "trend": t} for t in trends][
                :SHOWN
            ],
            "steps": steps[:SHOWN],
            "apply_url": reverse("admin:orchestration_apply_advice"),
        },
        request=request,
    )


def apply_view(request: HttpRequest) -> HttpResponse:
    """POST: apply the advised interval to one source's scan schedule."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        source = _scannable(request.user).get(pk=int(request.POST.get("source", "")))
        hours = int(request.POST.get("hours", ""))
    except (ValueError, DataSource.DoesNotExist):
        raise Http404("No such data source.") from None
    try:
        schedule = apply_frequency(actor=request.user, source=source, hours=hours)
    except (ValidationError, permissions.PermissionDenied) as exc:
        text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
        return redirect("admin:index")
    if changes.pending_of(schedule) is None:
        messages.success(
            request,
            f"{source.name} is now scanned every {history.human_interval(hours)} ({schedule}).",
        )
    return redirect("admin:index")


def _urls(admin_site: Any) -> list[Any]:
    return [
        path(
            "orchestration/advice/apply/",
            admin_site.admin_view(apply_view),
            name="orchestration_apply_advice",
        )
    ]


def register() -> None:
    from racine.approvals import manager

    manager.running.register("workflows", running_workflows)
    manager.failures.register("workflows", failed_workflows)
    changes.register_kind(KIND, label="Scan frequency", apply=_apply_change, describe=_describe)
    site_urls.register("orchestration.advice", _urls)
    home_panels.register("orchestration.advice", HomePanel(advice_panel, order=60, wide=True))


# --- workflows on the Main Manager's "running now" and "failures" ---------------------------


def _run_items(runs: list[Any], state: str | None = None) -> list[Any]:
    from racine.approvals.manager import Item

    items = []
    for run in runs:
        steps = list(run.steps.all())
        done = sum(1 for s in steps if s.state in ("succeeded", "skipped", "failed", "cancelled"))
        waiting = [s.key for s in steps if s.state == "waiting"]
        items.append(
            Item(
                key=f"workflow:{run.pk}",
                kind="Workflow",
                name=run.workflow.name,
                url=reverse("admin:orchestration_workflowrun_change", args=[run.pk]),
                state=state or run.get_state_display(),
                progress=done / len(steps) if steps else None,
                detail=run.error
                if state
                else f"{done} of {len(steps)} steps"
                + (f" · waiting: {', '.join(waiting)}" if waiting else ""),
                at=(run.finished_at if state else run.started_at) or run.created_at,
            )
        )
    return items


def running_workflows(user: Any) -> list[Any] | None:
    from .choices import RUN_ACTIVE
    from .models import WorkflowRun

    if not permissions.can_any(user, WorkflowRun, permissions.VIEW):
        return None
    runs = (
        permissions.restrict(WorkflowRun.objects.filter(state__in=RUN_ACTIVE), user)
        .select_related("workflow")
        .prefetch_related("steps")
        .order_by("-created_at")[:SHOWN]
    )
    return _run_items(list(runs))


def failed_workflows(user: Any, since: Any) -> list[Any] | None:
    from .choices import RunState
    from .models import WorkflowRun

    if not permissions.can_any(user, WorkflowRun, permissions.VIEW):
        return None
    runs = (
        permissions.restrict(
            WorkflowRun.objects.filter(state=RunState.FAILED, finished_at__gte=since), user
        )
        .select_related("workflow")
        .prefetch_related("steps")
        .order_by("-finished_at")[:SHOWN]
    )
    return _run_items(list(runs), state="Failed")
