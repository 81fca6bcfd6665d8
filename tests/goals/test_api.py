import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from goals.models import Feedback, Goal, GoalSettings, GoalTemplate, Milestone
from notifications.models import Notification
from tests.factories import (
    GoalFactory,
    GoalTemplateFactory,
    MilestoneFactory,
    MilestoneTemplateFactory,
    ProgressUpdateFactory,
    SkillFactory,
)

FUTURE = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()


@pytest.fixture
def api():
    return APIClient()


# --- Goals -------------------------------------------------------------------------------


def test_create_a_goal_with_milestones_and_skills(api, match, mentee, mentee_skills):
    api.force_authenticate(mentee)

    response = api.post(
        "/api/v1/goals/",
        {
            "match": match.pk,
            "title": "Lead the weekly team meeting",
            "success_measure": "4 meetings",
            "target_date": FUTURE,
            "skills": [mentee_skills[0].pk],
            "milestones": [{"title": "Draft an agenda", "due_on": FUTURE}, {"title": "Lead one"}],
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["skills"] == [{"id": mentee_skills[0].pk, "name": "Public speaking"}]
    assert (body["milestones_total"], body["milestones_done"], body["progress"]) == (2, 0, 0)
    assert body["hints"] == ["Why does it matter? Writing it down keeps you going when it gets hard."]
    assert Goal.objects.get().created_by == mentee


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"status": "finished"}, "status"),
        ({"target_date": "soon"}, "target_date"),
        ({"manual_progress": 150}, "manual_progress"),
        ({"skills": [2**62]}, "skills"),
        ({"skills": ["abc"]}, "skills"),
        ({"milestones": [{"title": ""}]}, "milestones"),
        ({"match": 2**70}, "match"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, match, mentee, payload, field):
    api.force_authenticate(mentee)

    response = api.post("/api/v1/goals/", {"match": match.pk, "title": "Grow", **payload})

    assert response.status_code == 400
    assert field in response.json()
    assert not Goal.objects.exists()


def test_a_skill_off_the_mentees_profile_is_a_400(api, match, mentee, mentor):
    skill = SkillFactory(name="Negotiation")
    mentor.profile.skills_offered.add(skill)
    api.force_authenticate(mentee)

    response = api.post("/api/v1/goals/", {"match": match.pk, "title": "Grow", "skills": [skill.pk]})

    assert response.status_code == 400
    assert "Negotiation" in response.json()["skills"][0]


def test_create_is_404_for_a_foreign_match_and_403_for_readers(
    api, match, outsider, other_mentor, coordinator, hr_admin
):
    for person, status in ((outsider, 404), (other_mentor, 404), (coordinator, 403), (hr_admin, 403)):
        api.force_authenticate(person)
        assert api.post("/api/v1/goals/", {"match": match.pk, "title": "Grow"}).status_code == status
    assert not Goal.objects.exists()


def test_an_ended_match_refuses_new_goals(api, match, mentee):
    match.status = "ended"
    match.save()
    api.force_authenticate(mentee)

    response = api.post("/api/v1/goals/", {"match": match.pk, "title": "Grow"})

    assert response.status_code == 403


def test_list_is_scoped_filtered_and_constant_in_queries(api, goal, mentee, django_assert_max_num_queries):
    GoalFactory(title="Someone else's")
    GoalFactory(match=goal.match, status="achieved", achieved_at=timezone.now())
    for n in range(5):
        other = GoalFactory(match=goal.match)
        MilestoneFactory.create_batch(2, goal=other, done_at=timezone.now() if n % 2 else None)
        other.skills.add(SkillFactory())
    api.force_authenticate(mentee)

    api.get("/api/v1/goals/")  # the first request of a session does some bookkeeping of its own

    with django_assert_max_num_queries(4):  # session, count, page, skills
        body = api.get("/api/v1/goals/").json()
    open_goals = api.get("/api/v1/goals/", {"status": "open", "match": goal.match_id}).json()

    assert body["count"] == 7
    assert "Someone else's" not in {row["title"] for row in body["results"]}
    assert open_goals["count"] == 6
    assert api.get("/api/v1/goals/", {"status": "nope"}).status_code == 400
    assert api.get("/api/v1/goals/", {"page": 99}).status_code == 404


