"""Background tasks run by `manage.py db_worker`. A task loads its input and calls a service."""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from creator.jobs import jobs_recover, new_worker_id

logger = logging.getLogger(__name__)

# One id per worker process: its leases say which process holds which job.
WORKER_ID = new_worker_id()


@task()
def worker_probe() -> str:
    """Proves a worker is picking up tasks; /api/health enqueues it and reads when it ran."""
    return timezone.now().isoformat()


@task()
def job_run(job_id: int) -> str:
    """Advances one job by a step, then queues its next step (see creator/runner.py)."""
    from creator.runner import job_advance

    return job_advance(job_id, worker=WORKER_ID)


@task()
def job_task_delete(job_id: int) -> None:
    """Deletes qBittorrent's task for a job that no longer needs it."""
    from creator.jobs import job_delete_qbittorrent_task

    job_delete_qbittorrent_task(job_id)


@task()
def jobs_recover_task() -> int:
    """Re-queues jobs whose worker died, drops old step records, and comes back later."""
    from django_tasks_db.models import DBTaskResult

    count = jobs_recover()
    # Each job step (and deletion) leaves a finished task record: keep an hour of them.
    DBTaskResult.objects.filter(
        task_path__in=[job_run.module_path, job_task_delete.module_path],
        status="SUCCESSFUL",
        finished_at__lt=timezone.now() - timedelta(hours=1),
    ).delete()
    next_run = timezone.now() + timedelta(seconds=settings.JOB_RECOVER_INTERVAL_S)
    jobs_recover_task.using(run_after=next_run).enqueue()
    return count
