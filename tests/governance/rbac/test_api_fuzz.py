"""Fuzz every operation of the OpenAPI schema with generated requests (schemathesis), as a user
scoped to one collection and as a superuser: no request may cause a server error, and every
response must match the schema's status codes, content types and bodies.

Examples per operation are few and derandomized, so the run is short and repeatable; set
``PURSIGHT_FUZZ_EXAMPLES`` for a longer run.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.db import DatabaseError, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db(transaction=False)

EXAMPLES = int(os.environ.get("PURSIGHT_FUZZ_EXAMPLES", "5"))
# The operations are split into this many tests (every n-th operation), so that parallel test
# workers share them.
SHARDS = 3


def _not_a_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    if response.status_code >= 500:
        raise AssertionError(f"server error {response.status_code}")
    return None


CHECKS = [
    _not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _summary(exc: BaseException) -> str:
    parts = [str(exc)]
    for inner in getattr(exc, "exceptions", ()):
        parts.append(f"{type(inner).__name__}: {inner}")
    return "\n".join(parts)


@pytest.fixture
def principals(world: Any, make_user: Any, assign: Any) -> dict[str, str]:
    from pursight.core import tokens

    scoped = make_user("fuzz-scoped")
    for role in ("data-source-admin", "data-curator", "compliance-officer", "collection-admin"):
        assign(scoped, role, world.a)
    root = make_user("fuzz-root", superuser=True)
    return {
        name: tokens.create_token(actor=user, user=user, name="fuzz").raw
        for name, user in (("scoped", scoped), ("superuser", root))
    }


@pytest.fixture
def in_test_transaction() -> Any:
    """Requests made outside Django's test client must not close the test's connection at the
    end of each request (the test client disconnects this handler the same way)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_operation_fails_for_generated_input(
    shard: int, principals: dict[str, str], in_test_transaction: None
) -> None:
    from pursight.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    failures: list[str] = []
    operations = 0
    for index, result in enumerate(schema.get_all_operations()):
        if index % SHARDS != shard:
            continue
        operation = result.ok()
        operations += 1
        label = f"{operation.method.upper()} {operation.path}"

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],  # report the first failure, unshrunk
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            for name, token in principals.items():
                headers = {"Authorization": f"Bearer {token}"}
                # One request's database error (a 500 reported below) must not abort the
                # test's transaction for the requests after it.
                savepoint = transaction.savepoint()
                response = case.call(headers=headers)
                try:
                    transaction.savepoint_commit(savepoint)
                except DatabaseError:
                    transaction.savepoint_rollback(savepoint)
                try:
                    case.validate_response(response, checks=CHECKS, headers=headers)
                except (Exception, BaseExceptionGroup) as exc:
                    raise AssertionError(f"as {name}: {_summary(exc)}") from None

        try:
            run()
        except Unsatisfiable:
            continue
        except (AssertionError, BaseExceptionGroup) as exc:
            failures.append(f"{label}: {str(exc)[:1500]}")
    assert operations > 40 // SHARDS
    assert not failures, "\n\n".join(failures)
