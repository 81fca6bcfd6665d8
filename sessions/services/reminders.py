"""Reminders before meetings and prompts to log them, each sent exactly once.

The beat sweeps scan the database (no far-future ETA tasks, which brokers lose or
deliver late). A reminder is claimed by inserting its `Reminder` row: the unique
constraint on (meeting, person, kind, offset) lets only one sweep own it. The insert,
the in-app notification and `sent_at` commit together, so a sweep that dies mid-batch
leaves nothing claimed and the next sweep sends it; the e-mail leaves after commit
through `notify`'s outbox: a sweep killed after its commit, before its e-mail tasks
reached the broker, leaves them owed, and the outbox sweep queues them again.

Cancelled and rescheduled meetings are never picked (only SCHEDULED ones are), so a
moved meeting gets no stale reminder; the new row of a reschedule gets its own.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from matching.models import Match
from notifications.services import notify
from profiles.models import User
from sessions.models import Meeting, MeetingSettings, Reminder, default_reminder_offsets
from sessions.services.meetings import invitation_email

BATCH_SIZE = 500
# A sweep stops after this many batches; the next minute's sweep carries on.
MAX_BATCHES = 40
DEFAULT_LOG_PROMPT_MINUTES = MeetingSettings._meta.get_field("log_prompt_after_minutes").default
# Meetings that ended longer ago than this are not prompted for: a first deployment or
# a beat that was down for days must not flood people about old meetings.
LOG_PROMPT_LOOKBACK = datetime.timedelta(days=7)
# Meetings last at most 480 minutes (Meeting.duration_minutes validators).
LONGEST_MEETING = datetime.timedelta(minutes=480)


@dataclass(frozen=True)
class _Rules:
    """Each programme's reminder offsets and log prompt delay; programmes without a
    MeetingSettings row use the defaults."""

    offsets: dict[int, tuple[int, ...]]
    log_delays: dict[int, int]

    def offsets_for(self, programme_id: int) -> tuple[int, ...]:
        return self.offsets.get(programme_id, _clean_offsets(default_reminder_offsets()))

    def log_delay_for(self, programme_id: int) -> int:
        return self.log_delays.get(programme_id, DEFAULT_LOG_PROMPT_MINUTES)


def _clean_offsets(raw: object) -> tuple[int, ...]:
    """Offsets are edited as JSON: keep positive whole minutes, largest first."""
    if not isinstance(raw, list):
        return ()
    return tuple(sorted({value for value in raw if isinstance(value, int) and 0 < value <= 60 * 24 * 60}, reverse=True))


def _rules() -> _Rules:
    rows = MeetingSettings.objects.values_list("programme_id", "reminder_offsets", "log_prompt_after_minutes")
    return _Rules(
        offsets={programme_id: _clean_offsets(offsets) for programme_id, offsets, _delay in rows},
        log_delays={programme_id: delay for programme_id, _offsets, delay in rows},
    )


def _attendees(meeting: Meeting) -> list[User]:
    return [meeting.match.mentor.user, meeting.match.mentee.user]


def _scheduled_meetings() -> QuerySet[Meeting]:
    return Meeting.objects.filter(status=Meeting.Status.SCHEDULED, match__status=Match.Status.ACTIVE).select_related(
        "match__programme", "match__mentor__user", "match__mentee__user"
    )


def _due_reminder_filter(rules: _Rules, now: datetime.datetime) -> Q | None:
    """Meetings with at least one offset due and not yet claimed: one clause per distinct
    offset (a handful), so the scan stays one query whatever the number of programmes."""
    default = _clean_offsets(default_reminder_offsets())
    programmes_by_offset: dict[int, set[int]] = {}
    for programme_id, offsets in rules.offsets.items():
        for offset in offsets:
            programmes_by_offset.setdefault(offset, set()).add(programme_id)
    clauses = []
    for offset in sorted(set(programmes_by_offset) | set(default)):
        claimed = Reminder.objects.filter(meeting=OuterRef("pk"), kind=Reminder.Kind.BEFORE, offset_minutes=offset)
        scope = Q(match__programme_id__in=programmes_by_offset.get(offset, set()))
        if offset in default:
            scope |= ~Q(match__programme_id__in=list(rules.offsets))
        clauses.append(scope & Q(start__lte=now + datetime.timedelta(minutes=offset)) & ~Exists(claimed))
    return reduce(or_, clauses) if clauses else None


def send_due_reminders(*, now: datetime.datetime | None = None) -> int:
    """Remind both people of every scheduled meeting whose reminder time has come;
    returns how many reminders this sweep sent.

    When several offsets are due at once (a meeting booked an hour before it starts, or
    a beat that was down), only the nearest one is sent and the others are claimed as
    done, so nobody gets "tomorrow" and "in an hour" in the same minute.
    """
    now = now or timezone.now()
    rules = _rules()
    due = _due_reminder_filter(rules, now)
    if due is None:
        return 0
    sent = 0
    for _batch in range(MAX_BATCHES):
        meetings = list(_scheduled_meetings().filter(start__gt=now).filter(due).order_by("start", "pk")[:BATCH_SIZE])
        if not meetings:
            break
        sent += _claim_and_send(meetings, rules, now)
        if len(meetings) < BATCH_SIZE:
            break
    return sent


def _claim_and_send(meetings: list[Meeting], rules: _Rules, now: datetime.datetime) -> int:
    wanted: dict[tuple[int, int], list[int]] = {}
    for meeting in meetings:
        offsets = [
            offset
            for offset in rules.offsets_for(meeting.match.programme_id)
            if meeting.start - datetime.timedelta(minutes=offset) <= now
        ]
        for user in _attendees(meeting):
            wanted[(meeting.pk, user.pk)] = offsets
    by_id = {meeting.pk: meeting for meeting in meetings}
    with transaction.atomic():
        Reminder.objects.bulk_create(
            [
                Reminder(meeting_id=meeting_id, user_id=user_id, kind=Reminder.Kind.BEFORE, offset_minutes=offset)
                for (meeting_id, user_id), offsets in wanted.items()
                for offset in offsets
            ],
            ignore_conflicts=True,
        )
        # Rows another sweep holds are skipped (PostgreSQL); rows it committed are sent.
        # Re-reading the meeting's status here drops one cancelled since the scan.
        claimed = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                meeting_id__in=list(by_id),
                kind=Reminder.Kind.BEFORE,
                sent_at__isnull=True,
                meeting__status=Meeting.Status.SCHEDULED,
            )
            .order_by("pk")
        )
        nearest: dict[tuple[int, int], Reminder] = {}
        for reminder in claimed:
            key = (reminder.meeting_id, reminder.user_id)
            if reminder.offset_minutes in wanted.get(key, ()) and (
                key not in nearest or reminder.offset_minutes < nearest[key].offset_minutes
            ):
                nearest[key] = reminder
        # Both people of a meeting are told in one notify call (half the work per meeting).
        recipients: dict[tuple[int, int], set[int]] = {}
        for (meeting_id, user_id), reminder in nearest.items():
            recipients.setdefault((meeting_id, reminder.offset_minutes), set()).add(user_id)
        for (meeting_id, offset), user_ids in recipients.items():
            _send_reminder(by_id[meeting_id], user_ids, offset)
        Reminder.objects.filter(pk__in=[reminder.pk for reminder in claimed]).update(sent_at=now)
    return len(nearest)


def _people(meeting: Meeting) -> dict[str, User]:
    """The templates name the other person: the mentor's reads about the mentee and back."""
    mentor, mentee = _attendees(meeting)
    return {"mentor": mentor, "mentee": mentee}


