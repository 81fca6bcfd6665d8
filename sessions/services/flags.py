"""The health of matches: flags raised by the periodic sweeps and handled by coordinators.

Rules (issue 5, docs/decisions.md):
- Cancellations, postponements (reschedules) and no-shows of an ACTIVE match are counted
  within the programme's window (`flag_window_days`); at the programme's threshold
  (`flag_cancellations`, `flag_postponements`; no-shows use the cancellation threshold,
  the programme has no setting of their own) a flag opens with the facts, attributed:
  who cancelled or postponed, or who did not come, how often, and which meetings.
- Inactivity: an ACTIVE match, started at least `inactivity_days` ago, with no meeting
  held or scheduled in the last `inactivity_days`.
- At most one open flag per (match, kind); new events update its facts.
- A resolved or dismissed flag stays closed: only events after its resolution count
  towards a new flag (`counts_from`), and an inactivity flag needs a whole new period
  of inactivity after the resolution.
- New flags tell the programme's coordinators (e-mail and in the app); resolving one
  tells the pair. The pair can always read the flags about their match (no secret
  marks); the coordinators' notes on a flag are their working notes and stay with them
  (and HR and site admins).

The sweeps (here) aggregate in the database (one grouped query per kind, one per distinct
inactivity period) and then read the facts of the flagged matches only, so their
number of queries does not grow with the number of meetings.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from matching.models import Flag, Match
from matching.services.flags import DIGEST_AFTER as DIGEST_AFTER  # the sweeps' digest threshold, read by tests
from matching.services.flags import announce_new_flags, create_open_flags
from programmes.models import Programme
from sessions.models import Meeting

CHUNK = 500


# --- Raising ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _EventKind:
    kind: str
    status: str
    time: str
    actor: str  # a user field, or "absent" for no-shows
    threshold: str


EVENT_KINDS = (
    _EventKind(Flag.Kind.CANCELLATIONS, "cancelled", "cancelled_at", "cancelled_by", "flag_cancellations"),
    _EventKind(Flag.Kind.POSTPONEMENTS, "rescheduled", "rescheduled_at", "rescheduled_by", "flag_postponements"),
    _EventKind(Flag.Kind.NO_SHOWS, "no_show", "start", "absent", "flag_cancellations"),
)


def _last_closed(kind: str, match_ref: str) -> Subquery:
    # MAX rather than ORDER BY ... LIMIT 1: PostgreSQL would walk a whole index backwards
    # for the latter, once per match.
    closed = (
        Flag.objects.filter(match=OuterRef(match_ref), kind=kind)
        .exclude(status=Flag.Status.OPEN)
        .values("match")
        .annotate(last=Max("resolved_at"))
        .values("last")
    )
    return Subquery(closed)


def _events(spec: _EventKind, now: datetime.datetime, windows: Iterable[int]) -> QuerySet[Meeting]:
    # Meetings live in the app after matching; the flag rules were placed here by the
    # contracts, so the read is imported late to keep matching loadable on its own.

    in_window = reduce(
        or_,
        [
            Q(match__programme__flag_window_days=days, **{f"{spec.time}__gte": now - datetime.timedelta(days=days)})
            for days in windows
        ],
    )
    return (
        Meeting.objects.filter(status=spec.status, match__status=Match.Status.ACTIVE, **{f"{spec.time}__lte": now})
        .filter(in_window)
        .annotate(floor=_last_closed(spec.kind, "match_id"))
        .filter(Q(floor__isnull=True) | Q(**{f"{spec.time}__gt": F("floor")}))
    )


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _name(first: str, last: str, email: str) -> str:
    return f"{first} {last}".strip() or email


def raise_meeting_flags(*, now: datetime.datetime | None = None) -> int:
    """Open or update the cancellation, postponement and no-show flags; returns how many
    flags were opened or updated."""
    now = now or timezone.now()
    windows = sorted(set(Programme.objects.values_list("flag_window_days", flat=True)))
    if not windows:
        return 0
    changed = 0
    for spec in EVENT_KINDS:
        changed += _raise_kind(spec, now, windows)
    return changed


def _raise_kind(spec: _EventKind, now: datetime.datetime, windows: list[int]) -> int:
    totals: dict[int, int] = defaultdict(int)
    thresholds: dict[int, int] = {}
    grouped = (
        _events(spec, now, windows)
        .values("match_id", spec.actor, f"match__programme__{spec.threshold}")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in grouped:
        totals[row["match_id"]] += row["n"]
        thresholds[row["match_id"]] = row[f"match__programme__{spec.threshold}"]
    open_flags = {
        flag.match_id: flag
        for flag in Flag.objects.open()
        .filter(kind=spec.kind, match__status=Match.Status.ACTIVE)
        .only("pk", "match_id", "details", "kind", "status")
    }
    over = {match_id for match_id, total in totals.items() if total >= thresholds[match_id]}
    wanted = sorted(over | (set(open_flags) & set(totals)))
    if not wanted:
        return 0

    facts: dict[int, dict[str, Any]] = {}
    for ids in _chunks(wanted):
        rows = (
            _events(spec, now, windows)
            .filter(match_id__in=ids)
            .order_by(spec.time, "pk")
            .values_list(
                "pk",
                "match_id",
                spec.time,
                "floor",
                "match__programme__flag_window_days",
                "absent" if spec.actor == "absent" else f"{spec.actor}_id",
                *(
                    ()
                    if spec.actor == "absent"
                    else (f"{spec.actor}__first_name", f"{spec.actor}__last_name", f"{spec.actor}__email")
                ),
                "match__mentor__user_id",
                "match__mentor__user__first_name",
                "match__mentor__user__last_name",
                "match__mentor__user__email",
                "match__mentee__user_id",
                "match__mentee__user__first_name",
                "match__mentee__user__last_name",
                "match__mentee__user__email",
            )
        )
        for row in rows:
            _add_event(facts, spec, row)

    new_flags: list[Flag] = []
    updated: list[Flag] = []
    for match_id in wanted:
        details = facts[match_id]
        floor = details.pop("_floor")
        details["threshold"] = thresholds[match_id]
        details["count"] = len(details["meetings"])
        flag = open_flags.get(match_id)
        if flag is not None:
            if set(details["meetings"]) - set(flag.details.get("meetings", [])):
                flag.details = details
                updated.append(flag)
        elif details["count"] >= thresholds[match_id]:
            new_flags.append(Flag(match_id=match_id, kind=spec.kind, details=details, counts_from=floor))
    if updated:
        for flag in updated:
            flag.updated_at = now
        Flag.objects.bulk_update(updated, ["details", "updated_at"], batch_size=CHUNK)
    created = _create_flags(new_flags)
    _announce(created)
    return len(updated) + len(created)


def _add_event(facts: dict[int, dict[str, Any]], spec: _EventKind, row: tuple) -> None:
    pk, match_id, when, floor, window_days, actor, *rest = row
    if spec.actor == "absent":
        people = rest
    else:
        actor_first, actor_last, actor_email, *people = rest
    mentor = (people[0], _name(*people[1:4]))
    mentee = (people[4], _name(*people[5:8]))
    details = facts.setdefault(
        match_id,
        {
            "window_days": window_days,
            "since": None,
            "first": None,
            "last": None,
            "by": {},
            "meetings": [],
            "_floor": floor,
        },
    )
    details["meetings"].append(pk)
    stamp = when.isoformat()
    details["first"] = details["first"] or stamp
    details["last"] = stamp
    details["since"] = (floor.isoformat() if floor else None) or details["first"]
    if spec.actor == "absent":
        people_concerned = {"mentor": [mentor], "mentee": [mentee], "both": [mentor, mentee]}.get(actor, [])
    else:
        people_concerned = [(actor, _name(actor_first, actor_last, actor_email))] if actor else []
    for user_id, name in people_concerned:
        entry = details["by"].setdefault(str(user_id), {"name": name, "count": 0})
        entry["count"] += 1


def _create_flags(flags: list[Flag]) -> list[Flag]:
    """Insert new open flags; one that a concurrent sweep opened first is skipped."""
    return create_open_flags(flags)


def _announce(flags: list[Flag]) -> None:
    """Tell each programme's coordinators (a digest past DIGEST_AFTER new flags)."""
    announce_new_flags(flags)