def test_hr_reads_goals_only_where_the_programme_allows(api, goal, hr_admin):
    api.force_authenticate(hr_admin)
    assert api.get("/api/v1/goals/").json()["count"] == 0
    assert api.get(f"/api/v1/goals/{goal.pk}/").status_code == 404

    GoalSettings.objects.create(programme=goal.match.programme, hr_sees_content=True)

    assert api.get(f"/api/v1/goals/{goal.pk}/").json()["title"] == goal.title
    assert api.patch(f"/api/v1/goals/{goal.pk}/", {"title": "HR edit"}).status_code == 403


def test_retrieve_and_patch(api, goal, mentor, outsider):
    api.force_authenticate(mentor)

    response = api.patch(f"/api/v1/goals/{goal.pk}/", {"why": "Because", "target_date": None, "manual_progress": 30})

    assert response.status_code == 200, response.json()
    assert (response.json()["why"], response.json()["target_date"], response.json()["progress"]) == (
        "Because",
        None,
        30,
    )
    MilestoneFactory(goal=goal)
    refused = api.patch(f"/api/v1/goals/{goal.pk}/", {"manual_progress": 80})
    assert refused.status_code == 400
    assert "manual_progress" in refused.json()
    api.force_authenticate(outsider)
    assert api.get(f"/api/v1/goals/{goal.pk}/").status_code == 404


def test_status_action_celebrates_once(api, goal, mentee):
    api.force_authenticate(mentee)

    first = api.post(f"/api/v1/goals/{goal.pk}/status/", {"status": "achieved"})
    again = api.post(f"/api/v1/goals/{goal.pk}/status/", {"status": "achieved"})

    assert first.status_code == again.status_code == 200
    assert (first.json()["progress"], first.json()["achieved_by"]["id"]) == (100, mentee.pk)
    assert first.json()["achieved_at"] == again.json()["achieved_at"]
    assert Notification.objects.filter(kind="goal_achieved").count() == 2
    assert api.post(f"/api/v1/goals/{goal.pk}/status/", {"status": "nope"}).status_code == 400


# --- Milestones, updates, feedback -------------------------------------------------------


def test_milestones_list_add_change_tick_and_delete(api, goal, mentee, mentor):
    api.force_authenticate(mentee)

    created = api.post(f"/api/v1/goals/{goal.pk}/milestones/", {"title": "Agenda", "due_on": FUTURE})
    pk = created.json()["id"]
    changed = api.patch(f"/api/v1/goals/milestones/{pk}/", {"title": "Agenda drafted"})
    done = api.post(f"/api/v1/goals/milestones/{pk}/done/", {"done": True})
    api.force_authenticate(mentor)
    twice = api.post(f"/api/v1/goals/milestones/{pk}/done/", {"done": True})
    listed = api.get(f"/api/v1/goals/{goal.pk}/milestones/")

    assert created.status_code == 201
    assert changed.json()["title"] == "Agenda drafted"
    assert done.json()["done"] is True
    assert twice.json()["done_by"]["id"] == mentee.pk
    assert [row["title"] for row in listed.json()] == ["Agenda drafted"]
    assert api.get(f"/api/v1/goals/{goal.pk}/").json()["progress"] == 100
    assert Notification.objects.filter(kind="milestone_done").count() == 2
    assert api.delete(f"/api/v1/goals/milestones/{pk}/").status_code == 204
    assert not Milestone.objects.exists()


