"""Tags, terms, suggestions, rules, CSV and the compliance tag scope, through the services."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance.glossary import services
from governance.glossary.choices import LinkSource, SuggestionStatus, TermStatus
from governance.glossary.extensions import Pending, term_transition_guards
from governance.glossary.models import (
    Category,
    Tag,
    TagAssignment,
    TagRule,
    TagSet,
    Term,
    TermAssignment,
    TermSuggestion,
)
from pursight import permissions
from pursight.core.models import AuditEvent

pytestmark = pytest.mark.django_db


# --- mutual exclusion --------------------------------------------------------------------------


def test_exclusive_set_allows_one_tag_per_asset(shop, tiers, admin_user) -> None:
    customers = shop.tables["customers"]
    services.add_tags(actor=admin_user, assets=[customers], tags=[tiers["Tier.Gold"]])
    with pytest.raises(ValidationError, match=r"customers carries Tier\.Gold"):
        services.add_tags(actor=admin_user, assets=[customers], tags=[tiers["Tier.Silver"]])
    # A non-exclusive set takes several tags; the same tag twice is a no-op.
    change = services.add_tags(
        actor=admin_user,
        assets=[customers],
        tags=[tiers["Domain.Finance"], tiers["Domain.Sales"], tiers["Tier.Gold"]],
    )
    assert len(change.added) == 2 and change.skipped == 1
    # Replace swaps the exclusive tag.
    change = services.add_tags(
        actor=admin_user, assets=[customers], tags=[tiers["Tier.Silver"]], replace=True
    )
    assert [str(r.tag) for r in change.removed] == ["Tier.Gold"]
    names = sorted(str(r.tag) for r in services.links_of(TagAssignment, customers))
    assert names == ["Domain.Finance", "Domain.Sales", "Tier.Silver"]
    # Two tags of one exclusive set at once: refused, nothing written.
    orders = shop.tables["orders"]
    with pytest.raises(ValidationError, match="allows one tag per asset"):
        services.add_tags(
            actor=admin_user, assets=[orders], tags=[tiers["Tier.Gold"], tiers["Tier.Silver"]]
        )
    assert not services.links_of(TagAssignment, orders).exists()


def test_exclusivity_is_enforced_by_the_database(shop, tiers) -> None:
    customers = shop.tables["customers"]
    services.add_tags(actor=None, assets=[customers], tags=[tiers["Tier.Gold"]])
    with pytest.raises(IntegrityError), transaction.atomic():
        TagAssignment.objects.create(
            tag=tiers["Tier.Silver"],
            exclusive_set=tiers["Tier.Silver"].tag_set,
            **services.link_fields(customers),
        )


def test_making_a_set_exclusive_with_clashes_is_refused(shop, tiers) -> None:
    domain = tiers["Domain.Finance"].tag_set
    table = shop.tables["customers"]
    services.add_tags(
        actor=None, assets=[table], tags=[tiers["Domain.Finance"], tiers["Domain.Sales"]]
    )
    domain.mutually_exclusive = True
    with pytest.raises(ValidationError, match="1 asset"):
        services.save_tag_set(actor=None, tag_set=domain)
    services.remove_tag(
        actor=None, assignment=services.links_of(TagAssignment, table).get(tag__name="Sales")
    )
    services.save_tag_set(actor=None, tag_set=domain)
    row = services.links_of(TagAssignment, table).get()
    assert row.exclusive_set_id == domain.pk


def test_vocabulary_validation(tiers) -> None:
    with pytest.raises(ValidationError, match="without a dot"):
        services.save_tag_set(actor=None, tag_set=TagSet(name="A.B"))
    with pytest.raises(ValidationError, match="already exists"):
        services.save_tag_set(actor=None, tag_set=TagSet(name="tier"))
    gold = tiers["Tier.Gold"]
    with pytest.raises(ValidationError, match="already has a tag"):
        services.save_tag(actor=None, tag=Tag(tag_set=gold.tag_set, name="GOLD"))
    gold.tag_set = tiers["Domain.Sales"].tag_set
    with pytest.raises(ValidationError, match="cannot move"):
        services.save_tag(actor=None, tag=gold)


def test_link_rights_follow_the_asset_collection(shop, other, tiers, make_user, grant) -> None:
    curator = make_user("curator")
    grant(curator, "curate_catalog", shop.collection)
    grant(curator, "view_catalog", shop.collection)
    services.add_tags(actor=curator, assets=[shop.tables["orders"]], tags=[tiers["Tier.Gold"]])
    with pytest.raises(permissions.PermissionDenied):
        services.add_tags(actor=curator, assets=[other.tables["orders"]], tags=[tiers["Tier.Gold"]])
    reader = make_user("reader")
    grant(reader, "view_catalog", shop.collection)
    with pytest.raises(permissions.PermissionDenied):
        services.add_tags(
            actor=reader, assets=[shop.tables["customers"]], tags=[tiers["Tier.Gold"]]
        )
    assert services.visible_assets(reader, "table", [other.tables["orders"].pk, "x"]) == []
    event = AuditEvent.objects.filter(action="tag.assign").get()
    assert event.changes == {"added": ["Tier.Gold"], "removed": []}
    assert event.collection_id == shop.collection.pk


# --- terms -------------------------------------------------------------------------------------


def _term(name: str, **kw) -> Term:
    return services.save_term(actor=None, term=Term(name=name, **kw))


def test_term_definition_is_sanitised_markdown(db) -> None:
    term = _term("Revenue", definition="**Income** <script>alert(1)</script> [x](javascript:x)")
    assert "<strong>Income</strong>" in term.definition_html
    assert "<script" not in term.definition_html and "href" not in term.definition_html
    assert "&lt;script&gt;" in term.definition_html  # shown as text, never run
    again = Term(name="revenue ")
    with pytest.raises(ValidationError, match="already exists"):
        services.save_term(actor=None, term=again)


def test_transitions_and_guards(admin_user, make_user) -> None:
    term = _term("Customer", synonyms=["Client", "client", "Customer", " Kunde "])
    assert term.synonyms == ["Client", "Kunde"]
    with pytest.raises(ValidationError, match="cannot become approved"):
        services.transition_term(term, TermStatus.APPROVED, admin_user)
    assert services.transition_term(term, TermStatus.IN_REVIEW, admin_user).applied
    nobody = make_user("nobody")
    with pytest.raises(permissions.PermissionDenied):
        services.transition_term(term, TermStatus.APPROVED, nobody)
    term_transition_guards.register(
        "test.approval",
        lambda t, to, actor: Pending("Waiting for approval.") if to == "approved" else None,
    )
    try:
        result = services.transition_term(term, TermStatus.APPROVED, admin_user)
        assert not result.applied and result.message == "Waiting for approval."
        term.refresh_from_db()
        assert term.status == TermStatus.IN_REVIEW
        # The approval engine applies the decided change without asking itself again.
        assert services.transition_term(
            term, TermStatus.APPROVED, admin_user, guarded=False
        ).applied
    finally:
        term_transition_guards.unregister("test.approval")
    term.refresh_from_db()
    assert term.status == TermStatus.APPROVED
    assert AuditEvent.objects.filter(action="term.transition").count() == 2


def test_deprecated_terms_cannot_be_linked(shop, admin_user) -> None:
    term = _term("Old")
    services.transition_term(term, TermStatus.DEPRECATED, admin_user)
    with pytest.raises(ValidationError, match="deprecated"):
        services.link_term(actor=admin_user, asset=shop.tables["orders"], term=term)


def test_categories_keep_their_paths(db) -> None:
    finance = services.save_category(actor=None, category=Category(name="Finance"))
    revenue = services.ensure_category(actor=None, path="Finance/Revenue/Recurring")
    assert revenue.full_name == "Finance/Revenue/Recurring"
    finance.name = "Money"
    services.save_category(actor=None, category=finance)
    revenue.refresh_from_db()
    assert revenue.full_name == "Money/Revenue/Recurring"
    finance.parent = revenue
    with pytest.raises(ValidationError, match="inside itself"):
        services.save_category(actor=None, category=finance)
    with pytest.raises(ValidationError, match="slash"):
        services.save_category(actor=None, category=Category(name="a/b"))


# --- suggestions ---------------------------------------------------------------------------


def test_suggestions_from_names_accept_and_reject(shop, admin_user) -> None:
    email = _term("Email address", synonyms=["Courriel", "E-Mail-Adresse"])
    name = _term("Full name", abbreviation="", synonyms=["Nom complet"])
    amount = _term("Order amount", synonyms=["Betrag"])
    created = services.suggest_terms(datasource_ids=[shop.source.pk])
    rows = {(s.term.name, s.asset_name): s for s in TermSuggestion.objects.select_related("term")}
    assert ("Email address", "email") not in rows  # "email" alone is not "email address"
    assert ("Full name", "full_name") in rows and rows[("Full name", "full_name")].score == 100
    assert created == len(rows)
    full = rows[("Full name", "full_name")]
    services.decide_suggestions(actor=admin_user, suggestions=[full], accept=True)
    link = services.links_of(TermAssignment, full.asset).get()
    assert link.term == name and link.source == LinkSource.SUGGESTION
    assert rows and email and amount
    # A rejected pair is never proposed again; an accepted one is linked, not re-suggested.
    others = [s for s in rows.values() if s.pk != full.pk]
    services.decide_suggestions(actor=admin_user, suggestions=others, accept=False)
    services.suggest_terms(datasource_ids=[shop.source.pk])
    statuses = set(TermSuggestion.objects.values_list("status", flat=True))
    assert SuggestionStatus.PENDING not in statuses


def test_suggestions_match_abbreviated_and_foreign_names(shop) -> None:
    from governance.catalog.models import CatalogColumn

    col = shop.columns["customers.email"]
    CatalogColumn.objects.filter(pk=col.pk).update(name="cust_e_mail_adr")
    _term("Customer email address")
    services.suggest_terms()
    s = TermSuggestion.objects.get(asset_id=col.pk)
    assert s.score >= 90 and s.matched == "Customer email address"


def test_deciding_needs_curation_of_the_asset(shop, make_user, grant) -> None:
    _term("Full name")
    services.suggest_terms()
    reader = make_user("reader")
    grant(reader, "view_catalog", shop.collection)
    with pytest.raises(permissions.PermissionDenied):
        services.decide_suggestions(
            actor=reader, suggestions=list(TermSuggestion.objects.all()), accept=True
        )
    assert not TermAssignment.objects.exists()


# --- tag rules at scan time ---------------------------------------------------------------------


def test_scan_finished_applies_tag_rules(
    make_collection, make_source, scan_source, shop_db, tiers, django_capture_on_commit_callbacks
) -> None:
    from governance.classifications.models import Classification

    email_type = Classification.objects.get(code="EMAIL_ADDRESS")
    services.save_tag_rule(
        actor=None,
        rule=TagRule(name="pii", tag=tiers["Domain.Sales"], classification=email_type),
    )
    services.save_tag_rule(
        actor=None,
        rule=TagRule(name="money", tag=tiers["Domain.Finance"], name_pattern="^(amount|price)$"),
    )
    services.save_tag_rule(
        actor=None,
        rule=TagRule(
            name="orders", tag=tiers["Tier.Gold"], target="table", name_pattern="^orders$"
        ),
    )
    with pytest.raises(ValidationError, match="RE2"):
        services.save_tag_rule(actor=None, rule=TagRule(name="bad", tag=tiers["Tier.Gold"],
                                                        name_pattern="(?=x)"))  # fmt: skip
    with pytest.raises(ValidationError, match="name pattern, a classification"):
        services.save_tag_rule(actor=None, rule=TagRule(name="empty", tag=tiers["Tier.Gold"]))
    source = make_source(shop_db, collection=make_collection("A"), name="shop")
    with django_capture_on_commit_callbacks(execute=True):
        scan_source(source)
    tagged = {
        (r.asset_type, r.asset.name, str(r.tag))
        for r in TagAssignment.objects.select_related("tag__tag_set", "table", "column")
    }
    assert ("column", "email", "Domain.Sales") in tagged
    assert ("column", "amount", "Domain.Finance") in tagged
    assert ("table", "orders", "Tier.Gold") in tagged
    assert all(r.source == LinkSource.RULE for r in TagAssignment.objects.all())
    # orders.amount and the view big_orders.amount; a rescan adds nothing twice.
    assert TagAssignment.objects.count() == 4
    with django_capture_on_commit_callbacks(execute=True):
        scan_source(source)
    assert TagAssignment.objects.count() == 4


# --- compliance tag scope and catalog export -------------------------------------------------


def test_compliance_tag_scope(shop, tiers) -> None:
    from governance.compliance.evaluation import assets_in_scope, compile_rule, validate_spec
    from governance.compliance.registry import get_scope

    assert get_scope("tag").available
    services.add_tags(actor=None, assets=[shop.tables["orders"]], tags=[tiers["Tier.Gold"]])
    services.add_tags(
        actor=None, assets=[shop.columns["customers.email"]], tags=[tiers["Domain.Sales"]]
    )
    for scope, kind, expected in (
        ({"tag": ["Tier.Gold"]}, "table", {"orders"}),
        ({"tag": "tier.gold"}, "table", {"orders"}),
        ({"tag": ["Domain"]}, "column", {"email"}),
        ({"tag": ["Tier.Silver"]}, "table", set()),
    ):
        norm, condition = validate_spec(kind, scope, {"type": "has_owner"})
        compiled = compile_rule(kind, norm, condition, timezone.now())
        assert {a.name for a in assets_in_scope(compiled)} == expected, scope
    with pytest.raises(ValidationError, match="tag names"):
        validate_spec("table", {"tag": [".x"]}, {"type": "has_owner"})


def test_export_catalog_carries_tags_and_terms(
    shop, tiers, admin_user, django_assert_max_num_queries
) -> None:
    from governance.catalog.exporting import export_catalog
    from governance.datasources.models import DataSource

    term = _term("Order")
    services.add_tags(actor=None, assets=[shop.tables["orders"]], tags=[tiers["Tier.Gold"]])
    services.add_tags(actor=None, assets=[shop.source], tags=[tiers["Domain.Sales"]])
    services.add_tags(
        actor=None, assets=[shop.columns["orders.amount"]], tags=[tiers["Domain.Finance"]]
    )
    services.link_term(actor=None, asset=shop.tables["orders"], term=term)
    with django_assert_max_num_queries(20):
        data = export_catalog(DataSource.objects.filter(pk=shop.source.pk))
    src = data["sources"][0]
    assert src["tags"] == ["Domain.Sales"]
    tables = {t["name"]: t for s in src["schemas"] for t in s["tables"]}
    assert tables["orders"]["tags"] == ["Tier.Gold"] and tables["orders"]["terms"] == ["Order"]
    assert tables["customers"]["tags"] == []
    amount = next(c for c in tables["orders"]["columns"] if c["name"] == "amount")
    assert amount["tags"] == ["Domain.Finance"] and amount["terms"] == []


# --- CSV -----------------------------------------------------------------------------------------


def _glossary(make_user) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    finance = services.ensure_category(actor=None, path="Finance/Revenue")
    ops = services.ensure_category(actor=None, path="Operations")
    customer = services.save_term(
        actor=None,
        term=Term(name="Customer", definition='A party that buys, "quoted",\nsecond line.',
                  synonyms=["Client", "Kunde"], abbreviation="CUST"),
        categories=[ops], owners=[ann], stewards=[bob],
    )  # fmt: skip
    services.save_term(
        actor=None,
        term=Term(name="Revenue", definition="| pipes | and ; semicolons", synonyms=["Umsatz"]),
        categories=[finance, ops],
        related=[customer],
        owners=[ann, bob],
    )
    services.transition_term(customer, TermStatus.IN_REVIEW, None)


def test_csv_round_trip(make_user) -> None:
    _glossary(make_user)
    exported = services.export_terms_csv()
    Term.objects.all().delete()
    Category.objects.filter(parent__isnull=False).delete()
    Category.objects.all().delete()
    result = services.import_terms_csv(actor=None, data=exported.encode("utf-8-sig"))
    assert sorted(result.created) == ["Customer", "Revenue"]
    assert services.export_terms_csv() == exported
    # Importing the same file again changes nothing.
    again = services.import_terms_csv(actor=None, data=exported)
    assert again.unchanged == ["Customer", "Revenue"] and not again.created
    assert services.export_terms_csv() == exported


def test_csv_import_is_all_or_nothing(make_user) -> None:
    _glossary(make_user)
    before = services.export_terms_csv()
    bad = (
        "name,status,synonyms,related,owners,categories\n"
        "New term,draft,x,,,\n"
        ",draft,,,,\n"
        "Other,aproved,,,,\n"
        "Third,,,Nope,ghost,Finance//X\n"
        "new TERM,,,,,\n"
        "Customer,approved,,,,\n"
    )
    with pytest.raises(ValidationError) as exc:
        services.import_terms_csv(actor=None, data=bad)
    messages = exc.value.messages
    assert "Row 3: the name is empty." in messages
    assert any(m.startswith("Row 4 ('Other'): unknown status 'aproved'") for m in messages)
    assert "Row 5 ('Third'): unknown user ghost in owners." in messages
    assert any("Row 5 ('Third'): the category 'Finance//X'" in m for m in messages)
    assert "Row 5 ('Third'): unknown related term Nope." in messages
    assert "Row 6 ('new TERM'): the term is already on row 2." in messages
    assert not Term.objects.filter(name="New term").exists()
    assert services.export_terms_csv() == before
    for data, message in (
        ("", "empty"),
        ("title,definition\nx,y\n", "missing column name; unknown column title"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
        ("name\n" + "a\n" * 10_001, "At most 10000"),
    ):
        with pytest.raises(ValidationError, match=message):
            services.import_terms_csv(actor=None, data=data)


def test_csv_status_changes_follow_the_workflow(make_user) -> None:
    _glossary(make_user)
    services.import_terms_csv(actor=None, data="name,status\nCustomer,approved\n")
    assert Term.objects.get(name="Customer").status == TermStatus.APPROVED
    with pytest.raises(ValidationError, match="cannot become draft"):
        services.import_terms_csv(actor=None, data="name,status\nCustomer,draft\n")
    term_transition_guards.register("test.hold", lambda t, to, a: Pending("held"))
    try:
        with pytest.raises(ValidationError, match="needs approval"):
            services.import_terms_csv(actor=None, data="name,status\nCustomer,deprecated\n")
    finally:
        term_transition_guards.unregister("test.hold")
    assert Term.objects.get(name="Customer").status == TermStatus.APPROVED