def raise_inactivity_flags(*, now: datetime.datetime | None = None) -> int:
    """Open an inactivity flag on each ACTIVE match with no meeting held or scheduled in
    its programme's inactivity period; returns how many were opened."""

    now = now or timezone.now()
    periods: dict[int, list[int]] = defaultdict(list)
    for programme_id, days, cadence in Programme.objects.values_list(
        "pk", "flag_inactivity_days", "meeting_cadence_days"
    ):
        periods[days or 2 * cadence].append(programme_id)

    new_flags = []
    for days, programme_ids in sorted(periods.items()):
        cutoff = now - datetime.timedelta(days=days)
        recent = Meeting.objects.filter(
            match=OuterRef("pk"),
            status__in=[Meeting.Status.COMPLETED, Meeting.Status.SCHEDULED],
            start__gte=cutoff,
        )
        handled_lately = Flag.objects.filter(match=OuterRef("pk"), kind=Flag.Kind.INACTIVITY, resolved_at__gt=cutoff)
        already_open = Flag.objects.filter(match=OuterRef("pk"), kind=Flag.Kind.INACTIVITY, status=Flag.Status.OPEN)
        last_held = (
            Meeting.objects.filter(match=OuterRef("pk"), status=Meeting.Status.COMPLETED)
            .values("match")
            .annotate(last=Max("start"))
            .values("last")
        )
        for ids in _chunks(programme_ids):
            rows = (
                Match.objects.filter(status=Match.Status.ACTIVE, programme_id__in=ids, started_at__lte=cutoff)
                .filter(~Exists(recent), ~Exists(handled_lately), ~Exists(already_open))
                .annotate(last_held=Subquery(last_held), floor=_last_closed(Flag.Kind.INACTIVITY, "pk"))
                .order_by()
                .values_list("pk", "started_at", "last_held", "floor")
            )
            for match_id, started_at, last, floor in rows:
                details = {
                    "days": days,
                    "last_meeting": last.isoformat() if last else None,
                    "since": (last or started_at).isoformat(),
                }
                new_flags.append(Flag(match_id=match_id, kind=Flag.Kind.INACTIVITY, details=details, counts_from=floor))
    created = _create_flags(new_flags)
    _announce(created)
    return len(created)
