"""Listing jobs (GET /api/jobs and the history page): every page in order, each from the same
few queries however many rows it shows."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from creator.models import Job, JobState
from tests.factories import InstanceFactory, JobFactory, PresetFactory, UserFactory

pytestmark = pytest.mark.django_db


def jobs_with_their_own_instance_and_preset(count: int, **fields) -> None:
    for _ in range(count):
        JobFactory(instance=InstanceFactory(), preset=PresetFactory(), **fields)


def queries(client, path: str, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200, response.content
    return len(captured)


def test_the_api_makes_the_same_queries_for_one_job_and_fifty(staff_client):
    jobs_with_their_own_instance_and_preset(50, owner=UserFactory())
    one = queries(staff_client, "/api/jobs", pageSize=1)
    fifty = queries(staff_client, "/api/jobs", pageSize=50)
    assert len(staff_client.get("/api/jobs", {"pageSize": 50}).json()["results"]) == 50
    assert one == fifty


def test_the_history_makes_the_same_queries_for_one_job_and_a_full_page(staff_client):
    jobs_with_their_own_instance_and_preset(1, owner=UserFactory())
    staff_client.get("/jobs/")  # a first visit stores the user's navigation preference
    one = queries(staff_client, "/jobs/")
    jobs_with_their_own_instance_and_preset(24, owner=UserFactory())
    # The filter form lists every instance and preset once, whatever their number.
    assert queries(staff_client, "/jobs/") == one


@pytest.mark.parametrize("ordering", ["-created_at", "name", "-total_size", "state"])
def test_api_pages_hold_every_job_once_in_order(user_client, user, ordering):
    for n in range(23):
        JobFactory(
            owner=user,
            name=f"job {n % 5}",
            state=[JobState.COMPLETED, JobState.FAILED][n % 2],
            total_size=None if n % 3 else n,
        )
    Job.objects.update(created_at=timezone.now())  # ties: the id decides
    expected = list(Job.objects.order_by(ordering, "-pk").values_list("pk", flat=True))
    seen = []
    for page in range(1, 6):
        body = user_client.get(
            "/api/jobs", {"ordering": ordering, "pageSize": 5, "page": page}
        ).json()
        assert body["count"] == 23
        seen += [job["id"] for job in body["results"]]
    assert seen == expected


def test_history_pages_hold_every_job_once_in_order(user_client, user):
    for n in range(60):
        JobFactory(owner=user, name=f"job {n:02}")
    Job.objects.filter(pk__in=Job.objects.order_by("pk").values("pk")[:30]).update(
        created_at=timezone.now()
    )
    expected = list(Job.objects.order_by("-created_at", "-pk").values_list("name", flat=True))
    seen = []
    for page in (1, 2, 3):
        html = user_client.get("/jobs/", {"page": page}).content.decode()
        seen += re.findall(r'<th scope="row"><a href="/jobs/\d+/">([^<]*)</a>', html)
    assert seen == expected
