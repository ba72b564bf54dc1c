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

from governance.compliance.models import ComplianceReport
from governance.rbac import roles
from pursight import permissions
from pursight.core.models import ApiToken, AuditEvent
from racine.activity.models import ActivityEvent, Notification, NotificationPreference

from .routes import api_routes

pytestmark = pytest.mark.django_db

PLATFORM = "platform-"
# A role on collection A (scoped), the same role held platform-wide, and the extremes.
PRINCIPALS = [
    "anonymous",
    "nobody",
    *[r.slug for r in roles.BUILTIN_ROLES],
    *[PLATFORM + r.slug for r in roles.BUILTIN_ROLES],
    "superuser",
]
WRITE_METHODS = {"post", "put", "patch", "delete"}


def _codes(principal: str) -> set[str] | None:
    """Codenames held on collection A (None: superuser, every permission)."""
    if principal == "superuser":
        return None
    if principal in ("anonymous", "nobody"):
        return set()
    slug = principal.removeprefix(PLATFORM)
    return set(next(r for r in roles.BUILTIN_ROLES if r.slug == slug).codenames)


def _platform(principal: str) -> bool:
    """Does the principal hold its codes on every collection (B included)?"""
    return principal == "superuser" or principal.startswith(PLATFORM)


def _setup(principal: str, make_user: Any, assign: Any, world: Any) -> tuple[APIClient, Any]:
    from django.contrib.auth.models import Permission

    client = APIClient()
    if principal == "anonymous":
        return client, None
    user = make_user(f"p-{principal}", superuser=principal == "superuser")
    if principal.startswith(PLATFORM):  # a model-wide grant: every collection, present and future
        user.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="rbac", codename__in=_codes(principal)
            )
        )
    elif principal not in ("nobody", "superuser"):
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


def _holds(codes: set[str] | None, codename: str | None, model: Any = None, platform=False) -> bool:
    """Does a principal with ``codes`` hold ``codename``? On a global model, a role on one
    collection never counts: only a platform-wide grant (or anyone, for SIGNED_IN)."""
    if codes is None:
        return True
    if codename == permissions.SIGNED_IN:  # anyone signed in (reading shared definitions,
        return True  # starting a workspace)
    if model is not None and permissions.is_global(model):
        return platform and codename in codes
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


