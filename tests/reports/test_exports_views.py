# ruff: noqa: F811 -- pytest fixtures imported from test_exports_fixtures and named as parameters
import datetime

import pytest
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from reports.models import ExportJob
from reports.services import exports as services
from tests.factories import UserFactory
from tests.reports.test_exports_fixtures import (
    SECRET,
    _exports_in_a_temporary_media_root,  # noqa: F401
    as_dicts,
    pair,  # noqa: F401
    read_csv,
    world,  # noqa: F401
)

Status = ExportJob.Status


@pytest.fixture
def done_job(coordinator, programme, world):
    job = services.request_export(
        user=coordinator, dataset="meetings", format="csv", programme=programme, background=True
    )
    services.build_export(job_id=job.pk)
    job.refresh_from_db()
    return job


PERSONAS = ["anonymous", "mentor", "coordinator", "other_coordinator", "hr_admin", "site_admin", "outsider"]


def _login(client, request, persona):
    client.logout()
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))


def _call(client, name, method, *, args=(), query="", data=None):
    url = reverse(name, args=args) + query
    return client.post(url, data or {}) if method == "post" else client.get(url)


MEETINGS_CSV = {"programme": "leadership-2027", "dataset": "meetings", "format": "csv"}
ALL_CSV = {"programme": "*", "dataset": "meetings", "format": "csv"}

# (url name, method, query, data, expected per persona in PERSONAS order); 302 = the login redirect.
FORM_MATRIX = [
    ("export-list", "get", "", None, [302, 200, 200, 200, 200, 200, 200]),
    ("export-create", "get", "", None, [302, 403, 200, 200, 200, 200, 403]),
    ("export-create", "get", "?programme=leadership-2027", None, [302, 403, 200, 404, 200, 200, 404]),
    ("export-create", "post", "", MEETINGS_CSV, [302, 403, 200, 400, 200, 200, 403]),
    ("export-create", "post", "", ALL_CSV, [302, 403, 400, 400, 200, 200, 403]),
]


@pytest.mark.parametrize(("name", "method", "query", "data", "expected"), FORM_MATRIX)
def test_permission_matrix_of_the_export_pages(
    client, request, world, other_programme, name, method, query, data, expected
):
    for persona, status in zip(PERSONAS, expected, strict=True):
        _login(client, request, persona)

        response = _call(client, name, method, query=query, data=data)

        assert response.status_code == status, (persona, name, method, query)
        if response.streaming:
            b"".join(response.streaming_content)  # let the stream finish


JOB_MATRIX = [
    ("export-detail", [302, 404, 200, 404, 200, 200, 404]),
    ("export-progress", [302, 404, 200, 404, 200, 200, 404]),
    # The file goes to its requester only: not to another HR admin, not to a site admin.
    ("export-download", [302, 404, 200, 404, 404, 404, 404]),
]


@pytest.mark.parametrize(("name", "expected"), JOB_MATRIX)
def test_permission_matrix_of_an_export(client, request, done_job, name, expected):
    for persona, status in zip(PERSONAS, expected, strict=True):
        _login(client, request, persona)

        response = _call(client, name, "get", args=[done_job.pk])

        assert response.status_code == status, (persona, name)


def test_a_small_csv_streams_in_the_response(client, coordinator, programme, world):
    client.force_login(coordinator)

    response = client.post(reverse("export-create"), MEETINGS_CSV)

    assert isinstance(response, StreamingHttpResponse)
    assert not isinstance(response, FileResponse)
    assert response["Content-Disposition"].startswith('attachment; filename="leadership-2027-meetings-')
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    job = ExportJob.objects.get()
    assert (job.in_background, job.status, job.rows) == (False, Status.RUNNING, None)  # nothing read yet
    rows = read_csv(b"".join(response.streaming_content))
    job.refresh_from_db()
    assert (job.status, job.rows) == (Status.DONE, 4)
    assert len(rows) == 5
    assert not job.file


