"""The OpenLineage endpoint under generated requests (schemathesis, from the OpenAPI schema):
never a server error, and every answer (400 naming a field, 401, 403, 200) matches the schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db(transaction=False)


def _not_a_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    if response.status_code >= 500:
        raise AssertionError(f"server error {response.status_code}")
    return None


@pytest.fixture
def unhooked() -> Any:
    """Requests made outside Django's test client keep the test's connection open."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_generated_events_never_fail_the_server(make_user, make_collection, grant, unhooked):
    from pursight.core import tokens
    from pursight.wsgi import application

    curator = make_user("fuzz-curator")
    grant(curator, "curate_catalog", make_collection("F"))
    token = tokens.create_token(actor=curator, user=curator, name="fuzz").raw
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    operation = schema["/api/v1/lineage/openlineage/"]["POST"]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        response = case.call(headers=headers)
        case.validate_response(
            response,
            checks=[
                _not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_schema_conformance,
            ],
            headers=headers,
        )

    run()
