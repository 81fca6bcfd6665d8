import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goals.models import Goal, GoalSettings, GoalTemplate, Milestone, ProgressUpdate
from notifications.models import Notification
from tests.factories import (
    ActionItemFactory,
    GoalFactory,
    GoalTemplateFactory,
    MatchFactory,
    MilestoneFactory,
    MilestoneTemplateFactory,
    ProgressUpdateFactory,
)

FUTURE = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()


def _goal_form(**overrides) -> dict:
    return {
        "rows": "3",
        "title": "Lead the weekly team meeting",
        "why": "Visibility with the leadership team",
        "success_measure": "Lead 4 meetings in a row",
        "target_date": FUTURE,
        "manual_progress": "0",
        **overrides,
    }


# --- Writing goals -----------------------------------------------------------------------


def test_write_a_goal_with_skills_and_first_milestones(client, match, mentee, mentee_skills):
    client.force_login(mentee)

    response = client.post(
        reverse("goal-create", args=[match.pk]),
        _goal_form(skills=[mentee_skills[0].pk], milestone_0_title="Draft an agenda", milestone_0_due_on=FUTURE),
    )

    goal = Goal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == goal.get_absolute_url()
    assert list(goal.skills.all()) == [mentee_skills[0]]
    assert list(goal.milestones.values_list("title", flat=True)) == ["Draft an agenda"]


def test_form_errors_are_shown_with_the_smart_hints(client, match, mentee):
    client.force_login(mentee)

    response = client.post(
        reverse("goal-create", args=[match.pk]),
        _goal_form(title="", success_measure="", target_date="", milestone_1_due_on=FUTURE),
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in page
    assert "Say what the milestone is, or clear its date." in page
    assert "No target date: when will you know?" in page
    assert "No measure of success" in page
    assert not Goal.objects.exists()


def test_a_skill_off_the_profile_is_a_field_error(client, match, mentee, mentor):
    from tests.factories import SkillFactory

    skill = SkillFactory(name="Negotiation")
    mentor.profile.skills_offered.add(skill)
    client.force_login(mentee)

    response = client.post(reverse("goal-create", args=[match.pk]), _goal_form(skills=[skill.pk]))

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Goal.objects.exists()


def test_check_my_goal_shows_hints_without_saving(client, match, mentee):
    client.force_login(mentee)

    response = client.post(reverse("goal-create", args=[match.pk]), _goal_form(target_date="", check="1"))

    assert response.status_code == 200
    assert "No target date: when will you know?" in response.content.decode()
    assert not Goal.objects.exists()


def test_live_hints_for_htmx(client, mentee):
    client.force_login(mentee)

    response = client.post(reverse("goal-hints"), {"title": "Grow", "success_measure": "more", "target_date": ""})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="smart-hints"' in page
    assert "No target date: when will you know?" in page
    assert "No number in the measure" in page
    assert "<html" not in page


def test_the_form_offers_only_the_mentees_skills(client, match, mentor, mentee_skills):
    client.force_login(mentor)

    page = client.get(reverse("goal-create", args=[match.pk])).content.decode()

    assert "Public speaking" in page
    assert "Excel" in page
    assert 'hx-post="/goals/hints/"' in page


def test_a_template_prefills_the_form_and_counts_as_adopted(client, match, mentee):
    template = GoalTemplateFactory(programme=match.programme, title="Agree how we work", target_week=6)
    MilestoneTemplateFactory(template=template, title="Agreement signed", due_week=2)
    client.force_login(mentee)

    page = client.get(reverse("goal-create", args=[match.pk]) + f"?template={template.pk}").content.decode()

    assert 'value="Agree how we work"' in page
    assert 'value="Agreement signed"' in page
    assert 'value="2027-01-18"' in page
    response = client.post(
        reverse("goal-create", args=[match.pk]),
        _goal_form(title="Agree how we work, our way", template=template.pk, milestone_0_title="Signed"),
    )
    assert response.status_code == 302
    assert Goal.objects.get().template == template
    second = client.post(reverse("goal-create", args=[match.pk]), _goal_form(template=template.pk))
    assert second.status_code == 400
    assert "already adopted" in second.content.decode()


def test_adopt_a_suggestion_and_refuse_it_twice(client, match, mentee):
    template = GoalTemplateFactory(programme=match.programme, title="Agree how we work", target_week=6)
    MilestoneTemplateFactory(template=template, title="Agreement signed", due_week=2)
    client.force_login(mentee)
    url = reverse("goal-adopt", args=[match.pk, template.pk])

    response = client.post(url, follow=True)

    goal = Goal.objects.get()
    assert response.redirect_chain[-1][0] == goal.get_absolute_url()
    assert goal.milestones.get().due_on == datetime.date(2027, 1, 18)
    again = client.post(url, follow=True)
    assert "You already adopted “Agree how we work”" in again.content.decode()
    assert Goal.objects.count() == 1


def test_adopting_a_template_of_another_programme_is_404(client, match, mentee, other_programme):
    foreign = GoalTemplateFactory(programme=other_programme)
    client.force_login(mentee)

    assert client.post(reverse("goal-adopt", args=[match.pk, foreign.pk])).status_code == 404


def test_edit_goal_hides_hand_set_progress_when_there_are_milestones(client, goal, mentee):
    client.force_login(mentee)
    url = reverse("goal-edit", args=[goal.pk])
    assert 'name="manual_progress"' in client.get(url).content.decode()

    MilestoneFactory(goal=goal)
    page = client.get(url).content.decode()
    response = client.post(url, _goal_form(title="Chair the weekly team meeting", manual_progress="90"))

    assert 'name="manual_progress"' not in page
    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.title, goal.manual_progress, goal.progress) == ("Chair the weekly team meeting", 0, 0)


