# ruff: noqa: F811 -- pytest fixtures imported from test_exports_fixtures and named as parameters
import datetime
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEvent
from reports.exports.columns import DATASETS
from reports.models import ExportJob
from reports.services import exports as services
from tests.factories import MatchFactory, MeetingFactory
from tests.reports.test_exports_fixtures import (
    SECRET,
    _exports_in_a_temporary_media_root,  # noqa: F401
    as_dicts,
    hr_sees_goal_content,
    job_file_bytes,
    pair,  # noqa: F401
    read_csv,
    read_xlsx,
    world,  # noqa: F401
)

Status = ExportJob.Status


def _build(user, dataset, file_format="csv", **kwargs):
    job = services.request_export(user=user, dataset=dataset, format=file_format, background=True, **kwargs)
    services.build_export(job_id=job.pk)
    job.refresh_from_db()
    return job


def _stream(job) -> bytes:
    return "".join(services.stream_export(job=job)).encode()


# --- which way an export runs ----------------------------------------------------------------


def test_small_csv_streams_and_large_csv_or_xlsx_goes_to_a_worker(
    settings, coordinator, programme, world, django_capture_on_commit_callbacks
):
    settings.EXPORT_STREAM_MAX_ROWS = 4  # the world has 4 meetings and 5 enrolments

    with django_capture_on_commit_callbacks() as callbacks:
        small = services.request_export(user=coordinator, dataset="meetings", format="csv", programme=programme)
    large = services.request_export(user=coordinator, dataset="participants", format="csv", programme=programme)
    xlsx = services.request_export(user=coordinator, dataset="meetings", format="xlsx", programme=programme)
    forced = services.request_export(
        user=coordinator, dataset="meetings", format="csv", programme=programme, background=True
    )

    assert (small.in_background, small.status) == (False, Status.RUNNING)
    assert callbacks == []  # nothing queued for a streamed export
    assert [job.in_background for job in (large, xlsx, forced)] == [True, True, True]
    assert {job.status for job in (large, xlsx, forced)} == {Status.QUEUED}


def test_a_queued_export_is_enqueued_on_commit(coordinator, programme, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = services.request_export(user=coordinator, dataset="meetings", format="xlsx", programme=programme)

    assert len(callbacks) == 1  # build_export_task, run eagerly in tests
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert job.rows == 4


def test_every_export_is_logged_and_audited(coordinator, programme, world):
    job = services.request_export(user=coordinator, dataset="flags", format="csv", programme=programme)

    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT_CREATED)
    assert (event.actor, event.programme_id, event.target_id) == (coordinator, programme.pk, str(job.pk))
    assert event.details == {"dataset": "flags", "format": "csv", "in_background": False}
    assert (job.requested_by, job.programme, job.dataset) == (coordinator, programme, "flags")


def test_bad_input_is_refused_and_nothing_is_written(hr_admin):
    with pytest.raises(ValidationError) as error:
        services.request_export(
            user=hr_admin,
            dataset="salaries",
            format="pdf",
            date_from=datetime.date(2027, 5, 1),
            date_to=datetime.date(2027, 4, 1),
        )

    assert set(error.value.message_dict) == {"dataset", "format", "date_to"}
    with pytest.raises(ValidationError, match="between"):
        services.request_export(user=hr_admin, dataset="flags", format="csv", date_from=datetime.date(1, 1, 1))
    assert not ExportJob.objects.exists()
    assert not AuditEvent.objects.exists()


def test_only_hr_and_site_admins_export_every_programme(coordinator, hr_admin, site_admin, mentor, programme):
    with pytest.raises(PermissionDenied):
        services.request_export(user=coordinator, dataset="matches", format="csv")
    with pytest.raises(PermissionDenied):
        services.request_export(user=mentor, dataset="matches", format="csv", programme=programme)

    for user in (hr_admin, site_admin):
        assert services.request_export(user=user, dataset="matches", format="csv").programme is None


# --- streaming -------------------------------------------------------------------------------


