from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    name = "racine.collaboration"
    label = "collaboration"
    verbose_name = "Collaboration"

    def ready(self) -> None:
        from pursight import permissions
        from racine.workspaces.choices import EDIT, VIEW

        from .models import Comment, SharedDocument, Task

        # Anyone who may see an object may read and join its conversation; editing or
        # deleting a comment is further limited to its author by the services.
        permissions.register_targeted(
            Comment, actions={"view": "view", "add": "view", "change": "view", "delete": "view"}
        )
        # A task belongs to its workspace and, when it is about an object, is seen only by
        # members who may see that object.
        permissions.register(
            Task,
            collection_lookup="workspace",
            root="workspaces.Workspace",
            actions={"view": VIEW, "add": EDIT, "change": EDIT, "delete": EDIT},
        )
        permissions.register_targeted(
            Task,
            optional=True,
            actions={"view": "view", "add": "view", "change": "view", "delete": "view"},
        )
        # Reading a shared document needs view on its object; writing is checked by the
        # co-editing service against the owning object's own edit permission.
        permissions.register_targeted(SharedDocument, actions={"view": "view"})

        # Co-editing: the co-editable texts and the live doc.* actions.
        from . import coedit
        from .services import documents

        documents.register_defaults()
        coedit.register()

        # Their rows go with the objects they are about.
        from . import signals

        signals.connect()

        # The team's panel (presence, co-edited description, conversation) under objects'
        # pages.
        from . import panel

        panel.register()

        # ``manage.py demo`` creates a workspace after its scan.
        from governance.scans.extensions import demo_steps

        from .demo import demo_workspace

        demo_steps.register("racine", demo_workspace)
