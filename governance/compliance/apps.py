from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "governance.compliance"
    label = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        from pursight import permissions

        from . import conditions, signals
        from .models import Finding, RuleResult, SchemaChangeAcknowledgement, ScoreSnapshot

        manage = "manage_compliance"
        permissions.register(
            Finding,
            collection_lookup="datasource__collection",
            actions={
                "view": "view_catalog",
                "change": manage,
                "transition": manage,
                "assign": manage,
            },
        )
        for model in (RuleResult,):
            permissions.register(
                model, collection_lookup="datasource__collection", actions={"view": "view_catalog"}
            )
        permissions.register(
            ScoreSnapshot, collection_lookup="collection", actions={"view": "view_catalog"}
        )
        permissions.register(
            SchemaChangeAcknowledgement,
            collection_lookup="change__datasource__collection",
            actions={"view": "view_catalog", "add": manage},
        )

        conditions.register_builtins()
        conditions.connect_classifications()
        signals.connect()
