"""Create the built-in roles (and the collection permissions they need on a fresh database:
Django creates permissions only after all migrations have run)."""

from django.db import migrations

PERMISSIONS = {
    "view_catalog": "Read the catalog of this collection",
    "curate_catalog": "Edit catalog metadata and decide classifications",
    "manage_datasources": "Register and edit data sources, run scans",
    "manage_collection": "Manage the collection, its children and role assignments",
    "manage_compliance": "Manage compliance frameworks and findings",
}

ROLES = [
    (
        "collection-admin",
        "Collection Admin",
        "Manage the collection, its children and role assignments.",
        ["manage_collection", "view_catalog"],
    ),
    (
        "data-source-admin",
        "Data Source Admin",
        "Register and edit data sources, run scans.",
        ["manage_datasources", "view_catalog"],
    ),
    (
        "data-curator",
        "Data Curator",
        "Edit catalog metadata, accept or reject classifications, maintain the glossary.",
        ["curate_catalog", "view_catalog"],
    ),
    ("data-reader", "Data Reader", "Read the catalog.", ["view_catalog"]),
    (
        "compliance-officer",
        "Compliance Officer",
        "Manage compliance frameworks and findings.",
        ["manage_compliance", "view_catalog"],
    ),
]


def create_roles(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Role = apps.get_model("rbac", "Role")
    ct, _ = ContentType.objects.get_or_create(app_label="rbac", model="collection")
    perms = {}
    for codename, name in PERMISSIONS.items():
        perms[codename], _ = Permission.objects.get_or_create(
            content_type=ct, codename=codename, defaults={"name": name}
        )
    for slug, name, description, codenames in ROLES:
        role, _ = Role.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "is_builtin": True}
        )
        role.permissions.set([perms[c] for c in codenames])


def remove_roles(apps, schema_editor):
    apps.get_model("rbac", "Role").objects.filter(is_builtin=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("rbac", "0002_role_roleassignment"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
