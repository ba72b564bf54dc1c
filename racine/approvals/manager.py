"""The Main Manager: the console's home page (``/admin/``) as the stewards' landing page.

It adds panels to ``pursight.admin.home_panels`` beside the ones governance registers (data
sources, recent scans, what waits for review, open findings), so nothing is duplicated:

- **Running now** (wide, live): every active run the user may see, from :data:`running`
  (scans and compliance evaluations built in; ``racine.orchestration`` adds its workflows from
  its ``ready()``: ``manager.running.register("workflows", fn)``), refreshed every few seconds
  from ``/admin/manager/running/`` (``static/approvals/manager.js``).
- **Approvals waiting for me** and my open requests.
- **Failures of the last 24 hours** with their reasons, from :data:`failures` (scans,
  evaluations, approved changes that could not be applied; orchestration adds failed steps).
- **Queues and workers** (platform admins): Redis queue lengths and a Celery ping, each with a
  short timeout and cached for a few seconds, so the page never hangs without a worker.
- **Coverage**: sources scanned within ``PURSIGHT_MANAGER_FRESH_DAYS``, columns classified,
  classifications reviewed (bars in server-rendered SVG).
- **Findings trend**: findings opened and closed per day over two weeks (SVG).

Each panel reads through the gate and runs a constant number of queries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.http import HttpRequest, JsonResponse
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from governance.catalog.models import CatalogColumn, ColumnClassification
from governance.compliance.choices import RunState as EvalState
from governance.compliance.models import EvaluationRun, Finding
from governance.datasources.models import DataSource
from governance.scans import history as scan_history
from governance.scans.choices import ACTIVE_STATES, RunState
from governance.scans.models import ScanRun
from pursight import changes, permissions
from pursight.registry import Registry

from . import services
from .models import ApprovalRequest, Status

log = logging.getLogger(__name__)

SHOWN = 10
QUEUE_CACHE_KEY = "approvals:manager:queues"
QUEUE_CACHE_SECONDS = 15
PROBE_TIMEOUT = 0.5


@dataclass
class Item:
    """One running thing (``progress`` 0..1 or None when unknown) or one failure."""

    key: str  # unique on the page: "scan:12"
    kind: str  # "Scan", "Evaluation", "Workflow"
    name: str
    url: str | None
    state: str
    progress: float | None = None
    detail: str = ""
    at: datetime | None = None


Source = Callable[[Any], "list[Item] | None"]
# Callables ``(user) -> [Item] | None``: what runs now that ``user`` may see (at most SHOWN
# each); None when the user may see no such thing at all (the panel is then left out for them).
running: Registry[Source] = Registry("main manager: running now")
# Callables ``(user, since) -> [Item] | None``: what failed since ``since`` (``detail``: the
# reason); None as above.
failures: Registry[Callable[[Any, datetime], list[Item] | None]] = Registry(
    "main manager: failures"
)


def _admin_url(name: str, pk: Any) -> str | None:
    try:
        return reverse(name, args=[pk])
    except Exception:
        return None


# --- built-in sources ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rows:
    """How the rows of one kind (scan runs, evaluation runs, approvals) become :class:`Item`:
    the key's prefix ("scan" gives "scan:12"), the kind shown, the row's page and name."""

    key: str
    kind: str
    url: Callable[[Any], str | None]
    name: Callable[[Any], str]

    def visible(self, user: Any, model: Any, rows: Any) -> list[Any] | None:
        """The first :data:`SHOWN` of ``rows`` (ordered) that ``user`` may see, in one query;
        None when the user may see no ``model`` at all."""
        if not permissions.can_any(user, model, permissions.VIEW):
            return None
        return list(permissions.restrict(rows, user)[:SHOWN])

    def items(
        self,
        rows: Any | None,
        *,
        state: Callable[[Any], str],
        detail: Callable[[Any], str],
        at: Callable[[Any], datetime | None],
        progress: Callable[[Any], float | None] = lambda r: None,
        name: Callable[[Any], str] | None = None,
    ) -> list[Item] | None:
        """One item a row, its fields read from the row; None for None (see :meth:`visible`)."""
        if rows is None:
            return None
        name = name or self.name
        return [
            Item(
                key=f"{self.key}:{r.pk}",
                kind=self.kind,
                name=name(r),
                url=self.url(r),
                state=state(r),
                progress=progress(r),
                detail=detail(r),
                at=at(r),
            )
            for r in rows
        ]

    def failed(
        self, user: Any, model: Any, rows: Any, at: Callable[[Any], datetime | None]
    ) -> list[Item] | None:
        """Failed runs with their reasons (a run without one says so)."""
        return self.items(
            self.visible(user, model, rows),
            state=lambda r: "Failed",
            detail=lambda r: r.error or "No reason recorded.",
            at=at,
        )


def _admin_page(name: str) -> Callable[[Any], str | None]:
    return lambda r: _admin_url(name, r.pk)


SCANS = Rows("scan", "Scan", _admin_page("admin:scans_scanrun_change"), lambda r: r.datasource.name)
EVALUATIONS = Rows(
    "evaluation",
    "Evaluation",
    _admin_page("admin:compliance_evaluationrun_change"),
    lambda r: r.framework.name,
)
APPROVALS = Rows("approval", "Approved change", services.review_url, lambda r: r.summary)


def running_scans(user: Any) -> list[Item] | None:
    active = ScanRun.objects.filter(state__in=ACTIVE_STATES).select_related("datasource")
    runs = SCANS.visible(user, ScanRun, active.order_by("-queued_at", "-id"))
    if runs is None:
        return None
    etas = scan_history.eta_for_runs(runs)  # one query: these sources' history

    def detail(r: ScanRun) -> str:
        done = (
            f"{r.tables_done} of {r.tables_total} tables"
            if r.tables_total
            else ("waiting for a worker" if r.state == RunState.QUEUED else "starting")
        )
        return " · ".join(part for part in (done, _eta_text(etas.get(r.pk))) if part)

    return SCANS.items(
        runs,
        state=lambda r: RunState(r.state).label,
        progress=lambda r: r.progress,
        detail=detail,
        at=lambda r: r.started_at or r.queued_at,
    )


def _eta_text(eta: dict[str, Any] | None) -> str:
    """``ends about 14:05`` (local time), from the scan history (``governance.scans.history``)."""
    if not eta:
        return ""
    ends = timezone.localtime(eta["ends_at"])
    return f"ends about {ends:%H:%M} (from {eta['basis']})"


def running_evaluations(user: Any) -> list[Item] | None:
    active = EvaluationRun.objects.filter(state=EvalState.RUNNING)
    rows = active.select_related("framework", "datasource").order_by("-started_at")
    return EVALUATIONS.items(
        EVALUATIONS.visible(user, EvaluationRun, rows),
        name=lambda r: r.framework.name + (f" on {r.datasource.name}" if r.datasource_id else ""),
        state=lambda r: "Running",
        detail=lambda r: f"{r.rules_evaluated} rules evaluated",
        at=lambda r: r.started_at,
    )


def failed_scans(user: Any, since: datetime) -> list[Item] | None:
    failed = ScanRun.objects.filter(state=RunState.FAILED, finished_at__gte=since)
    rows = failed.select_related("datasource").order_by("-finished_at")
    return SCANS.failed(user, ScanRun, rows, at=lambda r: r.finished_at)


def failed_evaluations(user: Any, since: datetime) -> list[Item] | None:
    failed = EvaluationRun.objects.filter(state=EvalState.FAILED, started_at__gte=since)
    rows = failed.select_related("framework").order_by("-started_at")
    return EVALUATIONS.failed(user, EvaluationRun, rows, at=lambda r: r.finished_at or r.started_at)


def failed_approvals(user: Any, since: datetime) -> list[Item] | None:
    rows = services.visible_requests(
        user, ApprovalRequest.objects.filter(status=Status.FAILED, decided_at__gte=since)
    ).order_by("-decided_at")[:SHOWN]
    return APPROVALS.items(
        rows,
        state=lambda r: "Not applied",
        detail=lambda r: r.error,
        at=lambda r: r.decided_at,
    )


# --- panels -------------------------------------------------------------------------------------


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _collect(sources: Any, *args: Any) -> list[Item] | None:
    """Items of every source; None when no source is for this user."""
    items: list[Item] | None = None
    for source in sources:
        try:
            found = source(*args)
        except Exception:  # one failing source must not break the landing page
            log.exception("manager.source_failed source=%r", source)
            continue
        if found is not None:
            items = (items or []) + list(found)
    return items


def running_items(user: Any) -> list[Item] | None:
    return _collect(running, user)


def running_panel(request: HttpRequest) -> str | None:
    items = running_items(request.user)
    if items is None:
        return None
    return render_to_string(
        "approvals/manager_running.html",
        {"items": items, "feed_url": reverse("admin:approvals_manager_running")},
        request=request,
    )


def running_json(request: HttpRequest) -> JsonResponse:
    """What runs now, for the panel's refresh (a read: GET)."""
    items = running_items(request.user) or []
    return JsonResponse(
        {
            "items": [
                {
                    "key": i.key,
                    "kind": i.kind,
                    "name": i.name,
                    "url": i.url,
                    "state": i.state,
                    "progress": i.progress,
                    "detail": i.detail,
                    "at": _when(i.at),
                }
                for i in items
            ]
        }
    )


