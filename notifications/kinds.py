"""The catalogue of notification kinds: what a person can be told about.

Every call to `notifications.services.notify(kind=...)` names one of these keys; an
unknown key is a programming error and raises `ValueError` before anything is stored.

Adding a kind (one per event other apps announce):

1. Add a `Kind(...)` line to `KINDS` below: a stable `key` (it is stored on each
   Notification and on each person's preference, so never rename one), a label and a
   one-sentence description for the settings page, the defaults for people who never
   changed their settings, and a category that groups it on that page.
2. Write `templates/notifications/<key>/subject.txt` (one line) and
   `templates/notifications/<key>/message.txt` (plain text, inside
   `{% autoescape off %}`). Both get the caller's context plus `recipient` (the User)
   and `site_url`, and render in the recipient's language and time zone.
3. Document the kind's context in docs/contracts.md, so callers pass what the templates use.

No migration is needed: `Notification.kind` and `NotificationPreference.kind` are plain
strings validated against this catalogue, not database choices.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Category:
    PARTICIPATION = _("Your programmes")
    COORDINATION = _("Programmes you coordinate")


@dataclass(frozen=True)
class Kind:
    key: str
    label: str | Promise
    description: str | Promise
    email: bool
    in_app: bool
    category: str | Promise


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in [
        Kind(
            key="enrolment_approved",
            label=_("Application approved"),
            description=_("A coordinator approved your application to a programme."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="enrolment_declined",
            label=_("Application declined"),
            description=_("A coordinator declined your application to a programme."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="enrolment_removed",
            label=_("Removed from a programme"),
            description=_("A coordinator removed you from a programme you took part in."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="application_received",
            label=_("New application"),
            description=_("Someone applied to join a programme you coordinate."),
            email=True,
            in_app=True,
            category=Category.COORDINATION,
        ),
        Kind(
            key="import_finished",
            label=_("Import finished"),
            description=_("A CSV import of participants you started has finished or failed."),
            email=True,
            in_app=True,
            category=Category.COORDINATION,
        ),
        Kind(
            key="match_proposed",
            label=_("Match proposed"),
            description=_("The coordinators propose a mentoring match for you."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="match_accepted",
            label=_("Match accepted"),
            description=_("The other side of your match, or a pair in a programme you coordinate, accepted the match."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="match_declined",
            label=_("Match declined"),
            description=_("A proposed match was declined; the mentee is back in the pool."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="match_active",
            label=_("Mentoring started"),
            description=_("Both sides accepted your match and the mentoring agreement: the mentoring is active."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="match_ended",
            label=_("Match ended"),
            description=_("A match you are part of, or coordinate, was ended."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="mentor_requested",
            label=_("A mentee asks you to mentor them"),
            description=_("A mentee asked you to be their mentor; answer before the request expires."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="request_accepted",
            label=_("Request accepted"),
            description=_("The mentor you asked accepted your request."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="request_declined",
            label=_("Request declined"),
            description=_("The mentor you asked declined your request."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="meeting_reminder",
            label=_("Meeting reminder"),
            description=_("A reminder before each of your meetings, at the times your programme sets."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="meeting_log_prompt",
            label=_("Log your meeting"),
            description=_("A meeting of yours has passed and is not logged yet."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="flag_raised",
            label=_("Match needs attention"),
            description=_("A match you coordinate was flagged: cancellations, postponements, no-shows, no meetings."),
            email=True,
            in_app=True,
            category=Category.COORDINATION,
        ),
        Kind(
            key="flag_resolved",
            label=_("Flag about your match resolved"),
            description=_("A coordinator resolved a flag about your match."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="request_expired",
            label=_("Request expired"),
            description=_("The mentor you asked did not answer in time; you can ask someone else."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="meeting_scheduled",
            label=_("Meeting scheduled"),
            description=_("Someone scheduled a meeting with you; the e-mail carries the calendar invitation."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="meeting_rescheduled",
            label=_("Meeting moved"),
            description=_("A meeting of yours was moved to another time; the e-mail updates your calendar."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="meeting_cancelled",
            label=_("Meeting cancelled"),
            description=_("A meeting of yours was cancelled; the e-mail removes it from your calendar."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="goal_achieved",
            label=_("Goal achieved"),
            description=_("A goal of your mentoring was marked achieved."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="milestone_done",
            label=_("Milestone done"),
            description=_("A milestone of one of your mentoring goals was ticked off."),
            email=False,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="goal_feedback",
            label=_("Feedback on your goal"),
            description=_("Your mentor gave feedback on one of your goals or progress updates."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
        Kind(
            key="action_item_overdue",
            label=_("Overdue action item"),
            description=_("An action item you own is past its due date."),
            email=True,
            in_app=True,
            category=Category.PARTICIPATION,
        ),
    ]
}


def get_kind(key: str) -> Kind:
    try:
        return KINDS[key]
    except KeyError:
        raise ValueError(f"Unknown notification kind {key!r}; add it to notifications/kinds.py.") from None


def kinds_by_category() -> list[tuple[str | Promise, list[Kind]]]:
    """Kinds grouped for the settings page, categories in order of first appearance."""
    groups: dict[str, tuple[str | Promise, list[Kind]]] = {}
    for kind in KINDS.values():
        groups.setdefault(str(kind.category), (kind.category, []))[1].append(kind)
    return list(groups.values())
