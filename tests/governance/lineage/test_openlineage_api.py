"""POST /api/v1/lineage/openlineage/: validation naming the field, resolution across data
sources, the gate (hidden = missing, visible without curate = 403), closing on COMPLETE."""

from __future__ import annotations

import copy
import uuid

import pytest
from rest_framework.test import APIClient

from governance.lineage.models import LineageEdge
from pursight.core.models import AuditEvent

from .capture_support import catalogue, column

pytestmark = pytest.mark.django_db

URL = "/api/v1/lineage/openlineage/"
PG = "postgres://DB.example:5432"
MY = "mysql://warehouse.example"


def event(**over):
    base = {
        "eventType": "COMPLETE",
        "eventTime": "2026-11-01T10:00:00Z",
        "producer": "https://example.org/etl",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "etl", "name": "daily_revenue"},
        "inputs": [
            {"namespace": PG, "name": "shop.public.orders"},
            {"namespace": PG, "name": "shop.public.customers"},
        ],
        "outputs": [
            {
                "namespace": MY,
                "name": "reporting.revenue",
                "facets": {
                    "columnLineage": {
                        "_producer": "https://example.org/etl",
                        "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
                        "fields": {
                            "amount": {
                                "inputFields": [
                                    {
                                        "namespace": PG,
                                        "name": "shop.public.orders",
                                        "field": "total",
                                        "transformations": [
                                            {
                                                "type": "DIRECT",
                                                "subtype": "AGGREGATION",
                                                "description": "sum per day",
                                            }
                                        ],
                                    },
                                    {
                                        "namespace": PG,
                                        "name": "shop.public.orders",
                                        "field": "status",
                                        "transformations": [
                                            {"type": "INDIRECT", "subtype": "FILTER"}
                                        ],
                                    },
                                ]
                            },
                            "customer_email": {
                                "inputFields": [
                                    {
                                        "namespace": PG,
                                        "name": "shop.public.customers",
                                        "field": "email",
                                        "transformations": [
                                            {"type": "DIRECT", "subtype": "IDENTITY"}
                                        ],
                                    }
                                ]
                            },
                        },
                    }
                },
            }
        ],
    }
    base.update(over)
    return base


@pytest.fixture
def world(make_source, make_collection, make_user, grant):
    a, b = make_collection("A"), make_collection("B")
    shop = make_source(
        name="shop", kind="postgresql", host="db.example", port=5432, database="shop", collection=a
    )
    dwh = make_source(
        name="dwh",
        kind="mysql",
        host="warehouse.example",
        port=3306,
        database="reporting",
        collection=a,
    )
    hidden = make_source(
        name="hidden",
        kind="postgresql",
        host="db.example",
        port=5432,
        database="secret",
        collection=b,
    )
    catalogue(
        shop, {"public.orders": ["id", "total", "status"], "public.customers": ["id", "email"]}
    )
    catalogue(dwh, {"reporting.revenue": ["day", "amount", "customer_email"]})
    catalogue(hidden, {"public.salaries": ["amount"]})
    curator = make_user("curator")
    grant(curator, "view_catalog", a)
    grant(curator, "curate_catalog", a)
    reader = make_user("reader")
    grant(reader, "view_catalog", a)
    return type(
        "W",
        (),
        {
            "shop": shop,
            "dwh": dwh,
            "hidden": hidden,
            "curator": curator,
            "reader": reader,
            "a": a,
            "b": b,
        },
    )