# --- A goal's page -----------------------------------------------------------------------


def test_the_goal_page_shows_everything_about_the_goal(client, goal, mentor, mentee, mentee_skills):
    goal.skills.add(mentee_skills[0])
    goal.target_date = timezone.localdate() - datetime.timedelta(days=1)
    goal.progress = 50
    goal.save()
    MilestoneFactory(goal=goal, title="Agenda drafted", done_at=timezone.now(), done_by=mentee)
    MilestoneFactory(goal=goal, title="First meeting led")
    update = ProgressUpdateFactory(goal=goal, text="Led the Monday meeting")
    goal.feedback.create(update=update, author=mentor, text="Nicely done on Monday")
    goal.feedback.create(author=mentor, text="A goal that matters")
    ActionItemFactory(match=goal.match, goal=goal, description="Book the room")
    client.force_login(mentee)

    page = client.get(goal.get_absolute_url()).content.decode()

    for text in (
        "Lead the weekly team meeting", "It matters for my next role.", "Lead 4 meetings in a row", "Public speaking",
        "Agenda drafted", "First meeting led", "Led the Monday meeting", "Nicely done on Monday",
        "A goal that matters", "Book the room", "Overdue", 'role="progressbar"', 'aria-valuenow="50"',
    ):  # fmt: skip
        assert text in page, text
    assert "Give feedback" not in page


def test_the_mentor_marks_a_milestone_done_and_both_are_told_once(client, goal, mentor, mentee):
    milestone = MilestoneFactory(goal=goal, title="Agenda drafted")
    MilestoneFactory(goal=goal)
    client.force_login(mentor)
    url = reverse("milestone-done", args=[goal.pk, milestone.pk])

    response = client.post(url, {"done": "1"}, follow=True)
    client.post(url, {"done": "1"})

    assert "★ Milestone done: “Agenda drafted”" in response.content.decode()
    milestone.refresh_from_db()
    goal.refresh_from_db()
    assert milestone.done_by == mentor
    assert goal.progress == 50
    assert Notification.objects.filter(kind="milestone_done").count() == 2


