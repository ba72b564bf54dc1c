"""The activity stream and notifications.

**Recording.** :func:`record_domain_event` receives every :data:`pursight.events.domain_event`
(after the commit of the change it reports, see :mod:`.signals`). An event becomes one or more
:class:`ActivityEvent` rows (:mod:`.expansions`), written in one transaction with the
notifications it causes, then published live (``activity`` on the target's page and the
workspaces that pin it; gate-checked per socket).

**Feeds.** :func:`feed` is the one read path (API, admin, workspace pages): events narrowed by
the gate (``permissions.restrict``: never an event about an object the viewer cannot see, and
an event of a workspace only for its members), by workspace (its own events, and those about
what it pins or what a pinned table, schema, data source or collection holds), target, kind,
actor and date. A constant number of queries, whatever the number of events or kinds of
targets. :func:`activity_item` is the one representation (API and live).

**Notifications.** Mentions, replies, assignments, failed scans of sources pinned in a
workspace and new high or critical findings in a workspace reach the users concerned who may
see the object, unless they muted that kind; an e-mail follows if they asked for it (title and
link only: never data values). Each new notification and each change of the unread count is
published on the recipient's ``inbox`` page.

**Retention.** :func:`prune_activity` deletes events older than
``PURSIGHT_ACTIVITY_RETENTION_DAYS`` in batches (a scheduled task).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework.fields import DateTimeField

from pursight import permissions, realtime
from pursight.celery import task as celery_task
from racine.workspaces import live
from racine.workspaces.models import Membership, Pin, Workspace

from . import summaries
from .expansions import Record, anchor_ids, describe, expand, is_workspace
from .models import ANCHOR_FIELDS, ANCHORS, ActivityEvent, Notification, NotificationPreference

log = logging.getLogger(__name__)

INBOX_PAGE = "inbox"
EMAIL_TASK = "racine.activity.tasks.email_notifications"

# Kinds of notification (what a user may mute).
MENTION, REPLY, ASSIGNMENT, SCAN_FAILED, FINDING = (
    "mention",
    "reply",
    "assignment",
    "scan_failed",
    "finding",
)
NOTIFICATION_KINDS = {
    MENTION: "Mentions of me",
    REPLY: "Replies to my comments",
    ASSIGNMENT: "Tasks and findings assigned to me",
    SCAN_FAILED: "Failed scans of sources pinned in my workspaces",
    FINDING: "New high and critical findings in my workspaces",
    # Sent by the layers above (through ``deliver``), muted here like the others.
    "approval": "Approvals to review and decisions on my requests",
    "workflow_failed": "Failed runs of workflows I own",
    "workflow_message": "Messages sent by workflows",
}
# The same as (value, label) pairs: form and serializer choices, and the schema's enum.
NOTIFICATION_KIND_CHOICES = list(NOTIFICATION_KINDS.items())
# Edits of a text (saved every few seconds while people co-edit it): one person's edits of one
# text within this many seconds are one activity event, not one per save.
SESSION_KINDS = {"notes.edited", "description.edited"}
EDIT_SESSION_SECONDS = 10 * 60
# Events whose ``assignee`` is told they were given something.
ASSIGNMENT_EVENTS = {"task.created", "task.assigned", "finding.assigned"}
SEVERE = ("critical", "high")


# --- recording --------------------------------------------------------------------------------


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, cls=_Encoder))


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) and actor.pk else None


def _name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def record_domain_event(
    *, kind: str, obj: Any, actor: Any = None, data: dict[str, Any] | None = None
) -> list[ActivityEvent]:
    """Write the activity of one domain event, its notifications, and publish them.

    Called after the commit of the change (never for a rolled-back one). Returns the events
    written (none when the event summarises nothing, e.g. a scan that changed no schema).
    """
    if not isinstance(obj, models.Model) or obj.pk is None:
        return []
    data = _jsonable(data or {})
    _name_people(data)
    records = expand(kind, obj, data)
    if not records:
        return []
    user = _user(actor)
    if kind in SESSION_KINDS and user is not None and _continue_session(records, user):
        return []
    with transaction.atomic():
        events = [_event(record, user) for record in records]
        ActivityEvent.objects.bulk_create(events)
        for event, record in zip(events, records, strict=True):
            _notify(event, record.target)
            _publish(event, record.target)
    return events


def _continue_session(records: list[Record], user: Any) -> bool:
    """Fold an edit into the same person's last one of the same text (same kind, target and
    actor, within ``EDIT_SESSION_SECONDS``): its data becomes the newest (the excerpt) and it
    counts the saves. Nothing new is written, notified or published. True if folded."""
    if len(records) != 1:
        return False
    record = records[0]
    target = record.target
    last = (
        ActivityEvent.objects.filter(
            kind=record.kind[:64],
            target_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
            target_id=target.pk,
            created_at__gte=timezone.now() - timedelta(seconds=EDIT_SESSION_SECONDS),
        )
        .order_by("-created_at", "-id")
        .only("pk", "actor_id", "data")
        .first()
    )
    if last is None or last.actor_id != user.pk:
        return False  # someone else edited meanwhile: a new event
    saves = last.data.get("saves", 1) if isinstance(last.data, dict) else 1
    ActivityEvent.objects.filter(pk=last.pk).update(data={**record.data, "saves": saves + 1})
    return True


def _name_people(data: dict[str, Any]) -> None:
    """Add ``assignee_name`` beside an ``assignee`` id (the sentence reads names only)."""
    assignee = data.get("assignee")
    if isinstance(assignee, int) and not isinstance(assignee, bool) and "assignee_name" not in data:
        found = get_user_model().objects.filter(pk=assignee).first()
        if found is not None:
            data["assignee_name"] = _name(found)


def _event(record: Record, actor: Any) -> ActivityEvent:
    target = record.target
    return ActivityEvent(
        kind=record.kind[:64],
        actor=actor,
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
        target_id=target.pk,
        target_repr=describe(target),
        workspace=record.workspace,
        data=record.data,
        **anchor_ids(target),
    )


# --- representation ---------------------------------------------------------------------------

_datetime = DateTimeField()


def admin_url(app_label: str, model_name: str, pk: Any) -> str | None:
    try:
        return reverse(f"admin:{app_label}_{model_name}_change", args=[pk])
    except NoReverseMatch:
        return None


def summary(event: ActivityEvent) -> str:
    """The event in one sentence (read time, no query: select ``actor``)."""
    actor = _name(event.actor) if event.actor_id and event.actor else None
    return summaries.summarize(
        kind=event.kind, actor=actor, target=event.target_repr, data=event.data
    )


def activity_item(event: ActivityEvent) -> dict[str, Any]:
    """An event as the API and the live ``activity`` event show it (select ``actor`` and
    ``target_type``: no query)."""
    ct = event.target_type
    actor = event.actor if event.actor_id else None
    return {
        "id": event.pk,
        "kind": event.kind,
        "created_at": _datetime.to_representation(event.created_at),
        "actor": {"id": actor.pk, "name": _name(actor)} if actor is not None else None,
        "target": {
            "type": f"{ct.app_label}.{ct.model}",
            "id": event.target_id,
            "name": event.target_repr,
            "url": admin_url(ct.app_label, ct.model, event.target_id),
        },
        "summary": summary(event),
        "data": event.data,
        "workspace": event.workspace_id,
    }


def notification_item(notification: Notification) -> dict[str, Any]:
    """A notification as the API and the live ``notification`` event show it."""
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": notification.url,
        "event": notification.event_id,
        "created_at": _datetime.to_representation(notification.created_at),
        "read_at": (
            _datetime.to_representation(notification.read_at) if notification.read_at else None
        ),
        "read": notification.read_at is not None,
    }


# --- live -------------------------------------------------------------------------------------


def _anchor_models() -> dict[str, type[models.Model]]:
    from django.apps import apps

    return {name: apps.get_model(label) for name, label in ANCHORS.items()}


def _ct_id(model: type[models.Model]) -> int:
    return ContentType.objects.get_for_model(model, for_concrete_model=True).pk


def _pinned_clause(event: ActivityEvent) -> Q:
    """Pins of the event's target or of one of its stored anchors (a pinned collection stands
    for its subtree: the pins of the collection's ancestors count)."""
    clause = Q(target_type_id=event.target_type_id, target_id=event.target_id)
    for name, model in _anchor_models().items():
        value = getattr(event, name)
        if value is None:
            continue
        ids = _collection_ancestors(value) if name == "collection_id" else [value]
        clause |= Q(target_type_id=_ct_id(model), target_id__in=ids)
    return clause


