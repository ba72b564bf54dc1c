"""How an "approval" step waits for a decision: a small interface (:class:`Gateway`).

:class:`ApprovalsGateway` (the default, registered in ``ready()``) files the request with
``racine.approvals``: the approvers see it in their approvals inbox and decide there (or on
the run's page and ``POST /api/v1/workflow-runs/{id}/decide/``, which go through
:func:`racine.orchestration.services.decide_approval` to the same service); its
``request_decided`` signal wakes the step. :class:`StepGateway` keeps the decision on the
step itself (no approvals app). The step type and the engine do not change with the gateway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from pursight.registry import Registry


@dataclass(frozen=True)
class Decision:
    approved: bool
    by: int | None
    by_name: str
    note: str = ""


class Gateway(Protocol):
    def request(self, ctx: Any) -> str:
        """Ask for a decision; return what the step waits for (``"kind:id"``)."""

    def decision(self, ctx: Any) -> Decision | None:
        """The decision taken, or None while nobody has decided."""

    def decide(self, step: Any, *, actor: Any, approve: bool, note: str) -> None:
        """Record ``actor``'s decision (raises the gate's PermissionDenied for a non-approver)."""


def _name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user else "the system"


class StepGateway:
    """Decisions recorded on the step run's result (``decision``, ``by``, ``note``)."""

    def request(self, ctx: Any) -> str:
        return f"orchestration.approval:{ctx.step.pk}"

    def decision(self, ctx: Any) -> Decision | None:
        result = ctx.step.result or {}
        if result.get("decision") not in ("approved", "rejected"):
            return None
        return Decision(
            approved=result["decision"] == "approved",
            by=result.get("by"),
            by_name=result.get("by_name") or "an approver",
            note=result.get("note") or "",
        )

    def decide(self, step: Any, *, actor: Any, approve: bool, note: str) -> None:
        from pursight import permissions

        user = actor if getattr(actor, "is_authenticated", False) else None
        approvers = set(step.result.get("approvers") or [])
        if actor is not None and not (user and (user.pk in approvers or user.is_superuser)):
            raise permissions.PermissionDenied("You are not one of this step's approvers.")
        step.result = {
            **step.result,
            "decision": "approved" if approve else "rejected",
            "by": user.pk if user else None,
            "by_name": _name(user),
            "note": note[:500],
        }
        step.save(update_fields=["result"])


APPROVAL_REQUEST = "approvals.ApprovalRequest"


class ApprovalsGateway:
    """Approval requests of ``racine.approvals`` (any one approver decides)."""

    def request(self, ctx: Any) -> str:
        from racine.approvals import services as approvals

        run, step = ctx.run, ctx.step
        message = ctx.params.get("message") or f"continue after step '{step.key}'"
        request = approvals.request_approval(
            "workflow.step",
            run,
            {"run": run.pk, "step": step.key, "message": message},
            ctx.actor,
            reviewers=ctx.params.get("approvers") or [],
            summary=f"Workflow {run.workflow} (run #{run.pk}): {message}",
            collection=run.workflow.collection,
        )
        return f"{APPROVAL_REQUEST}:{request.pk}"

    def _request_id(self, step: Any) -> int | None:
        kind, _, pk = (step.waiting_for or "").partition(":")
        return int(pk) if kind == APPROVAL_REQUEST and pk.isdigit() else None

    def decision(self, ctx: Any) -> Decision | None:
        from racine.approvals import services as approvals
        from racine.approvals.models import ApprovalRequest

        pk = self._request_id(ctx.step)
        if pk is None:  # requested before this gateway: decided on the step
            return StepGateway().decision(ctx)
        state = approvals.request_state(pk)
        if state["status"] == "pending":
            return None
        last = (
            ApprovalRequest.objects.get(pk=pk)
            .decisions.select_related("reviewer")
            .order_by("-pk")
            .first()
        )
        by = last.reviewer if last is not None else None
        return Decision(
            approved=state["status"] == "approved",
            by=by.pk if by else None,
            by_name=_name(by),
            note=(last.comment if last is not None else "") or state.get("error") or "",
        )

    def decide(self, step: Any, *, actor: Any, approve: bool, note: str) -> None:
        from racine.approvals import services as approvals
        from racine.approvals.models import ApprovalRequest

        pk = self._request_id(step)
        if pk is None:
            StepGateway().decide(step, actor=actor, approve=approve, note=note)
            return
        approvals.decide(
            actor=actor,
            request=ApprovalRequest.objects.get(pk=pk),
            decision="approve" if approve else "reject",
            comment=note,
        )


def on_request_decided(sender: Any, *, request: Any, **_: Any) -> None:
    """A closed approval request wakes the step waiting for it (after its commit)."""
    from .services import wake_waiting

    wake_waiting(f"{APPROVAL_REQUEST}:{request.pk}")


gateways: Registry[Gateway] = Registry("approval gateways")
gateways.register("default", StepGateway())


def use_approvals_app() -> None:
    """Called from ``ready()``: file approval steps with ``racine.approvals``."""
    from racine.approvals import signals

    gateways.register("default", ApprovalsGateway())
    signals.request_decided.connect(on_request_decided, dispatch_uid="orchestration.approvals")


def gateway() -> Gateway:
    return gateways["default"]
