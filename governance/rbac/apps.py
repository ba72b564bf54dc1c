from django.apps import AppConfig


class RbacConfig(AppConfig):
    name = "governance.rbac"
    label = "rbac"
    verbose_name = "Access control"

    def ready(self) -> None:
        from pursight import permissions

        from .models import Collection

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
