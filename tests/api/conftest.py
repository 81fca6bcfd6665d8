"""A realistic world for the API fuzzer: one programme per kind of object, and a token per role.

The ids and slugs of these objects are offered to the fuzzer for path parameters, so that a
good share of generated requests reach real rows instead of stopping at a 404.
"""

import datetime
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from rest_framework.authtoken.models import Token

from goals.models import Goal, GoalTemplate, Milestone
from matching.models import Match, PairBlock
from profiles.models import User
from programmes.models import ImportJob, ImportRow, Invitation
from reports.models import ExportJob
from sessions.models import ActionItem
from tests.factories import (
    AnswerFactory,
    EnrolmentFactory,
    MatchFactory,
    MatchRunFactory,
    MeetingFactory,
    MentorRequestFactory,
    NotificationFactory,
    ProgrammeFactory,
    QuestionFactory,
    SkillFactory,
)

CSV = "email,first name,last name,role\nada@example.com,Ada,Lovelace,mentor\nbad-address,Bad,Row,mentee\n"


@dataclass
class World:
    """Who calls (a token per role) and which ids exist, by the resource a path names."""

    tokens: dict[str, str | None]
    ids: dict[str, list[int | str]] = field(default_factory=dict)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The fuzzer calls the WSGI app directly, and every request sends request_started
    and request_finished, whose close_old_connections would close the connection holding
    the test's transaction (autocommit is off inside it). Django's test client
    disconnects it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_world(db, settings, tmp_path, coordinator, programme, mentor, mentee, hr_admin, site_admin, other_programme):
    settings.MEDIA_ROOT = tmp_path
    # Schemathesis' WSGI client sends `Host: localhost`.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    now = timezone.now()

    questions = [
        QuestionFactory(programme=programme, label="Why mentoring?", kind="long_text", required=True),
        QuestionFactory(programme=programme, label="Years of experience", kind="number"),
    ]
    mentee_enrolment = mentee.enrolments.get(programme=programme)
    mentor_enrolment = mentor.enrolments.get(programme=programme)
    AnswerFactory(enrolment=mentee_enrolment, question=questions[0], value="To grow")
    applicant = EnrolmentFactory(programme=programme, role="mentee", status="applied", source="application")
    invited = EnrolmentFactory(programme=programme, role="mentor", status="invited", source="invitation")
    spare_mentors = [EnrolmentFactory(programme=programme, role="mentor") for _ in range(2)]
    spare_mentees = [EnrolmentFactory(programme=programme, role="mentee") for _ in range(3)]

    job = ImportJob.objects.create(
        programme=programme,
        uploaded_by=coordinator,
        original_name="people.csv",
        status=ImportJob.Status.PREVIEWED,
        total_rows=2,
        counts={"create": 1, "error": 1},
    )
    job.file.save("people.csv", ContentFile(CSV.encode()), save=True)
    ImportRow.objects.create(job=job, line=2, email="ada@example.com", outcome="create", data={"role": "mentor"})
    ImportRow.objects.create(job=job, line=3, email="bad-address", outcome="error", message="Not an e-mail address.")
    invitations = [
        Invitation.objects.create(
            programme=programme,
            email=f"guest{n}@example.com",
            role="mentee",
            nonce=f"nonce{n}",
            invited_by=coordinator,
            expires_at=now + datetime.timedelta(days=14),
        )
        for n in range(2)
    ]

    run = MatchRunFactory(programme=programme, started_by=coordinator)
    proposals = [
        MatchFactory(programme=programme, mentor=spare_mentors[0], mentee=spare_mentees[0], run=run),
        MatchFactory(programme=programme, mentor=spare_mentors[1], mentee=spare_mentees[1], run=run, is_locked=True),
    ]
    published = MatchFactory(
        programme=programme,
        mentor=mentor_enrolment,
        mentee=mentee_enrolment,
        status=Match.Status.PROPOSED,
        published_at=now,
    )
    active = MatchFactory(
        programme=programme,
        mentor=spare_mentors[0],
        mentee=spare_mentees[2],
        status=Match.Status.ACTIVE,
        published_at=now,
        exclusive=False,
    )
    block = PairBlock.objects.create(
        programme=programme, mentor=spare_mentors[1], mentee=spare_mentees[0], created_by=coordinator
    )

    choosing = ProgrammeFactory(name="Mentees choose", mentees_choose_mentor=True, status="matching")
    choosing.coordinators.add(coordinator)
    chosen_mentor = EnrolmentFactory(programme=choosing, role="mentor", user=mentor)
    choosing_mentee = EnrolmentFactory(programme=choosing, role="mentee", user=mentee)
    request = MentorRequestFactory(programme=choosing, mentor=chosen_mentor, mentee=choosing_mentee)

    skills = [SkillFactory(name=name) for name in ("Python", "Negotiation")]
    notifications = [NotificationFactory(recipient=person) for person in (mentee, mentor, coordinator)]
    foreign = EnrolmentFactory(programme=other_programme, role="mentee")

    goal = Goal.objects.create(match=published, title="Run a workshop", created_by=mentee)
    milestone = Milestone.objects.create(goal=goal, title="Pick a date")
    template = GoalTemplate.objects.create(programme=programme, title="Settle in", created_by=coordinator)
    meeting = MeetingFactory(match=active)
    item = ActionItem.objects.create(match=published, owner=mentee, description="Read the book", goal=goal)
    export = ExportJob.objects.create(requested_by=coordinator, programme=programme, dataset="participants")

    people: dict[str, User] = {
        "mentee": mentee,
        "mentor": mentor,
        "coordinator": coordinator,
        "hr_admin": hr_admin,
        "site_admin": site_admin,
    }
    tokens: dict[str, str | None] = {"anonymous": None}
    tokens.update({role: Token.objects.create(user=person).key for role, person in people.items()})
    return World(
        tokens=tokens,
        ids={
            "slug": [programme.slug, choosing.slug, other_programme.slug],
            "user_id": [person.pk for person in people.values()],
            "enrolments": [
                mentee_enrolment.pk,
                mentor_enrolment.pk,
                applicant.pk,
                invited.pk,
                choosing_mentee.pk,
                foreign.pk,
            ],
            "imports": [job.pk],
            "invitations": [invitation.pk for invitation in invitations],
            "matches": [published.pk, active.pk, proposals[0].pk],
            "blocks": [block.pk],
            "proposals": [proposal.pk for proposal in proposals],
            "requests": [request.pk],
            "runs": [run.pk],
            "notifications": [notification.pk for notification in notifications],
            "skills": [skill.pk for skill in skills],
            "questions": [question.pk for question in questions],
            "goals": [goal.pk],
            "milestones": [milestone.pk],
            "goal-templates": [template.pk],
            "meetings": [meeting.pk],
            "action-items": [item.pk],
            "exports": [export.pk],
        },
    )
