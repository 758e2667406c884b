"""Figures for Prometheus, read from the database at each scrape: the same in every process of
a scaled-out setup (in-process counters would differ per daphne)."""

from django.db.models import Count
from prometheus_client.core import CounterMetricFamily


class TorrentsmithCollector:
    def describe(self):
        # Named without samples: registering must not query the database (it may not exist yet).
        return [
            CounterMetricFamily("torrentsmith_navigation_listings", "", labels=["mode"]),
            CounterMetricFamily("torrentsmith_feedback", "", labels=["mode"]),
        ]

    def collect(self):
        from rollout.models import Feedback, NavigationEvent

        listings = CounterMetricFamily(
            "torrentsmith_navigation_listings",
            "Folder listings by mode, instance and outcome",
            labels=["mode", "instance", "outcome"],
        )
        for row in NavigationEvent.objects.values("mode", "instance_name", "outcome").annotate(
            count=Count("id")
        ):
            listings.add_metric([row["mode"], row["instance_name"], row["outcome"]], row["count"])
        yield listings
        ratings = CounterMetricFamily(
            "torrentsmith_feedback",
            "Feedback entries by mode and rating",
            labels=["mode", "rating"],
        )
        for row in Feedback.objects.values("mode", "rating").annotate(count=Count("id")):
            ratings.add_metric([row["mode"], str(row["rating"])], row["count"])
        yield ratings
