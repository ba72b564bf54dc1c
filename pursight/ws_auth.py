"""WebSocket authentication: the browser's session, or an API token for API clients.

An API client sends ``Authorization: Bearer <token>`` with the WebSocket handshake; browsers,
which cannot set that header, are authenticated by their session cookie.
"""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware


@database_sync_to_async
def _user_for(raw: str) -> Any:
    from pursight.core.tokens import authenticate_token

    found = authenticate_token(raw)
    return found[0] if found else None


class TokenAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        headers = dict(scope.get("headers") or [])
        value = headers.get(b"authorization", b"").decode("latin-1")
        if value.lower().startswith("bearer "):
            user = await _user_for(value[7:].strip())
            if user is not None:
                scope = {**scope, "user": user}
        return await super().__call__(scope, receive, send)


def auth_stack(inner: Any) -> Any:
    """Session authentication first; a valid bearer token takes precedence."""
    return AuthMiddlewareStack(TokenAuthMiddleware(inner))
