"""Issue journey: a mentee adds a goal with two milestones from a programme template,
the mentor comments, the mentee completes the milestones and the goal, and both see the
celebration on the pair's timeline."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from goals.models import Goal, GoalTemplate, MilestoneTemplate
from notifications.models import Notification
from tests.e2e.test_meeting_journey import sign_in, sign_out
from tests.factories import EnrolmentFactory, MatchFactory, ProgrammeFactory, UserFactory

pytestmark = pytest.mark.e2e


def test_a_pair_works_through_a_goal_and_celebrates_it(page, screenshot, transactional_db):
    coordinator = UserFactory(first_name="Carmen")
    programme = ProgrammeFactory(name="Graduates", status="running", coordinators=[coordinator])
    template = GoalTemplate.objects.create(
        programme=programme, title="Settle into the role", target_week=12, created_by=coordinator,
        success_measure="Own one piece of work end to end and present it.",
    )  # fmt: skip
    MilestoneTemplate.objects.create(template=template, title="Agreement signed", due_week=2, position=0)
    MilestoneTemplate.objects.create(template=template, title="Work presented to the team", due_week=10, position=1)
    mona = EnrolmentFactory(programme=programme, role="mentor", user__first_name="Mona")
    milo = EnrolmentFactory(programme=programme, role="mentee", user__first_name="Milo")
    match = MatchFactory(programme=programme, mentor=mona, mentee=milo, status="active", started_at=timezone.now())

    # The mentee adopts the programme's suggestion: a goal with its two milestones.
    sign_in(page, milo.user)
    page.goto(f"/matches/{match.pk}/goals/")
    expect(page.get_by_role("heading", name="Suggested by the programme")).to_be_visible()
    page.get_by_role("button", name="Adopt “Settle into the role”").click()
    expect(page.get_by_role("heading", name=re.compile("Settle into the role"))).to_be_visible()
    expect(page.get_by_role("button", name="Mark “Agreement signed” done")).to_be_visible()
    expect(page.get_by_role("button", name="Mark “Work presented to the team” done")).to_be_visible()
    goal = Goal.objects.get(match=match)
    assert goal.milestones.count() == 2
    screenshot("50-goal-adopted")
    sign_out(page)

    # The mentor comments on the goal.
    sign_in(page, mona.user)
    page.goto(f"/goals/{goal.pk}/")
    page.get_by_label("Your feedback on the goal").fill("A good first goal: pick the work with your lead.")
    page.get_by_role("button", name="Send feedback").first.click()
    expect(page.get_by_text("A good first goal: pick the work with your lead.")).to_be_visible()
    sign_out(page)

    # The mentee reads it, ticks both milestones and marks the goal achieved.
    sign_in(page, milo.user)
    page.goto(f"/goals/{goal.pk}/")
    expect(page.get_by_text("A good first goal: pick the work with your lead.")).to_be_visible()
    page.get_by_role("button", name="Mark “Agreement signed” done").click()
    expect(page.get_by_role("button", name="Mark “Agreement signed” not done")).to_be_visible()
    page.get_by_role("button", name="Mark “Work presented to the team” done").click()
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    page.get_by_role("button", name=re.compile("Mark the goal achieved")).click()
    expect(page.get_by_text(re.compile("achieved", re.I)).first).to_be_visible()
    goal.refresh_from_db()
    assert goal.status == Goal.Status.ACHIEVED
    page.goto(f"/matches/{match.pk}/timeline/")
    expect(page.get_by_text("Goal achieved: Settle into the role")).to_be_visible()
    expect(page.get_by_text(re.compile("Milestone reached: Agreement signed"))).to_be_visible()
    screenshot("51-goal-celebrated-mentee")
    sign_out(page)

    # The mentor was told and sees the same celebration.
    assert Notification.objects.filter(recipient=mona.user, kind="goal_achieved").count() == 1
    sign_in(page, mona.user)
    page.goto(f"/matches/{match.pk}/")
    expect(page.get_by_text("Goal achieved: Settle into the role").first).to_be_visible()
    expect(page.get_by_text("Achievement").first).to_be_visible()
    screenshot("52-goal-celebrated-mentor")
