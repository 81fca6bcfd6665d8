"""Both sides of a pair at the same moment: every milestone ticked counts in the progress,
a goal achieved twice at once is celebrated once, a template adopted twice at once is
adopted once."""

import pytest
from django.core.exceptions import ValidationError

from goals.models import Goal, Milestone
from goals.services import goals as services
from notifications.models import Notification
from tests.concurrency import postgresql_only, run_together
from tests.factories import GoalFactory, GoalTemplateFactory, MatchFactory, MilestoneFactory

pytestmark = postgresql_only("SQLite serialises every writer, so two requests never overlap there")


@pytest.mark.parametrize("round_", range(3))
def test_two_milestones_ticked_at_once_both_count(round_):
    goal = GoalFactory(match=MatchFactory(status="active"))
    milestones = MilestoneFactory.create_batch(3, goal=goal)
    mentor, mentee = goal.match.mentor.user, goal.match.mentee.user

    outcomes = run_together(
        lambda: services.set_milestone_done(milestone=Milestone.objects.get(pk=milestones[0].pk), by=mentor, done=True),
        lambda: services.set_milestone_done(milestone=Milestone.objects.get(pk=milestones[1].pk), by=mentee, done=True),
    )

    assert all(isinstance(outcome, Milestone) for outcome in outcomes), outcomes
    goal.refresh_from_db()
    assert goal.progress == 67


def test_achieved_twice_at_once_is_celebrated_once():
    goal = GoalFactory(match=MatchFactory(status="active"))
    mentor, mentee = goal.match.mentor.user, goal.match.mentee.user

    outcomes = run_together(
        lambda: services.set_goal_status(goal=Goal.objects.get(pk=goal.pk), by=mentor, status="achieved"),
        lambda: services.set_goal_status(goal=Goal.objects.get(pk=goal.pk), by=mentee, status="achieved"),
    )

    assert all(isinstance(outcome, Goal) for outcome in outcomes), outcomes
    assert Notification.objects.filter(kind="goal_achieved").count() == 2


def test_a_template_adopted_twice_at_once_is_adopted_once():
    match = MatchFactory(status="active")
    template = GoalTemplateFactory(programme=match.programme)

    outcomes = run_together(
        lambda: services.adopt_template(match=match, template=template, by=match.mentor.user),
        lambda: services.adopt_template(match=match, template=template, by=match.mentee.user),
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Goal", "ValidationError"], outcomes
    assert isinstance(next(o for o in outcomes if not isinstance(o, Goal)), ValidationError)
    assert Goal.objects.filter(match=match, template=template).count() == 1
