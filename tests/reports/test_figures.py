"""Dashboard figures against a programme built by hand, where every number is counted on
paper first; the work queue; constant query counts whatever the size."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.db.models import DateField
from django.db.models.functions import Trunc
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from goals.models import Goal
from matching.models import Flag, Match, MentorRequest
from programmes.models import Programme
from reports import figures
from reports.models import DashboardSettings
from sessions.models import Meeting
from tests.factories import (
    EnrolmentFactory,
    GoalFactory,
    MatchFactory,
    MeetingFactory,
    MentorRequestFactory,
    MilestoneFactory,
    ProgrammeFactory,
)

UTC = datetime.UTC
NOW = datetime.datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
FEBRUARY = {"date_from": datetime.date(2026, 2, 1), "date_to": datetime.date(2026, 2, 28)}


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def _set(model, pk: int, **fields) -> None:
    """Timestamps that Django fills in on insert (auto_now_add) are set afterwards."""
    model.objects.filter(pk=pk).update(**fields)


@pytest.fixture
def hand_built(programme):
    """3 mentors and 4 mentees approved (plus one mentor who withdrew and one mentee who
    applied); pairs A and B active, C ended, a declined proposal; six meetings in
    February; three goals; two open flags and a resolved one."""
    mentors = [EnrolmentFactory(programme=programme, role="mentor") for _ in range(3)]
    mentees = [EnrolmentFactory(programme=programme, role="mentee") for _ in range(4)]
    EnrolmentFactory(programme=programme, role="mentor", status="withdrawn")
    EnrolmentFactory(programme=programme, role="mentee", status="applied")
    # Cohorts: mentor 1 and mentee 1 enrolled in January, everybody else in February.
    for enrolment in programme.enrolments.all():
        _set(type(enrolment), enrolment.pk, created_at=at("2026-02-03"))
    for enrolment in (mentors[0], mentees[0]):
        _set(type(enrolment), enrolment.pk, created_at=at("2026-01-20"))

    a = MatchFactory(
        programme=programme, mentor=mentors[0], mentee=mentees[0], status="active",
        published_at=at("2026-01-01"), started_at=at("2026-01-05"),
    )  # fmt: skip
    b = MatchFactory(
        programme=programme, mentor=mentors[1], mentee=mentees[1], status="active",
        published_at=at("2026-01-25"), started_at=at("2026-02-01"),
    )  # fmt: skip
    c = MatchFactory(
        programme=programme, mentor=mentors[2], mentee=mentees[2], status="ended",
        published_at=at("2026-01-02"), started_at=at("2026-01-10"), ended_at=at("2026-02-15"),
        end_outcome="ended_early",
    )  # fmt: skip
    MatchFactory(
        programme=programme, mentor=mentors[1], mentee=mentees[3], status="declined",
        published_at=at("2026-01-03"), declined_at=at("2026-01-04"),
    )  # fmt: skip

    mentee_of = {a: a.mentee.user, b: b.mentee.user}
    MeetingFactory(match=a, start=at("2026-02-02"), status=Meeting.Status.COMPLETED)
    MeetingFactory(match=a, start=at("2026-02-16"), status=Meeting.Status.COMPLETED)
    MeetingFactory(match=a, start=at("2026-02-09"), status=Meeting.Status.CANCELLED, cancelled_by=mentee_of[a])
    MeetingFactory(match=b, start=at("2026-02-10"), status=Meeting.Status.CANCELLED, cancelled_by=mentee_of[b])
    MeetingFactory(
        match=b, start=at("2026-02-12"), status=Meeting.Status.RESCHEDULED, rescheduled_by=b.mentor.user,
        rescheduled_at=at("2026-02-11"),
    )  # fmt: skip
    MeetingFactory(match=b, start=at("2026-02-20"), status=Meeting.Status.NO_SHOW, absent=Meeting.Absent.MENTEE)

    achieved = GoalFactory(
        match=a, status=Goal.Status.ACHIEVED, progress=100, achieved_at=at("2026-02-20"), target_date=None
    )
    late = GoalFactory(match=a, status=Goal.Status.IN_PROGRESS, progress=50, target_date=datetime.date(2026, 2, 1))
    waiting = GoalFactory(match=b, status=Goal.Status.NOT_STARTED, progress=0, target_date=None)
    MilestoneFactory(goal=waiting, due_on=datetime.date(2026, 1, 31))
    for goal in (achieved, late, waiting):
        _set(Goal, goal.pk, created_at=at("2026-02-05"))

    inactivity = Flag.objects.create(match=b, kind=Flag.Kind.INACTIVITY)
    cancellations = Flag.objects.create(match=b, kind=Flag.Kind.CANCELLATIONS)
    resolved = Flag.objects.create(match=a, kind=Flag.Kind.NO_SHOWS, status=Flag.Status.RESOLVED)
    _set(Flag, inactivity.pk, raised_at=at("2026-02-20"))
    _set(Flag, cancellations.pk, raised_at=at("2026-02-11"))
    _set(Flag, resolved.pk, raised_at=at("2026-01-20"))
    return {"a": a, "b": b, "c": c, "mentors": mentors, "mentees": mentees}


def test_participants_and_match_rate(programme, hand_built):
    result = figures.programme_figures(programme=programme, now=NOW)

    assert result["participants"]["mentor"] == {
        "invited": 0, "applied": 0, "approved": 3, "declined": 0, "withdrawn": 1, "removed": 0, "total": 4,
    }  # fmt: skip
    assert result["participants"]["mentee"]["approved"] == 4
    assert result["participants"]["mentee"]["applied"] == 1
    assert result["participants"]["total"] == 9
    assert result["matching"] == {
        "mentees_approved": 4,
        "mentees_matched": 3,
        "mentees_unmatched": 1,
        "match_rate": 75.0,
        "match_rate_target": 70,
        "meets_target": True,
    }


def test_match_rate_target_comes_from_the_dashboard_settings(programme, hand_built):
    DashboardSettings.objects.create(programme=programme, match_rate_target=80)

    result = figures.programme_figures(programme=programme, now=NOW)

    assert result["matching"]["match_rate_target"] == 80
    assert result["matching"]["meets_target"] is False


def test_matches_by_status_and_in_the_period(programme, hand_built):
    result = figures.programme_figures(programme=programme, now=NOW, **FEBRUARY)

    assert result["matches"] == {
        "proposed": 0, "accepted": 0, "active": 2, "ended": 1, "declined": 1,
        "started_in_period": 1, "ended_in_period": 1,
    }  # fmt: skip


def test_meetings_rates_and_who(programme, hand_built):
    meetings = figures.programme_figures(programme=programme, now=NOW, **FEBRUARY)["meetings"]

    assert meetings["planned"] == 6
    assert meetings["held"] == 2
    assert meetings["cancelled"] == 2
    assert meetings["rescheduled"] == 1
    assert meetings["no_show"] == 1
    assert meetings["cancellation_rate"] == 33.3
    assert meetings["postponement_rate"] == 16.7
    assert meetings["no_show_rate"] == 16.7
    assert meetings["cancelled_by"] == {"mentor": 0, "mentee": 2, "other": 0}
    assert meetings["rescheduled_by"] == {"mentor": 1, "mentee": 0, "other": 0}
    assert meetings["no_show_by"] == {"mentor": 0, "mentee": 1, "both": 0}


def test_meetings_per_pair_per_month(programme, hand_built):
    february = figures.programme_figures(programme=programme, now=NOW, **FEBRUARY)["meetings"]
    since_the_start = figures.programme_figures(programme=programme, now=NOW)["meetings"]

    # February: A, B and C were all active in it (C ended on the 15th): 3 pair-months, 2 held.
    assert february["pair_months"] == 3.0
    assert february["per_match_per_month"] == 0.67
    # January (A, C) 2 + February 3 + 15 of 31 days of March with A and B: 5.97.
    assert since_the_start["pair_months"] == round(2 + 3 + 2 * 15 / 31, 2)
    assert since_the_start["per_match_per_month"] == round(2 / (5 + 30 / 31), 2)


def test_goals(programme, hand_built):
    goals = figures.programme_figures(programme=programme, now=NOW, **FEBRUARY)["goals"]

    assert goals == {
        "created": 3, "not_started": 1, "in_progress": 1, "achieved": 1, "dropped": 0,
        "completion_rate": 33.3, "average_progress": 50.0, "overdue": 2,
    }  # fmt: skip


def test_a_goal_with_several_late_milestones_is_one_overdue_goal(programme, hand_built):
    waiting = Goal.objects.get(match=hand_built["b"])
    MilestoneFactory(goal=waiting, due_on=datetime.date(2026, 2, 10))
    MilestoneFactory(goal=waiting, due_on=datetime.date(2026, 2, 20), done_at=at("2026-02-19"))

    goals = figures.programme_figures(programme=programme, now=NOW, **FEBRUARY)["goals"]
    queue = figures.work_queue(programme=programme, now=NOW)

    # The late goal of A, and B's goal with two undone milestones past due (the third is done).
    assert goals["overdue"] == 2
    b = next(item for item in queue["pairs"] if item["match"] == hand_built["b"])
    assert [reason["label"] for reason in b["reasons"] if reason["kind"] == "overdue_goals"] == ["1 overdue goal"]


def test_flags_and_satisfaction(programme, hand_built):
    result = figures.programme_figures(programme=programme, now=NOW, **FEBRUARY)

    assert result["flags"]["open"] == 2
    assert result["flags"]["open_by_kind"] == {
        "cancellations": 1, "postponements": 0, "no_shows": 0, "inactivity": 1, "overdue_goals": 0,
    }  # fmt: skip
    assert result["flags"]["raised_in_period"] == 2
    assert result["satisfaction"] == {"ratings": 0, "average": None}


def test_a_period_without_events_counts_nothing_and_has_no_rates(programme, hand_built):
    result = figures.programme_figures(
        programme=programme, now=NOW, date_from=datetime.date(2025, 6, 1), date_to=datetime.date(2025, 6, 30)
    )

    assert result["meetings"]["planned"] == 0
    assert result["meetings"]["cancellation_rate"] is None
    assert result["meetings"]["per_match_per_month"] is None
    assert result["goals"]["created"] == 0
    assert result["goals"]["average_progress"] is None
    # Snapshot figures do not depend on the period.
    assert result["matching"]["match_rate"] == 75.0


def test_cohort_keeps_people_who_enrolled_that_month_and_their_pairs(programme, hand_built):
    result = figures.programme_figures(programme=programme, now=NOW, cohort="2026-01")

    assert result["participants"]["mentor"]["total"] == 1
    assert result["participants"]["mentee"]["total"] == 1
    assert result["matching"]["match_rate"] == 100.0
    assert result["matches"]["active"] == 1
    assert result["meetings"]["planned"] == 3
    assert result["meetings"]["cancelled_by"]["mentee"] == 1
    assert result["goals"]["created"] == 2
    assert result["flags"]["open"] == 0


def test_empty_programme_has_zeros_and_no_rates(programme):
    result = figures.programme_figures(programme=programme)

    assert result["participants"]["total"] == 0
    assert result["matching"]["match_rate"] is None
    assert result["matching"]["meets_target"] is None
    assert result["meetings"]["planned"] == 0
    assert result["period"]["first_activity"] is None


def test_cohort_choices_are_the_months_people_enrolled(programme, hand_built):
    assert [value for value, _label in figures.cohort_choices(programme)] == ["2026-01", "2026-02"]


# --- Series -------------------------------------------------------------------------------------


def test_series_by_week(programme, hand_built):
    series = figures.programme_series(programme=programme, now=NOW, **FEBRUARY)

    assert series["unit"] == "week"
    assert series["buckets"][0] == datetime.date(2026, 1, 26)  # the Monday of the week of 1 February
    assert series["buckets"][-1] == datetime.date(2026, 2, 23)
    assert sum(series["meetings"]["held"]) == 2
    assert series["meetings"]["cancelled"][series["buckets"].index(datetime.date(2026, 2, 9))] == 2
    # At the end of the week of 16 February: A and B active, C ended on the 15th (the week before).
    week = series["buckets"].index(datetime.date(2026, 2, 16))
    assert series["matches"]["active"][week] == 2
    assert series["matches"]["ended"][week] == 1
    assert series["matches"]["waiting"][0] == 0
    assert sum(series["goals"]["created"]) == 3
    assert sum(series["goals"]["achieved"]) == 1


def test_series_by_month_over_a_long_period(programme, hand_built):
    series = figures.programme_series(
        programme=programme, now=NOW, date_from=datetime.date(2025, 1, 1), date_to=datetime.date(2026, 3, 31)
    )

    assert series["unit"] == "month"
    assert len(series["buckets"]) == 15
    assert series["matches"]["active"][-1] == 2
    assert series["matches"]["ended"][-1] == 1


def test_series_without_dates_start_at_the_first_activity(programme, hand_built):
    first = figures.programme_figures(programme=programme, now=NOW)["period"]["first_activity"]

    series = figures.programme_series(programme=programme, now=NOW, first_activity=first)

    assert first == datetime.date(2026, 1, 1)
    assert series["buckets"][0] == datetime.date(2025, 12, 29)
    assert series["buckets"][-1] == datetime.date(2026, 3, 9)


def test_series_by_week_every_bucket(programme, hand_built):
    series = figures.programme_series(programme=programme, now=NOW, **FEBRUARY)

    # Weeks of 26 January, 2, 9, 16 and 23 February.
    assert series["meetings"] == {
        "held": [0, 1, 0, 1, 0],
        "scheduled": [0, 0, 0, 0, 0],
        "cancelled": [0, 0, 2, 0, 0],
        "rescheduled": [0, 0, 1, 0, 0],
        "no_show": [0, 0, 0, 1, 0],
    }
    # A, B (started 1 February, a Sunday) and C active until C ended on 15 February; D
    # was declined before it started, so nothing waits.
    assert series["matches"] == {"waiting": [0] * 5, "active": [3, 3, 2, 2, 2], "ended": [0, 0, 1, 1, 1]}
    assert series["goals"] == {"created": [0, 3, 0, 0, 0], "achieved": [0, 0, 0, 1, 0]}


def test_series_waiting_counts_published_pairs_until_they_start(programme, hand_built):
    MatchFactory(programme=programme, status="proposed", published_at=at("2026-02-10"))
    MatchFactory(programme=programme, status="accepted", published_at=at("2026-02-17"))

    series = figures.programme_series(programme=programme, now=NOW, **FEBRUARY)

    assert series["matches"]["waiting"] == [0, 0, 1, 2, 2]
    assert series["matches"]["active"] == [3, 3, 2, 2, 2]


def test_days_and_weeks_are_those_of_the_viewers_time_zone(programme, hand_built):
    a = hand_built["a"]
    # Sunday 8 February 23:30 in UTC is Monday 9 February 00:30 in Berlin.
    MeetingFactory(match=a, start=at("2026-02-08", 23).replace(minute=30), status=Meeting.Status.COMPLETED)
    # 31 January 23:30 in UTC is 1 February in Berlin: inside February there, not in UTC.
    MeetingFactory(match=a, start=at("2026-01-31", 23).replace(minute=30), status=Meeting.Status.COMPLETED)

    with timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        berlin = figures.programme_figures_and_series(programme=programme, now=NOW, **FEBRUARY)
    with timezone.override(datetime.UTC):
        utc = figures.programme_figures_and_series(programme=programme, now=NOW, **FEBRUARY)

    assert (berlin[0]["meetings"]["held"], utc[0]["meetings"]["held"]) == (4, 3)
    # Weeks of 26 January, 2, 9, 16 and 23 February.
    assert berlin[1]["meetings"]["held"] == [1, 1, 1, 1, 0]
    assert utc[1]["meetings"]["held"] == [0, 2, 0, 1, 0]


@pytest.mark.parametrize(
    "filters",
    [
        {},
        FEBRUARY,
        {"cohort": "2026-01"},
        {"date_from": datetime.date(2026, 2, 10)},
        {"date_to": datetime.date(2026, 2, 12)},
        {"date_from": datetime.date(2025, 1, 1), "date_to": datetime.date(2026, 3, 31)},
        {"date_from": datetime.date(2001, 1, 1), "date_to": datetime.date(2001, 12, 31)},
    ],
)
def test_figures_and_series_together_are_those_apart(programme, hand_built, filters):
    numbers, series = figures.programme_figures_and_series(programme=programme, now=NOW, **filters)

    assert numbers == figures.programme_figures(programme=programme, now=NOW, **filters)
    first = numbers["period"]["first_activity"]
    assert series == figures.programme_series(programme=programme, now=NOW, first_activity=first, **filters)


def test_one_programme_has_the_figures_it_has_among_many(programme, hand_built, other_programme):
    rows = figures.figures_table(programmes=[programme, other_programme], now=NOW, **FEBRUARY)

    alone = figures.programme_figures(programme=programme, now=NOW, **FEBRUARY)
    among_many = [row["value"] for row in rows if row["programme"] == programme.name][: len(figures.FIGURE_ROWS)]
    assert among_many == [figures._figure_value(alone, path) for _label, path in figures.FIGURE_ROWS]
    assert alone["meetings"]["pair_months"] == 3.0


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe"])
def test_local_dates_are_djangos_dates(programme, hand_built, zone):
    moments = [
        # Either side of Berlin's and St John's clock changes, and of midnight.
        datetime.datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),
        datetime.datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        datetime.datetime(2026, 10, 25, 0, 59, 59, tzinfo=UTC),
        datetime.datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
        datetime.datetime(2026, 3, 8, 5, 29, 59, 999999, tzinfo=UTC),
        datetime.datetime(2026, 11, 1, 2, 30, tzinfo=UTC),
        datetime.datetime(2026, 6, 30, 21, 59, 59, 999900, tzinfo=UTC),
        datetime.datetime(2026, 6, 30, 22, 0, tzinfo=UTC),
        datetime.datetime(2026, 1, 31, 23, 45, tzinfo=UTC),
        datetime.datetime(2026, 4, 4, 14, 45, tzinfo=UTC),
        # Long ago and far ahead, outside the years computed natively.
        datetime.datetime(1995, 7, 1, 22, 30, tzinfo=UTC),
        datetime.datetime(2061, 12, 31, 23, 30, tzinfo=UTC),
    ]
    for moment in moments:
        MeetingFactory(match=hand_built["a"], start=moment)
    meetings = Meeting.objects.filter(match=hand_built["a"]).order_by("pk")

    with timezone.override(zoneinfo.ZoneInfo(zone)):
        for kind in ("day", "month"):
            ours = list(meetings.values_list(figures.LocalDate("start", kind), flat=True))
            djangos = list(meetings.values_list(Trunc("start", kind, output_field=DateField()), flat=True))
            assert ours == djangos
            assert ours[-len(moments) :] == [
                timezone.localdate(moment) if kind == "day" else timezone.localdate(moment).replace(day=1)
                for moment in moments
            ]
        ended = list(Match.objects.order_by("pk").values_list(figures.LocalDate("ended_at"), flat=True))
        assert ended.count(None) == 3


# --- Work queue ---------------------------------------------------------------------------------


def test_work_queue_lists_pairs_at_risk_with_what_to_do(programme, hand_built):
    queue = figures.work_queue(programme=programme, now=NOW)

    assert queue["pairs_total"] == 2
    b, a = queue["pairs"]  # open flags first
    assert b["match"] == hand_built["b"]
    assert [reason["kind"] for reason in b["reasons"]] == ["flag_cancellations", "flag_inactivity", "overdue_goals"]
    # The open inactivity flag covers "no meeting for long": no second line for it.
    assert b["reasons"][0]["url"].startswith("/flags/")
    assert a["match"] == hand_built["a"]
    assert [reason["kind"] for reason in a["reasons"]] == ["overdue_goals"]
    assert a["reasons"][0]["url"] == f"/matches/{hand_built['a'].pk}/"


def test_work_queue_no_meeting_for_long_and_unlogged(programme, hand_built):
    DashboardSettings.objects.create(programme=programme, no_meeting_days=20)
    quiet = MatchFactory(
        programme=programme, status="active", published_at=at("2026-01-01"), started_at=at("2026-01-02")
    )
    MeetingFactory(match=quiet, start=at("2026-02-01"), status=Meeting.Status.COMPLETED)
    unlogged = MeetingFactory(match=hand_built["a"], start=at("2026-03-10"), status=Meeting.Status.SCHEDULED)

    queue = figures.work_queue(programme=programme, now=NOW)

    by_match = {item["match"].pk: item for item in queue["pairs"]}
    assert queue["no_meeting_days"] == 20
    assert [reason["label"] for reason in by_match[quiet.pk]["reasons"]] == ["No meeting for 42 days"]
    assert by_match[quiet.pk]["reasons"][0]["action"] == "Contact the pair"
    kinds = [reason["kind"] for reason in by_match[hand_built["a"].pk]["reasons"]]
    assert kinds == ["unlogged", "overdue_goals"]
    assert by_match[hand_built["a"].pk]["reasons"][0]["url"] == f"/meetings/{unlogged.pk}/"


def test_work_queue_a_pair_that_meets_soon_is_not_quiet(programme):
    match = MatchFactory(
        programme=programme, status="active", published_at=at("2026-01-01"), started_at=at("2026-01-02")
    )
    MeetingFactory(match=match, start=at("2026-03-20"))

    queue = figures.work_queue(programme=programme, now=NOW)

    assert queue["pairs_total"] == 0


def test_work_queue_unanswered_requests(programme, hand_built):
    old = MentorRequestFactory(programme=programme, mentor=hand_built["mentors"][2], mentee=hand_built["mentees"][3])
    _set(MentorRequest, old.pk, created_at=at("2026-03-01"))
    fresh = MentorRequestFactory(programme=programme, mentor=hand_built["mentors"][2])
    _set(MentorRequest, fresh.pk, created_at=at("2026-03-14"))

    queue = figures.work_queue(programme=programme, now=NOW)

    assert queue["requests_total"] == 1
    assert queue["requests"][0]["request"] == old
    assert queue["requests"][0]["days_waiting"] == 14
    assert queue["requests"][0]["url"] == f"/programmes/enrolments/{old.mentor_id}/"


def test_work_queue_is_limited_but_counts_everything(programme):
    for _ in range(4):
        match = MatchFactory(programme=programme, status="active", started_at=at("2026-01-02"))
        Flag.objects.create(match=match, kind=Flag.Kind.INACTIVITY)

    queue = figures.work_queue(programme=programme, now=NOW, limit=3)

    assert len(queue["pairs"]) == 3
    assert queue["pairs_total"] == 4


# --- Exports and the HR overview ----------------------------------------------------------------


def test_figures_table_rows(programme, hand_built, other_programme):
    rows = figures.figures_table(programmes=[programme, other_programme], now=NOW, **FEBRUARY)

    ours = {row["figure"]: row["value"] for row in rows if row["programme"] == programme.name}
    theirs = {row["figure"]: row["value"] for row in rows if row["programme"] == other_programme.name}
    assert ours["Match rate (%)"] == 75.0
    assert ours["Meetings planned"] == 6
    assert ours["Cancelled by the mentee"] == 2
    assert ours["Mentors who left (withdrawn or removed)"] == 1
    assert ours["Open flags: No meetings"] == 1
    assert ours["Satisfaction"] == "No ratings yet"
    assert theirs["Meetings planned"] == 0
    assert theirs["Match rate (%)"] is None
    assert set(rows[0]) == {"programme", "figure", "value"}


def test_hr_overview_departments_and_trends(programme, hand_built, other_programme):
    first_mentee = hand_built["mentees"][0].user
    first_mentee.profile.department = "Engineering"
    first_mentee.profile.save()
    EnrolmentFactory(programme=other_programme, user=first_mentee, role="mentee")

    overview = figures.hr_overview(date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 3, 31), now=NOW)

    assert [row["programme"]["slug"] for row in overview["programmes"]] == ["leadership-2027", "sales-academy"]
    engineering = next(row for row in overview["departments"] if row["department"] == "Engineering")
    assert engineering == {
        "department": "Engineering", "people": 1, "mentors": 0, "mentees": 1, "mentees_matched": 1,
        "match_rate": 100.0, "programmes": 2,
    }  # fmt: skip
    trends = overview["trends"]
    assert trends["buckets"] == [datetime.date(2026, 1, 1), datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)]
    assert trends["matches_started"] == [2, 1, 0]
    assert trends["meetings_held"] == [0, 2, 0]
    assert trends["goals_achieved"] == [0, 1, 0]
    assert trends["mentees_joined"] == [1, 3, 0]


# --- Constant queries ----------------------------------------------------------------------------


def _populate(programme, pairs: int) -> None:
    """`pairs` active pairs, each with meetings of every outcome, goals, flags and a request."""
    for index in range(pairs):
        match = MatchFactory(
            programme=programme, status="active", published_at=at("2026-01-01"), started_at=at("2026-01-02")
        )
        for status, day in (("completed", "2026-01-10"), ("cancelled", "2026-02-01"), ("scheduled", "2026-03-01")):
            MeetingFactory(match=match, start=at(day), status=status, cancelled_by=match.mentee.user)
        goal = GoalFactory(match=match, target_date=datetime.date(2026, 2, 1), progress=index % 100)
        MilestoneFactory(goal=goal, due_on=datetime.date(2026, 1, 20))
        Flag.objects.create(match=match, kind=Flag.Kind.CANCELLATIONS)
        MentorRequestFactory(programme=programme, mentor=match.mentor)
        EnrolmentFactory(programme=programme, role="mentee", status="applied")
    MentorRequest.objects.filter(programme=programme).update(created_at=at("2026-03-01"))


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as context:
        callable_()
    return len(context.captured_queries)


def _dashboard(programme) -> None:
    numbers = figures.programme_figures(programme=programme, now=NOW)
    figures.programme_series(programme=programme, now=NOW, first_activity=numbers["period"]["first_activity"])
    figures.work_queue(programme=programme, now=NOW)


def test_dashboard_queries_do_not_grow_with_participants(coordinator):
    small = ProgrammeFactory(coordinators=[coordinator])
    large = ProgrammeFactory(coordinators=[coordinator])
    _populate(small, 2)
    _populate(large, 40)

    assert _queries(lambda: _dashboard(small)) == _queries(lambda: _dashboard(large))
    assert _queries(lambda: _dashboard(large)) <= 30


def test_overview_and_figures_table_queries_do_not_grow_with_programmes(db):
    _populate(ProgrammeFactory(), 2)
    overview_few = _queries(lambda: figures.hr_overview(now=NOW))
    table_few = _queries(lambda: figures.figures_table(programmes=Programme.objects.all(), now=NOW))
    for _ in range(6):
        _populate(ProgrammeFactory(), 3)

    overview_many = _queries(lambda: figures.hr_overview(now=NOW))
    table_many = _queries(lambda: figures.figures_table(programmes=Programme.objects.all(), now=NOW))

    assert overview_few == overview_many
    assert table_few == table_many
