"""Walk every admin page and every browsable API page as a user scoped to collection A and prove
that nothing of collection B is offered: no name in the page, no hidden object among the choices
of any form field, inline, list filter or filter form, and no server error.

Pages are discovered from the URLconf (nothing listed by hand that can go stale): a new model,
admin, viewset, filter or form field is walked as soon as it exists.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.forms import BaseForm
from django.urls import URLPattern, URLResolver, reverse
from django.urls.exceptions import NoReverseMatch

from governance.datasources.models import DataSource
from governance.rbac import roles
from governance.rbac.models import Collection
from pursight import audit, permissions

from .routes import api_routes

pytestmark = pytest.mark.django_db

MARK = "zqhidden"
PRINCIPALS = ["nobody", *[r.slug for r in roles.BUILTIN_ROLES]]


@pytest.fixture
def marked(world: Any, make_user: Any, assign: Any) -> Any:
    """Give B's objects names that must never show, and a user who only ever acted in B."""
    Collection.objects.filter(pk=world.b.pk).update(name=f"B {MARK} collection")
    DataSource.objects.filter(pk=world.src_b.pk).update(name=f"src-{MARK}")
    only_b = make_user(f"{MARK}-user")
    assign(only_b, "collection-admin", world.b)
    audit.record(actor=only_b, action="datasource.update", obj=world.src_b, changes={})
    world.only_b = only_b
    return world


def _hidden_pks(model: type[models.Model], world: Any) -> set[Any]:
    """Objects of ``model`` that live in collection B (none for global models)."""
    if model is Collection:
        return {world.b.pk}
    if not permissions.is_securable(model) or permissions.is_global(model):
        return set()
    return {
        o.pk for o in model._default_manager.all() if permissions.collection_id_of(o) == world.b.pk
    }


def _choice_fields(context: Any) -> list[tuple[str, Any]]:
    """Every model-choice form field rendered on an admin page (forms, inlines, filters)."""
    found: list[tuple[str, Any]] = []
    if context is None:
        return found
    forms = []
    adminform = context.get("adminform")
    if adminform is not None:
        forms.append(adminform.form)
    for inline in context.get("inline_admin_formsets") or []:
        forms.extend(inline.formset.forms)
        forms.append(inline.formset.empty_form)
    for key in ("form", "filter_form"):
        if isinstance(context.get(key), BaseForm):
            forms.append(context[key])
    for form in forms:
        for name, field in form.fields.items():
            # The hidden pk and parent-key fields of inline forms are checked by the formset
            # against its own (gated) queryset; they offer nothing.
            if getattr(field, "queryset", None) is not None and not field.widget.is_hidden:
                found.append((name, field.queryset))
    return found


def _filter_choices(context: Any) -> list[tuple[str, Any, list[Any]]]:
    cl = context.get("cl") if context is not None else None
    out = []
    for spec in getattr(cl, "filter_specs", []):
        choices = getattr(spec, "lookup_choices", None)
        field = getattr(spec, "field", None)
        if choices is not None and getattr(field, "related_model", None) is not None:
            out.append((spec.title, field.related_model, [c[0] for c in choices]))
    return out


class Probe:
    def __init__(self, world: Any, user: Any) -> None:
        self.world, self.user = world, user
        # A Collection Admin must be able to name any user to grant a role: the username
        # marker is then legitimately in user drop-downs (see docs/security.md).
        self.people_visible = bool(permissions.scope(user, "manage_collection"))
        self.failures: list[str] = []
        self.pages = 0

    def check(self, label: str, response: Any) -> None:
        self.pages += 1
        if response.status_code >= 500:
            self.failures.append(f"{label}: {response.status_code}")
            return
        body = b"".join(response) if response.streaming else response.content
        text = body.decode("utf-8", "replace")
        names = [f"src-{MARK}", f"B {MARK} collection"]
        if not self.people_visible:
            names.append(f"{MARK}-user")
        for name in names:
            if name in text:
                self.failures.append(f"{label}: shows {name!r}")
        context = getattr(response, "context", None)
        if context is None:
            return
        user_model = get_user_model()
        for name, queryset in _choice_fields(context):
            model = queryset.model
            hidden = _hidden_pks(model, self.world)
            if model is user_model and not self.people_visible:
                hidden = {self.world.only_b.pk}
            leaked = hidden & set(queryset.values_list("pk", flat=True))
            if leaked:
                self.failures.append(f"{label}: field {name} offers hidden {sorted(leaked)}")
        for title, model, pks in _filter_choices(context):
            hidden = _hidden_pks(model, self.world) | (
                {self.world.only_b.pk} if model is user_model else set()
            )
            leaked = hidden & set(pks)
            if leaked:
                self.failures.append(f"{label}: filter {title} offers hidden {sorted(leaked)}")


