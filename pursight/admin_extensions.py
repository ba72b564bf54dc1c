"""How a higher app adds to a lower app's ModelAdmin: buttons, bulk actions, columns, filters.

The lower app owns a :class:`~pursight.registry.Registry` of extensions in a module that other
apps may import (``<app>/extensions.py``, never its ``admin``); its admin inherits
:class:`ExtensibleAdminMixin`, points ``extensions`` at that registry and marks each attribute
that extensions may add to with :class:`extensible`::

    @admin.register(DataSource)
    class DataSourceAdmin(ExtensibleAdminMixin, ObjectActionsMixin, PurSightModelAdmin):
        extensions = datasource_admin  # from governance/datasources/extensions.py
        actions = extensible(["test_connections"])
        list_display = extensible(["name", "kind"])

An extension is a class written like a ModelAdmin mixin: it lists names under the same
attributes (``actions``, ``actions_detail``, ``detail_gate_actions``, ``list_display``,
``list_filter``) and defines the methods they name, with the ``has_<name>_permission`` hooks its
actions need. The higher app registers it in its ``AppConfig.ready()``::

    datasource_admin.register("scans", DataSourceScanActions)

Its methods run as the admin's (``self`` is the admin; they must not call ``super()``). The
admin's own attributes always win: an extension adds, it never replaces. Admin modules are
imported before the apps' ``ready()`` runs, so the extended attributes are read when used, not
when the admin class is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pursight.registry import Registry


class extensible:
    """An admin attribute that registered extensions add to: the admin's own value (returned
    when read on the class) followed by what each extension declares under the same name."""

    def __init__(self, own: Any) -> None:
        self.own = own
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, admin: Any, owner: type | None = None) -> Any:
        if admin is None:
            return self.own
        return admin.extended(self.name, self.own)


class ExtensibleAdminMixin:
    """A ModelAdmin whose :class:`extensible` attributes and methods registered extensions add
    to."""

    extensions: Registry[type] = Registry("no extensions")  # the admin's app sets its own

    def extended(self, name: str, own: Any) -> Any:
        """``own`` followed by what each registered extension declares under ``name``."""
        if isinstance(own, Mapping):
            merged = dict(own)
            for extension in self.extensions:
                merged.update(getattr(extension, name, {}))
            return merged
        items = list(own or ())
        for extension in self.extensions:
            for item in getattr(extension, name, ()):
                if name == "actions" and isinstance(item, str):
                    # Django looks an action named by a string up on the admin's class: give it
                    # the extension's function, which it calls with the admin as first argument.
                    item = getattr(extension, item)
                items.append(item)
        return items

    def __getattr__(self, name: str) -> Any:
        """An attribute the admin does not have: the first extension's that has it, bound to
        the admin (the methods its actions, buttons and columns name)."""
        if name.startswith("__") or name == "extensions":
            raise AttributeError(name)
        for extension in type(self).extensions:
            for klass in extension.__mro__[:-1]:  # its classes, not ``object``
                if name in vars(klass):
                    attr = vars(klass)[name]
                    return attr.__get__(self, type(self)) if hasattr(attr, "__get__") else attr
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


# --- Panels under an object's change page ---------------------------------------------------
#
# Callables ``(request, obj) -> str | None`` rendered, in registration order, under the change
# page of every ``PurSightModelAdmin`` object (outside its form: a panel may hold forms of its
# own). A panel decides for itself which objects it is for (returning None for the others),
# goes through the permission gate for everything it reads, offers only what the user may do
# and changes state only by POST. Racine adds the team's panel (who is here, the co-edited
# description, the conversation); the catalog's asset pages have their own registry
# (``governance.catalog.extensions.asset_page_panels``), which Racine fills the same way.
object_panels: Registry[Any] = Registry("object page panels")


def render_object_panels(request: Any, obj: Any) -> list[str]:
    """The HTML of the panels registered for ``obj`` (those with something to show)."""
    if obj is None or getattr(obj, "pk", None) is None:
        return []
    return [html for panel in object_panels if (html := panel(request, obj))]
