"""Meetings: schedule, reschedule, cancel, log; notes and action items; the invitation
e-mails with their ICS attachment.

Decisions:
- Local date and time are read in the viewer's zone. A time that does not exist there (the
  hour skipped when clocks go forward) is refused; a time that exists twice (the hour
  repeated when clocks go back) means its first occurrence, still on summer time, and
  the forms say so.
- Announcements go through `notify` (in the app and by e-mail, as each person chose); the
  e-mail of a meeting kind is sent by this module's task instead of the plain one,
  because it carries the invitation (`invitation_email` names the task in the
  notification's outbox entry). The task claims the notification's e-mail before
  sending, as the plain one does: a duplicate or re-queued delivery sends nothing.
- A cancellation counts SEQUENCE up like a reschedule, so calendars apply it over the
  last update whatever order the e-mails arrive in.
"""

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from email.mime.text import MIMEText

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from goals.models import Goal
from matching.models import Match
from matching.permissions import is_side
from notifications.models import Notification
from notifications.services import claim_email, notify, recipient_locale, release_email
from profiles.models import User
from sessions import ics
from sessions.models import ActionItem, Meeting, MeetingNote

TOPIC_LIMIT = 100
TOPICS_MAX = 20
MAX_DURATION = datetime.timedelta(minutes=480)
UTC = datetime.UTC


@dataclass(frozen=True)
class ActionItemInput:
    description: str
    owner: User
    due_on: datetime.date | None = None
    goal: Goal | None = None


