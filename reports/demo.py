"""A demo programme that has been running for months: pairs with a meeting history
(held, cancelled, postponed, no-shows), goals with milestones and updates, action
items, and the flags the real sweeps raise from that history. The dashboards, reports,
exports and timelines then show something worth looking at on a fresh machine.

History cannot be made through the services (they refuse meetings in the past), so the
past rows are written directly, then the real sweeps run over them.
"""

import random
from datetime import date, datetime, time, timedelta

from django.db.models import F
from django.utils import timezone

from goals.models import Goal, GoalTemplate, Milestone, MilestoneTemplate, ProgressUpdate
from goals.services import goals as goal_services
from goals.services.flags import raise_overdue_goal_flags
from matching.models import Match
from matching.services import matches as match_services
from matching.services import proposals as proposal_services
from profiles.models import User
from programmes.models import Enrolment, Programme
from programmes.services import enrolments as enrolment_services
from programmes.services import programmes as programme_services
from sessions.models import ActionItem, Meeting
from sessions.services.flags import raise_inactivity_flags, raise_meeting_flags

GRADUATES = {
    "slug": "graduate-mentoring-2026",
    "name": "Graduate Mentoring 2026",
    "description": "This year's graduates, each paired with a mentor for their first six months.",
    "kind": Programme.Kind.ONE_TO_ONE,
    "meeting_cadence_days": 14,
    "relationship_weeks": 26,
    "agreement_text": "We meet every two weeks and keep what we discuss between us.",
}
PAIRS = 8
WEEKS_RUNNING = 16

TEMPLATES = [
    (
        "Settle into the role",
        "The first months decide how confident you feel in the team.",
        "Own one piece of work end to end and present it to the team.",
        12,
        [("Agreement signed", 2), ("First piece of work chosen", 4), ("Work presented to the team", 10)],
    ),
    (
        "Build a network across the company",
        "People outside your team will help you for years.",
        "Ten conversations with people in other departments.",
        20,
        [("List of ten people", 3), ("First five conversations", 10), ("All ten conversations", 18)],
    ),
]

GOALS = [
    ("Present at the engineering all-hands", "Speaking in front of 200 people.", "A 10-minute talk, given."),
    ("Get the cloud practitioner certificate", "The team runs on it.", "Certificate passed."),
    ("Lead a project retrospective", "Practise facilitation.", "One retrospective run with written outcomes."),
]


def seed_running_programme(coordinator: User) -> int:
    """Returns 1 when it made the programme, 0 when an earlier run did."""
    if Programme.objects.filter(slug=GRADUATES["slug"]).exists():
        return 0
    rng = random.Random(2026)  # noqa: S311 -- deterministic demo data, not security
    today = timezone.localdate()
    started = today - timedelta(weeks=WEEKS_RUNNING)
    fields = {key: value for key, value in GRADUATES.items() if key not in {"slug", "name"}}
    programme = programme_services.create_programme(
        created_by=coordinator, name=GRADUATES["name"], starts_on=started,
        ends_on=started + timedelta(weeks=GRADUATES["relationship_weeks"]), **fields,
    )  # fmt: skip
    Programme.objects.filter(pk=programme.pk).update(slug=GRADUATES["slug"])
    programme.refresh_from_db()
    _templates(programme, coordinator)

    mentors = [f"mentor{n:02d}@example.com" for n in range(1, PAIRS + 1)]
    mentees = [f"mentee{n:02d}@example.com" for n in range(1, PAIRS + 3)]  # two still waiting for a mentor
    for email in mentors:
        enrolment_services.add_participant(programme=programme, email=email, role=Enrolment.Role.MENTOR, by=coordinator)
    for email in mentees:
        enrolment_services.add_participant(programme=programme, email=email, role=Enrolment.Role.MENTEE, by=coordinator)
    for status in ("enrolling", "matching", "running"):
        programme = programme_services.transition_programme(programme=programme, to_status=status, by=coordinator)

    enrolments = {e.user.email: e for e in programme.enrolments.select_related("user")}
    for index in range(PAIRS):
        mentor, mentee = enrolments[mentors[index]], enrolments[mentees[index]]
        match = proposal_services.create_manual_match(
            programme=programme, mentor=mentor, mentee=mentee, by=coordinator, publish=True
        )
        for side in (mentor.user, mentee.user):
            match = match_services.accept_match(match=match, user=side, agreement_accepted=True)
        begun = _backdate(match, started + timedelta(days=rng.randint(0, 6)))
        _meetings(match, begun, index, rng)
        _goals(match, begun, index, rng)
    # The pair that went quiet ended early; the rest are active.
    last = Match.objects.filter(programme=programme, mentee=enrolments[mentees[PAIRS - 1]]).get()
    match_services.end_match(match=last, by=coordinator, outcome=Match.Outcome.ENDED_EARLY, reason="Changed teams.")

    # The real sweeps read the history and raise what a coordinator should look at.
    now = timezone.now()
    raise_meeting_flags(now=now)
    raise_inactivity_flags(now=now)
    raise_overdue_goal_flags(now=now)
    return 1


def _templates(programme: Programme, coordinator: User) -> None:
    for position, (title, why, measure, target, milestones) in enumerate(TEMPLATES):
        template = GoalTemplate.objects.create(
            programme=programme, title=title, why=why, success_measure=measure, target_week=target,
            position=position, created_by=coordinator,
        )  # fmt: skip
        MilestoneTemplate.objects.bulk_create(
            MilestoneTemplate(template=template, title=name, due_week=week, position=n)
            for n, (name, week) in enumerate(milestones)
        )


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


