"""Frameworks, controls and rules: validating, saving and deleting them, and the rule test bench
(what a rule would flag before it is saved)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from pursight import audit, changes, permissions

from .. import evaluation
from ..models import Control, Framework, Rule
from .access import check, user_of


def validate_rule(rule: Rule) -> None:
    """Validate and normalise ``rule.scope``/``rule.condition`` in place (ValidationError)."""
    rule.clean()


def _prepare(actor: Any, obj: Framework | Control | Rule) -> None:
    check(actor, permissions.CHANGE if obj.pk else permissions.ADD, obj)
    user = user_of(actor)
    if obj.pk is None and user:
        obj.created_by = actor
    if user:
        obj.updated_by = actor
    obj.full_clean(exclude=["created_by", "updated_by", "builtin_key"], validate_unique=True)


def _save(actor: Any, obj: Framework | Control | Rule) -> Any:
    _prepare(actor, obj)
    return audit.audited_save(actor=actor, obj=obj)


@transaction.atomic
def save_framework(*, actor: Any, framework: Framework) -> Framework:
    return _save(actor, framework)


@transaction.atomic
def save_control(*, actor: Any, control: Control) -> Control:
    return _save(actor, control)


RULE_KIND = "compliance.rule"


@transaction.atomic
def save_rule(*, actor: Any, rule: Rule) -> Rule:
    """Validate (``Rule.clean`` runs :func:`validate_rule`) and save; nothing saved on error.

    A change to an existing rule may need approval (:mod:`pursight.changes`): validated, then
    held; the rule stays as stored until approved."""
    if rule.control_id and not rule.framework_id:
        rule.framework_id = rule.control.framework_id
    if rule.pk is None or changes.is_applying():
        return _save(actor, rule)
    _prepare(actor, rule)
    outcome = changes.propose(
        RULE_KIND,
        rule,
        {"fields": changes.field_values(rule, exclude=("created_by", "updated_by"))},
        actor=actor,
        apply=lambda: audit.audited_save(actor=actor, obj=rule),
    )
    return changes.result(rule, outcome)


def _approved_rule(change: changes.Change) -> Rule:
    """An approved rule change: the stored rule takes the proposed values, saved by the same
    service (its requester, checked again)."""
    rule = changes.set_field_values(change.obj, change.payload.get("fields") or {})
    return save_rule(actor=change.actor, rule=rule)


changes.register_kind(
    RULE_KIND,
    label="Compliance rule change",
    apply=_approved_rule,
    describe=lambda c: f"Change compliance rule {c.obj}",
)


@transaction.atomic
def delete_object(*, actor: Any, obj: Framework | Control | Rule) -> None:
    check(actor, permissions.DELETE, obj)
    audit.record(actor=actor, action=f"{obj._meta.model_name}.delete", obj=obj)
    obj.delete()


# --- the rule test bench ---------------------------------------------------------------------


@dataclass
class Preview:
    checked: int
    failing: int
    samples: list[evaluation.Violation]
    skipped: str = ""
    description: str = ""


def may_use_test_bench(actor: Any) -> bool:
    """The test bench previews a rule before it is added: it needs the right to add one."""
    return actor is None or permissions.can_any(actor, Rule, permissions.ADD)


def check_test_bench(actor: Any) -> None:
    if not may_use_test_bench(actor):
        raise permissions.PermissionDenied(
            "The rule test bench needs the Compliance Officer role platform-wide."
        )


def preview_rule(*, actor: Any, rule: Rule, limit: int = 50) -> Preview:
    """What ``rule`` (saved or not) would flag now, among the assets ``actor`` may see.

    The test bench needs the right to add a rule (manage_compliance platform-wide), in the API
    and the admin alike; its results only include assets the actor may view.
    """
    check_test_bench(actor)
    validate_rule(rule)
    compiled = evaluation.compile_rule(rule.asset_type, rule.scope, rule.condition, timezone.now())
    if compiled.skipped:
        return Preview(0, 0, [], skipped=compiled.skipped)
    assets = evaluation.assets_in_scope(compiled)
    if actor is not None:
        assets = permissions.restrict(assets, actor, permissions.VIEW)
    failing = evaluation.failing_assets(assets, compiled)
    counts = assets.aggregate(checked=Count("pk"), failing=Count("pk", filter=~compiled.pass_q))
    samples = list(evaluation.violations(failing.order_by("pk")[:limit], compiled))
    return Preview(counts["checked"], counts["failing"], samples, description=compiled.description)
