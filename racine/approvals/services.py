"""The approval engine and access requests.

**Engine.** Any registered kind of change (:mod:`pursight.changes`) may be held for approval:
:func:`hold_for_approval` is the kernel policy (registered from ``ready()``) that looks up the
nearest enabled :class:`ApprovalPolicy` of the change's kind for the object's collection and,
when there is one, stores an :class:`ApprovalRequest` instead of applying the change. Other apps
(orchestration's "wait for approval" step) call :func:`request_approval` directly and read
:func:`request_state`.

**Reviewers** are the users a policy names and the holders of its role on the object's
collection (or above), resolved when the request is made; the requester is never one of them.
The quorum is one, all or N approvals (``required``, fixed at creation); a single rejection
rejects. When the last needed approval comes in, the change is applied through the owning
service (:func:`pursight.changes.apply`: audit, activity) with the requester as its author; a
change the service refuses then (the object is gone, the requester lost the right) leaves the
request ``failed`` with the reason and the object unchanged. A request past its due date is
escalated once to the collection admins (:func:`escalate_overdue`, a scheduled task).

**Visibility.** A request is seen by its requester, its reviewers and the admins of its
collection (platform admins for requests outside collections): :func:`visible_requests`,
answered by the gate's scopes in one query. Everyone else gets "not found".

**Access requests.** :func:`request_access` asks for a role on a collection with a
justification; it is an approval request reviewed by the collection's admins. Approval grants
the role with ``rbac.services.assign_role`` (audited); a time-bound grant is revoked by
:func:`expire_access` (a scheduled task), audited too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from governance.rbac import roles
from governance.rbac import services as rbac_services
from governance.rbac.models import Collection, Role, RoleAssignment
from pursight import audit, changes, events, permissions
from racine.activity import services as activity

from . import signals
from .models import (
    AccessRequest,
    AccessStatus,
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalRequest,
    Decision,
    Quorum,
    Status,
)

log = logging.getLogger(__name__)

ACCESS_KIND = "access.grant"
MANAGE = roles.MANAGE_COLLECTION
NOTIFICATION_KIND = "approval"
NOT_FOUND = "Approval request not found."


class Closed(ValidationError):
    """The request (or access request) is no longer open: well formed, refused by its state."""


def default_due_days() -> int:
    return int(getattr(settings, "PURSIGHT_APPROVAL_DUE_DAYS", 3))


def _user(actor: Any) -> Any:
    return (
        actor if getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None) else None
    )


def _name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else "the system"


# --- who: reviewers, admins, visibility -------------------------------------------------------


def _ancestor_ids(collection: Collection) -> list[int]:
    ids = [int(p) for p in (collection.path or "").split("/") if p.isdigit()]
    return ids or [collection.pk]


def role_holders(role: Role, collection: Collection | None) -> QuerySet:
    """Active users holding ``role`` on ``collection`` or a collection above it (directly or
    through a group); on every collection when ``collection`` is None."""
    assignments = RoleAssignment.objects.filter(role=role)
    if collection is not None:
        assignments = assignments.filter(collection_id__in=_ancestor_ids(collection))
    users = assignments.filter(user__isnull=False).values("user_id")
    groups = assignments.filter(group__isnull=False).values("group_id")
    return (
        get_user_model()
        .objects.filter(Q(pk__in=users) | Q(groups__in=groups), is_active=True)
        .distinct()
    )


def collection_admins(collection: Collection | None) -> QuerySet:
    """Who administers ``collection`` (``manage_collection`` on it or above, superusers); for
    None, the platform admins (``manage_collection`` held model-wide, superusers)."""
    if collection is not None:
        return permissions.users_who_can(permissions.CHANGE, collection)
    perm = Permission.objects.filter(codename=MANAGE, content_type__app_label="rbac")
    return (
        get_user_model()
        .objects.filter(
            Q(is_superuser=True) | Q(user_permissions__in=perm) | Q(groups__permissions__in=perm),
            is_active=True,
        )
        .distinct()
    )


def _is_admin(user: Any, collection_id: int | None) -> bool:
    s = permissions.scope(user, MANAGE)
    return s.everything if collection_id is None else s.contains(collection_id)


def visible_requests(user: Any, queryset: QuerySet | None = None) -> QuerySet:
    """The approval requests ``user`` may see: their own, those they review, those of the
    collections they administer (the gate's registration in ``ApprovalsConfig.ready``). One
    query, whatever the number of requests."""
    qs = ApprovalRequest.objects.all() if queryset is None else queryset
    return permissions.restrict(qs, user, permissions.VIEW)


def visible_access_requests(user: Any, queryset: QuerySet | None = None) -> QuerySet:
    """Access requests ``user`` may see: their own and those of the collections they
    administer."""
    qs = AccessRequest.objects.all() if queryset is None else queryset
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return qs.none()
    admin = permissions.scope(user, MANAGE)
    if admin.everything:
        return qs
    clause = Q(requester_id=user.pk)
    if admin.collection_ids:
        clause |= Q(collection_id__in=sorted(admin.collection_ids))
    return qs.filter(clause)


def reviewer_ids(requests: Iterable[ApprovalRequest]) -> dict[int, set[int]]:
    """{request id: reviewer ids} for a page of requests (one query)."""
    ids = [r.pk for r in requests]
    found: dict[int, set[int]] = {pk: set() for pk in ids}
    through = ApprovalRequest.reviewers.through
    for rid, uid in through.objects.filter(approvalrequest_id__in=ids).values_list(
        "approvalrequest_id", "user_id"
    ):
        found[rid].add(uid)
    return found


def may_decide(
    user: Any, request: ApprovalRequest, reviewers: set[int] | None = None
) -> tuple[bool, str]:
    """Whether ``user`` may approve or reject ``request`` now, and why not."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False, "Sign in to decide."
    if request.status != Status.PENDING:
        return False, f"This request is already {request.get_status_display().lower()}."
    if request.requested_by_id == user.pk:
        return False, "Nobody approves their own request."
    if reviewers is None:
        reviewers = set(request.reviewers.values_list("pk", flat=True))
    if user.pk in reviewers or _is_admin(user, request.collection_id):
        return True, ""
    return False, "You are not a reviewer of this request."


def waiting_for(user: Any) -> QuerySet:
    """Open requests ``user`` reviews and has not decided yet (newest first)."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return ApprovalRequest.objects.none()
    through = ApprovalRequest.reviewers.through
    mine = through.objects.filter(user_id=user.pk).values("approvalrequest_id")
    decided = ApprovalDecision.objects.filter(reviewer_id=user.pk).values("request_id")
    return (
        ApprovalRequest.objects.filter(status=Status.PENDING, pk__in=mine)
        .exclude(pk__in=decided)
        .exclude(requested_by_id=user.pk)
    )


# --- policies ---------------------------------------------------------------------------------


def _collection_of(obj: Any) -> Collection | None:
    if isinstance(obj, Collection):
        return obj
    if not isinstance(obj, models.Model) or not permissions.is_securable(type(obj)):
        return None
    spec = permissions.securable(type(obj))
    if spec.root != permissions.COLLECTION_MODEL:
        return None
    pk = permissions.collection_id_of(obj)
    return Collection.objects.filter(pk=pk).first() if pk is not None else None


def policy_for(kind: str, collection: Collection | None) -> ApprovalPolicy | None:
    """The nearest enabled policy of ``kind``: the collection's, the closest ancestor's, or
    the one without a collection (one query)."""
    clause = Q(collection__isnull=True)
    if collection is not None:
        clause |= Q(collection_id__in=_ancestor_ids(collection))
    found = list(
        ApprovalPolicy.objects.filter(clause, kind=kind, enabled=True)
        .select_related("collection", "reviewer_role")
        .order_by()
    )
    if not found:
        return None
    return max(found, key=lambda p: len(p.collection.path) if p.collection_id else -1)


def hold_for_approval(change: changes.Change) -> changes.Pending | None:
    """The kernel policy: store a request when a policy covers the change, else None.

    The system's own changes (no signed-in actor: scans, commands) are never held. A cheap
    check first: no enabled policy of this kind at all means no query beyond it."""
    if _user(change.actor) is None:
        return None
    if not ApprovalPolicy.objects.filter(kind=change.kind, enabled=True).exists():
        return None
    collection = _collection_of(change.obj)
    policy = policy_for(change.kind, collection)
    if policy is None:
        return None
    reviewers = set(policy.reviewer_users.filter(is_active=True).values_list("pk", flat=True))
    if policy.reviewer_role_id:
        reviewers |= set(
            role_holders(policy.reviewer_role, collection).values_list("pk", flat=True)
        )
    request = request_approval(
        change.kind,
        change.obj,
        change.payload,
        change.actor,
        reviewers=reviewers,
        quorum=policy.quorum,
        required=policy.required,
        due=timezone.now() + timedelta(days=policy.due_days),
        policy=policy,
        collection=collection,
    )
    return changes.Pending(request=request, message=_sent_message(request))


def _sent_message(request: ApprovalRequest) -> str:
    n = request.required
    return (
        f"Sent for approval (request #{request.pk}): {request.summary}. It needs "
        f"{n} approval{'s' if n != 1 else ''} and changes nothing until then."
    )


# --- requests ---------------------------------------------------------------------------------


def _required(quorum: str, required: int, n_reviewers: int) -> int:
    if quorum == Quorum.ALL:
        return max(1, n_reviewers)
    if quorum == Quorum.COUNT:
        return max(1, min(required, n_reviewers) if n_reviewers else required)
    return 1


def request_approval(
    kind: str,
    obj: Any,
    proposed: dict[str, Any],
    actor: Any,
    *,
    reviewers: Iterable[Any] | None = None,
    quorum: str = Quorum.ANY,
    required: int = 1,
    due: datetime | None = None,
    summary: str = "",
    policy: ApprovalPolicy | None = None,
    collection: Collection | None = None,
) -> ApprovalRequest:
    """Store a request to approve ``kind`` on ``obj`` with the ``proposed`` payload and tell
    its reviewers.

    ``reviewers``: users or user ids (the requester is left out); none left → the admins of
    the object's collection. ``quorum``: ``"any"``, ``"all"`` or ``"count"`` (``required``
    approvals). ``due``: when it is escalated (default in ``PURSIGHT_APPROVAL_DUE_DAYS``).
    A kind registered in :mod:`pursight.changes` is applied on approval; any other kind (a
    workflow step waiting) is only approved: read :func:`request_state`.
    """
    if quorum not in Quorum.values:
        raise ValidationError({"quorum": f"Unknown quorum '{quorum}'."})
    user = _user(actor)
    if collection is None:
        collection = _collection_of(obj)
    ids = {getattr(r, "pk", r) for r in (reviewers or [])}
    ids.discard(getattr(user, "pk", None))
    ids = set(
        get_user_model().objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True)
    )
    if not ids:
        ids = set(collection_admins(collection).values_list("pk", flat=True))
        ids.discard(getattr(user, "pk", None))
    is_model = isinstance(obj, models.Model) and obj.pk is not None
    change = changes.Change(kind, obj, changes.jsonable(proposed), user)
    with transaction.atomic():
        request = ApprovalRequest.objects.create(
            kind=kind,
            summary=(summary or changes.describe(change))[:300],
            target_type=(
                ContentType.objects.get_for_model(obj, for_concrete_model=True)
                if is_model
                else None
            ),
            target_id=obj.pk if is_model else None,
            target_repr=str(obj)[:300] if obj is not None else "",
            collection=collection,
            payload=change.payload,
            requested_by=user,
            policy=policy,
            quorum=quorum,
            required=_required(quorum, required, len(ids)),
            due_at=due or timezone.now() + timedelta(days=default_due_days()),
        )
        request.reviewers.set(ids)
        audit.record(
            actor=actor,
            action="approvalrequest.create",
            obj=request,
            changes={"kind": kind, "target": request.target_repr, "payload": request.payload},
            collection_id=request.collection_id,
        )
        _notify(ids, request, f"{_name(user)} asks you to approve: {request.summary}")
        if is_model and permissions.is_securable(type(obj)):
            events.emit("approval.requested", obj, actor=user, request=request.pk, change=kind)
    return request


def request_state(request: ApprovalRequest | int) -> dict[str, Any]:
    """Where a request stands: ``{"id", "status", "approvals", "required", "rejected",
    "decided_at", "error"}`` (for a workflow step that waits on it). Two queries."""
    pk = getattr(request, "pk", request)
    row = ApprovalRequest.objects.filter(pk=pk).first()
    if row is None:
        raise ObjectDoesNotExist(NOT_FOUND)
    counts = dict(
        row.decisions.values_list("decision").annotate(n=Count("pk")).values_list("decision", "n")
    )
    return {
        "id": row.pk,
        "status": row.status,
        "approvals": counts.get(Decision.APPROVE, 0),
        "required": row.required,
        "rejected": counts.get(Decision.REJECT, 0) > 0,
        "decided_at": row.decided_at,
        "error": row.error,
    }


def decide(
    *, actor: Any, request: ApprovalRequest, decision: str, comment: str = ""
) -> ApprovalRequest:
    """Record ``actor``'s approval or rejection; apply the change when the quorum is reached
    (through its service), close the request on a rejection."""
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choose approve or reject."})
    if decision == Decision.REJECT and not comment.strip():
        raise ValidationError({"comment": "Say why you reject it: the requester reads this."})
    with transaction.atomic():
        request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
        ok, why = may_decide(actor, request)
        if not ok:
            if request.status != Status.PENDING:
                raise Closed(why)
            raise permissions.PermissionDenied(why)
        try:
            with transaction.atomic():
                ApprovalDecision.objects.create(
                    request=request, reviewer=actor, decision=decision, comment=comment.strip()
                )
        except IntegrityError:
            raise ValidationError("You already decided on this request.") from None
        audit.record(
            actor=actor,
            action=f"approvalrequest.{decision}",
            obj=request,
            changes={"comment": comment.strip()},
            collection_id=request.collection_id,
        )
        if decision == Decision.REJECT:
            _close(request, Status.REJECTED, actor)
        elif request.decisions.filter(decision=Decision.APPROVE).count() >= request.required:
            _apply(request, actor)
    return request


def _target(request: ApprovalRequest) -> Any:
    if request.target_type_id is None:
        return None
    model = request.target_type.model_class()
    if model is None:
        return None
    return model._default_manager.filter(pk=request.target_id).first()


def _apply(request: ApprovalRequest, approver: Any) -> None:
    target = _target(request)
    if request.kind in changes.kinds:
        if request.target_type_id is not None and target is None:
            _close(request, Status.FAILED, approver, "The object no longer exists.")
            return
        if request.requested_by_id is None:  # never applied as the system
            _close(request, Status.FAILED, approver, "The requester no longer exists.")
            return
        try:
            with transaction.atomic():
                changes.apply(
                    request.kind,
                    target,
                    request.payload,
                    actor=request.requested_by,
                    approver=approver,
                )
        except (ValidationError, permissions.PermissionDenied, ObjectDoesNotExist) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            _close(request, Status.FAILED, approver, text or "The change was refused.")
            return
    _close(request, Status.APPROVED, approver)


def _close(request: ApprovalRequest, status: str, actor: Any, error: str = "") -> None:
    request.status = status
    request.decided_at = timezone.now()
    request.error = error[:2000]
    request.save(update_fields=["status", "decided_at", "error"])
    if status != Status.APPROVED or error:
        audit.record(
            actor=actor,
            action=f"approvalrequest.{status}",
            obj=request,
            changes={"error": error} if error else {},
            collection_id=request.collection_id,
        )
    access = AccessRequest.objects.filter(approval=request).first()
    if access is not None and status in (Status.REJECTED, Status.CANCELLED, Status.FAILED):
        access.status = (
            AccessStatus.CANCELLED if status == Status.CANCELLED else AccessStatus.REJECTED
        )
        access.ended_at = request.decided_at
        access.save(update_fields=["status", "ended_at"])
    if request.requested_by_id and _user(actor) and actor.pk != request.requested_by_id:
        verb = {
            Status.APPROVED: "approved",
            Status.REJECTED: "rejected",
            Status.FAILED: "approved, but it could not be applied",
        }.get(status)
        if verb:
            _notify(
                [request.requested_by_id], request, f"Your request was {verb}: {request.summary}"
            )
    transaction.on_commit(
        lambda: signals.request_decided.send_robust(
            sender=ApprovalRequest, request=request, status=status
        )
    )
    target = _target(request)
    if target is not None and permissions.is_securable(type(target)) and status != Status.CANCELLED:
        events.emit(f"approval.{status}", target, actor=_user(actor), request=request.pk)


def withdraw(*, actor: Any, request: ApprovalRequest) -> ApprovalRequest:
    """The requester withdraws an open request (nothing is applied)."""
    with transaction.atomic():
        request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
        if request.requested_by_id != getattr(actor, "pk", None) and not _is_admin(
            actor, request.collection_id
        ):
            raise permissions.PermissionDenied("Only the requester withdraws a request.")
        if request.status != Status.PENDING:
            raise Closed(f"This request is already {request.get_status_display().lower()}.")
        _close(request, Status.CANCELLED, actor)
    return request


def escalate_overdue(now: datetime | None = None) -> int:
    """Give each open request past its due date to its collection's admins (once): they
    become reviewers and are told. Returns how many were escalated."""
    now = now or timezone.now()
    overdue = list(
        ApprovalRequest.objects.filter(
            status=Status.PENDING, due_at__lt=now, escalated_at__isnull=True
        ).select_related("collection")
    )
    done = 0
    for request in overdue:
        with transaction.atomic():
            locked = (
                ApprovalRequest.objects.select_for_update()
                .filter(pk=request.pk, status=Status.PENDING, escalated_at__isnull=True)
                .first()
            )
            if locked is None:
                continue
            admins = set(collection_admins(request.collection).values_list("pk", flat=True))
            admins.discard(request.requested_by_id)
            known = set(locked.reviewers.values_list("pk", flat=True))
            locked.reviewers.add(*admins)
            locked.escalated_at = now
            locked.save(update_fields=["escalated_at"])
            audit.record(
                actor=None,
                action="approvalrequest.escalate",
                obj=locked,
                changes={"added_reviewers": sorted(admins - known)},
                collection_id=locked.collection_id,
            )
            _notify(admins, locked, f"Overdue, escalated to you: {locked.summary}")
            done += 1
    return done


# --- notifications ----------------------------------------------------------------------------


def review_url(request: ApprovalRequest) -> str:
    return reverse("admin:approvals_approvalrequest_review", args=[request.pk])


def _notify(user_ids: Iterable[int], request: ApprovalRequest, title: str) -> None:
    """One inbox entry per user, linking to the request's review page (only what the request
    says: never data values), published live, e-mailed to those who asked."""
    activity.deliver(
        user_ids,
        kind=NOTIFICATION_KIND,
        title=title,
        body=f"{changes.label_of(request.kind)} — {request.target_repr}",
        url=review_url(request),
    )


# --- the conversation -------------------------------------------------------------------------


def conversation_closed(obj: Any) -> str | None:
    """Why a request's conversation refuses new comments (decided or withdrawn), else None."""
    if not isinstance(obj, ApprovalRequest) or obj.status == Status.PENDING:
        return None
    return (
        f"This request is {obj.get_status_display().lower()}: its conversation is closed "
        "and stays readable."
    )


