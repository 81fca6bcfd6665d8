"""Dashboard figures, chart series, the coordinator's work queue and the HR overview.

Every figure comes from aggregate queries (conditional `Count(filter=Q(...))`, `Avg`,
`Min`, `Trunc` group-bys) grouped by programme, so one programme and five hundred cost
the same number of queries, whatever the number of participants, meetings or goals. A
programme's own dashboard groups its meetings, matches and goals by day instead, in one
pass each, which gives its figures and its charts at once (see "One programme, day by day").
Nothing here reads note text, free-text reasons or goal titles: figures are counts and
rates, which is what HR admins may see.

Definitions (docs/decisions.md, "Dashboards"):
- The period is `date_from` to `date_to`, both inclusive, as dates in the current time zone;
  either end may be open. Event figures count the events in it: meetings by their start,
  matches started or ended, goals by their creation, flags by when they were raised.
  Snapshot figures are as of now: participants, match rate, matches by status, open
  flags, overdue goals, the work queue.
- A cohort is the month people enrolled ("2026-03"): enrolments are filtered by their
  creation month, and a pair (its meetings, goals and flags) belongs to its mentee's
  cohort.
- Meetings: every row that starts in the period is a planned meeting; a postponement is
  a row marked RESCHEDULED (its replacement is a row of its own). Cancellation,
  postponement and no-show rates are shares of the planned meetings.
- Match rate: approved mentees with a published match (proposed, accepted, active or
  ended) among the approved mentees.
- Meetings per pair per month: meetings held in the period divided by pair-months, the
  pairs active at some time in each month of the period, weighted by the share of the
  month inside the period (up to today).
"""

import calendar
import datetime
import functools
import heapq
import itertools
import re
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, Trunc
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from goals.models import Goal, Milestone
from matching.models import Flag, Match, MentorRequest
from programmes.models import Enrolment, Programme
from reports.models import DashboardSettings
from sessions.models import Meeting

# A pair with a published match that holds a place or did: "matched" for the match rate.
COUNTED_MATCH_STATUSES = (Match.Status.PROPOSED, Match.Status.ACCEPTED, Match.Status.ACTIVE, Match.Status.ENDED)
# A meeting still SCHEDULED this long after its start was not logged (meetings last 8 hours at most).
UNLOGGED_AFTER = datetime.timedelta(days=2)
# A mentor request waiting longer than this needs a nudge.
STALE_REQUEST_DAYS = 3
# Rows of each part of the work queue on the page; the totals are always given.
QUEUE_LIMIT = 50
# Charts show weeks up to this span, months beyond it, and never more than ten years.
WEEKLY_UP_TO_DAYS = 40 * 7
MAX_CHART_DAYS = 3660
DEFAULT_CHART_WEEKS = 12
DEFAULT_TREND_MONTHS = 12
COHORT_FORMAT = re.compile(r"^(\d{4})-(\d{2})$")


# --- The period and the cohort ----------------------------------------------------------------


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _local_date(moment: datetime.datetime | datetime.date | None) -> datetime.date | None:
    """The day of a moment in the current time zone (a day is kept as it is)."""
    return timezone.localdate(moment) if isinstance(moment, datetime.datetime) else moment


def _next_month(day: datetime.date) -> datetime.date:
    return datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def parse_cohort(value: str) -> datetime.date:
    """The first day of the cohort month written "YYYY-MM"; ValueError when it is not one."""
    found = COHORT_FORMAT.match(value or "")
    if not found:
        raise ValueError(f"not a cohort month: {value!r}")
    return datetime.date(int(found.group(1)), int(found.group(2)), 1)


def cohort_label(value: str) -> str:
    return formats.date_format(parse_cohort(value), "F Y")


