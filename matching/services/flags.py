"""The health of matches: who may handle flags, their facts, and the coordinators'
handling (notes, resolve, dismiss). The sweeps that raise flags read meetings, so they
live in `sessions.services.flags` (sessions builds on matching, not the reverse).

The pair can always read the flags about their match (no secret marks); the
coordinators' notes on a flag are their working notes and stay with them (and HR and
site admins). Resolving a flag tells the pair.
"""

import datetime
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import record
from matching.models import Flag, FlagNote, Match
from notifications.services import notify
from profiles.models import User
from programmes.models import Programme
from programmes.permissions import is_coordinator

TEXT_LIMIT = 4000


# --- Who may ---------------------------------------------------------------------------------


def can_handle_flag(user: User, flag: Flag) -> bool:
    """Add notes, resolve, dismiss: the programme's coordinators and site admins."""
    return user.is_authenticated and (user.is_superuser or is_coordinator(user, flag.match.programme))


def can_handle_flag_in(user: User, programme: Programme) -> bool:
    return user.is_authenticated and (user.is_superuser or is_coordinator(user, programme))


def can_read_flag_notes(user: User, flag: Flag) -> bool:
    return user.is_authenticated and (user.is_hr_admin or can_handle_flag(user, flag))


def can_view_programme_flags(user: User, programme: Programme) -> bool:
    """The programme's flag queue: coordinators and site admins, HR admins read-only."""
    return user.is_authenticated and (user.is_superuser or user.is_hr_admin or is_coordinator(user, programme))


# --- Reading ---------------------------------------------------------------------------------


def _when(value: object) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:
        return None


def _day(value: object) -> datetime.date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _overdue_entries(entries: object) -> list[dict[str, Any]]:
    """Overdue goals or milestones as stored by the sweep, with their dates parsed."""
    if not isinstance(entries, list):
        return []
    return [
        {
            "id": entry.get("id"),
            "goal_id": entry.get("goal_id", entry.get("id")),
            "title": str(entry.get("title", "")),
            "goal_title": str(entry.get("goal_title", "")),
            "due": _day(entry.get("due")),
            "days_overdue": entry.get("days_overdue"),
        }
        for entry in entries
        if isinstance(entry, dict) and isinstance(entry.get("id"), int)
    ]


def flag_facts(flag: Flag) -> dict[str, Any]:
    """The flag's stored facts, ready for a page or a message: dates as aware datetimes
    (shown in the reader's time zone), the people sorted by how often."""
    details = flag.details if isinstance(flag.details, dict) else {}
    by = details.get("by") if isinstance(details.get("by"), dict) else {}
    people = sorted(
        ({"name": str(entry.get("name", "")), "count": int(entry.get("count", 0))} for entry in by.values()),
        key=lambda person: (-person["count"], person["name"]),
    )
    return {
        "count": details.get("count"),
        "threshold": details.get("threshold"),
        "window_days": details.get("window_days"),
        "days": details.get("days"),
        "by": people,
        "meetings": [pk for pk in details.get("meetings", []) if isinstance(pk, int)],
        "first": _when(details.get("first")),
        "last": _when(details.get("last")),
        "since": _when(details.get("since")),
        "last_meeting": _when(details.get("last_meeting")),
        # Overdue goals flags (goals.services.flags): what is late, by how much, as of when.
        "grace_days": details.get("grace_days"),
        "overdue_goals": _overdue_entries(details.get("goals")),
        "overdue_milestones": _overdue_entries(details.get("milestones")),
        "as_of": _day(details.get("as_of")),
        # Both timestamps are set on insert a moment apart; only a later sweep's change counts.
        "updated": flag.updated_at
        if flag.updated_at and flag.raised_at and flag.updated_at - flag.raised_at > datetime.timedelta(minutes=1)
        else None,
    }


def flags_about(match: Match) -> list[Flag]:
    """Every flag about a match, open ones first, each with its facts (one query)."""
    flags = sorted(match.flags.select_related("resolved_by"), key=lambda flag: (flag.status != Flag.Status.OPEN,))
    for flag in flags:
        flag.facts = flag_facts(flag)
    return flags


# --- Handling --------------------------------------------------------------------------------


