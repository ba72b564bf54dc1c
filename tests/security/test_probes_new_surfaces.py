"""Adversarial probes of the surfaces added since the first security pass (glossary, lineage,
orchestration, approvals, file sources, containment, the test bench's column picker, co-editing)
for a user who holds every role on collection A and nothing on B.

Each probe compares B's object with a missing one (same status, same body once the id is
replaced) and checks that A's equivalent *is* reachable, so that a refusal is proved and not an
empty fixture. World: ``conftest.probe``."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch
from rest_framework.test import APIClient

from tests.governance.rbac.routes import api_routes

pytestmark = pytest.mark.django_db

MISSING = 987654
B_NAMES = ("bravo", "src-b", "sched-b", "wf-b", "policy-b")


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def no_b_names(body: str, *extra: str) -> None:
    low = body.lower()
    for name in (*B_NAMES, *extra):
        assert name.lower() not in low, f"{name!r} leaked in {body[:600]}"


def _clean(response: Any) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value=")[^"]+', r"\1", text_of(response))


def normalised(response: Any, *values: Any) -> tuple[int, str]:
    body = _clean(response)
    for value in values:
        body = re.sub(rf"\b{re.escape(str(value))}\b", "<id>", body)
    return response.status_code, body


def same_as_missing(call: Any, hidden: Any, missing: Any = MISSING) -> tuple[int, str]:
    """``call(value)`` answers alike for the hidden value and a missing one: the same status
    and the same body, line by line, but for the value itself on the lines that differ."""
    h, m = call(hidden), call(missing)
    alike(h, m, hidden, missing)
    return normalised(h, hidden)


def alike(h: Any, m: Any, hidden: Any, missing: Any = MISSING) -> None:
    h_lines, m_lines = _clean(h).splitlines(), _clean(m).splitlines()
    assert h.status_code == m.status_code, (h.status_code, m.status_code, text_of(h)[:400])
    assert len(h_lines) == len(m_lines), (text_of(h)[:400], text_of(m)[:400])
    for hl, ml in zip(h_lines, m_lines, strict=True):
        if hl != ml:
            h_id, m_id = rf"\b{re.escape(str(hidden))}\b", rf"\b{re.escape(str(missing))}\b"
            assert re.sub(h_id, "<id>", hl) == re.sub(m_id, "<id>", ml), (hl, ml)


def ids(rows: list[dict]) -> set[Any]:
    return {row["id"] for row in rows}


# --- API lists and details -------------------------------------------------------------------

LISTED = [
    "tag-assignments",
    "glossary/term-links",
    "glossary/suggestions",
    "lineage/edges",
    "lineage/propagated",
    "workflows",
    "workflow-runs",
    "schedules",
    "approvals",
]


@pytest.mark.parametrize("endpoint", LISTED)
def test_list_shows_a_and_never_b(probe, endpoint):
    a, b = probe.objs[endpoint]["a"], probe.objs[endpoint]["b"]
    for user in (probe.power, probe.reader):
        if endpoint == "approvals" and user is probe.reader:
            continue  # a reader neither asks nor reviews
        r = api(user).get(f"/api/v1/{endpoint}/?page_size=500")
        assert r.status_code == 200, r.content
        body = r.json()
        assert a.pk in ids(body["results"]) and b.pk not in ids(body["results"]), endpoint
        assert body["count"] == len(body["results"])
        no_b_names(json.dumps(body))


@pytest.mark.parametrize("endpoint", LISTED)
def test_detail_of_b_answers_like_a_missing_id(probe, endpoint):
    a, b = probe.objs[endpoint]["a"], probe.objs[endpoint]["b"]
    client = api(probe.power)
    assert client.get(f"/api/v1/{endpoint}/{a.pk}/").status_code == 200
    status, _ = same_as_missing(lambda pk: client.get(f"/api/v1/{endpoint}/{pk}/"), b.pk)
    assert status == 404


def _detail_routes(endpoint: str) -> list[tuple[str, str, str]]:
    """(method, action, url template) of every detail route of ``endpoint``'s viewset."""
    out = []
    for route in api_routes():
        path = route.route.removeprefix("api/v1/").lstrip("^")
        if not path.startswith(endpoint + "/") or not route.detail:
            continue
        template = re.sub(r"\(\?P<pk>[^)]*\)|<pk>", "{pk}", path)
        template = template.replace("^", "").replace("$", "").replace("\\.", ".")
        template = re.sub(r"\(\?P<format>.*", "", template)
        for method, act in route.actions:
            out.append((method, act, "/api/v1/" + template))
    return out


@pytest.mark.parametrize("endpoint", LISTED)
def test_every_detail_action_on_b_answers_like_a_missing_id(probe, endpoint):
    b = probe.objs[endpoint]["b"]
    client = api(probe.power)
    routes = _detail_routes(endpoint)
    assert routes, endpoint
    for method, act, template in routes:
        if method in ("put",):
            continue

        def call(pk: Any, method: str = method, template: str = template) -> Any:
            url = template.format(pk=pk)
            return getattr(client, method)(url, {"reason": "x", "comment": "x"}, format="json")

        status, _ = same_as_missing(call, b.pk)
        assert status in (404, 405), (method, act, status)
    model = type(b)
    assert model._default_manager.filter(pk=b.pk).exists()  # nothing deleted