def approvals_panel(request: HttpRequest) -> str | None:
    user = request.user
    waiting = list(
        services.waiting_for(user).select_related("requested_by").order_by("due_at", "pk")[:SHOWN]
    )
    mine = list(
        ApprovalRequest.objects.filter(requested_by_id=user.pk, status=Status.PENDING).order_by(
            "-created_at"
        )[:5]
    )
    if not waiting and not mine:
        return None
    now = timezone.now()
    return render_to_string(
        "approvals/manager_approvals.html",
        {
            "waiting": [
                {
                    "row": r,
                    "url": services.review_url(r),
                    "kind": changes.label_of(r.kind),
                    "overdue": bool(r.due_at and r.due_at < now),
                }
                for r in waiting
            ],
            "mine": [{"row": r, "url": services.review_url(r)} for r in mine],
            "list_url": reverse("admin:approvals_approvalrequest_changelist") + "?waiting=me",
        },
        request=request,
    )


def failures_panel(request: HttpRequest) -> str | None:
    since = timezone.now() - timedelta(hours=24)
    items = _collect(failures, request.user, since)
    if items is None or (not items and not running_items_visible(request.user)):
        return None
    items.sort(key=lambda i: i.at or since, reverse=True)
    return render_to_string(
        "approvals/manager_failures.html", {"items": items[: SHOWN * 2]}, request=request
    )