def _collection_model() -> type[models.Model]:
    return _anchor_models()["collection_id"]


def _collection_ancestors(collection_id: int) -> list[int]:
    """The collection and those above it (read from its materialised path; one query)."""
    path = (
        _collection_model()
        ._default_manager.filter(pk=collection_id)
        .values_list("path", flat=True)
        .first()
    )
    ids = [int(p) for p in (path or "").split("/") if p.isdigit()]
    return ids or [collection_id]


def _collection_subtrees(ids: list[int]) -> list[int]:
    """The collections ``ids`` and every one below them (two queries), as plain values: the
    feed's query then filters on a list, which the partial anchor index serves."""
    collection = _collection_model()
    rows = collection._default_manager.filter(pk__in=ids).values_list("path", flat=True)
    paths = [p for p in rows if p]
    if not paths:
        return sorted(set(ids))
    below = collection._default_manager.filter(reduce(or_, (Q(path__startswith=p) for p in paths)))
    return sorted(set(ids) | set(below.values_list("pk", flat=True)))


def pinning_workspaces(event: ActivityEvent) -> list[int]:
    """The workspaces whose feed shows ``event`` (one query): its own workspace, or those
    pinning its target or one of the target's anchors."""
    if event.workspace_id is not None:
        return [event.workspace_id]
    ids = Pin.objects.filter(_pinned_clause(event)).values_list("workspace_id", flat=True)
    return sorted(set(ids))


