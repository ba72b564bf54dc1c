from django.apps import AppConfig


class ScanrulesConfig(AppConfig):
    name = "governance.scanrules"
    label = "scanrules"
    verbose_name = "Scan rule sets"
