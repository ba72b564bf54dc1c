from django.apps import AppConfig


class GlossaryConfig(AppConfig):
    name = "governance.glossary"
    label = "glossary"
    verbose_name = "Tags and glossary"
