from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "racine.workspaces"
    label = "workspaces"
    verbose_name = "Workspaces"

    def ready(self) -> None:
        from pursight import permissions

        from .choices import EDIT, MANAGE, VIEW
        from .models import Membership, Pin, SavedSearch, Workspace

        root = "workspaces.Workspace"
        permissions.register_root(root)
        # Anyone signed in may start a workspace (and becomes its owner).
        permissions.register(
            Workspace,
            collection_lookup="",
            root=root,
            actions={
                "view": VIEW,
                "add": permissions.SIGNED_IN,
                "change": MANAGE,
                "delete": MANAGE,
                "edit": EDIT,
                "manage": MANAGE,
            },
        )
        permissions.register(
            Membership,
            collection_lookup="workspace",
            root=root,
            actions={"view": VIEW, "add": MANAGE, "change": MANAGE, "delete": MANAGE},
        )
        content = {"view": VIEW, "add": EDIT, "change": EDIT, "delete": EDIT}
        permissions.register(SavedSearch, collection_lookup="workspace", root=root, actions=content)
        # A pin is the workspace's (members) *and* its asset's (the gate): both must allow.
        permissions.register(Pin, collection_lookup="workspace", root=root, actions=content)
        permissions.register_targeted(
            Pin, actions={"view": "view", "add": "view", "change": "view", "delete": "view"}
        )

        from . import pinning, signals

        pinning.register_defaults()
        signals.connect()

        from . import live

        live.register()  # live pages (workspace, pinnable assets), presence, scan progress