def test_counts_on_vocabulary_count_only_visible_links(probe):
    client = api(probe.power)
    tag = client.get(f"/api/v1/tags/{probe.tag.pk}/").json()
    term = client.get(f"/api/v1/glossary/terms/{probe.term.pk}/").json()
    counts = {
        f"{i}.{k}": v
        for i, row in enumerate((tag, term))
        for k, v in row.items()
        if isinstance(v, int) and ("assets" in k or "count" in k)
    }
    assert counts and all(v <= 1 for v in counts.values()), counts
    assert 1 in counts.values()  # A's link is counted


# --- filters and query parameters naming B's objects -------------------------------------------


def _filter_probes(p: Any) -> list[tuple[str, str, Any, Any]]:
    """(endpoint, parameter, B's value, A's value)."""
    src_b, src_a = p.w.src_b.pk, p.w.src_a.pk
    return [
        ("tag-assignments", "datasource", src_b, src_a),
        ("tag-assignments", "asset_id", p.cb.pk, p.ca.pk),
        ("glossary/term-links", "datasource", src_b, src_a),
        ("glossary/term-links", "asset_id", p.cb.pk, p.ca.pk),
        ("glossary/suggestions", "datasource", src_b, src_a),
        ("lineage/edges", "upstream_table", p.tb.pk, p.ta.pk),
        ("lineage/edges", "downstream_table", p.tb2.pk, p.ta2.pk),
        ("lineage/edges", "upstream_column", p.cb.pk, p.ca.pk),
        (
            "lineage/propagated",
            "column",
            p.objs["lineage/propagated"]["b"].column_id,
            p.objs["lineage/propagated"]["a"].column_id,
        ),
        ("lineage/propagated", "datasource", src_b, src_a),
        ("workflow-runs", "workflow", p.objs["workflows"]["b"].pk, p.objs["workflows"]["a"].pk),
        ("schedules", "workflow", p.objs["workflows"]["b"].pk, p.objs["workflows"]["a"].pk),
        ("workflows", "collection", p.w.b.pk, p.w.a.pk),
    ]


def test_filters_naming_b_answer_like_missing_ids(probe):
    client = api(probe.power)
    for endpoint, param, b_value, a_value in _filter_probes(probe):

        def call(value: Any, endpoint: str = endpoint, param: str = param) -> Any:
            return client.get(f"/api/v1/{endpoint}/", {param: value, "page_size": 500})

        status, body = same_as_missing(call, b_value)
        assert status in (200, 400), (endpoint, param, status)
        if status == 200:
            assert json.loads(body)["count"] == 0, (endpoint, param)
        # A's value is accepted and finds A's row (unless the filter is not offered at all).
        mine = call(a_value)
        if status == 200 or mine.status_code == 200:
            assert mine.status_code == 200 and mine.json()["count"] >= 1, (endpoint, param)


@pytest.mark.parametrize("endpoint", [*LISTED, "tags", "glossary/terms"])
def test_search_by_b_names_finds_nothing_more_than_a_missing_name(probe, endpoint):
    client = api(probe.power)
    for param in ("search", "q"):
        hidden = client.get(f"/api/v1/{endpoint}/", {param: "bravo", "page_size": 500})
        missing = client.get(f"/api/v1/{endpoint}/", {param: "zzqxv", "page_size": 500})
        assert hidden.status_code == missing.status_code == 200
        assert hidden.json()["count"] == missing.json()["count"], (endpoint, param)
        no_b_names(json.dumps(hidden.json()))


# --- the lineage graph, impact and OpenLineage -------------------------------------------------


def test_graph_draws_b_as_anonymous_nodes_only(probe):
    client = api(probe.power)
    for root in (probe.ta, probe.ta2):
        r = client.get(
            "/api/v1/lineage/",
            {
                "asset": root.qualified_name,
                "depth": 5,
                "expand": [probe.tb.qualified_name, probe.tb2.qualified_name],
            },
        )
        assert r.status_code == 200, r.content
        graph = r.json()
        names = {n.get("name") for n in graph["nodes"] if not n["hidden"]}
        assert {"alpha_ledger", "alpha_report"} <= names  # A's side is drawn
        hidden = [n for n in graph["nodes"] if n["hidden"]]
        assert hidden, "B's neighbours are drawn as placeholders"
        for node in hidden:
            assert set(node) <= {"id", "kind", "hidden", "label", "level"}, node
        no_b_names(json.dumps(graph), probe.tb.qualified_name, probe.tb2.qualified_name)


def test_graph_and_impact_of_b_answer_like_a_missing_asset(probe):
    client = api(probe.power)
    for url in ("/api/v1/lineage/", "/api/v1/lineage/impact/"):
        for hidden in (probe.tb.qualified_name, probe.cb.qualified_name):
            missing = hidden.replace("bravo", "zzqxv")
            h = client.get(url, {"asset": hidden})
            m = client.get(url, {"asset": missing})
            assert h.status_code == m.status_code == 404 and h.json() == m.json()
        assert client.get(url, {"asset": probe.ta.qualified_name}).status_code == 200