@dataclass(frozen=True)
class Period:
    """What the figures cover: dates (inclusive, either may be open) and a cohort month."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    cohort: str | None = None

    def within(self, field: str) -> Q:
        condition = Q()
        if self.date_from:
            condition &= Q(**{f"{field}__gte": _midnight(self.date_from)})
        if self.date_to:
            condition &= Q(**{f"{field}__lt": _midnight(self.date_to + datetime.timedelta(days=1))})
        return condition

    def cohort_of(self, enrolment: str = "") -> Q:
        """Rows of the cohort; `enrolment` is the path to the enrolment that decides it."""
        if not self.cohort:
            return Q()
        first = parse_cohort(self.cohort)
        field = f"{enrolment}__created_at" if enrolment else "created_at"
        return Q(**{f"{field}__gte": _midnight(first), f"{field}__lt": _midnight(_next_month(first))})


def cohort_choices(programme: Programme) -> list[tuple[str, str]]:
    """The months in which people enrolled in the programme, oldest first (one query)."""
    months = (
        Enrolment.objects.filter(programme=programme)
        .annotate(month=LocalDate("created_at", "month"))
        .order_by("month")
        .values_list("month", flat=True)
        .distinct()
    )
    return [(f"{month:%Y-%m}", formats.date_format(month, "F Y")) for month in months]


# --- Aggregation helpers ------------------------------------------------------------------------


def _count(condition: Q | None = None) -> Count:
    return Count("pk", filter=condition) if condition else Count("pk")


def _grouped(queryset: QuerySet, key: str, aggregates: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """One row of `aggregates` per value of `key` (a programme), in one query."""
    rows = queryset.order_by().values(key).annotate(**aggregates)
    return {row.pop(key): row for row in rows}


def _defaults(aggregates: dict[str, Any]) -> dict[str, Any]:
    return {name: 0 if isinstance(aggregate, Count) else None for name, aggregate in aggregates.items()}


def _rate(part: float, whole: float, digits: int = 1) -> float | None:
    return round(100 * part / whole, digits) if whole else None


# --- Dates in the current time zone, computed by the database ---------------------------------------

# The years around today whose dates SQLite computes natively (see `LocalDate`).
NATIVE_YEARS_BACK = 12
NATIVE_YEARS_AHEAD = 6


@functools.lru_cache(maxsize=32)
def _offset_spans(zone_name: str, first_year: int, last_year: int) -> tuple[tuple[datetime.datetime, int], ...]:
    """The zone's UTC offsets in seconds from 1 January of `first_year` to 1 January of
    `last_year` (UTC) as (since, offset), the latest first; empty for an unknown zone. A
    walk day by day that bisects each day in which the offset changes, to the second."""
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return ()

    def offset(moment: datetime.datetime) -> int:
        return int(moment.astimezone(zone).utcoffset().total_seconds())

    day = datetime.datetime(first_year, 1, 1, tzinfo=datetime.UTC)
    end = datetime.datetime(last_year, 1, 1, tzinfo=datetime.UTC)
    spans = [(day, offset(day))]
    while day < end:
        following = min(day + datetime.timedelta(days=1), end)
        if offset(following) != spans[-1][1]:
            before, after = day, following
            while (after - before).total_seconds() > 1:
                middle = before + datetime.timedelta(seconds=(after - before).total_seconds() // 2)
                before, after = (middle, after) if offset(middle) == spans[-1][1] else (before, middle)
            spans.append((after, offset(after)))
        day = following
    return tuple(reversed(spans))


class LocalDate(Trunc):
    """The day (`kind` "day") or the month's first day ("month") of a datetime column in the
    current time zone: `Trunc(column, kind, output_field=DateField())`, native on SQLite too.

    There, Django's SQL calls back into Python for every row (`django_date_trunc`), which
    made a dashboard over 100 000 meetings take seconds. A zone's UTC offset is constant
    between its transitions, so SQLite gets `date(column, '+N seconds')` with the N in force
    at the row's moment, chosen by a CASE over the transitions of the years around today,
    the latest first (where most rows are). Moments outside those years keep Django's SQL,
    so every row gets the same date either way."""

    def __init__(self, expression: Any, kind: str = "day") -> None:
        super().__init__(expression, kind, output_field=DateField())

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list[Any]]:
        fallback, fallback_params = self.as_sql(compiler, connection)
        this_year = timezone.now().year
        spans = _offset_spans(self.get_tzname(), this_year - NATIVE_YEARS_BACK, this_year + NATIVE_YEARS_AHEAD)
        # Stored values are UTC without a zone (USE_TZ, no database TIME_ZONE), or not ours to read.
        if not spans or self.kind not in ("day", "month") or connection.timezone_name != "UTC":
            return fallback, list(fallback_params)
        column, column_params = compiler.compile(self.lhs)
        stored = connection.ops.adapt_datetimefield_value
        end = datetime.datetime(this_year + NATIVE_YEARS_AHEAD, 1, 1, tzinfo=datetime.UTC)
        month = ", 'start of month'" if self.kind == "month" else ""
        sql = f"CASE WHEN {column} >= %s THEN {fallback}"
        params = [*column_params, stored(end), *fallback_params]
        for since, offset in spans:
            # Whole seconds: SQLite rounds fractions to the millisecond, which could carry
            # a moment just before midnight into the next day.
            sql += f" WHEN {column} >= %s THEN date(substr({column}, 1, 19), %s{month})"
            params += [*column_params, stored(since), *column_params, f"{offset:+d} seconds"]
        return f"{sql} ELSE {fallback} END", [*params, *fallback_params]


# --- Figures, grouped by programme -----------------------------------------------------------------


def _targets(ids: list[int]) -> dict[int, DashboardSettings]:
    return {row.programme_id: row for row in DashboardSettings.objects.filter(programme_id__in=ids)}


def _participants(ids: list[int], period: Period) -> tuple[dict[int, dict], dict[str, Any]]:
    aggregates: dict[str, Any] = {
        f"{role}_{status}": _count(Q(role=role, status=status))
        for role in Enrolment.Role.values
        for status in Enrolment.Status.values
    }
    # IN the matched mentees, which the database lists once and hashes, rather than an
    # EXISTS that probes the matches' index once for every enrolment.
    matched = Match.objects.filter(status__in=COUNTED_MATCH_STATUSES).values("mentee")
    aggregates["mentees_matched"] = _count(
        Q(pk__in=matched, role=Enrolment.Role.MENTEE, status=Enrolment.Status.APPROVED)
    )
    enrolments = Enrolment.objects.filter(programme_id__in=ids).filter(period.cohort_of())
    return _grouped(enrolments, "programme", aggregates), aggregates


def _matches(ids: list[int], period: Period) -> tuple[dict[int, dict], dict[str, Any]]:
    statuses = (Match.Status.PROPOSED, Match.Status.ACCEPTED, Match.Status.ACTIVE, Match.Status.ENDED)
    aggregates: dict[str, Any] = {status: _count(Q(status=status)) for status in (*statuses, Match.Status.DECLINED)}
    aggregates["started_in_period"] = _count(Q(started_at__isnull=False) & period.within("started_at"))
    aggregates["ended_in_period"] = _count(Q(ended_at__isnull=False) & period.within("ended_at"))
    aggregates["first"] = Min("published_at")
    matches = Match.objects.filter(programme_id__in=ids).filter(period.cohort_of("mentee"))
    return _grouped(matches, "programme", aggregates), aggregates


def _meeting_counts(now: datetime.datetime) -> dict[str, Count]:
    """Meetings by outcome: every row is a planned meeting."""
    status = Meeting.Status
    return {
        "planned": _count(),
        "held": _count(Q(status=status.COMPLETED)),
        "scheduled": _count(Q(status=status.SCHEDULED)),
        "unlogged": _count(Q(status=status.SCHEDULED, start__lt=now - UNLOGGED_AFTER)),
        "cancelled": _count(Q(status=status.CANCELLED)),
        "rescheduled": _count(Q(status=status.RESCHEDULED)),
        "no_show": _count(Q(status=status.NO_SHOW)),
        "absent_mentor": _count(Q(status=status.NO_SHOW, absent=Meeting.Absent.MENTOR)),
        "absent_mentee": _count(Q(status=status.NO_SHOW, absent=Meeting.Absent.MENTEE)),
        "absent_both": _count(Q(status=status.NO_SHOW, absent=Meeting.Absent.BOTH)),
    }


MEETING_SIDE_STATUSES = (Meeting.Status.CANCELLED, Meeting.Status.RESCHEDULED)


def _meeting_sides() -> dict[str, Count]:
    """Who cancelled or postponed, counted over those meetings only (through the meetings'
    status index), so that the join to both sides' enrolments is not paid for every meeting."""
    status = Meeting.Status
    mentor, mentee = F("match__mentor__user"), F("match__mentee__user")
    return {
        "cancelled_by_mentor": _count(Q(status=status.CANCELLED, cancelled_by=mentor)),
        "cancelled_by_mentee": _count(Q(status=status.CANCELLED, cancelled_by=mentee)),
        "rescheduled_by_mentor": _count(Q(status=status.RESCHEDULED, rescheduled_by=mentor)),
        "rescheduled_by_mentee": _count(Q(status=status.RESCHEDULED, rescheduled_by=mentee)),
    }


