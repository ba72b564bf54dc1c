from django.apps import AppConfig


class DatasourcesConfig(AppConfig):
    name = "governance.datasources"
    label = "datasources"
    verbose_name = "Data sources"

    def ready(self) -> None:
        from pursight import permissions

        from .models import DataSource

        permissions.register(
            DataSource,
            collection_lookup="collection",
            actions={
                "view": "view_catalog",
                "add": "manage_datasources",
                "change": "manage_datasources",
                "delete": "manage_datasources",
                "test": "manage_datasources",
                "scan": "manage_datasources",
            },
        )
