"""The e-mail outbox: an e-mail whose task never reached the broker is queued again by the
every-minute sweep and still goes out exactly once.

Inside a test, tasks queued "on commit" run only under
`django_capture_on_commit_callbacks(execute=True)`; a block without it is a process that
committed and died before publishing (the `killcommit` case of bench/faults.py)."""

import datetime
import smtplib

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from notifications import services, tasks
from notifications.models import Notification
from sessions.models import Reminder
from sessions.services import meetings
from sessions.services.reminders import send_due_reminders
from tests.factories import EnrolmentFactory, MeetingFactory, pair_match

LATER = datetime.timedelta(minutes=6)


@pytest.fixture
def enrolment(programme):
    return EnrolmentFactory(programme=programme, status="approved")


@pytest.fixture
def match(programme, mentor, mentee):
    return pair_match(programme, mentor, mentee)


def _lost_notification(enrolment) -> Notification:
    """notify() committed, its e-mail task never published."""
    [notification] = services.notify(
        recipients=[enrolment.user], kind="enrolment_approved", context={"enrolment": enrolment}
    )
    return notification


def _requeue(django_capture_on_commit_callbacks, *, after: datetime.timedelta = LATER) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return services.requeue_owed_emails(now=timezone.now() + after)


def test_a_new_email_is_queued_once_and_recorded_in_its_outbox_entry(enrolment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = _lost_notification(enrolment)

    notification.refresh_from_db()
    assert notification.email_task == ""
    assert notification.email_queued_times == 1
    assert notification.email_queued_at is not None
    assert notification.emailed_at is not None
    assert len(mail.outbox) == 1


def test_an_email_whose_task_was_lost_is_queued_again_and_sent_once(enrolment, django_capture_on_commit_callbacks):
    notification = _lost_notification(enrolment)
    assert mail.outbox == []

    assert _requeue(django_capture_on_commit_callbacks, after=datetime.timedelta(minutes=2)) == 0
    assert _requeue(django_capture_on_commit_callbacks) == 1
    assert _requeue(django_capture_on_commit_callbacks, after=datetime.timedelta(minutes=30)) == 0

    assert [message.to for message in mail.outbox] == [[enrolment.user.email]]
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert notification.email_queued_times == 2


def test_the_wait_before_queueing_again_is_a_setting(enrolment, settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_EMAIL_REQUEUE_MINUTES = 1
    _lost_notification(enrolment)

    assert _requeue(django_capture_on_commit_callbacks, after=datetime.timedelta(seconds=30)) == 0
    assert _requeue(django_capture_on_commit_callbacks, after=datetime.timedelta(seconds=61)) == 1
    assert len(mail.outbox) == 1


def test_the_original_task_arriving_after_the_requeued_copy_sends_nothing(
    enrolment, django_capture_on_commit_callbacks
):
    notification = _lost_notification(enrolment)
    _requeue(django_capture_on_commit_callbacks)

    tasks.send_notification_email_task(notification.pk)

    assert len(mail.outbox) == 1


def test_a_send_that_keeps_failing_is_queued_a_bounded_number_of_times(
    enrolment, monkeypatch, django_capture_on_commit_callbacks
):
    notification = _lost_notification(enrolment)

    def refuse(self, fail_silently=False):
        raise smtplib.SMTPRecipientsRefused({enrolment.user.email: (550, b"no such user")})

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    queued = []
    for minutes in range(6, 120, 6):
        try:
            queued.append(_requeue(django_capture_on_commit_callbacks, after=datetime.timedelta(minutes=minutes)))
        except smtplib.SMTPRecipientsRefused:
            queued.append(1)

    notification.refresh_from_db()
    assert sum(queued) == services.EMAIL_MAX_QUEUEINGS - 1
    assert notification.email_queued_times == services.EMAIL_MAX_QUEUEINGS
    assert notification.emailed_at is None  # the claim was given back each time
    assert mail.outbox == []


def test_an_email_owed_for_longer_than_a_day_is_given_up(enrolment, django_capture_on_commit_callbacks):
    _lost_notification(enrolment)

    assert _requeue(django_capture_on_commit_callbacks, after=services.EMAIL_GIVE_UP_AFTER + LATER) == 0
    assert mail.outbox == []


def test_nothing_is_queued_for_sent_in_app_only_or_inactive_recipients(
    enrolment, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _lost_notification(enrolment)  # sent at once
    in_app_only = services.notify(recipients=[user], kind="enrolment_approved", context={"enrolment": enrolment})
    Notification.objects.filter(pk=in_app_only[0].pk).update(send_email=False)
    gone = EnrolmentFactory(programme=enrolment.programme, status="approved")
    _lost_notification(gone)
    gone.user.is_active = False
    gone.user.save()

    assert _requeue(django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 1


def test_the_sweep_is_a_beat_task_every_minute(enrolment, django_capture_on_commit_callbacks):
    schedule = settings.CELERY_BEAT_SCHEDULE["requeue-owed-emails"]
    assert schedule == {"task": "notifications.tasks.requeue_owed_emails_task", "schedule": 60}
    assert settings.NOTIFICATION_EMAIL_REQUEUE_MINUTES == 5

    notification = _lost_notification(enrolment)
    Notification.objects.filter(pk=notification.pk).update(email_queued_at=timezone.now() - LATER)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_owed_emails_task() == 1
    assert len(mail.outbox) == 1


# --- Meeting e-mails (with the calendar file) --------------------------------------------


def _calendar_parts(message) -> list:
    return [part for part in message.message().walk() if part.get_content_type() == "text/calendar"]


def test_a_lost_invitation_is_queued_again_with_its_calendar_file(match, mentee, django_capture_on_commit_callbacks):
    start = (timezone.now() + datetime.timedelta(days=7)).replace(microsecond=0)
    meeting = meetings.schedule_meeting(match=match, organiser=match.mentor.user, start=start)
    notification = Notification.objects.get(kind="meeting_scheduled", recipient=mentee)
    assert notification.email_task == meetings.INVITATION_TASK
    assert notification.email_args == {
        "meeting_id": meeting.pk, "method": "REQUEST", "sequence": 0, "purpose": "invitation",
    }  # fmt: skip
    assert mail.outbox == []

    assert _requeue(django_capture_on_commit_callbacks) == 1

    [message] = mail.outbox
    assert message.to == [mentee.email]
    assert len(_calendar_parts(message)) == 1
    # The plain notification task never sends a meeting e-mail (it would lack the file).
    assert services.send_notification_email(notification_id=notification.pk) is False
    assert (
        meetings.send_meeting_invitation(notification_id=notification.pk, meeting_id=meeting.pk, method="REQUEST")
        is False
    )
    assert len(mail.outbox) == 1


def test_reminders_of_a_sweep_killed_after_its_commit_go_out_once(
    match, mentor, mentee, django_capture_on_commit_callbacks
):
    """bench/faults.py `killcommit`: the sweep's batch committed (reminders claimed,
    notifications written), the process died before its e-mail tasks were published."""
    MeetingFactory(match=match, start=timezone.now() + datetime.timedelta(minutes=30))

    assert send_due_reminders() == 2  # on-commit tasks dropped: the process "died"
    assert Reminder.objects.filter(sent_at__isnull=False).values("user_id").distinct().count() == 2
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders() == 0  # the next sweep: the reminders are claimed

    assert _requeue(django_capture_on_commit_callbacks) == 2
    assert _requeue(django_capture_on_commit_callbacks, after=datetime.timedelta(minutes=12)) == 0

    assert sorted(message.to[0] for message in mail.outbox) == sorted([mentor.email, mentee.email])
    assert all(len(_calendar_parts(message)) == 1 for message in mail.outbox)
