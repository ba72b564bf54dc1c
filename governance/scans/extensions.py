"""What apps above scans add to it, registered from their ``AppConfig.ready()``.

Other apps may import this module (never the app's ``admin``); see :mod:`pursight.registry`.
"""

from __future__ import annotations

from pursight.registry import Registry

# Extensions of the schema-change admin (:mod:`pursight.admin_extensions`): compliance adds
# the acknowledge action and the drift filter.
schema_change_admin: Registry[type] = Registry("schema change admin")
