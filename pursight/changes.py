"""Proposed changes: a governance service asks before it changes something that may need approval.

Governance cannot import Racine, so the approval engine plugs in here. A service that owns a kind
of change registers it once (its ``AppConfig.ready()``) with the function that applies it::

    changes.register_kind("classification.decision", label="Classification decision",
                          apply=_apply_decision)

and routes each change through :func:`propose`::

    outcome = changes.propose("classification.decision", row, {"status": "accepted"},
                              actor=actor, apply=lambda: _decide_now(...))
    return changes.result(row, outcome)

Without a policy the ``apply`` callable runs at once and its result is returned: behaviour is
exactly what it was. A higher layer (``racine.approvals``) registers a *policy* in
:data:`policies`: a callable ``(Change) -> Pending | None``. When one answers a
:class:`Pending`, the proposal is stored by it (a pending request) and nothing is applied; the
service returns the unchanged object marked with it (:func:`pending_of`), and the admin tells
the user "Sent for approval" (the console's ``call_service`` reads the mark).

When the request is approved the engine calls :func:`apply`, which runs the registered applier
for the kind inside :func:`applying` (policies are not asked again), so the normal service runs
with its audit record and domain event.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from .registry import Registry


@dataclass
class Change:
    """One proposed change: ``kind`` (registered), the object it changes, the JSON-able
    ``payload`` the applier needs, who proposed it and (when applied after approval) who
    approved it last."""

    kind: str
    obj: Any
    payload: dict[str, Any]
    actor: Any = None
    approver: Any = None


@dataclass(frozen=True)
class Kind:
    """A kind of change that can be held for approval. ``apply(change)`` runs the owning app's
    normal service (audit, activity); ``describe(change)`` says what would change, in a line."""

    key: str
    label: str
    apply: Callable[[Change], Any]
    describe: Callable[[Change], str] | None = None


@dataclass
class Pending:
    """A change held for approval: ``request`` is what the policy stored; ``message`` what to
    tell the user ("Sent for approval: …")."""

    request: Any
    message: str
    extra: dict[str, Any] = field(default_factory=dict)


Policy = Callable[[Change], "Pending | None"]

kinds: Registry[Kind] = Registry("changes that may need approval")
policies: Registry[Policy] = Registry("approval policies")

_applying: ContextVar[bool] = ContextVar("pursight_changes_applying", default=False)
PENDING_ATTR = "pending_approval"


def register_kind(
    key: str,
    *,
    label: str,
    apply: Callable[[Change], Any],
    describe: Callable[[Change], str] | None = None,
) -> Kind:
    """Declare a kind of change (idempotent by ``key``)."""
    return kinds.register(key, Kind(key, label, apply, describe))


def kind_choices() -> list[tuple[str, str]]:
    """(key, label) of every registered kind, for forms and filters."""
    return sorted(((k.key, k.label) for k in kinds), key=lambda item: item[1])


def label_of(key: str) -> str:
    return kinds[key].label if key in kinds else key


def describe(change: Change) -> str:
    if change.kind in kinds and kinds[change.kind].describe is not None:
        return kinds[change.kind].describe(change)  # type: ignore[misc]
    return f"{label_of(change.kind)} on {change.obj}"


@contextmanager
def applying() -> Iterator[None]:
    """Run an approved change: :func:`propose` applies at once inside this block."""
    token = _applying.set(True)
    try:
        yield
    finally:
        _applying.reset(token)


def is_applying() -> bool:
    return _applying.get()


def propose(
    kind: str,
    obj: Any,
    payload: dict[str, Any],
    *,
    actor: Any,
    apply: Callable[[], Any],
) -> Any:
    """Apply the change now (``apply()``'s result) unless a registered policy holds it for
    approval (then the :class:`Pending` it returns). The caller has already checked that
    ``actor`` may make the change and validated its input: a held change is a valid one."""
    if kind not in kinds:
        raise LookupError(f"{kind} is not a registered kind of change")
    if not _applying.get() and len(policies):
        change = Change(kind, obj, jsonable(payload), actor)
        for policy in policies:
            pending = policy(change)
            if pending is not None:
                _tell(pending)
                return pending
    return apply()


def apply(kind: str, obj: Any, payload: dict[str, Any], *, actor: Any, approver: Any) -> Any:
    """Apply an approved change through its kind's applier (the owning app's service)."""
    with applying():
        return kinds[kind].apply(Change(kind, obj, payload, actor, approver))


def result(obj: Any, outcome: Any) -> Any:
    """What a service returns: ``outcome`` when applied; when held, ``obj`` unchanged and
    marked with the pending request (:func:`pending_of`)."""
    if isinstance(outcome, Pending):
        if isinstance(obj, models.Model):
            setattr(obj, PENDING_ATTR, outcome)
        return obj
    return outcome


def pending_of(value: Any) -> Pending | None:
    """The :class:`Pending` a service's result carries, if its change was held."""
    if isinstance(value, Pending):
        return value
    found = getattr(value, "__dict__", {}).get(PENDING_ATTR)
    return found if isinstance(found, Pending) else None


HELD_HEADER = "X-PurSight-Approval"


def _tell(pending: Pending) -> None:
    """Tell whoever made the request: the console's user by a message; an API client by the
    answer, which :func:`mark_response` turns into 202 Accepted naming the approval request
    (its body stays the object, unchanged)."""
    from django.contrib import messages
    from django.urls import reverse

    from .audit import current_request

    request = current_request()
    if request is None:
        return
    held = request.__dict__.setdefault("_pursight_held", [])
    held.append(pending)
    if hasattr(request, "_messages") and request.path.startswith(reverse("admin:index")):
        messages.info(request, pending.message)


def mark_response(request: Any, response: Any) -> Any:
    """An API answer to a request whose change was held for approval: 202 Accepted, with the
    approval requests' ids in ``X-PurSight-Approval`` (called by the audit middleware)."""
    held = getattr(request, "_pursight_held", None)
    if not held or not request.path.startswith("/api/") or not 200 <= response.status_code < 300:
        return response
    ids = [str(getattr(p.request, "pk", "")) for p in held if getattr(p.request, "pk", None)]
    response.status_code = 202
    response[HELD_HEADER] = ",".join(ids)
    return response


# --- payload helpers ---------------------------------------------------------------------------


def jsonable(data: Any) -> Any:
    """``data`` as plain JSON values (dates as ISO strings, models as their primary key)."""

    class _Encoder(DjangoJSONEncoder):
        def default(self, o: Any) -> Any:
            if isinstance(o, models.Model):
                return o.pk
            try:
                return super().default(o)
            except TypeError:
                return str(o)

    return json.loads(json.dumps(data, cls=_Encoder))


def field_values(obj: models.Model, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The editable concrete field values of ``obj`` (foreign keys by id), JSON-able: the
    payload of a change to a definition edited in a form."""
    values: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if f.primary_key or not f.editable or f.name in exclude or f.attname in exclude:
            continue
        values[f.attname] = f.value_from_object(obj)
    return jsonable(values)


def set_field_values(obj: models.Model, values: dict[str, Any]) -> models.Model:
    """Set ``values`` (from :func:`field_values`) back on ``obj``, parsed by each field."""
    by_attname = {f.attname: f for f in obj._meta.concrete_fields}
    for attname, value in values.items():
        f = by_attname.get(attname)
        if f is None or f.primary_key:
            continue
        parsed = value if isinstance(f, models.JSONField) else f.to_python(value)
        setattr(obj, attname, parsed)
    return obj