def notify_comment(request: ApprovalRequest, *, actor: Any, data: dict[str, Any]) -> None:
    """A comment on an open request: tell its requester and reviewers, once each, never its
    author. Those it mentions or answers are already told by the activity stream (a mention or
    a reply); the others get an ``approval`` notification (muted with the approvals)."""
    if request.status != Status.PENDING:
        return
    told = {getattr(actor, "pk", None), data.get("reply_to_author")}
    told.update(data.get("mentions") or [])
    people = set(request.reviewers.values_list("pk", flat=True))
    if request.requested_by_id:
        people.add(request.requested_by_id)
    people -= told
    if not people:
        return
    excerpt = str(data.get("excerpt") or "")
    activity.deliver(
        people,
        kind=NOTIFICATION_KIND,
        title=f"{_name(_user(actor))} commented on request #{request.pk}: {request.summary}",
        body=excerpt or request.summary,
        url=review_url(request),
        about=request,
    )


# --- access requests --------------------------------------------------------------------------


def requestable_collections(user: Any) -> QuerySet:
    """Collections ``user`` may ask a role on: those the gate lets them see."""
    return permissions.restrict_choices(Collection.objects.all(), user)


def request_access(
    *,
    actor: Any,
    collection: Collection,
    role: Role,
    justification: str,
    expires_at: datetime | None = None,
) -> AccessRequest:
    """Ask for ``role`` on ``collection``; its admins review (any one of them decides)."""
    user = _user(actor)
    check_access_request(
        actor=user,
        collection=collection,
        role=role,
        justification=justification,
        expires_at=expires_at,
    )
    return _create_access(user, collection, role, justification, expires_at)