def _meetings(ids: list[int], period: Period, now: datetime.datetime) -> tuple[dict[int, dict], dict[str, Any]]:
    """Meetings by outcome in one pass over the programmes' meetings, who cancelled or
    postponed in a second pass over those rows only."""
    aggregates: dict[str, Any] = {**_meeting_counts(now), "first": Min("start")}
    sides = _meeting_sides()
    meetings = Meeting.objects.filter(match__programme_id__in=ids).filter(
        period.within("start"), period.cohort_of("match__mentee")
    )
    rows = _grouped(meetings, "match__programme", aggregates)
    by_side = _grouped(meetings.filter(status__in=MEETING_SIDE_STATUSES), "match__programme", sides)
    for programme_id, row in rows.items():
        row.update(by_side.get(programme_id) or _defaults(sides))
    return rows, {**aggregates, **sides}


def _goals(ids: list[int], period: Period, today: datetime.date) -> tuple[dict[int, dict], dict[str, Any]]:
    aggregates: dict[str, Any] = {
        "created": _count(),
        **{status: _count(Q(status=status)) for status in Goal.Status.values},
        "average_progress": Avg("progress", filter=~Q(status=Goal.Status.DROPPED)),
        "first": Min("created_at"),
        "overdue": _count(_overdue(today)),
    }
    goals = Goal.objects.filter(match__programme_id__in=ids).filter(
        period.within("created_at"), period.cohort_of("match__mentee")
    )
    return _grouped(goals, "match__programme", aggregates), aggregates


def _overdue(today: datetime.date) -> Q:
    """Open goals past their target date or with an undone milestone past its due date.
    The goals of such milestones are listed once (the database hashes the list): a join
    would repeat a goal per milestone, and a correlated EXISTS per goal lets SQLite scan
    every open milestone for every goal."""
    late = Milestone.objects.filter(done_at__isnull=True, due_on__lt=today).values("goal")
    return Q(status__in=Goal.OPEN_STATUSES) & (Q(target_date__lt=today) | Q(pk__in=late))


def _flags(ids: list[int], period: Period) -> tuple[dict[int, dict], dict[str, Any]]:
    aggregates: dict[str, Any] = {kind: _count(Q(status=Flag.Status.OPEN, kind=kind)) for kind in Flag.Kind.values}
    aggregates["open"] = _count(Q(status=Flag.Status.OPEN))
    aggregates["raised_in_period"] = _count(period.within("raised_at"))
    flags = Flag.objects.filter(match__programme_id__in=ids).filter(period.cohort_of("match__mentee"))
    return _grouped(flags, "match__programme", aggregates), aggregates


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months


def _pair_months(ids: list[int], period: Period, today: datetime.date) -> dict[int, float]:
    """Per programme, the pairs active in each month of the period, weighted by the share
    of the month inside it: two grouped queries, then arithmetic over months."""
    started_matches = Match.objects.filter(programme_id__in=ids, started_at__isnull=False).filter(
        period.cohort_of("mentee")
    )
    starts: dict[int, dict[datetime.date, int]] = defaultdict(dict)
    for row in (
        started_matches.order_by()
        .values("programme", month=LocalDate("started_at", "month"))
        .annotate(total=Count("pk"))
    ):
        starts[row["programme"]][row["month"]] = row["total"]
    ends: dict[int, dict[datetime.date, int]] = defaultdict(dict)
    ended = started_matches.filter(ended_at__isnull=False).order_by()
    for row in ended.values("programme", month=LocalDate("ended_at", "month")).annotate(total=Count("pk")):
        ends[row["programme"]][row["month"]] = row["total"]
    return {
        programme_id: _pair_months_of(starts.get(programme_id, {}), ends.get(programme_id, {}), period, today)
        for programme_id in ids
    }


def _pair_months_of(
    started: dict[datetime.date, int], ended: dict[datetime.date, int], period: Period, today: datetime.date
) -> float:
    """The pair-months of one programme from its pairs started and ended (of those started)
    per month (keyed by the month's first day)."""
    if not started:
        return 0.0
    last = min(period.date_to, today) if period.date_to else today
    first = period.date_from or min(started)
    months = _months(first, last) if first <= last else []
    # Running totals: pairs started by the end of each month, ended before it began.
    started_by = sum(n for when, n in started.items() if months and when < months[0])
    ended_before = sum(n for when, n in ended.items() if months and when < months[0])
    total = 0.0
    for month_start in months:
        started_by += started.get(month_start, 0)
        days = calendar.monthrange(month_start.year, month_start.month)[1]
        inside_from = max(first, month_start)
        inside_to = min(last, month_start.replace(day=days))
        total += max(started_by - ended_before, 0) * ((inside_to - inside_from).days + 1) / days
        ended_before += ended.get(month_start, 0)
    return total


def _brief(programme: Programme) -> dict[str, Any]:
    return {
        "id": programme.pk,
        "slug": programme.slug,
        "name": programme.name,
        "status": programme.status,
        "status_label": str(programme.get_status_display()),
        "archived": programme.archived_at is not None,
    }


def _figures_for(programmes: list[Programme], period: Period, now: datetime.datetime) -> dict[int, dict[str, Any]]:
    """Every programme's figures from a fixed number of grouped queries."""
    ids = [programme.pk for programme in programmes]
    if not ids:
        return {}
    today = timezone.localdate(now)
    targets = _targets(ids)
    parts = {
        "participants": _participants(ids, period),
        "matches": _matches(ids, period),
        "meetings": _meetings(ids, period, now),
        "goals": _goals(ids, period, today),
        "flags": _flags(ids, period),
    }
    pair_months = _pair_months(ids, period, today)
    result = {}
    for programme in programmes:
        raw = {name: rows.get(programme.pk) or _defaults(aggregates) for name, (rows, aggregates) in parts.items()}
        settings = targets.get(programme.pk) or DashboardSettings(programme=programme)
        result[programme.pk] = _assemble(programme, period, settings, raw, pair_months[programme.pk])
    return result


