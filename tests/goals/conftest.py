import datetime

import pytest
from django.utils import timezone

from tests.factories import GoalFactory, MatchFactory, SkillFactory, pair_match

STARTED = datetime.datetime(2027, 1, 4, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def match(programme, mentor, mentee):
    """The personas' active match, started on Monday 4 January 2027."""
    return pair_match(programme, mentor, mentee, published_at=STARTED - datetime.timedelta(days=3), started_at=STARTED)


@pytest.fixture
def goal(match):
    return GoalFactory(match=match, title="Lead the weekly team meeting", success_measure="Lead 4 meetings in a row")


@pytest.fixture
def other_pair(programme):
    """Another active pair of the same programme."""
    return MatchFactory(programme=programme, status="active", started_at=timezone.now())


@pytest.fixture
def other_mentor(other_pair):
    return other_pair.mentor.user


@pytest.fixture
def mentee_skills(mentee):
    wanted, offered = SkillFactory(name="Public speaking"), SkillFactory(name="Excel")
    mentee.profile.skills_wanted.add(wanted)
    mentee.profile.skills_offered.add(offered)
    return [wanted, offered]
