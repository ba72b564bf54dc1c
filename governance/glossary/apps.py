from django.apps import AppConfig


class GlossaryConfig(AppConfig):
    name = "governance.glossary"
    label = "glossary"
    verbose_name = "Tags and glossary"

    def ready(self) -> None:
        from governance.rbac.roles import CURATE_CATALOG, VIEW_CATALOG
        from pursight import permissions

        from . import console, signals
        from .models import (
            Category,
            Tag,
            TagAssignment,
            TagRule,
            TagSet,
            Term,
            TermAssignment,
            TermSuggestion,
        )

        # The vocabulary acts on every collection, like the classification library: anyone
        # signed in reads it, platform-wide curators (Data Curator on every collection) change
        # it and move terms through their workflow.
        read = permissions.SIGNED_IN
        writes = {"add": CURATE_CATALOG, "change": CURATE_CATALOG, "delete": CURATE_CATALOG}
        for model in (TagSet, Tag, Category, TagRule):
            permissions.register_global(model, actions={"view": read, **writes})
        permissions.register_global(
            Term,
            actions={
                "view": read,
                **writes,
                "transition": CURATE_CATALOG,
                "import": CURATE_CATALOG,
            },
        )
        # Links and suggestions are about assets: seen where the asset is seen, made and
        # removed by curators of its collection.
        links = {"view": VIEW_CATALOG, "add": CURATE_CATALOG, "delete": CURATE_CATALOG}
        for model in (TagAssignment, TermAssignment):
            permissions.register(model, collection_lookup="datasource__collection", actions=links)
        permissions.register(
            TermSuggestion,
            collection_lookup="datasource__collection",
            actions={"view": VIEW_CATALOG, "decide": CURATE_CATALOG},
        )
        signals.connect()
        console.register()
