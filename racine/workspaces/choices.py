from django.db import models


class WorkspaceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived (read-only)"


class WorkspaceRole(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


# The workspace permissions each role holds (guardian rows on the workspace, kept in step with
# the membership by the services).
VIEW, EDIT, MANAGE = "view_workspace", "edit_workspace", "manage_workspace"
ROLE_CODENAMES: dict[str, tuple[str, ...]] = {
    WorkspaceRole.OWNER: (VIEW, EDIT, MANAGE),
    WorkspaceRole.EDITOR: (VIEW, EDIT),
    WorkspaceRole.VIEWER: (VIEW,),
}
