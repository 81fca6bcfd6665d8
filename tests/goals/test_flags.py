"""Overdue goals flags: the grace, goals and milestones, one open flag, resolved flags that
stay closed for what they were about, the coordinators told, the facts shown."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from goals.models import Goal, GoalSettings
from goals.services.flags import raise_overdue_goal_flags
from matching.models import Flag
from matching.services.flags import create_open_flags, resolve_flag
from notifications.models import Notification
from sessions.tasks import raise_flags_task
from tests.concurrency import postgresql_only_test, run_together
from tests.factories import GoalFactory, MatchFactory, MilestoneFactory, ProgrammeFactory, pair_match

NOW = datetime.datetime(2027, 3, 20, 9, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def match(programme, mentor, mentee):
    return pair_match(programme, mentor, mentee, published_at=NOW - 90 * DAY, started_at=NOW - 90 * DAY)


def goal_due(match, days_ago: int, **kwargs) -> Goal:
    return GoalFactory(match=match, target_date=TODAY - days_ago * DAY, **kwargs)


# --- When a flag is raised ---------------------------------------------------------------


def test_a_goal_past_the_grace_raises_a_flag_with_the_facts(match, coordinator):
    goal = goal_due(match, 15, title="Lead the weekly team meeting")

    assert raise_overdue_goal_flags(now=NOW) == 1

    flag = Flag.objects.get()
    assert (flag.kind, flag.status, flag.match) == ("overdue_goals", "open", match)
    assert flag.details["count"] == 1
    assert flag.details["grace_days"] == 14
    assert flag.details["goals"] == [
        {"id": goal.pk, "title": "Lead the weekly team meeting", "due": "2027-03-05", "days_overdue": 15}
    ]
    assert flag.details["milestones"] == []
    assert flag.counts_from is None
    [told] = Notification.objects.filter(kind="flag_raised")
    assert told.recipient == coordinator
    assert "Lead the weekly team meeting" in told.body
    assert "15 days late" in told.body


def test_within_the_grace_no_flag(match):
    goal_due(match, 14)
    goal_due(match, 3)

    assert raise_overdue_goal_flags(now=NOW) == 0
    assert not Flag.objects.exists()


def test_the_programmes_grace_applies(match, programme):
    GoalSettings.objects.create(programme=programme, overdue_grace_days=3)
    other = MatchFactory(status="active", started_at=NOW - 90 * DAY)
    goal_due(match, 4)
    goal_due(other, 4)  # another programme, default grace of 14 days

    assert raise_overdue_goal_flags(now=NOW) == 1

    assert Flag.objects.get().match == match
    assert Flag.objects.get().details["grace_days"] == 3


def test_an_overdue_milestone_of_an_open_goal_raises_a_flag(match):
    goal = GoalFactory(match=match, title="Speak at the all-hands", target_date=TODAY + 30 * DAY)
    late = MilestoneFactory(goal=goal, title="Draft the talk", due_on=TODAY - 20 * DAY)
    MilestoneFactory(goal=goal, title="Rehearse", due_on=TODAY - 20 * DAY, done_at=NOW - 30 * DAY)
    MilestoneFactory(goal=goal, title="Book the room", due_on=TODAY - 2 * DAY)

    raise_overdue_goal_flags(now=NOW)

    flag = Flag.objects.get()
    assert flag.details["goals"] == []
    assert flag.details["milestones"] == [
        {
            "id": late.pk,
            "goal_id": goal.pk,
            "title": "Draft the talk",
            "goal_title": "Speak at the all-hands",
            "due": "2027-02-28",
            "days_overdue": 20,
        }
    ]


@pytest.mark.parametrize("status", ["achieved", "dropped"])
def test_closed_goals_and_their_milestones_are_not_overdue(match, status):
    goal = goal_due(match, 30, status=status, achieved_at=NOW if status == "achieved" else None)
    MilestoneFactory(goal=goal, due_on=TODAY - 30 * DAY)

    assert raise_overdue_goal_flags(now=NOW) == 0


@pytest.mark.parametrize("status", ["proposed", "ended", "declined", "draft"])
def test_only_matches_under_way_are_flagged(match, status):
    match.status = status
    match.save(update_fields=["status"])
    goal_due(match, 30)

    assert raise_overdue_goal_flags(now=NOW) == 0


def test_an_accepted_match_is_flagged(match):
    match.status = "accepted"
    match.save(update_fields=["status"])
    goal_due(match, 30)

    assert raise_overdue_goal_flags(now=NOW) == 1


# --- One open flag, updated; resolved flags stay closed ---------------------------------------


def test_one_open_flag_per_match_and_new_items_update_it(match):
    first = goal_due(match, 20)
    goal_due(match, 16)

    assert raise_overdue_goal_flags(now=NOW) == 1
    assert raise_overdue_goal_flags(now=NOW) == 0
    later = goal_due(match, 15)
    assert raise_overdue_goal_flags(now=NOW + DAY) == 1

    flag = Flag.objects.get()
    assert [goal["id"] for goal in flag.details["goals"]] == [first.pk, first.pk + 1, later.pk]
    assert flag.details["as_of"] == (TODAY + DAY).isoformat()
    assert Notification.objects.filter(kind="flag_raised").count() == 1


def test_a_resolved_flag_is_not_reopened_for_the_same_items(match, coordinator):
    goal_due(match, 20)
    raise_overdue_goal_flags(now=NOW)
    flag = Flag.objects.get()
    resolve_flag(flag=flag, by=coordinator, resolution="Agreed new dates with the pair.")
    Flag.objects.filter(pk=flag.pk).update(resolved_at=NOW + DAY)

    assert raise_overdue_goal_flags(now=NOW + 2 * DAY) == 0
    assert raise_overdue_goal_flags(now=NOW + 40 * DAY) == 0
    assert Flag.objects.get().status == "resolved"


def test_an_item_overdue_after_the_resolution_opens_a_new_flag_about_it_only(match, coordinator):
    goal_due(match, 20)
    raise_overdue_goal_flags(now=NOW)
    flag = Flag.objects.get()
    resolve_flag(flag=flag, by=coordinator, resolution="Talked to them.")
    Flag.objects.filter(pk=flag.pk).update(resolved_at=NOW)
    # Due yesterday: more than 14 days past it in 14 days from now, after the resolution.
    later = goal_due(match, 1, title="Ship the portfolio")

    assert raise_overdue_goal_flags(now=NOW + 13 * DAY) == 0
    assert raise_overdue_goal_flags(now=NOW + 14 * DAY) == 1

    new = Flag.objects.get(status="open")
    assert new.counts_from == NOW
    assert [goal["id"] for goal in new.details["goals"]] == [later.pk]


def test_a_flag_a_concurrent_sweep_opened_first_is_skipped(match):
    Flag.objects.create(match=match, kind="overdue_goals", details={})

    assert create_open_flags([Flag(match=match, kind="overdue_goals", details={})]) == []
    assert Flag.objects.count() == 1


# --- Queries, the task ---------------------------------------------------------------------


def _late_pairs(count: int) -> None:
    programme = ProgrammeFactory()  # no coordinators: nobody to tell, so no notify per flag
    for _ in range(count):
        pair = MatchFactory(programme=programme, status="active", started_at=NOW - 90 * DAY)
        goal = goal_due(pair, 30)
        MilestoneFactory(goal=goal, due_on=TODAY - 40 * DAY)


def test_the_sweep_reads_a_batch_in_a_fixed_number_of_queries(db):
    _late_pairs(2)
    with CaptureQueriesContext(connection) as small:
        assert raise_overdue_goal_flags(now=NOW) == 2
    Flag.objects.all().delete()
    _late_pairs(20)

    with CaptureQueriesContext(connection) as large:
        assert raise_overdue_goal_flags(now=NOW) == 22

    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_periodic_flag_task_raises_overdue_goal_flags(match):
    GoalFactory(match=match, target_date=timezone.now().date() - 30 * DAY)

    assert raise_flags_task() == 1
    assert Flag.objects.get().kind == "overdue_goals"


# --- The facts as people read them ----------------------------------------------------------


@pytest.fixture
def overdue_flag(match):
    goal = goal_due(match, 15, title="Lead the weekly team meeting")
    MilestoneFactory(goal=goal, title="Draft the agenda", due_on=TODAY - 16 * DAY)
    raise_overdue_goal_flags(now=NOW)
    return Flag.objects.get()


def test_the_coordinator_reads_what_is_late(client, coordinator, overdue_flag):
    client.force_login(coordinator)

    page = client.get(reverse("flag-detail", args=[overdue_flag.pk])).content.decode()

    assert "Lead the weekly team meeting" in page
    assert "Draft the agenda" in page
    assert "due 5 Mar 2027, 15 days late" in page


def test_hr_reads_that_goals_are_late_without_their_titles(client, hr_admin, overdue_flag):
    client.force_login(hr_admin)

    page = client.get(reverse("flag-detail", args=[overdue_flag.pk])).content.decode()

    assert "Lead the weekly team meeting" not in page
    assert "Draft the agenda" not in page
    assert f"Goal #{overdue_flag.details['goals'][0]['id']}" in page


def test_the_pair_sees_the_flag_on_their_page(client, mentee, match, overdue_flag):
    client.force_login(mentee)

    page = client.get(reverse("match-detail", args=[match.pk])).content.decode()

    assert "Overdue goals" in page
    assert "Lead the weekly team meeting" in page


def test_the_api_gives_the_overdue_facts_without_titles(hr_admin, overdue_flag):
    api = APIClient()
    api.force_authenticate(hr_admin)

    facts = api.get(f"/api/v1/flags/{overdue_flag.pk}/").json()["facts"]

    goal_id = overdue_flag.details["goals"][0]["id"]
    assert facts["overdue_goals"] == [{"id": goal_id, "goal_id": goal_id, "due": "2027-03-05", "days_overdue": 15}]
    assert facts["overdue_milestones"][0]["goal_id"] == goal_id
    assert facts["grace_days"] == 14
    assert "title" not in facts["overdue_goals"][0]


# --- Two sweeps at once (PostgreSQL) ---------------------------------------------------------


@postgresql_only_test("SQLite serialises every writer, so two sweeps never overlap there")
def test_two_sweeps_at_once_open_one_flag_per_match():
    _late_pairs(5)

    def sweep() -> int:
        return raise_overdue_goal_flags(now=NOW)

    outcomes = run_together(sweep, sweep)

    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert Flag.objects.filter(kind="overdue_goals", status="open").count() == 5
    assert sum(outcomes) >= 5