def _expected_list_ids(
    model: Any, world: Any, codes: set[str] | None, user: Any, platform: bool = False
) -> set[Any]:
    if model is AuditEvent:
        qs = AuditEvent.objects.all()
        if codes is None:
            return set(qs.values_list("pk", flat=True))
        if roles.MANAGE_COLLECTION not in codes:
            return set()
        if platform:
            return set(qs.values_list("pk", flat=True))
        ids = {world.a.pk, world.a1.pk}
        return set(qs.filter(collection_id__in=ids).values_list("pk", flat=True))
    if model in (ApiToken, ComplianceReport):  # each user's own
        owner = "user" if model is ApiToken else "requested_by"
        return set(model.objects.filter(**{owner: user}).values_list("pk", flat=True))
    if not permissions.is_securable(model):
        return set(model._default_manager.values_list("pk", flat=True))
    view_code = permissions.securable(model).actions.get("view")
    if not _holds(codes, view_code, model, platform):
        return set()
    everything = model._default_manager.all()
    if codes is None or platform or permissions.is_global(model):
        return set(everything.values_list("pk", flat=True))
    inside = {world.a.pk, world.a1.pk}
    return {o.pk for o in everything if permissions.collection_id_of(o) in inside}


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_api_matrix(principal, world, make_user, assign) -> None:
    client, user = _setup(principal, make_user, assign, world)
    codes = _codes(principal)
    platform = _platform(principal)
    routes = api_routes()
    assert {"datasource-list", "catalog-column-list", "roleassignment-list"} <= {
        r.name for r in routes
    }
    m = Matrix()
    destructive: list[tuple[Any, str, str, Any]] = []
    for route in routes:
        model = route.model
        # Rows also visible to the people they name (approval requests: requester,
        # reviewers) follow their own policy (_non_securable, test_approvals_matrix).
        securable = (
            model is not None
            and permissions.is_securable(model)
            and not permissions.securable(model).people
        )
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
                    expected_code = _non_securable(
                        model, method, action, codes, obj, world, user, platform
                    )
                    m.expect(label, response, expected_code)
                    if action == "list" and response.status_code == 200 and model is not None:
                        expected = _expected_list_ids(model, world, codes, user, platform)
                        if method == "get":
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
                        else _expected_list_ids(model, world, codes, user, platform)
                    )
                    expected = _expected_list_ids(model, world, codes, user, platform)
                    if got != expected:
                        m.failures.append(f"{label}: list ids {sorted(got)} != {sorted(expected)}")
                elif action == "create":
                    holds = _holds(codes, codename, model, platform)
                    m.expect(label, response, 400 if holds else 403)
                elif route.detail:
                    view_code = permissions.securable(model).actions.get("view")
                    visible = _visible(codes, view_code, model, platform, where)
                    if not visible:
                        m.expect(label, response, 404)
                    else:
                        holds = _holds(codes, codename, model, platform)
                        m.expect(label, response, 200 if holds else 403)
                else:  # list-level custom action (a POST validates its empty body)
                    holds = _holds(codes, codename, model, platform)
                    ok = 200 if method == "get" else {200, 202, 400}
                    m.expect(label, response, ok if holds else 403)
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
                label,
                response,
                _non_securable(model, method, action, codes, obj, world, user, platform),
            )
            continue
        codename = _gate_codename(route, action)
        view_code = permissions.securable(model).actions.get("view")
        visible = _visible(codes, view_code, model, platform, where)
        if not visible:
            m.expect(label, response, 404)
        elif not _holds(codes, codename, model, platform):
            m.expect(label, response, 403)
        elif method == "put":
            m.expect(label, response, 400)
        elif method == "patch":
            m.expect(label, response, 200)
        else:  # permitted delete or custom action: past the gate (the service may refuse)
            m.expect(label, response, {200, 202, 204, 400, 409})
    assert m.checked > 50
    assert not m.failures, "\n".join(m.failures)


def _visible(codes: Any, view_code: Any, model: Any, platform: bool, where: str) -> bool:
    if not _holds(codes, view_code, model, platform):
        return False
    return where in ("a", "any") or platform or permissions.is_global(model)


def _non_securable(
    model: Any,
    method: str,
    action: str,
    codes: Any,
    obj: Any,
    world: Any,
    user: Any,
    platform: bool = False,
) -> Any:
    """Policies of the records outside the gate's registry: each one named, no default."""
    read = method in ("get", "head")
    if model in (AuditEvent, ApiToken, ComplianceReport) and action in ("retrieve", "destroy"):
        expected_ids = _expected_list_ids(model, world, codes, user, platform)
        mine = obj is not None and obj.pk in expected_ids
        if not mine:
            return 404
        return 200 if action == "retrieve" else 204
    if model is AuditEvent:
        return 200 if read else 405
    if model is None:  # not one model's rows: the global search, gated row by row inside
        return 200 if read else 405
    if model in (ApiToken, ComplianceReport):
        return 400 if action == "create" else 200  # create: empty body
    if model is ActivityEvent:  # read-only; narrowed to the events whose target is visible
        return 200 if read else 405
    if model in (Notification, NotificationPreference):  # one's own: read, mark read, prefs
        return 200
    if model is not None and permissions.is_targeted(model):  # comments: where the target is
        if action == "create":  # an empty body: refused by the gate first if nothing is visible
            return 400 if permissions.can_any(user, model, "add") else 403
        return {200, 400} if read else {400, 403, 405}  # lists (and their lookups' bad input)
    raise AssertionError(
        f"{model} is served by the API but not registered with the permission gate: register "
        "it (permissions.register or register_global) or name its policy here"
    )


