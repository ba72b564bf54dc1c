"""Scan rule set services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from governance.classifications.models import Classification
from pursight import audit, changes, permissions

from .matching import Selection
from .models import ScanRuleSet

SYSTEM_EXCLUDES = {
    "postgresql": ["pg_*", "information_schema"],
    "mysql": ["mysql", "sys", "performance_schema", "information_schema"],
    "sqlite": [],
}


def selection_for(rule_set: ScanRuleSet | None) -> Selection:
    if rule_set is None:
        return Selection()
    return Selection(
        include_schemas=tuple(rule_set.include_schemas or ()),
        exclude_schemas=tuple(rule_set.exclude_schemas or ()),
        include_tables=tuple(rule_set.include_tables or ()),
        exclude_tables=tuple(rule_set.exclude_tables or ()),
        exclude_columns=tuple(rule_set.exclude_columns or ()),
        include_views=rule_set.include_views,
    )


def classification_codes(rule_set_id: int | None) -> list[str]:
    """Codes of the classifications selected on a rule set (empty: the system default)."""
    if rule_set_id is None:
        return []
    return list(
        ScanRuleSet.classifications.through.objects.filter(
            scanruleset_id=rule_set_id, classification__is_active=True
        ).values_list("classification__code", flat=True)
    )


@transaction.atomic
def default_rule_set(kind: str) -> ScanRuleSet:
    """The system rule set for a source kind, created on first use."""
    rule_set, created = ScanRuleSet.objects.get_or_create(
        name=f"System default ({kind})",
        defaults={
            "source_kind": kind,
            "is_system": True,
            "description": f"Scans every schema, table and view of a {kind} source.",
            "exclude_schemas": SYSTEM_EXCLUDES.get(kind, []),
        },
    )
    if created:
        audit.record(actor=None, action="scanruleset.create", obj=rule_set)
    return rule_set


def save_rule_set(*, actor: Any, rule_set: ScanRuleSet, classifications: Any = None) -> ScanRuleSet:
    """Validate and save; ``classifications`` (when given) replaces the selected ones.

    Rule sets are global: only platform-wide Data Source Admins (and superusers) write them."""
    creating = rule_set.pk is None
    permissions.check(actor, permissions.ADD if creating else permissions.CHANGE, rule_set)
    if creating:
        return _apply_rule_set(actor, rule_set, classifications)
    # A change to a rule set may need approval (pursight.changes): validated, then held.
    rule_set.full_clean()
    payload: dict[str, Any] = {"fields": changes.field_values(rule_set)}
    if classifications is not None:
        payload["classifications"] = sorted(c.pk for c in classifications)
    outcome = changes.propose(
        RULE_SET_KIND,
        rule_set,
        payload,
        actor=actor,
        apply=lambda: _apply_rule_set(actor, rule_set, classifications, cleaned=True),
    )
    return changes.result(rule_set, outcome)


RULE_SET_KIND = "scanruleset.change"


def _approved_rule_set(change: changes.Change) -> ScanRuleSet:
    """An approved change: the stored rule set takes the proposed values, saved by the same
    service (its requester, checked again)."""
    rule_set = changes.set_field_values(change.obj, change.payload.get("fields") or {})
    ids = change.payload.get("classifications")
    chosen = list(Classification.objects.filter(pk__in=ids)) if ids is not None else None
    return save_rule_set(actor=change.actor, rule_set=rule_set, classifications=chosen)


def _describe_rule_set(change: changes.Change) -> str:
    stored = ScanRuleSet.objects.filter(pk=change.obj.pk).first()
    before = changes.field_values(stored) if stored is not None else {}
    after = change.payload.get("fields") or {}
    changed = sorted(k for k, v in after.items() if before.get(k) != v)
    if "classifications" in change.payload:
        changed.append("classifications")
    return f"Change scan rule set {change.obj}: {', '.join(changed) or 'no field'}"


changes.register_kind(
    RULE_SET_KIND,
    label="Scan rule set change",
    apply=_approved_rule_set,
    describe=_describe_rule_set,
)


def _apply_rule_set(
    actor: Any, rule_set: ScanRuleSet, classifications: Any, *, cleaned: bool = False
) -> ScanRuleSet:
    creating = rule_set.pk is None
    before = {} if creating else audit.snapshot(ScanRuleSet.objects.get(pk=rule_set.pk))
    with transaction.atomic():
        if not cleaned:
            rule_set.full_clean()
        rule_set.save()
        if classifications is not None:
            codes_before = sorted(rule_set.classifications.values_list("code", flat=True))
            rule_set.classifications.set(classifications)
            codes_after = sorted(c.code for c in classifications)
            if codes_before != codes_after:
                before["classifications"] = codes_before
                # The scan token includes updated_at: a new selection resamples every table.
                rule_set.save(update_fields=["updated_at"])
        audit.record(
            actor=actor,
            action="scanruleset.create" if creating else "scanruleset.update",
            obj=rule_set,
            changes=audit.diff(
                before,
                {
                    **audit.snapshot(rule_set),
                    **(
                        {"classifications": sorted(c.code for c in classifications)}
                        if "classifications" in before
                        else {}
                    ),
                },
            ),
        )
    return rule_set


@transaction.atomic
def delete_rule_set(*, actor: Any, rule_set: ScanRuleSet) -> None:
    """Delete a custom rule set that no scan uses (system ones are the kinds' defaults)."""
    permissions.check(actor, permissions.DELETE, rule_set)
    if rule_set.is_system:
        raise ValidationError("System rule sets cannot be deleted.")
    audit.record(actor=actor, action="scanruleset.delete", obj=rule_set)
    try:
        with transaction.atomic():
            rule_set.delete()
    except ProtectedError:
        # Never names the scans: some may live in collections the actor cannot see.
        raise ValidationError(
            "This rule set is used by scans; give them another rule set first."
        ) from None
