"""The kernel's registries and admin extensions (how a higher app extends a lower one)."""

from __future__ import annotations

from typing import Any

import pytest

from pursight.admin_extensions import ExtensibleAdminMixin, extensible
from pursight.registry import Registry


def test_a_registry_keeps_the_order_of_first_registration() -> None:
    reg: Registry[str] = Registry("things")
    assert list(reg) == [] and len(reg) == 0
    reg.register("a", "first")
    reg.register("b", "second")
    assert list(reg) == ["first", "second"]
    assert "a" in reg and "c" not in reg and reg["b"] == "second"


def test_registering_a_key_again_replaces_its_entry_in_place() -> None:
    """A second ``ready()`` (tests, reloads) adds nothing."""
    reg: Registry[str] = Registry("things")
    reg.register("a", "first")
    reg.register("b", "second")
    assert reg.register("a", "again") == "again"
    assert list(reg) == ["again", "second"] and len(reg) == 2


def test_unregister_removes_and_ignores_unknown_keys() -> None:
    reg: Registry[int] = Registry("numbers")
    reg.register("one", 1)
    reg.unregister("one")
    reg.unregister("never")
    assert list(reg) == [] and "one" not in reg
    with pytest.raises(KeyError):
        reg["one"]


def test_iterating_while_registering_is_safe() -> None:
    reg: Registry[int] = Registry("numbers")
    reg.register("one", 1)
    for n in reg:
        reg.register(f"more{n}", n + 1)
    assert list(reg) == [1, 2]


# --- admin extensions --------------------------------------------------------------------------


extensions: Registry[type] = Registry("test admin")


class LowerAdmin(ExtensibleAdminMixin):
    """Stands for a lower app's ModelAdmin (only what the mixin touches)."""

    extensions = extensions
    actions = extensible(["own_action"])
    list_display = extensible(["name"])
    detail_gate_actions = extensible({"own_detail": "test"})
    not_extended = ["x"]

    def own_action(self, request: Any, queryset: Any) -> str:
        return "own"

    def shared(self) -> str:
        return "admin's own"


class HigherExtension:
    """Stands for what a higher app adds; its methods run as the admin's."""

    actions = ["higher_action"]
    list_display = ["higher_column"]
    detail_gate_actions = {"higher_detail": "scan"}
    not_extended = ["y"]
    label = "plain value"

    def higher_action(self, request: Any, queryset: Any) -> tuple[Any, Any]:
        return self, queryset

    def higher_column(self, obj: Any) -> str:
        return f"{self.shared()} / {obj}"

    def has_scan_permission(self, request: Any) -> bool:
        return request == "allowed"

    def shared(self) -> str:
        return "the extension's (never used)"


@pytest.fixture
def registered():
    extensions.register("higher", HigherExtension)
    yield LowerAdmin()
    extensions.unregister("higher")


def test_without_extensions_an_admin_has_its_own_attributes() -> None:
    admin = LowerAdmin()
    assert admin.actions == ["own_action"] and admin.list_display == ["name"]
    assert admin.detail_gate_actions == {"own_detail": "test"}
    with pytest.raises(AttributeError):
        admin.higher_column  # noqa: B018


def test_extensions_add_after_the_admins_own_entries(registered) -> None:
    admin = registered
    assert admin.list_display == ["name", "higher_column"]
    assert admin.detail_gate_actions == {"own_detail": "test", "higher_detail": "scan"}
    # Django looks a string action up on the admin's class: the extension's is its function.
    own, added = admin.actions
    assert own == "own_action" and added is HigherExtension.higher_action
    assert added(admin, "request", "rows") == (admin, "rows")
    # Only the attributes declared extensible are extended.
    assert admin.not_extended == ["x"]
    # Read on the class: the admin's own value.
    assert LowerAdmin.list_display == ["name"] and LowerAdmin.actions == ["own_action"]


def test_extension_methods_run_as_the_admins(registered) -> None:
    admin = registered
    assert admin.higher_column("row") == "admin's own / row"  # the admin's own attributes win
    assert admin.has_scan_permission("allowed") is True
    assert admin.has_scan_permission("other") is False
    assert admin.label == "plain value"
    assert hasattr(admin, "higher_action") and not hasattr(admin, "missing_method")
    with pytest.raises(AttributeError, match="missing_method"):
        admin.missing_method  # noqa: B018


def test_registering_an_extension_twice_adds_it_once(registered) -> None:
    extensions.register("higher", HigherExtension)
    assert registered.list_display == ["name", "higher_column"]
    assert len(registered.actions) == 2
