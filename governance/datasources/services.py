"""Data source services: register, update, test, and open connectors."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.rbac.models import Collection
from pursight import audit, permissions

from .choices import FILE_KINDS, SourceKind
from .connectors import (
    ConnectionParams,
    Connector,
    ConnectorError,
    ErrorCode,
    get_connector,
    parse_url,
)
from .connectors.base import is_secret_option
from .connectors.files import not_allowed, within
from .connectors.registry import connector_class
from .files import file_access
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
    """What the connector needs, secrets decrypted (the options merged with the secret ones)."""
    return ConnectionParams(
        kind=source.kind,
        host=source.host,
        port=source.port,
        database=source.database,
        username=source.username,
        password=source.get_password(),
        options={**(source.options or {}), **source.get_secret_options()},
    )


def open_connector(source: DataSource) -> Connector:
    """A read-only connector for ``source`` with the configured timeouts, confined to the
    configured file roots (checked when it connects, whatever the row holds)."""
    conf = settings.PURSIGHT_SCAN
    return get_connector(
        connection_params(source),
        connect_timeout=conf["CONNECT_TIMEOUT"],
        statement_timeout=conf["STATEMENT_TIMEOUT"],
        file_access=file_access(),
    )


def is_platform_admin(actor: Any) -> bool:
    """Operators (no actor), superusers and platform-wide Data Source Admins."""
    return actor is None or permissions.platform(actor, "manage_datasources")


def _check_scope(actor: Any, source: DataSource) -> None:
    """The actor may manage data sources in the source's collection.

    A collection hidden from the actor answers like a missing one; a visible one without the
    right answers 403. Neither names it. Called before validation (so that no other error says
    anything about a hidden collection) and again after the write, inside its transaction."""
    if actor is None or source.collection_id is None:  # an operator; or full_clean reports it
        return
    if (
        permissions.allowed_collections(actor, "manage_datasources")
        .filter(pk=source.collection_id)
        .exists()
    ):
        return
    visible = permissions.restrict(
        Collection.objects.filter(pk=source.collection_id), actor, permissions.VIEW
    ).exists()
    if not visible:
        raise ValidationError(
            {"collection": f'Invalid pk "{source.collection_id}" - object does not exist.'}
        )
    raise permissions.PermissionDenied(
        "You may not manage data sources in this collection. Pick a collection where you hold "
        "Data Source Admin."
    )


def split_options(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(plain, secret)``: secret-like options (passwords, keys, tokens…) apart."""
    plain = {k: v for k, v in options.items() if not is_secret_option(k)}
    secret = {k: v for k, v in options.items() if is_secret_option(k)}
    return plain, secret


def _apply_options(source: DataSource, options: Any, *, replace_secrets: bool) -> bool:
    """Validate ``options`` for the source's kind and store them: the plain ones in
    ``options``, the secret ones encrypted. A secret option left out is kept (unless
    ``replace_secrets``); one given an empty value is removed. Returns whether secrets changed."""
    if source.kind in SourceKind.values:
        try:
            cls = connector_class(source.kind)
            cls.check_options(options)
            if source.kind not in FILE_KINDS:
                cls.check_file_options(options, file_access())
        except ConnectorError as exc:
            raise ValidationError({"options": exc.message}) from None
    if not isinstance(options, dict):
        raise ValidationError({"options": "Options must be an object of names and values."})
    plain, given = split_options(options)
    current = {} if replace_secrets else source.get_secret_options()
    merged = dict(current)
    for key, value in given.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    source.options = plain
    if merged != current or replace_secrets:
        source.set_secret_options(merged)
    return merged != current


def _validate(source: DataSource, actor: Any = None) -> None:
    source.full_clean(
        exclude=["password_encrypted", "secret_options_encrypted", "created_by", "updated_by"]
    )
    _check_file_overlap(actor, source)