def _publish(event: ActivityEvent, target: models.Model) -> None:
    """``activity`` on the target's page and on the workspaces that show the event, for the
    sockets whose user may see it (sent after the commit)."""
    item = activity_item(event)
    if event.workspace_id is None:
        live.broadcast(target, "activity", item, workspace_ids=pinning_workspaces(event))
        return
    requires = permissions.requirement(target)
    if not is_workspace(target):  # a workspace's event about an object: members who see it
        requires = {"all": [requires, permissions.requirement(event.workspace)]}
        realtime.publish(live.page_kind(target), target.pk, "activity", item, requires=requires)
    realtime.publish(live.WORKSPACE_PAGE, event.workspace_id, "activity", item, requires=requires)


def inbox_state(user: Any, pk: int) -> dict[str, Any] | None:
    """The ``inbox`` page's initial state: one's own only (anyone else's is "not found")."""
    if not getattr(user, "is_authenticated", False) or pk != user.pk:
        return None
    return {"unread": unread_count(user)}


def _publish_inbox(user_ids: Iterable[int], items: dict[int, dict[str, Any]] | None = None) -> None:
    ids = sorted(set(user_ids))
    if not ids:
        return
    unread = dict(
        Notification.objects.filter(recipient_id__in=ids, read_at__isnull=True)
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values_list("recipient_id", "n")
    )
    for pk in ids:
        payload = {"unread": unread.get(pk, 0), "notification": (items or {}).get(pk)}
        realtime.publish(INBOX_PAGE, pk, "notification", payload)


# --- notifications ----------------------------------------------------------------------------


def _id(value: Any) -> int | None:
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def recipients(event: ActivityEvent) -> dict[int, str]:
    """``{user id: notification kind}`` an event calls for, before visibility and preferences
    (the first reason wins: a mention before a reply before an assignment)."""
    data = event.data or {}
    found: dict[int, str] = {}
    mentions = data.get("mentions") or []
    for value in mentions if isinstance(mentions, list) else []:
        if (pk := _id(value)) is not None:
            found.setdefault(pk, MENTION)
    if (pk := _id(data.get("reply_to_author"))) is not None:
        found.setdefault(pk, REPLY)
    if event.kind in ASSIGNMENT_EVENTS and (pk := _id(data.get("assignee"))) is not None:
        found.setdefault(pk, ASSIGNMENT)
    team_kind = None
    if event.kind == "scan.failed":
        team_kind = SCAN_FAILED
    elif event.kind == "finding.opened" and _is_severe(event):
        team_kind = FINDING
    if team_kind is not None and event.workspace_id is None:
        workspaces = pinning_workspaces(event)
        if workspaces:
            members = Membership.objects.filter(workspace_id__in=workspaces)
            for pk in members.values_list("user_id", flat=True).distinct():
                found.setdefault(pk, team_kind)
    if event.actor_id is not None:
        found.pop(event.actor_id, None)  # nobody is told of their own doing
    return found