class _Unchanged:
    """A field of `update_action_item` left as it is (None means "clear it")."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = _Unchanged()


# --- Time -------------------------------------------------------------------------------


def get_zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError({"timezone": _("“%(zone)s” is not a known time zone.") % {"zone": name}}) from None


def aware_from_local(*, day: datetime.date, at: datetime.time, zone_name: str) -> datetime.datetime:
    """The UTC instant of a wall-clock date and time in a zone.

    Raises for a time skipped by a DST change; an ambiguous time (the repeated hour)
    resolves to its first occurrence (fold=0, the earlier instant)."""
    zone = get_zone(zone_name)
    local = datetime.datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone)
    round_trip = local.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValidationError(
            {
                "time": _(
                    "%(time)s does not exist on %(day)s in %(zone)s: the clocks skip that hour. Choose another time."
                )
                % {"time": at.strftime("%H:%M"), "day": day.isoformat(), "zone": zone_name}
            }
        )
    return local.astimezone(UTC)


def is_ambiguous(*, day: datetime.date, at: datetime.time, zone_name: str) -> bool:
    zone = get_zone(zone_name)
    first = datetime.datetime.combine(day, at.replace(fold=0), tzinfo=zone)
    second = datetime.datetime.combine(day, at.replace(fold=1), tzinfo=zone)
    return first.utcoffset() != second.utcoffset()


# --- Reads that services and views share -------------------------------------------------


def pair_users(match: Match) -> list[User]:
    return [match.mentor.user, match.mentee.user]


def conflicts_for(
    *, user: User, start: datetime.datetime, duration_minutes: int, exclude: Meeting | None = None
) -> list[Meeting]:
    """The user's other SCHEDULED meetings that overlap; a warning, never a refusal."""
    end = start + datetime.timedelta(minutes=duration_minutes)
    # Meetings last at most MAX_DURATION, so one that overlaps starts in this window.
    candidates = (
        Meeting.objects.filter(status=Meeting.Status.SCHEDULED, start__lt=end, start__gt=start - MAX_DURATION)
        .filter(match__in=Match.objects.filter(mentor__user=user) | Match.objects.filter(mentee__user=user))
        .select_related("match__mentor__user", "match__mentee__user")
        .order_by("start")
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    return [m for m in candidates if m.start + datetime.timedelta(minutes=m.duration_minutes) > start]


def chain_of(meeting: Meeting) -> list[Meeting]:
    """Every meeting of the chain (one UID), oldest first."""
    return list(
        Meeting.objects.filter(match_id=meeting.match_id, uid=meeting.uid)
        .select_related("rescheduled_by", "cancelled_by", "organiser")
        .order_by("sequence", "pk")
    )


# --- Validation --------------------------------------------------------------------------


def _check_start(start: datetime.datetime) -> None:
    if timezone.is_naive(start):
        raise ValidationError({"start": _("The start needs a time zone.")})
    if start <= timezone.now():
        raise ValidationError({"start": _("The start must be in the future.")})


def _check_details(meeting: Meeting) -> None:
    errors: dict[str, list[str]] = {}
    if meeting.mode == Meeting.Mode.IN_PERSON and not meeting.place.strip():
        errors["place"] = [_("Say where you meet in person.")]
    if meeting.mode == Meeting.Mode.ONLINE:
        meeting.place = ""
    else:
        meeting.video_link = ""
    try:
        meeting.full_clean(exclude=["match", "organiser", "uid", "rescheduled_from"], validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _lock(meeting: Meeting) -> Meeting:
    locked = Meeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)
    if locked.status != Meeting.Status.SCHEDULED:
        raise ValidationError(
            _("This meeting is %(status)s; only a scheduled meeting can change.")
            % {"status": locked.get_status_display().lower()}
        )
    return locked


# --- Announcements -----------------------------------------------------------------------


def _announce(*, meeting: Meeting, kind: str, actor: User, method: str, extra: dict | None = None) -> None:
    recipients = [person for person in pair_users(meeting.match) if person.pk != actor.pk]
    notify(
        recipients=recipients,
        kind=kind,
        context={"meeting": meeting, "match": meeting.match, **(extra or {})},
        url=meeting.get_absolute_url(),
        actor=actor,
        **invitation_email(meeting, method=method),
    )


INVITATION_TASK = "sessions.tasks.send_meeting_invitation_task"


def invitation_email(meeting: Meeting, *, method: str = ics.REQUEST, purpose: str = "invitation") -> dict:
    """`notify` arguments that make its e-mail carry the meeting's invite.ics (notify()
    itself attaches no files): invitations, updates and cancellations, and the reminders
    before a meeting. The sequence is the meeting's as it is now."""
    return {
        "email_task": INVITATION_TASK,
        "email_args": {"meeting_id": meeting.pk, "method": method, "sequence": meeting.sequence, "purpose": purpose},
    }


def send_meeting_invitation(*, notification_id: int, meeting_id: int, method: str) -> bool:
    """E-mail one invitation, update, cancellation or reminder with its ICS, at most once;
    returns whether this call sent it. The file describes the meeting as it is when the
    e-mail leaves."""
    meeting = (
        Meeting.objects.select_related("match__programme", "match__mentor__user", "match__mentee__user", "organiser")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        return False
    claimed_at = claim_email(notification_id=notification_id, task=INVITATION_TASK)
    if claimed_at is None:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        _build_invitation(notification=notification, meeting=meeting, method=method).send()
    except Exception:
        release_email(notification_id=notification_id, claimed_at=claimed_at)
        raise
    return True


def _build_invitation(*, notification: Notification, meeting: Meeting, method: str) -> EmailMultiAlternatives:
    recipient = notification.recipient
    context = {
        "notification": notification,
        "meeting": meeting,
        "recipient": recipient,
        "site_url": settings.SITE_URL,
        "action_url": f"{settings.SITE_URL}{meeting.get_absolute_url()}",
        "cancelled": method == ics.CANCEL,
    }
    with recipient_locale(recipient):
        text = render_to_string("sessions/email/invitation.txt", context)
        html = render_to_string("sessions/email/invitation.html", context)
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "[Mentoring] ")
    message = EmailMultiAlternatives(
        subject=f"{prefix}{notification.title}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    part = MIMEText(ics.invitation_ics(meeting, method).decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    message.attach(part)
    return message


# --- Writes ------------------------------------------------------------------------------


def schedule_meeting(
    *,
    match: Match,
    organiser: User,
    start: datetime.datetime,
    duration_minutes: int = 60,
    mode: str = Meeting.Mode.ONLINE,
    place: str = "",
    video_link: str = "",
    agenda: str = "",
) -> Meeting:
    _check_start(start)
    with transaction.atomic():
        match = (
            Match.objects.select_for_update(of=("self",))
            .select_related("programme", "mentor__user", "mentee__user")
            .get(pk=match.pk)
        )
        if match.status != Match.Status.ACTIVE:
            raise ValidationError(_("Meetings are scheduled for active matches only."))
        meeting = Meeting(
            match=match,
            organiser=organiser,
            start=start.astimezone(UTC).replace(microsecond=0),
            duration_minutes=duration_minutes,
            mode=mode,
            place=place.strip(),
            video_link=video_link.strip(),
            agenda=agenda.strip(),
            uid=Meeting.new_uid(),
            sequence=0,
        )
        _check_details(meeting)
        meeting.save()
        _announce(meeting=meeting, kind="meeting_scheduled", actor=organiser, method=ics.REQUEST)
    return meeting


def reschedule_meeting(
    *,
    meeting: Meeting,
    by: User,
    start: datetime.datetime,
    duration_minutes: int | None = None,
    mode: str | None = None,
    place: str | None = None,
    video_link: str | None = None,
    agenda: str | None = None,
    reason: str = "",
) -> Meeting:
    """A new meeting replaces this one; the old row stays as the record of who moved it."""
    _check_start(start)
    if len(reason) > 2000:
        raise ValidationError({"reason": _("Keep the reason under 2000 characters.")})
    with transaction.atomic():
        old = _lock(meeting)
        now = timezone.now()
        new = Meeting(
            match=old.match,
            organiser=old.organiser,
            start=start.astimezone(UTC).replace(microsecond=0),
            duration_minutes=old.duration_minutes if duration_minutes is None else duration_minutes,
            mode=old.mode if mode is None else mode,
            place=old.place if place is None else place.strip(),
            video_link=old.video_link if video_link is None else video_link.strip(),
            agenda=old.agenda if agenda is None else agenda.strip(),
            uid=old.uid,
            sequence=old.sequence + 1,
            rescheduled_from=old,
        )
        _check_details(new)
        old.status = Meeting.Status.RESCHEDULED
        old.rescheduled_by = by
        old.rescheduled_at = now
        old.reschedule_reason = reason.strip()
        old.notice_hours = round((old.start - now).total_seconds() / 3600, 2)
        old.save(update_fields=["status", "rescheduled_by", "rescheduled_at", "reschedule_reason", "notice_hours"])
        new.save()
        new = Meeting.objects.select_related("match__programme", "match__mentor__user", "match__mentee__user").get(
            pk=new.pk
        )
        _announce(meeting=new, kind="meeting_rescheduled", actor=by, method=ics.REQUEST, extra={"previous": old})
    return new


def cancel_meeting(*, meeting: Meeting, by: User, reason: str, note: str = "") -> Meeting:
    if reason not in Meeting.CancelReason.values:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    if len(note) > 2000:
        raise ValidationError({"note": _("Keep the note under 2000 characters.")})
    with transaction.atomic():
        locked = _lock(meeting)
        now = timezone.now()
        locked.status = Meeting.Status.CANCELLED
        locked.cancelled_by = by
        locked.cancelled_at = now
        locked.cancel_reason = reason
        locked.cancel_note = note.strip()
        locked.notice_hours = round((locked.start - now).total_seconds() / 3600, 2)
        locked.sequence += 1
        locked.save(
            update_fields=[
                "status", "cancelled_by", "cancelled_at", "cancel_reason", "cancel_note", "notice_hours", "sequence",
                "updated_at",
            ]
        )  # fmt: skip
        locked = Meeting.objects.select_related(
            "match__programme", "match__mentor__user", "match__mentee__user", "organiser", "cancelled_by"
        ).get(pk=locked.pk)
        _announce(meeting=locked, kind="meeting_cancelled", actor=by, method=ics.CANCEL)
    return locked


def clean_topics(topics: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for topic in topics:
        if not isinstance(topic, str):
            raise ValidationError({"topics": _("Topics must be text.")})
        topic = " ".join(topic.split())
        if not topic:
            continue
        if len(topic) > TOPIC_LIMIT:
            raise ValidationError({"topics": _("Keep each topic under %(limit)d characters.") % {"limit": TOPIC_LIMIT}})
        if topic.casefold() not in {t.casefold() for t in cleaned}:
            cleaned.append(topic)
    if len(cleaned) > TOPICS_MAX:
        raise ValidationError({"topics": _("At most %(count)d topics.") % {"count": TOPICS_MAX}})
    return cleaned


def _check_owner(match: Match, owner: User) -> None:
    if owner.pk not in {match.mentor.user_id, match.mentee.user_id}:
        raise ValidationError({"owner": _("An action item belongs to the mentor or the mentee of the pair.")})


def _check_goal(match: Match, goal: Goal | None) -> None:
    if goal is not None and goal.match_id != match.pk:
        raise ValidationError({"goal": _("Choose one of this pair's goals.")})


def log_meeting(
    *,
    meeting: Meeting,
    by: User,
    held: bool = True,
    absent: str = "",
    topics: Iterable[str] = (),
    shared_note: str = "",
    private_note: str = "",
    action_items: Iterable[ActionItemInput] = (),
) -> Meeting:
    """Everything about a meeting that took place, in one go: outcome, topics, notes and
    what each side agreed to do."""
    if held and absent:
        raise ValidationError({"absent": _("Nobody was absent from a meeting that was held.")})
    if not held and absent not in Meeting.Absent.values:
        raise ValidationError({"absent": _("Say who did not come.")})
    topics = clean_topics(topics)
    items = list(action_items)
    with transaction.atomic():
        locked = _lock(meeting)
        if locked.start > timezone.now():
            raise ValidationError(_("A meeting is logged once it has started."))
        match = Match.objects.select_related("mentor", "mentee").get(pk=locked.match_id)
        for item in items:
            _check_owner(match, item.owner)
            _check_goal(match, item.goal)
        locked.status = Meeting.Status.COMPLETED if held else Meeting.Status.NO_SHOW
        locked.absent = "" if held else absent
        locked.topics = topics
        locked.logged_by = by
        locked.logged_at = timezone.now()
        locked.save(update_fields=["status", "absent", "topics", "logged_by", "logged_at", "updated_at"])
        for text, visibility in (
            (shared_note, MeetingNote.Visibility.SHARED),
            (private_note, MeetingNote.Visibility.PRIVATE),
        ):
            if text.strip():
                _create_note(meeting=locked, author=by, text=text, visibility=visibility)
        for item in items:
            _create_action_item(
                match=match, meeting=locked, created_by=by, owner=item.owner, description=item.description,
                due_on=item.due_on, goal=item.goal,
            )  # fmt: skip
    return locked


def _create_note(*, meeting: Meeting, author: User, text: str, visibility: str) -> MeetingNote:
    note = MeetingNote(meeting=meeting, author=author, text=text.strip(), visibility=visibility)
    note.full_clean(exclude=["meeting", "author"])
    note.save()
    return note


@transaction.atomic
def add_note(
    *, meeting: Meeting, author: User, text: str, visibility: str = MeetingNote.Visibility.SHARED
) -> MeetingNote:
    if not text.strip():
        raise ValidationError({"text": _("Write something first.")})
    if not is_side(author, meeting.match):
        raise ValidationError(_("Only the mentor and the mentee write notes on their meetings."))
    return _create_note(meeting=meeting, author=author, text=text, visibility=visibility)


def _create_action_item(
    *,
    match: Match,
    created_by: User,
    owner: User,
    description: str,
    due_on: datetime.date | None,
    meeting: Meeting | None,
    goal: Goal | None = None,
) -> ActionItem:
    _check_owner(match, owner)
    _check_goal(match, goal)
    item = ActionItem(
        match=match, meeting=meeting, owner=owner, description=" ".join(description.split()), due_on=due_on,
        created_by=created_by, goal=goal,
    )  # fmt: skip
    if not item.description:
        raise ValidationError({"description": _("Say what is to be done.")})
    item.full_clean(exclude=["match", "meeting", "owner", "created_by", "goal"])
    item.save()
    return item


@transaction.atomic
def add_action_item(
    *,
    match: Match,
    created_by: User,
    owner: User,
    description: str,
    due_on: datetime.date | None = None,
    meeting: Meeting | None = None,
    goal: Goal | None = None,
) -> ActionItem:
    if meeting is not None and meeting.match_id != match.pk:
        raise ValidationError({"meeting": _("That meeting belongs to another pair.")})
    return _create_action_item(
        match=match, created_by=created_by, owner=owner, description=description, due_on=due_on, meeting=meeting,
        goal=goal,
    )  # fmt: skip


def complete_action_item(*, item: ActionItem, by: User) -> ActionItem:
    # A conditional update keeps the first completion when both sides tick it at once.
    now = timezone.now()
    ActionItem.objects.filter(pk=item.pk, done_at__isnull=True).update(done_at=now)
    item.refresh_from_db(fields=["done_at"])
    return item


def _lock_item(item: ActionItem) -> ActionItem:
    locked = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("match__mentor", "match__mentee")
        .get(pk=item.pk)
    )
    if locked.match.status != Match.Status.ACTIVE:
        raise ValidationError(_("The action items of a match that is not active no longer change."))
    return locked


def update_action_item(
    *,
    item: ActionItem,
    by: User,
    description: str | None = None,
    owner: User | None = None,
    due_on: datetime.date | _Unchanged | None = UNCHANGED,
    goal: Goal | _Unchanged | None = UNCHANGED,
) -> ActionItem:
    """Change what is to be done, who does it, by when, or the goal it serves. A new due
    date makes a new overdue reminder possible (the reminder is per item and due date)."""
    with transaction.atomic():
        locked = _lock_item(item)
        match = locked.match
        if description is not None:
            locked.description = " ".join(description.split())
            if not locked.description:
                raise ValidationError({"description": _("Say what is to be done.")})
        if owner is not None:
            _check_owner(match, owner)
            locked.owner = owner
        if not isinstance(due_on, _Unchanged):
            locked.due_on = due_on
        if not isinstance(goal, _Unchanged):
            _check_goal(match, goal)
            locked.goal = goal
        locked.full_clean(exclude=["match", "meeting", "owner", "created_by", "goal"])
        locked.save(update_fields=["description", "owner", "due_on", "goal"])
    return locked


def reopen_action_item(*, item: ActionItem, by: User) -> ActionItem:
    """Un-tick an item marked done by mistake; it counts as open (and late) again."""
    with transaction.atomic():
        locked = _lock_item(item)
        if locked.done_at is None:
            raise ValidationError(_("This action item is not done."))
        locked.done_at = None
        locked.save(update_fields=["done_at"])
    return locked