def _admin_client(client: Any, user: Any) -> None:
    client.force_login(user)


def _changelist_ids(response: Any) -> set[Any]:
    return {o.pk for o in response.context["cl"].result_list}


@pytest.mark.parametrize("principal", PRINCIPALS[1:])
def test_admin_matrix(principal, world, make_user, assign, client) -> None:
    _, user = _setup(principal, make_user, assign, world)
    codes = _codes(principal)
    platform = _platform(principal)
    client.force_login(user)
    m = Matrix()
    for model, model_admin in list(admin.site._registry.items()):
        # Rows also visible to the people they name (approval requests) have their own
        # matrix (test_approvals_matrix).
        if not permissions.is_securable(model) or permissions.securable(model).people:
            continue
        opts = model._meta
        label = f"{principal} admin {opts.label}"
        spec = permissions.securable(model)
        view_code = spec.actions.get("view")
        can_view = _holds(codes, view_code, model, platform) or _holds(
            codes, spec.actions.get("change"), model, platform
        )
        # Rows anyone signed in may create (a workspace): the list of one's own is open to all.
        can_view = can_view or spec.actions.get("add") == permissions.SIGNED_IN
        response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        m.expect(f"{label} changelist", response, 200 if can_view else 403)
        if response.status_code == 200:
            expected = _expected_list_ids(model, world, codes, user, platform)
            got = _changelist_ids(response)
            if not got <= expected:
                m.failures.append(f"{label} changelist shows hidden {sorted(got - expected)}")
            # Buttons: "add" only for those who may add.
            may_add = _holds(codes, spec.actions.get("add"), model, platform)
            request = response.wsgi_request
            if model_admin.has_add_permission(request) and not may_add:
                m.failures.append(f"{label}: offers Add without the right")
        missing = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[0]))
        for where, obj in world.objects.get(model, {}).items():
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            response = client.get(url)
            visible = can_view and _visible(codes, view_code, model, platform, where)
            if visible:
                m.expect(f"{label} change {where}", response, 200)
                may_change = _holds(codes, spec.actions.get("change"), model, platform)
                editable = "adminform" in (response.context or {}) and any(
                    not f.is_readonly
                    for fs in response.context["adminform"]
                    for line in fs
                    for f in line
                )
                if editable and not may_change:
                    m.failures.append(f"{label} change {where}: editable without the right")
            else:  # answers exactly like a missing id
                m.expect(f"{label} change {where}", response, missing.status_code)
    assert m.checked > 10
    assert not m.failures, "\n".join(m.failures)


# --- catalog: sensitive data inside text (ColumnContainment) ------------------------------------
@pytest.mark.parametrize("principal", PRINCIPALS[1:])
def test_column_containment_matrix(principal, world, make_user, assign) -> None:
    """Written by scans only: viewing follows the column's collection, no one changes it."""
    from django.utils import timezone

    from governance.catalog.models import CatalogColumn, ColumnContainment
    from governance.classifications.models import Classification

    email = Classification.objects.get(code="EMAIL_ADDRESS")
    rows = {}
    for where, source in (("a", world.src_a), ("b", world.src_b)):
        column = CatalogColumn.objects.filter(datasource=source).order_by("pk").first()
        rows[where] = ColumnContainment.objects.create(
            column=column,
            datasource=source,
            classification=email,
            share=0.5,
            found_at=timezone.now(),
        )
    _, user = _setup(principal, make_user, assign, world)
    codes = _codes(principal)
    platform = _platform(principal)
    spec = permissions.securable(ColumnContainment)
    assert set(spec.actions) == {"view"}
    view = spec.actions["view"]
    seen = set(
        permissions.restrict(ColumnContainment.objects.all(), user).values_list("pk", flat=True)
    )
    where_of = {world.src_a.pk: "a", world.src_b.pk: "b"}  # rows the scans wrote, and these
    expected = {
        r.pk
        for r in ColumnContainment.objects.all()
        if _visible(codes, view, ColumnContainment, platform, where_of[r.datasource_id])
    }
    assert expected & {rows["a"].pk, rows["b"].pk} or not _holds(codes, view)
    assert seen == expected
    for row in rows.values():
        assert not permissions.can(user, "change", row) or principal == "superuser"


