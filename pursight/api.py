"""Base classes of the REST API: pagination, the permission gate, the governed viewset."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, relations, serializers, views, viewsets
from rest_framework import permissions as drf_permissions
from rest_framework.request import Request

from pursight import permissions


class SlugField(serializers.SlugRelatedField):
    """A ``SlugRelatedField`` that answers a value the database cannot hold (a NUL character:
    PostgreSQL refuses it in text) like any unknown value, instead of failing in the query."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)


class PeopleField(SlugField):
    """Users by username, among those the requesting user may see
    (:func:`permissions.restrict_people`): a name they may not see is answered like an unknown
    one, so the field never tells whether an account exists."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "username")
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        from django.contrib.auth import get_user_model

        users = get_user_model()._default_manager.filter(is_active=True)
        request = self.context.get("request")
        return permissions.restrict_people(users, getattr(request, "user", None))


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "The object's state does not allow this action now."
    default_code = "conflict"


@contextmanager
def conflict_on_refusal() -> Iterator[None]:
    """A write the object's state refuses (not empty, built in, in use) answers 409, not 400:
    the request was well formed."""
    try:
        yield
    except DjangoValidationError as exc:
        raise Conflict("; ".join(exc.messages)) from None


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


def gate_fields(serializer: Any, user: Any) -> Any:
    """Narrow every related field of ``serializer`` (nested ones too) to the objects ``user``
    may pick, through :func:`pursight.permissions.restrict_choices`. The browsable API's forms
    then offer nothing hidden, and a hidden id in a request body fails validation exactly like a
    missing one ("object does not exist"), never with a 403 that confirms it."""
    if isinstance(serializer, serializers.ListSerializer):
        gate_fields(serializer.child, user)
        return serializer
    if not isinstance(serializer, serializers.Serializer):
        return serializer
    for field in serializer.fields.values():
        if isinstance(field, relations.ManyRelatedField):
            field = field.child_relation
        if isinstance(field, relations.RelatedField) and field.queryset is not None:
            field.queryset = permissions.restrict_choices(field.queryset, user)
        elif isinstance(field, serializers.BaseSerializer):
            gate_fields(field, user)
    return serializer


class GatedSerializerMixin:
    """For every API view: serializers come out of ``get_serializer`` with gated choices."""

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        serializer = super().get_serializer(*args, **kwargs)  # type: ignore[misc]
        return gate_fields(serializer, self.request.user)  # type: ignore[attr-defined]


class GatePermission(drf_permissions.BasePermission):
    """Delegates every decision to :mod:`pursight.permissions`.

    Lists and lookups are narrowed to what the user may view (so hidden objects answer 404);
    an object the user may view but not act on answers 403.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        action = getattr(view, "action", None)
        unsafe = request.method not in drf_permissions.SAFE_METHODS
        if action == "create" or (unsafe and not getattr(view, "detail", True)):
            # Creating, or a list-level action that changes state: the right somewhere first
            # (403 before the body is validated).
            return permissions.can_any(user, view.get_queryset().model, view.gate_action())
        return True

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return permissions.can(request.user, view.gate_action(), obj)


class GovernedViewSetMixin(GatedSerializerMixin):
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
