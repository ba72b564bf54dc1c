"""Data source services: register, update, test, and open connectors."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.rbac.models import Collection
from pursight import audit, permissions

from .choices import DEFAULT_PORTS, SourceKind
from .connectors import (
    ConnectionParams,
    Connector,
    ConnectorError,
    ErrorCode,
    get_connector,
    parse_url,
)
from .models import DataSource

log = logging.getLogger(__name__)

EDITABLE_FIELDS = (
    "name",
    "kind",
    "host",
    "port",
    "database",
    "username",
    "options",
    "collection",
    "owner",
    "description",
    "encrypted_at_rest",
    "store_samples",
    "retention_days",
)


@dataclass(frozen=True)
class TestOutcome:
    ok: bool
    message: str
    code: str = ""
    server_version: str = ""
    latency_ms: float | None = None


def connection_params(source: DataSource) -> ConnectionParams:
    return ConnectionParams(
        kind=source.kind,
        host=source.host,
        port=source.port,
        database=source.database,
        username=source.username,
        password=source.get_password(),
        options=dict(source.options or {}),
    )


def open_connector(source: DataSource) -> Connector:
    """A read-only connector for ``source`` with the configured timeouts."""
    conf = settings.PURSIGHT_SCAN
    return get_connector(
        connection_params(source),
        connect_timeout=conf["CONNECT_TIMEOUT"],
        statement_timeout=conf["STATEMENT_TIMEOUT"],
    )


def _check_scope(actor: Any, source: DataSource) -> None:
    """Re-check, inside the write's transaction, that the source stays within the actor's reach."""
    if actor is None:  # system / management command run by an operator
        return
    if (
        not permissions.allowed_collections(actor, "manage_datasources")
        .filter(pk=source.collection_id)
        .exists()
    ):
        raise permissions.PermissionDenied(
            "You may not manage data sources in the collection "
            f"'{source.collection}'. Pick a collection where you hold Data Source Admin."
        )


def _validate(source: DataSource) -> None:
    if source.kind not in SourceKind.values:
        raise ValidationError({"kind": f"Unknown kind '{source.kind}'."})
    if source.kind != SourceKind.SQLITE:
        if not source.host:
            raise ValidationError({"host": "A host is required."})
        if source.port is None:
            source.port = DEFAULT_PORTS[SourceKind(source.kind)]
    source.full_clean(exclude=["password_encrypted", "created_by", "updated_by"])


@transaction.atomic
def register_datasource(*, actor: Any, password: str = "", **fields: Any) -> DataSource:
    """Register a new data source; ``password`` is encrypted at rest."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown data source fields: {', '.join(sorted(unknown))}")
    source = DataSource(**fields)
    if actor is not None and getattr(actor, "pk", None):
        source.created_by = source.updated_by = actor
        source.owner = source.owner or actor
    _validate(source)
    source.set_password(password)
    source.save()
    _check_scope(actor, source)
    audit.record(
        actor=actor, action="datasource.create", obj=source, changes=audit.snapshot(source)
    )
    log.info("datasource.registered id=%s kind=%s", source.pk, source.kind)
    return source


@transaction.atomic
def update_datasource(
    *, actor: Any, source: DataSource, password: str | None = None, **fields: Any
) -> DataSource:
    """Update fields; ``password=None`` keeps the stored password, ``""`` clears it."""
    before = audit.snapshot(DataSource.objects.select_for_update().get(pk=source.pk))
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise ValidationError(f"Unknown data source field: {name}")
        setattr(source, name, value)
    if password is not None:
        source.set_password(password)
    if actor is not None and getattr(actor, "pk", None):
        source.updated_by = actor
    _validate(source)
    source.save()
    _check_scope(actor, source)
    after = audit.snapshot(source)
    if password is not None:
        after["password_encrypted"] = audit.REDACTED + " (changed)"
    audit.record(
        actor=actor, action="datasource.update", obj=source, changes=audit.diff(before, after)
    )
    return source


@transaction.atomic
def delete_datasource(*, actor: Any, source: DataSource) -> None:
    audit.record(actor=actor, action="datasource.delete", obj=source)
    source.delete()


def register_from_url(
    *, actor: Any, name: str, url: str, collection: Collection, description: str = ""
) -> DataSource:
    """Register a source from ``postgresql://user:pass@host:5432/db`` and the like."""
    try:
        params = parse_url(url)
    except ConnectorError as exc:
        raise ValidationError(str(exc)) from None
    return register_datasource(
        actor=actor,
        name=name,
        kind=params.kind,
        host=params.host,
        port=params.port,
        database=params.database,
        username=params.username,
        password=params.password,
        options=dict(params.options),
        collection=collection,
        description=description,
    )


def test_connection(*, actor: Any, source: DataSource) -> TestOutcome:
    """Try to connect; record and return the outcome. Never raises for connection failures."""
    try:
        with open_connector(source) as connector:
            result = connector.test_connection()
        outcome = TestOutcome(
            ok=True,
            message=f"Connected in {result.latency_ms:.0f} ms ({result.server_version}).",
            server_version=result.server_version,
            latency_ms=result.latency_ms,
        )
    except ConnectorError as exc:
        outcome = TestOutcome(ok=False, message=str(exc), code=exc.code.value)
    except Exception as exc:  # a decryption error or an unexpected driver failure
        log.warning("datasource.test_failed id=%s error_type=%s", source.pk, type(exc).__name__)
        outcome = TestOutcome(ok=False, message=str(exc), code=ErrorCode.DRIVER_ERROR.value)
    DataSource.objects.filter(pk=source.pk).update(
        last_test_at=timezone.now(),
        last_test_ok=outcome.ok,
        last_test_message=outcome.message[:500],
    )
    audit.record(
        actor=actor,
        action="datasource.test",
        obj=source,
        changes={"ok": outcome.ok, "code": outcome.code},
    )
    return outcome
