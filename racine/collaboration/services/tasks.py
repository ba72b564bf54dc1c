"""Governance tasks: a piece of work in a workspace (review a table's classifications,
remediate a finding, describe an asset), assigned to a member, with a due date and a status
(open, in progress, done, cancelled).

Creating and changing tasks needs the workspace's edit right; the assignee may also move their
own task through its statuses. A task about an object is seen only by members who may see
that object, and may be assigned only to such a member. An archived workspace is read-only.

Every write records an audit event, emits ``task.<action>`` (about the task, with its
assignee's id) and publishes the live ``task`` event on the workspace's page with the task's
own requirement, so that a member who may not see its object never receives it.
``actor=None`` is the system.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Case, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from rest_framework.fields import DateField, DateTimeField

from pursight import audit, events, permissions, realtime
from racine.workspaces.live import WORKSPACE_PAGE
from racine.workspaces.models import Membership, Workspace

from ..choices import TaskKind, TaskStatus
from ..models import Task
from .targets import (
    TargetNotFound,
    check_writable,
    content_type_of,
    person,
    target_prefetch,
    target_ref,
)

OPEN_STATUSES = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)
WORKSPACE_NOT_FOUND = "Workspace not found."
TASK_NOT_FOUND = "Task not found."
EDITABLE = ("title", "description", "kind", "due_date")

_datetime, _date = DateTimeField(), DateField()


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- Reading ------------------------------------------------------------------------------------


def overdue_q(today: date | None = None) -> Q:
    """Tasks still to do whose due date has passed."""
    return Q(status__in=OPEN_STATUSES, due_date__lt=today or timezone.localdate())


def is_overdue(task: Task, today: date | None = None) -> bool:
    return (
        task.status in OPEN_STATUSES
        and task.due_date is not None
        and task.due_date < (today or timezone.localdate())
    )


def visible_tasks(user: Any) -> QuerySet:
    """The tasks ``user`` may see (member of the workspace, and able to see the task's object),
    with what a list reads selected."""
    qs = Task.objects.select_related(
        "workspace", "assignee", "created_by", "target_type"
    ).prefetch_related(target_prefetch())
    return permissions.restrict(qs, user, permissions.VIEW)


def my_tasks(user: Any) -> QuerySet:
    """``user``'s own tasks across workspaces: overdue first, then still to do by due date,
    then the closed ones (latest first)."""
    today = timezone.localdate()
    rank = Case(
        When(overdue_q(today), then=Value(0)),
        When(status__in=OPEN_STATUSES, then=Value(1)),
        default=Value(2),
    )
    return (
        visible_tasks(user)
        .filter(assignee=user)
        .annotate(rank=rank)
        .order_by("rank", models.F("due_date").asc(nulls_last=True), "-completed_at", "id")
    )


def task_item(task: Task) -> dict[str, Any]:
    """A task as the API and the live ``task`` event show it (JSON primitives only)."""
    return {
        "id": task.pk,
        "workspace": task.workspace_id,
        "title": task.title,
        "description": task.description,
        "kind": task.kind,
        "target": target_ref(task.target, ct=task.target_type, pk=task.target_id)
        if task.target_type_id
        else None,
        "assignee": person(task.assignee),
        "due_date": _date.to_representation(task.due_date) if task.due_date else None,
        "status": task.status,
        "overdue": is_overdue(task),
        "created_by": person(task.created_by),
        "created_at": _datetime.to_representation(task.created_at),
        "completed_at": _datetime.to_representation(task.completed_at)
        if task.completed_at
        else None,
    }


# --- Who may do what ----------------------------------------------------------------------------


def check_task_workspace(actor: Any, workspace: Workspace) -> None:
    """Edit right on a visible, writable workspace."""
    if actor is not None:
        if not permissions.can(actor, permissions.VIEW, workspace):
            raise ValidationError({"workspace": WORKSPACE_NOT_FOUND})
        if not permissions.can(actor, "edit", workspace):
            raise permissions.PermissionDenied("You may not manage tasks in this workspace.")
    check_writable(workspace)


def check_task_target(actor: Any, target: models.Model | None) -> None:
    if target is None:
        return
    if not permissions.is_securable(type(target)):
        raise TargetNotFound()
    if actor is not None and not permissions.can(actor, permissions.VIEW, target):
        raise TargetNotFound()


def check_assignee(workspace: Workspace, assignee: Any, target: models.Model | None) -> None:
    """The assignee must be an active member of the workspace who may see the task's object."""
    if assignee is None:
        return
    name = assignee.get_username()
    if (
        not assignee.is_active
        or not Membership.objects.filter(workspace=workspace, user=assignee).exists()
    ):
        raise ValidationError({"assignee": f"{name} is not a member of this workspace."})
    users = get_user_model()._default_manager.filter(pk=assignee.pk)
    if not permissions.users_who_can(permissions.VIEW, workspace, users).exists() or (
        target is not None
        and not permissions.users_who_can(permissions.VIEW, target, users).exists()
    ):
        raise ValidationError({"assignee": f"{name} may not see what this task is about."})


def may_change(actor: Any, task: Task) -> bool:
    """Editors of the workspace change a task; ``may_set_status`` adds its assignee."""
    return actor is None or permissions.can(actor, "change", task)


def may_set_status(actor: Any, task: Task) -> bool:
    if actor is None or may_change(actor, task):
        return True
    return task.assignee_id is not None and task.assignee_id == getattr(actor, "pk", None)


def _load(actor: Any, task: Task) -> Task:
    """The task, locked, if ``actor`` may see it (else 404)."""
    locked = Task.objects.select_for_update().select_related("workspace").filter(pk=task.pk)
    found = locked.first()
    if found is None or (actor is not None and not permissions.can(actor, "view", found)):
        raise Http404(TASK_NOT_FOUND)
    return found


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if "title" in fields:
        fields["title"] = str(fields["title"] or "").strip()
        if not fields["title"]:
            errors["title"] = "Give the task a title."
        elif len(fields["title"]) > 200:
            errors["title"] = "A title holds at most 200 characters."
    if "description" in fields:
        fields["description"] = str(fields["description"] or "").strip()
    if "kind" in fields and fields["kind"] not in TaskKind.values:
        errors["kind"] = f"Unknown kind '{fields['kind']}'."
    if errors:
        raise ValidationError(errors)
    return fields


# --- Announcing ---------------------------------------------------------------------------------


def _announce(action: str, task: Task, actor: Any, **data: Any) -> None:
    events.emit(
        f"task.{action}",
        task,
        actor=_user(actor),
        title=task.title,
        status=task.status,
        assignee=task.assignee_id,
        **data,
    )
    realtime.publish(
        WORKSPACE_PAGE,
        task.workspace_id,
        "task",
        {"action": action, "task": task_item(task)},
        requires=permissions.requirement(task),
    )


def _save(actor: Any, task: Task, action: str, fields: list[str] | None = None) -> Task:
    task.updated_by = _user(actor)
    if fields is not None:
        fields = [*fields, "updated_by", "updated_at"]
    return audit.audited_save(actor=actor, obj=task, action=f"task.{action}", fields=fields)


# --- Writing ------------------------------------------------------------------------------------


@transaction.atomic
def create_task(
    *,
    actor: Any,
    workspace: Workspace,
    title: str,
    description: str = "",
    kind: str = TaskKind.OTHER,
    target: models.Model | None = None,
    assignee: Any = None,
    due_date: date | None = None,
) -> Task:
    check_task_workspace(actor, workspace)
    check_task_target(actor, target)
    fields = _clean({"title": title, "description": description, "kind": kind})
    check_assignee(workspace, assignee, target)
    task = Task(
        workspace=workspace,
        assignee=assignee,
        due_date=due_date,
        created_by=_user(actor),
        **fields,
    )
    if target is not None:
        task.target_type, task.target_id = content_type_of(target), target.pk
    _save(actor, task, "create")
    _announce("created", task, actor)
    return task


@transaction.atomic
def update_task(*, actor: Any, task: Task, **changes: Any) -> Task:
    """Change the title, description, kind or due date of a task."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"Cannot change {', '.join(sorted(unknown))} here.")
    task = _load(actor, task)
    check_task_workspace(actor, task.workspace)
    changes = _clean(dict(changes))
    changed = [k for k, v in changes.items() if getattr(task, k) != v]
    if not changed:
        return task
    for key in changed:
        setattr(task, key, changes[key])
    _save(actor, task, "update", changed)
    _announce("updated", task, actor, fields=changed)
    return task


@transaction.atomic
def assign_task(*, actor: Any, task: Task, assignee: Any) -> Task:
    """Give the task to ``assignee`` (a member who may see its object), or to nobody."""
    task = _load(actor, task)
    check_task_workspace(actor, task.workspace)
    check_assignee(task.workspace, assignee, task.target if task.target_type_id else None)
    if task.assignee_id == getattr(assignee, "pk", None):
        return task
    previous = task.assignee_id
    task.assignee = assignee
    _save(actor, task, "assign", ["assignee"])
    _announce("assigned", task, actor, previous_assignee=previous)
    return task


@transaction.atomic
def set_task_status(*, actor: Any, task: Task, status: str) -> Task:
    """Move the task to ``status``; ``completed_at`` is set when it is done."""
    task = _load(actor, task)
    if status not in TaskStatus.values:
        raise ValidationError({"status": f"Unknown status '{status}'."})
    if not may_set_status(actor, task):
        raise permissions.PermissionDenied("You may not change the status of this task.")
    check_writable(task.workspace)
    if task.status == status:
        return task
    previous = task.status
    task.status = status
    task.completed_at = timezone.now() if status == TaskStatus.DONE else None
    _save(actor, task, "status", ["status", "completed_at"])
    _announce("status_changed", task, actor, previous_status=previous)
    return task


@transaction.atomic
def delete_task(*, actor: Any, task: Task) -> None:
    task = _load(actor, task)
    check_task_workspace(actor, task.workspace)
    payload = {"action": "deleted", "task": task_item(task)}
    requires = permissions.requirement(task)
    audit.record(actor=actor, action="task.delete", obj=task)
    workspace_id = task.workspace_id
    task.delete()
    realtime.publish(WORKSPACE_PAGE, workspace_id, "task", payload, requires=requires)
