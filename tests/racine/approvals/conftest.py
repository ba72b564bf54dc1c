"""A small world for approvals: collections ``Finance`` ⊃ ``Ledger`` and ``HR``, a classified
column in Ledger and one in HR, and people:

- ``curator`` and ``curator2``: Data Curators on Finance (they propose and review);
- ``steward``: Data Curator on Finance too (a third reviewer);
- ``admin``: Collection Admin on Finance;
- ``hr_admin``: Collection Admin on HR only;
- ``outsider``: Data Reader on HR only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone


@dataclass
class World:
    finance: Any
    ledger: Any
    hr: Any
    row: Any  # a suggested classification in Ledger
    hr_row: Any
    curator: Any
    curator2: Any
    steward: Any
    admin: Any
    hr_admin: Any
    outsider: Any

    def fresh(self, user: Any) -> Any:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.get(pk=user.pk)


def classified_column(source: Any, name: str) -> Any:
    from governance.catalog.models import (
        CatalogColumn,
        CatalogSchema,
        CatalogTable,
        ColumnClassification,
    )
    from governance.classifications.models import Classification

    now = timezone.now()
    common = {"datasource": source, "first_seen": now, "last_seen": now}
    schema = CatalogSchema.objects.create(name="main", qualified_name=f"{source.pk}/main", **common)
    table = CatalogTable.objects.create(
        schema=schema, name=name, qualified_name=f"{source.pk}/main/{name}", **common
    )
    column = CatalogColumn.objects.create(
        table=table,
        name="email",
        data_type="TEXT",
        qualified_name=f"{source.pk}/main/{name}/email",
        **common,
    )
    return ColumnClassification.objects.create(
        column=column,
        datasource=source,
        classification=Classification.objects.get(code="EMAIL_ADDRESS"),
        confidence=0.9,
        source="engine",
        status="suggested",
    )


@pytest.fixture
def assign() -> Any:
    from governance.rbac import services
    from governance.rbac.models import Role

    def do(user: Any, slug: str, collection: Any) -> Any:
        return services.assign_role(
            actor=None, role=Role.objects.get(slug=slug), collection=collection, user=user
        )

    return do


@pytest.fixture
def world(make_collection, make_source, make_user, assign) -> World:
    finance = make_collection("Finance")
    ledger = make_collection("Ledger", parent=finance)
    hr = make_collection("HR")
    row = classified_column(make_source(collection=ledger, name="ledger-db"), "entries")
    hr_row = classified_column(make_source(collection=hr, name="hr-db"), "people")
    people = {
        name: make_user(name)
        for name in ("curator", "curator2", "steward", "admin", "hr_admin", "outsider")
    }
    for name in ("curator", "curator2", "steward"):
        assign(people[name], "data-curator", finance)
    assign(people["admin"], "collection-admin", finance)
    assign(people["hr_admin"], "collection-admin", hr)
    assign(people["outsider"], "data-reader", hr)
    return World(finance, ledger, hr, row, hr_row, **people)


@pytest.fixture
def policy(world) -> Any:
    """Make a policy: classification decisions on Finance need approval from Data Curators."""
    from governance.rbac.models import Role
    from racine.approvals.models import ApprovalPolicy

    def make(
        quorum: str = "any",
        required: int = 1,
        kind: str = "classification.decision",
        collection: Any = "finance",
        users: tuple = (),
        role: str | None = "data-curator",
        due_days: int = 3,
    ) -> ApprovalPolicy:
        p = ApprovalPolicy.objects.create(
            name=f"{kind} on {collection}",
            kind=kind,
            collection=getattr(world, collection) if isinstance(collection, str) else collection,
            reviewer_role=Role.objects.get(slug=role) if role else None,
            quorum=quorum,
            required=required,
            due_days=due_days,
        )
        if users:
            p.reviewer_users.set(users)
        return p

    return make
