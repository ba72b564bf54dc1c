"""Comments: threads on any object the gate knows (assets, findings, rules, scan runs,
classifications, workspaces...).

A thread is its first comment (``parent`` null) and the replies pointing to it (a reply to a
reply joins the same thread). Anyone who may see the object may read and join its
conversation; on a workspace (or on something that belongs to one, a task) commenting needs
the workspace's edit right, and an archived workspace is read-only. Only its author edits or
deletes a comment (deleting is soft: the thread keeps its place); a workspace's managers may
also delete comments on the workspace. Anyone who may comment resolves or reopens a thread.

Every write records an audit event, emits a domain event (``comment.<action>``, about the
target) and publishes the live ``comment`` event to the target's page and the workspaces that
pin it, each socket checking that its user may see the target. ``actor=None`` is the system.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from rest_framework.fields import DateTimeField

from pursight import audit, events, permissions
from pursight.markdown import plain_text
from racine.workspaces import live

from ..markdown import render
from ..models import Comment
from .targets import (
    StateRefusal,
    TargetNotFound,
    check_writable,
    content_type_of,
    person,
    target_ref,
    workspace_of,
)

MAX_BODY = 10_000
MAX_MENTIONS = 50
MENTIONABLE_LIMIT = 10
DELETED_TEXT = "This comment was deleted."
DELETED_HTML = f"<p>{DELETED_TEXT}</p>"
# The one answer for a name that is unknown, inactive, hidden from the author or unable to see
# the object: it tells nothing about the object or about who may see it.
MENTION_REFUSED = "@{name} cannot be mentioned here."
COMMENT_NOT_FOUND = "Comment not found."

_datetime = DateTimeField()  # the API's own rendering of date-times, for the live payloads


def _when(value: Any) -> str | None:
    return None if value is None else _datetime.to_representation(value)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- Reading ------------------------------------------------------------------------------------


def visible_comments(user: Any) -> QuerySet:
    """The comments ``user`` may read (those whose target the gate shows them), with what a
    list reads selected: targets prefetched (one query per kind), replies counted."""
    from .targets import target_prefetch

    qs = Comment.objects.select_related("author", "resolved_by", "target_type").prefetch_related(
        target_prefetch()
    )
    # An aggregate drops the model's default ordering: name it again.
    qs = qs.annotate(reply_count=models.Count("replies")).order_by("created_at", "id")
    return permissions.restrict(qs, user, permissions.VIEW)


def comments_on(queryset: QuerySet, target: models.Model) -> QuerySet:
    return queryset.filter(target_type=content_type_of(target), target_id=target.pk)


def in_thread(queryset: QuerySet, thread_id: int) -> QuerySet:
    return queryset.filter(Q(pk=thread_id) | Q(parent_id=thread_id))


def comment_item(comment: Comment, *, target: Any = None) -> dict[str, Any]:
    """A comment as the API and the live ``comment`` event show it (JSON primitives only). A
    deleted comment keeps its place in its thread, without its text."""
    deleted = comment.deleted_at is not None
    if target is None:
        target = comment.target
    if comment.parent_id is not None:
        replies = 0
    else:
        replies = getattr(comment, "reply_count", None)
        if replies is None:
            replies = comment.replies.count()
    return {
        "id": comment.pk,
        "parent": comment.parent_id,
        "target": target_ref(target, ct=comment.target_type, pk=comment.target_id),
        "author": person(comment.author),
        "body": DELETED_TEXT if deleted else comment.body,
        "body_html": DELETED_HTML if deleted else comment.body_html,
        "created_at": _when(comment.created_at),
        "edited_at": _when(comment.edited_at),
        "deleted": deleted,
        "resolved_at": _when(comment.resolved_at),
        "resolved_by": person(comment.resolved_by),
        "reply_count": replies,
    }


def excerpt(comment: Comment) -> str:
    """The comment's text on one line, at most 140 characters (empty once deleted)."""
    return "" if comment.deleted_at is not None else plain_text(comment.body_html)


# --- Who may do what ----------------------------------------------------------------------------


def check_may_comment(actor: Any, target: models.Model) -> None:
    """Refuse unless ``actor`` may write in the conversation about ``target``: hidden → the
    same error as a missing object; a workspace (or something in one) needs its edit right and
    must not be archived."""
    if actor is None:
        check_writable(target)
        return
    if not permissions.can(actor, permissions.VIEW, target):
        raise TargetNotFound()
    workspace = workspace_of(target)
    if workspace is not None and not permissions.can(actor, "edit", workspace):
        raise permissions.PermissionDenied("You may not comment in this workspace.")
    check_writable(target)


