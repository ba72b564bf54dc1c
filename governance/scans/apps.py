from typing import Any

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

        from . import services

        if classify_scan_batch not in services.batch_hooks:
            services.batch_hooks.append(classify_scan_batch)
        if classifier_salt not in services.token_salts:
            services.token_salts.append(classifier_salt)


def classify_scan_batch(run: Any, result: Any, samples: dict[str, list]) -> None:
    """Scan hook: classify the batch's sampled columns with the scan's rule set."""
    from governance.catalog import classifying

    from .models import Scan

    rule_set_id = run.__dict__.get("_rule_set_id", 0)
    if rule_set_id == 0:
        rule_set_id = Scan.objects.filter(pk=run.scan_id).values_list("rule_set_id", flat=True)[0]
        if rule_set_id is None:  # the scan uses its source kind's system rule set
            from governance.datasources.models import DataSource
            from governance.scanrules import services as scanrules

            kind = DataSource.objects.filter(pk=run.datasource_id).values_list("kind", flat=True)
            rule_set_id = scanrules.default_rule_set(kind[0]).pk
        run.__dict__["_rule_set_id"] = rule_set_id
    classifying.classify_batch(
        datasource_id=run.datasource_id,
        rule_set_id=rule_set_id,
        columns=result.columns,
        samples=samples,
    )


def classifier_salt() -> str:
    from governance.catalog import classifying

    return classifying.token_salt()