def check_access_request(
    *,
    actor: Any,
    collection: Collection | None,
    role: Role | None,
    justification: str,
    expires_at: datetime | None = None,
) -> None:
    """What :func:`request_access` refuses, as field errors (forms call it first)."""
    user = _user(actor)
    if user is None or not user.is_active:
        raise permissions.PermissionDenied("Sign in to ask for access.")
    if collection is None or not requestable_collections(user).filter(pk=collection.pk).exists():
        raise ValidationError({"collection": "Collection not found."})
    errors: dict[str, str] = {}
    if not justification.strip():
        errors["justification"] = "Say why you need this role."
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = "The end of the grant must be in the future."
    if errors:
        raise ValidationError(errors)
    if role is None:
        raise ValidationError({"role": "Choose a role."})
    held = RoleAssignment.objects.filter(
        role=role, collection_id__in=_ancestor_ids(collection), user=user
    ).exists()
    if held:
        raise ValidationError({"role": "You already hold this role on this collection."})
    if AccessRequest.objects.filter(
        requester=user, collection=collection, role=role, status=AccessStatus.PENDING
    ).exists():
        raise ValidationError({"role": "You already asked for this role; it waits for approval."})


def _create_access(
    user: Any, collection: Collection, role: Role, justification: str, expires_at: Any
) -> AccessRequest:
    with transaction.atomic():
        access = AccessRequest.objects.create(
            requester=user,
            collection=collection,
            role=role,
            justification=justification.strip(),
            expires_at=expires_at,
        )
        until = f" until {timezone.localtime(expires_at):%Y-%m-%d %H:%M}" if expires_at else ""
        access.approval = request_approval(
            ACCESS_KIND,
            access,
            {"role": role.pk, "collection": collection.pk, "user": user.pk},
            user,
            reviewers=collection_admins(collection).values_list("pk", flat=True),
            summary=f"{_name(user)} asks to be {role.name} on {collection.name}{until}",
            collection=collection,
        )
        access.save(update_fields=["approval"])
    return access


