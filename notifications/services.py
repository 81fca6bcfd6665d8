"""Telling people things: the one `notify(...)` every app calls, the e-mail delivery
(with its outbox), reading and preferences.

E-mail delivery, exactly once as far as the database can tell:
- `notify` writes the notification in the caller's transaction and queues its e-mail
  task after the commit. The row is the outbox: it names the task (`email_task`, blank
  for the plain e-mail; meetings use their own, which attaches the calendar file).
- The task claims the row with a conditional UPDATE of `emailed_at` just before sending:
  two copies of a task, or a task and its re-queued twin, send once. A failed send gives
  the claim back for the retry.
- A task that never reached the broker (the process killed after the commit, the broker
  away) leaves the row owed; `requeue_owed_emails` (beat, every minute) queues it again
  after `NOTIFICATION_EMAIL_REQUEUE_MINUTES`, up to `EMAIL_MAX_QUEUEINGS` times and for
  `EMAIL_GIVE_UP_AFTER` at most.
- What stays possible: a worker killed between its claim and the mail server's answer
  loses that one e-mail (never a duplicate); the notification is still in the app.
"""

import contextlib
import datetime
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from notifications import kinds
from notifications.models import Notification, NotificationPreference
from profiles.models import User

CHANNELS = ("email", "in_app")
PLAIN_EMAIL_TASK = "notifications.tasks.send_notification_email_task"
# The outbox sweep: how many times an owed e-mail's task is queued in all (the first
# time included), and after how long an owed e-mail is no longer worth sending.
EMAIL_MAX_QUEUEINGS = 6
EMAIL_GIVE_UP_AFTER = datetime.timedelta(hours=24)
REQUEUE_BATCH = 500
REQUEUE_MAX_BATCHES = 20
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+\n")


@contextlib.contextmanager
def recipient_locale(user: User) -> Iterator[None]:
    """Render as the person would read it: their language, their time zone."""
    try:
        zone = zoneinfo.ZoneInfo(user.timezone) if user.timezone else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = None
    with translation.override(user.language or settings.LANGUAGE_CODE), timezone.override(zone):
        yield


def get_preferences(*, user: User) -> dict[str, dict[str, bool]]:
    """The person's effective choice for every kind: their own row, else the defaults."""
    stored = {pref.kind: pref for pref in NotificationPreference.objects.filter(user=user)}
    preferences = {}
    for key, kind in kinds.KINDS.items():
        pref = stored.get(key)
        preferences[key] = (
            {"email": pref.email, "in_app": pref.in_app} if pref else {"email": kind.email, "in_app": kind.in_app}
        )
    return preferences


def _local_path(url: str) -> str:
    """Notifications link to pages of this site by path, so an e-mail can prefix
    SITE_URL and the open view can redirect without becoming an open redirect."""
    if url.startswith(settings.SITE_URL + "/"):
        url = url.removeprefix(settings.SITE_URL)
    if url and not (url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None)):
        raise ValueError(f"A notification links to a path on this site, not {url!r}.")
    return url


def _render_title(template_name: str, context: dict[str, Any], fallback: str) -> str:
    title = " ".join(render_to_string(template_name, context).split())
    return title[: Notification._meta.get_field("title").max_length] or fallback


def _render_body(template_name: str, context: dict[str, Any]) -> str:
    # Template tags on lines of their own leave runs of blank lines behind.
    return _BLANK_LINES.sub("\n\n", render_to_string(template_name, context)).strip()


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    context: dict[str, Any],
    url: str = "",
    actor: User | None = None,
    email_task: str = "",
    email_args: dict[str, Any] | None = None,
) -> list[Notification]:
    """Tell each recipient about something, in the app and/or by e-mail as they chose.

    Inactive accounts and recipients who turned the kind off entirely get nothing; a
    recipient listed twice is told once. E-mails leave after the caller's transaction
    commits, so a rolled-back change never mails anyone. `email_task` (a Celery task's
    dotted path, called with the notification's id and `email_args`) sends the e-mail
    in place of the plain one, e.g. with an attachment.
    """
    kind_spec = kinds.get_kind(kind)
    url = _local_path(url)
    unique: dict[int, User] = {}
    for recipient in recipients:
        if recipient.is_active and recipient.pk not in unique:
            unique[recipient.pk] = recipient
    if not unique:
        return []
    stored = {pref.user_id: pref for pref in NotificationPreference.objects.filter(user_id__in=list(unique), kind=kind)}

    notifications = []
    queued_at = timezone.now()
    for recipient in unique.values():
        pref = stored.get(recipient.pk)
        wants_email = (pref.email if pref else kind_spec.email) and bool(recipient.email)
        wants_in_app = pref.in_app if pref else kind_spec.in_app
        if not (wants_email or wants_in_app):
            continue
        template_context = {"actor": actor, **context, "recipient": recipient, "site_url": settings.SITE_URL}
        with recipient_locale(recipient):
            title = _render_title(f"notifications/{kind}/subject.txt", template_context, str(kind_spec.label))
            body = _render_body(f"notifications/{kind}/message.txt", template_context)
        notifications.append(
            Notification(
                recipient=recipient,
                kind=kind,
                title=title,
                body=body,
                url=url,
                actor=actor,
                show_in_app=wants_in_app,
                send_email=wants_email,
                email_task=email_task if wants_email else "",
                email_args=(email_args or {}) if wants_email else {},
                email_queued_at=queued_at if wants_email else None,
                email_queued_times=1 if wants_email else 0,
            )
        )
    created = Notification.objects.bulk_create(notifications)
    for notification in created:
        if notification.send_email:
            _queue_email(notification)
    return created


