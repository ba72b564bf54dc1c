"""Who may act on compliance objects: the services' checks through the permission gate.

Frameworks, controls and rules are global (registered with ``permissions.register_global``):
changing them needs manage_compliance platform-wide. Findings and per-source evaluation runs
belong to their data source's collection. ``actor=None`` is the system: it may do anything.
"""

from __future__ import annotations

from typing import Any

from governance.datasources.models import DataSource
from pursight import permissions

from ..models import EvaluationRun, Framework


def check(actor: Any, action: str, obj: Any) -> None:
    """Raise the gate's PermissionDenied unless ``actor`` (None: the system) may ``action``."""
    if actor is None or permissions.can(actor, action, obj):
        return
    if permissions.is_global(type(obj)):
        raise permissions.PermissionDenied(
            f"You may not {action} a {obj._meta.verbose_name}: frameworks, controls and rules "
            "apply to every collection and need the Compliance Officer role platform-wide."
        )
    raise permissions.PermissionDenied(f"You may not {action} this {obj._meta.verbose_name}.")


def check_evaluate(actor: Any, framework: Framework, datasource: DataSource | None) -> None:
    """Evaluating one data source needs manage_compliance on its collection; evaluating every
    source (a run that reaches all collections) needs it platform-wide."""
    if actor is None:
        return
    run = EvaluationRun(framework=framework, datasource=datasource)
    if permissions.can(actor, permissions.ADD, run):
        return
    if datasource is None:
        raise permissions.PermissionDenied(
            "Evaluating every data source needs the Compliance Officer role platform-wide; "
            "evaluate one of your data sources instead."
        )
    raise permissions.PermissionDenied(
        f"You may not evaluate compliance of the data source {datasource.name}."
    )


def check_finding(actor: Any, finding: Any, action: str = "transition") -> None:
    if actor is not None:
        permissions.check(actor, action, finding)


def actor_repr(actor: Any) -> str:
    if getattr(actor, "is_authenticated", False):
        return actor.get_username()[:150]
    return "system"


def user_of(actor: Any) -> Any:
    """The signed-in user behind ``actor``, or None for the system."""
    return actor if getattr(actor, "is_authenticated", False) else None