def _apply_access(change: changes.Change) -> AccessRequest:
    """Approved: grant the role (``assign_role`` checks that the approver manages the
    collection and audits the grant)."""
    access = AccessRequest.objects.select_for_update().get(pk=change.obj.pk)
    if access.status != AccessStatus.PENDING:
        raise ValidationError("This access request is no longer open.")
    existed = RoleAssignment.objects.filter(
        role_id=access.role_id, collection_id=access.collection_id, user_id=access.requester_id
    ).first()
    assignment = rbac_services.assign_role(
        actor=change.approver,
        role=access.role,
        collection=access.collection,
        user=access.requester,
    )
    access.status = AccessStatus.GRANTED
    access.granted_at = timezone.now()
    # A role the requester already held is not theirs to lose when this grant ends.
    access.assignment = assignment if existed is None else None
    access.save(update_fields=["status", "granted_at", "assignment"])
    return access


def expire_access(now: datetime | None = None) -> int:
    """Revoke the time-bound grants whose end has come (audited); returns how many ended."""
    now = now or timezone.now()
    due = list(
        AccessRequest.objects.filter(
            status=AccessStatus.GRANTED, expires_at__isnull=False, expires_at__lte=now
        ).values_list("pk", flat=True)
    )
    ended = 0
    for pk in due:
        with transaction.atomic():
            access = (
                AccessRequest.objects.select_for_update(of=("self",))
                .select_related("assignment", "role", "collection", "requester")
                .filter(pk=pk, status=AccessStatus.GRANTED)
                .first()
            )
            if access is None:
                continue
            if access.assignment is not None:
                rbac_services.revoke_role(actor=None, assignment=access.assignment)
                access.assignment = None  # deleted (the audit trail keeps what it granted)
            access.status = AccessStatus.EXPIRED
            access.ended_at = now
            access.save(update_fields=["status", "ended_at"])
            audit.record(
                actor=None,
                action="accessrequest.expire",
                obj=access,
                changes={
                    "role": access.role.name,
                    "collection": access.collection_id,
                    "user": access.requester_id,
                    "expires_at": access.expires_at,
                },
                collection_id=access.collection_id,
            )
            ended += 1
    return ended


