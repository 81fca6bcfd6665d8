"""Overdue goals: a flag for the coordinators when a pair's goals slip well past their dates.

Rules (issue 6, docs/decisions.md):
- A goal is overdue when it is open (not started or in progress) and its target date is
  more than the programme's `GoalSettings.overdue_grace_days` (14 without a settings row)
  before today; a milestone is overdue when it is not done, its goal is open, and its
  due date is that far past. "Today" is the UTC date: the grace is counted in whole
  days, so the hours between time zones do not matter for a two-week grace.
- Only published matches that are under way (ACCEPTED or ACTIVE) are flagged.
- One open OVERDUE_GOALS flag per match (the unique constraint holds it; a concurrent
  sweep's flag wins and ours is skipped). Its details list the overdue goals and
  milestones (ids, titles, due dates, days overdue as of the sweep's day). Newly overdue
  items update the open flag's facts; items that are no longer late leave it open: the
  coordinator decides.
- A resolved or dismissed flag stays closed for what it was about: only goals and
  milestones that became overdue after its resolution (their due date + grace passed
  later) open a new flag, whose `counts_from` is that resolution.
- New flags tell the programme's coordinators (kind `flag_raised`), as the meeting flags do.

The sweep walks the live matches with something overdue in batches, and reads each
batch with a fixed number of queries (the matches, their overdue goals, their overdue
milestones, their closed and open flags), whatever the number of goals.
"""

import datetime
from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from goals.models import Goal, GoalSettings, Milestone
from matching.models import Flag, Match
from matching.services.flags import announce_new_flags, create_open_flags

LIVE_STATUSES = (Match.Status.ACCEPTED, Match.Status.ACTIVE)
DEFAULT_GRACE_DAYS: int = GoalSettings._meta.get_field("overdue_grace_days").default
CHUNK = 500
# A sweep stops after this many batches of matches; the next sweep carries on.
MAX_BATCHES = 40
DAY = datetime.timedelta(days=1)


def _late(field: str, settings_path: str, today: datetime.date, graces: Iterable[int]) -> Q:
    """`field` is before today minus the programme's grace: one clause per distinct grace
    (a handful), and the default for programmes without goal settings."""
    clauses = [
        Q(**{f"{settings_path}__overdue_grace_days": grace, f"{field}__lt": today - grace * DAY}) for grace in graces
    ]
    clauses.append(Q(**{f"{settings_path}__isnull": True, f"{field}__lt": today - DEFAULT_GRACE_DAYS * DAY}))
    return reduce(or_, clauses)


def _overdue_goals(today: datetime.date, graces: list[int]) -> QuerySet[Goal]:
    return Goal.objects.filter(
        status__in=Goal.OPEN_STATUSES, target_date__isnull=False, match__status__in=LIVE_STATUSES
    ).filter(_late("target_date", "match__programme__goal_settings", today, graces))


def _overdue_milestones(today: datetime.date, graces: list[int]) -> QuerySet[Milestone]:
    return Milestone.objects.filter(
        done_at__isnull=True,
        due_on__isnull=False,
        goal__status__in=Goal.OPEN_STATUSES,
        goal__match__status__in=LIVE_STATUSES,
    ).filter(_late("due_on", "goal__match__programme__goal_settings", today, graces))


def _became_overdue(due: datetime.date, grace: int) -> datetime.datetime:
    """The moment an item turned overdue: the start (UTC) of the first day past its grace."""
    return datetime.datetime.combine(due + (grace + 1) * DAY, datetime.time.min, tzinfo=datetime.UTC)


def raise_overdue_goal_flags(*, now: datetime.datetime | None = None) -> int:
    """Open or update the overdue-goals flag of every live match with goals or milestones
    past their grace; returns how many flags were opened or updated."""
    now = now or timezone.now()
    today = now.astimezone(datetime.UTC).date()
    graces = sorted(set(GoalSettings.objects.values_list("overdue_grace_days", flat=True)))
    goals = _overdue_goals(today, graces)
    milestones = _overdue_milestones(today, graces)
    candidates = (
        Match.objects.filter(status__in=LIVE_STATUSES)
        .filter(
            Q(Exists(goals.filter(match=OuterRef("pk")))) | Q(Exists(milestones.filter(goal__match=OuterRef("pk"))))
        )
        .order_by("pk")
    )
    changed = 0
    last_pk = 0
    for _batch in range(MAX_BATCHES):
        ids = list(candidates.filter(pk__gt=last_pk).values_list("pk", flat=True)[:CHUNK])
        if not ids:
            break
        last_pk = ids[-1]
        changed += _raise_batch(ids, goals, milestones, today, now)
        if len(ids) < CHUNK:
            break
    return changed