def test_milestones_of_invisible_goals_are_404_and_readers_403(api, goal, other_mentor, coordinator):
    milestone = MilestoneFactory(goal=goal)

    api.force_authenticate(other_mentor)
    assert api.post(f"/api/v1/goals/milestones/{milestone.pk}/done/", {"done": True}).status_code == 404
    assert api.patch(f"/api/v1/goals/milestones/{milestone.pk}/", {"title": "x"}).status_code == 404
    api.force_authenticate(coordinator)
    assert api.post(f"/api/v1/goals/milestones/{milestone.pk}/done/", {"done": True}).status_code == 403
    assert api.delete(f"/api/v1/goals/milestones/{milestone.pk}/").status_code == 403
    assert api.post(f"/api/v1/goals/{goal.pk}/milestones/", {"title": "x"}).status_code == 403

    milestone.refresh_from_db()
    assert milestone.done_at is None


def test_progress_updates(api, goal, mentee):
    api.force_authenticate(mentee)

    created = api.post(f"/api/v1/goals/{goal.pk}/updates/", {"text": "Half way", "progress": 50})
    listed = api.get(f"/api/v1/goals/{goal.pk}/updates/")
    MilestoneFactory(goal=goal)
    refused = api.post(f"/api/v1/goals/{goal.pk}/updates/", {"text": "More", "progress": 60})

    assert created.status_code == 201
    assert created.json()["progress"] == 50
    assert listed.json()["count"] == 1
    assert refused.status_code == 400
    assert "progress" in refused.json()
    assert api.post(f"/api/v1/goals/{goal.pk}/updates/", {"text": ""}).status_code == 400


def test_feedback_is_the_mentors(api, goal, mentor, mentee):
    update = ProgressUpdateFactory(goal=goal)
    foreign = ProgressUpdateFactory(goal=GoalFactory(match=goal.match))
    api.force_authenticate(mentor)

    created = api.post(f"/api/v1/goals/{goal.pk}/feedback/", {"text": "Good", "update": update.pk})
    on_goal = api.post(f"/api/v1/goals/{goal.pk}/feedback/", {"text": "A goal that matters"})
    wrong = api.post(f"/api/v1/goals/{goal.pk}/feedback/", {"text": "Hm", "update": foreign.pk})
    listed = api.get(f"/api/v1/goals/{goal.pk}/feedback/")
    api.force_authenticate(mentee)
    refused = api.post(f"/api/v1/goals/{goal.pk}/feedback/", {"text": "Self"})

    assert (created.status_code, on_goal.status_code, wrong.status_code, refused.status_code) == (201, 201, 400, 403)
    assert created.json()["update"] == update.pk
    assert "update" in wrong.json()
    assert [row["text"] for row in listed.json()["results"]] == ["Good", "A goal that matters"]
    assert Feedback.objects.count() == 2
    assert Notification.objects.filter(kind="goal_feedback", recipient=mentee).count() == 2


# --- Templates, adoption, settings -------------------------------------------------------


def test_coordinator_manages_templates(api, programme, coordinator):
    api.force_authenticate(coordinator)
    url = f"/api/v1/programmes/{programme.slug}/goal-templates/"

    first = api.post(
        url, {"title": "Agree how we work", "target_week": 6, "milestones": [{"title": "Signed", "due_week": 2}]}
    )
    second = api.post(url, {"title": "Give a talk"})
    late = api.post(url, {"title": "Late", "target_week": 2, "milestones": [{"title": "x", "due_week": 3}]})
    pk = first.json()["id"]
    patched = api.patch(f"/api/v1/goal-templates/{pk}/", {"is_active": False, "milestones": []})
    reordered = api.post(f"{url}reorder/", {"order": [second.json()["id"], pk]})

    assert first.status_code == 201, first.json()
    assert first.json()["milestones"] == [{"title": "Signed", "due_week": 2}]
    assert late.status_code == 400
    assert (patched.json()["is_active"], patched.json()["milestones"]) == (False, [])
    assert [row["title"] for row in reordered.json()] == ["Give a talk", "Agree how we work"]
    assert api.post(f"{url}reorder/", {"order": [pk]}).status_code == 400
    assert api.delete(f"/api/v1/goal-templates/{pk}/").status_code == 204
    assert GoalTemplate.objects.count() == 1


