"""A workflow's definition as data: validation of the DAG, and the YAML/JSON form that
``manage.py import_workflow``, the API and the export share (they round-trip).

```yaml
name: nightly-governance
title: Nightly governance
collection: 3            # a collection id; omit (or null) for a platform workflow
steps:
  - key: scan
    type: scan
    params: {scan: 12}
    retries: 2
  - key: evaluate
    type: evaluate
    after: [scan]
    params: {framework: 1}
  - key: severe
    type: condition
    after: [evaluate]
    params: {step: evaluate, field: new_high, op: ">", value: 0}
  - key: tell
    type: notify
    after: [severe]
    params: {message: New high-severity findings, include_owner: true}
```
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug

from . import steps as registry

STEP_FIELDS = ("key", "type", "params", "after", "retries", "retry_backoff", "timeout")
TOP_FIELDS = ("name", "title", "description", "collection", "enabled", "owner", "steps")
MAX_STEPS = 200
MAX_TIMEOUT = 7 * 24 * 3600


@dataclass
class StepSpec:
    key: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    after: list[str] = field(default_factory=list)
    retries: int = 0
    retry_backoff: int = 10
    timeout: int = 3600

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _int(value: Any, name: str, low: int, high: int, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{name} must be a whole number.")
    if not low <= value <= high:
        raise ValidationError(f"{name} must be between {low} and {high}.")
    return value


def validate_steps(raw: Any, *, user: Any = None) -> list[StepSpec]:
    """Validate a list of step mappings: fields, types, parameters (narrowed by the gate to
    what ``user`` may see), dependencies (known, no cycle), conditions (on an earlier step).
    Returns the steps in a topological order; raises ``ValidationError`` with a message per
    problem, each naming its step."""
    if not isinstance(raw, list) or not raw:
        raise ValidationError("A workflow needs a list of at least one step.")
    if len(raw) > MAX_STEPS:
        raise ValidationError(f"A workflow has at most {MAX_STEPS} steps.")
    errors: list[str] = []
    specs: list[StepSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(raw, 1):
        where = f"Step {i}"
        if not isinstance(item, dict):
            errors.append(f"{where}: must be a mapping with key, type and params.")
            continue
        key = item.get("key")
        where = f"Step '{key}'" if isinstance(key, str) and key else where
        unknown = sorted(set(item) - set(STEP_FIELDS) - {"depends_on"})
        if unknown:
            errors.append(f"{where}: unknown field(s) {', '.join(unknown)}.")
        try:
            if not isinstance(key, str) or not key:
                raise ValidationError("needs a key.")
            validate_slug(key)
            if len(key) > 50:
                raise ValidationError("its key is longer than 50 characters.")
        except ValidationError as exc:
            errors.append(f"{where}: {' '.join(exc.messages)}")
            continue
        if key in seen:
            errors.append(f"{where}: the key is used by another step.")
            continue
        seen.add(key)
        after = item.get("after", item.get("depends_on")) or []
        if isinstance(after, str):
            after = [a.strip() for a in after.split(",") if a.strip()]
        if not isinstance(after, list) or not all(isinstance(a, str) for a in after):
            errors.append(f"{where}: 'after' must be a list of step keys.")
            after = []
        try:
            params = registry.validate_params(item.get("type", ""), item.get("params"), user=user)
            spec = StepSpec(
                key=key,
                type=item["type"],
                params=params,
                after=list(dict.fromkeys(after)),
                retries=_int(item.get("retries"), "retries", 0, 10, 0),
                retry_backoff=_int(item.get("retry_backoff"), "retry_backoff", 0, 3600, 10),
                timeout=_int(item.get("timeout"), "timeout", 1, MAX_TIMEOUT, 3600),
            )
        except ValidationError as exc:
            errors.append(f"{where}: {' '.join(exc.messages)}")
            continue
        specs.append(spec)
    keys = {s.key for s in specs}
    for spec in specs:
        for dep in spec.after:
            if dep == spec.key:
                errors.append(f"Step '{spec.key}': cannot come after itself.")
            elif dep not in keys and dep not in seen:
                errors.append(f"Step '{spec.key}': comes after '{dep}', which is no step.")
            elif dep not in keys:
                pass  # that step has its own error
    if errors:
        raise ValidationError(errors)
    ordered = topological(specs)
    ancestors = _ancestors(ordered)
    for spec in ordered:
        if spec.type == "condition" and spec.params.get("step") not in ancestors[spec.key]:
            errors.append(
                f"Step '{spec.key}': its condition reads '{spec.params.get('step')}', which "
                "must be a step it comes after."
            )
    if errors:
        raise ValidationError(errors)
    return ordered


def topological(specs: list[StepSpec]) -> list[StepSpec]:
    """Kahn's order (stable: the given order among ready steps); a cycle is an error naming it."""
    by_key = {s.key: s for s in specs}
    indegree = {s.key: len([d for d in s.after if d in by_key]) for s in specs}
    children: dict[str, list[str]] = {s.key: [] for s in specs}
    for s in specs:
        for d in s.after:
            if d in by_key:
                children[d].append(s.key)
    order = [s.key for s in specs]
    ready = [k for k in order if indegree[k] == 0]
    out: list[StepSpec] = []
    while ready:
        k = ready.pop(0)
        out.append(by_key[k])
        for c in children[k]:
            indegree[c] -= 1
            if indegree[c] == 0:
                ready.append(c)
        ready.sort(key=order.index)
    if len(out) != len(specs):
        stuck = [k for k in order if indegree[k] > 0]
        raise ValidationError(
            f"The steps form a cycle: {' → '.join(_cycle(by_key, stuck))}. A workflow must "
            "be a DAG (no step may come, even indirectly, after itself)."
        )
    return out


def _cycle(by_key: dict[str, StepSpec], stuck: list[str]) -> list[str]:
    """One cycle among the ``stuck`` steps, as a path that returns to its start."""
    stuck_set = set(stuck)
    path: list[str] = []
    node = stuck[0]
    while node not in path:
        path.append(node)
        node = next(d for d in by_key[node].after if d in stuck_set)
    start = path.index(node)
    cycle = [*path[start:], node]
    cycle.reverse()
    return cycle


def _ancestors(ordered: list[StepSpec]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for s in ordered:
        found[s.key] = set(s.after).union(*(found[d] for d in s.after))
    return found


# --- text form ------------------------------------------------------------------------------


def parse(text: str | bytes) -> dict[str, Any]:
    """A definition from YAML or JSON text (JSON is YAML); a clear error otherwise."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ValidationError(f"Not valid YAML or JSON{where}.") from None
    if not isinstance(data, dict):
        raise ValidationError("A workflow definition is a mapping with a name and steps.")
    return data


def check_top(data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - set(TOP_FIELDS))
    if unknown:
        raise ValidationError(
            f"Unknown field(s) {', '.join(unknown)}; a definition has {', '.join(TOP_FIELDS)}."
        )


def export(workflow: Any, specs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The definition of ``workflow`` as plain data (what :func:`parse` reads back)."""
    if specs is None:
        specs = workflow.step_specs
    return {
        "name": workflow.name,
        "title": workflow.title,
        "description": workflow.description,
        "collection": workflow.collection_id,
        "enabled": workflow.enabled,
        "steps": specs,
    }


def dump(data: dict[str, Any], fmt: str = "yaml") -> str:
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
