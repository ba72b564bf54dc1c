from django.apps import AppConfig


class OrchestrationConfig(AppConfig):
    name = "racine.orchestration"
    label = "orchestration"
    verbose_name = "Workflows and schedules"
