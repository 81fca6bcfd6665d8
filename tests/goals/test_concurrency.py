"""Both sides of a pair at the same moment: every milestone ticked counts in the progress,
a goal achieved twice at once is celebrated once, a template adopted twice at once is
adopted once."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from goals.models import Goal, Milestone
from goals.services import goals as services
from notifications.models import Notification
from tests.factories import GoalFactory, GoalTemplateFactory, MatchFactory, MilestoneFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises every writer, so two requests never overlap there; CI runs these on PostgreSQL.",
    ),
]


def run_together(*actions):
    """Run each action in its own thread and database connection, released at once by a barrier."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[object] = [None] * len(actions)

    def worker(index, action):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = action()
        except Exception as error:  # the outcome is what the test checks
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


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