def withdraw_access(*, actor: Any, access: AccessRequest) -> AccessRequest:
    if access.approval is None or access.status != AccessStatus.PENDING:
        raise Closed("This access request is no longer open.")
    withdraw(actor=actor, request=access.approval)
    access.refresh_from_db()
    return access


# --- policies (admin) -------------------------------------------------------------------------


def save_policy(
    *, actor: Any, policy: ApprovalPolicy, reviewer_users: Any = None
) -> ApprovalPolicy:
    """Validate and save a policy (only admins of its collection; platform admins for a
    policy without one)."""
    if not _is_admin(actor, policy.collection_id):
        raise permissions.PermissionDenied(
            "Only the admins of a collection set its approval policies."
        )
    if policy.kind not in changes.kinds:
        raise ValidationError({"kind": "Unknown kind of change."})
    if policy.quorum == Quorum.COUNT and policy.required < 1:
        raise ValidationError({"required": "At least one approval."})
    creating = policy.pk is None
    if creating and _user(actor):
        policy.created_by = actor
    with transaction.atomic():
        policy.full_clean()
        audit.audited_save(actor=actor, obj=policy)
        if reviewer_users is not None:
            policy.reviewer_users.set(reviewer_users)
        if not policy.reviewer_role_id and not policy.reviewer_users.exists():
            raise ValidationError("Name reviewers: users, a role, or both.")
    return policy


def register_kinds() -> None:
    changes.register_kind(
        ACCESS_KIND,
        label="Access request",
        apply=_apply_access,
        describe=lambda c: f"Grant access: {c.obj}",
    )