def _backdate(match: Match, begun: date) -> date:
    moment = _at(begun, 9)
    Match.objects.filter(pk=match.pk).update(
        created_at=moment - timedelta(days=3), published_at=moment - timedelta(days=3),
        mentor_accepted_at=moment - timedelta(days=2), mentee_accepted_at=moment - timedelta(days=1),
        mentor_agreed_at=moment - timedelta(days=2), mentee_agreed_at=moment - timedelta(days=1), started_at=moment,
    )  # fmt: skip
    return begun


def _meetings(match: Match, begun: date, index: int, rng: random.Random) -> None:
    """Every two weeks since the start. Pair 2's mentee keeps cancelling (a flag), pair 5's
    mentor keeps postponing, pair 7 stopped meeting after a month."""
    mentor, mentee = match.mentor.user, match.mentee.user
    today = timezone.localdate()
    rows = []
    day = begun + timedelta(days=3)
    while day < today - timedelta(days=1):
        if index == PAIRS - 1 and day > begun + timedelta(weeks=4):
            break
        start = _at(day, 10 + index % 6)
        meeting = Meeting(
            match=match, organiser=mentee, start=start, duration_minutes=60, mode=Meeting.Mode.ONLINE,
            video_link="https://meet.example.com/graduates", uid=Meeting.new_uid(),
            agenda="Progress on goals, and what is next.", created_at=start - timedelta(days=7),
        )  # fmt: skip
        roll = rng.random()
        recent = day > today - timedelta(days=45)
        if index == 2 and recent and roll < 0.8:
            _cancel(meeting, by=mentee, reason=Meeting.CancelReason.WORKLOAD, start=start)
        elif index == 5 and recent and roll < 0.8:
            meeting.status = Meeting.Status.RESCHEDULED
            meeting.rescheduled_by = mentor
            meeting.rescheduled_at = start - timedelta(hours=20)
            meeting.notice_hours = 20
        elif roll < 0.1:
            _cancel(meeting, by=rng.choice([mentor, mentee]), reason=Meeting.CancelReason.ILLNESS, start=start)
        elif roll < 0.15:
            meeting.status = Meeting.Status.NO_SHOW
            meeting.absent = rng.choice([Meeting.Absent.MENTOR, Meeting.Absent.MENTEE])
            meeting.logged_by, meeting.logged_at = mentor, start + timedelta(hours=2)
        else:
            meeting.status = Meeting.Status.COMPLETED
            meeting.topics = rng.sample(["goals", "feedback", "career", "networking", "skills"], 2)
            meeting.logged_by, meeting.logged_at = rng.choice([mentor, mentee]), start + timedelta(hours=3)
        rows.append(meeting)
        day += timedelta(days=14)
    Meeting.objects.bulk_create(rows)
    # auto_now_add stamped them today; scheduled a week ahead is closer to life.
    Meeting.objects.filter(match=match).update(created_at=F("start") - timedelta(days=7))
    held = [m for m in rows if m.status == Meeting.Status.COMPLETED]
    if held:
        last = held[-1]
        ActionItem.objects.create(
            match=match, meeting=Meeting.objects.filter(match=match, start=last.start).first(), owner=mentee,
            created_by=mentor, description="Send the draft plan to the mentor", due_on=today - timedelta(days=3),
        )  # fmt: skip
    if index % 3 != 2:
        ActionItem.objects.create(
            match=match, owner=mentor, created_by=mentor,
            description="Introduce the mentee to someone in finance", due_on=today + timedelta(days=7),
        )  # fmt: skip


def _cancel(meeting: Meeting, *, by: User, reason: str, start: datetime) -> None:
    meeting.status = Meeting.Status.CANCELLED
    meeting.cancelled_by = by
    meeting.cancelled_at = start - timedelta(hours=30)
    meeting.cancel_reason = reason
    meeting.notice_hours = 30


def _goals(match: Match, begun: date, index: int, rng: random.Random) -> None:
    mentor, mentee = match.mentor.user, match.mentee.user
    templates = list(GoalTemplate.objects.filter(programme=match.programme).order_by("position"))
    adopted = goal_services.adopt_template(match=match, template=templates[index % len(templates)], by=mentee)
    milestones = list(adopted.milestones.order_by("position"))
    today = timezone.localdate()
    for milestone in milestones:
        # Pair 4 fell behind: its milestones past due stay open (an overdue-goals flag).
        if milestone.due_on and milestone.due_on < today - timedelta(days=3) and index != 4:
            goal_services.set_milestone_done(milestone=milestone, by=mentee, done=True)
            done_at = _at(milestone.due_on - timedelta(days=rng.randint(0, 4)), 17)
            Milestone.objects.filter(pk=milestone.pk).update(done_at=done_at)
    title, why, measure = GOALS[index % len(GOALS)]
    own = goal_services.create_goal(
        match=match, by=mentee, title=title, why=why, success_measure=measure,
        target_date=begun + timedelta(weeks=14 + index % 4), status=Goal.Status.IN_PROGRESS, manual_progress=0,
    )  # fmt: skip
    progress = min(100, 20 + 12 * index)
    goal_services.add_progress_update(
        goal=own, by=mentee, text="Booked the slot and drafted an outline.", progress=progress
    )
    update = ProgressUpdate.objects.filter(goal=own).first()
    goal_services.add_feedback(goal=own, by=mentor, text="Good start: rehearse it with me once.", update=update)
    if index in (0, 3):
        goal_services.set_goal_status(goal=own, by=mentee, status=Goal.Status.ACHIEVED)
    for goal in (adopted, own):
        Goal.objects.filter(pk=goal.pk).update(created_at=_at(begun + timedelta(days=4), 18))