def _check_file_overlap(actor: Any, source: DataSource) -> None:
    """A file-based source may not read a file or directory that a file-based source of a
    collection where the actor may not manage data sources reads (the same path, inside it or
    around it): a copy registered elsewhere would scan the other collection's data into one the
    actor governs. Refused with the message of any disallowed path (it says nothing of the
    other source). Operators (no actor) and platform admins are not limited."""
    if source.kind not in FILE_KINDS or is_platform_admin(actor):
        return
    real = os.path.realpath(source.database or "")
    managed = permissions.allowed_collections(actor, "manage_datasources").values("pk")
    others = (
        DataSource.objects.filter(kind__in=FILE_KINDS)
        .exclude(pk=source.pk)
        .exclude(collection_id__in=managed)
        .values_list("database", flat=True)
    )
    for other in others.iterator():
        theirs = os.path.realpath(other or "")
        if other and (within(real, theirs) or within(theirs, real)):
            raise ValidationError({"database": not_allowed(source.database)})


@transaction.atomic
def register_datasource(*, actor: Any, password: str = "", **fields: Any) -> DataSource:
    """Register a new data source; the password and secret-like options are encrypted."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown data source fields: {', '.join(sorted(unknown))}")
    options = fields.pop("options", None) or {}
    source = DataSource(**fields)
    if actor is not None and getattr(actor, "pk", None):
        source.created_by = source.updated_by = actor
        source.owner = source.owner or actor
    _check_scope(actor, source)
    _apply_options(source, options, replace_secrets=True)
    _validate(source, actor)
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
    stored = DataSource.objects.select_for_update().get(pk=source.pk)
    before = audit.snapshot(stored)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown data source field: {', '.join(sorted(unknown))}")
    options = fields.pop("options", None)
    for name, value in fields.items():
        setattr(source, name, value)
    _check_scope(actor, source)
    # The stored secrets, whatever the caller's instance holds (an admin form's instance).
    source.secret_options_encrypted = stored.secret_options_encrypted
    secrets_changed = _apply_options(
        source, source.options if options is None else options, replace_secrets=False
    )
    if password is not None:
        source.set_password(password)
    if actor is not None and getattr(actor, "pk", None):
        source.updated_by = actor
    _validate(source, actor)
    source.save()
    _check_scope(actor, source)
    after = audit.snapshot(source)
    if password is not None:
        after["password_encrypted"] = audit.REDACTED + " (changed)"
    if secrets_changed:
        after["secret_options_encrypted"] = audit.REDACTED + " (changed)"
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


#: Failures that tell what listens on a host and port (nothing, a web server, another service).
NETWORK_PROBE_CODES = frozenset(
    {ErrorCode.HOST_UNREACHABLE.value, ErrorCode.TIMEOUT.value, ErrorCode.DRIVER_ERROR.value}
)
UNREACHABLE_MESSAGE = (
    "Could not connect: the server is unreachable, did not answer in time, or does not speak "
    "the {kind} protocol. Check the host and port; an administrator can find the details in the "
    "server log."
)
UNEXPECTED_MESSAGE = (
    "The connection test failed with an unexpected error; an administrator can find the details "
    "in the server log."
)


def public_message(source: DataSource, code: str, message: str) -> str:
    """A connection failure as told to someone who is not a platform administrator: one
    message for every unreachable or wrong-protocol endpoint of a network source, so that
    connection attempts cannot map a network. Authentication and missing-database failures (a
    real database server answered) and file sources keep their own words. For scan errors too."""
    if source.kind in FILE_KINDS or code not in NETWORK_PROBE_CODES:
        return message
    kind = SourceKind(source.kind).label if source.kind in SourceKind.values else source.kind
    return UNREACHABLE_MESSAGE.format(kind=kind)


def public_outcome(source: DataSource, outcome: TestOutcome) -> TestOutcome:
    """:func:`public_message` applied to a test outcome (its code made generic too)."""
    if outcome.ok:
        return outcome
    message = public_message(source, outcome.code, outcome.message)
    if message == outcome.message:
        return outcome
    return TestOutcome(ok=False, message=message, code=ErrorCode.HOST_UNREACHABLE.value)


def test_connection(*, actor: Any, source: DataSource) -> TestOutcome:
    """Try to connect; record and return the outcome. Never raises for connection failures.

    Platform administrators (and operators) get the connector's own words; other users get
    :func:`public_outcome`. The details always go to the server log, and the row keeps the
    public message (anyone who may view the source reads it)."""
    started = time.monotonic()
    try:
        with open_connector(source) as connector:
            result = connector.test_connection()
        outcome = TestOutcome(
            ok=True,
            message=f"Connected in {result.latency_ms:.0f} ms ({result.server_version}).",
            server_version=result.server_version,
            latency_ms=result.latency_ms,
        )
        public = outcome
    except ConnectorError as exc:
        outcome = TestOutcome(ok=False, message=str(exc), code=exc.code.value)
        log.warning(
            "datasource.test_failed id=%s code=%s message=%s detail=%s",
            source.pk,
            exc.code.value,
            exc.message,
            exc.detail,
        )
        public = public_outcome(source, outcome)
    except Exception as exc:  # a decryption error or an unexpected driver failure
        log.warning("datasource.test_failed id=%s error_type=%s", source.pk, type(exc).__name__)
        outcome = TestOutcome(ok=False, message=str(exc), code=ErrorCode.DRIVER_ERROR.value)
        public = TestOutcome(ok=False, message=UNEXPECTED_MESSAGE, code=outcome.code)
    DataSource.objects.filter(pk=source.pk).update(
        last_test_at=timezone.now(),
        last_test_ok=public.ok,
        last_test_message=public.message[:500],
    )
    audit.record(
        actor=actor,
        action="datasource.test",
        obj=source,
        changes={"ok": outcome.ok, "code": public.code},
    )
    if is_platform_admin(actor):
        return outcome
    if public is not outcome and public.code == ErrorCode.HOST_UNREACHABLE.value:
        # A refused port fails at once, a silent one at the timeout: answer every such failure
        # at the timeout, so that the time taken tells no more than the message.
        time.sleep(
            max(0.0, settings.PURSIGHT_SCAN["CONNECT_TIMEOUT"] - (time.monotonic() - started))
        )
    return public


def find_datasource(name: str, collection_path: str = "") -> DataSource:
    """The source named ``name`` (for operators' commands): names are unique per collection,
    so ``collection_path`` (``Finance/EMEA``, names or slugs) picks one when several
    collections use the name."""
    sources = list(DataSource.objects.filter(name=name).select_related("collection"))
    parts = [p.strip().lower() for p in collection_path.split("/") if p.strip()]
    if parts:
        sources = [s for s in sources if _on_path(s.collection, parts)]
    if not sources:
        where = f" in collection '{collection_path}'" if parts else ""
        raise DataSource.DoesNotExist(f"No data source named '{name}'{where}.")
    if len(sources) > 1:
        paths = ", ".join(sorted("/".join(c.name for c in _chain(s.collection)) for s in sources))
        raise DataSource.MultipleObjectsReturned(
            f"Several data sources are named '{name}' (collections: {paths}); "
            "give the collection path with --collection."
        )
    return sources[0]


def _chain(collection: Collection) -> list[Collection]:
    """The collection and its ancestors, root first."""
    chain: list[Collection] = []
    node: Collection | None = collection
    while node is not None:
        chain.append(node)
        node = node.parent
    return chain[::-1]


def _on_path(collection: Collection, parts: list[str]) -> bool:
    chain = _chain(collection)
    return len(chain) == len(parts) and all(
        part in (c.name.lower(), c.slug.lower()) for c, part in zip(chain, parts, strict=True)
    )
