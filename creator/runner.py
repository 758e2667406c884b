"""Advancing a job by one step under its lease: used by the worker's task, and by the web
request that submits the job (its first step, addTask, is taken at once instead of waiting for
a worker to notice it)."""

import logging
from datetime import timedelta

from django.db import InterfaceError, OperationalError
from django.utils import timezone

from creator.jobs import StateChanged, job_claim, job_release, job_renew, job_transition
from creator.models import Engine, JobState

logger = logging.getLogger(__name__)


def job_advance(job_id: int, *, worker: str) -> str:
    """Takes one step of the job if no one else holds it, then queues its next step."""
    from creator.engines.local import LocalEngine
    from creator.engines.qbittorrent import QbittorrentEngine
    from creator.tasks import job_run

    job = job_claim(job_id, worker=worker)
    if job is None:
        return "not mine: finished, cancelled or held by another worker"
    delay = None
    try:
        if job.instance is None:
            job_transition(job, JobState.FAILED, error="Its qBittorrent instance was removed.")
            return job.state
        engine_class = LocalEngine if job.engine == Engine.LOCAL else QbittorrentEngine
        engine = engine_class(job, renew=lambda **kw: job_renew(engine.job, worker=worker, **kw))
        delay = engine.step()
        job = engine.job
    except StateChanged:
        return "stopped: the job changed meanwhile (cancelled?)"
    except (OperationalError, InterfaceError):
        # The database went away mid-step (a restart, a failover): the job is not at fault and
        # keeps its state; once its lease lapses, recovery queues the step again.
        logger.warning("Job %s: the database went away mid-step", job_id, exc_info=True)
        raise
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
        job_release(job, worker=worker)
    if delay is not None:
        job_run.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(job_id)
    return job.state