def _admin_patterns() -> list[tuple[str, URLPattern]]:
    found = []

    def walk(patterns: list, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and p.name:
                found.append((prefix + str(p.pattern), p))

    walk(admin.site.get_urls(), "")
    return found


def _admin_url(route: str, pattern: URLPattern, world: Any) -> str | None:
    """The pattern's URL, with an object of collection A for object pages."""
    converters = getattr(pattern.pattern, "converters", {})
    if pattern.name == "app_list":
        return None  # walked per app label by the caller
    if not converters:
        return reverse(f"admin:{pattern.name}")
    if set(converters) != {"object_id"}:
        return None
    app_label, model_name = route.split("/")[:2]
    model = next(
        (m for m in admin.site._registry if m._meta.label_lower == f"{app_label}.{model_name}"),
        None,
    )
    if model is None:
        return None
    obj = world.objects.get(model, {}).get("a")
    if obj is None:
        obj = model._default_manager.order_by("pk").first()
        if obj is None or _hidden_pks(model, world) & {obj.pk}:
            return None
    try:
        return reverse(f"admin:{pattern.name}", kwargs={"object_id": obj.pk})
    except NoReverseMatch:
        return None


def _login(client: Any, principal: str, world: Any, make_user: Any, assign: Any) -> Any:
    user = make_user(f"walker-{principal}")
    if principal != "nobody":
        assign(user, principal, world.a)
    client.force_login(user)
    return get_user_model().objects.get(pk=user.pk)


SKIP_ADMIN = {"logout", "view_on_site", "autocomplete", "jsi18n"}


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_admin_pages_offer_nothing_of_another_collection(
    principal, marked, make_user, assign, client
) -> None:
    user = _login(client, principal, marked, make_user, assign)
    probe = Probe(marked, user)
    for route, pattern in _admin_patterns():
        if pattern.name in SKIP_ADMIN or pattern.name.endswith(("_delete",)):
            continue
        url = _admin_url(route, pattern, marked)
        if url is None:
            continue
        probe.check(f"{principal} GET {url}", client.get(url))
    for app_label in {m._meta.app_label for m in admin.site._registry}:
        url = reverse("admin:app_list", kwargs={"app_label": app_label})
        probe.check(f"{principal} GET {url}", client.get(url))
    # Autocomplete over every foreign key of every registered model.
    for model in admin.site._registry:
        opts = model._meta
        for field in opts.get_fields():
            if not (field.is_relation and field.many_to_one and field.related_model):
                continue
            response = client.get(
                "/admin/autocomplete/",
                {
                    "app_label": opts.app_label,
                    "model_name": opts.model_name,
                    "field_name": field.name,
                    "term": "",
                },
            )
            probe.check(f"{principal} autocomplete {opts.label}.{field.name}", response)
    assert probe.pages > 40
    assert not probe.failures, "\n".join(probe.failures)


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_browsable_api_offers_nothing_of_another_collection(
    principal, marked, make_user, assign, client
) -> None:
    user = _login(client, principal, marked, make_user, assign)
    probe = Probe(marked, user)
    for route in api_routes():
        if not any(method == "get" for method, _ in route.actions):
            continue
        if route.detail:
            obj = marked.objects.get(route.model, {}).get("a")
            if obj is None:
                continue
            url = reverse(route.name, kwargs={"pk": obj.pk})
        else:
            url = reverse(route.name)
        probe.check(f"{principal} GET {url} (html)", client.get(url, HTTP_ACCEPT="text/html"))
        probe.check(f"{principal} OPTIONS {url}", client.options(url))
    # Filtering by a hidden object is refused exactly like filtering by a missing one.
    for route in api_routes():
        if route.detail or ("get", "list") not in route.actions:
            continue
        view = route.viewset
        for name in getattr(view, "filterset_fields", None) or []:
            missing = client.get(reverse(route.name), {name: 987654321})
            hidden = client.get(reverse(route.name), {name: marked.src_b.pk})
            if name in ("datasource", "collection") and missing.status_code == 400:
                if name == "collection":
                    hidden = client.get(reverse(route.name), {name: marked.b.pk})
                probe.check(f"{principal} filter {route.name}?{name}=<B>", hidden)
                if hidden.status_code != missing.status_code:
                    probe.failures.append(
                        f"{principal} {route.name}?{name}=<hidden> answers "
                        f"{hidden.status_code}, a missing id {missing.status_code}"
                    )
    assert probe.pages > 40
    assert not probe.failures, "\n".join(probe.failures)


def test_audit_actor_filter_lists_only_actors_of_visible_events(
    marked, make_user, assign, client
) -> None:
    user = _login(client, "collection-admin", marked, make_user, assign)
    response = client.get("/api/v1/audit-events/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert f"{MARK}-user" not in response.content.decode()
    # The actor of an event the admin may see is offered.
    audit.record(actor=user, action="datasource.update", obj=marked.src_a, changes={})
    response = client.get("/api/v1/audit-events/", HTTP_ACCEPT="text/html")
    assert "walker-collection-admin" in response.content.decode()


def test_an_unregistered_model_cannot_feed_a_choice(db, make_user) -> None:
    from governance.rbac.models import CollectionUserObjectPermission

    with pytest.raises(LookupError):
        permissions.restrict_choices(
            CollectionUserObjectPermission.objects.all(), make_user("someone")
        )


def test_every_api_view_goes_through_the_gate() -> None:
    """Structural: every routed viewset narrows its serializers' choices and its filters through
    the gate, and answers permissions with the gate (no own permission classes)."""
    from django_filters.rest_framework import DjangoFilterBackend

    from pursight.api import GatedSerializerMixin, GatePermission
    from pursight.filters import GatedFilterBackend

    problems = []
    for route in api_routes():
        view = route.viewset
        if not issubclass(view, GatedSerializerMixin):
            problems.append(f"{route.name}: {view.__name__} is not on the gated bases")
        for backend in view.filter_backends:
            if issubclass(backend, DjangoFilterBackend) and not issubclass(
                backend, GatedFilterBackend
            ):
                problems.append(f"{route.name}: {view.__name__} filters with {backend.__name__}")
        model = route.model
        gated_model = model is not None and permissions.is_securable(model)
        if gated_model and GatePermission not in view.permission_classes:
            problems.append(f"{route.name}: {view.__name__} has its own permission classes")
    assert not problems, "\n".join(problems)
