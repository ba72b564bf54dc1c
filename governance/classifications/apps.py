from django.apps import AppConfig


class ClassificationsConfig(AppConfig):
    name = "governance.classifications"
    label = "classifications"
    verbose_name = "Classifications"
