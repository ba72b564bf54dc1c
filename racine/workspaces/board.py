"""The state of a workspace's board, as one user may see it: the page a team keeps open.

Shared by the board view (rendered into the page) and the live page ``workspace`` (the initial
state of a subscription). Everything goes through the gate: pins whose asset the user cannot
see are left out, and so are the scans, findings and classifications of those assets
(membership never widens governance access). A fixed number of queries whatever the number of
pins (one per kind of pinned object, and a few for the sections).

Sections that belong to higher apps (the activity stream, tasks, the unread count) are added
by them through :data:`sections` (workspaces may not import them).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse

from pursight import permissions
from pursight.registry import Registry

from . import pinning, presence
from .choices import WorkspaceRole
from .models import Membership, Pin, Workspace

log = logging.getLogger(__name__)

# name -> callable(user, workspace) returning more keys of the state (``{"activity": [...]}``);
# filled by higher apps in their ready(). A section that fails is left out, never the board.
sections: Registry[Callable[[Any, Workspace], dict[str, Any]]] = Registry("workspace board")

SEVERITIES = ("critical", "high", "medium", "low")
RECENT_RUNS = 6
TOP_FINDINGS = 6


def visible_workspace(user: Any, pk: Any) -> Workspace | None:
    """The workspace if ``user`` may see it, else None (hidden and missing alike)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return permissions.restrict(Workspace.objects.all(), user, "view").filter(pk=pk).first()


def admin_url(obj: models.Model) -> str | None:
    return pinning.admin_url(obj) or None


def person(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "id": user.pk,
        "username": user.get_username(),
        "name": user.get_full_name() or user.get_username(),
    }


def rights(user: Any, workspace: Workspace) -> dict[str, bool]:
    """What the buttons of the board may offer (an archived workspace is read-only)."""
    writable = not workspace.read_only
    return {
        "edit": writable and permissions.can(user, "edit", workspace),
        "manage": writable and permissions.can(user, "manage", workspace),
        "restore": workspace.read_only and permissions.can(user, "manage", workspace),
    }


def state(user: Any, workspace: Workspace) -> dict[str, Any]:
    """Everything the board shows, for ``user`` (who may see ``workspace``)."""
    memberships = list(
        permissions.restrict(Membership.objects.filter(workspace=workspace), user, "view")
        .select_related("user")
        .order_by("user__username")
    )
    mine = next((m for m in memberships if m.user_id == user.pk), None)
    pinned = visible_pins(user, workspace)
    source_ids = sources_of(pinned)
    data: dict[str, Any] = {
        "workspace": {
            "id": workspace.pk,
            "name": workspace.name,
            "description": workspace.description,
            "status": workspace.status,
            "status_label": workspace.get_status_display(),
            "read_only": workspace.read_only,
            "notes": workspace.notes,
            "created_at": workspace.created_at.isoformat() if workspace.created_at else None,
            "updated_at": workspace.updated_at.isoformat() if workspace.updated_at else None,
        },
        "my_role": mine.role if mine else None,
        "can": rights(user, workspace),
        "members": [
            {
                "id": m.pk,
                "user": person(m.user),
                "role": m.role,
                "role_label": WorkspaceRole(m.role).label if m.role else "",
            }
            for m in memberships
        ],
        "pins": pins(pinned),
        "sources": sources(user, source_ids),
        "scans": scans(user, source_ids),
        "findings": findings(user, source_ids),
        "presence": presence.current("workspace", workspace.pk),
    }
    for section in sections:
        try:
            data.update(section(user, workspace))
        except Exception:  # a higher app's section never breaks the board
            log.exception("workspaces.board_section_failed section=%r", section)
    return data


# --- Pins -------------------------------------------------------------------------------------


def visible_pins(user: Any, workspace: Workspace) -> list[Pin]:
    """The workspace's pins whose target ``user`` may see (the gate's one query)."""
    return list(
        pinning.visible_pins(user, Pin.objects.filter(workspace=workspace)).select_related(
            "pinned_by"
        )
    )


def pins(rows: list[Pin]) -> list[dict[str, Any]]:
    """The visible pins described (sensitivity, review progress, latest run...:
    :mod:`racine.workspaces.pinning`; one query per kind of target), as JSON."""
    described = pinning.describe_pins(rows)
    return [
        {
            "id": p.pk,
            "target": described[p.pk],
            "note": p.note,
            "pinned_by": person(p.pinned_by) if p.pinned_by_id else None,
            "created_at": p.created_at.isoformat() if p.created_at else None,
        }
        for p in rows
        if p.pk in described
    ]