def may_comment(actor: Any, target: models.Model) -> bool:
    try:
        check_may_comment(actor, target)
    except (ValidationError, permissions.PermissionDenied):
        return False
    return True


def may_delete(actor: Any, comment: Comment, target: models.Model | None = None) -> bool:
    """Its author; for comments on a workspace, the workspace's managers too."""
    if actor is None:
        return True
    if comment.author_id is not None and comment.author_id == getattr(actor, "pk", None):
        return True
    target = comment.target if target is None else target
    workspace = workspace_of(target)
    return workspace is not None and permissions.can(actor, "manage", workspace)


def _load(actor: Any, comment: Comment) -> tuple[Comment, models.Model]:
    """The comment, locked, and its target, if ``actor`` may see them (else 404)."""
    locked = Comment.objects.select_for_update().filter(pk=comment.pk).first()
    if locked is None:
        raise Http404(COMMENT_NOT_FOUND)
    target = locked.target
    if target is None or (actor is not None and not permissions.can(actor, "view", target)):
        raise Http404(COMMENT_NOT_FOUND)
    return locked, target


# --- Mentions -----------------------------------------------------------------------------------


def mentionable(actor: Any, target: models.Model) -> QuerySet:
    """Users who may see ``target`` and whom ``actor`` may name (one query, whatever their
    number): the only ones a comment may mention."""
    users = get_user_model()._default_manager.filter(is_active=True)
    if actor is not None:
        users = permissions.restrict_people(users, actor)
    return permissions.users_who_can(permissions.VIEW, target, users)


def mentionable_users(
    *, actor: Any, target: models.Model, q: str = "", limit: int = MENTIONABLE_LIMIT
) -> list[Any]:
    """The autocomplete of ``@``: up to ``limit`` users whose username or name starts with
    ``q``, among :func:`mentionable`. ``target`` must be visible to ``actor``."""
    if actor is not None and not permissions.can(actor, permissions.VIEW, target):
        raise TargetNotFound()
    users = mentionable(actor, target)
    q = q.strip().lstrip("@")
    if q:
        users = users.filter(
            Q(username__istartswith=q) | Q(first_name__istartswith=q) | Q(last_name__istartswith=q)
        )
    return list(users.order_by("username")[:limit])


def _resolve_mentions(actor: Any, target: models.Model, names: list[str]) -> list[Any]:
    if not names:
        return []
    if len(names) > MAX_MENTIONS:
        raise ValidationError({"body": f"A comment may mention at most {MAX_MENTIONS} people."})
    found = {u.get_username(): u for u in mentionable(actor, target).filter(username__in=names)}
    refused = [MENTION_REFUSED.format(name=n) for n in names if n not in found]
    if refused:
        raise ValidationError({"body": refused})
    return [found[n] for n in names]


def _clean_body(body: Any) -> str:
    text = str(body or "").strip()
    if not text:
        raise ValidationError({"body": "Write something first."})
    if len(text) > MAX_BODY:
        raise ValidationError({"body": f"A comment holds at most {MAX_BODY} characters."})
    return text


# --- Announcing ---------------------------------------------------------------------------------


def _audit_collection(target: models.Model) -> int | None:
    """The collection a comment's audit event belongs to (that of its target, if any)."""
    model = type(target)
    if not permissions.is_securable(model) or permissions.is_global(model):
        return None
    if permissions.securable(model).root != permissions.COLLECTION_MODEL:
        return None
    return permissions.collection_id_of(target)


def _record(actor: Any, action: str, comment: Comment, target: Any, **changes: Any) -> None:
    audit.record(
        actor=actor,
        action=f"comment.{action}",
        obj=comment,
        object_repr=f"Comment {comment.pk} on {str(target)[:250]}",
        changes={"target": target_ref(target)["type"], "target_id": target.pk, **changes},
        collection_id=_audit_collection(target),
    )


def _announce(
    action: str,
    comment: Comment,
    target: models.Model,
    actor: Any,
    *,
    mentions: list[int] | None = None,
    reply_to_author: int | None = None,
) -> None:
    """After the commit: the domain event (activity, notifications) and the live event."""
    author = getattr(actor, "pk", None)
    events.emit(
        f"comment.{action}",
        target,
        actor=_user(actor),
        comment=comment.pk,
        thread=comment.parent_id or comment.pk,
        excerpt=excerpt(comment),
        mentions=[pk for pk in (mentions or []) if pk != author],
        reply_to_author=reply_to_author if reply_to_author != author else None,
    )
    live.broadcast(
        target, "comment", {"action": action, "comment": comment_item(comment, target=target)}
    )


