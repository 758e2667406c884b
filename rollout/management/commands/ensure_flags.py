from django.core.management.base import BaseCommand

from rollout.flags import flags_ensure


class Command(BaseCommand):
    help = "Create the rollout flag and switches with the settings' defaults, where missing."

    def handle(self, *args, **options):
        flags_ensure()
        self.stdout.write("Rollout flag and switches are in place (edit them in the admin).")
