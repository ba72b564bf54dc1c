"""Request-scoped middleware of the kernel: audit context and the content security policy."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from pursight import audit, changes, realtime


class AuditContextMiddleware:
    """Expose the current request to :func:`pursight.audit.record` (source IP) and to
    :mod:`pursight.changes`, which marks an API answer whose change was held for approval."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit.request_context(request):
            response = self.get_response(request)
        return changes.mark_response(request, response)


class LiveOriginMiddleware:
    """A page's HTTP request names its live socket (``X-PurSight-Socket``): the events the
    request causes are not echoed to that socket (:data:`pursight.realtime.origin`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        value = request.headers.get("X-PurSight-Socket", "")[:200] or None
        token = realtime.origin.set(value)
        try:
            return self.get_response(request)
        finally:
            realtime.origin.reset(token)


def build_csp(policy: dict[str, list[str]]) -> str:
    return "; ".join(f"{name} {' '.join(values)}" for name, values in policy.items())


class ContentSecurityPolicyMiddleware:
    """Set ``Content-Security-Policy`` from ``settings.PURSIGHT_CSP`` (Django 5.2 has none).

    ``PURSIGHT_CSP_REPORT_ONLY = True`` sends it as ``...-Report-Only`` instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        policy = settings.PURSIGHT_CSP
        self.header_value = build_csp(policy)
        self.header_name = (
            "Content-Security-Policy-Report-Only"
            if settings.PURSIGHT_CSP_REPORT_ONLY
            else "Content-Security-Policy"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header_name not in response:
            response[self.header_name] = self.header_value
        return response


def parse_rate(rate: str) -> tuple[int, int]:
    """``"30/min"`` → (30, 60)."""
    count, _, period = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[:1].lower() or "m"]
    return int(count), seconds


class LoginRateLimitMiddleware:
    """Throttle POSTs to the login forms per client IP (429 past ``PURSIGHT_LOGIN_RATE``).

    django-axes locks a user name out after repeated failures; this bounds how fast one client
    may try different user names.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.paths = set(settings.PURSIGHT_LOGIN_PATHS)
        self.limit, self.window = parse_rate(settings.PURSIGHT_LOGIN_RATE)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path in self.paths:
            import time

            from django.core.cache import cache

            ip = audit.client_ip(request) or "unknown"
            key = f"pursight:login-rate:{ip}:{int(time.time() // self.window)}"
            cache.add(key, 0, self.window)
            try:
                count = cache.incr(key)
            except ValueError:  # evicted between add and incr
                cache.set(key, 1, self.window)
                count = 1
            if count > self.limit:
                response = HttpResponse(
                    "Too many login attempts; wait a minute.", status=429, content_type="text/plain"
                )
                response["Retry-After"] = str(self.window)
                return response
        return self.get_response(request)
