"""The built-in roles, modelled on Microsoft Purview's collection roles.

Each role is a named set of guardian object permissions on ``rbac.Collection``; a role assigned
on a collection applies to it and everything below it. Every role includes ``view_catalog``
because the gate hides what a user cannot view (a Data Source Admin must see the sources they
manage). Workspace roles arrive with Racine's workspaces.
"""

from __future__ import annotations

from dataclasses import dataclass

VIEW_CATALOG = "view_catalog"
CURATE_CATALOG = "curate_catalog"
MANAGE_DATASOURCES = "manage_datasources"
MANAGE_COLLECTION = "manage_collection"
MANAGE_COMPLIANCE = "manage_compliance"

COLLECTION_PERMISSIONS = (
    VIEW_CATALOG,
    CURATE_CATALOG,
    MANAGE_DATASOURCES,
    MANAGE_COLLECTION,
    MANAGE_COMPLIANCE,
)


@dataclass(frozen=True)
class BuiltinRole:
    slug: str
    name: str
    description: str
    codenames: tuple[str, ...]


COLLECTION_ADMIN = "collection-admin"
DATA_SOURCE_ADMIN = "data-source-admin"
DATA_CURATOR = "data-curator"
DATA_READER = "data-reader"
COMPLIANCE_OFFICER = "compliance-officer"

BUILTIN_ROLES: tuple[BuiltinRole, ...] = (
    BuiltinRole(
        COLLECTION_ADMIN,
        "Collection Admin",
        "Manage the collection, its children and role assignments.",
        (MANAGE_COLLECTION, VIEW_CATALOG),
    ),
    BuiltinRole(
        DATA_SOURCE_ADMIN,
        "Data Source Admin",
        "Register and edit data sources, run scans.",
        (MANAGE_DATASOURCES, VIEW_CATALOG),
    ),
    BuiltinRole(
        DATA_CURATOR,
        "Data Curator",
        "Edit catalog metadata, accept or reject classifications, maintain the glossary.",
        (CURATE_CATALOG, VIEW_CATALOG),
    ),
    BuiltinRole(DATA_READER, "Data Reader", "Read the catalog.", (VIEW_CATALOG,)),
    BuiltinRole(
        COMPLIANCE_OFFICER,
        "Compliance Officer",
        "Manage compliance frameworks and findings.",
        (MANAGE_COMPLIANCE, VIEW_CATALOG),
    ),
)
