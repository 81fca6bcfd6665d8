"""Shared data for the export tests: one programme with a pair and everything an export
reads, with the free text people write set to marker strings that must never appear in
any export. Test modules import the fixtures they use from here."""

import csv
import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from goals.models import Feedback, Goal, GoalSettings, Milestone, ProgressUpdate
from matching.models import Flag, FlagNote
from reports.models import ExportJob
from sessions.models import Meeting
from tests.factories import EnrolmentFactory, MatchFactory, MeetingFactory, MeetingNoteFactory, pair_match

SECRET = "SECRET"  # every marker starts with it


@pytest.fixture(autouse=True)
def _exports_in_a_temporary_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def pair(programme, mentor, mentee):
    return pair_match(
        programme,
        mentor,
        mentee,
        score=73.456,
        published_at=timezone.now() - datetime.timedelta(days=30),
        started_at=timezone.now() - datetime.timedelta(days=29),
    )


@pytest.fixture
def world(programme, pair, mentor, mentee, coordinator):
    """Everything the six exports read, with secrets in every free-text field."""
    now = timezone.now().replace(microsecond=0)
    mentee_enrolment = pair.mentee
    mentee_enrolment.decision_message = f"{SECRET}-DECISION"
    mentee_enrolment.save()
    mentee.profile.department = "Engineering"
    mentee.profile.bio = f"{SECRET}-BIO"
    mentee.profile.save()
    left = EnrolmentFactory(
        programme=programme, role="mentee", status="withdrawn", left_at=now, left_reason=f"{SECRET}-LEFT"
    )
    ended = MatchFactory(
        programme=programme,
        status="ended",
        ended_at=now,
        ended_by=coordinator,
        end_outcome="ended_early",
        end_reason=f"{SECRET}-END-REASON",
    )
    declined = MatchFactory(programme=programme, status="declined", declined_at=now, decline_reason=f"{SECRET}-DECL")
    declined.declined_by = declined.mentee.user
    declined.save()
    MatchFactory(programme=programme, status="draft")  # a draft is never exported

    held = MeetingFactory(
        match=pair,
        start=now - datetime.timedelta(days=10),
        status=Meeting.Status.COMPLETED,
        agenda=f"{SECRET}-AGENDA",
        topics=[f"{SECRET}-TOPIC"],
        logged_at=now - datetime.timedelta(days=10),
        logged_by=mentor,
    )
    MeetingNoteFactory(meeting=held, author=mentor, visibility="private", text=f"{SECRET}-PRIVATE-NOTE")
    MeetingNoteFactory(meeting=held, author=mentee, visibility="shared", text=f"{SECRET}-SHARED-NOTE")
    cancelled = MeetingFactory(
        match=pair,
        start=now + datetime.timedelta(days=3),
        status=Meeting.Status.CANCELLED,
        cancelled_by=mentee,
        cancelled_at=now,
        cancel_reason=Meeting.CancelReason.ILLNESS,
        cancel_note=f"{SECRET}-CANCEL-NOTE",
        notice_hours=-2.25,
    )
    moved = MeetingFactory(
        match=pair,
        start=now + datetime.timedelta(days=5),
        status=Meeting.Status.RESCHEDULED,
        rescheduled_by=mentor,
        rescheduled_at=now,
        reschedule_reason=f"{SECRET}-RESCHEDULE",
        notice_hours=120,
    )
    MeetingFactory(match=pair, start=now + datetime.timedelta(days=6), rescheduled_from=moved, sequence=1)

    goal = Goal.objects.create(
        match=pair,
        title="Lead a team meeting",
        why=f"{SECRET}-WHY",
        success_measure=f"{SECRET}-SUCCESS",
        target_date=datetime.date(2027, 6, 30),
        status=Goal.Status.IN_PROGRESS,
        progress=50,
        created_by=mentee,
    )
    Milestone.objects.create(goal=goal, title="Prepare an agenda", due_on=datetime.date(2027, 5, 1), done_at=now)
    Milestone.objects.create(goal=goal, title="Run the meeting", due_on=datetime.date(2027, 6, 1), position=1)
    Goal.objects.create(match=pair, title="Speak at the all-hands", created_by=mentee)
    update = ProgressUpdate.objects.create(goal=goal, author=mentee, text=f"{SECRET}-PROGRESS", progress=50)
    Feedback.objects.create(goal=goal, update=update, author=mentor, text=f"{SECRET}-FEEDBACK")

    flag = Flag.objects.create(
        match=pair,
        kind=Flag.Kind.CANCELLATIONS,
        status=Flag.Status.RESOLVED,
        details={"count": 3, "note": f"{SECRET}-DETAILS"},
        resolved_at=now,
        resolved_by=coordinator,
        resolution=f"{SECRET}-RESOLUTION",
    )
    FlagNote.objects.create(flag=flag, author=coordinator, text=f"{SECRET}-FLAG-NOTE")
    return {
        "pair": pair,
        "ended": ended,
        "declined": declined,
        "left": left,
        "held": held,
        "cancelled": cancelled,
        "moved": moved,
        "goal": goal,
        "flag": flag,
    }


def hr_sees_goal_content(programme, allowed: bool) -> None:
    GoalSettings.objects.update_or_create(programme=programme, defaults={"hr_sees_content": allowed})


def read_csv(data: bytes | str) -> list[list[str]]:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def read_xlsx(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def job_file_bytes(job: ExportJob) -> bytes:
    job.refresh_from_db()
    with job.file.open("rb") as handle:
        return handle.read()


def as_dicts(rows: list[list]) -> list[dict]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]