def test_achieving_celebrates_on_the_page(client, goal, mentee):
    client.force_login(mentee)

    response = client.post(reverse("goal-status", args=[goal.pk]), {"status": "achieved"}, follow=True)

    page = response.content.decode()
    assert "★ Goal achieved" in page
    assert "Well done, both of you!" in page
    assert 'aria-valuenow="100"' in page
    assert Notification.objects.filter(kind="goal_achieved").count() == 2


def test_progress_update_with_hand_set_progress(client, goal, mentor):
    client.force_login(mentor)

    response = client.post(reverse("goal-update-add", args=[goal.pk]), {"text": "Half way", "progress": "50"})

    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.progress, goal.status) == (50, "in_progress")


def test_a_progress_over_100_is_a_form_error(client, goal, mentor):
    client.force_login(mentor)

    response = client.post(reverse("goal-update-add", args=[goal.pk]), {"text": "Overdone", "progress": "150"})

    assert response.status_code == 400
    assert "less than or equal to 100" in response.content.decode()
    assert not ProgressUpdate.objects.exists()


def test_mentor_feedback_on_an_update_tells_the_mentee(client, goal, mentor, mentee):
    update = ProgressUpdateFactory(goal=goal)
    client.force_login(mentor)

    response = client.post(reverse("goal-feedback-add", args=[goal.pk]), {"text": "Well argued", "update": update.pk})

    assert response.status_code == 302
    assert response["Location"].endswith(f"#update-{update.pk}")
    assert update.feedback.get().text == "Well argued"
    assert Notification.objects.get(kind="goal_feedback").recipient == mentee


def test_feedback_on_an_update_of_another_goal_is_a_form_error(client, goal, mentor):
    other = ProgressUpdateFactory(goal=GoalFactory(match=goal.match))
    client.force_login(mentor)

    response = client.post(reverse("goal-feedback-add", args=[goal.pk]), {"text": "Hm", "update": other.pk})

    assert response.status_code == 400
    assert "belongs to another goal" in response.content.decode()


def test_milestone_edit_and_delete(client, goal, mentee):
    milestone = MilestoneFactory(goal=goal, title="Old")
    client.force_login(mentee)

    assert client.post(reverse("milestone-edit", args=[goal.pk, milestone.pk]), {"title": ""}).status_code == 400
    client.post(reverse("milestone-edit", args=[goal.pk, milestone.pk]), {"title": "New", "due_on": FUTURE})
    milestone.refresh_from_db()
    assert milestone.title == "New"
    client.post(reverse("milestone-delete", args=[goal.pk, milestone.pk]))
    assert not Milestone.objects.exists()


def test_a_milestone_of_another_goal_is_404(client, goal, mentee):
    foreign = MilestoneFactory()
    client.force_login(mentee)

    response = client.post(reverse("milestone-done", args=[goal.pk, foreign.pk]), {"done": "1"})

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.done_at is None


def test_an_ended_match_is_read_only_with_a_clear_message(client, goal, mentee):
    goal.match.status = "ended"
    goal.match.save()
    client.force_login(mentee)

    page = client.get(goal.get_absolute_url()).content.decode()

    assert "This match is over" in page
    assert reverse("goal-update-add", args=[goal.pk]) not in page
    assert reverse("goal-edit", args=[goal.pk]) not in page
    assert client.post(reverse("goal-status", args=[goal.pk]), {"status": "achieved"}).status_code == 403
    assert client.get(reverse("goal-create", args=[goal.match_id])).status_code == 403


# --- Lists and the pair's page -----------------------------------------------------------