def _queue_email(notification: Notification) -> None:
    """Queue the notification's e-mail task once the current transaction commits."""
    task = import_string(notification.email_task or PLAIN_EMAIL_TASK)
    task.delay_on_commit(notification.pk, **notification.email_args)


def claim_email(*, notification_id: int, task: str = "") -> datetime.datetime | None:
    """Claim the right to send this notification's e-mail: the moment of the claim, or None
    when it is not owed (sent or being sent, not wanted, recipient inactive, or owed to
    another task)."""
    claimed_at = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, send_email=True, emailed_at__isnull=True, email_task=task, recipient__is_active=True
    ).update(emailed_at=claimed_at)
    return claimed_at if claimed else None


def release_email(*, notification_id: int, claimed_at: datetime.datetime) -> None:
    """Give a claim back after a failed send, so that a retry may send it."""
    Notification.objects.filter(pk=notification_id, emailed_at=claimed_at).update(emailed_at=None)


def requeue_owed_emails(*, now: datetime.datetime | None = None) -> int:
    """Queue again the e-mails still owed a while after their task was queued (the outbox
    sweep); returns how many were queued. Safe to run twice or at once: rows another sweep
    holds are skipped (PostgreSQL), and the send claim stops a second copy."""
    now = now or timezone.now()
    owed = Notification.objects.filter(
        send_email=True,
        emailed_at__isnull=True,
        email_queued_at__lte=now - datetime.timedelta(minutes=settings.NOTIFICATION_EMAIL_REQUEUE_MINUTES),
        email_queued_times__lt=EMAIL_MAX_QUEUEINGS,
        created_at__gte=now - EMAIL_GIVE_UP_AFTER,
        recipient__is_active=True,
    )
    queued = 0
    for _batch in range(REQUEUE_MAX_BATCHES):
        with transaction.atomic():
            batch = list(
                owed.select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")
                .only("pk", "email_task", "email_args")[:REQUEUE_BATCH]
            )
            Notification.objects.filter(pk__in=[notification.pk for notification in batch]).update(
                email_queued_at=now, email_queued_times=F("email_queued_times") + 1
            )
            for notification in batch:
                _queue_email(notification)
        queued += len(batch)
        if len(batch) < REQUEUE_BATCH:
            break
    return queued


def send_notification_email(*, notification_id: int) -> bool:
    """E-mail one notification, at most once; returns whether this call sent it (see the
    module's docstring for the claim)."""
    claimed_at = claim_email(notification_id=notification_id)
    if claimed_at is None:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        _build_email(notification).send()
    except Exception:
        release_email(notification_id=notification_id, claimed_at=claimed_at)
        raise
    return True


def _build_email(notification: Notification) -> EmailMultiAlternatives:
    recipient = notification.recipient
    context = {
        "notification": notification,
        "recipient": recipient,
        "site_url": settings.SITE_URL,
        "action_url": f"{settings.SITE_URL}{notification.url}" if notification.url else "",
        "settings_url": f"{settings.SITE_URL}{reverse('notification-settings')}",
    }
    with recipient_locale(recipient):
        text = render_to_string("notifications/email.txt", context)
        html = render_to_string("notifications/email.html", context)
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "[Mentoring] ")
    message = EmailMultiAlternatives(
        subject=f"{prefix}{notification.title}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        # Tells mail servers not to answer with out-of-office replies.
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message


def mark_notification_read(*, notification: Notification, user: User) -> Notification:
    if notification.recipient_id != user.pk:
        raise PermissionDenied
    if notification.read_at is None:
        now = timezone.now()
        # Keep the first time it was read when two tabs mark it at once.
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.refresh_from_db(fields=["read_at"])
    return notification


def mark_all_notifications_read(*, user: User) -> int:
    return Notification.objects.visible_to(user).in_app().unread().update(read_at=timezone.now())


@transaction.atomic
def update_preferences(*, user: User, preferences: dict[str, dict[str, bool]]) -> dict[str, dict[str, bool]]:
    """Save the person's choices for the kinds given (others keep theirs); a channel
    left out of a kind's dict keeps its current value. Returns every kind's choice."""
    if not isinstance(preferences, dict):
        raise ValidationError(_("Preferences must map notification kinds to their channels."))
    errors: dict[str, list[str]] = {}
    for key, channels in preferences.items():
        if key not in kinds.KINDS:
            errors[str(key)] = [_("“%(kind)s” is not a kind of notification.") % {"kind": key}]
        elif not isinstance(channels, dict):
            errors[key] = [_("Give “email” and “in_app” as true or false.")]
        elif unknown := sorted(str(channel) for channel in set(channels) - set(CHANNELS)):
            errors[key] = [_("Unknown channel(s): %(channels)s.") % {"channels": ", ".join(unknown)}]
        elif any(not isinstance(value, bool) for value in channels.values()):
            errors[key] = [_("“email” and “in_app” must be true or false.")]
    if errors:
        raise ValidationError(errors)

    current = get_preferences(user=user)
    for key, channels in preferences.items():
        choice = {**current[key], **channels}
        NotificationPreference.objects.update_or_create(user=user, kind=key, defaults=choice)
        current[key] = choice
    return current
