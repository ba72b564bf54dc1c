from django.apps import AppConfig


class RbacConfig(AppConfig):
    name = "governance.rbac"
    label = "rbac"
    verbose_name = "Access control"

    def ready(self) -> None:
        from pursight import permissions

        from . import signals
        from .models import Collection, Role, RoleAssignment

        permissions.register(
            Collection,
            collection_lookup="",
            actions={
                "view": "view_catalog",
                "add": "manage_collection",
                "change": "manage_collection",
                "delete": "manage_collection",
            },
        )
        # Role assignments are seen and changed only by Collection Admins (of the subtree).
        manage = "manage_collection"
        permissions.register(
            RoleAssignment,
            collection_lookup="collection",
            actions={"view": manage, "add": manage, "change": manage, "delete": manage},
        )
        # Roles act on every collection: anyone signed in reads them; only superusers write them
        # (no codename for add/change/delete).
        permissions.register_global(Role, actions={"view": permissions.SIGNED_IN})
        signals.connect()