def running_items_visible(user: Any) -> bool:
    """May the user see runs at all (so that "nothing failed" means something to them)?"""
    return permissions.can_any(user, ScanRun, permissions.VIEW) or permissions.can_any(
        user, EvaluationRun, permissions.VIEW
    )


def may_see_platform(user: Any) -> bool:
    """Queues and workers are the platform's: superusers and platform-wide admins."""
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or permissions.platform(user, "manage_datasources"))
    )


def _queue_names() -> list[str]:
    names = {getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")}
    for route in (getattr(settings, "CELERY_TASK_ROUTES", None) or {}).values():
        if isinstance(route, dict) and route.get("queue"):
            names.add(route["queue"])
    return sorted(names)


def queue_health() -> dict[str, Any]:
    """Queue lengths and live workers, probed with short timeouts and cached briefly."""
    found = cache.get(QUEUE_CACHE_KEY)
    if found is not None:
        return found
    broker = str(getattr(settings, "CELERY_BROKER_URL", "") or "")
    health: dict[str, Any] = {"queues": [], "workers": [], "error": "", "mode": "broker"}
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False) or broker.startswith("memory://"):
        health["mode"] = "eager"
    elif broker.startswith(("redis://", "rediss://")):
        try:
            import redis

            client = redis.Redis.from_url(
                broker, socket_timeout=PROBE_TIMEOUT, socket_connect_timeout=PROBE_TIMEOUT
            )
            pipe = client.pipeline()
            names = _queue_names()
            for name in names:
                pipe.llen(name)
            health["queues"] = [
                {"name": n, "depth": int(d)} for n, d in zip(names, pipe.execute(), strict=True)
            ]
        except Exception as exc:
            health["error"] = f"The broker does not answer ({type(exc).__name__})."
        if not health["error"]:
            try:
                from pursight.celery import app

                replies = app.control.inspect(timeout=PROBE_TIMEOUT).ping() or {}
                health["workers"] = sorted(replies)
            except Exception as exc:
                health["error"] = f"Workers could not be asked ({type(exc).__name__})."
    else:
        health["error"] = "Queue lengths are read from a Redis broker only."
    cache.set(QUEUE_CACHE_KEY, health, QUEUE_CACHE_SECONDS)
    return health