def _assemble(
    programme: Programme, period: Period, settings: DashboardSettings, raw: dict[str, dict], pair_months: float
) -> dict[str, Any]:
    people, matches, meetings, goals, flags = (
        raw["participants"], raw["matches"], raw["meetings"], raw["goals"], raw["flags"],
    )  # fmt: skip
    participants: dict[str, Any] = {}
    for role in Enrolment.Role.values:
        counts = {status: people[f"{role}_{status}"] for status in Enrolment.Status.values}
        participants[role] = {**counts, "total": sum(counts.values())}
    participants["total"] = sum(participants[role]["total"] for role in Enrolment.Role.values)

    approved = people[f"{Enrolment.Role.MENTEE}_{Enrolment.Status.APPROVED}"]
    match_rate = _rate(people["mentees_matched"], approved)
    planned = meetings["planned"]
    firsts = [_local_date(moment) for moment in (matches["first"], meetings["first"], goals["first"])]
    firsts = [day for day in firsts if day]
    counted_goals = goals["created"] - goals[Goal.Status.DROPPED]
    return {
        "programme": _brief(programme),
        "period": {
            "date_from": period.date_from,
            "date_to": period.date_to,
            "cohort": period.cohort,
            "first_activity": min(firsts) if firsts else None,
        },
        "targets": {
            "match_rate_target": settings.match_rate_target,
            "no_meeting_days": settings.no_meeting_days or programme.inactivity_days,
        },
        "participants": participants,
        "matching": {
            "mentees_approved": approved,
            "mentees_matched": people["mentees_matched"],
            "mentees_unmatched": max(approved - people["mentees_matched"], 0),
            "match_rate": match_rate,
            "match_rate_target": settings.match_rate_target,
            "meets_target": None if match_rate is None else match_rate >= settings.match_rate_target,
        },
        "matches": {
            "proposed": matches[Match.Status.PROPOSED],
            "accepted": matches[Match.Status.ACCEPTED],
            "active": matches[Match.Status.ACTIVE],
            "ended": matches[Match.Status.ENDED],
            "declined": matches[Match.Status.DECLINED],
            "started_in_period": matches["started_in_period"],
            "ended_in_period": matches["ended_in_period"],
        },
        "meetings": {
            "planned": planned,
            "held": meetings["held"],
            "scheduled": meetings["scheduled"],
            "unlogged": meetings["unlogged"],
            "cancelled": meetings["cancelled"],
            "rescheduled": meetings["rescheduled"],
            "no_show": meetings["no_show"],
            "cancellation_rate": _rate(meetings["cancelled"], planned),
            "postponement_rate": _rate(meetings["rescheduled"], planned),
            "no_show_rate": _rate(meetings["no_show"], planned),
            "cancelled_by": _sides(meetings, "cancelled", "cancelled_by"),
            "rescheduled_by": _sides(meetings, "rescheduled", "rescheduled_by"),
            "no_show_by": {
                "mentor": meetings["absent_mentor"],
                "mentee": meetings["absent_mentee"],
                "both": meetings["absent_both"],
            },
            "pair_months": round(pair_months, 2),
            "per_match_per_month": round(meetings["held"] / pair_months, 2) if pair_months else None,
        },
        "goals": {
            "created": goals["created"],
            "not_started": goals[Goal.Status.NOT_STARTED],
            "in_progress": goals[Goal.Status.IN_PROGRESS],
            "achieved": goals[Goal.Status.ACHIEVED],
            "dropped": goals[Goal.Status.DROPPED],
            "completion_rate": _rate(goals[Goal.Status.ACHIEVED], counted_goals),
            "average_progress": None if goals["average_progress"] is None else round(goals["average_progress"], 1),
            "overdue": goals["overdue"],
        },
        "flags": {
            "open": flags["open"],
            "open_by_kind": {kind: flags[kind] for kind in Flag.Kind.values},
            "raised_in_period": flags["raised_in_period"],
        },
        # There is no rating model yet: the figure exists so that pages and exports say so.
        "satisfaction": {"ratings": 0, "average": None},
    }


def _sides(meetings: dict[str, int], total: str, prefix: str) -> dict[str, int]:
    mentor, mentee = meetings[f"{prefix}_mentor"], meetings[f"{prefix}_mentee"]
    return {"mentor": mentor, "mentee": mentee, "other": max(meetings[total] - mentor - mentee, 0)}


