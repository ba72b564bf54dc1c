"""Fuzz the lineage operations of the OpenAPI schema (schemathesis), as a reader of one
collection, a curator and a superuser: no server error, responses as the schema says.
(The project-wide fuzz in tests/governance/rbac covers them too; this one runs in seconds and
with lineage rows to find.)"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from ..rbac.test_api_fuzz import CHECKS, _summary
from .test_graph_support import build_world

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def tokens(make_collection, make_source, make_user, grant) -> dict[str, str]:
    from pursight.core import tokens as api_tokens

    w = build_world(make_collection, make_source, make_user, grant)
    root = make_user("fuzz-root", superuser=True)
    return {
        name: api_tokens.create_token(actor=user, user=user, name="fuzz").raw
        for name, user in (("viewer", w.viewer), ("curator", w.curator), ("superuser", root))
    }


@pytest.fixture
def in_test_transaction() -> Any:
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_lineage_operations_hold_for_generated_input(tokens, in_test_transaction) -> None:
    from pursight.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/api/v1/lineage/"):
            continue
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            for name, token in tokens.items():
                headers = {"Authorization": f"Bearer {token}"}
                response = case.call(headers=headers)
                try:
                    case.validate_response(response, checks=CHECKS, headers=headers)
                except (Exception, BaseExceptionGroup) as exc:
                    raise AssertionError(f"as {name}: {_summary(exc)}") from None

        try:
            run()
        except (AssertionError, BaseExceptionGroup) as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    assert operations >= 6
    assert not failures, "\n\n".join(failures)
