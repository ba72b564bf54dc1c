"""Every workspace route (discovered from the URLconf) against roles: a collection role, even
held platform-wide, never opens a workspace (404 everywhere, like a missing id); a superuser
reaches every route; a viewer reads and may only leave."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from rest_framework.test import APIClient

from racine.workspaces import services
from tests.governance.rbac.routes import api_routes

from .helpers import reload

pytestmark = pytest.mark.django_db

WRITES = ("post", "put", "patch", "delete")


def _routes() -> list[Any]:
    return [
        r for r in api_routes() if r.name.startswith(("workspace-", "savedsearch-")) and r.detail
    ]


def _calls(
    team: Any, search: Any, pin: Any, last: str = "destroy"
) -> list[tuple[str, str, str, str]]:
    """(route name, method, action, url) of every detail route of the workspace and search."""
    calls = []
    for route in _routes():
        kwargs: dict[str, Any] = {
            "pk": team.ws.pk if route.name.startswith("workspace") else search.pk
        }
        names = set(re.findall(r"\(\?P<(\w+)>", route.route)) | set(
            re.findall(r"<(?:\w+:)?(\w+)>", route.route)
        )
        if "user_id" in names:
            kwargs["user_id"] = team.viewer.pk
        if "pin_id" in names:
            kwargs["pin_id"] = pin.pk
        url = reverse(route.name, kwargs=kwargs)
        for method, action in route.actions:
            calls.append((route.name, method, action, url))
    # Reads first; leaving and deletions last (they end access to what the others act on),
    # ``last`` at the very end.
    return sorted(calls, key=lambda c: (c[1] in WRITES, c[2] in ("leave", "destroy"), c[2] == last))


@pytest.fixture
def platform_admin(make_user) -> Any:
    """Every collection permission on every collection: still no workspace."""
    user = make_user("platform-admin")
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="rbac"))
    return user


@pytest.fixture
def objects(team) -> tuple[Any, Any]:
    search = services.create_saved_search(actor=reload(team.owner), workspace=team.ws, name="s")
    pin = services.pin(actor=reload(team.owner), workspace=team.ws, target=team.src_a)
    return search, pin


def _call(user: Any, method: str, url: str) -> Any:
    client = APIClient()
    client.force_authenticate(reload(user))
    return getattr(client, method)(url, {}, format="json")


def test_the_routes_are_discovered() -> None:
    names = {r.name for r in _routes()}
    assert {
        "workspace-detail",
        "workspace-invite",
        "workspace-remove-member",
        "workspace-change-role",
        "workspace-transfer",
        "workspace-leave",
        "workspace-archive",
        "workspace-restore",
        "workspace-activate",
        "workspace-add-pin",
        "workspace-unpin",
        "savedsearch-detail",
    } <= names


def test_a_collection_role_never_opens_a_workspace(team, objects, platform_admin) -> None:
    failures = []
    for name, method, action, url in _calls(team, *objects):
        response = _call(platform_admin, method, url)
        if response.status_code != 404:
            failures.append(f"{method.upper()} {name}[{action}]: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_a_superuser_reaches_every_route(team, objects) -> None:
    failures = []
    for name, method, action, url in _calls(team, *objects):
        response = _call(team.root, method, url)
        if response.status_code in (403, 404) or response.status_code >= 500:
            failures.append(f"{method.upper()} {name}[{action}]: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_a_viewer_reads_and_may_only_leave(team, objects) -> None:
    failures = []
    for name, method, action, url in _calls(team, *objects, last="leave"):
        response = _call(team.viewer, method, url)
        if method not in WRITES:
            expected = {200}
        elif action == "leave":
            expected = {204}
        else:
            expected = {403}
        if response.status_code not in expected:
            failures.append(f"{method.upper()} {name}[{action}]: {response.status_code}")
    assert not failures, "\n".join(failures)
