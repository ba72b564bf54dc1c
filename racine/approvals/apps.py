from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "racine.approvals"
    label = "approvals"
    verbose_name = "Approvals and access requests"
