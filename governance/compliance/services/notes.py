"""A finding's description: the team's free-text notes on it (context, impact, plan)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from pursight import audit, events

from ..models import Finding
from .access import check_finding

MAX_DESCRIPTION = 200_000


@transaction.atomic
def describe_finding(*, actor: Any, finding: Finding, description: str) -> Finding:
    """Save the finding's description (the people who may triage it may write it): audited,
    announced as ``description.edited``; an unchanged text writes nothing."""
    check_finding(actor, finding, "change")
    text = str(description or "")
    if len(text) > MAX_DESCRIPTION:
        raise ValidationError(
            f"A description may not be longer than {MAX_DESCRIPTION:,} characters."
        )
    if text == finding.description:
        return finding
    finding.description = text
    events.emit("description.edited", finding, actor=actor, excerpt=text[:200])
    return audit.audited_save(
        actor=actor, obj=finding, action="finding.describe", fields=["description"]
    )
