from django.apps import AppConfig


class ScansConfig(AppConfig):
    name = "governance.scans"
    label = "scans"
    verbose_name = "Scans"

    def ready(self) -> None:
        from pursight import permissions

        from .models import Scan, ScanRun, SchemaChange

        manage = {
            "view": "view_catalog",
            "add": "manage_datasources",
            "change": "manage_datasources",
            "delete": "manage_datasources",
            "run": "manage_datasources",
            "cancel": "manage_datasources",
        }
        permissions.register(Scan, collection_lookup="datasource__collection", actions=manage)
        permissions.register(ScanRun, collection_lookup="datasource__collection", actions=manage)
        permissions.register(
            SchemaChange,
            collection_lookup="datasource__collection",
            actions={"view": "view_catalog"},
        )

        from pursight.consumers import register_page

        from .services import live_run_status

        register_page("scanrun", live_run_status)

        # Scans add their action, button and column to the data source admin (below them).
        from governance.datasources.extensions import datasource_admin

        from .admin import DataSourceScanActions

        datasource_admin.register("scans", DataSourceScanActions)

        # Run history and schema changes on the catalog's asset pages; home page panels.
        from . import console

        console.register()

        # The demo's glossary (terms, tags, suggestions), a step after its scan.
        from governance.glossary.demo import demo_glossary

        from .extensions import demo_steps

        demo_steps.register("glossary", demo_glossary)
