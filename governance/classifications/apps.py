from django.apps import AppConfig


class ClassificationsConfig(AppConfig):
    name = "governance.classifications"
    label = "classifications"
    verbose_name = "Classifications"

    def ready(self) -> None:
        from governance.rbac.roles import CURATE_CATALOG
        from pursight import permissions

        from .models import Classification, ClassifierModel, LabelPolicy, SensitivityLabel

        # The library acts on the scans of every collection: anyone signed in reads it, and
        # changing it needs curate_catalog held platform-wide (a role on one collection never
        # does). Classifications are deactivated, never deleted (deleting one would drop its
        # results in every collection): no "delete" action, so superusers only.
        read = permissions.SIGNED_IN
        writes = {"add": CURATE_CATALOG, "change": CURATE_CATALOG}
        permissions.register_global(Classification, actions={"view": read, **writes})
        for model in (SensitivityLabel, LabelPolicy):
            permissions.register_global(
                model, actions={"view": read, **writes, "delete": CURATE_CATALOG}
            )
        permissions.register_global(
            ClassifierModel,
            actions={"view": read, **writes, "delete": CURATE_CATALOG, "activate": CURATE_CATALOG},
        )