def test_streaming_counts_the_rows_at_the_end(coordinator, programme, world):
    job = services.request_export(user=coordinator, dataset="meetings", format="csv", programme=programme)
    chunks = services.stream_export(job=job)
    first = next(chunks)

    job.refresh_from_db()
    assert first.startswith("\ufeffprogramme,programme_slug,meeting_id")
    assert (job.status, job.rows) == (Status.RUNNING, None)

    rest = "".join(chunks)
    job.refresh_from_db()
    assert (job.status, job.rows, job.progress) == (Status.DONE, 4, 100)
    assert job.finished_at is not None
    assert len(read_csv(first + rest)) == 5


def test_a_stream_that_stops_early_is_failed_with_the_rows_sent(settings, coordinator, programme, world):
    settings.EXPORT_STREAM_MAX_ROWS = 100
    job = services.request_export(user=coordinator, dataset="meetings", format="csv", programme=programme)
    chunks = services.stream_export(job=job)
    next(chunks)

    chunks.close()  # the client went away

    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.rows == 0
    assert "stopped" in job.error


# --- the files -------------------------------------------------------------------------------


def test_meetings_csv_has_typed_iso_values_and_the_side_that_cancelled(coordinator, programme, world):
    coordinator.timezone = "Europe/Copenhagen"
    coordinator.save()
    job = _build(coordinator, "meetings", programme=programme)

    rows = as_dicts(read_csv(job_file_bytes(job)))

    cancelled = next(row for row in rows if row["meeting_id"] == str(world["cancelled"].pk))
    assert cancelled["cancelled_by"] == "mentee"
    assert cancelled["cancel_reason"] == "illness"
    assert cancelled["notice_hours"] == "-2.2"
    start = datetime.datetime.fromisoformat(cancelled["start"])
    assert start == world["cancelled"].start
    assert start.utcoffset() in {datetime.timedelta(hours=1), datetime.timedelta(hours=2)}  # Copenhagen
    moved = next(row for row in rows if row["meeting_id"] == str(world["moved"].pk))
    assert (moved["status"], moved["rescheduled_by"]) == ("rescheduled", "mentor")
    replacement = next(row for row in rows if row["rescheduled_from"] == str(world["moved"].pk))
    assert replacement["status"] == "scheduled"
    assert rows[0]["duration_minutes"] == "60"
    assert job.rows == 4


def test_xlsx_cells_are_numbers_and_dates_with_formats(coordinator, programme, world):
    job = _build(coordinator, "matches", "xlsx", programme=programme)

    sheet = load_workbook(io.BytesIO(job_file_bytes(job))).active
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("match_id")].value == world["pair"].pk)
    score = row[header.index("score")]
    started = row[header.index("started_at")]
    match_id = row[header.index("match_id")]
    assert sheet[1][0].font.bold
    assert sheet.freeze_panes == "A2"
    assert (score.data_type, score.value, score.number_format) == ("n", 73.46, "0.00")
    assert (match_id.data_type, match_id.number_format) == ("n", "0")
    assert started.is_date
    assert started.number_format == "yyyy-mm-dd hh:mm"
    expected = world["pair"].started_at.astimezone(datetime.UTC).replace(tzinfo=None)
    assert abs(started.value - expected) < datetime.timedelta(seconds=1)


def test_xlsx_dates_are_date_cells(coordinator, programme, world):
    job = _build(coordinator, "participants", "xlsx", programme=programme)

    sheet = load_workbook(io.BytesIO(job_file_bytes(job))).active
    header = [cell.value for cell in sheet[1]]
    enrolled = sheet.cell(row=2, column=header.index("enrolled_on") + 1)
    assert enrolled.is_date
    assert enrolled.number_format == "yyyy-mm-dd"
    assert enrolled.value.date() == timezone.localdate()


def test_files_are_stored_under_exports_with_an_unguessable_name(settings, coordinator, programme, world):
    job = _build(coordinator, "flags", programme=programme)

    assert job.status == Status.DONE
    assert job.file.name.startswith("exports/")
    assert job.download_token[:24] in job.file.name
    assert (settings.MEDIA_ROOT / job.file.name).exists()
    assert services.download_name(job) == f"leadership-2027-flags-{timezone.localdate():%Y-%m-%d}.csv"
    assert job.expires_at == job.finished_at + datetime.timedelta(hours=settings.EXPORT_EXPIRY_HOURS)