# --- Writing ------------------------------------------------------------------------------------


@transaction.atomic
def create_comment(
    *, actor: Any, target: models.Model, body: str, parent: Comment | None = None
) -> Comment:
    """A new thread on ``target``, or a reply in ``parent``'s thread."""
    check_may_comment(actor, target)
    text = _clean_body(body)
    ct = content_type_of(target)
    root = None
    if parent is not None:
        if parent.target_type_id != ct.pk or parent.target_id != target.pk:
            raise ValidationError({"parent": COMMENT_NOT_FOUND})
        root = parent if parent.parent_id is None else parent.parent
    rendered = render(text)
    mentioned = _resolve_mentions(actor, target, rendered.mentions)
    comment = Comment.objects.create(
        target_type=ct,
        target_id=target.pk,
        parent=root,
        author=_user(actor),
        body=text,
        body_html=rendered.html,
    )
    comment.mentions.set(mentioned)
    _record(actor, "create", comment, target, parent=root.pk if root else None)
    _announce(
        "created",
        comment,
        target,
        actor,
        mentions=[u.pk for u in mentioned],
        reply_to_author=parent.author_id if parent is not None else None,
    )
    return comment


@transaction.atomic
def edit_comment(*, actor: Any, comment: Comment, body: str) -> Comment:
    """Change the text of one's own comment: marked edited, rendered again; people newly
    mentioned are told."""
    comment, target = _load(actor, comment)
    if actor is not None and comment.author_id != getattr(actor, "pk", None):
        raise permissions.PermissionDenied("Only its author may edit a comment.")
    if comment.deleted_at is not None:
        raise StateRefusal("A deleted comment cannot be edited.")
    check_may_comment(actor, target)
    text = _clean_body(body)
    rendered = render(text)
    mentioned = _resolve_mentions(actor, target, rendered.mentions)
    before = set(comment.mentions.values_list("pk", flat=True))
    old = comment.body
    comment.body, comment.body_html = text, rendered.html
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at", "updated_at"])
    comment.mentions.set(mentioned)
    _record(actor, "edit", comment, target, body=[old, text])
    _announce(
        "edited", comment, target, actor, mentions=[u.pk for u in mentioned if u.pk not in before]
    )
    return comment


@transaction.atomic
def delete_comment(*, actor: Any, comment: Comment) -> Comment:
    """Soft delete: the comment keeps its place in its thread, its text is no longer shown."""
    comment, target = _load(actor, comment)
    if not may_delete(actor, comment, target):
        raise permissions.PermissionDenied("Only its author may delete a comment.")
    if comment.deleted_at is not None:
        raise StateRefusal("This comment is already deleted.")
    check_writable(target)
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["deleted_at", "updated_at"])
    _record(actor, "delete", comment, target)
    _announce("deleted", comment, target, actor)
    return comment


def _set_resolved(actor: Any, comment: Comment, resolved: bool) -> Comment:
    comment, target = _load(actor, comment)
    check_may_comment(actor, target)
    root = comment
    if comment.parent_id is not None:
        root = Comment.objects.select_for_update().get(pk=comment.parent_id)
    if (root.resolved_at is not None) == resolved:
        raise StateRefusal(
            "This thread is already resolved." if resolved else "This thread is not resolved."
        )
    root.resolved_at = timezone.now() if resolved else None
    root.resolved_by = _user(actor) if resolved else None
    root.save(update_fields=["resolved_at", "resolved_by", "updated_at"])
    action = "resolved" if resolved else "reopened"
    _record(actor, "resolve" if resolved else "reopen", root, target)
    _announce(action, root, target, actor)
    return root


@transaction.atomic
def resolve_thread(*, actor: Any, comment: Comment) -> Comment:
    """Mark ``comment``'s thread resolved (returns the thread's first comment)."""
    return _set_resolved(actor, comment, True)


@transaction.atomic
def reopen_thread(*, actor: Any, comment: Comment) -> Comment:
    """Reopen ``comment``'s resolved thread (returns the thread's first comment)."""
    return _set_resolved(actor, comment, False)
