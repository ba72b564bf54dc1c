"""The demo's Racine part: a workspace over the demo source with two members, pins, a
comment thread and a task, so that ``make run`` shows Racine at once (idempotent)."""

from __future__ import annotations

import datetime
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from governance.catalog.models import CatalogTable
from governance.compliance.models import Finding
from governance.rbac import roles
from governance.rbac import services as rbac
from governance.rbac.models import Role
from racine.workspaces import services as workspaces
from racine.workspaces.models import Workspace

from .choices import TaskKind
from .services import comments, tasks

WORKSPACE = "Sales data governance"
STEWARD = "steward"


def demo_workspace(*, stdout: Any, user: Any, source: Any, run: Any) -> None:
    """Run by ``manage.py demo`` after its scan (``governance.scans.extensions.demo_steps``)."""
    if Workspace.objects.filter(name=WORKSPACE).exists():
        stdout.write(f"Workspace '{WORKSPACE}' already exists")
        return
    steward, password = _steward(user, source)
    ws = workspaces.create_workspace(
        actor=user,
        name=WORKSPACE,
        description="Stewards of the demo shop's customer and payment data.",
    )
    workspaces.invite_member(actor=user, workspace=ws, user=steward, role="editor")
    workspaces.pin(actor=user, workspace=ws, target=source, note="The shop's database")
    customers = customers_table(source)
    if customers is not None:
        workspaces.pin(actor=user, workspace=ws, target=customers, note="Review its PII first")
    finding = (
        Finding.objects.filter(datasource=source, status="open").order_by("-severity", "pk").first()
    )
    if finding is not None:
        workspaces.pin(actor=user, workspace=ws, target=finding)
    thread = comments.create_comment(
        actor=user,
        target=ws,
        body=(
            f"Welcome @{steward.get_username()}: let's get the **customer** tables reviewed "
            "before the GDPR evaluation on Friday."
        ),
    )
    comments.create_comment(
        actor=steward,
        target=ws,
        parent=thread,
        body="On it. I'll start with the e-mail and phone columns.",
    )
    tasks.create_task(
        actor=user,
        workspace=ws,
        title="Review the classifications of the customers table",
        kind=TaskKind.REVIEW_CLASSIFICATIONS,
        target=customers,
        assignee=steward,
        due_date=timezone.localdate() + datetime.timedelta(days=3),
    )
    stdout.write(
        f"Created workspace '{ws.name}'; its second member signs in as "
        f"{steward.get_username()} / {password}"
    )


def customers_table(source: Any) -> CatalogTable | None:
    """The demo's customers table: the one named ``customers`` when there is one (by name
    alone, ``customer_order_totals`` sorts first and the task "Review the classifications of
    the customers table" pointed at that view), else the first table about customers."""
    tables = CatalogTable.objects.filter(datasource=source, name__icontains="customer")
    return tables.filter(name__iexact="customers").first() or tables.order_by("name").first()


def _steward(admin: Any, source: Any) -> tuple[Any, str]:
    """A second demo user: Data Curator on the demo collection."""
    User = get_user_model()
    creds = Path(settings.VAR_DIR) / "demo-steward-credentials"
    user = User.objects.filter(username=STEWARD).first()
    if user is not None and creds.exists():
        password = creds.read_text().strip()
    else:
        password = secrets.token_urlsafe(12)
        if user is None:
            user = User.objects.create_user(
                STEWARD, f"{STEWARD}@pursight.local", password, first_name="Sam"
            )
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        creds.parent.mkdir(parents=True, exist_ok=True)
        creds.write_text(password)
        creds.chmod(0o600)
    role = Role.objects.get(slug=roles.DATA_CURATOR)
    rbac.assign_role(actor=admin, role=role, collection=source.collection, user=user)
    return user, password
