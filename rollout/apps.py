from django.apps import AppConfig


class RolloutConfig(AppConfig):
    name = "rollout"
    verbose_name = "Rollout (flags, feedback, navigation metrics)"

    def ready(self):
        from prometheus_client import REGISTRY

        from rollout.prometheus import TorrentsmithCollector

        REGISTRY.register(TorrentsmithCollector())
