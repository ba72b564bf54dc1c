"""OpenAPI description of PurSight's authentication (drf-spectacular extension)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "pursight.core.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (`pst_...`) from /api/v1/tokens/.",
        }


_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_ERRORS: dict[str, tuple[str, dict[str, Any]]] = {
    "400": ("Invalid input: field errors by field name, or a list of messages.", {}),
    "401": ("Not signed in, or the token is unknown, revoked or expired.", _DETAIL),
    "403": ("Signed in, but without the permission this action needs.", _DETAIL),
    "404": ("No such object, or one you may not see (the two are not told apart).", _DETAIL),
    "409": ("The object's state does not allow this action now.", _DETAIL),
    "429": ("Too many requests; retry after the time in Retry-After.", _DETAIL),
}


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> Any:
    """drf-spectacular post-processing hook: document the error answers every operation can
    give (401, 403, 429; 404 with a path parameter; 400 with input; 409 for writes), so that
    clients and the schema-driven fuzz tests know them."""
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            params = operation.get("parameters", [])
            codes = ["401", "403", "429"]
            if any(p.get("in") == "path" for p in params) or any(
                p.get("in") == "query" and p.get("name") == "page" for p in params
            ):  # no such object; or a page past the last one
                codes.append("404")
            if method in ("post", "put", "patch") or any(p.get("in") == "query" for p in params):
                codes.append("400")
            if method != "get":
                codes.append("409")
            responses = operation.setdefault("responses", {})
            # An error is rendered like the operation's answers (e.g. CSV for ?format=csv).
            others = {
                media
                for code, answer in responses.items()
                if code.startswith("2")
                for media in answer.get("content", {})
                if media != "application/json"
            }
            for code in codes:
                description, schema = _ERRORS[code]
                content = {"application/json": {"schema": schema}}
                content.update({media: {"schema": {"type": "string"}} for media in sorted(others)})
                responses.setdefault(code, {"description": description, "content": content})
    return result