def _is_severe(event: ActivityEvent) -> bool:
    data = event.data or {}
    if "total" in data:  # a summary: severe findings it does not list one by one
        return int(data.get("severe") or 0) > int(data.get("listed") or 0)
    return data.get("severity") in SEVERE


def _title(kind: str, event: ActivityEvent) -> str:
    actor = _name(event.actor) if event.actor_id and event.actor else summaries.SOMEONE
    target = event.target_repr
    if kind == MENTION:
        return f"{actor} mentioned you on {target}"
    if kind == REPLY:
        return f"{actor} replied to you on {target}"
    if kind == ASSIGNMENT:
        return f"{actor} assigned you {target}"
    if kind == FINDING and "total" in (event.data or {}):
        severe = int(event.data.get("severe") or 0) - int(event.data.get("listed") or 0)
        return f"{summaries.plural(severe, 'new high or critical finding')} on {target}"
    return summary(event)


def _workspace_url(pk: int) -> str | None:
    """A workspace's board (its page), or its change page."""
    try:
        return reverse("admin:workspaces_workspace_board", args=[pk])
    except NoReverseMatch:
        return admin_url("workspaces", "workspace", pk)


def _url(event: ActivityEvent) -> str:
    """Where a notification leads: the object's page; a workspace's own things, its board."""
    ct = event.target_type
    if f"{ct.app_label}.{ct.model}" == "workspaces.workspace":
        return _workspace_url(event.target_id) or ""
    url = admin_url(ct.app_label, ct.model, event.target_id)
    if url is None and event.workspace_id is not None:
        url = _workspace_url(event.workspace_id)
    return url or ""


def _notify(event: ActivityEvent, target: models.Model) -> list[Notification]:
    wanted = recipients(event)
    if not wanted:
        return []
    users = get_user_model().objects.filter(pk__in=list(wanted))
    users = permissions.users_who_can(permissions.VIEW, target, users)
    if event.workspace_id is not None and not is_workspace(target):
        users = permissions.users_who_can(permissions.VIEW, event.workspace, users)
    allowed = set(users.values_list("pk", flat=True))
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=allowed)}
    notifications = []
    for pk in sorted(allowed):
        kind = wanted[pk]
        pref = prefs.get(pk)
        if pref is not None and kind in (pref.muted_kinds or []):
            continue
        notifications.append(
            Notification(
                recipient_id=pk,
                kind=kind,
                event=event,
                title=_title(kind, event)[:300],
                body=summary(event),
                url=_url(event)[:500],
            )
        )
    return _send(notifications, prefs)


def _send(rows: list[Notification], prefs: dict[int, Any]) -> list[Notification]:
    """Write ``rows``, publish each recipient's inbox live and e-mail (after the commit) those
    whose preferences ask for it."""
    if not rows:
        return []
    Notification.objects.bulk_create(rows)
    _publish_inbox(
        [n.recipient_id for n in rows], {n.recipient_id: notification_item(n) for n in rows}
    )
    emailed = [n.pk for n in rows if (p := prefs.get(n.recipient_id)) and p.email]
    if emailed:
        celery_task(EMAIL_TASK).delay_on_commit(emailed)
    return rows


