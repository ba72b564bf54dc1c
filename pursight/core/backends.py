"""Login lockout (django-axes) that also works where no request exists."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """Refuse logins of locked-out users and IPs (admin and API login forms).

    Without a request (``Client.login()`` in tests, ``authenticate()`` in a management command)
    there is no client to lock out: the check is skipped instead of raising, so the remaining
    backends decide. Every login through a view passes the request and is checked.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
