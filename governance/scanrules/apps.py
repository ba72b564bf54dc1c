from django.apps import AppConfig


class ScanrulesConfig(AppConfig):
    name = "governance.scanrules"
    label = "scanrules"
    verbose_name = "Scan rule sets"

    def ready(self) -> None:
        from governance.rbac.roles import MANAGE_DATASOURCES
        from pursight import permissions

        from .models import ScanRuleSet

        # Rule sets are shared by the scans of every collection: anyone signed in reads them;
        # writing needs manage_datasources held platform-wide, never a role on one collection.
        permissions.register_global(
            ScanRuleSet,
            actions={
                "view": permissions.SIGNED_IN,
                "add": MANAGE_DATASOURCES,
                "change": MANAGE_DATASOURCES,
                "delete": MANAGE_DATASOURCES,
            },
        )
