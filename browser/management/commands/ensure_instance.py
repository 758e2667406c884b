from django.conf import settings
from django.core.management.base import BaseCommand

from browser.instances import instance_from_environment


class Command(BaseCommand):
    help = "Create or update the default qBittorrent instance from QBITTORRENT_URL and friends."

    def handle(self, *args, **options):
        if not settings.QBITTORRENT_URL:
            self.stdout.write("QBITTORRENT_URL is not set: instances are managed in the admin.")
            return
        instance = instance_from_environment(
            name=settings.QBITTORRENT_NAME,
            url=settings.QBITTORRENT_URL,
            username=settings.QBITTORRENT_USERNAME,
            password=settings.QBITTORRENT_PASSWORD,
        )
        self.stdout.write(
            f"qBittorrent instance '{instance.name}' at {instance.url} is the default."
        )
