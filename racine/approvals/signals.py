"""Signals of the approval engine, for the apps above it (orchestration's "wait for approval"
step resumes on them instead of polling)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after the commit that closed a request: sender=ApprovalRequest, request=<the row>,
# status=<"approved" | "rejected" | "failed" | "cancelled">.
request_decided = Signal()
