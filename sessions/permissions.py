"""Who may do what with meetings, notes and action items. Pure predicates over the
objects' own relations (callers fetch with `select_related("match__mentor",
"match__mentee", "match__programme")`).

Decisions:
- The two people of an ACTIVE match and the programme's coordinators schedule meetings;
  HR and site admins read (site admins change things in the Django admin).
- A meeting is changed (rescheduled, cancelled) while it is SCHEDULED and has not
  started, by either side or a coordinator; it is logged only by a side, once it started.
- Private notes are their author's alone: no role, not even a site admin, reads them here.
"""

from django.utils import timezone

from matching.models import Match
from matching.permissions import is_side
from profiles.models import User
from programmes.permissions import is_coordinator
from sessions.models import ActionItem, Meeting, MeetingNote

NOTE_STATUSES = {Meeting.Status.SCHEDULED, Meeting.Status.COMPLETED, Meeting.Status.NO_SHOW}


def can_schedule_meeting(user: User, match: Match) -> bool:
    if not user.is_authenticated or match.status != Match.Status.ACTIVE:
        return False
    return is_side(user, match) or is_coordinator(user, match.programme)


def can_change_meeting(user: User, meeting: Meeting) -> bool:
    """Reschedule or cancel: the organiser, either side or a coordinator, before the start."""
    if not user.is_authenticated or meeting.status != Meeting.Status.SCHEDULED or meeting.start <= timezone.now():
        return False
    return (
        meeting.organiser_id == user.pk or is_side(user, meeting.match) or is_coordinator(user, meeting.match.programme)
    )


def can_log_meeting(user: User, meeting: Meeting) -> bool:
    return (
        meeting.status == Meeting.Status.SCHEDULED and meeting.start <= timezone.now() and is_side(user, meeting.match)
    )


def can_add_note(user: User, meeting: Meeting) -> bool:
    """Notes belong to the pair: preparation before, minutes after; not on dropped meetings."""
    return meeting.status in NOTE_STATUSES and is_side(user, meeting.match)


def can_view_private_note(user: User, note: MeetingNote) -> bool:
    return user.is_authenticated and note.author_id == user.pk


def can_add_action_item(user: User, match: Match) -> bool:
    return match.status == Match.Status.ACTIVE and is_side(user, match)


def can_complete_action_item(user: User, item: ActionItem) -> bool:
    if not user.is_authenticated or item.done_at is not None:
        return False
    return item.owner_id == user.pk or is_side(user, item.match)


def can_edit_action_item(user: User, item: ActionItem) -> bool:
    """Change an item's text, owner, due date or goal: either side, while the match is active."""
    return user.is_authenticated and item.match.status == Match.Status.ACTIVE and is_side(user, item.match)


def can_reopen_action_item(user: User, item: ActionItem) -> bool:
    """Un-tick an item marked done by mistake."""
    return item.done_at is not None and can_edit_action_item(user, item)
