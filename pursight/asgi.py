"""ASGI entry point: Django for HTTP, Channels for WebSockets (origin-checked; session or
bearer-token authentication)."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pursight.settings")
django_asgi_app = get_asgi_application()  # set up Django before importing consumers

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from pursight.routing import websocket_urlpatterns  # noqa: E402
from pursight.ws_auth import auth_stack  # noqa: E402

# Everything loaded so far lives as long as the process: move it out of the garbage collector's
# reach, so that a full collection while hundreds of sockets are served does not walk Django's
# whole heap (a pause of ~100 ms that every live event then waits for).
gc.freeze()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(auth_stack(URLRouter(websocket_urlpatterns))),
    }
)
