"""ASGI entry point: HTTP through Django, WebSockets through Channels (daphne serves both)."""

import gc
import os

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)


class SyncViewsASGIHandler(ASGIHandler):
    """Django's ASGI handler, with the middleware and the view run together in one thread.

    Every view and middleware of the app is synchronous. The stock handler builds an async
    middleware chain and sends each synchronous hook to a thread and back, about fifteen
    switches per request, which cost about 2 ms of CPU on each one here (GET /api/tokens took
    7.7 ms through daphne, 6.0 ms with this; bench/browse.py prints a one-file folder's
    browse). Each request still gets its own thread: a slow qBittorrent answer holds up no
    other request (tests/test_served_by_daphne.py).
    """

    # A response's body goes to daphne as one message: Django's 64 KiB pieces copied a large
    # folder's listing (1.7 MB for 10,000 entries) into 27 slices, each a round of daphne's
    # writing code. File downloads are read in blocks of this size too.
    chunk_size = 4 * 1024 * 1024

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


django_asgi_app = SyncViewsASGIHandler()

# Imported after Django is set up: the routing imports consumers that import models.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Origin must match ALLOWED_HOSTS (a page elsewhere cannot ride the session cookie);
        # the session then identifies the user, and each consumer refuses anonymous sockets.
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# Everything loaded so far lives as long as the process: keeping it out of the garbage
# collector's generations makes each collection cheap (a 10,000-entry listing allocates enough
# objects to trigger dozens of them; see bench/browse.py).
gc.freeze()