def sources_of(rows: list[Pin]) -> list[int]:
    """Ids of the data sources the visible pins stand for: pinned sources, the sources of
    pinned assets, scans, runs and findings, and the sources in pinned collections (subtrees
    included). One query per kind of target."""
    from governance.datasources.models import DataSource
    from governance.rbac.models import Collection

    refs: dict[int, list[int]] = defaultdict(list)
    for pin in rows:
        refs[pin.target_type_id].append(pin.target_id)
    kinds = pinning.by_content_type()
    ids: set[int] = set()
    for type_id, target_ids in refs.items():
        model = kinds[type_id].model if type_id in kinds else None
        if model is None:
            continue
        if model is DataSource:
            ids.update(target_ids)
        elif model is Collection:
            paths = Collection.objects.filter(pk__in=target_ids).values_list("path", flat=True)
            subtree = Q(pk__in=[])
            for path in paths:
                subtree |= Q(collection__path__startswith=path)
            ids.update(DataSource.objects.filter(subtree).values_list("pk", flat=True))
        elif _has_fk(model, "datasource"):
            ids.update(
                model._base_manager.filter(pk__in=target_ids)
                .order_by()
                .values_list("datasource_id", flat=True)
            )
    return sorted(ids)


def _has_fk(model: type[models.Model], name: str) -> bool:
    try:
        field = model._meta.get_field(name)
    except Exception:
        return False
    return isinstance(field, models.ForeignKey)


# --- Scans and findings of the pinned sources -------------------------------------------------


def run_item(run: Any) -> dict[str, Any]:
    """A scan run as the board shows it (its status, as the ``scanrun`` page sends it)."""
    from governance.scans.services import run_status

    return {
        "run": run.pk,
        "datasource": {"id": run.datasource_id, "name": run.datasource.name},
        "url": admin_url(run),
        "queued_at": run.queued_at.isoformat() if run.queued_at else None,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        **run_status(run),
    }


def sources(user: Any, source_ids: list[int]) -> list[dict[str, Any]]:
    """The pinned sources, each with its default scan when the user may start it."""
    if not source_ids:
        return []
    from governance.datasources.models import DataSource
    from governance.scans.models import Scan

    rows = permissions.restrict(DataSource.objects.all(), user, "view").filter(pk__in=source_ids)
    runnable = dict(
        permissions.restrict(Scan.objects.filter(is_default=True), user, "run")
        .filter(datasource_id__in=source_ids)
        .values_list("datasource_id", "pk")
    )
    return [
        {"id": s.pk, "name": s.name, "url": admin_url(s), "scan": runnable.get(s.pk)}
        for s in rows.order_by("name")
    ]


def scans(user: Any, source_ids: list[int]) -> list[dict[str, Any]]:
    """Running and queued scans of the sources, then the latest finished ones."""
    if not source_ids:
        return []
    from governance.scans.choices import ACTIVE_STATES
    from governance.scans.models import ScanRun

    runs = permissions.restrict(ScanRun.objects.select_related("datasource"), user, "view").filter(
        datasource_id__in=source_ids
    )
    active = list(runs.filter(state__in=ACTIVE_STATES).order_by("-queued_at", "-pk"))
    done = list(runs.exclude(state__in=ACTIVE_STATES).order_by("-queued_at", "-pk")[:RECENT_RUNS])
    return [run_item(r) for r in active + done]


def findings(user: Any, source_ids: list[int]) -> dict[str, Any]:
    """Open findings of the sources by severity, and the most severe few."""
    from governance.compliance.choices import UNRESOLVED_STATUSES
    from governance.compliance.models import Finding

    counts = dict.fromkeys(SEVERITIES, 0)
    changelist = _changelist("compliance", "finding")
    if not source_ids:
        return {"by_severity": counts, "top": [], "total": 0, "changelist": changelist}
    open_ = permissions.restrict(Finding.stored.all(), user, "view").filter(
        datasource_id__in=source_ids, status__in=UNRESOLVED_STATUSES
    )
    for severity, n in open_.values_list("severity").annotate(n=Count("pk")).order_by():
        counts[severity] = n
    order = models.Case(
        *[models.When(severity=s, then=models.Value(i)) for i, s in enumerate(SEVERITIES)],
        default=models.Value(len(SEVERITIES)),
    )
    top = [
        {
            "id": f.pk,
            "severity": f.severity,
            "rule": f.rule.name,
            "asset": f.asset_name or f.qualified_name,
            "status": f.get_status_display(),
            "url": admin_url(f),
        }
        for f in open_.select_related("rule").order_by(order, "-first_seen")[:TOP_FINDINGS]
    ]
    return {
        "by_severity": counts,
        "top": top,
        "total": sum(counts.values()),
        "changelist": changelist,
    }


def _changelist(app: str, model: str) -> str | None:
    try:
        return reverse(f"admin:{app}_{model}_changelist")
    except NoReverseMatch:
        return None
