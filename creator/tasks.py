"""Background tasks run by `manage.py db_worker`. A task loads its input and calls a service."""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from creator.jobs import (
    StateChanged,
    job_claim,
    job_release,
    job_renew,
    job_transition,
    jobs_recover,
    new_worker_id,
)
from creator.models import Engine, JobState

logger = logging.getLogger(__name__)

# One id per worker process: its leases say which process holds which job.
WORKER_ID = new_worker_id()


@task()
def worker_probe() -> str:
    """Proves a worker is picking up tasks; /api/health enqueues it and reads when it ran."""
    return timezone.now().isoformat()


@task()
def job_run(job_id: int) -> str:
    """Advances one job by a step, then queues its next step (see creator/engines)."""
    from creator.engines.qbittorrent import QbittorrentEngine

    job = job_claim(job_id, worker=WORKER_ID)
    if job is None:
        return "not mine: finished, cancelled or held by another worker"
    delay = None
    try:
        if job.instance is None:
            job_transition(job, JobState.FAILED, error="Its qBittorrent instance was removed.")
            return job.state
        if job.engine != Engine.QBITTORRENT:
            job_transition(job, JobState.FAILED, error=f"No engine {job.engine} here.")
            return job.state
        engine = QbittorrentEngine(job, renew=lambda: job_renew(engine.job, worker=WORKER_ID))
        delay = engine.step()
        job = engine.job
    except StateChanged:
        return "stopped: the job changed under this worker (cancelled?)"
    except Exception as error:
        logger.exception("Job %s failed unexpectedly", job_id)
        try:
            job.refresh_from_db()
            job_transition(
                job,
                JobState.FAILED,
                error=f"Internal error: {type(error).__name__}. "
                "The job can be retried; the log has the details.",
            )
        except (StateChanged, ValueError):
            pass
        return "failed"
    finally:
        job_release(job, worker=WORKER_ID)
    if delay is not None:
        job_run.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(job_id)
    return job.state


@task()
def jobs_recover_task() -> int:
    """Re-queues jobs whose worker died, drops old step records, and comes back later."""
    from django_tasks_db.models import DBTaskResult

    count = jobs_recover()
    # Each job step leaves a finished task record: keep an hour of them, not years.
    DBTaskResult.objects.filter(
        task_path=job_run.module_path,
        status="SUCCESSFUL",
        finished_at__lt=timezone.now() - timedelta(hours=1),
    ).delete()
    next_run = timezone.now() + timedelta(seconds=settings.JOB_RECOVER_INTERVAL_S)
    jobs_recover_task.using(run_after=next_run).enqueue()
    return count
