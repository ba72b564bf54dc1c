from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "governance.catalog"
    label = "catalog"
    verbose_name = "Data catalog"

    def ready(self) -> None:
        from pursight import permissions

        from .models import CatalogColumn, CatalogSchema, CatalogTable

        actions = {
            "view": "view_catalog",
            "change": "curate_catalog",
            "curate": "curate_catalog",
        }
        for model in (CatalogSchema, CatalogTable, CatalogColumn):
            permissions.register(model, collection_lookup="datasource__collection", actions=actions)
