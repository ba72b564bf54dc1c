"""The admin skin (django-unfold): PurSight branding and a navigation by functional group."""

from django.templatetags.static import static
from django.urls import reverse_lazy


def _item(title: str, icon: str, url: str) -> dict:
    return {"title": title, "icon": icon, "link": reverse_lazy(url), "permission": _may_open(url)}


def _may_open(url_name: str):
    """A menu entry is shown only to those its admin lets in (its ``has_view_permission``):
    a Data Reader sees no users, role assignments or audit trail."""

    def check(request) -> bool:
        from django.contrib.admin import ModelAdmin
        from django.urls import NoReverseMatch, resolve, reverse

        try:
            view = resolve(reverse(url_name)).func
        except NoReverseMatch:
            return False
        model_admin = getattr(view, "model_admin", None)
        while model_admin is None and view is not None:  # a custom view of a ModelAdmin
            owner = getattr(view, "__self__", None)
            model_admin = owner if isinstance(owner, ModelAdmin) else None
            view = getattr(view, "__wrapped__", None)
        return model_admin is None or model_admin.has_view_permission(request)

    return check


UNFOLD = {
    "SITE_TITLE": "PurSight",
    "SITE_HEADER": "PurSight",
    "SITE_SUBHEADER": "Data governance",
    "SITE_SYMBOL": "policy",
    "SITE_FAVICONS": [
        {
            "rel": "icon",
            "type": "image/svg+xml",
            "href": lambda request: static("pursight/logo.svg"),
        }
    ],
    "SHOW_HISTORY": True,
    # The home page (/admin/): the panels apps register in pursight.admin.home_panels.
    "DASHBOARD_CALLBACK": "pursight.admin.home",
    "SHOW_VIEW_ON_SITE": False,
    "COLORS": {
        "primary": {
            "50": "238 246 255",
            "100": "217 234 255",
            "200": "188 218 255",
            "300": "142 195 255",
            "400": "89 163 255",
            "500": "51 128 252",
            "600": "29 103 241",
            "700": "21 82 222",
            "800": "24 67 180",
            "900": "26 60 141",
            "950": "20 38 86",
        }
    },
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": True,
        "navigation": [
            {
                "title": "Racine",
                "items": [
                    _item("Main Manager", "dashboard", "admin:index"),
                    _item("Approvals", "approval", "admin:approvals_approvalrequest_changelist"),
                    _item("Access requests", "key", "admin:approvals_accessrequest_changelist"),
                    _item(
                        "Approval policies",
                        "rule_settings",
                        "admin:approvals_approvalpolicy_changelist",
                    ),
                    _item("Workspaces", "groups", "admin:workspaces_workspace_changelist"),
                    _item("My tasks", "task_alt", "admin:collaboration_my_tasks"),
                    _item(
                        "My notifications",
                        "notifications",
                        "admin:activity_notification_changelist",
                    ),
                    _item("Activity", "timeline", "admin:activity_activityevent_changelist"),
                    _item("Comments", "forum", "admin:collaboration_comment_changelist"),
                ],
            },
            {
                "title": "Workflows",
                "items": [
                    _item("Workflows", "account_tree", "admin:orchestration_workflow_changelist"),
                    _item(
                        "Workflow runs", "play_circle", "admin:orchestration_workflowrun_changelist"
                    ),
                    _item("Schedules", "schedule", "admin:orchestration_schedule_changelist"),
                ],
            },
            {
                "title": "Data sources",
                "items": [
                    _item("Data sources", "database", "admin:datasources_datasource_changelist"),
                ],
            },
            {
                "title": "Scan rule sets",
                "items": [
                    _item("Scan rule sets", "rule", "admin:scanrules_scanruleset_changelist"),
                ],
            },
            {
                "title": "Scans",
                "items": [
                    _item("Scans", "radar", "admin:scans_scan_changelist"),
                    _item("Scan runs", "history", "admin:scans_scanrun_changelist"),
                    _item("Schema changes", "difference", "admin:scans_schemachange_changelist"),
                ],
            },
            {
                "title": "Data catalog",
                "items": [
                    _item("Schemas", "schema", "admin:catalog_catalogschema_changelist"),
                    _item("Tables and views", "table", "admin:catalog_catalogtable_changelist"),
                    _item("Columns", "view_column", "admin:catalog_catalogcolumn_changelist"),
                ],
            },
            {
                "title": "Classifications",
                "items": [
                    _item(
                        "Sensitive data overview",
                        "insights",
                        "admin:catalog_classification_overview",
                    ),
                    _item(
                        "Column classifications",
                        "label",
                        "admin:catalog_columnclassification_changelist",
                    ),
                    _item(
                        "Info types and rules",
                        "category",
                        "admin:classifications_classification_changelist",
                    ),
                    _item(
                        "Label policies", "policy", "admin:classifications_labelpolicy_changelist"
                    ),
                    _item(
                        "Sensitivity labels",
                        "verified_user",
                        "admin:classifications_sensitivitylabel_changelist",
                    ),
                    _item(
                        "Model versions",
                        "model_training",
                        "admin:classifications_classifiermodel_changelist",
                    ),
                ],
            },
            {
                "title": "Compliance",
                "items": [
                    _item("Dashboard", "monitoring", "admin:compliance_dashboard"),
                    _item("Findings", "report", "admin:compliance_finding_changelist"),
                    _item("Frameworks", "gavel", "admin:compliance_framework_changelist"),
                    _item("Rules", "rule", "admin:compliance_rule_changelist"),
                    _item(
                        "Evaluation runs", "fact_check", "admin:compliance_evaluationrun_changelist"
                    ),
                    _item(
                        "Compliance reports",
                        "description",
                        "admin:compliance_compliancereport_changelist",
                    ),
                ],
            },
            {
                "title": "Access control",
                "items": [
                    _item("Collections", "account_tree", "admin:rbac_collection_changelist"),
                    _item("Role assignments", "badge", "admin:rbac_roleassignment_changelist"),
                    _item("Roles", "shield_person", "admin:rbac_role_changelist"),
                    _item("Users", "person", "admin:auth_user_changelist"),
                    _item("Groups", "group", "admin:auth_group_changelist"),
                    _item("API tokens", "key", "admin:core_apitoken_changelist"),
                    _item("Audit trail", "receipt_long", "admin:core_auditevent_changelist"),
                ],
            },
        ],
    },
}