def test_my_goals_are_grouped_by_match_and_filtered_by_status(client, goal, mentor, other_programme):
    other = MatchFactory(programme=other_programme, status="active", mentor__user=mentor)
    GoalFactory(match=other, title="Coach a new mentor", status="achieved", achieved_at=timezone.now())
    GoalFactory(title="Someone else's goal")
    client.force_login(mentor)

    page = client.get(reverse("goal-list")).content.decode()
    achieved = client.get(reverse("goal-list") + "?status=achieved").content.decode()

    assert "Lead the weekly team meeting" in page
    assert "Coach a new mentor" in page
    assert "Someone else" not in page
    assert "Sales Academy" in page
    assert "Coach a new mentor" in achieved
    assert "Lead the weekly team meeting" not in achieved


def test_my_goals_without_matches_explains_where_goals_come_from(client, outsider):
    client.force_login(outsider)

    assert "Goals belong to a mentoring match" in client.get(reverse("goal-list")).content.decode()


def test_the_pair_page_shows_goals_and_suggestions(client, goal, mentee):
    GoalTemplateFactory(programme=goal.match.programme, title="Agree how we work")
    GoalTemplateFactory(programme=goal.match.programme, title="Withdrawn one", is_active=False)
    client.force_login(mentee)

    page = client.get(reverse("match-detail", args=[goal.match_id])).content.decode()

    assert "Lead the weekly team meeting" in page
    assert 'role="progressbar"' in page
    assert "Agree how we work" in page
    assert "Withdrawn one" not in page
    assert reverse("goal-create", args=[goal.match_id]) in page


def test_adopted_suggestions_are_no_longer_offered(client, goal, mentee):
    template = GoalTemplateFactory(programme=goal.match.programme, title="Agree how we work")
    GoalFactory(match=goal.match, template=template, title="Adopted")
    client.force_login(mentee)

    page = client.get(reverse("match-goals", args=[goal.match_id])).content.decode()

    assert reverse("goal-adopt", args=[goal.match_id, template.pk]) not in page


def _count_queries(client, url: str) -> int:
    client.get(url)  # the first request of a session does some bookkeeping of its own
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _grow(match, goals: int) -> None:
    for n in range(goals):
        goal = GoalFactory(match=match)
        MilestoneFactory.create_batch(2, goal=goal, done_at=timezone.now() if n % 2 else None)
        ProgressUpdateFactory(goal=goal)


@pytest.mark.parametrize("url_name", ["goal-list", "match-goals", "match-detail"])
def test_list_pages_query_counts_do_not_grow_with_goals(client, match, mentee, url_name):
    url = reverse(url_name) if url_name == "goal-list" else reverse(url_name, args=[match.pk])
    GoalTemplateFactory.create_batch(2, programme=match.programme)
    _grow(match, 2)
    client.force_login(mentee)
    small = _count_queries(client, url)

    _grow(match, 8)
    _grow(MatchFactory(status="active", mentee__user=mentee), 3)

    assert _count_queries(client, url) == small


def test_goal_list_query_count_does_not_grow_with_matches(client, match, mentee):
    _grow(match, 2)
    client.force_login(mentee)
    small = _count_queries(client, reverse("goal-list"))

    for _ in range(4):
        _grow(MatchFactory(status="active", mentee__user=mentee), 3)

    assert _count_queries(client, reverse("goal-list")) == small


def test_goal_page_query_count_does_not_grow(client, goal, mentor):
    def grow(times: int) -> None:
        for _ in range(times):
            MilestoneFactory(goal=goal, done_by=mentor, done_at=timezone.now())
            update = ProgressUpdateFactory(goal=goal)
            goal.feedback.create(update=update, author=mentor, text="Good")
            goal.feedback.create(author=mentor, text="Good")
            ActionItemFactory(match=goal.match, goal=goal)

    grow(1)
    client.force_login(mentor)
    small = _count_queries(client, goal.get_absolute_url())

    grow(6)

    assert _count_queries(client, goal.get_absolute_url()) == small


# --- Coordinators ------------------------------------------------------------------------


