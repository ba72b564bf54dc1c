"""The workspace board: the page a team keeps open all day (a custom admin view).

Rendered once with the board's state (``json_script``); from then on the page lives on the
``workspace`` page of ``/ws/live/`` (presence, activity, comments, tasks, scan progress,
co-edited notes) and writes through the REST API (comments, tasks) with the CSRF header and
``X-PurSight-Socket``, so that its own changes are not echoed back. No inline script: the
code is ``static/workspaces/``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest
from django.middleware.csrf import get_token
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse

from . import board
from .choices import WorkspaceRole
from .models import Workspace

NOT_FOUND = "No workspace matches the given query."
COEDIT_SCRIPT = "collaboration/coedit.js"


def _url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def workspace_board(
    request: HttpRequest, object_id: Any, admin_site: admin.AdminSite | None = None
) -> TemplateResponse:
    """The board of one workspace. A workspace the user may not see answers 404, exactly like
    a missing one."""
    site = admin_site or admin.site
    workspace = board.visible_workspace(request.user, object_id)
    if workspace is None:
        raise Http404(NOT_FOUND)
    state = board.state(request.user, workspace)
    user = request.user
    api_root = _url("api-root") or "/api/v1/"
    config = {
        "workspace": workspace.pk,
        "socket_url": "/ws/live/",
        "user": {"id": user.pk, "name": user.get_full_name() or user.get_username()},
        "csrf": get_token(request),
        "api": {
            "root": api_root,
            "comments": f"{api_root}comments/",
            "tasks": f"{api_root}tasks/",
            "activity": f"{api_root}activity/",
            "notifications": f"{api_root}notifications/",
            "scans": f"{api_root}scans/",
            "workspaces": f"{api_root}workspaces/",
        },
        "target": {"type": "workspaces.workspace", "id": workspace.pk},
        "roles": [{"value": v, "label": str(label)} for v, label in WorkspaceRole.choices],
        "coedit": bool(finders.find(COEDIT_SCRIPT)),
        "links": {
            "change": _url("admin:workspaces_workspace_change", workspace.pk),
            "changelist": _url("admin:workspaces_workspace_changelist"),
        },
    }
    context = {
        **site.each_context(request),
        "title": workspace.name,
        "opts": Workspace._meta,
        "app_label": Workspace._meta.app_label,
        "original": workspace,  # the header's trail: Workspaces › Workspaces › <its name>
        "workspace": workspace,
        "state": state,
        "config": config,
        "coedit_script": COEDIT_SCRIPT if config["coedit"] else None,
        "severities": board.SEVERITIES,
    }
    request.current_app = site.name
    return TemplateResponse(request, "workspaces/board.html", context)
