from django.apps import AppConfig


class OrchestrationConfig(AppConfig):
    name = "racine.orchestration"
    label = "orchestration"
    verbose_name = "Workflows and schedules"

    def ready(self) -> None:
        from pursight import events, permissions
        from pursight.consumers import register_page

        from . import activity, services, steps
        from .models import Schedule, StepRun, Workflow, WorkflowRun, WorkflowStep

        # A workflow belongs to a collection (or, without one, to the platform): reading it
        # needs view_catalog there, editing and running it manage_datasources (the data source
        # administrators who run scans). Running also needs what each step needs, checked
        # for whoever starts the run (services.check_run).
        manage = services.MANAGE
        actions = {
            "view": "view_catalog",
            "add": manage,
            "change": manage,
            "delete": manage,
            "run": manage,
        }
        permissions.register(Workflow, collection_lookup="collection", actions=actions)
        permissions.register(
            WorkflowStep,
            collection_lookup="workflow__collection",
            actions={"view": "view_catalog", "add": manage, "change": manage, "delete": manage},
        )
        permissions.register(
            WorkflowRun,
            collection_lookup="workflow__collection",
            actions={
                "view": "view_catalog",
                "cancel": manage,
                "resume": manage,
                "decide": "view_catalog",
            },
        )
        permissions.register(
            StepRun, collection_lookup="run__workflow__collection", actions={"view": "view_catalog"}
        )
        # A schedule's collection is its target's (a workflow's, or a scan's data source's).
        permissions.register(
            Schedule,
            collection_lookup="collection",
            actions={"view": "view_catalog", "add": manage, "change": manage, "delete": manage},
        )

        steps.register_defaults()
        register_page(services.LIVE_PAGE, services.live_run_status)
        events.domain_event.connect(
            services.on_domain_event, dispatch_uid="orchestration.wake_waiting_steps"
        )
        activity.register()

        from .approvals import use_approvals_app

        use_approvals_app()

        from .admin import unregister_beat_admin

        unregister_beat_admin()

        from governance.scans.extensions import demo_steps

        from .demo import demo_workflow, schedule_demo_scan

        demo_steps.register("orchestration", schedule_demo_scan)
        demo_steps.register("orchestration-workflow", demo_workflow)

        # Advice from history on the Main Manager, applied in one click.
        from . import advice

        advice.register()
