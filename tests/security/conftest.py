"""The world of the new-surface probes: the access-control world of ``tests/governance/rbac``
(``A ⊃ A1`` holds ``src-a``, ``B`` holds the hidden ``src-b``) plus, in each collection, objects
of every surface added since the first security pass: tagged and term-linked columns, term
suggestions, lineage edges (inside A, inside B, and across), propagated classifications,
containments, workflows with runs and schedules, approval policies and requests.

The adversary (``power``) holds every role on A and nothing on B: whatever B's object it
probes, A's equivalent is reachable, so a probe that finds nothing proves a refusal and not
an empty fixture."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from tests.governance.lineage.test_graph_support import column, edge, make_table
from tests.governance.rbac.conftest import assign, role, world  # noqa: F401

ROLES = ("collection-admin", "data-source-admin", "data-curator", "data-reader")


@dataclass
class Probe:
    w: Any  # the rbac World
    power: Any  # every role on A, nothing on B
    reader: Any  # Data Reader on A
    b_user: Any  # Data Reader on B only
    steward: Any  # Data Source Admin and Data Curator on A (names only A's colleagues)
    ta: Any  # "alpha_ledger" in src-a
    tb: Any  # "bravo_secret" in src-b
    ta2: Any
    tb2: Any
    ca: Any  # a column of ta
    cb: Any  # a column of tb
    tag: Any
    term: Any
    edges: dict[str, Any]
    objs: dict[str, dict[str, Any]]  # surface -> {"a": obj, "b": obj}

    def fresh(self, user: Any) -> Any:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.get(pk=user.pk)


def _suggestion(term: Any, col: Any) -> Any:
    from governance.glossary.models import TermSuggestion
    from governance.glossary.services import link_fields

    return TermSuggestion.objects.create(
        term=term, asset_name=col.name, score=90, matched=term.name, **link_fields(col)
    )


def _propagated(edge_row: Any, col: Any) -> Any:
    from governance.catalog.models import ColumnClassification
    from governance.classifications.models import Classification
    from governance.lineage.models import PropagatedClassification

    email = Classification.objects.get(code="EMAIL_ADDRESS")
    up = edge_row.upstream_column
    origin = ColumnClassification.objects.create(
        column=up,
        datasource_id=up.datasource_id,
        classification=email,
        confidence=0.9,
        source="engine",
        status="accepted",
    )
    return PropagatedClassification.objects.create(
        column=col,
        datasource_id=col.datasource_id,
        classification=email,
        origin=origin,
        via=edge_row,
        path=[edge_row.pk],
        reason=f"from {up.qualified_name}",
    )


def _containment(col: Any) -> Any:
    from governance.catalog.models import ColumnContainment
    from governance.classifications.models import Classification

    return ColumnContainment.objects.create(
        column=col,
        datasource_id=col.datasource_id,
        classification=Classification.objects.get(code="EMAIL_ADDRESS"),
        share=0.5,
        matched=5,
        sampled=10,
        found_at=timezone.now(),
    )


@pytest.fixture
def probe(world, make_user, assign) -> Probe:  # noqa: F811
    from governance.glossary import services as glossary
    from governance.glossary.models import Tag, TagSet, Term
    from governance.scans.models import Scan
    from racine.approvals import services as approvals
    from racine.approvals.models import ApprovalPolicy
    from racine.orchestration import services as orchestration
    from racine.orchestration.models import Schedule

    w = world
    power, reader, b_user = make_user("power"), make_user("reader"), make_user("bonly")
    steward = make_user("steward")
    assign(steward, "data-source-admin", w.a)
    assign(steward, "data-curator", w.a)
    for slug in ROLES:
        assign(power, slug, w.a)
    assign(reader, "data-reader", w.a)
    assign(b_user, "data-reader", w.b)
    assign(b_user, "data-curator", w.b)

    ta = make_table(w.src_a, "alpha_ledger", ["alpha_mail", "alpha_total"])
    ta2 = make_table(w.src_a, "alpha_report", ["alpha_mail", "alpha_sum"])
    tb = make_table(w.src_b, "bravo_secret", ["bravo_mail", "bravo_total"])
    tb2 = make_table(w.src_b, "bravo_report", ["bravo_mail", "bravo_sum"])
    ca, cb = column(ta, "alpha_mail"), column(tb, "bravo_mail")
    edges = {
        "aa": edge(ta, ta2, cols=("alpha_mail", "alpha_mail"), ref="aa"),
        "bb": edge(tb, tb2, cols=("bravo_mail", "bravo_mail"), ref="bb"),
        "ab": edge(ta, tb2, ref="ab"),  # belongs to B (downstream), upstream visible
        "ba": edge(tb, ta2, ref="ba"),  # belongs to A (downstream), upstream hidden
    }
    tag_set = glossary.save_tag_set(actor=None, tag_set=TagSet(name="Tier"))
    tag = glossary.save_tag(actor=None, tag=Tag(tag_set=tag_set, name="Gold"))
    term = glossary.save_term(actor=None, term=Term(name="Ledger entry", definition="x"))
    objs: dict[str, dict[str, Any]] = {}
    for key, col in (("a", ca), ("b", cb)):
        objs.setdefault("tag-assignments", {})[key] = glossary.add_tags(
            actor=None, assets=[col], tags=[tag]
        ).added[0]
        objs.setdefault("glossary/term-links", {})[key] = glossary.link_term(
            actor=None, asset=col, term=term
        )
        objs.setdefault("glossary/suggestions", {})[key] = _suggestion(term, col)
        objs.setdefault("containment", {})[key] = _containment(col)
    objs["lineage/edges"] = {"a": edges["aa"], "b": edges["bb"]}
    objs["lineage/propagated"] = {
        "a": _propagated(edges["aa"], column(ta2, "alpha_mail")),
        "b": _propagated(edges["bb"], column(tb2, "bravo_mail")),
    }
    scans = {
        "a": Scan.objects.filter(datasource=w.src_a).first(),
        "b": Scan.objects.filter(datasource=w.src_b).first(),
    }
    for key, coll in (("a", w.a), ("b", w.b)):
        wf = orchestration.save_workflow(
            actor=None,
            data={
                "name": f"wf-{key}-{'alpha' if key == 'a' else 'bravo'}",
                "collection": coll.pk,
                "steps": [{"key": "scan", "type": "scan", "params": {"scan": scans[key].pk}}],
            },
        )
        objs.setdefault("workflows", {})[key] = wf
        objs.setdefault("workflow-runs", {})[key] = orchestration.start_run(actor=None, workflow=wf)
        objs.setdefault("schedules", {})[key] = orchestration.save_schedule(
            actor=None,
            schedule=Schedule(
                name=f"sched-{key}-{'alpha' if key == 'a' else 'bravo'}",
                workflow=wf,
                kind="interval",
                every=1,
                period="days",
            ),
        )
        objs.setdefault("policies", {})[key] = ApprovalPolicy.objects.create(
            name=f"policy-{key}-{'alpha' if key == 'a' else 'bravo'}",
            kind="catalog.classification",
            collection=coll,
        )
        col = ca if key == "a" else cb
        objs.setdefault("approvals", {})[key] = approvals.request_approval(
            "lineage.block",
            col,
            {"x": 1},
            None,
            summary=f"change {'alpha' if key == 'a' else 'bravo'}",
        )
    objs["scans"] = scans
    return Probe(
        w, power, reader, b_user, steward, ta, tb, ta2, tb2, ca, cb, tag, term, edges, objs
    )
