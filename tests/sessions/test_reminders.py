"""Reminders before meetings and prompts to log them: offsets, content, exactly once."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Notification, NotificationPreference
from sessions.models import Meeting, MeetingSettings, Reminder
from sessions.services.reminders import send_due_reminders, send_log_prompts
from sessions.tasks import send_due_reminders_task, send_log_prompts_task
from tests.factories import MatchFactory, MeetingFactory, pair_match

NOW = datetime.datetime(2027, 3, 10, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def match(programme, mentor, mentee):
    return pair_match(programme, mentor, mentee, started_at=NOW - datetime.timedelta(days=30))


def _meeting(match, minutes_from_now: int, **kwargs) -> Meeting:
    return MeetingFactory(match=match, start=NOW + datetime.timedelta(minutes=minutes_from_now), **kwargs)


def _reminders(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind="meeting_reminder"))


def test_both_attendees_get_the_24_hour_reminder(match, mentor, mentee):
    meeting = _meeting(match, 23 * 60)

    sent = send_due_reminders(now=NOW)

    assert sent == 2
    [to_mentor] = _reminders(mentor)
    [to_mentee] = _reminders(mentee)
    assert "Milo Mentee" in to_mentor.title
    assert "Mona Mentor" in to_mentee.title
    assert to_mentor.url == f"/meetings/{meeting.pk}/"
    assert "https://meet.example.com/abc" in to_mentor.body
    assert f"/meetings/{meeting.pk}/invite.ics" in to_mentor.body
    assert set(Reminder.objects.values_list("offset_minutes", flat=True)) == {1440}
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0


def test_the_reminder_email_carries_the_calendar_file_once(match, mentor, django_capture_on_commit_callbacks):
    meeting = _meeting(match, 23 * 60)

    with django_capture_on_commit_callbacks(execute=True):
        send_due_reminders(now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        send_due_reminders(now=NOW)

    [to_mentor] = [message for message in mail.outbox if message.to == [mentor.email]]
    [calendar] = [
        part.get_payload(decode=True).decode()
        for part in to_mentor.message().walk()
        if part.get_content_type() == "text/calendar"
    ]
    assert f"UID:{meeting.uid}" in calendar
    assert "METHOD:REQUEST" in calendar
    assert "Milo Mentee" in to_mentor.subject


def test_nothing_is_due_before_the_first_offset(match):
    _meeting(match, 25 * 60)

    assert send_due_reminders(now=NOW) == 0
    assert Reminder.objects.count() == 0


def test_the_one_hour_reminder_follows_the_24_hour_one(match, mentor):
    meeting = _meeting(match, 23 * 60)
    send_due_reminders(now=NOW)

    later = meeting.start - datetime.timedelta(minutes=50)
    sent = send_due_reminders(now=later)

    assert sent == 2
    assert len(_reminders(mentor)) == 2
    assert sorted(Reminder.objects.filter(user=mentor).values_list("offset_minutes", flat=True)) == [60, 1440]


def test_when_two_offsets_are_due_at_once_only_the_nearest_is_sent(match, mentor):
    _meeting(match, 30)

    sent = send_due_reminders(now=NOW)

    assert sent == 2
    assert len(_reminders(mentor)) == 1
    # The 24-hour one is claimed as done, so it is never sent late.
    assert sorted(Reminder.objects.filter(user=mentor).values_list("offset_minutes", flat=True)) == [60, 1440]
    assert send_due_reminders(now=NOW + datetime.timedelta(minutes=5)) == 0


def test_programme_offsets_replace_the_defaults(match, mentor, programme):
    MeetingSettings.objects.create(programme=programme, reminder_offsets=[2880, 15])
    meeting = _meeting(match, 47 * 60)

    assert send_due_reminders(now=NOW) == 2
    assert send_due_reminders(now=meeting.start - datetime.timedelta(minutes=60)) == 0
    assert send_due_reminders(now=meeting.start - datetime.timedelta(minutes=10)) == 2

    assert sorted(Reminder.objects.filter(user=mentor).values_list("offset_minutes", flat=True)) == [15, 2880]


def test_a_programme_without_reminders_sends_none(match, programme):
    MeetingSettings.objects.create(programme=programme, reminder_offsets=[])
    _meeting(match, 30)

    assert send_due_reminders(now=NOW) == 0


def test_each_programme_keeps_its_own_offsets(match, other_programme):
    MeetingSettings.objects.create(programme=other_programme, reminder_offsets=[15])
    other_match = MatchFactory(programme=other_programme, status="active")
    _meeting(match, 23 * 60)
    _meeting(other_match, 23 * 60)

    assert send_due_reminders(now=NOW) == 2

    assert set(Reminder.objects.values_list("meeting__match", flat=True)) == {match.pk}


def test_a_second_sweep_sends_nothing(match, mentor):
    _meeting(match, 23 * 60)
    send_due_reminders(now=NOW)

    again = send_due_reminders(now=NOW + datetime.timedelta(minutes=1))

    assert again == 0
    assert len(_reminders(mentor)) == 1


@pytest.mark.parametrize("status", ["cancelled", "rescheduled", "completed", "no_show"])
def test_meetings_no_longer_scheduled_get_no_reminder(match, status):
    _meeting(match, 23 * 60, status=status)

    assert send_due_reminders(now=NOW) == 0
    assert Notification.objects.filter(kind="meeting_reminder").count() == 0


def test_a_meeting_cancelled_after_its_first_reminder_gets_no_second(match, mentor):
    meeting = _meeting(match, 23 * 60)
    send_due_reminders(now=NOW)
    Meeting.objects.filter(pk=meeting.pk).update(status="cancelled", cancelled_at=NOW)

    assert send_due_reminders(now=meeting.start - datetime.timedelta(minutes=30)) == 0
    assert len(_reminders(mentor)) == 1


def test_the_new_meeting_of_a_reschedule_gets_its_own_reminders(match, mentor):
    old = _meeting(match, 23 * 60)
    send_due_reminders(now=NOW)
    Meeting.objects.filter(pk=old.pk).update(status="rescheduled", rescheduled_at=NOW, rescheduled_by=mentor)
    new = _meeting(match, 26 * 60, rescheduled_from=old, uid=old.uid, sequence=1)

    sent = send_due_reminders(now=NOW + datetime.timedelta(hours=3))

    assert sent == 2
    assert Reminder.objects.filter(meeting=new).count() == 2
    assert _reminders(mentor)[0].url == f"/meetings/{new.pk}/"


def test_meetings_of_matches_that_are_not_active_get_no_reminder(programme):
    ended = MatchFactory(programme=programme, status="ended")
    _meeting(ended, 30)

    assert send_due_reminders(now=NOW) == 0


def test_past_meetings_get_no_reminder(match):
    _meeting(match, -5)

    assert send_due_reminders(now=NOW) == 0


def test_reminder_is_in_the_recipients_language_and_time_zone(match, mentor, mentee):
    mentor.language, mentor.timezone = "de", "Europe/Berlin"
    mentor.save(update_fields=["language", "timezone"])
    mentee.timezone = "America/New_York"
    mentee.save(update_fields=["timezone"])
    _meeting(match, 60)  # 10:00 UTC

    send_due_reminders(now=NOW)

    [to_mentor] = _reminders(mentor)
    [to_mentee] = _reminders(mentee)
    assert "11:00" in to_mentor.body
    assert "Europe/Berlin" in to_mentor.body
    assert "11:00" in to_mentor.title
    assert "März" in to_mentor.body  # dates in the recipient's language
    assert "05:00" in to_mentee.body
    assert "America/New_York" in to_mentee.body


def test_in_person_reminder_names_the_place(match, mentor):
    _meeting(match, 60, mode="in_person", place="Room 4.12", video_link="")

    send_due_reminders(now=NOW)

    assert "Room 4.12" in _reminders(mentor)[0].body


def test_reminders_are_emailed(match, mentor, django_capture_on_commit_callbacks):
    _meeting(match, 60)

    with django_capture_on_commit_callbacks(execute=True):
        send_due_reminders(now=NOW)

    assert sorted(message.to[0] for message in mail.outbox) == sorted([mentor.email, match.mentee.user.email])


def test_reminders_turned_off_reach_nobody_but_are_not_sent_later(
    match, mentor, mentee, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=mentor, kind="meeting_reminder", email=False, in_app=False)
    _meeting(match, 60)

    with django_capture_on_commit_callbacks(execute=True):
        send_due_reminders(now=NOW)

    assert _reminders(mentor) == []
    assert [message.to for message in mail.outbox] == [[mentee.email]]
    assert Reminder.objects.filter(user=mentor, sent_at__isnull=False).exists()


def test_the_task_runs_the_sweep(match, mentor):
    _meeting(match, 30)

    assert send_due_reminders_task.delay().get() == 0  # the task uses the real clock


def test_sweep_queries_do_not_grow_with_the_number_of_meetings(programme):
    def build(count: int) -> None:
        for _ in range(count):
            far = MatchFactory(programme=programme, status="active")
            MeetingFactory(match=far, start=NOW + datetime.timedelta(days=10))
            MeetingFactory(match=far, start=NOW - datetime.timedelta(days=10), status="completed")

    def measure() -> int:
        due = MatchFactory(programme=programme, status="active")
        _meeting(due, 30)
        with CaptureQueriesContext(connection) as queries:
            assert send_due_reminders(now=NOW) == 2
        return len(queries)

    build(2)
    small = measure()
    build(20)
    large = measure()

    assert small == large


# --- Log prompts ------------------------------------------------------------------------------


def _prompts(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind="meeting_log_prompt"))


def test_an_unlogged_past_meeting_prompts_both_once(match, mentor, mentee):
    meeting = _meeting(match, -180)  # ended two hours ago; default delay one hour

    first = send_log_prompts(now=NOW)
    second = send_log_prompts(now=NOW + datetime.timedelta(minutes=15))

    assert (first, second) == (2, 0)
    [prompt] = _prompts(mentor)
    assert prompt.url == f"/meetings/{meeting.pk}/log/"
    assert "Milo Mentee" in prompt.title
    assert len(_prompts(mentee)) == 1


def test_no_prompt_before_the_delay_after_the_end(match, programme):
    MeetingSettings.objects.create(programme=programme, log_prompt_after_minutes=240)
    _meeting(match, -180)  # ended 120 minutes ago

    assert send_log_prompts(now=NOW) == 0
    assert send_log_prompts(now=NOW + datetime.timedelta(minutes=121)) == 2


@pytest.mark.parametrize("status", ["completed", "no_show", "cancelled", "rescheduled"])
def test_logged_or_cancelled_meetings_get_no_prompt(match, status):
    _meeting(match, -180, status=status)

    assert send_log_prompts(now=NOW) == 0


def test_old_meetings_are_not_prompted_for(match):
    _meeting(match, -60 * 24 * 30)

    assert send_log_prompts(now=NOW) == 0


def test_log_prompt_turned_off(match, mentor):
    NotificationPreference.objects.create(user=mentor, kind="meeting_log_prompt", email=False, in_app=False)
    _meeting(match, -180)

    send_log_prompts(now=NOW)

    assert _prompts(mentor) == []
    assert len(_prompts(match.mentee.user)) == 1


def test_the_log_prompt_task_runs(db):
    assert send_log_prompts_task.delay().get() == 0


def test_reminders_only_claim_rows_of_their_kind(match):
    meeting = _meeting(match, -180)
    Reminder.objects.create(meeting=meeting, user=match.mentor.user, kind="before", offset_minutes=60, sent_at=NOW)

    assert send_log_prompts(now=NOW) == 2
    assert Reminder.objects.filter(meeting=meeting, kind="log_prompt").count() == 2
    assert timezone.is_aware(Reminder.objects.filter(kind="log_prompt").first().sent_at)