# --- racine.orchestration: workflows, their runs and schedules ---------------------------------
@pytest.fixture(autouse=True)
def _orchestration_world(world: Any) -> None:
    """A workflow with a run and a schedule in A1 and in B (the matrix probes them like any
    asset: detail routes, actions, admin pages)."""
    from racine.orchestration import services as orchestration
    from racine.orchestration.models import Schedule, StepRun, Workflow, WorkflowRun

    for where, collection in (("a", world.a1), ("b", world.b)):
        wf = orchestration.save_workflow(
            actor=None,
            data={
                "name": f"matrix-{where}",
                "collection": collection.pk,
                "steps": [
                    {"key": "one", "type": "noop"},
                    {"key": "two", "type": "noop", "after": ["one"]},
                ],
            },
        )
        run = orchestration.start_run(actor=None, workflow=wf)  # not committed: stays pending
        schedule = orchestration.save_schedule(
            actor=None,
            schedule=Schedule(name=f"matrix-{where}", workflow=wf, cron="0 3 * * *"),
        )
        for model, obj in (
            (Workflow, wf),
            (WorkflowRun, run),
            (StepRun, run.steps.first()),
            (Schedule, schedule),
        ):
            world.objects.setdefault(model, {})[where] = obj


# --- racine.approvals: approval and access requests (requester, reviewers, collection admins) --
_non_securable_before_approvals = _non_securable


def _non_securable(  # extends the policies above with the approvals' own
    model: Any,
    method: str,
    action: str,
    codes: Any,
    obj: Any,
    world: Any,
    user: Any,
    platform: bool = False,
) -> Any:
    from racine.approvals.models import AccessRequest, ApprovalRequest

    if model in (ApprovalRequest, AccessRequest):  # narrowed by racine.approvals.services
        if action == "create":
            return 400  # an empty body (anyone signed in may ask for access)
        return 200 if method in ("get", "head") else 405
    return _non_securable_before_approvals(model, method, action, codes, obj, world, user, platform)


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_approvals_matrix(principal, world, make_user, assign) -> None:
    """A request about A1 and one about B, made by someone else: seen (and decided) by the
    collection admins of its collection (or above) and platform admins; everyone else gets
    404, the same as for a missing request."""
    from racine.approvals import services as approvals
    from racine.approvals.models import ApprovalPolicy, ApprovalRequest

    requester = make_user("matrix-requester")
    requests = {
        where: approvals.request_approval("matrix.gate", collection, {}, requester)
        for where, collection in (("a", world.a1), ("b", world.b))
    }
    client, user = _setup(principal, make_user, assign, world)
    codes = _codes(principal)
    platform = _platform(principal)
    admin_here = _holds(codes, roles.MANAGE_COLLECTION)
    m = Matrix()
    for where, request in requests.items():
        url = reverse("approvalrequest-detail", kwargs={"pk": request.pk})
        _login(client, user)
        response = client.get(url)
        label = f"{principal} approvals {where}"
        if user is None:
            m.expect(label, response, 401)
            continue
        visible = admin_here and (platform or where == "a")
        m.expect(label, response, 200 if visible else 404)
        _login(client, user)
        response = client.post(url + "approve/", {}, format="json")
        m.expect(f"{label} approve", response, 200 if visible else 404)
    if user is not None:
        _login(client, user)
        listed = _ids(client.get(reverse("approvalrequest-list"), {"page_size": 500}))
        expected = {
            r.pk for where, r in requests.items() if admin_here and (platform or where == "a")
        }
        if listed != expected:
            m.failures.append(f"{principal} approvals list {sorted(listed)} != {sorted(expected)}")
        # Policies: the admin's own page, through the gate like any collection's rows.
        spec = permissions.securable(ApprovalPolicy)
        assert spec.actions["view"] == roles.MANAGE_COLLECTION
    assert ApprovalRequest.objects.count() == 2
    assert m.checked >= 2
    assert not m.failures, "\n".join(m.failures)


