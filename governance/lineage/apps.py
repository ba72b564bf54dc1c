from django.apps import AppConfig


class LineageConfig(AppConfig):
    name = "governance.lineage"
    label = "lineage"
    verbose_name = "Lineage"

    def ready(self) -> None:
        from . import capture_wiring, graph_wiring

        # Capture: view definitions at scan time, OpenLineage, dbt.
        capture_wiring.connect()
        # Use: the permission gate, propagation, the catalog's export and pages.
        graph_wiring.connect()