def _clean_text(text: object, field: str, message: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValidationError({field: message})
    text = text.strip()
    if len(text) > TEXT_LIMIT:
        raise ValidationError({field: _("Keep it under %(limit)d characters.") % {"limit": TEXT_LIMIT}})
    return text


def add_flag_note(*, flag: Flag, by: User, text: str) -> FlagNote:
    if not can_handle_flag(by, flag):
        raise ValidationError(_("Only the programme's coordinators add notes to its flags."))
    text = _clean_text(text, "text", _("Write the note."))
    return FlagNote.objects.create(flag=flag, author=by, text=text)


def _close(*, flag: Flag, by: User, status: str, text: str) -> Flag:
    with transaction.atomic():
        # Locked and re-read, so two coordinators closing at once do not both succeed.
        locked = Flag.objects.select_for_update().get(pk=flag.pk)
        if locked.status != Flag.Status.OPEN:
            raise ValidationError(
                _("This flag is already %(status)s.") % {"status": locked.get_status_display().lower()}
            )
        locked.status = status
        locked.resolved_at = timezone.now()
        locked.resolved_by = by
        locked.resolution = text
        locked.save(update_fields=["status", "resolved_at", "resolved_by", "resolution", "updated_at"])
        record(
            actor=by,
            action=AuditEvent.Action.FLAG_RESOLVED,
            programme_id=flag.match.programme_id,
            target=locked,
            details={"status": status, "kind": locked.kind},
        )
    flag.status, flag.resolved_at, flag.resolved_by, flag.resolution = status, locked.resolved_at, by, text
    flag.updated_at = locked.updated_at
    return flag


def resolve_flag(*, flag: Flag, by: User, resolution: str) -> Flag:
    """Close the flag with how it was resolved and tell the pair."""
    if not can_handle_flag(by, flag):
        raise ValidationError(_("Only the programme's coordinators resolve its flags."))
    resolution = _clean_text(resolution, "resolution", _("Say how it was resolved."))
    flag = _close(flag=flag, by=by, status=Flag.Status.RESOLVED, text=resolution)
    match = flag.match
    notify(
        recipients=[match.mentor.user, match.mentee.user],
        kind="flag_resolved",
        context={"flag": flag, "match": match},
        url=reverse("match-detail", kwargs={"pk": match.pk}),
        actor=by,
    )
    return flag


def dismiss_flag(*, flag: Flag, by: User, reason: str) -> Flag:
    """Close the flag as not a problem (e.g. a planned break); the reason is kept."""
    if not can_handle_flag(by, flag):
        raise ValidationError(_("Only the programme's coordinators dismiss its flags."))
    reason = _clean_text(reason, "reason", _("Say why the flag is dismissed."))
    return _close(flag=flag, by=by, status=Flag.Status.DISMISSED, text=reason)


# --- Raising (shared by the sweeps in sessions and goals) ------------------------------------

# More new flags than this in one programme in one sweep: one digest message instead.
DIGEST_AFTER = 5
CREATE_BATCH = 500


def create_open_flags(flags: list[Flag]) -> list[Flag]:
    """Insert new open flags; one that a concurrent sweep opened first (the unique open
    flag per match and kind) is skipped. Returns the flags inserted."""
    if not flags:
        return []
    try:
        with transaction.atomic():
            return Flag.objects.bulk_create(flags, batch_size=CREATE_BATCH)
    except IntegrityError:
        created = []
        for flag in flags:
            try:
                with transaction.atomic():
                    flag.save()
            except IntegrityError:
                continue
            created.append(flag)
        return created


def announce_new_flags(flags: list[Flag]) -> None:
    """Tell each programme's coordinators about its new flags, in one read of who they are.

    A sweep that opens many flags in one programme at once (a first run, a beat that was
    down) sends one digest linking to the flag queue instead of a message per flag.
    """
    if not flags:
        return
    flags = list(
        Flag.objects.filter(pk__in=[flag.pk for flag in flags])
        .select_related("match__programme", "match__mentor__user", "match__mentee__user")
        .order_by("pk")
    )
    coordinators: dict[int, list[User]] = defaultdict(list)
    links = Programme.coordinators.through.objects.filter(
        programme_id__in={flag.match.programme_id for flag in flags}
    ).select_related("user")
    for link in links:
        coordinators[link.programme_id].append(link.user)
    by_programme: dict[int, list[Flag]] = defaultdict(list)
    for flag in flags:
        by_programme[flag.match.programme_id].append(flag)
    for programme_id, new_flags in by_programme.items():
        if not coordinators[programme_id]:
            continue
        if len(new_flags) > DIGEST_AFTER:
            programme = new_flags[0].match.programme
            notify(
                recipients=coordinators[programme_id],
                kind="flag_raised",
                context={"flags": new_flags, "programme": programme, "count": len(new_flags)},
                url=reverse("flag-list", kwargs={"slug": programme.slug}),
            )
            continue
        for flag in new_flags:
            notify(
                recipients=coordinators[programme_id],
                kind="flag_raised",
                context={"flag": flag, "match": flag.match, "facts": flag_facts(flag)},
                url=reverse("flag-detail", kwargs={"pk": flag.pk}),
            )