# --- lineage: edges (block / unblock) and propagated classifications ---------------------------
@pytest.fixture(autouse=True)
def _lineage_world(world: Any) -> None:
    """An edge and a propagated classification inside A1 and inside B (the matrix probes them
    like any asset: detail routes, the block / unblock actions, admin pages)."""
    from django.utils import timezone

    from governance.catalog.models import CatalogTable, ColumnClassification
    from governance.classifications.models import Classification
    from governance.lineage.models import LineageEdge, PropagatedClassification

    card = Classification.objects.get(code="CREDIT_CARD_NUMBER")
    edges, propagated = {}, {}
    for where, source in (("a", world.src_a), ("b", world.src_b)):
        up, down = CatalogTable.objects.filter(datasource=source).order_by("pk")[:2]
        up_col, down_col = up.columns.order_by("pk").first(), down.columns.order_by("pk").first()
        edges[where] = LineageEdge.objects.create(
            upstream_table=up, downstream_table=down, upstream_column=up_col,
            downstream_column=down_col, level="column", origin="manual", origin_ref="matrix",
            last_seen=timezone.now(),
        )  # fmt: skip
        origin, _ = ColumnClassification.objects.get_or_create(
            column=up_col, classification=card,
            defaults={"datasource": source, "status": "accepted", "source": "manual"},
        )  # fmt: skip
        propagated[where] = PropagatedClassification.objects.create(
            column=down_col, datasource=source, classification=card, origin=origin,
            via=edges[where], path=[edges[where].pk], reason="matrix",
        )  # fmt: skip
    world.objects[LineageEdge] = edges
    world.objects[PropagatedClassification] = propagated


@pytest.mark.parametrize(
    "principal", ["nobody", "data-reader", "platform-data-reader", "superuser"]
)
def test_lineage_edges_across_collections(principal, world, make_user, assign) -> None:
    """An edge row is listed only when both its ends are visible (the gate registers it by its
    downstream table; the lineage API and admin also require the upstream one)."""
    from django.utils import timezone

    from governance.catalog.models import CatalogTable
    from governance.lineage.models import LineageEdge

    a = CatalogTable.objects.filter(datasource=world.src_a).order_by("pk").first()
    b = CatalogTable.objects.filter(datasource=world.src_b).order_by("pk").first()
    into_a = LineageEdge.objects.create(
        upstream_table=b, downstream_table=a, level="table", origin="manual",
        origin_ref="b-to-a", last_seen=timezone.now(),
    )  # fmt: skip
    into_b = LineageEdge.objects.create(
        upstream_table=a, downstream_table=b, level="table", origin="manual",
        origin_ref="a-to-b", last_seen=timezone.now(),
    )  # fmt: skip
    client, user = _setup(principal, make_user, assign, world)
    _login(client, user)
    response = client.get("/api/v1/lineage/edges/", {"page_size": 500})
    listed = _ids(response) if response.status_code == 200 else set()
    inside = {world.objects[LineageEdge]["a"].pk}
    everything = inside | {world.objects[LineageEdge]["b"].pk, into_a.pk, into_b.pk}
    expected = {"nobody": set(), "data-reader": inside}.get(principal, everything)
    assert response.status_code == 200
    assert listed == expected
    # By id, a row with a hidden end answers like a missing one.
    for edge in (into_a, into_b):
        got = client.get(f"/api/v1/lineage/edges/{edge.pk}/").status_code
        assert got == (200 if edge.pk in expected else 404)
