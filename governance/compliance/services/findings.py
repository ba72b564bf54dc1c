"""The finding lifecycle: transitions (one or many), assignment, acknowledged schema drift, and
the age buckets findings are filtered by."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from governance.scans.models import SchemaChange
from pursight import audit, changes, events, permissions

from ..choices import TRANSITIONS, FindingStatus
from ..models import Finding, FindingEvent, SchemaChangeAcknowledgement
from .access import actor_repr, check_finding, user_of


class TransitionError(ValidationError):
    pass


def check_transition_input(
    *, to: str, justification: str = "", expires_on: date | None = None, reason: str = ""
) -> None:
    """What a transition to ``to`` needs, whatever the finding: raise field errors if missing.

    Forms call it to keep the input and show the errors beside their fields before any finding
    is touched; :func:`transition_finding` calls it again.
    """
    errors = {}
    if to == FindingStatus.ACCEPTED_RISK:
        if not justification.strip():
            errors["justification"] = "Accepting a risk needs a justification."
        if expires_on is None:
            errors["expires_on"] = "Accepting a risk needs an expiry date."
        elif expires_on <= timezone.localdate():
            errors["expires_on"] = "The expiry date must be in the future."
    if to == FindingStatus.FALSE_POSITIVE and not reason.strip():
        errors["reason"] = "Marking a false positive needs a reason."
    if errors:
        raise TransitionError(errors)


@transaction.atomic
def transition_finding(
    *,
    actor: Any,
    finding: Finding,
    to: str,
    note: str = "",
    justification: str = "",
    expires_on: date | None = None,
    reason: str = "",
) -> Finding:
    """Move ``finding`` to status ``to``; refuse transitions the lifecycle does not allow."""
    check_finding(actor, finding)
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    current = finding.status
    if to not in FindingStatus.values:
        raise TransitionError({"to": f"Unknown status '{to}'."})
    allowed = TRANSITIONS.get(current, ())
    if to not in allowed:
        names = ", ".join(FindingStatus(s).label for s in allowed) or "none"
        raise TransitionError(
            f"A finding that is {FindingStatus(current).label.lower()} cannot become "
            f"{FindingStatus(to).label.lower()} (allowed: {names})."
        )
    check_transition_input(to=to, justification=justification, expires_on=expires_on, reason=reason)
    if to == FindingStatus.ACCEPTED_RISK:
        # Accepting a risk may need approval (pursight.changes): held, nothing changes yet.
        outcome = changes.propose(
            ACCEPT_RISK_KIND,
            finding,
            {"note": note, "justification": justification, "expires_on": expires_on},
            actor=actor,
            apply=lambda: _apply_transition(
                actor, finding, current, to, note, justification, expires_on, reason
            ),
        )
        return changes.result(finding, outcome)
    return _apply_transition(actor, finding, current, to, note, justification, expires_on, reason)


def _apply_transition(
    actor: Any,
    finding: Finding,
    current: str,
    to: str,
    note: str,
    justification: str,
    expires_on: date | None,
    reason: str,
) -> Finding:
    if to == FindingStatus.ACCEPTED_RISK:
        finding.justification = justification.strip()
        finding.risk_expires_on = expires_on
    if to == FindingStatus.FALSE_POSITIVE:
        finding.reason = reason.strip()
    now = timezone.now()
    if to == FindingStatus.RESOLVED:
        finding.closed_at = now
    elif current == FindingStatus.RESOLVED:
        finding.closed_at = None
        finding.closed_by_run = None
    # Keep the latest confirmation of the violation as the finding's own last seen: the new
    # status is only confirmed by later evaluations.
    finding.seen_at = finding.last_seen
    finding.seen_run_id = finding.last_run_id
    finding.status = to
    finding.status_changed_at = now
    audit.audited_save(actor=actor, obj=finding, action=f"finding.{to}")
    FindingEvent.objects.create(
        finding=finding,
        at=now,
        actor=user_of(actor),
        actor_repr=actor_repr(actor),
        from_status=current,
        to_status=to,
        note=note or justification or reason,
    )
    events.emit(
        "finding.closed" if to == FindingStatus.RESOLVED else "finding.transitioned",
        finding,
        actor=actor,
        **{"from": current, "to": to},
    )
    return finding


ACCEPT_RISK_KIND = "finding.accept_risk"


def _approved_risk(change: changes.Change) -> Finding:
    """An approved accepted risk: the same transition, by its requester (checked again)."""
    payload = change.payload
    expires = payload.get("expires_on")
    return transition_finding(
        actor=change.actor,
        finding=change.obj,
        to=FindingStatus.ACCEPTED_RISK,
        note=payload.get("note") or "",
        justification=payload.get("justification") or "",
        expires_on=date.fromisoformat(expires) if expires else None,
    )


changes.register_kind(
    ACCEPT_RISK_KIND,
    label="Accepted risk on a finding",
    apply=_approved_risk,
    describe=lambda c: (
        f"Accept the risk of {c.obj} until {c.payload.get('expires_on')}: "
        f"{c.payload.get('justification', '')}"
    ),
)


@dataclass
class BulkResult:
    done: list[Finding] = field(default_factory=list)
    refused: list[tuple[Finding, str]] = field(default_factory=list)
    # Held for approval (pursight.changes): unchanged until approved.
    pending: list[Finding] = field(default_factory=list)


def bulk_transition(*, actor: Any, findings: QuerySet, to: str, **kwargs: Any) -> BulkResult:
    """Transition each finding the actor may act on; collect refusals instead of failing all."""
    result = BulkResult()
    for finding in findings:
        try:
            done = transition_finding(actor=actor, finding=finding, to=to, **kwargs)
            (result.pending if changes.pending_of(done) else result.done).append(done)
        except (ValidationError, permissions.PermissionDenied) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            result.refused.append((finding, text))
    return result


@transaction.atomic
def assign_finding(
    *, actor: Any, finding: Finding, assignee: Any = None, due_date: date | None = None
) -> Finding:
    check_finding(actor, finding, "assign")
    finding.assignee = assignee
    finding.due_date = due_date
    events.emit(
        "finding.assigned",
        finding,
        actor=actor,
        assignee=getattr(assignee, "pk", None),
        due_date=due_date.isoformat() if due_date else None,
    )
    return audit.audited_save(
        actor=actor, obj=finding, action="finding.assign", fields=["assignee", "due_date"]
    )


@transaction.atomic
def acknowledge_schema_changes(*, actor: Any, changes: QuerySet, note: str = "") -> int:
    """Mark schema changes as seen: they stop counting as open drift."""
    changes = changes.filter(compliance_ack__isnull=True).select_related("datasource")
    allowed = permissions.action_scope(actor, SchemaChangeAcknowledgement, "add") if actor else None
    acks = []
    for change in changes:
        if allowed is not None and not allowed.contains(change.datasource.collection_id):
            raise permissions.PermissionDenied(
                f"You may not acknowledge changes of {change.datasource}."
            )
        acks.append(
            SchemaChangeAcknowledgement(change=change, acknowledged_by=user_of(actor), note=note)
        )
    SchemaChangeAcknowledgement.objects.bulk_create(acks)
    if acks:
        audit.record(
            actor=actor,
            action="schemachange.acknowledge",
            object_type=SchemaChange._meta.label_lower,
            object_repr=f"{len(acks)} schema change(s)",
            changes={"ids": [a.change_id for a in acks][:500], "note": note},
        )
    return len(acks)


def age_filter(bucket: str) -> Q:
    """Findings by age of first detection: 7d, 30d, 90d, older."""
    now = timezone.now()
    bounds = {"7d": (0, 7), "30d": (7, 30), "90d": (30, 90), "older": (90, None)}
    low, high = bounds[bucket]
    q = Q(first_seen__lte=now - timedelta(days=low))
    if high is not None:
        q &= Q(first_seen__gt=now - timedelta(days=high))
    return q
