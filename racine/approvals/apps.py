from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "racine.approvals"
    label = "approvals"
    verbose_name = "Approvals and access requests"

    def ready(self) -> None:
        # The kinds of change governance owns register when their service modules load; load
        # them here so that a process deciding on requests knows every applier.
        from governance.catalog import classifying  # noqa: F401
        from governance.compliance.services import definitions, findings  # noqa: F401
        from governance.scanrules import services as scanrules  # noqa: F401
        from pursight import changes, permissions

        from . import manager, services
        from .models import ApprovalPolicy

        services.register_kinds()
        _glossary_hook()
        changes.policies.register("approvals", services.hold_for_approval)
        # Policies are set per collection by its admins; a policy without a collection
        # (everywhere, global definitions) by platform admins.
        manage = "manage_collection"
        permissions.register(
            ApprovalPolicy,
            collection_lookup="collection",
            actions={"view": manage, "add": manage, "change": manage, "delete": manage},
        )
        manager.register()
        _sentences()


def _sentences() -> None:
    """How the activity stream tells of approvals (about the object the change is on)."""
    from racine.activity import summaries

    summaries.register(
        "approval.requested", lambda s: f"{s.actor} asked for approval of a change to {s.target}"
    )
    summaries.register("approval.approved", lambda s: f"{s.actor} approved a change to {s.target}")
    summaries.register("approval.rejected", lambda s: f"{s.actor} rejected a change to {s.target}")
    summaries.register(
        "approval.failed",
        lambda s: f"{s.actor} approved a change to {s.target}; it could not be applied",
    )


def _glossary_hook() -> None:
    """Glossary term transitions may need approval once governance.glossary offers its hook."""
    try:
        from governance.glossary import extensions
    except ImportError:
        return
    guards = getattr(extensions, "term_transition_guards", None)
    if guards is None:
        return
    from . import glossary

    glossary.register(guards)