def _raise_batch(
    ids: list[int],
    goals: QuerySet[Goal],
    milestones: QuerySet[Milestone],
    today: datetime.date,
    now: datetime.datetime,
) -> int:
    grace = Coalesce("match__programme__goal_settings__overdue_grace_days", Value(DEFAULT_GRACE_DAYS))
    goal_rows = (
        goals.filter(match_id__in=ids)
        .annotate(grace=grace)
        .order_by("target_date", "pk")
        .values_list("pk", "match_id", "title", "target_date", "grace")
    )
    milestone_rows = (
        milestones.filter(goal__match_id__in=ids)
        .annotate(
            grace=Coalesce("goal__match__programme__goal_settings__overdue_grace_days", Value(DEFAULT_GRACE_DAYS))
        )
        .order_by("due_on", "pk")
        .values_list("pk", "goal__match_id", "title", "due_on", "grace", "goal_id", "goal__title")
    )
    floors = dict(
        Flag.objects.filter(match_id__in=ids, kind=Flag.Kind.OVERDUE_GOALS)
        .exclude(status=Flag.Status.OPEN)
        .values("match_id")
        .annotate(last=Max("resolved_at"))
        .order_by()
        .values_list("match_id", "last")
    )
    open_flags = {
        flag.match_id: flag
        for flag in Flag.objects.open()
        .filter(kind=Flag.Kind.OVERDUE_GOALS, match_id__in=ids)
        .only("pk", "match_id", "details", "kind", "status")
    }

    facts: dict[int, dict[str, Any]] = {}

    def add(match_id: int, key: str, due: datetime.date, grace_days: int, entry: dict[str, Any]) -> None:
        floor = floors.get(match_id)
        became = _became_overdue(due, grace_days)
        if floor is not None and became <= floor:
            return  # already handled by the coordinator who resolved the last flag
        details = facts.setdefault(
            match_id,
            {"grace_days": grace_days, "as_of": today.isoformat(), "since": None, "goals": [], "milestones": []},
        )
        details[key].append({**entry, "due": due.isoformat(), "days_overdue": (today - due).days})
        since = became.isoformat()
        details["since"] = min(details["since"] or since, since)

    for pk, match_id, title, due, grace_days in goal_rows:
        add(match_id, "goals", due, grace_days, {"id": pk, "title": title})
    for pk, match_id, title, due, grace_days, goal_id, goal_title in milestone_rows:
        add(
            match_id,
            "milestones",
            due,
            grace_days,
            {"id": pk, "goal_id": goal_id, "title": title, "goal_title": goal_title},
        )

    new_flags: list[Flag] = []
    updated: list[Flag] = []
    for match_id, details in sorted(facts.items()):
        details["count"] = len(details["goals"]) + len(details["milestones"])
        flag = open_flags.get(match_id)
        if flag is None:
            new_flags.append(
                Flag(match_id=match_id, kind=Flag.Kind.OVERDUE_GOALS, details=details, counts_from=floors.get(match_id))
            )
        elif _items(details) - _items(flag.details):
            flag.details = details
            flag.updated_at = now
            updated.append(flag)
    if updated:
        Flag.objects.bulk_update(updated, ["details", "updated_at"], batch_size=CHUNK)
    created = create_open_flags(new_flags)
    announce_new_flags(created)
    return len(created) + len(updated)


def _items(details: object) -> set[tuple[str, int]]:
    if not isinstance(details, dict):
        return set()
    return {
        (key, entry.get("id"))
        for key in ("goals", "milestones")
        for entry in details.get(key) or []
        if isinstance(entry, dict)
    }