def client_for(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_an_event_records_table_and_column_edges_across_sources(world) -> None:
    response = client_for(world.curator).post(URL, event(), format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["recorded"] is True and body["edges"] == {"table": 2, "column": 2}
    assert body["opened"] == 4 and body["skipped_indirect"] == 1 and body["unresolved"] == []
    total = column(world.shop, "public.orders", "total")
    amount = column(world.dwh, "reporting.revenue", "amount")
    edge = LineageEdge.objects.get(upstream_column=total, downstream_column=amount)
    assert edge.origin == "openlineage" and edge.origin_ref == "etl/daily_revenue"
    assert edge.transformation == "DIRECT/AGGREGATION: sum per day"
    assert edge.last_seen.isoformat().startswith("2026-11-01T10:00:00")
    email = LineageEdge.objects.get(
        downstream_column=column(world.dwh, "reporting.revenue", "customer_email")
    )
    assert email.transformation == ""  # an identity copy
    assert set(
        LineageEdge.objects.filter(level="table").values_list("upstream_table__name", flat=True)
    ) == {"orders", "customers"}
    assert AuditEvent.objects.filter(action="lineage.openlineage", actor=world.curator).exists()


def test_complete_closes_what_the_job_no_longer_reports_and_a_later_event_reopens(world):
    c = client_for(world.curator)
    assert c.post(URL, event(), format="json").status_code == 200
    second = event(eventTime="2026-11-02T10:00:00Z")
    second["inputs"] = second["inputs"][:1]
    del second["outputs"][0]["facets"]["columnLineage"]["fields"]["customer_email"]
    body = c.post(URL, second, format="json").json()
    assert body["closed"] == 2 and body["opened"] == 0
    closed = LineageEdge.objects.exclude(closed_at=None)
    assert {e.upstream_table.name for e in closed} == {"customers"}
    # A START does not close; a late COMPLETE (older than the closing) does not reopen.
    late = event(eventTime="2026-11-01T12:00:00Z")
    assert c.post(URL, late, format="json").json()["reopened"] == 0
    again = c.post(URL, event(eventTime="2026-11-03T10:00:00Z"), format="json").json()
    assert again["reopened"] == 2 and not LineageEdge.objects.exclude(closed_at=None).exists()
    start = event(eventType="START", eventTime="2026-11-04T10:00:00Z", inputs=[])
    assert c.post(URL, start, format="json").json()["closed"] == 0


def test_fail_records_nothing(world) -> None:
    body = client_for(world.curator).post(URL, event(eventType="FAIL"), format="json").json()
    assert body["recorded"] is False and not LineageEdge.objects.exists()


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e.pop("eventTime"), "eventTime"),
        (lambda e: e.update(eventTime="yesterday"), "eventTime"),
        (lambda e: e.update(eventTime="2026-11-01T10:00:00"), "eventTime"),
        (lambda e: e.update(eventType="DONE"), "eventType"),
        (lambda e: e["run"].update(runId="not-a-uuid"), "run.runId"),
        (lambda e: e.pop("run"), "run"),
        (lambda e: e["job"].pop("name"), "job.name"),
        (lambda e: e["job"].update(namespace=""), "job.namespace"),
        (lambda e: e.update(inputs={"a": 1}), "inputs"),
        (lambda e: e["inputs"][1].pop("namespace"), "inputs[1].namespace"),
        (lambda e: e["outputs"][0].update(name=7), "outputs[0].name"),
        (lambda e: e.pop("producer"), "producer"),
        (
            lambda e: e["outputs"][0]["facets"]["columnLineage"].update(fields=[]),
            "outputs[0].facets.columnLineage.fields",
        ),
        (
            lambda e: e["outputs"][0]["facets"]["columnLineage"]["fields"]["amount"]["inputFields"][
                0
            ].pop("field"),
            "outputs[0].facets.columnLineage.fields.amount.inputFields[0].field",
        ),
        (
            lambda e: e["outputs"][0]["facets"]["columnLineage"]["fields"]["amount"]["inputFields"][
                1
            ]["transformations"][0].update(type="SIDEWAYS"),
            "outputs[0].facets.columnLineage.fields.amount.inputFields[1].transformations[0].type",
        ),
    ],
)
def test_a_malformed_event_is_refused_naming_the_field(world, mutate, field) -> None:
    body = copy.deepcopy(event())
    mutate(body)
    response = client_for(world.curator).post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == field and response.json()["error"]
    assert not LineageEdge.objects.exists()


def test_bad_json_and_non_objects_are_400(world) -> None:
    c = client_for(world.curator)
    response = c.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "(body)"
    response = c.post(URL, [1, 2], format="json")
    assert response.status_code == 400 and response.json()["field"] == "(body)"


def test_anonymous_is_401_and_get_is_not_allowed(world) -> None:
    assert APIClient().post(URL, event(), format="json").status_code == 401
    assert client_for(world.curator).get(URL).status_code == 405


def test_a_reader_who_cannot_curate_gets_403_and_nothing_is_recorded(world) -> None:
    response = client_for(world.reader).post(URL, event(), format="json")
    assert response.status_code == 403
    assert "orders" in response.json()["detail"] or "revenue" in response.json()["detail"]
    assert not LineageEdge.objects.exists()


def test_a_hidden_table_answers_like_a_missing_one(world) -> None:
    c = client_for(world.curator)
    hidden = event()
    hidden["inputs"].append({"namespace": PG, "name": "secret.public.salaries"})
    missing = event()
    missing["inputs"].append({"namespace": PG, "name": "nowhere.public.salaries"})
    a = c.post(URL, hidden, format="json").json()
    b = c.post(URL, missing, format="json").json()
    assert a["unresolved"][0]["reason"] == b["unresolved"][0]["reason"] == "not in the catalog"
    assert not LineageEdge.objects.filter(upstream_table__datasource=world.hidden).exists()


def test_other_systems_and_bad_names_are_reported_unresolved(world) -> None:
    body = event()
    body["inputs"] += [
        {"namespace": "s3://bucket", "name": "raw/orders.csv"},
        {"namespace": PG, "name": "orders"},
    ]
    got = client_for(world.curator).post(URL, body, format="json").json()
    reasons = {u["name"]: u["reason"] for u in got["unresolved"]}
    assert reasons["raw/orders.csv"] == "not a database this catalog scans"
    assert "database.schema.table" in reasons["orders"]
    assert got["edges"]["table"] == 2
