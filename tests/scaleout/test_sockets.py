"""Progress reaches a socket on any daphne process: Redis carries it between processes."""

import pytest

from tests.scaleout.conftest import api_for, submit

pytestmark = [pytest.mark.scaleout, pytest.mark.slow]


def test_progress_reaches_sockets_on_every_daphne_and_through_the_proxy(
    make_stack, creator_fake, user, watch
):
    creator_fake.hashing_s = 3.0
    # Database polling every 60 s only: within this test, Redis alone carries the events.
    stack = make_stack(daphnes=2, workers=2, TORRENTSMITH_PROGRESS_POLL_MS="60000")
    watchers = [watch(url, user) for url in (stack.daphnes[0].url, stack.daphnes[1].url, stack.url)]

    job_id = submit(stack.daphnes[0].url, api_for(user), "/data/Everywhere")

    for watcher in watchers:
        events = watcher.job_events(job_id)
        states = [e["state"] for e in events]
        assert "hashing" in states, (watcher.url, states)
        percentages = [e["percentage"] for e in events]
        assert percentages == sorted(percentages)
        assert 0 < min(p for p in percentages if p) < 100 and percentages[-1] == 100
        assert watcher.closes == []