def programme_figures(
    *,
    programme: Programme,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    cohort: str | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """A programme's dashboard figures (see the module's definitions)."""
    period = Period(date_from=date_from, date_to=date_to, cohort=cohort or None)
    return _programme_numbers(programme, period, now or timezone.now())[0]


# --- One programme, day by day ---------------------------------------------------------------------
#
# A programme's dashboard groups its meetings, and its matches' and goals' events, by day
# (in the current time zone) in one pass each: the days give both the period's totals and
# the charts' weeks or months, which would otherwise each take their own pass over the
# same rows. There are at most as many rows as days, whatever the number of meetings.


@dataclass(frozen=True)
class Days:
    """A programme's meetings by outcome per day of their start (in the period), and per
    day: matches published, started, declined, ended after they started and ended before
    (from the very first), goals created and achieved (in the period)."""

    meetings: dict[datetime.date, dict[str, int]]
    events: dict[str, dict[datetime.date, int]]


EVENTS = ("published", "started", "declined", "ended_started", "ended_unstarted", "goals_created", "goals_achieved")


def _programme_meetings(programme: Programme, period: Period) -> QuerySet[Meeting]:
    """The meetings of the programme's pairs (of the cohort) that start in the period."""
    return Meeting.objects.filter(match__programme=programme).filter(
        period.within("start"), period.cohort_of("match__mentee")
    )


def _days(programme: Programme, period: Period, now: datetime.datetime) -> Days:
    """Two queries: the meetings by day, and the events of matches and goals by day (one
    UNION of grouped parts)."""
    meetings = _programme_meetings(programme, period).order_by().values(day=LocalDate("start"))
    matches = Match.objects.filter(programme=programme).filter(period.cohort_of("mentee")).order_by()
    goals = Goal.objects.filter(match__programme=programme).filter(period.cohort_of("match__mentee")).order_by()
    parts = {
        "published": (matches.filter(published_at__isnull=False), "published_at"),
        "started": (matches.filter(started_at__isnull=False), "started_at"),
        "declined": (matches.filter(declined_at__isnull=False), "declined_at"),
        "ended_started": (matches.filter(ended_at__isnull=False, started_at__isnull=False), "ended_at"),
        "ended_unstarted": (matches.filter(ended_at__isnull=False, started_at__isnull=True), "ended_at"),
        "goals_created": (goals.filter(period.within("created_at")), "created_at"),
        "goals_achieved": (goals.filter(period.within("achieved_at"), achieved_at__isnull=False), "achieved_at"),
    }
    grouped = [
        rows.values(kind=Value(kind), day=LocalDate(field)).annotate(n=Count("pk"))
        for kind, (rows, field) in parts.items()
    ]
    events: dict[str, dict[datetime.date, int]] = {kind: {} for kind in EVENTS}
    for row in grouped[0].union(*grouped[1:], all=True):
        events[row["kind"]][row["day"]] = row["n"]
    return Days(meetings={row.pop("day"): row for row in meetings.annotate(**_meeting_counts(now))}, events=events)


def _by_month(days: dict[datetime.date, int]) -> dict[datetime.date, int]:
    months: dict[datetime.date, int] = defaultdict(int)
    for day, n in days.items():
        months[day.replace(day=1)] += n
    return months


def _programme_numbers(programme: Programme, period: Period, now: datetime.datetime) -> tuple[dict[str, Any], Days]:
    """A programme's figures, as `_figures_for` makes them for many programmes, and the
    days its charts are drawn from: a fixed number of queries."""
    ids = [programme.pk]
    today = timezone.localdate(now)
    days = _days(programme, period, now)
    meetings: dict[str, Any] = {name: sum(row[name] for row in days.meetings.values()) for name in _meeting_counts(now)}
    meetings["first"] = min(days.meetings, default=None)
    # The pairs as a list (IN) rather than a join here: SQLite then reads these meetings
    # through their status index instead of every meeting of every pair.
    matches = Match.objects.filter(programme=programme).filter(period.cohort_of("mentee")).values("pk")
    sides = Meeting.objects.filter(match__in=matches, status__in=MEETING_SIDE_STATUSES).filter(period.within("start"))
    meetings.update(sides.aggregate(**_meeting_sides()))
    parts = {
        "participants": _participants(ids, period),
        "matches": _matches(ids, period),
        "goals": _goals(ids, period, today),
        "flags": _flags(ids, period),
    }
    raw = {name: rows.get(programme.pk) or _defaults(aggregates) for name, (rows, aggregates) in parts.items()}
    raw["meetings"] = meetings
    pair_months = _pair_months_of(
        _by_month(days.events["started"]), _by_month(days.events["ended_started"]), period, today
    )
    settings = _targets(ids).get(programme.pk) or DashboardSettings(programme=programme)
    return _assemble(programme, period, settings, raw, pair_months), days


# --- The figures as rows, for exports --------------------------------------------------------------

FIGURE_ROWS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (gettext_lazy("Mentors approved"), ("participants", "mentor", "approved")),
    (gettext_lazy("Mentors applied"), ("participants", "mentor", "applied")),
    (gettext_lazy("Mentors invited"), ("participants", "mentor", "invited")),
    (gettext_lazy("Mentors who left (withdrawn or removed)"), ("participants", "mentor", "withdrawn+removed")),
    (gettext_lazy("Mentees approved"), ("participants", "mentee", "approved")),
    (gettext_lazy("Mentees applied"), ("participants", "mentee", "applied")),
    (gettext_lazy("Mentees invited"), ("participants", "mentee", "invited")),
    (gettext_lazy("Mentees who left (withdrawn or removed)"), ("participants", "mentee", "withdrawn+removed")),
    (gettext_lazy("Mentees matched"), ("matching", "mentees_matched")),
    (gettext_lazy("Match rate (%)"), ("matching", "match_rate")),
    (gettext_lazy("Match rate target (%)"), ("matching", "match_rate_target")),
    (gettext_lazy("Matches proposed"), ("matches", "proposed")),
    (gettext_lazy("Matches accepted"), ("matches", "accepted")),
    (gettext_lazy("Matches active"), ("matches", "active")),
    (gettext_lazy("Matches ended"), ("matches", "ended")),
    (gettext_lazy("Matches declined"), ("matches", "declined")),
    (gettext_lazy("Matches started in the period"), ("matches", "started_in_period")),
    (gettext_lazy("Matches ended in the period"), ("matches", "ended_in_period")),
    (gettext_lazy("Meetings planned"), ("meetings", "planned")),
    (gettext_lazy("Meetings held"), ("meetings", "held")),
    (gettext_lazy("Meetings scheduled"), ("meetings", "scheduled")),
    (gettext_lazy("Meetings not logged"), ("meetings", "unlogged")),
    (gettext_lazy("Meetings held per pair per month"), ("meetings", "per_match_per_month")),
    (gettext_lazy("Meetings cancelled"), ("meetings", "cancelled")),
    (gettext_lazy("Cancelled by the mentor"), ("meetings", "cancelled_by", "mentor")),
    (gettext_lazy("Cancelled by the mentee"), ("meetings", "cancelled_by", "mentee")),
    (gettext_lazy("Cancelled by someone else"), ("meetings", "cancelled_by", "other")),
    (gettext_lazy("Cancellation rate (%)"), ("meetings", "cancellation_rate")),
    (gettext_lazy("Meetings postponed"), ("meetings", "rescheduled")),
    (gettext_lazy("Postponed by the mentor"), ("meetings", "rescheduled_by", "mentor")),
    (gettext_lazy("Postponed by the mentee"), ("meetings", "rescheduled_by", "mentee")),
    (gettext_lazy("Postponed by someone else"), ("meetings", "rescheduled_by", "other")),
    (gettext_lazy("Postponement rate (%)"), ("meetings", "postponement_rate")),
    (gettext_lazy("No-shows"), ("meetings", "no_show")),
    (gettext_lazy("No-shows: the mentor did not come"), ("meetings", "no_show_by", "mentor")),
    (gettext_lazy("No-shows: the mentee did not come"), ("meetings", "no_show_by", "mentee")),
    (gettext_lazy("No-shows: neither came"), ("meetings", "no_show_by", "both")),
    (gettext_lazy("No-show rate (%)"), ("meetings", "no_show_rate")),
    (gettext_lazy("Goals created"), ("goals", "created")),
    (gettext_lazy("Goals achieved"), ("goals", "achieved")),
    (gettext_lazy("Goals in progress"), ("goals", "in_progress")),
    (gettext_lazy("Goals not started"), ("goals", "not_started")),
    (gettext_lazy("Goals dropped"), ("goals", "dropped")),
    (gettext_lazy("Goal completion rate (%)"), ("goals", "completion_rate")),
    (gettext_lazy("Average goal progress (%)"), ("goals", "average_progress")),
    (gettext_lazy("Overdue goals"), ("goals", "overdue")),
    (gettext_lazy("Open flags"), ("flags", "open")),
    *(
        (format_lazy("{}: {}", gettext_lazy("Open flags"), label), ("flags", "open_by_kind", kind))
        for kind, label in Flag.Kind.choices
    ),
    (gettext_lazy("Flags raised in the period"), ("flags", "raised_in_period")),
)