def test_an_xlsx_export_goes_to_its_page_with_progress(client, coordinator, programme, world):
    client.force_login(coordinator)

    response = client.post(reverse("export-create"), {**MEETINGS_CSV, "format": "xlsx"})

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("export-detail", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert 'hx-get="{}"'.format(reverse("export-progress", args=[job.pk])) in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert "<progress" in page
    assert "Waiting for a worker" in page


def test_progress_fragment_shows_the_percentage_then_reloads_the_page(client, coordinator, programme, world):
    client.force_login(coordinator)
    job = services.request_export(user=coordinator, dataset="meetings", format="xlsx", programme=programme)
    ExportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, progress=42, started_at=timezone.now())

    fragment = client.get(reverse("export-progress", args=[job.pk]), headers={"HX-Request": "true"})

    assert 'value="42"' in fragment.content.decode()
    assert "42%" in fragment.content.decode()
    ExportJob.objects.filter(pk=job.pk).update(status=Status.DONE, progress=100)
    done = client.get(reverse("export-progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert done.status_code == 204
    assert done["HX-Refresh"] == "true"


def test_the_requester_downloads_the_file_and_it_is_audited(client, coordinator, done_job):
    client.force_login(coordinator)

    page = client.get(reverse("export-detail", args=[done_job.pk])).content.decode()
    response = client.get(reverse("export-download", args=[done_job.pk]))

    assert reverse("export-download", args=[done_job.pk]) in page
    assert isinstance(response, FileResponse)
    assert response["Content-Disposition"].startswith('attachment; filename="leadership-2027-meetings-')
    assert response["Cache-Control"] == "private, no-store"
    rows = as_dicts(read_csv(b"".join(response.streaming_content)))
    assert len(rows) == 4
    assert SECRET not in repr(rows)
    done_job.refresh_from_db()
    assert done_job.downloaded_at is not None
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT_DOWNLOADED)
    assert (event.actor, event.target_id) == (coordinator, str(done_job.pk))


def test_another_hr_admin_sees_the_log_entry_but_not_the_file(client, hr_admin, done_job):
    client.force_login(hr_admin)

    page = client.get(reverse("export-detail", args=[done_job.pk])).content.decode()

    assert reverse("export-download", args=[done_job.pk]) not in page
    assert "Only the person who asked for this export can download" in page
    assert client.get(reverse("export-download", args=[done_job.pk])).status_code == 404


def test_an_expired_export_is_gone(client, coordinator, hr_admin, done_job):
    ExportJob.objects.filter(pk=done_job.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    client.force_login(coordinator)

    response = client.get(reverse("export-download", args=[done_job.pk]))
    page = client.get(reverse("export-detail", args=[done_job.pk])).content.decode()

    assert response.status_code == 410
    assert "has expired" in response.content.decode()
    assert "has expired" in page
    client.force_login(hr_admin)
    assert client.get(reverse("export-download", args=[done_job.pk])).status_code == 404


def test_a_download_of_an_export_still_running_goes_to_its_page(client, coordinator, programme, world):
    job = services.request_export(user=coordinator, dataset="meetings", format="xlsx", programme=programme)
    client.force_login(coordinator)

    response = client.get(reverse("export-download", args=[job.pk]))

    assert response.status_code == 302
    assert response.url == reverse("export-detail", args=[job.pk])


def test_bad_input_shows_the_form_again(client, coordinator, programme, world):
    client.force_login(coordinator)

    response = client.post(
        reverse("export-create"),
        {**MEETINGS_CSV, "date_from": "2027-05-01", "date_to": "2027-04-01", "dataset": "salaries"},
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"dataset", "date_to"}
    assert not ExportJob.objects.exists()


def test_the_form_offers_what_the_user_may_export(client, coordinator, hr_admin, programme, other_programme):
    client.force_login(coordinator)
    choices = dict(client.get(reverse("export-create")).context["form"].fields["programme"].choices)
    assert choices == {"leadership-2027": "Leadership 2027"}

    client.force_login(hr_admin)
    choices = dict(client.get(reverse("export-create") + "?programme=sales-academy").context["form"].fields[
        "programme"
    ].choices)  # fmt: skip
    assert set(choices) == {"*", "leadership-2027", "sales-academy"}


# --- the log ---------------------------------------------------------------------------------


def _log_rows(client, query=""):
    return list(client.get(reverse("export-list") + query).context["page"].object_list)


def test_hr_sees_every_export_with_filters_others_their_own(client, coordinator, hr_admin, programme, world):
    mine = services.request_export(user=coordinator, dataset="meetings", format="xlsx", programme=programme)
    theirs = services.request_export(user=hr_admin, dataset="flags", format="xlsx")
    ExportJob.objects.filter(pk=theirs.pk).update(created_at=timezone.now() - datetime.timedelta(days=10))

    client.force_login(coordinator)
    assert _log_rows(client) == [mine]

    client.force_login(hr_admin)
    assert _log_rows(client) == [mine, theirs]
    assert _log_rows(client, "?person=carmen") == [mine]
    assert _log_rows(client, "?person=helena+hr") == [theirs]
    assert _log_rows(client, "?dataset=flags") == [theirs]
    since = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    assert _log_rows(client, f"?created_from={since}") == [mine]
    assert _log_rows(client, f"?created_to={since}") == [theirs]


def test_the_log_reads_a_constant_number_of_queries(client, hr_admin, programme):
    client.force_login(hr_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("export-list")).status_code == 200
        return len(queries)

    services.request_export(user=hr_admin, dataset="flags", format="xlsx", programme=programme)
    count()  # the first request also saves the session
    few = count()
    for _ in range(8):
        requester = UserFactory(is_hr_admin=True)
        services.request_export(user=requester, dataset="meetings", format="xlsx", programme=programme)
        services.request_export(user=requester, dataset="matches", format="csv", background=True)
    many = count()

    assert few == many


def test_an_empty_log_says_so(client, mentee):
    client.force_login(mentee)

    page = client.get(reverse("export-list")).content.decode()

    assert "No exports yet" in page
    assert reverse("export-create") not in page


def test_the_dashboard_links_to_an_export_of_its_programme(client, coordinator, programme, world):
    client.force_login(coordinator)

    page = client.get(reverse("programme-dashboard", args=[programme.slug]) + "?date_from=2027-01-01").content
    form = client.get(reverse("export-create") + "?programme=leadership-2027&dataset=figures&date_from=2027-01-01")

    link = reverse("export-create") + "?programme=leadership-2027&amp;dataset=figures&amp;date_from=2027-01-01"
    assert link in page.decode()
    initial = form.context["form"].initial
    assert (initial["programme"], initial["dataset"], initial["date_from"]) == (
        "leadership-2027", "figures", datetime.date(2027, 1, 1)
    )  # fmt: skip
    assert "date_to" not in initial


def test_hr_admins_find_the_export_log_in_the_menu(client, hr_admin, coordinator):
    client.force_login(hr_admin)
    assert reverse("export-list") in client.get(reverse("home")).content.decode()

    client.force_login(coordinator)
    assert reverse("export-list") not in client.get(reverse("home")).content.decode()
