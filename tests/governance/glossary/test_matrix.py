"""The permission matrix (tests/governance/rbac/test_matrix.py) over the glossary's API routes
and admin pages alone, with a link, a term link and a suggestion in each of A1 and B.

The full matrix also covers these routes; this one runs them with glossary rows in the world
(the shared world has none) and without depending on every other app's pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin

from governance.glossary import services
from governance.glossary.models import (
    Tag,
    TagAssignment,
    TagSet,
    Term,
    TermAssignment,
    TermSuggestion,
)
from pursight import permissions
from tests.governance.rbac import test_matrix as matrix
from tests.governance.rbac.conftest import assign, role, world  # noqa: F401
from tests.governance.rbac.routes import api_routes

pytestmark = pytest.mark.django_db
KEEP = {"datasource-list", "catalog-column-list", "roleassignment-list"}
PRINCIPALS = ["anonymous", "nobody", "data-reader", "data-curator", "platform-data-curator",
              "superuser"]  # fmt: skip


@pytest.fixture
def glossary_world(world: Any) -> Any:  # noqa: F811
    from governance.catalog.models import CatalogTable

    tag_set = services.save_tag_set(actor=None, tag_set=TagSet(name="Tier"))
    tag = services.save_tag(actor=None, tag=Tag(tag_set=tag_set, name="Gold"))
    term = services.save_term(actor=None, term=Term(name="Customers"))
    for source in (world.src_a, world.src_b):
        table = CatalogTable.objects.filter(datasource=source, name="customers").get()
        services.add_tags(actor=None, assets=[table], tags=[tag])
        services.link_term(actor=None, asset=table, term=term)
    services.save_term(actor=None, term=Term(name="Full name"))
    services.suggest_terms()
    assert TermSuggestion.objects.count() == 2
    for model in (TagSet, Tag, Term, TagAssignment, TermAssignment, TermSuggestion):
        if permissions.is_global(model):
            world.objects[model] = {"any": model._default_manager.order_by("pk").first()}
            continue
        world.objects[model] = {
            key: model._default_manager.get(datasource=source)
            for key, source in (("a", world.src_a), ("b", world.src_b))
        }
    return world


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_glossary_api_matrix(principal, glossary_world, make_user, assign, monkeypatch) -> None:  # noqa: F811
    routes = [r for r in api_routes() if r.name.startswith("glossary-") or r.name in KEEP]
    assert len(routes) > 10
    monkeypatch.setattr(matrix, "api_routes", lambda: routes)
    matrix.test_api_matrix(principal, glossary_world, make_user, assign)


@pytest.mark.parametrize("principal", PRINCIPALS[1:])
def test_glossary_admin_matrix(
    principal,
    glossary_world,
    make_user,
    assign,  # noqa: F811
    client,
    monkeypatch,
) -> None:
    mine = {m: a for m, a in admin.site._registry.items() if m._meta.app_label == "glossary"}
    monkeypatch.setattr(admin.site, "_registry", mine)
    matrix.test_admin_matrix(principal, glossary_world, make_user, assign, client)