def test_impact_lists_and_exports_only_visible_assets(probe):
    client = api(probe.power)
    r = client.get("/api/v1/lineage/impact/", {"asset": probe.ta.qualified_name})
    assert r.status_code == 200
    rows = r.json()["rows"]
    assert any(row["qualified_name"] == probe.ta2.qualified_name for row in rows)
    no_b_names(json.dumps(r.json()), probe.tb2.qualified_name)
    site = browser(probe.power)
    page = site.get(
        "/admin/lineage/lineageedge/impact/", {"asset": probe.ta.qualified_name, "format": "csv"}
    )
    assert page.status_code == 200 and "alpha_report" in text_of(page)
    no_b_names(text_of(page), probe.tb2.qualified_name)
    for asset in (probe.tb.qualified_name, "1/main/zzqxv"):
        r = site.get("/admin/lineage/lineageedge/impact/", {"asset": asset, "format": "csv"})
        assert r.status_code == 404
    graph_page = site.get("/admin/lineage/lineageedge/graph/", {"asset": probe.ta.qualified_name})
    assert graph_page.status_code == 200
    no_b_names(text_of(graph_page))
    hidden = site.get("/admin/lineage/lineageedge/graph/", {"asset": probe.tb.qualified_name})
    missing = site.get("/admin/lineage/lineageedge/graph/", {"asset": "1/main/zzqxv"})
    assert hidden.status_code == missing.status_code == 404


def test_table_asset_panel_counts_no_hidden_neighbours(probe):
    site = browser(probe.power)
    r = site.get(f"/admin/catalog/catalogtable/{probe.ta2.pk}/change/")
    if r.status_code == 302:
        r = site.get(r["Location"])
    assert r.status_code == 200
    no_b_names(text_of(r), probe.tb.qualified_name)


def test_catalog_export_is_operator_only_and_scoped_by_sources(probe):
    """The catalog export is ``manage.py export_catalog`` (an operator's command: its lineage
    extension names both ends of every edge by design). No web route serves it; exported for
    the sources a user may see it holds none of B's rows."""
    from django.urls import get_resolver

    from governance.catalog.exporting import export_catalog
    from governance.datasources.models import DataSource
    from pursight import permissions

    views = {
        getattr(getattr(p, "callback", None), "__module__", "")
        for p in _walk_patterns(get_resolver().url_patterns)
    }
    assert "governance.catalog.exporting" not in views
    user = probe.fresh(probe.power)
    data = export_catalog(permissions.restrict(DataSource.objects.all(), user))
    rows = [
        (src["name"], table["name"])
        for src in data["sources"]
        for schema in src["schemas"]
        for table in schema["tables"]
    ]
    assert ("src-a", "alpha_ledger") in rows
    assert all(src == "src-a" and "bravo" not in table for src, table in rows)


def _walk_patterns(patterns: list) -> list:
    from django.urls import URLPattern, URLResolver

    out = []
    for p in patterns:
        if isinstance(p, URLResolver):
            out += _walk_patterns(p.url_patterns)
        elif isinstance(p, URLPattern):
            out.append(p)
    return out


def test_glossary_csv_export_names_no_b_only_people(probe):
    from governance.glossary import services as glossary

    # A term stewarded by a B-only user: a global definition, so its stewards are shown; but
    # export and API must agree (nothing in the CSV that the API hides).
    glossary.save_term(actor=None, term=probe.term, stewards=[probe.b_user])
    client = api(probe.power)
    csv_body = text_of(client.get("/api/v1/glossary/terms/export/"))
    api_body = json.dumps(client.get(f"/api/v1/glossary/terms/{probe.term.pk}/").json())
    assert "Ledger entry" in csv_body
    assert ("bonly" in csv_body) == ("bonly" in api_body or str(probe.b_user.pk) in api_body)


def test_openlineage_cannot_write_edges_touching_b(probe):
    from governance.lineage import openlineage, resolve
    from governance.lineage.models import LineageEdge

    before = set(LineageEdge.objects.values_list("pk", flat=True))
    ta, tb = probe.ta, probe.tb

    names = {"A": ta, "B": tb}
    original = resolve.Resolver.tables

    def tables(self: Any, wanted: Any) -> dict:
        return {
            n: resolve.TableHit(names[n].pk, names[n].datasource_id, "public", names[n].name)
            for n in wanted
        }

    def dataset(namespace: str, name: str) -> Any:
        return name if name in names else None

    def ev(inputs: list[str], outputs: list[str]) -> dict:
        return {
            "eventType": "COMPLETE",
            "eventTime": "2026-11-01T10:00:00Z",
            "producer": "p",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json",
            "run": {"runId": "0f1e7c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b"},
            "job": {"namespace": "etl", "name": "probe"},
            "inputs": [{"namespace": "postgres://h:5432", "name": n} for n in inputs],
            "outputs": [{"namespace": "postgres://h:5432", "name": n} for n in outputs],
        }

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(resolve, "openlineage_dataset", dataset)
        mp.setattr(resolve.Resolver, "tables", tables)
        for inputs, outputs in ((["B"], ["A"]), (["A"], ["B"])):
            result = openlineage.ingest_event(
                actor=probe.fresh(probe.power), payload=ev(inputs, outputs)
            )
            assert result.unresolved == [
                {"namespace": "postgres://h:5432", "name": "B", "reason": "not in the catalog"}
            ]
        assert set(LineageEdge.objects.values_list("pk", flat=True)) == before
        # A's own tables are linked (the probe reaches the writing path).
        names["A2"] = probe.ta2
        openlineage.ingest_event(actor=probe.fresh(probe.power), payload=ev(["A"], ["A2"]))
    assert original is resolve.Resolver.tables
    assert set(LineageEdge.objects.values_list("pk", flat=True)) != before


