"""Signals of the approval engine, for the apps above it (orchestration's "wait for approval"
step resumes on them instead of polling)."""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

# Sent after the commit that closed a request: sender=ApprovalRequest, request=<the row>,
# status=<"approved" | "rejected" | "failed" | "cancelled">.
request_decided = Signal()


def on_domain_event(
    sender: Any, *, kind: str, obj: Any, data: dict, actor: Any = None, **_: Any
) -> None:
    """A new comment on a request (after its commit): tell the others taking part."""
    from .models import ApprovalRequest

    if kind == "comment.created" and isinstance(obj, ApprovalRequest):
        from . import services

        services.notify_comment(obj, actor=actor, data=data)


def connect() -> None:
    from pursight import events

    events.domain_event.connect(on_domain_event, dispatch_uid="approvals.comment_notifications")
