"""The team's panel under an object's page: who is here now, the co-edited description and the
conversation, wherever a governance object is shown (the catalog's asset pages, and the admin's
change page of every other object people talk about: findings, rules, scan runs...).

Registered from :meth:`CollaborationConfig.ready` in ``pursight.admin_extensions.object_panels``
and ``governance.catalog.extensions`` (the description editor replaces an asset page's
read-only description; the rest is a panel). Everything goes through the gate: the panel shows
only on objects the user may view, offers the comment box only to those who may write there,
and the live page answers only while the object stays visible. Three queries whatever the
length of the conversation (threads with their reply counts, the shared documents' texts are
not read: the editor loads its state over the socket).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Model
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from pursight import consumers, permissions

from . import services
from .models import Comment
from .services import documents
from .services.targets import closed_reason, content_type_of

#: Threads shown on the panel (the newest open ones first); the rest are one click away.
THREADS_SHOWN = 8
# Their own pages show these (the workspace board, a comment's thread) or they are not
# objects people hold a conversation about.
NOT_HERE = ("collaboration.", "activity.", "workspaces.workspace")
PANEL_SCRIPTS = ("workspaces/live.js", "collaboration/coedit.js", "collaboration/comments.js")


def _label(obj: Model) -> str:
    return obj._meta.concrete_model._meta.label_lower


def _is_for(obj: Model) -> bool:
    label = _label(obj)
    return not label.startswith(NOT_HERE) and services.target_model(label) is not None


def editors(user: Any, obj: Model) -> list[dict[str, Any]]:
    """The co-editable texts of ``obj`` (its description...), each with whether ``user`` may
    edit it and the plain value as last saved (shown until the live document is in)."""
    label = _label(obj)
    found = []
    for entry in documents.fields:
        if entry.model != label:
            continue
        refusal = entry.refusal(user, obj)
        found.append(
            {
                "field": entry.field,
                "name": obj._meta.get_field(entry.field).verbose_name,
                "value": entry.value(obj),
                "can_edit": refusal is None,
                "refusal": refusal or "",
            }
        )
    return found


def _live_page(obj: Model) -> str:
    """The live page of the object, if the consumer serves one (presence, co-editing)."""
    label = _label(obj)
    return label if label in consumers.pages else ""


def description_editor(request: HttpRequest, obj: Model) -> str | None:
    """An asset page's description, co-edited live (None where it cannot be)."""
    user = request.user
    page = _live_page(obj)
    if not page or not _is_for(obj) or not permissions.can(user, "view", obj):
        return None
    found = [e for e in editors(user, obj) if e["field"] == "description"]
    if not found:
        return None
    return render_to_string(
        "collaboration/description_editor.html",
        {"editor": found[0], "page": page, "pk": obj.pk, "standalone": True},
        request=request,
    )


def _threads(obj: Model) -> tuple[list[Comment], int, int]:
    roots = Comment.objects.filter(
        target_type=content_type_of(obj), target_id=obj.pk, parent__isnull=True
    )
    counts = roots.aggregate(total=Count("pk"), resolved=Count("resolved_at"))
    shown = list(
        roots.select_related("author", "resolved_by", "target_type")
        .annotate(reply_count=Count("replies"))
        .order_by(F("resolved_at").asc(nulls_first=True), "-created_at")[:THREADS_SHOWN]
    )
    return shown, counts["total"], counts["resolved"]


def team_panel(request: HttpRequest, obj: Model, *, with_description: bool = True) -> str | None:
    """Who is here, the co-edited texts (unless the page shows them itself) and the
    conversation about ``obj``; None on objects nobody talks about or the user may not view."""
    user = request.user
    if not _is_for(obj) or not permissions.can(user, "view", obj):
        return None
    threads, total, resolved = _threads(obj)
    ref = services.target_ref(obj)
    page = _live_page(obj)
    return render_to_string(
        "collaboration/team_panel.html",
        {
            "target": ref,
            "page": page,
            "pk": obj.pk,
            "editors": editors(user, obj) if (with_description and page) else [],
            "threads": [
                {"comment": c, "url": reverse("admin:collaboration_comment_change", args=[c.pk])}
                for c in threads
            ],
            "total": total,
            "open": total - resolved,
            "more_url": reverse("admin:collaboration_comment_changelist")
            + f"?kind={ref['type']}&target_id={obj.pk}",
            "more": total > len(threads),
            "may_comment": services.may_comment(user, obj),
            "closed": closed_reason(obj),
            "start_url": reverse("admin:collaboration_comment_start"),
            "here": request.get_full_path(),
            "scripts": PANEL_SCRIPTS if page else PANEL_SCRIPTS[2:],
        },
        request=request,
    )


def asset_panel(request: HttpRequest, obj: Model) -> str | None:
    """On an asset page the description is edited in place (``description_editor``)."""
    return team_panel(request, obj, with_description=False)


def register() -> None:
    from governance.catalog import extensions as catalog
    from pursight.admin_extensions import object_panels

    object_panels.register("racine.team", team_panel)
    catalog.asset_page_panels.register("racine.team", asset_panel)
    catalog.description_editors.register("racine.coedit", description_editor)