def deliver(
    user_ids: Iterable[int],
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    about: models.Model | None = None,
) -> list[Notification]:
    """Notify ``user_ids`` (a notification not born of an activity event: an approval to
    review, a workflow that failed): one inbox entry for each active user who may see
    ``about`` (when given) and has not muted ``kind``, published live and e-mailed to those who
    asked. Returns the notifications written."""
    ids = sorted({pk for pk in user_ids if pk})
    if not ids:
        return []
    users = get_user_model().objects.filter(pk__in=ids, is_active=True)
    if about is not None:
        users = permissions.users_who_can(permissions.VIEW, about, users)
    allowed = set(users.values_list("pk", flat=True))
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=allowed)}
    rows = [
        Notification(recipient_id=pk, kind=kind, title=title[:300], body=body[:2000], url=url[:500])
        for pk in sorted(allowed)
        if kind not in ((prefs[pk].muted_kinds or []) if pk in prefs else [])
    ]
    return _send(rows, prefs)


def email_notifications(notification_ids: list[int]) -> int:
    """E-mail these notifications to recipients who still want e-mail and have an address.

    The message holds the title and a link, never data values. Each is sent once
    (``emailed_at``). Returns how many were sent."""
    site = getattr(settings, "PURSIGHT_SITE_URL", "").rstrip("/")
    prefs_url = reverse("admin:activity_notification_preferences")
    sent = 0
    pending = Notification.objects.filter(
        pk__in=notification_ids,
        emailed_at__isnull=True,
        recipient__is_active=True,
        recipient__notification_preference__email=True,
    ).select_related("recipient")
    for notification in pending:
        address = notification.recipient.email
        if not address:
            continue
        link = f"{site}{notification.url}" if notification.url else f"{site}/admin/"
        body = (
            f"{notification.title}\n\nOpen it in PurSight: {link}\n\n"
            f"You receive this e-mail because you asked for notifications by e-mail; change "
            f"that at {site}{prefs_url}.\n"
        )
        try:
            send_mail(
                subject=f"[PurSight] {notification.title}"[:200],
                message=body,
                from_email=None,
                recipient_list=[address],
            )
        except Exception as exc:  # the inbox still has it; the next one may go through
            log.warning("activity.email_failed notification=%s error=%s", notification.pk, exc)
            continue
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


def unread_count(user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_of(user: Any) -> QuerySet:
    """A user's own inbox, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def mark_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark one of ``actor``'s notifications read (another's: not found)."""
    if notification.recipient_id != getattr(actor, "pk", None):
        raise Notification.DoesNotExist("Notification not found.")
    if notification.read_at is None:
        with transaction.atomic():
            notification.read_at = timezone.now()
            Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
                read_at=notification.read_at
            )
            _publish_inbox([actor.pk])
    return notification


def mark_all_read(*, actor: Any) -> int:
    """Mark all of ``actor``'s unread notifications read; returns how many."""
    with transaction.atomic():
        n = Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        if n:
            _publish_inbox([actor.pk])
    return n


def preferences_of(user: Any) -> NotificationPreference:
    """The user's preferences (defaults, unsaved, until they change them)."""
    found = NotificationPreference.objects.filter(user=user).first()
    return found or NotificationPreference(user=user)


def update_preferences(
    *, actor: Any, muted_kinds: Iterable[str] | None = None, email: bool | None = None
) -> NotificationPreference:
    """Change ``actor``'s own preferences: the kinds they muted, e-mail on or off."""
    pref = preferences_of(actor)
    if muted_kinds is not None:
        muted = sorted(set(muted_kinds))
        unknown = [k for k in muted if k not in NOTIFICATION_KINDS]
        if unknown:
            raise ValidationError(
                {
                    "muted_kinds": f"Unknown kind(s): {', '.join(unknown)}; choose among "
                    f"{', '.join(NOTIFICATION_KINDS)}."
                }
            )
        pref.muted_kinds = muted
    if email is not None:
        pref.email = bool(email)
    pref.save()
    return pref


# --- feeds ------------------------------------------------------------------------------------


def _anchor_field_by_ct() -> dict[int, str]:
    return {_ct_id(model): name for name, model in _anchor_models().items()}


def workspace_clause(workspace: Workspace) -> Q:
    """The events a workspace's feed shows (one query for its pins): its own, and the others
    about a pinned object or about what a pinned table, schema, source or collection holds."""
    by_type: dict[int, list[int]] = defaultdict(list)
    for ct_id, pk in Pin.objects.filter(workspace=workspace).values_list(
        "target_type_id", "target_id"
    ):
        by_type[ct_id].append(pk)
    return Q(workspace_id=workspace.pk) | (Q(workspace__isnull=True) & _about_any(by_type))