def test_matches_leave_out_drafts_and_reason_texts(coordinator, programme, world):
    rows = as_dicts(read_csv(_stream(services.request_export(
        user=coordinator, dataset="matches", format="csv", programme=programme
    ))))  # fmt: skip

    assert {row["status"] for row in rows} == {"active", "ended", "declined"}
    by_id = {row["match_id"]: row for row in rows}
    assert by_id[str(world["ended"].pk)]["ended_by"] == "other"
    assert by_id[str(world["declined"].pk)]["declined_by"] == "mentee"
    assert by_id[str(world["pair"].pk)]["score"] == "73.46"


def test_goals_and_their_milestones(coordinator, programme, world):
    rows = as_dicts(read_csv(_stream(services.request_export(
        user=coordinator, dataset="goals", format="csv", programme=programme
    ))))  # fmt: skip

    assert [row["row_type"] for row in rows] == ["goal", "milestone", "milestone", "goal"]
    assert [row["title"] for row in rows[:3]] == ["Lead a team meeting", "Prepare an agenda", "Run the meeting"]
    assert [row["status"] for row in rows[:3]] == ["in_progress", "done", "open"]
    assert rows[0]["progress"] == "50"
    assert rows[0]["target_date"] == "2027-06-30"


ALL_TITLES = {"Lead a team meeting", "Prepare an agenda", "Run the meeting", "Speak at the all-hands"}


@pytest.mark.parametrize(("hr_may_read", "titles"), [(False, {""}), (True, ALL_TITLES)])
def test_hr_gets_goal_titles_only_where_the_programme_allows(hr_admin, programme, world, hr_may_read, titles):
    hr_sees_goal_content(programme, hr_may_read)

    for scope in (programme, None):
        rows = as_dicts(read_csv(_stream(services.request_export(
            user=hr_admin, dataset="goals", format="csv", programme=scope
        ))))  # fmt: skip
        assert {row["title"] for row in rows} == titles
        assert [row["status"] for row in rows] == ["in_progress", "done", "open", "not_started"]


def test_the_date_range_filters_each_dataset_on_its_date(coordinator, programme, world):
    today = timezone.localdate()
    past = world["held"].start.date()

    rows = as_dicts(read_csv(_stream(services.request_export(
        user=coordinator, dataset="meetings", format="csv", programme=programme, date_from=past, date_to=past
    ))))  # fmt: skip
    assert [row["meeting_id"] for row in rows] == [str(world["held"].pk)]

    later = today + datetime.timedelta(days=1)
    rows = read_csv(_stream(services.request_export(
        user=coordinator, dataset="participants", format="csv", programme=programme, date_from=later
    )))  # fmt: skip
    assert rows[1:] == []


def test_a_programme_export_holds_only_that_programme(hr_admin, programme, other_programme, world):
    MeetingFactory(match=MatchFactory(programme=other_programme, status="active"))

    one = read_csv(_stream(services.request_export(
        user=hr_admin, dataset="meetings", format="csv", programme=programme
    )))  # fmt: skip
    every = read_csv(_stream(services.request_export(user=hr_admin, dataset="meetings", format="csv")))

    assert {row[1] for row in one[1:]} == {"leadership-2027"}
    assert {row[1] for row in every[1:]} == {"leadership-2027", "sales-academy"}


def test_figures_export_uses_the_dashboard_figures(coordinator, programme, world):
    job = _build(coordinator, "figures", "xlsx", programme=programme)

    rows = read_xlsx(job_file_bytes(job))

    assert rows[0] == ["programme", "figure", "value"]
    assert len(rows) > 5
    assert {row[0] for row in rows[1:]} == {"Leadership 2027"}
    assert any(isinstance(row[2], int | float) for row in rows[1:])


