"""Rule validation (the safe expression language) and loading the built-in frameworks."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from governance.compliance import builtins, services
from governance.compliance.models import Control, Finding, Framework, Rule

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("condition", "scope", "message"),
    [
        ({"type": "expression", "expr": {"==": ["colour", "red"]}}, {}, "unknown field 'colour'"),
        ({"type": "expression", "expr": {"<": ["name", 3]}}, {}, "operator '<' does not apply"),
        ({"type": "expression", "expr": {"==": ["nullable", "no"]}}, {}, "is not a boolean"),
        ({"type": "expression", "expr": {"eval": "__import__('os')"}}, {}, "unknown operator"),
        ({"type": "expression", "expr": {"matches": ["name", "("]}}, {}, "invalid regular"),
        ({"type": "expression", "expr": {"and": []}}, {}, "non-empty list"),
        (
            {"type": "expression", "expr": {"==": ["name", "a"], "!=": ["name", "b"]}},
            {},
            "exactly one",
        ),
        ({"type": "expression"}, {}, 'needs "expr"'),
        ({"type": "has_owner", "inherit": "yes"}, {}, "parameter 'inherit' expects true or false"),
        ({"type": "scanned_within", "days": 0}, {}, "whole number of days from 1 to 36500"),
        # Bounds: a saved rule must be able to run (10**12 days overflowed every evaluation).
        ({"type": "scanned_within", "days": 10**12}, {}, "from 1 to 36500"),
        ({"type": "retention_set", "max_days": 10**9}, {}, "from 1 to 36500"),
        ({"type": "has_owner"}, {"collection": [10**30]}, "between 1 and 2^63 - 1"),
        (
            {"type": "expression", "expr": {">": ["first_seen", {"days_ago": 999999999}]}},
            {},
            "days_ago must be a whole number from 0 to 36500",
        ),
        ({"type": "expression", "expr": {"<": ["ordinal", 10**30]}}, {}, "out of range"),
        ({"type": "expression", "expr": {"<": ["null_fraction", float("inf")]}}, {}, "range"),
        ({"type": "expression", "expr": {"in": ["name", ["x"] * 1001]}}, {}, "at most 1000"),
        # Impossible dates are refused, not a server error.
        ({"type": "expression", "expr": {"<": ["first_seen", "2024-02-30"]}}, {}, "not a valid"),
        (
            {"type": "expression", "expr": {"<": ["first_seen", "2024-01-01T25:00"]}},
            {},
            "not a valid date or time",
        ),
        ({"type": "expression", "expr": {"<": ["first_seen", "0001-01-01"]}}, {}, "the year"),
        ({"type": "expression", "expr": {"<": ["first_seen", "soon"]}}, {}, "ISO date"),
        # Patterns are RE2 (linear time) and bounded in length.
        ({"type": "has_owner"}, {"name_pattern": "(?=x)"}, "look-ahead"),
        ({"type": "has_owner"}, {"name_pattern": "(a)\\1"}, "backreferences"),
        ({"type": "has_owner"}, {"name_pattern": "a" * 1001}, "too long"),
        ({"type": "expression", "expr": {"matches": ["name", "a" * 1001]}}, {}, "too long"),
        ({"type": "not_in_exposed_schema", "pattern": "(?<=x)y"}, {}, "look-behind"),
        ({"type": "teleport"}, {}, "unknown condition 'teleport'"),
        ({"type": "has_owner"}, {"colour": "red"}, "unknown scope filter 'colour'"),
        ({"type": "has_owner"}, {"name_pattern": "["}, "invalid regular expression"),
        ({"type": "has_owner"}, {"datasource_kind": ["oracle"]}, "unknown data source kind"),
        ({"type": "has_owner"}, {"table_pattern": "x"}, "does not apply to schema rules"),
    ],
)
def test_broken_rules_are_refused_with_clear_errors_and_nothing_saved(
    framework, condition, scope, message
):
    asset_type = "schema" if "table_pattern" in scope else "column"
    rule = Rule(
        framework=framework,
        control=framework.controls.first(),
        code="broken",
        name="Broken",
        asset_type=asset_type,
        scope=scope,
        condition=condition,
    )
    with pytest.raises(ValidationError) as exc:
        services.save_rule(actor=None, rule=rule)
    assert message in " ".join(exc.value.messages), exc.value.messages
    assert not Rule.objects.filter(code="broken").exists()


def test_error_path_points_into_the_expression(framework):
    rule = Rule(
        framework=framework,
        control=framework.controls.first(),
        code="p",
        name="p",
        asset_type="table",
        condition={
            "type": "expression",
            "expr": {"or": [{"is_null": "owner"}, {"==": ["datasource.kind", 5]}]},
        },
    )
    with pytest.raises(ValidationError) as exc:
        services.save_rule(actor=None, rule=rule)
    assert exc.value.message_dict["condition"] == [
        "condition.expr.or[1].==: 'datasource.kind' is a text field; 5 is not a text"
    ]


def test_load_frameworks_is_idempotent_and_ships_the_five(db):
    first = builtins.load_frameworks()
    assert set(first.frameworks) == {"gdpr", "hipaa", "pci-dss", "ccpa", "sox"}
    assert first.created > 30 and first.updated == 0
    counts = (Framework.objects.count(), Control.objects.count(), Rule.objects.count())
    second = builtins.load_frameworks()
    assert second.created == 0 and second.updated == 0 and second.unchanged == first.created
    assert (Framework.objects.count(), Control.objects.count(), Rule.objects.count()) == counts
    assert all(r.locally_edited_fields() == [] for r in Rule.objects.all())


def test_upgrade_keeps_local_edits_and_findings(tmp_path, catalog_of, evaluate):
    shipped = json.loads((builtins.FRAMEWORKS_DIR / "pci-dss.json").read_text())
    v1 = tmp_path / "pci-dss.json"
    v1.write_text(json.dumps(shipped))
    builtins.load_frameworks([v1])
    framework = Framework.objects.get(code="pci-dss")
    rule = Rule.objects.get(builtin_key="pci-dss/pan-not-exposed")
    # A steward edits the severity and remediation locally; the catalog has a violation.
    rule.severity = "high"
    rule.remediation = "Call the DBA team."
    services.save_rule(actor=None, rule=rule)
    cat = catalog_of(name="cards")
    cat.column(cat.table(cat.schema("public"), "payments"), "card_number")
    evaluate(fw=framework)
    finding = Finding.objects.get(rule=rule)

    # Version 2 changes the name, the severity and the remediation of that rule.
    for control in shipped["controls"]:
        for r in control["rules"]:
            if r["code"] == "pan-not-exposed":
                r["name"] = "No PAN in exposed schemas (v2)"
                r["severity"] = "medium"
                r["remediation"] = "New shipped text."
    shipped["version"] = "4.0.1"
    v1.write_text(json.dumps(shipped))
    result = builtins.load_frameworks([v1])
    assert result.updated == 2  # the framework (version) and the rule
    assert sorted(result.preserved) == [
        "pci-dss/pan-not-exposed.remediation",
        "pci-dss/pan-not-exposed.severity",
    ]
    rule.refresh_from_db()
    assert rule.name == "No PAN in exposed schemas (v2)"  # not edited locally: upgraded
    assert (rule.severity, rule.remediation) == ("high", "Call the DBA team.")
    assert sorted(rule.locally_edited_fields()) == ["remediation", "severity"]
    assert Framework.objects.get(code="pci-dss").version == "4.0.1"
    assert Finding.objects.filter(pk=finding.pk, rule=rule).exists()
    # Loading again is a no-op.
    assert builtins.load_frameworks([v1]).updated == 0


def test_builtin_frameworks_evaluate_on_a_scanned_catalog(
    make_source, shop_db, scan_source, capsys
):
    from django.core.management import call_command

    call_command("load_frameworks")
    scan_source(make_source(shop_db, name="shop"))
    call_command("evaluate_compliance")
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines()[2:]}
    assert set(rows) == {"gdpr", "hipaa", "pci-dss", "ccpa", "sox"}
    # GDPR flags the e-mail and name columns of customers (not encrypted, no retention...).
    gdpr = Finding.objects.filter(framework__code="gdpr")
    assert {"main.customers.email", "main.customers.full_name"} <= set(
        gdpr.values_list("asset_name", flat=True)
    )
