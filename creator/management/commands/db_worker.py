"""`manage.py db_worker`: django-tasks-db's worker, made to outlive a database restart.

The library's worker exits on the first database error that is not a lock. A PostgreSQL
restart or failover would then stop every worker for good, so this one waits for the database
to come back and carries on; the step that was cut off is queued again by job recovery, whose
own chain of tasks is re-armed each time the worker (re)starts.
"""

import logging
import time

from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands import db_worker

logger = logging.getLogger(__name__)

RETRY_MAX_S = 5.0


class Command(db_worker.Command):
    help = "Run a database background worker (waits out database restarts)"

    def handle(self, *args, **options):
        delay = 0.5
        while True:
            try:
                self._recovery_ensure()
                return super().handle(*args, **options)
            except (OperationalError, InterfaceError) as error:
                logger.warning(
                    "The database is unavailable (%s); trying again in %.1f s",
                    str(error).strip().splitlines()[0] if str(error).strip() else error,
                    delay,
                )
                connections.close_all()
                time.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)

    @staticmethod
    def _recovery_ensure() -> None:
        from creator.jobs import jobs_recover_ensure

        jobs_recover_ensure()
