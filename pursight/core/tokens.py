"""API token services: create (the token is returned once), list, revoke, authenticate.

A token looks like ``pst_<40 url-safe chars>``; only its SHA-256 digest is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from pursight import audit

from .models import ApiToken

TOKEN_PREFIX = "pst_"  # noqa: S105  (a public marker, not a secret)
# last_used_at is written at most this often per token (no write on every request).
TOUCH_INTERVAL = timedelta(minutes=1)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str  # shown once, never stored


@transaction.atomic
def create_token(
    *, actor: Any, user: Any = None, name: str, expires_at: datetime | None = None
) -> IssuedToken:
    """Issue a token for ``user`` (default: the actor). Only superusers issue for others."""
    owner = user or actor
    if owner is None or not getattr(owner, "pk", None):
        raise ValidationError("A token belongs to a user.")
    if owner.pk != getattr(actor, "pk", None) and not getattr(actor, "is_superuser", False):
        from pursight.permissions import PermissionDenied

        raise PermissionDenied("You may create tokens only for yourself.")
    if not name.strip():
        raise ValidationError({"name": "Give the token a name (what it is for)."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=owner,
        name=name.strip()[:100],
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        digest=digest(raw),
        expires_at=expires_at,
    )
    audit.record(
        actor=actor,
        action="apitoken.create",
        obj=token,
        changes={"user": owner.pk, "name": token.name, "expires_at": expires_at},
    )
    return IssuedToken(token=token, raw=raw)


def tokens_of(*, actor: Any) -> QuerySet[ApiToken]:
    """Tokens ``actor`` may see: their own, or every token for superusers."""
    qs = ApiToken.objects.select_related("user")
    if getattr(actor, "is_superuser", False):
        return qs
    return qs.filter(user_id=getattr(actor, "pk", None))


@transaction.atomic
def revoke_token(*, actor: Any, token: ApiToken) -> ApiToken:
    """Revoke ``token`` (kept for the record, never usable again)."""
    if token.user_id != getattr(actor, "pk", None) and not getattr(actor, "is_superuser", False):
        from pursight.permissions import PermissionDenied

        raise PermissionDenied("You may revoke only your own tokens.")
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        ApiToken.objects.filter(pk=locked.pk).update(revoked_at=locked.revoked_at)
        audit.record(actor=actor, action="apitoken.revoke", obj=locked)
    token.revoked_at = locked.revoked_at
    return locked


def authenticate_token(raw: str) -> tuple[Any, ApiToken] | None:
    """The (user, token) of an active token, or None. One indexed query."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.active().select_related("user").filter(digest=digest(raw)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token
