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

        from governance.classifications.signals import labels_changed

        from . import classifying, exporting
        from .models import ColumnClassification

        # The row carries its column's data source: the gate resolves it without a join.
        permissions.register(
            ColumnClassification,
            collection_lookup="datasource__collection",
            actions={**actions, "add": "curate_catalog"},
        )
        exporting.column_extensions.register(
            "catalog.classifications", classifying.export_column_classifications
        )

        # Sensitive data inside free text: written by scans, read-only for everyone else.
        from governance.classifications.extensions import column_sources

        from . import bench, containment
        from . import extensions as catalog_extensions
        from .models import ColumnContainment

        permissions.register(
            ColumnContainment,
            collection_lookup="datasource__collection",
            actions={"view": "view_catalog"},
        )
        exporting.column_extensions.register(
            "catalog.contains", containment.export_column_containments
        )
        catalog_extensions.asset_page_panels.register("catalog.contains", containment.asset_panel)
        # The info-type test bench samples catalog columns the steward may view.
        column_sources.register("catalog.columns", bench.column_source)
        labels_changed.connect(
            classifying.refresh_labels, dispatch_uid="catalog.refresh_classification_labels"
        )
