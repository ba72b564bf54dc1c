"""Every built-in condition and scope filter on crafted catalogs: passing and failing assets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.compliance.choices import ACTIVE_STATUSES
from governance.compliance.models import Finding

pytestmark = pytest.mark.django_db


def flagged(rule) -> set[str]:
    return set(
        Finding.objects.filter(rule=rule, status__in=ACTIVE_STATUSES).values_list(
            "asset_name", flat=True
        )
    )


@pytest.fixture
def shop(catalog_of, make_user):
    """Source ``shop``: schemas main and public; tables customers, orders; a few columns."""
    cat = catalog_of(name="shop")
    owner = make_user("owner")
    main = cat.schema("main")
    public = cat.schema("public")
    customers = cat.table(main, "customers", owner=owner, description="Our customers")
    orders = cat.table(main, "orders", comment="from the DB comment")
    leak = cat.table(public, "export")
    cols = {
        "email": cat.column(customers, "email", owner=owner, description="Contact e-mail"),
        "phone": cat.column(customers, "phone"),
        "amount": cat.column(orders, "amount", data_type="numeric", nullable=False),
        "note": cat.column(orders, "note", comment="free text"),
        "leak_email": cat.column(leak, "email"),
    }
    return {
        "cat": cat,
        "source": cat.source,
        "owner": owner,
        "cols": cols,
        "tables": {"customers": customers, "orders": orders, "export": leak},
    }


def test_has_owner_direct_and_inherited(shop, make_rule, evaluate):
    direct = make_rule("column", {"type": "has_owner"})
    inherited = make_rule("column", {"type": "has_owner", "inherit": True})
    evaluate()
    # register_datasource makes the actor the owner; here the actor is None: source has no owner.
    assert flagged(direct) == {
        "main.customers.phone",
        "main.orders.amount",
        "main.orders.note",
        "public.export.email",
    }
    # phone inherits the owner of the customers table.
    assert flagged(inherited) == {"main.orders.amount", "main.orders.note", "public.export.email"}
    f = Finding.objects.get(rule=direct, asset_name="main.customers.phone")
    assert f.evidence["facts"] == {"owner": None}
    assert f.qualified_name.endswith("/main/customers/phone")


def test_has_description_with_or_without_comment(shop, make_rule, evaluate):
    strict = make_rule("table", {"type": "has_description"})
    lenient = make_rule("table", {"type": "has_description", "accept_comment": True})
    evaluate()
    assert flagged(strict) == {"main.orders", "public.export"}
    assert flagged(lenient) == {"public.export"}


def test_datasource_facts(catalog_of, make_rule, evaluate):
    good = catalog_of(name="good", encrypted_at_rest=True, retention_days=30)
    bad = catalog_of(name="bad", store_samples=True)
    for cat in (good, bad):
        cat.column(cat.table(cat.schema("main"), "t"), "c")
    enc = make_rule("column", {"type": "encrypted_at_rest"})
    samples = make_rule("datasource", {"type": "samples_off"})
    retention = make_rule("column", {"type": "retention_set"})
    short = make_rule("datasource", {"type": "retention_set", "max_days": 7})
    evaluate()
    assert flagged(enc) == {"main.t.c"}
    assert Finding.objects.get(rule=enc).datasource == bad.source
    assert Finding.objects.get(rule=enc).evidence["facts"] == {
        "data source": "bad",
        "encrypted_at_rest": False,
    }
    assert flagged(samples) == {"bad"}
    assert Finding.objects.get(rule=retention).datasource == bad.source
    assert flagged(short) == {"good", "bad"}  # 30 days is more than 7; bad has none


def test_not_in_exposed_schema(shop, make_rule, evaluate):
    rule = make_rule("column", {"type": "not_in_exposed_schema"}, {"name_pattern": "mail"})
    custom = make_rule(
        "table", {"type": "not_in_exposed_schema", "pattern": "^main$"}, code="custom"
    )
    evaluate()
    assert flagged(rule) == {"public.export.email"}
    assert Finding.objects.get(rule=rule).evidence["facts"] == {"schema": "public"}
    assert flagged(custom) == {"main.customers", "main.orders"}


def test_scanned_within(catalog_of, make_rule, evaluate):
    from governance.datasources.models import DataSource

    fresh, stale, _never = (catalog_of(name=n).source for n in ("fresh", "stale", "never"))
    now = timezone.now()
    DataSource.objects.filter(pk=fresh.pk).update(last_scan_at=now - timedelta(days=2))
    DataSource.objects.filter(pk=stale.pk).update(last_scan_at=now - timedelta(days=40))
    rule = make_rule("datasource", {"type": "scanned_within", "days": 30})
    evaluate()
    assert flagged(rule) == {"stale", "never"}


def test_no_open_schema_drift_and_acknowledgement(shop, make_rule, evaluate):
    from governance.compliance import services
    from governance.scans.models import Scan, ScanRun, SchemaChange

    source = shop["source"]
    scan = Scan.objects.create(name="s", datasource=source)
    now = timezone.now()
    old = ScanRun.objects.create(
        scan=scan, datasource=source, state="succeeded", finished_at=now - timedelta(days=1)
    )
    latest = ScanRun.objects.create(
        scan=scan, datasource=source, state="succeeded", finished_at=now
    )
    amount, note = shop["cols"]["amount"], shop["cols"]["note"]
    # An old change does not count; the latest run changed amount's type and added note.
    SchemaChange.objects.create(
        run=old,
        datasource=source,
        asset_type="column",
        change="type_changed",
        qualified_name=note.qualified_name,
        display_name="orders.note",
    )
    change = SchemaChange.objects.create(
        run=latest,
        datasource=source,
        asset_type="column",
        change="type_changed",
        qualified_name=amount.qualified_name,
        display_name="orders.amount",
        details={"from": "integer", "to": "numeric"},
    )
    SchemaChange.objects.create(
        run=latest,
        datasource=source,
        asset_type="column",
        change="added",
        qualified_name=note.qualified_name,
        display_name="orders.note",
    )
    col_rule = make_rule("column", {"type": "no_open_schema_drift"})
    table_rule = make_rule("table", {"type": "no_open_schema_drift"})
    src_rule = make_rule("datasource", {"type": "no_open_schema_drift", "changes": ["added"]})
    evaluate()
    assert flagged(col_rule) == {"main.orders.amount"}
    assert flagged(table_rule) == {"main.orders"}
    assert flagged(src_rule) == {"shop"}
    facts = Finding.objects.get(rule=col_rule).evidence["facts"]
    assert facts["change"] == "type_changed" and facts["scan run"] == latest.pk

    services.acknowledge_schema_changes(
        actor=None, changes=SchemaChange.objects.filter(pk=change.pk), note="expected"
    )
    evaluate()
    assert flagged(col_rule) == set() and flagged(table_rule) == set()
    assert flagged(src_rule) == {"shop"}  # the 'added' change is still unacknowledged


def test_scope_filters(catalog_of, make_collection, make_rule, evaluate):
    parent = make_collection("Parent")
    child = make_collection("Child", parent=parent)
    other = make_collection("Other")
    cats = {
        "in-child": catalog_of(name="in-child", collection=child),
        "in-other": catalog_of(name="in-other", collection=other, kind="sqlite"),
    }
    for cat in cats.values():
        main = cat.schema("main")
        cat.column(cat.table(main, "cards"), "card_number", data_type="varchar(19)")
        cat.column(cat.table(main, "people"), "age", data_type="integer")
    cond = {"type": "has_owner"}
    by_collection = make_rule("column", cond, {"collection": [parent.pk]})
    by_source = make_rule("column", cond, {"datasource": ["in-other"]})
    by_kind = make_rule("column", cond, {"datasource_kind": ["postgresql"]})
    by_name = make_rule("column", cond, {"name_pattern": "^card_?num"})
    by_table = make_rule("column", cond, {"table_pattern": "^peo", "schema_pattern": "main"})
    by_type = make_rule("column", cond, {"data_type_pattern": "^varchar"})
    evaluate()
    assert {f.datasource.name for f in Finding.objects.filter(rule=by_collection)} == {"in-child"}
    assert {f.datasource.name for f in Finding.objects.filter(rule=by_source)} == {"in-other"}
    assert flagged(by_kind) == set()
    assert flagged(by_name) == {"main.cards.card_number"}
    assert flagged(by_table) == {"main.people.age"}
    assert flagged(by_type) == {"main.cards.card_number"}


def test_expression_condition(shop, make_rule, evaluate):
    rule = make_rule(
        "column",
        {
            "type": "expression",
            "expr": {
                "or": [
                    {"==": ["nullable", False]},
                    {"and": [{"not_blank": "comment"}, {"matches": ["table.name", "^ord"]}]},
                ]
            },
        },
    )
    dated = make_rule(
        "column",
        {"type": "expression", "expr": {">=": ["first_seen", {"days_ago": 1}]}},
        code="dated",
    )
    evaluate()
    assert flagged(rule) == {"main.customers.email", "main.customers.phone", "public.export.email"}
    facts = Finding.objects.get(rule=rule, asset_name="main.customers.phone").evidence["facts"]
    assert facts == {"nullable": True, "comment": "", "table.name": "customers"}
    assert flagged(dated) == set()


def test_slot_rules_are_skipped_until_a_provider_registers(shop, make_rule, evaluate, monkeypatch):
    from governance.compliance import registry

    # As before the classifications app registers its providers: only the reserved slots.
    monkeypatch.setattr(
        registry,
        "registry",
        registry.Registry(dict(registry.registry.scopes), dict(registry.registry.conditions)),
    )
    for name in ("classification",):
        registry.registry.scopes.pop(name)
        registry.reserve_scope(name, name, "", registry.ALL_ASSET_TYPES)
    registry.registry.conditions.pop("classification_decided")
    registry.reserve_condition("classification_decided", "decided", "", registry.ALL_ASSET_TYPES)
    rule = make_rule("column", {"type": "classification_decided"}, {"classification": ["EMAIL"]})
    run = evaluate()
    assert run.rules_skipped == 1 and run.rules_evaluated == 0
    assert "not available yet" in run.details["rules"][0]["skipped"]
    assert flagged(rule) == set()


def test_classification_hook_with_a_provider(shop, make_rule, evaluate):
    """The hook the classifications app fills: two functions returning column-id querysets."""
    from governance.catalog.models import CatalogColumn
    from governance.compliance import conditions, registry

    cols = shop["cols"]

    class Provider:
        @staticmethod
        def classified_column_ids(*, labels=None, sensitivity_labels=None, include_suggested=True):
            names = {"EMAIL": ["email"], "PHONE": ["phone"]}
            wanted = [
                n for label in (labels or sensitivity_labels or []) for n in names.get(label, [])
            ]
            return CatalogColumn.objects.filter(name__in=wanted).values("pk")

        @staticmethod
        def undecided_column_ids():
            return CatalogColumn.objects.filter(pk=cols["leak_email"].pk).values("pk")

    saved = (dict(registry.registry.scopes), dict(registry.registry.conditions))
    try:
        assert conditions.connect_classifications(Provider)
        scoped = make_rule("column", {"type": "has_owner"}, {"classification": ["EMAIL"]})
        tables = make_rule("table", {"type": "has_owner"}, {"sensitivity_label": ["PHONE"]})
        decided = make_rule("column", {"type": "classification_decided"})
        evaluate()
        assert flagged(scoped) == {"public.export.email"}  # customers.email has an owner
        assert flagged(tables) == set()  # customers (holding phone) has an owner
        assert flagged(decided) == {"public.export.email"}
    finally:
        registry.registry.scopes, registry.registry.conditions = saved
