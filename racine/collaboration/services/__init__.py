"""Collaboration services: every write happens here, in one transaction, with an audit record,
a domain event (``pursight.events.emit``) and a live event.

One module per concern; callers outside the package import the services from here:

- :mod:`.targets`: generic targets (``target_type``/``target_id``) resolved through the gate;
- :mod:`.comments`: threads, replies, mentions, edit, soft delete, resolve and reopen;
- :mod:`.tasks`: governance tasks in a workspace, assignment and status;
- :mod:`.documents`: co-edited documents (CRDT state).

Imports point one way: ``models`` ← ``services`` ← ``admin``, ``api``, ``signals``.
"""

from __future__ import annotations

from .comments import (
    DELETED_TEXT,
    MENTION_REFUSED,
    check_may_comment,
    comment_item,
    comments_on,
    create_comment,
    delete_comment,
    edit_comment,
    excerpt,
    in_thread,
    may_comment,
    may_delete,
    mentionable,
    mentionable_users,
    reopen_thread,
    resolve_thread,
    visible_comments,
)
from .targets import (
    NOT_FOUND,
    StateRefusal,
    TargetNotFound,
    WorkspaceReadOnly,
    resolve_target,
    target_model,
    target_ref,
    workspace_of,
)
from .tasks import (
    assign_task,
    check_assignee,
    check_task_target,
    check_task_workspace,
    create_task,
    delete_task,
    is_overdue,
    may_change,
    may_set_status,
    my_tasks,
    overdue_q,
    set_task_status,
    task_item,
    update_task,
    visible_tasks,
)

__all__ = [
    "DELETED_TEXT",
    "MENTION_REFUSED",
    "NOT_FOUND",
    "StateRefusal",
    "TargetNotFound",
    "WorkspaceReadOnly",
    "assign_task",
    "check_assignee",
    "check_may_comment",
    "check_task_target",
    "check_task_workspace",
    "comment_item",
    "comments_on",
    "create_comment",
    "create_task",
    "delete_comment",
    "delete_task",
    "edit_comment",
    "excerpt",
    "in_thread",
    "is_overdue",
    "may_change",
    "may_comment",
    "may_delete",
    "may_set_status",
    "mentionable",
    "mentionable_users",
    "my_tasks",
    "overdue_q",
    "reopen_thread",
    "resolve_target",
    "resolve_thread",
    "set_task_status",
    "target_model",
    "target_ref",
    "task_item",
    "update_task",
    "visible_comments",
    "visible_tasks",
    "workspace_of",
]
