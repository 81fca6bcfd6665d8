"""Background work of meetings: thin, id-taking, idempotent tasks that call services.
The periodic sweeps (beat, CELERY_BEAT_SCHEDULE) are safe to run twice or at once."""

import smtplib

from celery import shared_task
from django.db import OperationalError

# --- Reminders and flags (beat) ------------------------------------------------------------


@shared_task(acks_late=True, soft_time_limit=50, time_limit=55)
def send_due_reminders_task() -> int:
    """Every minute; the limits keep one sweep from overlapping the next for long."""
    from sessions.services import reminders

    return reminders.send_due_reminders()


@shared_task(acks_late=True, soft_time_limit=300, time_limit=330)
def send_log_prompts_task() -> int:
    from sessions.services import reminders

    return reminders.send_log_prompts()


@shared_task(acks_late=True, soft_time_limit=300, time_limit=330)
def raise_flags_task() -> int:
    """Every 15 minutes: meeting-pattern flags, inactivity flags, then overdue goals."""
    from goals.services.flags import raise_overdue_goal_flags
    from sessions.services import flags

    return flags.raise_meeting_flags() + flags.raise_inactivity_flags() + raise_overdue_goal_flags()


@shared_task(acks_late=True, soft_time_limit=300, time_limit=330)
def send_overdue_action_item_reminders_task() -> int:
    """Every 15 minutes: remind owners of action items past their due date, once per date."""
    from sessions.services import accountability

    return accountability.send_overdue_action_item_reminders()


# --- Invitations (meetings) ----------------------------------------------------------------


@shared_task(
    # A mail server or the database holding the send claim away for a while; never a
    # programming error, and not a refused address.
    autoretry_for=(smtplib.SMTPException, OSError, OperationalError),
    dont_autoretry_for=(smtplib.SMTPRecipientsRefused,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=5,
)
def send_meeting_invitation_task(
    notification_id: int, meeting_id: int, method: str, sequence: int = 0, purpose: str = "invitation"
) -> None:
    """`sequence` and `purpose` record what the e-mail was written for (they are kept in
    the notification's outbox entry); the claim on the notification makes it go once."""
    from sessions.services import meetings

    meetings.send_meeting_invitation(notification_id=notification_id, meeting_id=meeting_id, method=method)
