"""Who may do what with goals, as one table per page: every persona against every action."""

import pytest
from django.urls import reverse

from goals import permissions
from goals.models import Feedback, Goal, GoalSettings, GoalTemplate, ProgressUpdate
from tests.factories import GoalTemplateFactory, ProgressUpdateFactory

PERSONAS = [
    "anonymous",
    "outsider",
    "mentee",
    "mentor",
    "other_mentor",
    "coordinator",
    "other_coordinator",
    "hr_admin",
    "hr_admin_reading",
    "site_admin",
]
# (url name, which object the url names, method, expected per persona in PERSONAS order).
# 302 for anonymous is the login redirect; 400 is an allowed POST with an empty form.
MATRIX = [
    ("match-goals", "match", "get", [302, 404, 200, 200, 404, 200, 404, 200, 200, 200]),
    ("goal-detail", "goal", "get", [302, 404, 200, 200, 404, 200, 404, 404, 200, 200]),
    ("goal-create", "match", "get", [302, 404, 200, 200, 404, 403, 404, 403, 403, 403]),
    ("goal-create", "match", "post", [302, 404, 400, 400, 404, 403, 404, 403, 403, 403]),
    ("goal-edit", "goal", "get", [302, 404, 200, 200, 404, 403, 404, 404, 403, 403]),
    ("goal-edit", "goal", "post", [302, 404, 400, 400, 404, 403, 404, 404, 403, 403]),
    ("goal-update-add", "goal", "post", [302, 404, 400, 400, 404, 403, 404, 404, 403, 403]),
    ("goal-feedback-add", "goal", "post", [302, 404, 403, 400, 404, 403, 404, 404, 403, 403]),
    ("goal-adopt", "adopt", "post", [302, 404, 302, 302, 404, 403, 404, 403, 403, 403]),
    ("goal-template-list", "programme", "get", [302, 404, 403, 403, 403, 200, 404, 200, 200, 200]),
    ("goal-template-create", "programme", "get", [302, 404, 403, 403, 403, 200, 404, 403, 403, 200]),
    ("goal-template-edit", "template", "get", [302, 404, 403, 403, 403, 200, 404, 403, 403, 200]),
    ("goal-settings", "programme", "get", [302, 404, 403, 403, 403, 200, 404, 200, 200, 200]),
    ("goal-settings", "programme", "post", [302, 404, 403, 403, 403, 400, 404, 403, 403, 400]),
]


@pytest.fixture
def template(programme):
    return GoalTemplateFactory(programme=programme, title="Agree how we work")


def _args(kind: str, goal: Goal, template: GoalTemplate) -> list:
    return {
        "match": [goal.match_id],
        "goal": [goal.pk],
        "programme": [goal.match.programme.slug],
        "template": [goal.match.programme.slug, template.pk],
        # The mentee adopts it (302 to the goal); the mentor is then told it is adopted already (302).
        "adopt": [goal.match_id, template.pk],
    }[kind]


def _act_as(client, request, persona: str, programme) -> None:
    client.logout()
    GoalSettings.objects.update_or_create(
        programme=programme, defaults={"hr_sees_content": persona == "hr_admin_reading"}
    )
    if persona == "hr_admin_reading":
        client.force_login(request.getfixturevalue("hr_admin"))
    elif persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))


@pytest.mark.parametrize(("name", "kind", "method", "expected"), MATRIX)
def test_permission_matrix_of_goal_pages(client, request, goal, template, name, kind, method, expected):
    url = reverse(name, args=_args(kind, goal, template))
    for persona, status in zip(PERSONAS, expected, strict=True):
        _act_as(client, request, persona, goal.match.programme)

        response = getattr(client, method)(url)

        assert response.status_code == status, persona
    assert Goal.objects.count() == (2 if name == "goal-adopt" else 1)
    assert not ProgressUpdate.objects.exists()
    assert not Feedback.objects.exists()


def test_hr_admins_see_counts_not_content_unless_the_programme_allows(client, goal, hr_admin):
    client.force_login(hr_admin)

    summary = client.get(reverse("match-goals", args=[goal.match_id])).content.decode()
    pair_page = client.get(reverse("match-detail", args=[goal.match_id])).content.decode()

    for page in (summary, pair_page):
        assert goal.title not in page
        assert "counts and progress only" in page
    assert "1 goal" in summary

    GoalSettings.objects.create(programme=goal.match.programme, hr_sees_content=True)
    assert goal.title in client.get(reverse("match-goals", args=[goal.match_id])).content.decode()


def test_the_other_pairs_mentor_sees_nothing_of_this_pair(client, goal, other_mentor, other_pair):
    client.force_login(other_mentor)

    assert client.get(reverse("goal-detail", args=[goal.pk])).status_code == 404
    assert goal.title not in client.get(reverse("goal-list")).content.decode()
    assert client.get(reverse("match-goals", args=[other_pair.pk])).status_code == 200


# (predicate, expected per persona) over the same personas, for the rules the pages do not show.
PREDICATES = [
    ("can_view_goals", [False, False, True, True, False, True, False, False, True, True]),
    ("can_edit_goals", [False, False, True, True, False, False, False, False, False, False]),
    ("can_give_feedback", [False, False, False, True, False, False, False, False, False, False]),
    ("can_manage_goal_templates", [False, False, False, False, False, True, False, False, False, True]),
    ("can_view_goal_templates", [False, False, False, False, False, True, False, True, True, True]),
]


@pytest.mark.parametrize(("predicate", "expected"), PREDICATES)
def test_permission_predicates(request, goal, predicate, expected):
    from django.contrib.auth.models import AnonymousUser

    subject = {
        "can_view_goals": goal.match,
        "can_edit_goals": goal.match,
        "can_give_feedback": goal,
        "can_manage_goal_templates": goal.match.programme,
        "can_view_goal_templates": goal.match.programme,
    }[predicate]
    for persona, allowed in zip(PERSONAS, expected, strict=True):
        GoalSettings.objects.update_or_create(
            programme=goal.match.programme, defaults={"hr_sees_content": persona == "hr_admin_reading"}
        )
        if persona == "anonymous":
            user = AnonymousUser()
        else:
            user = request.getfixturevalue("hr_admin" if persona == "hr_admin_reading" else persona)

        assert getattr(permissions, predicate)(user, subject) is allowed, persona


@pytest.mark.parametrize("status", ["ended", "declined"])
def test_nobody_writes_on_a_match_that_is_over(goal, mentor, mentee, status):
    goal.match.status = status
    goal.match.save()

    assert not permissions.can_edit_goals(mentee, goal.match)
    assert not permissions.can_edit_goals(mentor, goal.match)
    assert not permissions.can_give_feedback(mentor, goal)
    assert permissions.can_view_goals(mentee, goal.match)


def test_a_draft_match_shows_no_goals_to_the_pair(goal, mentee, coordinator):
    goal.match.status = "draft"
    goal.match.save()

    assert not permissions.can_view_goals(mentee, goal.match)
    assert not Goal.objects.visible_to(mentee).exists()
    assert permissions.can_view_goals(coordinator, goal.match)


def test_feedback_on_an_update_needs_the_goal_scope(client, goal, other_mentor):
    update = ProgressUpdateFactory(goal=goal)
    client.force_login(other_mentor)

    response = client.post(reverse("goal-feedback-add", args=[goal.pk]), {"text": "Hi", "update": update.pk})

    assert response.status_code == 404
    assert not Feedback.objects.exists()