def queues_panel(request: HttpRequest) -> str | None:
    if not may_see_platform(request.user):
        return None
    return render_to_string(
        "approvals/manager_queues.html", {"health": queue_health()}, request=request
    )


def fresh_days() -> int:
    return int(getattr(settings, "PURSIGHT_MANAGER_FRESH_DAYS", 7))


def coverage(user: Any) -> dict[str, int]:
    """Counts behind the coverage panel, through the gate (a constant number of queries)."""
    since = timezone.now() - timedelta(days=fresh_days())
    sources = permissions.restrict(DataSource.objects.all(), user)
    n_sources = sources.count()
    scanned = ScanRun.objects.filter(state=RunState.SUCCEEDED, finished_at__gte=since)
    fresh = sources.filter(pk__in=scanned.values("datasource_id")).count()
    columns = permissions.restrict(CatalogColumn.objects.filter(removed_at__isnull=True), user)
    n_columns = columns.count()
    rows = permissions.restrict(
        ColumnClassification.objects.filter(column__removed_at__isnull=True), user
    )
    per_status = rows.values("status").annotate(n=Count("column_id", distinct=True)).order_by()
    by_status = {r["status"]: r["n"] for r in per_status}
    classified = rows.exclude(status="rejected").values("column_id").distinct().count()
    return {
        "sources": n_sources,
        "fresh": fresh,
        "columns": n_columns,
        "classified": classified,
        "reviewed": by_status.get("accepted", 0),
        "suggested": by_status.get("suggested", 0),
    }


