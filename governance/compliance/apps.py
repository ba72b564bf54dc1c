from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "governance.compliance"
    label = "compliance"
    verbose_name = "Compliance"
