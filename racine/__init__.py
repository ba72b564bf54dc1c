"""Racine: where a team governs its data together, live (workspaces, activity, collaboration),
above the governance apps. Governance never imports racine; events reach it through
``pursight.events`` and registries."""
