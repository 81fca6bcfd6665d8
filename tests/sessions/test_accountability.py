"""Accountability: action items linked to goals, edited and un-done; overdue ones marked on
the pair's page and reminded to their owner exactly once per due date."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from goals.models import GoalSettings
from notifications.models import Notification
from sessions.models import ActionItem, ActionItemReminder
from sessions.services import meetings as services
from sessions.services.accountability import send_overdue_action_item_reminders
from sessions.tasks import send_overdue_action_item_reminders_task
from tests.concurrency import postgresql_only_test, run_together
from tests.factories import ActionItemFactory, GoalFactory, MatchFactory, MeetingFactory, ProgrammeFactory, pair_match

NOW = datetime.datetime(2027, 3, 10, 9, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def match(programme, mentor, mentee):
    return pair_match(programme, mentor, mentee, published_at=NOW - 60 * DAY, started_at=NOW - 60 * DAY)


@pytest.fixture
def goal(match):
    return GoalFactory(match=match, title="Lead the weekly team meeting")


@pytest.fixture
def other_goal(programme):
    return GoalFactory(match=MatchFactory(programme=programme, status="active"), title="Someone else's goal")


def item(match, owner, due_on, **kwargs) -> ActionItem:
    return ActionItemFactory(match=match, owner=owner, due_on=due_on, **kwargs)


def overdue_notifications(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind="action_item_overdue"))


# --- Reminders ---------------------------------------------------------------------------------


def test_an_overdue_item_is_reminded_to_its_owner_once(match, mentee, mentor, goal):
    late = item(match, mentee, TODAY - DAY, description="Draft my development plan", goal=goal)

    assert send_overdue_action_item_reminders(now=NOW) == 1
    assert send_overdue_action_item_reminders(now=NOW + DAY) == 0

    [told] = overdue_notifications(mentee)
    assert "Draft my development plan" in told.title
    assert "Tuesday 9 March 2027" in told.body
    assert "Mona Mentor" in told.body
    assert "Lead the weekly team meeting" in told.body
    assert told.url == f"/matches/{match.pk}/"
    assert not overdue_notifications(mentor)
    reminder = ActionItemReminder.objects.get()
    assert (reminder.item, reminder.due_on, reminder.sent_at) == (late, TODAY - DAY, NOW)


def test_an_item_due_today_is_not_late_yet(match, mentee):
    item(match, mentee, TODAY)

    assert send_overdue_action_item_reminders(now=NOW) == 0
    assert not ActionItemReminder.objects.exists()


def test_late_means_before_the_owners_own_today(match, mentor, mentee):
    # 05:00 UTC on 10 March: still 9 March in Honolulu, already 10 March in Berlin.
    early = datetime.datetime(2027, 3, 10, 5, 0, tzinfo=datetime.UTC)
    mentor.timezone, mentee.timezone = "Pacific/Honolulu", "Europe/Berlin"
    mentor.save(update_fields=["timezone"])
    mentee.save(update_fields=["timezone"])
    item(match, mentor, datetime.date(2027, 3, 9))
    item(match, mentee, datetime.date(2027, 3, 9))

    assert send_overdue_action_item_reminders(now=early) == 1

    assert overdue_notifications(mentee)
    assert not overdue_notifications(mentor)
    assert send_overdue_action_item_reminders(now=early + datetime.timedelta(hours=6)) == 1
    assert overdue_notifications(mentor)


def test_a_new_due_date_allows_one_more_reminder(match, mentee):
    late = item(match, mentee, TODAY - 3 * DAY)
    send_overdue_action_item_reminders(now=NOW)

    services.update_action_item(item=late, by=mentee, due_on=TODAY + 2 * DAY)
    assert send_overdue_action_item_reminders(now=NOW) == 0
    assert send_overdue_action_item_reminders(now=NOW + 3 * DAY) == 1
    assert send_overdue_action_item_reminders(now=NOW + 4 * DAY) == 0

    assert len(overdue_notifications(mentee)) == 2
    assert set(ActionItemReminder.objects.values_list("due_on", flat=True)) == {TODAY - 3 * DAY, TODAY + 2 * DAY}


def test_a_claim_left_unsent_is_sent_once_later(match, mentee):
    late = item(match, mentee, TODAY - 2 * DAY)
    ActionItemReminder.objects.create(item=late, due_on=late.due_on)

    assert send_overdue_action_item_reminders(now=NOW) == 1
    assert send_overdue_action_item_reminders(now=NOW) == 0

    assert ActionItemReminder.objects.get().sent_at == NOW
    assert len(overdue_notifications(mentee)) == 1


def test_done_items_and_items_without_a_date_are_not_reminded(match, mentee):
    item(match, mentee, TODAY - 5 * DAY, done_at=NOW - DAY)
    item(match, mentee, None)

    assert send_overdue_action_item_reminders(now=NOW) == 0
    assert not overdue_notifications(mentee)


def test_an_item_undone_after_its_reminder_is_not_reminded_again_for_the_same_date(match, mentee):
    late = item(match, mentee, TODAY - 2 * DAY)
    send_overdue_action_item_reminders(now=NOW)
    services.complete_action_item(item=late, by=mentee)

    services.reopen_action_item(item=late, by=mentee)

    assert send_overdue_action_item_reminders(now=NOW + DAY) == 0
    assert len(overdue_notifications(mentee)) == 1


@pytest.mark.parametrize("status", ["ended", "declined", "draft"])
def test_items_of_matches_that_are_over_are_not_reminded(match, mentee, status):
    item(match, mentee, TODAY - 2 * DAY)
    match.status = status
    match.save(update_fields=["status"])

    assert send_overdue_action_item_reminders(now=NOW) == 0
    assert not ActionItemReminder.objects.exists()


def test_several_late_items_of_one_owner_come_in_one_message(match, mentee):
    item(match, mentee, TODAY - 2 * DAY, description="Read the chapter on feedback")
    item(match, mentee, TODAY - 9 * DAY, description="Book a slot with the team lead")

    assert send_overdue_action_item_reminders(now=NOW) == 2

    [told] = overdue_notifications(mentee)
    assert told.title == "2 action items are overdue"
    assert told.body.index("Book a slot with the team lead") < told.body.index("Read the chapter on feedback")
    assert "9 days ago" in told.body


def test_the_periodic_task_sends_the_reminders(match, mentee):
    item(match, mentee, timezone.localdate() - 2 * DAY)

    assert send_overdue_action_item_reminders_task() == 1


@postgresql_only_test("SQLite serialises every writer, so two sweeps never overlap there")
def test_two_sweeps_at_once_remind_each_item_once():
    programme = ProgrammeFactory()
    for _ in range(30):
        pair = MatchFactory(programme=programme, status="active", started_at=NOW - 30 * DAY)
        ActionItemFactory(match=pair, due_on=TODAY - 2 * DAY)
    outcomes = run_together(
        lambda: send_overdue_action_item_reminders(now=NOW), lambda: send_overdue_action_item_reminders(now=NOW)
    )

    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert sum(outcomes) == 30
    assert Notification.objects.filter(kind="action_item_overdue").count() == 30
    assert ActionItemReminder.objects.filter(sent_at__isnull=True).count() == 0


# --- Goals on action items, editing, un-doing (services) -------------------------------------


def test_an_action_item_serves_one_of_the_pairs_goals(match, mentor, mentee, goal):
    linked = services.add_action_item(match=match, created_by=mentor, owner=mentee, description="Plan", goal=goal)

    assert linked.goal == goal


def test_another_pairs_goal_is_refused_on_the_goal_field(match, mentor, mentee, other_goal):
    with pytest.raises(ValidationError) as error:
        services.add_action_item(match=match, created_by=mentor, owner=mentee, description="Plan", goal=other_goal)

    assert "goal" in error.value.message_dict
    assert not ActionItem.objects.exists()


def test_the_meeting_log_links_its_action_items_to_goals(match, mentor, mentee, goal, other_goal):
    past = MeetingFactory(match=match, start=timezone.now() - datetime.timedelta(hours=2))
    services.log_meeting(
        meeting=past, by=mentor, action_items=[services.ActionItemInput("Prepare the agenda", owner=mentee, goal=goal)]
    )
    assert past.action_items.get().goal == goal

    refused = MeetingFactory(match=match, start=timezone.now() - datetime.timedelta(hours=1))
    with pytest.raises(ValidationError, match="goal"):
        services.log_meeting(
            meeting=refused, by=mentor, action_items=[services.ActionItemInput("Plan", owner=mentee, goal=other_goal)]
        )
    refused.refresh_from_db()
    assert refused.status == "scheduled"


def test_an_item_is_edited_field_by_field(match, mentor, mentee, goal):
    planned = item(match, mentee, TODAY, description="Plan")

    services.update_action_item(item=planned, by=mentor, description="  Plan   the quarter ", owner=mentor, goal=goal)
    planned.refresh_from_db()
    assert (planned.description, planned.owner, planned.due_on, planned.goal) == (
        "Plan the quarter",
        mentor,
        TODAY,
        goal,
    )

    services.update_action_item(item=planned, by=mentor, due_on=None, goal=None)
    planned.refresh_from_db()
    assert (planned.due_on, planned.goal, planned.description) == (None, None, "Plan the quarter")


@pytest.mark.parametrize(
    ("change", "field"),
    [("description", "description"), ("owner", "owner"), ("goal", "goal")],
)
def test_bad_edits_are_refused_on_their_field(match, mentee, other_goal, outsider, change, field):
    planned = item(match, mentee, TODAY, description="Plan")
    value = {"description": "   ", "owner": outsider, "goal": other_goal}[change]

    with pytest.raises(ValidationError) as error:
        services.update_action_item(item=planned, by=mentee, **{change: value})

    assert field in error.value.message_dict
    planned.refresh_from_db()
    assert (planned.description, planned.owner, planned.goal) == ("Plan", mentee, None)


def test_items_of_a_match_that_ended_do_not_change(match, mentee):
    planned = item(match, mentee, TODAY, done_at=NOW)
    match.status = "ended"
    match.save(update_fields=["status"])

    with pytest.raises(ValidationError, match="not active"):
        services.update_action_item(item=planned, by=mentee, description="New")
    with pytest.raises(ValidationError, match="not active"):
        services.reopen_action_item(item=planned, by=mentee)


def test_reopening_needs_a_done_item(match, mentee):
    planned = item(match, mentee, TODAY)

    with pytest.raises(ValidationError, match="not done"):
        services.reopen_action_item(item=planned, by=mentee)

    services.complete_action_item(item=planned, by=mentee)
    assert services.reopen_action_item(item=planned, by=mentee).done_at is None


# --- The pair's page and the item pages -------------------------------------------------------


def test_the_pairs_page_lists_overdue_items_first_and_marked(client, match, mentee):
    item(match, mentee, timezone.localdate() + 3 * DAY, description="Later task")
    item(match, mentee, timezone.localdate() - 4 * DAY, description="Late task")
    item(match, mentee, None, description="Someday task")
    client.force_login(mentee)

    page = client.get(reverse("match-detail", args=[match.pk])).content.decode()

    section = page[page.index('id="action-items-heading"') :]
    assert "1 overdue" in section
    assert section.index("Late task") < section.index("Later task") < section.index("Someday task")
    late_row = section[section.index("Late task") : section.index("Later task")]
    assert "Overdue" in late_row


def test_the_goal_of_an_item_shows_to_those_who_read_goals_only(client, match, mentee, hr_admin, programme, goal):
    item(match, mentee, None, description="Prepare slides", goal=goal)

    client.force_login(mentee)
    assert "Lead the weekly team meeting" in client.get(reverse("match-detail", args=[match.pk])).content.decode()
    client.force_login(hr_admin)
    page = client.get(reverse("match-detail", args=[match.pk])).content.decode()
    assert "Prepare slides" in page
    assert "Lead the weekly team meeting" not in page
    GoalSettings.objects.create(programme=programme, hr_sees_content=True)
    assert "Lead the weekly team meeting" in client.get(reverse("match-detail", args=[match.pk])).content.decode()


def test_adding_an_item_from_the_pairs_page_links_a_goal(client, match, mentor, mentee, goal, other_goal):
    client.force_login(mentor)
    url = reverse("action-item-add", args=[match.pk])

    client.post(url, {"description": "Draft the talk", "owner": "mentee", "goal": goal.pk})
    refused = client.post(url, {"description": "Sneaky", "owner": "mentee", "goal": other_goal.pk}, follow=True)

    assert ActionItem.objects.get().goal == goal
    assert "Select a valid choice" in refused.content.decode()


def test_the_log_form_offers_the_pairs_open_goals(client, match, mentor, mentee, goal):
    GoalFactory(match=match, title="Done already", status="achieved", achieved_at=NOW)
    past = MeetingFactory(match=match, start=timezone.now() - datetime.timedelta(hours=1))
    client.force_login(mentor)

    page = client.get(reverse("meeting-log", args=[past.pk])).content.decode()
    client.post(
        reverse("meeting-log", args=[past.pk]),
        {"outcome": "held", "item_0_description": "Read", "item_0_owner": "mentee", "item_0_goal": goal.pk},
    )

    assert "Lead the weekly team meeting" in page
    assert "Done already" not in page
    assert past.action_items.get().goal == goal


def test_editing_an_item(client, match, mentor, mentee, goal):
    planned = item(match, mentee, TODAY, description="Plan")
    client.force_login(mentor)
    url = reverse("action-item-edit", args=[planned.pk])

    assert client.get(url).status_code == 200
    response = client.post(url, {"description": "Plan the quarter", "owner": "mentor", "due_on": "", "goal": goal.pk})

    assert response.status_code == 302
    assert response.url == f"/matches/{match.pk}/#action-items-heading"
    planned.refresh_from_db()
    assert (planned.description, planned.owner, planned.due_on, planned.goal) == (
        "Plan the quarter",
        mentor,
        None,
        goal,
    )


def test_an_invalid_edit_shows_the_form_again(client, match, mentee):
    planned = item(match, mentee, TODAY, description="Plan")
    client.force_login(mentee)

    response = client.post(reverse("action-item-edit", args=[planned.pk]), {"description": "", "owner": "mentee"})

    assert response.status_code == 400
    planned.refresh_from_db()
    assert planned.description == "Plan"


def test_un_doing_an_item_from_the_meeting_page(client, match, mentee):
    meeting = MeetingFactory(match=match, start=timezone.now() - DAY, status="completed")
    done = item(match, mentee, TODAY, meeting=meeting, done_at=NOW)
    client.force_login(mentee)

    assert "Not done yet" in client.get(meeting.get_absolute_url()).content.decode()
    response = client.post(reverse("action-item-reopen", args=[done.pk]), {"back": "meeting"})

    assert response.url == meeting.get_absolute_url()
    done.refresh_from_db()
    assert done.done_at is None


@pytest.mark.parametrize(
    ("persona", "edit", "reopen"),
    [
        ("mentor", 200, 302),
        ("mentee", 200, 302),
        ("coordinator", 403, 403),
        ("hr_admin", 403, 403),
        ("outsider", 404, 404),
    ],
)
def test_who_may_edit_and_undo_items(client, request, match, mentee, persona, edit, reopen):
    done = item(match, mentee, TODAY, done_at=NOW)
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("action-item-edit", args=[done.pk])).status_code == edit
    assert client.post(reverse("action-item-reopen", args=[done.pk])).status_code == reopen


def test_the_reopen_needs_post(client, match, mentee):
    done = item(match, mentee, TODAY, done_at=NOW)
    client.force_login(mentee)

    assert client.get(reverse("action-item-reopen", args=[done.pk])).status_code == 405


# --- API ----------------------------------------------------------------------------------------


@pytest.fixture
def api():
    return APIClient()


def test_the_api_links_items_to_goals(api, match, mentor, mentee, goal, other_goal):
    api.force_authenticate(mentor)

    created = api.post(
        "/api/v1/meetings/action-items/",
        {"match": match.pk, "description": "Plan", "owner": "mentee", "goal": goal.pk},
        format="json",
    )
    refused = api.post(
        "/api/v1/meetings/action-items/",
        {"match": match.pk, "description": "Plan", "owner": "mentee", "goal": other_goal.pk},
        format="json",
    )

    assert created.status_code == 201
    assert created.json()["goal"] == goal.pk
    assert refused.status_code == 400
    assert "goal" in refused.json()
    assert ActionItem.objects.count() == 1


def test_the_api_log_links_items_to_goals(api, match, mentor, goal, other_goal):
    past = MeetingFactory(match=match, start=timezone.now() - datetime.timedelta(hours=1))
    api.force_authenticate(mentor)

    refused = api.post(
        f"/api/v1/meetings/{past.pk}/log/",
        {"action_items": [{"description": "Read", "owner": "mentee", "goal": other_goal.pk}]},
        format="json",
    )
    logged = api.post(
        f"/api/v1/meetings/{past.pk}/log/",
        {"action_items": [{"description": "Read", "owner": "mentee", "goal": goal.pk}]},
        format="json",
    )

    assert refused.status_code == 400
    assert logged.status_code == 200
    assert past.action_items.get().goal == goal


def test_the_api_edits_and_undoes_items(api, match, mentor, mentee, goal):
    planned = item(match, mentee, TODAY, description="Plan", done_at=NOW)
    api.force_authenticate(mentor)
    url = f"/api/v1/meetings/action-items/{planned.pk}/"

    changed = api.patch(url, {"due_on": "2027-04-01", "goal": goal.pk, "owner": "mentor"}, format="json")
    cleared = api.patch(url, {"goal": None}, format="json")
    reopened = api.post(f"{url}reopen/")
    again = api.post(f"{url}reopen/")

    assert changed.status_code == 200
    assert (changed.json()["due_on"], changed.json()["goal"], changed.json()["owner"]["id"]) == (
        "2027-04-01",
        goal.pk,
        mentor.pk,
    )
    assert cleared.json()["goal"] is None
    assert cleared.json()["description"] == "Plan"
    assert reopened.status_code == 200
    assert reopened.json()["done_at"] is None
    assert again.status_code == 403


def test_the_api_refuses_bad_edits_with_field_messages(api, match, mentee, other_goal):
    planned = item(match, mentee, TODAY, description="Plan")
    api.force_authenticate(mentee)
    url = f"/api/v1/meetings/action-items/{planned.pk}/"

    assert "goal" in api.patch(url, {"goal": other_goal.pk}, format="json").json()
    assert "goal" in api.patch(url, {"goal": 2**70}, format="json").json()
    assert "due_on" in api.patch(url, {"due_on": "soon"}, format="json").json()
    assert "description" in api.patch(url, {"description": " "}, format="json").json()
    planned.refresh_from_db()
    assert (planned.description, planned.goal) == ("Plan", None)


@pytest.mark.parametrize(("persona", "read", "edit"), [("coordinator", 200, 403), ("outsider", 404, 404)])
def test_the_api_scopes_items(api, request, match, mentee, persona, read, edit):
    planned = item(match, mentee, TODAY)
    api.force_authenticate(request.getfixturevalue(persona))
    url = f"/api/v1/meetings/action-items/{planned.pk}/"

    assert api.get(url).status_code == read
    assert api.patch(url, {"description": "x"}, format="json").status_code == edit
    assert api.post(f"{url}reopen/").status_code == edit
