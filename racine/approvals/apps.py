from typing import Any

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
        from .models import ApprovalPolicy, ApprovalRequest

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
        # A request is seen by its requester, its reviewers and the admins of its collection
        # (platform admins outside collections): the gate answers it (and so every row about
        # a request: its conversation, its activity).
        permissions.register(
            ApprovalRequest,
            collection_lookup="collection",
            actions={"view": manage},
            people={"view": ("requested_by", "reviewers")},
        )
        manager.register()
        _sentences()
        _conversation()


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


def _conversation() -> None:
    """A request's conversation (racine.collaboration's team panel on its review page): closed
    once the request is decided or withdrawn; its comments are told to the requester and the
    reviewers while it is open."""
    from racine.collaboration.services.targets import closed_conversations

    from . import services, signals

    closed_conversations.register("approvals.request", services.conversation_closed)
    signals.connect()
    _live_page()


def _live_page() -> None:
    """The request's review page is a live page: who is here (presence) and new comments,
    for the sockets whose user may see the request (the gate's requirement)."""
    from pursight import consumers
    from racine.workspaces import live, presence

    from .models import ApprovalRequest

    kind = ApprovalRequest._meta.label_lower

    async def on_join(consumer: Any, pk: int) -> None:
        await presence.join(consumer, kind, pk)

    async def on_leave(consumer: Any, pk: int) -> None:
        await presence.leave(consumer, kind, pk)

    consumers.register_page(
        kind,
        live.asset_page(ApprovalRequest),
        visible=live.asset_visible(ApprovalRequest),
        on_join=on_join,
        on_leave=on_leave,
    )
    presence.requirements[kind] = live.asset_requirement(ApprovalRequest)


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
