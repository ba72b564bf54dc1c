"""What apps above data sources add to it, registered from their ``AppConfig.ready()``.

Other apps may import this module (never the app's ``admin``); see :mod:`pursight.registry`.
"""

from __future__ import annotations

from pursight.registry import Registry

# Extensions of the data source admin (:mod:`pursight.admin_extensions`): scans add their
# "Scan now" action and button and the catalog column.
datasource_admin: Registry[type] = Registry("data source admin")