def _about_any(by_type: dict[int, list[int]]) -> Q:
    """Events about one of these objects (``{content type id: ids}``) or held by one of them
    (a pinned table's columns, a pinned collection's subtree)."""
    anchors = _anchor_field_by_ct()
    about = Q(pk__in=[])
    for ct_id, ids in sorted(by_type.items()):
        ids = sorted(set(ids))
        about |= Q(target_type_id=ct_id, target_id__in=ids)
        anchor = anchors.get(ct_id)
        if anchor == "collection_id":
            about |= Q(collection_id__in=_collection_subtrees(ids))
        elif anchor is not None:
            about |= Q(**{f"{anchor}__in": ids})
    return about


def target_clause(target: models.Model) -> Q:
    """The events about ``target`` and, for a catalog anchor, about what it holds."""
    if is_workspace(target):
        return workspace_clause(target)
    return _about_any({_ct_id(type(target)): [target.pk]})


def visible_events(user: Any) -> QuerySet:
    """Every event ``user`` may see: its target through the gate and, for a workspace's own
    event, the workspace too (a pin of a table is news to the workspace's members only)."""
    qs = permissions.restrict(ActivityEvent.objects.all(), user, permissions.VIEW)
    member_of = permissions.restrict(Workspace.objects.all(), user, permissions.VIEW)
    return qs.filter(Q(workspace__isnull=True) | Q(workspace__in=member_of.values("pk")))


def feed(
    *,
    user: Any,
    workspace: Workspace | None = None,
    target: models.Model | None = None,
    kinds: Iterable[str] | None = None,
    actor: Any = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet:
    """The events ``user`` may see, newest first, filtered (see the module's docstring).

    ``workspace`` and ``target`` must be objects the caller let the user see (the API and the
    admin resolve them through the gate); a workspace the user cannot see gives nothing."""
    qs = visible_events(user)
    if workspace is not None:
        if not permissions.can(user, permissions.VIEW, workspace):
            return qs.none()
        qs = qs.filter(workspace_clause(workspace))
    if target is not None:
        qs = qs.filter(target_clause(target))
    kinds = sorted(set(kinds or ()))
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if actor is not None:
        qs = qs.filter(actor_id=getattr(actor, "pk", actor))
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    return qs.select_related("actor", "target_type").order_by("-created_at", "-id")


# --- retention --------------------------------------------------------------------------------


def prune_activity(
    *, now: datetime | None = None, days: int | None = None, batch: int = 5000
) -> int:
    """Delete events older than the retention (``PURSIGHT_ACTIVITY_RETENTION_DAYS``; 0 keeps
    everything) with their notifications, ``batch`` at a time (short transactions). Returns
    how many events were deleted."""
    days = settings.PURSIGHT_ACTIVITY_RETENTION_DAYS if days is None else days
    if not days or days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted = 0
    while True:
        ids = list(
            ActivityEvent.objects.filter(created_at__lt=cutoff)
            .order_by("created_at")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            break
        with transaction.atomic():
            # Plain DELETE statements: the cascade to notifications is done here, so that no
            # event is loaded into Python to be deleted.
            Notification.objects.filter(event_id__in=ids)._raw_delete(Notification.objects.db)
            deleted += ActivityEvent.objects.filter(pk__in=ids)._raw_delete(
                ActivityEvent.objects.db
            )
    log.info("activity.pruned events=%s before=%s", deleted, cutoff.isoformat())
    return deleted


__all__ = [
    "ANCHOR_FIELDS",
    "NOTIFICATION_KINDS",
    "activity_item",
    "email_notifications",
    "feed",
    "inbox_state",
    "mark_all_read",
    "mark_read",
    "notification_item",
    "notifications_of",
    "pinning_workspaces",
    "preferences_of",
    "prune_activity",
    "recipients",
    "record_domain_event",
    "summary",
    "target_clause",
    "unread_count",
    "update_preferences",
    "visible_events",
    "workspace_clause",
]
