"""Capacity and one-live-match rules under concurrent writers (PostgreSQL row locks)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from matching.models import Match, MentorRequest
from matching.services import requests as services
from tests.concurrency import postgresql_only, run_together
from tests.factories import EnrolmentFactory, MentorRequestFactory, ProgrammeFactory

pytestmark = postgresql_only("SQLite has no row locks (SELECT ... FOR UPDATE is a no-op)")


def test_two_accepts_for_the_last_place_give_one_match():
    programme = ProgrammeFactory(mentees_choose_mentor=True, status="matching")
    mentor = EnrolmentFactory(programme=programme, role="mentor", capacity_override=1)
    requests = [MentorRequestFactory(programme=programme, mentor=mentor) for _ in range(2)]

    outcomes = run_together(
        *[
            lambda request=request: services.answer_request(request=request, user=mentor.user, accept=True, response="")
            for request in requests
        ]
    )

    assert sum(isinstance(outcome, MentorRequest) for outcome in outcomes) == 1
    refused = [outcome for outcome in outcomes if isinstance(outcome, ValidationError)]
    assert len(refused) == 1
    assert "no place left" in str(refused[0])
    assert Match.objects.filter(mentor=mentor).count() == 1
    assert MentorRequest.objects.filter(status="pending").count() == 1


def test_two_live_matches_for_one_mentee_at_once_give_one():
    programme = ProgrammeFactory()
    mentee = EnrolmentFactory(programme=programme, role="mentee")
    mentors = [EnrolmentFactory(programme=programme, role="mentor") for _ in range(2)]

    def create(mentor):
        with transaction.atomic():
            return Match.objects.create(programme=programme, mentor=mentor, mentee=mentee, status="proposed")

    outcomes = run_together(*[lambda mentor=mentor: create(mentor) for mentor in mentors])

    assert sum(isinstance(outcome, Match) for outcome in outcomes) == 1
    assert sum(isinstance(outcome, IntegrityError) for outcome in outcomes) == 1
    assert Match.objects.filter(mentee=mentee).live().count() == 1
