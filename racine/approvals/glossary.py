"""Glossary term transitions held for approval: the engine plugs into the glossary's own guard
registry (``governance.glossary.extensions.term_transition_guards``) and applies an approved
transition with ``transition_term(..., guarded=False)``."""

from __future__ import annotations

from typing import Any

from pursight import changes

KIND = "glossary.term_transition"


def _apply(change: changes.Change) -> Any:
    from governance.glossary import services

    result = services.transition_term(
        change.obj,
        change.payload.get("to", ""),
        change.actor,
        comment=change.payload.get("comment", ""),
        guarded=False,
    )
    return result.term


def _describe(change: changes.Change) -> str:
    return f"Move glossary term {change.obj} to {change.payload.get('to')}"


def guard(term: Any, to: str, actor: Any) -> Any:
    """The glossary's guard: a policy for term transitions holds the change."""
    from governance.glossary.extensions import Pending

    from .services import hold_for_approval

    held = hold_for_approval(changes.Change(KIND, term, {"to": to}, actor))
    if held is None:
        return None
    return Pending(message=held.message, reference=held.request)


def register(guards: Any) -> None:
    changes.register_kind(KIND, label="Glossary term transition", apply=_apply, describe=_describe)
    guards.register("approvals", guard)
