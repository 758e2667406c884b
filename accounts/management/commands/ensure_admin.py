from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.services import admin_ensure


class Command(BaseCommand):
    help = "Make sure an administrator exists (password from TORRENTSMITH_ADMIN_PASSWORD)."

    def handle(self, *args, **options):
        outcome = admin_ensure(username=settings.ADMIN_USERNAME, password=settings.ADMIN_PASSWORD)
        if outcome.generated_password:
            self.stdout.write(
                self.style.WARNING(
                    f"Created administrator '{outcome.username}' with password: "
                    f"{outcome.generated_password}\n"
                    "It is shown only this once: change it after logging in, "
                    "or set TORRENTSMITH_ADMIN_PASSWORD."
                )
            )
        elif outcome.created:
            self.stdout.write(f"Created administrator '{outcome.username}'.")
        elif outcome.password_changed:
            self.stdout.write(
                f"Set the password of '{outcome.username}' from TORRENTSMITH_ADMIN_PASSWORD."
            )
        else:
            self.stdout.write(f"Administrator '{outcome.username}' exists.")
