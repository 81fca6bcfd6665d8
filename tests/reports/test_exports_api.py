# ruff: noqa: F811 -- pytest fixtures imported from test_exports_fixtures and named as parameters
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from reports.models import ExportJob
from reports.services import exports as services
from tests.reports.test_exports_fixtures import (
    _exports_in_a_temporary_media_root,  # noqa: F401
    pair,  # noqa: F401
    read_csv,
    read_xlsx,
    world,  # noqa: F401
)

Status = ExportJob.Status
PERSONAS = ["anonymous", "mentor", "coordinator", "other_coordinator", "hr_admin", "site_admin", "outsider"]


@pytest.fixture
def api():
    return APIClient()


def _as(api, request, persona):
    api.logout()
    api.force_authenticate(None)
    if persona != "anonymous":
        api.force_authenticate(request.getfixturevalue(persona))


@pytest.fixture
def done_job(coordinator, programme, world):
    job = services.request_export(user=coordinator, dataset="meetings", format="xlsx", programme=programme)
    services.build_export(job_id=job.pk)
    job.refresh_from_db()
    return job


CREATE_MATRIX = [
    ({"dataset": "meetings", "format": "csv", "programme": "leadership-2027"}, [401, 403, 201, 404, 201, 201, 404]),
    ({"dataset": "meetings", "format": "xlsx", "programme": None}, [401, 403, 403, 403, 201, 201, 403]),
    ({"dataset": "goals"}, [401, 403, 403, 403, 201, 201, 403]),  # no programme: every programme
    ({"dataset": "meetings", "programme": "no-such-programme"}, [401, 404, 404, 404, 404, 404, 404]),
    ({"dataset": "salaries", "programme": "leadership-2027"}, [401, 400, 400, 400, 400, 400, 400]),
    (
        {"dataset": "flags", "programme": "leadership-2027", "date_from": "2027-05-01", "date_to": "2027-04-01"},
        [401, 403, 400, 404, 400, 400, 404],
    ),
]


@pytest.mark.parametrize(("body", "expected"), CREATE_MATRIX)
def test_permission_matrix_of_creating_an_export(api, request, world, other_programme, body, expected):
    for persona, status in zip(PERSONAS, expected, strict=True):
        _as(api, request, persona)

        response = api.post(reverse("api-export-list"), body, format="json")

        assert response.status_code == status, (persona, body, response.content)


def test_the_api_always_builds_in_the_background(
    api, coordinator, programme, world, django_capture_on_commit_callbacks
):
    api.force_authenticate(coordinator)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.post(
            reverse("api-export-list"),
            {"dataset": "meetings", "format": "csv", "programme": programme.slug, "date_from": None},
            format="json",
        )

    body = response.json()
    assert response.status_code == 201
    assert (body["in_background"], body["status"], body["programme"], body["download_url"]) == (
        True, "queued", "leadership-2027", None
    )  # fmt: skip
    assert len(callbacks) == 1
    detail = api.get(reverse("api-export-detail", args=[body["id"]])).json()
    assert (detail["status"], detail["rows"], detail["progress"]) == ("done", 4, 100)
    assert detail["download_url"] == reverse("api-export-download", args=[body["id"]])
    download = api.get(detail["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert len(read_csv(b"".join(download.streaming_content))) == 5


def test_bad_input_says_which_field(api, hr_admin):
    api.force_authenticate(hr_admin)

    response = api.post(
        reverse("api-export-list"),
        {"dataset": "flags", "format": "pdf", "programme": "not a slug", "date_from": "yesterday"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"format", "programme", "date_from"}
    far = api.post(reverse("api-export-list"), {"dataset": "flags", "date_to": "9999-12-31"}, format="json")
    assert far.status_code == 400
    assert "date_to" in far.json()
    assert not ExportJob.objects.exists()


DETAIL_MATRIX = [
    ("api-export-detail", [401, 404, 200, 404, 200, 200, 404]),
    ("api-export-download", [401, 404, 200, 404, 404, 404, 404]),
]


@pytest.mark.parametrize(("name", "expected"), DETAIL_MATRIX)
def test_permission_matrix_of_an_export(api, request, done_job, other_programme, name, expected):
    for persona, status in zip(PERSONAS, expected, strict=True):
        _as(api, request, persona)

        response = api.get(reverse(name, args=[done_job.pk]))

        assert response.status_code == status, (persona, name)


def test_the_list_is_everything_for_hr_and_your_own_for_others(api, coordinator, hr_admin, programme, world):
    mine = services.request_export(user=coordinator, dataset="meetings", format="xlsx", programme=programme)
    theirs = services.request_export(user=hr_admin, dataset="flags", format="csv", background=True)

    api.force_authenticate(coordinator)
    own = api.get(reverse("api-export-list")).json()
    api.force_authenticate(hr_admin)
    every = api.get(reverse("api-export-list")).json()
    flags = api.get(reverse("api-export-list") + "?dataset=flags").json()
    bad = api.get(reverse("api-export-list") + "?status=lost")

    assert [job["id"] for job in own["results"]] == [mine.pk]
    assert [job["id"] for job in every["results"]] == [theirs.pk, mine.pk]
    assert every["results"][1]["requested_by"] == {"id": coordinator.pk, "display_name": "Carmen Coordinator"}
    assert every["results"][1]["download_url"] is None  # HR reads the log, not the file
    assert [job["id"] for job in flags["results"]] == [theirs.pk]
    assert bad.status_code == 400


def test_a_download_before_the_file_is_ready_is_a_conflict(api, coordinator, programme, world):
    job = services.request_export(user=coordinator, dataset="meetings", format="xlsx", programme=programme)
    api.force_authenticate(coordinator)

    response = api.get(reverse("api-export-download", args=[job.pk]))

    assert response.status_code == 409


def test_an_expired_download_is_gone(api, coordinator, hr_admin, done_job):
    api.force_authenticate(coordinator)
    first = api.get(reverse("api-export-download", args=[done_job.pk]))
    assert first.status_code == 200
    assert read_xlsx(b"".join(first.streaming_content))[0][:3] == ["programme", "programme_slug", "meeting_id"]

    with_time = timezone.now() + datetime.timedelta(hours=25)
    ExportJob.objects.filter(pk=done_job.pk).update(expires_at=with_time - datetime.timedelta(hours=2))
    services.cleanup_exports(now=with_time)

    assert api.get(reverse("api-export-download", args=[done_job.pk])).status_code == 410
    assert api.get(reverse("api-export-detail", args=[done_job.pk])).json()["status"] == "expired"
    api.force_authenticate(hr_admin)
    assert api.get(reverse("api-export-download", args=[done_job.pk])).status_code == 404


def test_a_streamed_export_has_no_file_to_download(api, coordinator, programme, world):
    job = services.request_export(user=coordinator, dataset="meetings", format="csv", programme=programme)
    "".join(services.stream_export(job=job))
    api.force_authenticate(coordinator)

    assert api.get(reverse("api-export-download", args=[job.pk])).status_code == 404