def bars_svg(bars: list[tuple[str, int, int]], *, width: int = 420) -> SafeString:
    """Horizontal bars ``(label, part, whole)``: the share filled, the figures beside it."""
    row_h, label_w, gap = 26, 150, 6
    height = len(bars) * (row_h + gap)
    track = width - label_w - 90
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="ps-chart" '
        f'viewBox="0 0 {width} {height}" width="100%" height="{height}">'
    ]
    for i, (label, part, whole) in enumerate(bars):
        y = i * (row_h + gap)
        share = part / whole if whole else 0
        pct = f"{share:.0%}" if whole else "—"
        parts.append(
            f'<text x="0" y="{y + 17}" font-size="12" fill="currentColor">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{track}" height="{row_h - 8}" rx="3" '
            f'fill="currentColor" opacity="0.12"/>'
            f'<rect x="{label_w}" y="{y + 4}" width="{track * share:.1f}" height="{row_h - 8}" '
            f'rx="3" fill="#1d67f1"><title>{escape(label)}: {part} of {whole}</title></rect>'
            f'<text x="{label_w + track + 8}" y="{y + 17}" font-size="12" fill="currentColor">'
            f"{pct} ({part}/{whole})</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text above is escaped)


def coverage_panel(request: HttpRequest) -> str | None:
    user = request.user
    if not permissions.can_any(user, DataSource, permissions.VIEW):
        return None
    c = coverage(user)
    chart = bars_svg(
        [
            (f"Scanned ≤ {fresh_days()} days", c["fresh"], c["sources"]),
            ("Columns classified", c["classified"], c["columns"]),
            ("Classified, reviewed", c["reviewed"], c["classified"]),
        ]
    )
    return render_to_string(
        "approvals/manager_coverage.html",
        {"c": c, "chart": chart, "fresh_days": fresh_days()},
        request=request,
    )


def findings_trend(user: Any, days: int = 14) -> list[tuple[Any, int, int]]:
    """Findings opened and closed per day over the last ``days`` (two queries). Open findings
    by severity are the compliance panel's, beside it."""
    start = timezone.localdate() - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(start, datetime.min.time()))
    visible = permissions.restrict(Finding.stored.all(), user)
    opened = dict(
        visible.filter(first_seen__gte=since)
        .annotate(day=TruncDate("first_seen"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("day", "n")
    )
    closed = dict(
        visible.filter(closed_at__gte=since)
        .annotate(day=TruncDate("closed_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("day", "n")
    )
    series = []
    for i in range(days):
        day = start + timedelta(days=i)
        series.append((day, _day_count(opened, day), _day_count(closed, day)))
    return series


def _day_count(counts: dict[Any, int], day: Any) -> int:
    # TruncDate gives a date (or an ISO string on some backends).
    return counts.get(day, counts.get(day.isoformat(), 0))


def trend_svg(
    series: list[tuple[Any, int, int]], *, width: int = 420, height: int = 120
) -> SafeString:
    """Opened (up, amber) and closed (down, green) per day: a diverging bar chart."""
    top = max([o for _, o, _ in series] + [c for _, _, c in series] + [1])
    mid = height / 2
    step = width / max(1, len(series))
    bar = max(2.0, step * 0.6)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="ps-chart" '
        f'viewBox="0 0 {width} {height + 16}" width="100%" height="{height + 16}">',
        f'<line x1="0" y1="{mid}" x2="{width}" y2="{mid}" stroke="currentColor" opacity="0.25"/>',
    ]
    for i, (day, opened, closed) in enumerate(series):
        x = i * step + (step - bar) / 2
        h_open = (mid - 4) * opened / top
        h_closed = (mid - 4) * closed / top
        label = escape(f"{day:%Y-%m-%d}: {opened} opened, {closed} closed")
        parts.append(
            f"<g><title>{label}</title>"
            f'<rect x="{x:.1f}" y="{mid - h_open:.1f}" width="{bar:.1f}" height="{h_open:.1f}" '
            f'fill="#d97706"/>'
            f'<rect x="{x:.1f}" y="{mid:.1f}" width="{bar:.1f}" height="{h_closed:.1f}" '
            f'fill="#16a34a"/></g>'
        )
    if series:
        first, last = series[0][0], series[-1][0]
        parts.append(
            f'<text x="0" y="{height + 14}" font-size="11" fill="currentColor">'
            f"{first:%m-%d}</text>"
            f'<text x="{width}" y="{height + 14}" font-size="11" text-anchor="end" '
            f'fill="currentColor">{last:%m-%d}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text above is escaped)


def findings_trend_panel(request: HttpRequest) -> str | None:
    user = request.user
    if not permissions.can_any(user, Finding, permissions.VIEW):
        return None
    series = findings_trend(user)
    return render_to_string(
        "approvals/manager_trend.html",
        {
            "chart": trend_svg(series),
            "opened": sum(o for _, o, _ in series),
            "closed": sum(c for _, _, c in series),
            "findings_url": reverse("admin:compliance_finding_changelist"),
        },
        request=request,
    )


def _site_urls(site: Any) -> list[Any]:
    return [
        path(
            "manager/running/",
            site.admin_view(running_json),
            name="approvals_manager_running",
        )
    ]


def register() -> None:
    from pursight.admin import HomePanel, home_panels, site_urls

    running.register("scans", running_scans)
    running.register("evaluations", running_evaluations)
    failures.register("scans", failed_scans)
    failures.register("evaluations", failed_evaluations)
    failures.register("approvals", failed_approvals)
    site_urls.register("approvals.manager", _site_urls)
    home_panels.register("manager.running", HomePanel(running_panel, order=2, wide=True))
    home_panels.register("manager.approvals", HomePanel(approvals_panel, order=4))
    home_panels.register("manager.failures", HomePanel(failures_panel, order=6))
    home_panels.register("manager.queues", HomePanel(queues_panel, order=8))
    home_panels.register("manager.coverage", HomePanel(coverage_panel, order=25))
    home_panels.register("manager.trend", HomePanel(findings_trend_panel, order=35))
