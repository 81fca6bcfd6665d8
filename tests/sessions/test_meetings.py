import datetime
import zoneinfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from icalendar import Calendar

from notifications.models import Notification
from sessions.models import ActionItem, Meeting, MeetingNote
from sessions.services import meetings as services
from sessions.services.meetings import ActionItemInput
from tests.factories import MatchFactory, MeetingFactory, pair_match

CPH = "Europe/Copenhagen"


@pytest.fixture
def match(programme, mentor, mentee):
    return pair_match(programme, mentor, mentee)


@pytest.fixture
def meeting(match):
    return MeetingFactory(match=match, organiser=match.mentor.user)


def _next_week() -> datetime.datetime:
    return (timezone.now() + datetime.timedelta(days=7)).replace(microsecond=0)


def _ics(message) -> Calendar:
    parts = [part for part in message.message().walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return Calendar.from_ical(parts[0].get_payload(decode=True))


# --- Time zones --------------------------------------------------------------------------


def test_a_time_skipped_by_dst_is_refused():
    with pytest.raises(ValidationError, match="does not exist"):
        services.aware_from_local(day=datetime.date(2027, 3, 28), at=datetime.time(2, 30), zone_name=CPH)


def test_an_ambiguous_time_means_its_first_occurrence_in_summer_time():
    start = services.aware_from_local(day=datetime.date(2027, 10, 31), at=datetime.time(2, 30), zone_name=CPH)

    assert start == datetime.datetime(2027, 10, 31, 0, 30, tzinfo=datetime.UTC)
    assert services.is_ambiguous(day=datetime.date(2027, 10, 31), at=datetime.time(2, 30), zone_name=CPH)


def test_an_unknown_zone_is_refused():
    with pytest.raises(ValidationError, match="not a known time zone"):
        services.aware_from_local(day=datetime.date(2027, 1, 1), at=datetime.time(9), zone_name="Mars/Olympus")


def test_a_new_york_meeting_reads_right_in_copenhagen_across_the_us_dst_change():
    # 2027-03-20: New York is already on summer time (EDT), Copenhagen not yet (CET).
    start = services.aware_from_local(
        day=datetime.date(2027, 3, 20), at=datetime.time(9, 0), zone_name="America/New_York"
    )

    local = start.astimezone(zoneinfo.ZoneInfo(CPH))
    assert start == datetime.datetime(2027, 3, 20, 13, 0, tzinfo=datetime.UTC)
    assert (local.hour, local.minute) == (14, 0)


# --- Scheduling --------------------------------------------------------------------------


def test_scheduling_stores_utc_and_invites_the_other_side_with_an_ics(
    match, mentor, mentee, django_capture_on_commit_callbacks
):
    start = _next_week().astimezone(zoneinfo.ZoneInfo(CPH))

    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.schedule_meeting(
            match=match,
            organiser=mentor,
            start=start,
            agenda="Feedback <b>skills</b>",
            video_link="https://v.example/x",
        )

    meeting.refresh_from_db()
    assert meeting.start == start
    assert meeting.start.utcoffset() == datetime.timedelta(0)
    assert [m.to for m in mail.outbox] == [[mentee.email]]
    calendar = _ics(mail.outbox[0])
    event = calendar.walk("VEVENT")[0]
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == meeting.uid
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == meeting.start
    assert event.decoded("DTEND") == meeting.start + datetime.timedelta(minutes=60)
    assert str(event["SUMMARY"]) == "Mentoring: Milo Mentee and Mona Mentor"
    assert str(event["ORGANIZER"]) == f"mailto:{mentor.email}"
    assert sorted(str(a) for a in event["ATTENDEE"]) == sorted([f"mailto:{mentor.email}", f"mailto:{mentee.email}"])
    assert event["ATTENDEE"][0].params["ROLE"] == "REQ-PARTICIPANT"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == "https://v.example/x"
    assert "Feedback <b>skills</b>" in str(event["DESCRIPTION"])
    assert Notification.objects.get(recipient=mentee, kind="meeting_scheduled").emailed_at is not None


def test_the_invitation_goes_out_once_however_often_the_task_runs(match, mentor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.schedule_meeting(match=match, organiser=mentor, start=_next_week())
    notification = Notification.objects.get(kind="meeting_scheduled")

    sent_again = services.send_meeting_invitation(
        notification_id=notification.pk, meeting_id=meeting.pk, method="REQUEST"
    )

    assert sent_again is False
    assert len(mail.outbox) == 1


def test_a_person_who_turned_meeting_emails_off_gets_no_invitation(
    match, mentor, mentee, django_capture_on_commit_callbacks
):
    from notifications.services import update_preferences

    update_preferences(user=mentee, preferences={"meeting_scheduled": {"email": False}})

    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_meeting(match=match, organiser=mentor, start=_next_week())

    assert mail.outbox == []
    assert Notification.objects.filter(recipient=mentee, kind="meeting_scheduled").exists()


def test_a_coordinator_scheduling_invites_both_sides(
    match, coordinator, mentor, mentee, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_meeting(match=match, organiser=coordinator, start=_next_week())

    assert sorted(m.to[0] for m in mail.outbox) == sorted([mentor.email, mentee.email])


def test_a_start_in_the_past_is_refused(match, mentor):
    with pytest.raises(ValidationError, match="future"):
        services.schedule_meeting(match=match, organiser=mentor, start=timezone.now() - datetime.timedelta(minutes=1))


def test_a_naive_start_is_refused(match, mentor):
    with pytest.raises(ValidationError, match="time zone"):
        services.schedule_meeting(match=match, organiser=mentor, start=datetime.datetime(2099, 1, 1, 9))  # noqa: DTZ001


def test_in_person_needs_a_place(match, mentor):
    with pytest.raises(ValidationError, match="where you meet"):
        services.schedule_meeting(match=match, organiser=mentor, start=_next_week(), mode="in_person")


def test_only_active_matches_get_meetings(programme, mentor):
    proposed = MatchFactory(programme=programme, status="proposed")

    with pytest.raises(ValidationError, match="active matches"):
        services.schedule_meeting(match=proposed, organiser=mentor, start=_next_week())


def test_conflicts_are_the_users_overlapping_scheduled_meetings(meeting, mentee):
    later = meeting.start + datetime.timedelta(minutes=90)

    overlapping = services.conflicts_for(
        user=mentee, start=meeting.start + datetime.timedelta(minutes=30), duration_minutes=30
    )
    clear = services.conflicts_for(user=mentee, start=later, duration_minutes=30)

    assert overlapping == [meeting]
    assert clear == []


# --- Reschedule and cancel ---------------------------------------------------------------


def test_rescheduling_keeps_the_chain_and_sends_an_update(meeting, mentee, mentor, django_capture_on_commit_callbacks):
    new_start = meeting.start + datetime.timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        new = services.reschedule_meeting(meeting=meeting, by=mentee, start=new_start, reason="Travel")

    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.RESCHEDULED
    assert meeting.rescheduled_by == mentee
    assert meeting.rescheduled_at is not None
    assert meeting.reschedule_reason == "Travel"
    assert meeting.notice_hours == pytest.approx(7 * 24, abs=0.1)
    assert new.rescheduled_from == meeting
    assert (new.uid, new.sequence, new.start) == (meeting.uid, 1, new_start)
    assert [m.to for m in mail.outbox] == [[mentor.email]]
    event = _ics(mail.outbox[0]).walk("VEVENT")[0]
    assert (str(event["UID"]), int(event["SEQUENCE"])) == (meeting.uid, 1)
    assert event.decoded("DTSTART") == new_start


def test_cancelling_records_who_when_why_and_sends_a_cancel(
    meeting, mentor, mentee, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = services.cancel_meeting(meeting=meeting, by=mentor, reason="illness", note="Flu")

    assert cancelled.status == Meeting.Status.CANCELLED
    assert (cancelled.cancelled_by, cancelled.cancel_reason, cancelled.cancel_note) == (mentor, "illness", "Flu")
    assert cancelled.cancelled_at is not None
    assert cancelled.notice_hours == pytest.approx(7 * 24, abs=0.1)
    calendar = _ics(mail.outbox[0])
    event = calendar.walk("VEVENT")[0]
    assert mail.outbox[0].to == [mentee.email]
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert (str(event["UID"]), int(event["SEQUENCE"])) == (meeting.uid, 1)


def test_cancelling_twice_is_refused(meeting, mentor):
    services.cancel_meeting(meeting=meeting, by=mentor, reason="illness")

    with pytest.raises(ValidationError, match="only a scheduled meeting"):
        services.cancel_meeting(meeting=meeting, by=mentor, reason="illness")


def test_an_unknown_cancel_reason_is_refused(meeting, mentor):
    with pytest.raises(ValidationError, match="reason"):
        services.cancel_meeting(meeting=meeting, by=mentor, reason="bored")


# --- Logging -----------------------------------------------------------------------------


@pytest.fixture
def past_meeting(match):
    return MeetingFactory(match=match, start=timezone.now() - datetime.timedelta(hours=2))


def test_logging_writes_outcome_topics_notes_and_action_items_at_once(past_meeting, mentor, mentee):
    services.log_meeting(
        meeting=past_meeting,
        by=mentee,
        topics=["Delegation", " delegation ", "Feedback"],
        shared_note="Good talk",
        private_note="I felt nervous",
        action_items=[ActionItemInput(description="Read a book", owner=mentee, due_on=datetime.date(2099, 1, 1))],
    )

    past_meeting.refresh_from_db()
    assert past_meeting.status == Meeting.Status.COMPLETED
    assert past_meeting.topics == ["Delegation", "Feedback"]
    assert past_meeting.logged_by == mentee
    assert MeetingNote.objects.filter(meeting=past_meeting, visibility="shared", text="Good talk").exists()
    assert MeetingNote.objects.get(visibility="private").author == mentee
    assert ActionItem.objects.get().owner == mentee


def test_a_no_show_needs_who_was_absent(past_meeting, mentor):
    with pytest.raises(ValidationError, match="who did not come"):
        services.log_meeting(meeting=past_meeting, by=mentor, held=False)

    services.log_meeting(meeting=past_meeting, by=mentor, held=False, absent="mentee")
    past_meeting.refresh_from_db()
    assert (past_meeting.status, past_meeting.absent) == (Meeting.Status.NO_SHOW, "mentee")


def test_a_failed_log_writes_nothing(past_meeting, mentor, outsider):
    with pytest.raises(ValidationError, match="mentor or the mentee"):
        services.log_meeting(
            meeting=past_meeting, by=mentor, shared_note="x", action_items=[ActionItemInput("Do", owner=outsider)]
        )

    past_meeting.refresh_from_db()
    assert past_meeting.status == Meeting.Status.SCHEDULED
    assert not MeetingNote.objects.exists()


def test_a_meeting_is_not_logged_before_it_starts(meeting, mentor):
    with pytest.raises(ValidationError, match="once it has started"):
        services.log_meeting(meeting=meeting, by=mentor)


def test_completing_an_action_item_keeps_the_first_time(match, mentee):
    item = services.add_action_item(match=match, created_by=mentee, owner=mentee, description="  Write   goals ")

    first = services.complete_action_item(item=item, by=mentee).done_at
    second = services.complete_action_item(item=item, by=mentee).done_at

    assert item.description == "Write goals"
    assert first == second is not None