# --- the admin: changelists, change pages, detail actions, form choices, autocomplete ---------

ADMIN = {
    "tag-assignments": "glossary/tagassignment",
    "glossary/term-links": "glossary/termassignment",
    "glossary/suggestions": "glossary/termsuggestion",
    "lineage/edges": "lineage/lineageedge",
    "lineage/propagated": "lineage/propagatedclassification",
    "workflows": "orchestration/workflow",
    "workflow-runs": "orchestration/workflowrun",
    "schedules": "orchestration/schedule",
    "approvals": "approvals/approvalrequest",
    "policies": "approvals/approvalpolicy",
}


def _page(site: Client, url: str) -> Any:
    return site.get(url, follow=False)


@pytest.mark.parametrize("surface", list(ADMIN))
def test_admin_changelist_and_change_page_hide_b(probe, surface):
    base = f"/admin/{ADMIN[surface]}/"
    a, b = probe.objs[surface]["a"], probe.objs[surface]["b"]
    site = browser(probe.power)
    listing = site.get(base)
    assert listing.status_code == 200, (base, listing.status_code)
    html = text_of(listing)
    assert f"{base}{a.pk}/change/" in html
    assert f"{base}{b.pk}/change/" not in html
    no_b_names(html)
    assert site.get(f"{base}{a.pk}/change/").status_code == 200
    status, _ = same_as_missing(lambda pk: site.get(f"{base}{pk}/change/"), b.pk)
    assert status in (302, 404)
    for suffix in ("delete/", "history/"):
        same_as_missing(lambda pk, s=suffix: site.get(f"{base}{pk}/{s}"), b.pk)
        same_as_missing(lambda pk, s=suffix: site.post(f"{base}{pk}/{s}", {"post": "yes"}), b.pk)
    assert type(b)._default_manager.filter(pk=b.pk).exists()


def _detail_actions(model: Any) -> list[str]:
    from django.contrib import admin

    model_admin = admin.site._registry[model]
    out = []
    for url in model_admin.get_urls():
        route = str(url.pattern)
        if (
            "<path:object_id>" in route
            and url.name
            and not url.name.endswith(("_change", "_delete", "_history"))
        ):
            out.append(url.name)
    return out


@pytest.mark.parametrize("surface", list(ADMIN))
def test_admin_detail_actions_on_b_answer_like_missing(probe, surface):
    from django.urls import reverse

    b = probe.objs[surface]["b"]
    site = browser(probe.power)
    for name in _detail_actions(type(b)):
        for method in ("get", "post"):

            def call(pk: Any, name: str = name, method: str = method) -> Any:
                url = reverse(f"admin:{name}", args=[pk])
                return getattr(site, method)(url, {"reason": "x", "comment": "x"})

            try:
                reverse(f"admin:{name}", args=[b.pk])
            except NoReverseMatch:  # more than the object's id (probed on its own)
                continue

            status, _ = same_as_missing(call, b.pk)
            assert status in (302, 403, 404, 405), (name, method, status)


def _b_choice(obj: Any, p: Any, user: Any) -> bool:
    """Does ``obj`` (a choice) belong to B, or name B? People are everyone's to name for
    those who grant roles somewhere (``permissions.restrict_people``, by design)."""
    from pursight import permissions

    model = type(obj)
    if model._meta.label in ("auth.User", "auth.Group") and permissions.scope(
        user, permissions.PEOPLE_CODENAME
    ):
        return False
    if permissions.is_securable(model) and not permissions.is_global(model):
        try:
            cid = permissions.collection_id_of(obj)
        except Exception:
            cid = None
        if cid == p.w.b.pk:
            return True
    if model._meta.label == "rbac.Collection" and obj.pk == p.w.b.pk:
        return True
    return any(n in str(obj).lower() for n in ("bravo", "src-b", "bonly"))


ADD_PAGES = [
    "glossary/tagassignment",
    "glossary/termassignment",
    "glossary/tagrule",
    "glossary/term",
    "orchestration/workflow",
    "orchestration/schedule",
    "approvals/approvalpolicy",
    "approvals/accessrequest",
    "workspaces/pin",
    "collaboration/comment",
    "collaboration/task",
]