def _send_reminder(meeting: Meeting, user_ids: set[int], offset_minutes: int) -> None:
    url = reverse("meeting-detail", kwargs={"pk": meeting.pk})
    # The e-mail carries the calendar file, like the invitation did.
    notify(
        recipients=[user for user in _attendees(meeting) if user.pk in user_ids],
        kind="meeting_reminder",
        context={
            "meeting": meeting,
            **_people(meeting),
            "programme": meeting.match.programme,
            "offset_minutes": offset_minutes,
            "end": meeting.start + datetime.timedelta(minutes=meeting.duration_minutes),
            "ics_url": reverse("meeting-ics", kwargs={"pk": meeting.pk}),
        },
        url=url,
        **invitation_email(meeting, purpose=f"reminder-{offset_minutes}"),
    )


def send_log_prompts(*, now: datetime.datetime | None = None) -> int:
    """Ask both people to log a meeting that is over and still SCHEDULED (not logged),
    once, `log_prompt_after_minutes` after its end; returns how many prompts were sent."""
    now = now or timezone.now()
    rules = _rules()
    shortest_delay = min([DEFAULT_LOG_PROMPT_MINUTES, *rules.log_delays.values()])
    prompted = Reminder.objects.filter(meeting=OuterRef("pk"), kind=Reminder.Kind.LOG_PROMPT)
    # The end is start + duration; the database narrows by start, Python checks the end.
    candidates = (
        _scheduled_meetings()
        .filter(
            start__lte=now - datetime.timedelta(minutes=shortest_delay),
            start__gte=now - LOG_PROMPT_LOOKBACK - LONGEST_MEETING,
        )
        .filter(~Exists(prompted))
        .order_by("pk")
    )
    sent = 0
    last_pk = 0
    for _batch in range(MAX_BATCHES):
        meetings = list(candidates.filter(pk__gt=last_pk)[:BATCH_SIZE])
        if not meetings:
            break
        last_pk = meetings[-1].pk
        due = [
            meeting
            for meeting in meetings
            if meeting.start
            + datetime.timedelta(minutes=meeting.duration_minutes + rules.log_delay_for(meeting.match.programme_id))
            <= now
        ]
        if due:
            sent += _claim_and_prompt(due, now)
        if len(meetings) < BATCH_SIZE:
            break
    return sent


def _claim_and_prompt(meetings: Iterable[Meeting], now: datetime.datetime) -> int:
    by_id = {meeting.pk: meeting for meeting in meetings}
    with transaction.atomic():
        Reminder.objects.bulk_create(
            [
                Reminder(meeting_id=meeting.pk, user_id=user.pk, kind=Reminder.Kind.LOG_PROMPT, offset_minutes=0)
                for meeting in by_id.values()
                for user in _attendees(meeting)
            ],
            ignore_conflicts=True,
        )
        claimed = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                meeting_id__in=list(by_id),
                kind=Reminder.Kind.LOG_PROMPT,
                sent_at__isnull=True,
                meeting__status=Meeting.Status.SCHEDULED,
            )
            .order_by("pk")
        )
        recipients: dict[int, set[int]] = {}
        for reminder in claimed:
            recipients.setdefault(reminder.meeting_id, set()).add(reminder.user_id)
        for meeting_id, user_ids in recipients.items():
            meeting = by_id[meeting_id]
            notify(
                recipients=[user for user in _attendees(meeting) if user.pk in user_ids],
                kind="meeting_log_prompt",
                context={"meeting": meeting, **_people(meeting), "programme": meeting.match.programme},
                url=reverse("meeting-log", kwargs={"pk": meeting.pk}),
            )
        Reminder.objects.filter(pk__in=[reminder.pk for reminder in claimed]).update(sent_at=now)
    return len(claimed)
