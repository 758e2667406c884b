from django.urls import path

from creator.consumers import ProgressConsumer

websocket_urlpatterns = [
    path("ws/torrent-progress", ProgressConsumer.as_asgi()),
]