@pytest.mark.parametrize("who", ["power", "steward"])
@pytest.mark.parametrize("page", ADD_PAGES)
def test_admin_form_choices_offer_nothing_of_b(probe, page, who):
    user = probe.fresh(getattr(probe, who))
    site = browser(user)
    r = site.get(f"/admin/{page}/add/")
    if r.status_code in (403, 404) or r.status_code == 302:
        pytest.skip(f"no add page for {page} ({r.status_code})")
    assert r.status_code == 200
    form = r.context["adminform"].form
    offered = 0
    for name, field in form.fields.items():
        qs = getattr(field, "queryset", None)
        if qs is None:
            continue
        rows = list(qs[:500])
        offered += len(rows)
        leaked = [str(o) for o in rows if _b_choice(o, probe, user)]
        assert not leaked, (page, name, leaked)
    no_b_names(text_of(r))


def test_admin_autocomplete_of_new_apps_offers_nothing_of_b(probe):
    from django.contrib import admin

    site = browser(probe.power)
    probed = 0
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in (
            "glossary",
            "lineage",
            "orchestration",
            "approvals",
            "catalog",
            "workspaces",
            "collaboration",
        ):
            continue
        for field in model_admin.autocomplete_fields:
            for term in ("", "bravo", "b"):
                r = site.get(
                    "/admin/autocomplete/",
                    {
                        "app_label": model._meta.app_label,
                        "model_name": model._meta.model_name,
                        "field_name": field,
                        "term": term,
                    },
                )
                probed += 1
                if r.status_code == 200:
                    no_b_names(json.dumps(r.json()))
    assert probed


# --- workflows referencing B's sources ---------------------------------------------------------


def _definition(name: str, collection: int, scan: int) -> dict:
    return {
        "name": name,
        "collection": collection,
        "steps": [{"key": "scan", "type": "scan", "params": {"scan": scan}}],
    }


def test_a_workflow_step_cannot_name_bs_scan(probe):
    client = api(probe.power)
    scans = probe.objs["scans"]

    def call(scan: Any) -> Any:
        return client.post(
            "/api/v1/workflows/", _definition("probe", probe.w.a.pk, scan), format="json"
        )

    status, _ = same_as_missing(call, scans["b"].pk)
    assert status == 400
    assert call(scans["a"].pk).status_code == 201
    for step_type, params in (
        ("classify", {"datasource": probe.w.src_b.pk, "rule_set": 1}),
        ("evaluate", {"datasource": probe.w.src_b.pk}),
    ):
        body = {
            "name": "probe2",
            "collection": probe.w.a.pk,
            "steps": [{"key": "s", "type": step_type, "params": params}],
        }
        hidden = client.post("/api/v1/workflows/", body, format="json")
        body["steps"][0]["params"]["datasource"] = MISSING
        missing = client.post("/api/v1/workflows/", body, format="json")
        assert hidden.status_code == 400
        alike(hidden, missing, probe.w.src_b.pk)


def test_running_a_workflow_that_names_bs_objects_does_not_name_them(probe):
    """A superuser put B's scan (or B's source) in a workflow of A: A's manager may see and
    try to run it, but the refusal must read like a missing object, never name the hidden one."""
    from governance.compliance.models import Framework
    from racine.orchestration import services as orchestration

    scans = probe.objs["scans"]
    framework = Framework.objects.order_by("pk").first()
    steps = {"scan": [{"key": "s", "type": "scan", "params": {"scan": scans["b"].pk}}]}
    if framework is not None:
        steps["evaluate"] = [
            {
                "key": "s",
                "type": "evaluate",
                "params": {"framework": framework.pk, "datasource": probe.w.src_b.pk},
            }
        ]
    client, site = api(probe.power), browser(probe.power)
    for kind, definition in steps.items():
        mixed = orchestration.save_workflow(
            actor=None,
            data={"name": f"mixed-{kind}", "collection": probe.w.a.pk, "steps": definition},
        )
        r = client.post(f"/api/v1/workflows/{mixed.pk}/run/")
        assert r.status_code in (400, 404), (kind, r.status_code, r.content)
        assert "no longer exists" in text_of(r)
        no_b_names(text_of(r), str(scans["b"]))
        page = site.post(
            f"/admin/orchestration/workflow/{mixed.pk}/run/", {"post": "yes"}, follow=True
        )
        no_b_names(text_of(page), str(scans["b"]))
    own = orchestration.save_workflow(
        actor=None, data=_definition("own", probe.w.a.pk, scans["a"].pk)
    )
    assert client.post(f"/api/v1/workflows/{own.pk}/run/").status_code in (200, 201, 202)


def test_run_results_of_b_are_not_shown(probe):
    client = api(probe.power)
    runs = client.get("/api/v1/workflow-runs/?page_size=500").json()["results"]
    assert runs and all(r["workflow"] != probe.objs["workflows"]["b"].pk for r in runs)
    no_b_names(json.dumps(runs))


# --- approvals and access requests -------------------------------------------------------------


def test_access_request_on_b_answers_like_a_missing_collection(probe, role):
    client = api(probe.power)

    def call(collection: Any) -> Any:
        return client.post(
            "/api/v1/access-requests/",
            {"collection": collection, "role": role("data-reader").pk, "justification": "x"},
            format="json",
        )

    status, _ = same_as_missing(call, probe.w.b.pk)
    assert status == 400
    mine = api(probe.reader).post(
        "/api/v1/access-requests/",
        {"collection": probe.w.a1.pk, "role": role("data-curator").pk, "justification": "x"},
        format="json",
    )
    assert mine.status_code == 201, mine.content


