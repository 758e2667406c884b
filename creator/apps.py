from django.apps import AppConfig


class CreatorConfig(AppConfig):
    name = "creator"
    verbose_name = "Torrent creation"

    def ready(self):
        from prometheus_client import REGISTRY

        from creator.prometheus import JobsCollector

        REGISTRY.register(JobsCollector())
