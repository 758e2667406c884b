"""Background tasks run by `manage.py db_worker`. A task loads its input and calls a service."""

from django.utils import timezone
from django_tasks import task


@task()
def worker_probe() -> str:
    """Proves a worker is picking up tasks; /api/health enqueues it and reads when it ran."""
    return timezone.now().isoformat()
