"""The demo's workspace points its pin and its task at the customers table itself."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _tables(source: Any, *names: str) -> dict[str, Any]:
    from governance.catalog.models import CatalogSchema, CatalogTable

    now = timezone.now()
    common = {"datasource": source, "first_seen": now, "last_seen": now}
    schema = CatalogSchema.objects.create(name="main", qualified_name=f"{source.pk}/main", **common)
    return {
        name: CatalogTable.objects.create(
            schema=schema, name=name, qualified_name=f"{source.pk}/main/{name}", **common
        )
        for name in names
    }


def test_the_customers_table_is_chosen_over_views_that_sort_before_it(
    make_collection, make_source
) -> None:
    from racine.collaboration.demo import customers_table

    source = make_source(collection=make_collection("Sales"), name="shop")
    tables = _tables(source, "customer_order_totals", "customer_segments", "customers", "orders")
    assert customers_table(source) == tables["customers"]


def test_without_a_customers_table_the_first_customer_table_is_used(
    make_collection, make_source
) -> None:
    from racine.collaboration.demo import customers_table

    source = make_source(collection=make_collection("Sales"), name="shop")
    tables = _tables(source, "customer_segments", "customer_order_totals", "orders")
    assert customers_table(source) == tables["customer_order_totals"]
    other = make_source(collection=make_collection("Other"), name="crm")
    _tables(other, "orders")
    assert customers_table(other) is None