def _figure_value(figures: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = figures
    for key in path[:-1]:
        value = value[key]
    last = path[-1]
    if "+" in last:
        return sum(value[part] for part in last.split("+"))
    return value[last]


def figures_table(
    *,
    programmes: Iterable[Programme],
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> list[dict[str, Any]]:
    """The figures of each programme as rows `{"programme", "figure", "value"}` (the
    FIGURES export). Values are numbers, `None` where a rate has nothing to divide by,
    and text for satisfaction ("No ratings yet")."""
    programmes = list(programmes)
    figures = _figures_for(programmes, Period(date_from=date_from, date_to=date_to), now or timezone.now())
    rows = []
    for programme in programmes:
        for label, path in FIGURE_ROWS:
            rows.append(
                {"programme": programme.name, "figure": str(label), "value": _figure_value(figures[programme.pk], path)}
            )
        rows.append({"programme": programme.name, "figure": _("Satisfaction"), "value": _("No ratings yet")})
    return rows


# --- Chart series ----------------------------------------------------------------------------------


def chart_axis(first: datetime.date, last: datetime.date) -> tuple[str, list[datetime.date]]:
    """Buckets from `first` to `last`: weeks (starting on Monday) up to 40 weeks, months
    beyond that, and at most the last ten years."""
    first = max(min(first, last), last - datetime.timedelta(days=MAX_CHART_DAYS))
    if (last - first).days <= WEEKLY_UP_TO_DAYS:
        week = first - datetime.timedelta(days=first.weekday())
        weeks = []
        while week <= last:
            weeks.append(week)
            week += datetime.timedelta(days=7)
        return "week", weeks
    return "month", _months(first, last)


def _bucket_end(unit: str, bucket: datetime.date) -> datetime.date:
    return bucket + datetime.timedelta(days=7) if unit == "week" else _next_month(bucket)


def _bucket_of(unit: str, day: datetime.date) -> datetime.date:
    """The week (its Monday) or the month (its first day) of a day."""
    return day - datetime.timedelta(days=day.weekday()) if unit == "week" else day.replace(day=1)


def _by_bucket(
    queryset: QuerySet, field: str, unit: str, aggregates: dict[str, Any]
) -> dict[datetime.date, dict[str, Any]]:
    rows = queryset.order_by().values(bucket=LocalDate(field, unit)).annotate(**aggregates)
    return {row.pop("bucket"): row for row in rows}


def _series(rows: dict[datetime.date, dict], buckets: list[datetime.date], name: str) -> list[int]:
    return [(rows.get(bucket) or {}).get(name, 0) for bucket in buckets]


def _per_bucket(
    days: dict[datetime.date, int], unit: str, first: datetime.date | None, last: datetime.date
) -> dict[datetime.date, int]:
    """Counts per day summed per bucket, over the days from `first` (or the very first) to `last`."""
    totals: dict[datetime.date, int] = defaultdict(int)
    for day, n in days.items():
        if (first is None or first <= day) and day <= last:
            totals[_bucket_of(unit, day)] += n
    return totals


def _cumulative(totals: dict[datetime.date, int], buckets: list[datetime.date]) -> list[int]:
    """Running totals at the end of each bucket, counting everything before the first."""
    running = sum(n for when, n in totals.items() if when < buckets[0])
    result = []
    for bucket in buckets:
        running += totals.get(bucket, 0)
        result.append(running)
    return result


def _axis(
    date_from: datetime.date | None,
    date_to: datetime.date | None,
    first_activity: datetime.date | None,
    now: datetime.datetime,
) -> tuple[str, list[datetime.date], Period]:
    """The charts' unit and buckets, and the dates they show (within the period): without
    `date_from` from `first_activity`, or twelve weeks back when there is nothing yet;
    without `date_to` to today."""
    last = date_to or timezone.localdate(now)
    first = date_from or first_activity or last - datetime.timedelta(weeks=DEFAULT_CHART_WEEKS - 1)
    unit, buckets = chart_axis(first, last)
    return unit, buckets, Period(date_from=max(buckets[0], date_from or buckets[0]), date_to=last)


MEETING_OUTCOMES = ("held", "scheduled", "cancelled", "rescheduled", "no_show")


def _series_of(unit: str, buckets: list[datetime.date], shown: Period, days: Days) -> dict[str, Any]:
    """The charts' numbers from a programme's days (which cover at least `shown`)."""
    first, last = shown.date_from, shown.date_to
    position = {bucket: index for index, bucket in enumerate(buckets)}
    meetings = {name: [0] * len(buckets) for name in MEETING_OUTCOMES}
    for day, row in days.meetings.items():
        index = position.get(_bucket_of(unit, day))
        if index is not None and first <= day <= last:
            for name in MEETING_OUTCOMES:
                meetings[name][index] += row[name]

    # Matches by status at the end of each bucket: running totals of when they were
    # published, started, declined and ended, from the very first one on.
    until = _bucket_end(unit, buckets[-1]) - datetime.timedelta(days=1)
    totals = {kind: _cumulative(_per_bucket(days.events[kind], unit, None, until), buckets) for kind in EVENTS[:5]}
    published, started, declined = totals["published"], totals["started"], totals["declined"]
    ended_started, ended_unstarted = totals["ended_started"], totals["ended_unstarted"]
    active = [max(s - e, 0) for s, e in zip(started, ended_started, strict=True)]
    waiting = [max(p - s - d - e, 0) for p, s, d, e in zip(published, started, declined, ended_unstarted, strict=True)]
    ended = [a + b for a, b in zip(ended_started, ended_unstarted, strict=True)]

    created = _per_bucket(days.events["goals_created"], unit, first, last)
    achieved = _per_bucket(days.events["goals_achieved"], unit, first, last)
    return {
        "unit": unit,
        "buckets": buckets,
        "meetings": meetings,
        "matches": {"waiting": waiting, "active": active, "ended": ended},
        "goals": {
            "created": [created.get(bucket, 0) for bucket in buckets],
            "achieved": [achieved.get(bucket, 0) for bucket in buckets],
        },
    }


def programme_series(
    *,
    programme: Programme,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    cohort: str | None = None,
    first_activity: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """The dashboard's charts as numbers per week or month: meetings by outcome, matches
    by status at the end of each bucket, goals created and achieved (two queries).

    Without `date_from` the charts start at `first_activity` (from the figures), or
    twelve weeks back when there is nothing yet; without `date_to` they end today."""
    now = now or timezone.now()
    unit, buckets, shown = _axis(date_from, date_to, first_activity, now)
    days = _days(programme, Period(date_from=shown.date_from, date_to=shown.date_to, cohort=cohort or None), now)
    return _series_of(unit, buckets, shown, days)


def programme_figures_and_series(
    *,
    programme: Programme,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    cohort: str | None = None,
    now: datetime.datetime | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """`programme_figures` and `programme_series` (from the figures' first activity)
    together, from the same passes over the programme's rows."""
    now = now or timezone.now()
    period = Period(date_from=date_from, date_to=date_to, cohort=cohort or None)
    numbers, days = _programme_numbers(programme, period, now)
    # The days cover the period, and the charts never show more than it.
    unit, buckets, shown = _axis(date_from, date_to, numbers["period"]["first_activity"], now)
    return numbers, _series_of(unit, buckets, shown, days)


# --- The work queue --------------------------------------------------------------------------------


def no_meeting_days(programme: Programme) -> int:
    """Days without a meeting before a pair is at risk: the dashboard's setting, else the
    programme's inactivity threshold."""
    settings = DashboardSettings.objects.filter(programme=programme).values_list("no_meeting_days", flat=True).first()
    return settings or programme.inactivity_days


def _reason(kind: str, label: str, action: str, url: str) -> dict[str, str]:
    return {"kind": kind, "label": label, "action": action, "url": url}


def _pair_reasons(
    match: Match,
    *,
    now: datetime.datetime,
    quiet: tuple[datetime.datetime | None, datetime.datetime] | None,
    unlogged: int,
    first_unlogged: int | None,
    overdue: int,
) -> list[dict[str, str]]:
    pair_url = reverse("match-detail", kwargs={"pk": match.pk})
    flagged = {flag.kind for flag in match.open_flag_list}
    reasons = [
        _reason(
            f"flag_{flag.kind}",
            _("Flag: %(kind)s, raised %(when)s")
            % {
                "kind": flag.get_kind_display(),
                "when": formats.date_format(timezone.localtime(flag.raised_at), "j M Y"),
            },
            _("Review the flag"),
            reverse("flag-detail", kwargs={"pk": flag.pk}),
        )
        for flag in match.open_flag_list
    ]
    # A reason an open flag of the same kind already names is not repeated.
    if quiet and Flag.Kind.INACTIVITY not in flagged:
        last, since = quiet
        if last:
            quiet_days = (now - last).days
            label = ngettext("No meeting for %(days)d day", "No meeting for %(days)d days", quiet_days) % {
                "days": quiet_days
            }
        else:
            quiet_days = (now - since).days
            label = ngettext(
                "No meeting yet, %(days)d day after the start", "No meeting yet, %(days)d days after the start",
                quiet_days,
            ) % {"days": quiet_days}  # fmt: skip
        reasons.append(_reason("no_meeting", label, _("Contact the pair"), pair_url))
    if unlogged:
        reasons.append(
            _reason(
                "unlogged",
                ngettext("%(count)d past meeting not logged", "%(count)d past meetings not logged", unlogged)
                % {"count": unlogged},
                _("Ask them to log it"),
                reverse("meeting-detail", kwargs={"pk": first_unlogged}) if first_unlogged else pair_url,
            )
        )
    if overdue and Flag.Kind.OVERDUE_GOALS not in flagged:
        reasons.append(
            _reason(
                "overdue_goals",
                ngettext("%(count)d overdue goal", "%(count)d overdue goals", overdue) % {"count": overdue},
                _("Check in on their goals"),
                pair_url,
            )
        )
    return reasons


def work_queue(
    *,
    programme: Programme,
    cohort: str | None = None,
    now: datetime.datetime | None = None,
    limit: int = QUEUE_LIMIT,
    quiet_days: int | None = None,
) -> dict[str, Any]:
    """What needs a coordinator: pairs at risk (open flags, no meeting for too long,
    meetings not logged, overdue goals), each with the action to take, and mentor
    requests nobody answered. At most `limit` pairs and requests, with their totals.
    `quiet_days` is `no_meeting_days(programme)` when the caller has it already.

    One grouped query per reason, each a join from the programme's live pairs, then the
    shown pairs' details: a fixed number of queries. (A subquery per pair would let
    SQLite pick the meetings' status index and scan every meeting for every pair.)"""
    now = now or timezone.now()
    today = timezone.localdate(now)
    period = Period(cohort=cohort or None)
    days = quiet_days or no_meeting_days(programme)
    cutoff = now - datetime.timedelta(days=days)
    unlogged_before = now - UNLOGGED_AFTER
    held_or_planned = [Meeting.Status.COMPLETED, Meeting.Status.SCHEDULED]
    live = (
        Match.objects.filter(programme=programme, status__in=Match.PUBLISHED_LIVE_STATUSES)
        .filter(period.cohort_of("mentee"))
        .order_by()
    )

    flagged: dict[int, int] = dict(
        live.filter(flags__status=Flag.Status.OPEN).values("pk").annotate(n=Count("flags")).values_list("pk", "n")
    )
    # Quiet: no meeting held or planned since the cutoff and none scheduled ahead. Two
    # anti-joins probe the meetings' (match, start) index from the cutoff on; the last
    # meeting is then looked up for the quiet pairs only (one grouped query).
    recent = Meeting.objects.filter(match=OuterRef("pk"), status__in=held_or_planned, start__gte=cutoff, start__lte=now)
    ahead = Meeting.objects.filter(match=OuterRef("pk"), status=Meeting.Status.SCHEDULED, start__gt=now)
    quiet_since = dict(
        live.filter(status=Match.Status.ACTIVE)
        .annotate(since=Coalesce("started_at", "published_at", "created_at"))
        .filter(since__lte=cutoff)
        .filter(~Exists(recent), ~Exists(ahead))
        .values_list("pk", "since")
    )
    quiet_last = dict(
        Meeting.objects.filter(match_id__in=list(quiet_since), status__in=held_or_planned, start__lte=now)
        .order_by()
        .values("match")
        .annotate(last=Max("start"))
        .values_list("match", "last")
    )
    quiet = {pk: (quiet_last.get(pk), since) for pk, since in quiet_since.items()}
    # The few meetings still SCHEDULED in the past, through the meetings' (status, start)
    # index. The pair is compared as `match_id + 0`, which no index serves: SQLite would
    # otherwise walk the (match, start) index through every past meeting of every pair.
    unlogged: dict[int, int] = dict(
        Meeting.objects.filter(status=Meeting.Status.SCHEDULED, start__lt=unlogged_before)
        .alias(pair=ExpressionWrapper(F("match") + 0, output_field=IntegerField()))
        .filter(pair__in=live.values("pk"))
        .order_by()
        .values("match")
        .annotate(n=Count("pk"))
        .values_list("match", "n")
    )
    overdue: dict[int, int] = dict(
        Goal.objects.filter(match__in=live.values("pk"))
        .filter(_overdue(today))
        .order_by()
        .values("match")
        .annotate(n=Count("pk"))
        .values_list("match", "n")
    )

    reasons = Counter(itertools.chain(flagged, quiet, unlogged, overdue))

    def urgency(pk: int) -> tuple:
        # Open flags first, then the pairs with the most reasons, then the longest quiet.
        last, since = quiet.get(pk, (None, None))
        quiet_from = last or since
        return (-flagged.get(pk, 0), -reasons[pk], quiet_from is None, quiet_from or now, pk)

    shown = heapq.nsmallest(limit, reasons, key=urgency)
    matches = {
        match.pk: match
        for match in Match.objects.filter(pk__in=shown)
        .select_related("mentor__user", "mentee__user")
        .prefetch_related(
            Prefetch(
                "flags",
                queryset=Flag.objects.filter(status=Flag.Status.OPEN).order_by("raised_at", "pk"),
                to_attr="open_flag_list",
            )
        )
    }
    last_meetings = dict(
        Meeting.objects.filter(match_id__in=shown, status__in=held_or_planned, start__lte=now)
        .order_by()
        .values("match")
        .annotate(last=Max("start"))
        .values_list("match", "last")
    )
    first_unlogged: dict[int, int] = {}
    for match_id, meeting_id in (
        Meeting.objects.filter(
            match_id__in=[pk for pk in shown if pk in unlogged],
            status=Meeting.Status.SCHEDULED,
            start__lt=unlogged_before,
        )
        .order_by("match_id", "start", "pk")
        .values_list("match_id", "pk")
    ):
        first_unlogged.setdefault(match_id, meeting_id)
    pair_items = [
        {
            "match": matches[pk],
            "mentor": matches[pk].mentor.user.display_name,
            "mentee": matches[pk].mentee.user.display_name,
            "url": reverse("match-detail", kwargs={"pk": pk}),
            "last_meeting": last_meetings.get(pk),
            "reasons": _pair_reasons(
                matches[pk],
                now=now,
                quiet=quiet.get(pk),
                unlogged=unlogged.get(pk, 0),
                first_unlogged=first_unlogged.get(pk),
                overdue=overdue.get(pk, 0),
            ),
        }
        for pk in shown
    ]

    stale = (
        MentorRequest.objects.filter(
            programme=programme,
            status=MentorRequest.Status.PENDING,
            created_at__lt=now - datetime.timedelta(days=STALE_REQUEST_DAYS),
        )
        .filter(period.cohort_of("mentee"))
        .select_related("mentor__user", "mentee__user")
        .order_by("created_at", "pk")
    )
    request_items = [
        {
            "request": request,
            "mentor": request.mentor.user.display_name,
            "mentee": request.mentee.user.display_name,
            "created_at": request.created_at,
            "expires_at": request.expires_at,
            "days_waiting": (now - request.created_at).days,
            "action": _("Remind the mentor"),
            "url": reverse("enrolment-detail", kwargs={"pk": request.mentor_id}),
        }
        for request in stale[:limit]
    ]
    return {
        "no_meeting_days": days,
        "pairs": pair_items,
        "pairs_total": len(reasons),
        "requests": request_items,
        "requests_total": stale.count(),
    }


# --- The HR overview -------------------------------------------------------------------------------


def _departments() -> list[dict[str, Any]]:
    """Approved participants per department (from their profile), across programmes."""
    matched = Exists(Match.objects.filter(mentee=OuterRef("pk"), status__in=COUNTED_MATCH_STATUSES))
    rows = (
        Enrolment.objects.filter(status=Enrolment.Status.APPROVED)
        .order_by()
        .values(department_name=Coalesce("user__profile__department", Value("")))
        .annotate(
            people=Count("user", distinct=True),
            mentors=Count("user", distinct=True, filter=Q(role=Enrolment.Role.MENTOR)),
            mentees=Count("user", distinct=True, filter=Q(role=Enrolment.Role.MENTEE)),
            mentees_matched=Count("user", distinct=True, filter=Q(matched, role=Enrolment.Role.MENTEE)),
            programmes=Count("programme", distinct=True),
        )
        .order_by("-people", "department_name")
    )
    return [
        {
            "department": row["department_name"],
            "people": row["people"],
            "mentors": row["mentors"],
            "mentees": row["mentees"],
            "mentees_matched": row["mentees_matched"],
            "match_rate": _rate(row["mentees_matched"], row["mentees"]),
            "programmes": row["programmes"],
        }
        for row in rows
    ]


def _trends(period: Period, today: datetime.date) -> dict[str, Any]:
    """Month by month across programmes: people approved (by when they enrolled), matches
    started, meetings held, goals achieved. Twelve months back unless told."""
    last = period.date_to or today
    if period.date_from:
        first = period.date_from
    else:
        back = last.year * 12 + last.month - 1 - (DEFAULT_TREND_MONTHS - 1)
        first = datetime.date(back // 12, back % 12 + 1, 1)
    first = max(first, last - datetime.timedelta(days=MAX_CHART_DAYS))
    months = _months(first.replace(day=1), last)
    shown = Period(date_from=first, date_to=last)
    total = {"n": _count()}
    joined = _by_bucket(
        Enrolment.objects.filter(shown.within("created_at"), status=Enrolment.Status.APPROVED),
        "created_at",
        "month",
        {
            "mentors": _count(Q(role=Enrolment.Role.MENTOR)),
            "mentees": _count(Q(role=Enrolment.Role.MENTEE)),
        },
    )
    started = _by_bucket(Match.objects.filter(shown.within("started_at")), "started_at", "month", total)
    held = _by_bucket(
        Meeting.objects.filter(shown.within("start"), status=Meeting.Status.COMPLETED), "start", "month", total
    )
    achieved = _by_bucket(
        Goal.objects.filter(shown.within("achieved_at"), achieved_at__isnull=False), "achieved_at", "month", total
    )
    return {
        "unit": "month",
        "buckets": months,
        "mentors_joined": _series(joined, months, "mentors"),
        "mentees_joined": _series(joined, months, "mentees"),
        "matches_started": _series(started, months, "n"),
        "meetings_held": _series(held, months, "n"),
        "goals_achieved": _series(achieved, months, "n"),
    }


def hr_overview(
    *,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """Every programme's figures side by side, participation by department and trends by
    month: the same grouped queries whatever the number of programmes."""
    now = now or timezone.now()
    period = Period(date_from=date_from, date_to=date_to)
    programmes = list(Programme.objects.order_by("name", "pk"))
    figures = _figures_for(programmes, period, now)
    return {
        "period": {"date_from": date_from, "date_to": date_to},
        "programmes": [figures[programme.pk] for programme in programmes],
        "departments": _departments(),
        "trends": _trends(period, timezone.localdate(now)),
    }