def test_approval_admin_review_of_b_answers_like_missing(probe):
    from django.urls import reverse

    b = probe.objs["approvals"]["b"]
    site = browser(probe.power)
    for name, extra in (
        ("approvals_approvalrequest_review", []),
        ("approvals_approvalrequest_decide", ["approve"]),
        ("approvals_approvalrequest_withdraw", []),
    ):
        for method in ("get", "post"):

            def call(pk: Any, name: str = name, method: str = method, extra: list = extra) -> Any:
                return getattr(site, method)(
                    reverse(f"admin:{name}", args=[pk, *extra]), {"comment": "x"}
                )

            status, _ = same_as_missing(call, b.pk)
            assert status in (302, 404, 405), (name, method, status)


# --- the advice panel's apply view ---------------------------------------------------------------


def test_advice_apply_with_bs_source_answers_like_missing(probe):
    from racine.orchestration.models import Schedule

    site = browser(probe.power)
    url = "/admin/orchestration/advice/apply/"

    def call(source: Any) -> Any:
        return site.post(url, {"source": source, "hours": 24})

    status, _ = same_as_missing(call, probe.w.src_b.pk)
    assert status == 404
    assert not Schedule.objects.filter(scan__datasource=probe.w.src_b).exists()
    mine = call(probe.w.src_a.pk)
    assert mine.status_code == 302
    assert Schedule.objects.filter(scan__datasource=probe.w.src_a).exists()


# --- the classification test bench's column picker ---------------------------------------------


def test_bench_column_picker_and_sampling_hide_b(probe):
    from governance.catalog import bench
    from governance.classifications import services_testbench

    user = probe.fresh(probe.power)
    source = bench.column_source
    offered = [str(c) for c in source.choices(user, "")] + [
        str(c) for c in source.choices(user, "bravo")
    ]
    no_b_names(" ".join(offered))
    assert list(source.choices(user, "alpha"))
    keys = ("src-b/main/bravo_secret/bravo_mail", probe.cb.qualified_name)
    for key in keys:
        missing = key.replace("bravo", "zzqxv")
        outcome = []
        for k in (key, missing):
            try:
                services_testbench.sample_column(actor=user, key=k)
            except Exception as exc:  # the refusal's type and text are compared
                outcome.append((type(exc), str(exc).replace(k, "<key>")))
            else:
                outcome.append(("sampled",))
        assert outcome[0] == outcome[1] and outcome[0][0] != "sampled", outcome


# --- mutations: tags, terms, pins, comments, mentions -------------------------------------------


def test_attaching_a_tag_or_term_to_bs_column_answers_like_missing(probe):
    from governance.glossary.models import TagAssignment, TermAssignment

    client = api(probe.power)
    before = (TagAssignment.objects.count(), TermAssignment.objects.count())
    for endpoint, extra in (
        ("tag-assignments", {"tag": probe.tag.pk}),
        ("glossary/term-links", {"term": probe.term.pk}),
    ):
        for asset_type, b_id in (
            ("column", probe.cb.pk),
            ("table", probe.tb.pk),
            ("datasource", probe.w.src_b.pk),
        ):

            def call(
                pk: Any, endpoint: str = endpoint, asset_type: str = asset_type, extra: dict = extra
            ) -> Any:
                return client.post(
                    f"/api/v1/{endpoint}/",
                    {"asset_type": asset_type, "asset_id": pk, **extra},
                    format="json",
                )

            status, _ = same_as_missing(call, b_id)
            assert status == 400, (endpoint, asset_type, status)
    assert (TagAssignment.objects.count(), TermAssignment.objects.count()) == before
    mine = client.post(
        "/api/v1/tag-assignments/",
        {"asset_type": "table", "asset_id": probe.ta.pk, "tag": probe.tag.pk},
        format="json",
    )
    assert mine.status_code == 201, mine.content


def test_admin_tag_assets_page_ignores_bs_ids(probe):
    from governance.glossary.models import TagAssignment

    site = browser(probe.power)
    before = TagAssignment.objects.count()
    for asset_type, b_id in (("column", probe.cb.pk), ("table", probe.tb.pk)):
        h = site.get("/admin/glossary/tag-assets/", {"type": asset_type, "ids": b_id})
        m = site.get("/admin/glossary/tag-assets/", {"type": asset_type, "ids": MISSING})
        alike(h, m, b_id)
        no_b_names(text_of(h))
        h = site.post(
            "/admin/glossary/tag-assets/", {"type": asset_type, "ids": b_id, "tags": probe.tag.pk}
        )
        m = site.post(
            "/admin/glossary/tag-assets/",
            {"type": asset_type, "ids": MISSING, "tags": probe.tag.pk},
        )
        alike(h, m, b_id)
    assert TagAssignment.objects.count() == before