def test_participants_see_active_templates_and_cannot_change_them(api, match, mentee, outsider, other_programme):
    active = GoalTemplateFactory(programme=match.programme, title="On offer")
    withdrawn = GoalTemplateFactory(programme=match.programme, title="Withdrawn", is_active=False)
    api.force_authenticate(mentee)
    url = f"/api/v1/programmes/{match.programme.slug}/goal-templates/"

    assert [row["title"] for row in api.get(url).json()] == ["On offer"]
    assert api.get(f"/api/v1/goal-templates/{withdrawn.pk}/").status_code == 404
    assert api.patch(f"/api/v1/goal-templates/{active.pk}/", {"title": "Mine"}).status_code == 403
    assert api.post(url, {"title": "Mine"}).status_code == 403
    api.force_authenticate(outsider)
    assert api.get(url).status_code == 404
    assert api.get(f"/api/v1/programmes/{other_programme.slug}/goal-templates/").status_code == 404


def test_adopt_a_template(api, match, mentee):
    template = GoalTemplateFactory(programme=match.programme, title="Agree how we work", target_week=6)
    MilestoneTemplateFactory(template=template, title="Signed", due_week=2)
    foreign = GoalTemplateFactory()
    api.force_authenticate(mentee)
    url = f"/api/v1/matches/{match.pk}/goals/adopt/"

    adopted = api.post(url, {"template": template.pk})
    again = api.post(url, {"template": template.pk})

    assert adopted.status_code == 201
    assert (adopted.json()["template"], adopted.json()["target_date"]) == (template.pk, "2027-02-15")
    assert adopted.json()["milestones_total"] == 1
    assert again.status_code == 400
    assert "already adopted" in again.json()["template"][0]
    assert api.post(url, {"template": foreign.pk}).status_code == 404
    assert api.post(url, {"template": "x"}).status_code == 400


def test_adopt_is_403_for_coordinators(api, match, coordinator):
    template = GoalTemplateFactory(programme=match.programme)
    api.force_authenticate(coordinator)

    assert api.post(f"/api/v1/matches/{match.pk}/goals/adopt/", {"template": template.pk}).status_code == 403


def test_goal_settings(api, programme, coordinator, hr_admin, mentee):
    url = f"/api/v1/programmes/{programme.slug}/goal-settings/"
    api.force_authenticate(coordinator)

    read = api.get(url)
    changed = api.patch(url, {"overdue_grace_days": 3, "hr_sees_content": True})
    refused = api.patch(url, {"overdue_grace_days": -1})

    assert read.json() == {"programme": programme.slug, "overdue_grace_days": 14, "hr_sees_content": False}
    assert changed.json()["overdue_grace_days"] == 3
    assert refused.status_code == 400
    api.force_authenticate(hr_admin)
    assert api.get(url).json()["hr_sees_content"] is True
    assert api.patch(url, {"overdue_grace_days": 1}).status_code == 403
    api.force_authenticate(mentee)
    assert api.get(url).status_code == 403


def test_anonymous_is_401(api, goal):
    assert api.get("/api/v1/goals/").status_code == 401
    assert api.get(f"/api/v1/goals/{goal.pk}/").status_code == 401


def test_every_goal_operation_is_in_the_schema(client):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]

    for path in (
        "/api/v1/goals/", "/api/v1/goals/{id}/", "/api/v1/goals/{id}/status/", "/api/v1/goals/{id}/milestones/",
        "/api/v1/goals/{id}/updates/", "/api/v1/goals/{id}/feedback/", "/api/v1/goals/milestones/{id}/",
        "/api/v1/goals/milestones/{id}/done/", "/api/v1/programmes/{slug}/goal-templates/",
        "/api/v1/goal-templates/{id}/", "/api/v1/matches/{id}/goals/adopt/", "/api/v1/programmes/{slug}/goal-settings/",
    ):  # fmt: skip
        assert path in paths, path
