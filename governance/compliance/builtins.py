"""Loading and upgrading the built-in frameworks shipped as JSON in ``frameworks/``.

Each built-in object carries ``builtin_key`` (stable identity), ``builtin_hash`` (hash of the
shipped content last applied) and ``builtin_values`` (the shipped field values last applied).
An upgrade is a three-way merge per field: a field still equal to what was last shipped takes the
new shipped value; a field edited locally keeps its local value. Unchanged content writes nothing,
so loading is idempotent. Findings survive because objects are updated in place.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from pursight import audit

from . import evaluation
from .models import BuiltinMixin, Control, Framework, Rule

FRAMEWORKS_DIR = Path(__file__).resolve().parent / "frameworks"


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    preserved: list[str] = field(default_factory=list)  # "key.field" kept as edited locally
    conflicts: list[str] = field(default_factory=list)
    frameworks: list[str] = field(default_factory=list)


def content_hash(values: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def shipped_files(directory: Path = FRAMEWORKS_DIR) -> list[Path]:
    return sorted(directory.glob("*.json"))


def _sync(
    model: type[BuiltinMixin],
    key: str,
    values: dict[str, Any],
    fixed: dict[str, Any],
    result: LoadResult,
) -> Any:
    """Create or upgrade one built-in object; ``fixed`` holds identity fields (never merged)."""
    digest = content_hash(values)
    obj = model.objects.filter(builtin_key=key).first()
    if obj is None:
        obj = model(**fixed, **values, builtin_key=key, builtin_hash=digest, builtin_values=values)
        if isinstance(obj, Rule):
            obj.clean()  # validates and normalises the scope and condition
        obj.save()
        result.created += 1
        audit.record(actor=None, action=f"{model._meta.model_name}.builtin_create", obj=obj)
        return obj
    if obj.builtin_hash == digest:
        result.unchanged += 1
        return obj
    last = obj.builtin_values or {}
    for name, new in values.items():
        current = getattr(obj, obj._meta.get_field(name).attname)
        if name not in last or current == last[name]:
            setattr(obj, name, new)
        elif current != new:
            result.preserved.append(f"{key}.{name}")
    obj.builtin_hash = digest
    obj.builtin_values = values
    if isinstance(obj, Rule):
        obj.clean()  # validates and normalises the scope and condition
    audit.audited_save(actor=None, obj=obj, action=f"{model._meta.model_name}.builtin_upgrade")
    result.updated += 1
    return obj


@transaction.atomic
def load_frameworks(files: list[Path] | None = None) -> LoadResult:
    """Load or upgrade every shipped framework (idempotent)."""
    result = LoadResult()
    for path in files or shipped_files():
        data = json.loads(path.read_text())
        code = data["code"]
        clash = Framework.objects.filter(code=code).exclude(builtin_key=code).first()
        if clash is not None:
            result.conflicts.append(
                f"{code}: a local framework already uses this code; built-in not loaded"
            )
            continue
        fw_values = {k: data.get(k, "") for k in Framework.builtin_fields}
        framework = _sync(Framework, code, fw_values, {"code": code}, result)
        result.frameworks.append(code)
        for c in data.get("controls", []):
            control_values = {k: c.get(k, "") for k in Control.builtin_fields}
            control = _sync(
                Control,
                f"{code}/{c['code']}",
                control_values,
                {"framework": framework, "code": c["code"]},
                result,
            )
            for r in c.get("rules", []):
                rule_values = {
                    "name": r["name"],
                    "description": r.get("description", ""),
                    "asset_type": r["asset_type"],
                    "scope": r.get("scope", {}),
                    "condition": r["condition"],
                    "severity": r.get("severity", "medium"),
                    "remediation": r.get("remediation", ""),
                    "enabled": r.get("enabled", True),
                }
                # Store the normalised form, so that defaults do not look like local edits.
                rule_values["scope"], rule_values["condition"] = evaluation.validate_spec(
                    rule_values["asset_type"], rule_values["scope"], rule_values["condition"]
                )
                _sync(
                    Rule,
                    f"{code}/{r['code']}",
                    rule_values,
                    {"framework": framework, "control": control, "code": r["code"]},
                    result,
                )
    return result
