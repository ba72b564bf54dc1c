"""Base classes of the REST API: pagination, the permission gate, the governed viewset."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, views, viewsets
from rest_framework import permissions as drf_permissions
from rest_framework.request import Request

from pursight import permissions


def exception_handler(exc: Exception, context: dict[str, Any]) -> Any:
    """DRF's handler, taught the errors services raise: Django's ValidationError (400) and the
    gate's PermissionDenied (403). Set as REST_FRAMEWORK["EXCEPTION_HANDLER"]."""
    if isinstance(exc, permissions.PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    return views.exception_handler(exc, context)


class GatePermission(drf_permissions.BasePermission):
    """Delegates every decision to :mod:`pursight.permissions`.

    Lists and lookups are narrowed to what the user may view (so hidden objects answer 404);
    an object the user may view but not act on answers 403.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if getattr(view, "action", None) == "create":
            return permissions.can_any(user, view.get_queryset().model, view.gate_action())
        return True

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return permissions.can(request.user, view.gate_action(), obj)


class GovernedViewSetMixin:
    """Declare ``queryset`` (with its select_related/prefetch) and, for custom actions,
    ``gate_actions = {"run": "run"}``. Writes go through services in subclasses."""

    permission_classes = [drf_permissions.IsAuthenticated, GatePermission]
    base_gate_actions = {
        "list": "view",
        "retrieve": "view",
        "create": "add",
        "update": "change",
        "partial_update": "change",
        "destroy": "delete",
        "metadata": "view",
    }
    gate_actions: dict[str, str] = {}

    def gate_action(self) -> str:
        action = getattr(self, "action", None) or "view"
        return {**self.base_gate_actions, **self.gate_actions}.get(action, action)

    def get_queryset(self):
        queryset = super().get_queryset()
        return permissions.restrict(queryset, self.request.user, permissions.VIEW)


class GovernedReadOnlyViewSet(GovernedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class GovernedModelViewSet(GovernedViewSetMixin, viewsets.ModelViewSet):
    pass