@pytest.mark.parametrize("dataset", list(DATASETS))
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_private_notes_and_free_text_are_never_exported(
    site_admin, coordinator, programme, world, dataset, file_format
):
    hr_sees_goal_content(programme, True)

    for user, scope in ((coordinator, programme), (site_admin, None)):
        job = _build(user, dataset, file_format, programme=scope)
        assert job.status == Status.DONE, job.error
        data = job_file_bytes(job)
        cells = read_csv(data) if file_format == "csv" else read_xlsx(data)
        text = repr(cells)
        assert SECRET not in text
        assert len(cells) > 1


# --- the worker ------------------------------------------------------------------------------


def test_building_is_idempotent(coordinator, programme, world):
    job = _build(coordinator, "meetings", programme=programme)
    name = job.file.name

    services.build_export(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.file.name, job.rows) == (Status.DONE, name, 4)


def test_progress_is_reported_while_building(monkeypatch, coordinator, programme, world):
    monkeypatch.setattr(services, "PROGRESS_EVERY", 1)
    seen = []
    original = services._Counted.report

    def spy(self):
        original(self)
        seen.append(ExportJob.objects.get(pk=self.job_id).progress)

    monkeypatch.setattr(services._Counted, "report", spy)

    job = _build(coordinator, "meetings", programme=programme)

    assert seen == [25, 50, 75, 99]
    assert job.progress == 100


def test_a_failed_build_is_reported_and_leaves_no_file(monkeypatch, settings, coordinator, programme, world):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "write_csv", broken)

    job = _build(coordinator, "meetings", programme=programme)

    assert job.status == Status.FAILED
    assert "unexpected error" in job.error
    assert not job.file
    assert not list(settings.MEDIA_ROOT.rglob("*.csv"))


def test_a_coordinator_who_left_gets_no_file(coordinator, programme, world):
    job = services.request_export(
        user=coordinator, dataset="meetings", format="csv", programme=programme, background=True
    )
    programme.coordinators.remove(coordinator)

    services.build_export(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert not job.file


def test_a_job_whose_worker_died_is_taken_over_after_the_time_limit(coordinator, programme, world):
    job = services.request_export(
        user=coordinator, dataset="meetings", format="csv", programme=programme, background=True
    )
    ExportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, started_at=timezone.now())

    services.build_export(job_id=job.pk)  # still within the limit: another worker has it
    job.refresh_from_db()
    assert job.status == Status.RUNNING

    later = timezone.now() + datetime.timedelta(seconds=services.BUILD_TIME_LIMIT_SECONDS + 60)
    with time_machine.travel(later):
        services.build_export(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.rows) == (Status.DONE, 4)


# --- cleanup ---------------------------------------------------------------------------------


def test_cleanup_deletes_expired_files_and_is_idempotent(settings, coordinator, programme, world):
    old = _build(coordinator, "meetings", programme=programme)
    fresh = _build(coordinator, "flags", programme=programme)
    path = settings.MEDIA_ROOT / old.file.name
    ExportJob.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    assert services.cleanup_exports() == 1
    assert services.cleanup_exports() == 0

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, old.file.name, old.rows) == (Status.EXPIRED, "", 4)
    assert not path.exists()
    assert fresh.status == Status.DONE
    assert (settings.MEDIA_ROOT / fresh.file.name).exists()


def test_cleanup_copes_with_a_file_already_gone(settings, coordinator, programme, world):
    job = _build(coordinator, "meetings", programme=programme)
    (settings.MEDIA_ROOT / job.file.name).unlink()

    assert services.cleanup_exports(now=job.expires_at) == 1

    job.refresh_from_db()
    assert job.status == Status.EXPIRED


def test_cleanup_reports_jobs_that_never_ran(coordinator, programme, world):
    queued = services.request_export(user=coordinator, dataset="flags", format="xlsx", programme=programme)

    services.cleanup_exports(now=timezone.now() + datetime.timedelta(days=2))

    queued.refresh_from_db()
    assert queued.status == Status.FAILED


def test_cleanup_task_runs_the_service(coordinator, programme, world):
    from reports.tasks import cleanup_exports_task

    job = _build(coordinator, "flags", programme=programme)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now())

    assert cleanup_exports_task.apply().get() == 1