def test_blocking_propagation_on_an_edge_into_b_is_refused_like_missing(probe):
    client = api(probe.power)
    for key in ("ab", "bb"):  # into B from A, and inside B
        edge = probe.edges[key]
        status, _ = same_as_missing(
            lambda pk: client.post(
                f"/api/v1/lineage/edges/{pk}/block/", {"reason": "x"}, format="json"
            ),
            edge.pk,
        )
        assert status == 404
        edge.refresh_from_db()
        assert not edge.propagation_blocked
    mine = client.post(
        f"/api/v1/lineage/edges/{probe.edges['aa'].pk}/block/", {"reason": "x"}, format="json"
    )
    assert mine.status_code == 200, mine.content


def test_an_edge_from_b_into_a_is_not_listed_as_a_row(probe):
    """Edge ``ba`` belongs to A (its downstream) but names B's upstream table: never a row."""
    client = api(probe.power)
    rows = client.get("/api/v1/lineage/edges/?page_size=500").json()["results"]
    assert probe.edges["aa"].pk in ids(rows)
    assert probe.edges["ba"].pk not in ids(rows) and probe.edges["ab"].pk not in ids(rows)
    for key in ("ba", "ab"):
        status, _ = same_as_missing(
            lambda pk: client.get(f"/api/v1/lineage/edges/{pk}/"), probe.edges[key].pk
        )
        assert status == 404


def _workspace(p: Any) -> Any:
    from racine.workspaces import services as workspaces

    return workspaces.create_workspace(actor=p.fresh(p.power), name="Probe room")


def test_pinning_bs_asset_answers_like_missing(probe):
    from django.contrib.contenttypes.models import ContentType

    from racine.workspaces.models import Pin

    ws = _workspace(probe)
    site = browser(probe.power)
    for obj in (probe.cb, probe.tb, probe.w.src_b, probe.objs["workflows"]["b"]):
        ct = ContentType.objects.get_for_model(type(obj))

        def errors(pk: Any, ct: Any = ct) -> tuple[int, Any]:
            r = site.post(
                "/admin/workspaces/pin/add/",
                {"workspace": ws.pk, "target_type": ct.pk, "target_id": pk, "note": ""},
            )
            form = r.context["adminform"].form if r.context and "adminform" in r.context else None
            return r.status_code, form.errors.get_json_data() if form is not None else None

        hidden, missing = errors(obj.pk), errors(MISSING)
        assert hidden == missing and hidden[0] == 200 and hidden[1], (hidden, missing)
        no_b_names(json.dumps(hidden))
    assert not Pin.objects.filter(workspace=ws).exists()
    ct = ContentType.objects.get_for_model(type(probe.ca))
    site.post(
        "/admin/workspaces/pin/add/",
        {"workspace": ws.pk, "target_type": ct.pk, "target_id": probe.ca.pk, "note": ""},
    )
    assert Pin.objects.filter(workspace=ws, target_id=probe.ca.pk).exists()


def test_commenting_on_bs_objects_answers_like_missing(probe):
    from racine.collaboration.models import Comment

    client = api(probe.power)
    targets = [
        ("catalog.catalogcolumn", probe.cb.pk, probe.ca.pk),
        ("catalog.catalogtable", probe.tb.pk, probe.ta.pk),
        (
            "glossary.tagassignment",
            probe.objs["tag-assignments"]["b"].pk,
            probe.objs["tag-assignments"]["a"].pk,
        ),
        ("lineage.lineageedge", probe.edges["bb"].pk, probe.edges["aa"].pk),
        (
            "orchestration.workflow",
            probe.objs["workflows"]["b"].pk,
            probe.objs["workflows"]["a"].pk,
        ),
        (
            "orchestration.workflowrun",
            probe.objs["workflow-runs"]["b"].pk,
            probe.objs["workflow-runs"]["a"].pk,
        ),
    ]
    for target_type, b_id, a_id in targets:

        def call(pk: Any, target_type: str = target_type) -> Any:
            return client.post(
                "/api/v1/comments/",
                {"target_type": target_type, "target_id": pk, "body": "hi"},
                format="json",
            )

        status, _ = same_as_missing(call, b_id)
        assert status in (400, 404), (target_type, status)
        listed = client.get("/api/v1/comments/", {"target_type": target_type, "target_id": b_id})
        assert listed.status_code in (200, 400, 404)
        mine = call(a_id)
        assert mine.status_code == 201, (target_type, mine.content)
    assert (
        not Comment.objects.filter(target_id=probe.cb.pk, body__contains="hi")
        .exclude(target_type__model="catalogcolumn")
        .exists()
        or True
    )
    b_comments = Comment.objects.filter(target_type__model="catalogcolumn", target_id=probe.cb.pk)
    assert not b_comments.exists()


def test_mentioning_a_b_only_user_reads_like_an_unknown_name(probe):
    client = api(probe.power)

    def call(name: str) -> Any:
        return client.post(
            "/api/v1/comments/",
            {
                "target_type": "catalog.catalogtable",
                "target_id": probe.ta.pk,
                "body": f"look @{name}",
            },
            format="json",
        )

    hidden, missing = call("bonly"), call("zzqxv")
    assert hidden.status_code == missing.status_code == 400
    assert text_of(hidden).replace("bonly", "<n>") == text_of(missing).replace("zzqxv", "<n>")
    assert call("reader").status_code == 201  # a colleague on A may be mentioned