def test_coordinator_suggests_a_goal_with_milestones(client, programme, coordinator):
    client.force_login(coordinator)
    data = {
        "title": "Agree how we work",
        "success_measure": "Signed agreement",
        "target_week": "6",
        "is_active": "on",
        "milestones-TOTAL_FORMS": "3",
        "milestones-INITIAL_FORMS": "0",
        "milestones-0-title": "Agreement signed",
        "milestones-0-due_week": "2",
        "milestones-1-title": "First review",
        "milestones-1-due_week": "",
    }

    refused = client.post(reverse("goal-template-create", args=[programme.slug]), data)
    data["milestones-1-due_week"] = "4"
    saved = client.post(reverse("goal-template-create", args=[programme.slug]), data)

    assert refused.status_code == 400
    assert "Say in which week it is due." in refused.content.decode()
    assert saved.status_code == 302
    template = GoalTemplate.objects.get()
    assert list(template.milestones.values_list("title", "due_week")) == [("Agreement signed", 2), ("First review", 4)]
    page = client.get(reverse("goal-template-list", args=[programme.slug])).content.decode()
    assert "Agreement signed" in page
    assert "Goal settings" in page


def test_coordinator_edits_withdraws_moves_and_deletes_templates(client, programme, coordinator):
    first = GoalTemplateFactory(programme=programme, title="First", target_week=None)
    second = GoalTemplateFactory(programme=programme, title="Second")
    client.force_login(coordinator)
    slug = programme.slug

    client.post(
        reverse("goal-template-edit", args=[slug, first.pk]),
        {"title": "First, edited", "milestones-TOTAL_FORMS": "1", "milestones-INITIAL_FORMS": "0",
         "milestones-0-title": "Week one", "milestones-0-due_week": "1"},
    )  # fmt: skip
    client.post(reverse("goal-template-active", args=[slug, second.pk]), {"active": "0"})
    client.post(reverse("goal-template-move", args=[slug, second.pk]), {"direction": "up"})

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.title, first.is_active, second.is_active) == ("First, edited", False, False)
    assert second.position < first.position
    assert client.get(reverse("goal-template-delete", args=[slug, second.pk])).status_code == 200
    client.post(reverse("goal-template-delete", args=[slug, second.pk]))
    assert list(GoalTemplate.objects.values_list("title", flat=True)) == ["First, edited"]


def test_goal_settings_form(client, programme, coordinator):
    client.force_login(coordinator)
    url = reverse("goal-settings", args=[programme.slug])

    refused = client.post(url, {"overdue_grace_days": "400"})
    saved = client.post(url, {"overdue_grace_days": "7", "hr_sees_content": "on"})

    assert refused.status_code == 400
    assert saved.status_code == 302
    settings = GoalSettings.objects.get(programme=programme)
    assert (settings.overdue_grace_days, settings.hr_sees_content) == (7, True)


def test_a_closed_programmes_templates_are_read_only(client, programme, coordinator):
    GoalTemplateFactory(programme=programme, title="Old suggestion")
    programme.status = "closed"
    programme.save()
    client.force_login(coordinator)

    page = client.get(reverse("goal-template-list", args=[programme.slug])).content.decode()
    response = client.post(
        reverse("goal-template-create", args=[programme.slug]),
        {"title": "New", "milestones-TOTAL_FORMS": "0", "milestones-INITIAL_FORMS": "0"},
    )

    assert "no longer change" in page
    assert reverse("goal-template-create", args=[programme.slug]) not in page
    assert response.status_code == 400
    assert "closed" in response.content.decode()


def test_my_goal_counts_count_each_goal_once_whatever_the_number_of_coordinators(
    client, goal, mentor, other_coordinator
):
    goal.match.programme.coordinators.add(other_coordinator)
    client.force_login(mentor)

    filters = {key: count for key, _label, count in client.get(reverse("goal-list")).context["filters"]}

    assert filters[""] == 1
    assert filters[goal.status] == 1
