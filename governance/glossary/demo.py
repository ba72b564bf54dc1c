"""The glossary's part of ``manage.py demo``: tag sets, a few terms, rules and links on the
demo's tables (registered as a demo step by an app above scans; see the report)."""

from __future__ import annotations

from typing import Any

from governance.catalog.models import CatalogTable

from . import services
from .choices import TermStatus
from .models import Tag, TagRule, TagSet, Term

TERMS = [
    ("Customer", "A person or company that **buys** from us.", ["Client", "Kunde", "Cliente"],
     "Sales"),
    ("Email address", "Where we write to a customer. Personal data (GDPR art. 4).",
     ["E-mail", "Courriel", "E-Mail-Adresse"], "Sales"),
    ("Order amount", "The total of an order, taxes included.", ["Amount", "Betrag", "Montant"],
     "Finance"),
    ("Full name", "A person's given and family names.", ["Nom complet", "Nombre completo"],
     "Sales"),
]  # fmt: skip


def demo_glossary(*, stdout: Any, user: Any, source: Any, run: Any) -> None:
    if TagSet.objects.filter(name="Tier").exists():
        stdout.write("Glossary already set up")
        return
    tier = services.save_tag_set(
        actor=user,
        tag_set=TagSet(name="Tier", mutually_exclusive=True, description="How critical."),
    )
    domain = services.save_tag_set(actor=user, tag_set=TagSet(name="Domain"))
    tags = {}
    for tag_set, names in ((tier, ["Gold", "Silver", "Bronze"]), (domain, ["Sales", "Finance"])):
        for name in names:
            tags[f"{tag_set.name}.{name}"] = services.save_tag(
                actor=user, tag=Tag(tag_set=tag_set, name=name)
            )
    categories = {
        name: services.ensure_category(actor=user, path=f"Business/{name}")
        for name in ("Sales", "Finance")
    }
    terms = {}
    for name, definition, synonyms, category in TERMS:
        terms[name] = services.save_term(
            actor=user,
            term=Term(name=name, definition=definition, synonyms=synonyms),
            categories=[categories[category]],
            owners=[user],
        )
    services.transition_term(terms["Customer"], TermStatus.IN_REVIEW, user)
    services.transition_term(terms["Customer"], TermStatus.APPROVED, user)
    services.save_tag_rule(
        actor=user,
        rule=TagRule(name="Money columns", tag=tags["Domain.Finance"],
                     name_pattern="(amount|price|total)"),
    )  # fmt: skip
    services.apply_tag_rules(datasource_id=source.pk, rule_set_id=None)
    gold = list(CatalogTable.objects.live().filter(datasource=source, name__icontains="customer"))
    if gold:
        services.add_tags(actor=user, assets=gold, tags=[tags["Tier.Gold"], tags["Domain.Sales"]])
        services.link_term(actor=user, asset=gold[0], term=terms["Customer"])
    found = services.suggest_terms(datasource_ids=[source.pk])
    stdout.write(f"Glossary: {len(terms)} terms, {len(tags)} tags, {found} term suggestions")