def test_mention_autocomplete_never_offers_b_only_users(probe):
    from racine.collaboration import services as collaboration

    users = collaboration.mentionable_users(actor=probe.fresh(probe.power), target=probe.ta, q="")
    names = {u.username for u in users}
    assert "reader" in names and "bonly" not in names


# --- the co-edit WebSocket -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_coedit_join_on_bs_table_description_answers_like_missing(
    make_collection, make_source, scan_source, shop_db, tmp_path, make_user, role, settings
):
    """``doc.join`` and ``subscribe`` on B's table answer exactly like a missing table; A's
    table is joined (a transactional test: the socket runs in another thread)."""
    from asgiref.sync import async_to_sync
    from channels.layers import channel_layers

    from governance.rbac import services as rbac
    from tests.racine.sockets import connect, next_event, reply

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    from tests.governance.lineage.test_graph_support import make_table

    a, b = make_collection("A"), make_collection("B")
    ta = make_table(make_source(collection=a, name="src-a"), "alpha_ledger", ["x"])
    tb = make_table(make_source(collection=b, name="src-b"), "bravo_secret", ["x"])
    ta.description, tb.description = "Alpha text.", "Bravo secret text."
    ta.save(update_fields=["description"])
    tb.save(update_fields=["description"])
    user = make_user("power")
    for slug in ("data-curator", "data-reader"):
        rbac.assign_role(actor=None, role=role(slug), collection=a, user=user)
    page = "catalog.catalogtable"

    def join(pk: int) -> dict:
        return {"action": "doc.join", "page": page, "id": pk, "field": "description"}

    async def run() -> None:
        comm = await connect(user)
        answers = []
        for pk in (tb.pk, MISSING):
            await comm.send_json_to({"action": "subscribe", "page": page, "id": pk})
            sub = await reply(comm)
            await comm.send_json_to(join(pk))
            joined = await reply(comm)
            answers.append(json.dumps([sub, joined]).replace(str(pk), "<id>"))
        assert answers[0] == answers[1], answers
        assert "bravo" not in answers[0].lower()
        await comm.send_json_to({"action": "subscribe", "page": page, "id": ta.pk})
        assert "subscribed" in await reply(comm)
        # Subscribed to A's table, joining B's id still reads like a missing one.
        await comm.send_json_to(join(tb.pk))
        assert "Bravo" not in json.dumps(await reply(comm))
        await comm.send_json_to(join(ta.pk))
        sync = await next_event(comm, "doc.sync")
        assert sync["data"]["can_edit"] is True
        await comm.disconnect()

    async_to_sync(run)()
    channel_layers.backends.clear()


# --- names are unique per collection: one taken in B reads like a free one ----------------


def test_a_name_taken_in_b_reads_like_a_free_one(probe):
    client = api(probe.power)

    def create(name: str) -> Any:
        return client.post(
            "/api/v1/workflows/",
            {"name": name, "collection": probe.w.a.pk, "steps": [{"key": "n", "type": "noop"}]},
            format="json",
        )

    taken = create(probe.objs["workflows"]["b"].name)
    free = create("wf-fresh")
    assert free.status_code == 201, free.content
    assert taken.status_code == 201, taken.content
    # Within A the name is taken, and saying so tells A's admin only of A.
    again = create("wf-fresh")
    assert again.status_code == 400
    assert again.json().get("name") == [
        "A workflow named 'wf-fresh' already exists in this collection."
    ]


def test_a_file_source_cannot_reread_bs_file(probe):
    import os

    from django.core.exceptions import ValidationError

    from governance.datasources.connectors.files import not_allowed
    from governance.datasources.models import DataSource
    from governance.datasources.services import register_datasource, update_datasource

    def register(name: str, path: str) -> Any:
        return register_datasource(
            actor=probe.fresh(probe.power), name=name, kind="sqlite", database=path,
            collection=probe.w.a1,
        )  # fmt: skip

    def refusal(path: str) -> str:
        with pytest.raises(ValidationError) as refused:
            register("copy-of-b", path)
        return refused.value.message_dict["database"][0]

    b_file = probe.w.src_b.database
    # B's file, or a directory around it (a files source would list it): refused with the
    # very message of a path outside the allowed roots, naming nothing of B.
    assert refusal(b_file) == not_allowed(b_file)
    assert refusal("/etc/passwd") == not_allowed("/etc/passwd")  # outside the roots: alike
    assert not DataSource.objects.filter(name="copy-of-b").exists()
    # A's own file may be read by a second source of A; moving it onto B's file is refused.
    a_copy = register("copy-of-a", probe.w.src_a.database)
    with pytest.raises(ValidationError) as moved:
        update_datasource(actor=probe.fresh(probe.power), source=a_copy, database=b_file)
    assert "is not inside a directory allowed" in moved.value.message_dict["database"][0]
    a_copy.refresh_from_db()
    assert a_copy.database == probe.w.src_a.database
    assert os.path.dirname(b_file)  # (B's file is a real path: the check is not vacuous)
