"""Jobs for Prometheus, read from the database at each scrape (the same in every process)."""

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily


class JobsCollector:
    def describe(self):
        # Named without samples: registering must not query the database (it may not exist yet).
        return [
            GaugeMetricFamily(
                "torrentsmith_jobs", "Creation jobs by state and engine", labels=["state", "engine"]
            )
        ]

    def collect(self):
        from creator.models import Job

        jobs = GaugeMetricFamily(
            "torrentsmith_jobs", "Creation jobs by state and engine", labels=["state", "engine"]
        )
        for row in Job.objects.values("state", "engine").annotate(count=Count("id")):
            jobs.add_metric([row["state"], row["engine"]], row["count"])
        yield jobs
