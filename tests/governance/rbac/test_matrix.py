"""Permission matrix: every role × every API route (discovered) × every action, and the admin.

Expected answers are derived from the roles' permissions and the gate's registration of each
model (which collection permission an action needs), not from a hand-written table:
anonymous → 401; hidden object → 404; visible without the permission → 403; permitted → the
handler runs (exact code where the request is fixed: 200 for reads and empty PATCH, 400 for an
empty create or PUT). Lists contain exactly the permitted objects.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse
from rest_framework.test import APIClient

from governance.rbac import roles
from governance.rbac.models import Role
from pursight import permissions
from pursight.core.models import ApiToken, AuditEvent

from .routes import api_routes

pytestmark = pytest.mark.django_db

PRINCIPALS = ["anonymous", "nobody", *[r.slug for r in roles.BUILTIN_ROLES], "superuser"]
WRITE_METHODS = {"post", "put", "patch", "delete"}


def _codes(principal: str) -> set[str] | None:
    """Codenames held on collection A (None: superuser, every permission)."""
    if principal == "superuser":
        return None
    if principal in ("anonymous", "nobody"):
        return set()
    return set(next(r for r in roles.BUILTIN_ROLES if r.slug == principal).codenames)


def _setup(principal: str, make_user: Any, assign: Any, world: Any) -> tuple[APIClient, Any]:
    client = APIClient()
    if principal == "anonymous":
        return client, None
    user = make_user(f"p-{principal}", superuser=principal == "superuser")
    if principal not in ("nobody", "superuser"):
        assign(user, principal, world.a)  # on the root: A1 below inherits it
    return client, user


def _login(client: APIClient, user: Any) -> None:
    from django.contrib.auth import get_user_model

    if user is not None:  # a fresh user object per request, as in production
        client.force_authenticate(get_user_model().objects.get(pk=user.pk))


def _gate_codename(route: Any, action: str) -> str | None:
    view = route.viewset()
    view.action = action
    return permissions.securable(route.model).actions.get(view.gate_action())


def _holds(codes: set[str] | None, codename: str | None) -> bool:
    if codes is None:
        return True
    return codename is not None and codename in codes


def _ids(response: Any) -> set[Any]:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    return {r["id"] for r in rows}


def _url(route: Any, obj: Any = None) -> str:
    return reverse(route.name, kwargs={"pk": obj.pk} if route.detail else None)


class Matrix:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.checked = 0

    def expect(self, label: str, response: Any, expected: Any) -> None:
        self.checked += 1
        code = response.status_code
        ok = code in expected if isinstance(expected, set | frozenset | tuple) else code == expected
        if not ok:
            self.failures.append(f"{label}: got {code}, expected {expected}")


def _expected_list_ids(model: Any, world: Any, codes: set[str] | None, user: Any) -> set[Any]:
    if model is AuditEvent:
        qs = AuditEvent.objects.all()
        if codes is None:
            return set(qs.values_list("pk", flat=True))
        if roles.MANAGE_COLLECTION not in codes:
            return set()
        ids = {world.a.pk, world.a1.pk}
        return set(qs.filter(collection_id__in=ids).values_list("pk", flat=True))
    if model is ApiToken:
        return set(ApiToken.objects.filter(user=user).values_list("pk", flat=True))
    if not permissions.is_securable(model):
        return set(model._default_manager.values_list("pk", flat=True))
    view_code = permissions.securable(model).actions.get("view")
    if not _holds(codes, view_code):
        return set()
    everything = model._default_manager.all()
    if codes is None:
        return set(everything.values_list("pk", flat=True))
    inside = {world.a.pk, world.a1.pk}
    return {o.pk for o in everything if permissions.collection_id_of(o) in inside}


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_api_matrix(principal, world, make_user, assign) -> None:
    client, user = _setup(principal, make_user, assign, world)
    codes = _codes(principal)
    routes = api_routes()
    assert {"datasource-list", "catalog-column-list", "roleassignment-list"} <= {
        r.name for r in routes
    }
    m = Matrix()
    destructive: list[tuple[Any, str, str, Any]] = []
    for route in routes:
        model = route.model
        securable = model is not None and permissions.is_securable(model)
        for method, action in route.actions:
            if route.detail:
                targets = dict(world.objects.get(model, {})) if securable else {}
                if not securable and model is not None:
                    first = model._default_manager.order_by("pk").first()
                    targets = {"any": first} if first is not None else {}
            else:
                targets = {"list": None}
            for where, obj in targets.items():
                label = f"{principal} {method.upper()} {route.name}[{action}] {where}"
                url = _url(route, obj)
                if method in WRITE_METHODS and (action == "destroy" or route.detail):
                    destructive.append((route, method, action, (where, obj, url, label)))
                    continue
                _login(client, user)
                data = {"page_size": 500} if action == "list" and method == "get" else {}
                response = getattr(client, method)(url, data, format="json")
                if user is None:
                    m.expect(label, response, 401)
                    continue
                if method not in route.viewset.http_method_names:
                    m.expect(label, response, 405)
                    continue
                if not securable:
                    expected_code = _non_securable(model, method, action, codes, obj, world, user)
                    m.expect(label, response, expected_code)
                    if action == "list" and response.status_code == 200:
                        expected = _expected_list_ids(model, world, codes, user)
                        if method == "get" and model is not None:
                            got = _ids(response)
                            if got != expected:
                                m.failures.append(f"{label}: list ids {got} != {expected}")
                    continue
                codename = _gate_codename(route, action)
                if action == "list":
                    m.expect(label, response, 200)
                    got = (
                        _ids(response)
                        if method == "get"
                        else _expected_list_ids(model, world, codes, user)
                    )
                    expected = _expected_list_ids(model, world, codes, user)
                    if got != expected:
                        m.failures.append(f"{label}: list ids {sorted(got)} != {sorted(expected)}")
                elif action == "create":
                    m.expect(label, response, 400 if _holds(codes, codename) else 403)
                elif route.detail:
                    view_code = permissions.securable(model).actions.get("view")
                    visible = _holds(codes, view_code) and (where == "a" or codes is None)
                    if not visible:
                        m.expect(label, response, 404)
                    else:
                        m.expect(label, response, 200 if _holds(codes, codename) else 403)
                else:  # list-level custom action
                    m.expect(label, response, 200 if _holds(codes, codename) else 403)
    # Writes on objects last: first the hidden ("b") ones, then updates, then deletes.
    order = {"b": 0, "a": 1, "any": 1, "list": 1}
    destructive.sort(key=lambda d: (order[d[3][0]], d[2] == "destroy"))
    for route, method, action, (where, obj, url, label) in destructive:
        model = route.model
        if (
            model is not None
            and obj is not None
            and not type(obj)._default_manager.filter(pk=obj.pk).exists()
        ):
            continue
        _login(client, user)
        response = getattr(client, method)(url, {}, format="json")
        if user is None:
            m.expect(label, response, 401)
            continue
        if method not in route.viewset.http_method_names:
            m.expect(label, response, 405)
            continue
        if model is None or not permissions.is_securable(model):
            m.expect(
                label, response, _non_securable(model, method, action, codes, obj, world, user)
            )
            continue
        codename = _gate_codename(route, action)
        view_code = permissions.securable(model).actions.get("view")
        visible = _holds(codes, view_code) and (where == "a" or codes is None)
        if not visible:
            m.expect(label, response, 404)
        elif not _holds(codes, codename):
            m.expect(label, response, 403)
        elif method == "put":
            m.expect(label, response, 400)
        elif method == "patch":
            m.expect(label, response, 200)
        else:  # permitted delete or custom action: past the gate (the service may refuse)
            m.expect(label, response, {200, 202, 204, 400, 409})
    assert m.checked > 50
    assert not m.failures, "\n".join(m.failures)


def _non_securable(
    model: Any, method: str, action: str, codes: Any, obj: Any, world: Any, user: Any
) -> Any:
    """Policies of the models outside the collection tree."""
    superuser = codes is None
    read = method in ("get", "head")
    if model in (AuditEvent, ApiToken) and action in ("retrieve", "destroy"):
        mine = obj is not None and obj.pk in _expected_list_ids(model, world, codes, user)
        if not mine:
            return 404
        return 200 if action == "retrieve" else 204
    if model is AuditEvent:
        return 200 if read else 405
    if model is ApiToken:
        return 400 if action == "create" else 200  # create: empty name
    if model is Role:
        if read:
            return 200
        if not superuser:
            return 403
        if action == "create":
            return 400
        return 400  # built-in roles cannot be changed or deleted
    # Shared configuration outside the tree (rule sets, frameworks): anyone reads; a user
    # without any role never writes; holders of some role may, as the app's policy decides.
    if read:
        return 200
    if codes is not None and not codes:
        return 403
    return {200, 201, 204, 400, 403, 409}


def _admin_client(client: Any, user: Any) -> None:
    client.force_login(user)


def _changelist_ids(response: Any) -> set[Any]:
    return {o.pk for o in response.context["cl"].result_list}


@pytest.mark.parametrize("principal", PRINCIPALS[1:])
def test_admin_matrix(principal, world, make_user, assign, client) -> None:
    _, user = _setup(principal, make_user, assign, world)
    codes = _codes(principal)
    client.force_login(user)
    m = Matrix()
    for model in list(admin.site._registry):
        if not permissions.is_securable(model):
            continue
        opts = model._meta
        label = f"{principal} admin {opts.label}"
        view_code = permissions.securable(model).actions.get("view")
        can_view = _holds(codes, view_code) or (
            codes is not None
            and permissions.securable(model).actions.get("change") in (codes or set())
        )
        response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        m.expect(f"{label} changelist", response, 200 if can_view else 403)
        if response.status_code == 200:
            expected = _expected_list_ids(model, world, codes, user)
            got = _changelist_ids(response)
            if not got <= expected:
                m.failures.append(f"{label} changelist shows hidden {sorted(got - expected)}")
        missing = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[0]))
        for where, obj in world.objects.get(model, {}).items():
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            response = client.get(url)
            visible = can_view and (where == "a" or codes is None)
            if visible:
                m.expect(f"{label} change {where}", response, 200)
            else:  # answers exactly like a missing id
                m.expect(f"{label} change {where}", response, missing.status_code)
    assert m.checked > 10
    assert not m.failures, "\n".join(m.failures)
