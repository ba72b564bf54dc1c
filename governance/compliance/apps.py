from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "governance.compliance"
    label = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        from django.db import connections
        from django.db.backends.signals import connection_created

        from pursight import permissions

        # tasks: registered now, for the services that queue them by name.
        from . import conditions, patterns, signals, tasks  # noqa: F401
        from .models import (
            Control,
            EvaluationRun,
            Finding,
            Framework,
            Rule,
            RuleResult,
            SchemaChangeAcknowledgement,
            ScoreSnapshot,
        )

        manage = "manage_compliance"
        # Frameworks, controls and rules act on every collection: anyone signed in reads them,
        # changing them needs manage_compliance platform-wide (never a role on one collection).
        definitions = {
            "view": permissions.SIGNED_IN,
            "add": manage,
            "change": manage,
            "delete": manage,
        }
        for model in (Framework, Control, Rule):
            permissions.register_global(model, actions=definitions)
        # A run over one data source belongs to its collection; a run over every source
        # (no data source) reaches no collection: platform-wide officers only.
        permissions.register(
            EvaluationRun,
            collection_lookup="datasource__collection",
            actions={"view": manage, "add": manage},
        )
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

        # Rule patterns run with RE2, on SQLite through a function of each connection.
        connection_created.connect(
            patterns.connection_created, dispatch_uid="compliance.re2_sqlite_function"
        )
        for connection in connections.all(initialized_only=True):
            patterns.register_sqlite_function(connection)

        # Compliance adds its acknowledge action and drift filter to the scans' schema-change
        # admin (below it).
        from governance.scans.extensions import schema_change_admin

        from .admin import SchemaChangeDriftActions

        schema_change_admin.register("compliance", SchemaChangeDriftActions)

        # Findings on the catalog's asset pages and the home page; findings and rules in the
        # global search.
        from . import console

        console.register()

        conditions.register_builtins()
        conditions.connect_classifications()
        conditions.connect_tags()
        signals.connect()
