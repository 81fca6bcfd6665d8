"""The pair's history: order, categories, pages, who reads what (goal content, never notes),
achievements, and a number of queries that does not grow with the history."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.paginator import InvalidPage
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from goals.models import Feedback, Goal, GoalSettings, ProgressUpdate
from matching.models import Flag, Match
from sessions.models import ActionItem, Meeting
from sessions.timeline import timeline_for
from tests.factories import (
    ActionItemFactory,
    GoalFactory,
    MeetingFactory,
    MeetingNoteFactory,
    MilestoneFactory,
    ProgressUpdateFactory,
    pair_match,
)

T0 = datetime.datetime(2027, 1, 4, 9, 0, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def at(obj, **times):
    """Set auto-filled times (created_at, raised_at…) that the factories cannot."""
    type(obj).objects.filter(pk=obj.pk).update(**times)
    for name, value in times.items():
        setattr(obj, name, value)
    return obj


@pytest.fixture
def match(programme, mentor, mentee):
    programme.agreement_text = "We meet every two weeks."
    programme.save(update_fields=["agreement_text"])
    return pair_match(
        programme,
        mentor,
        mentee,
        published_at=T0,
        mentor_accepted_at=T0 + HOUR,
        mentor_agreed_at=T0 + HOUR,
        mentee_accepted_at=T0 + 2 * HOUR,
        mentee_agreed_at=T0 + 2 * HOUR,
        started_at=T0 + 2 * HOUR,
    )


@pytest.fixture
def history(match, mentor, mentee, coordinator):
    """A month of a pair's life, with a note of each kind that must never show."""
    held = at(
        MeetingFactory(
            match=match, start=T0 + 3 * DAY, status="completed", topics=["Delegation"], logged_by=mentor,
            logged_at=T0 + 3 * DAY + HOUR,
        ),
        created_at=T0 + DAY,
    )  # fmt: skip
    MeetingNoteFactory(meeting=held, author=mentor, visibility="shared", text="SHARED NOTE TEXT")
    MeetingNoteFactory(meeting=held, author=mentee, visibility="private", text="PRIVATE NOTE TEXT")
    moved = at(
        MeetingFactory(
            match=match, start=T0 + 7 * DAY, status="rescheduled", rescheduled_by=mentee,
            rescheduled_at=T0 + 5 * DAY, reschedule_reason="Team offsite",
        ),
        created_at=T0 + 4 * DAY,
    )  # fmt: skip
    at(
        MeetingFactory(
            match=match, start=T0 + 8 * DAY, rescheduled_from=moved, uid=moved.uid, status="cancelled",
            cancelled_by=mentor, cancelled_at=T0 + 6 * DAY, cancel_reason="illness", cancel_note="Flu",
        ),
        created_at=T0 + 5 * DAY,
    )  # fmt: skip
    at(
        MeetingFactory(match=match, start=T0 + 10 * DAY, status="no_show", absent="mentee", logged_by=mentor),
        created_at=T0 + 9 * DAY,
    )
    goal = at(
        GoalFactory(match=match, title="Lead the weekly team meeting", created_by=mentee), created_at=T0 + 2 * DAY
    )
    agenda = ActionItemFactory(
        match=match, meeting=held, owner=mentee, created_by=mentor, goal=goal, description="Draft an agenda",
        done_at=T0 + 9 * DAY + HOUR,
    )  # fmt: skip
    at(agenda, created_at=T0 + 3 * DAY + 2 * HOUR)
    update = at(
        ProgressUpdateFactory(goal=goal, author=mentee, text="Led my first meeting", progress=40),
        created_at=T0 + 11 * DAY,
    )
    at(
        Feedback.objects.create(goal=goal, update=update, author=mentor, text="Great start"),
        created_at=T0 + 11 * DAY + HOUR,
    )
    at(
        MilestoneFactory(goal=goal, title="Run a meeting alone", done_at=T0 + 12 * DAY, done_by=mentee),
        created_at=T0 + 2 * DAY,
    )
    flag = at(Flag.objects.create(match=match, kind="cancellations", details={}), raised_at=T0 + 13 * DAY)
    Flag.objects.filter(pk=flag.pk).update(
        status="resolved", resolved_at=T0 + 14 * DAY, resolved_by=coordinator, resolution="Talked with both"
    )
    at(
        GoalFactory(match=match, title="Learn SQL", status="dropped", dropped_at=T0 + 15 * DAY),
        created_at=T0 + 2 * DAY + HOUR,
    )
    Goal.objects.filter(pk=goal.pk).update(status="achieved", achieved_at=T0 + 20 * DAY, achieved_by=mentee)
    Match.objects.filter(pk=match.pk).update(
        status="ended", ended_at=T0 + 30 * DAY, ended_by=mentor, end_outcome="completed", end_reason="All done"
    )
    match.refresh_from_db()
    return match


EXPECTED = [
    "match_ended",
    "goal_achieved",
    "goal_dropped",
    "flag_resolved",
    "flag_raised",
    "milestone_done",
    "goal_feedback",
    "progress_update",
    "meeting_no_show",
    "action_item_done",
    "meeting_scheduled",
    "meeting_cancelled",
    "meeting_rescheduled",
    "meeting_scheduled",
    "action_item_created",
    "meeting_held",
    "goal_created",
    "goal_created",
    "meeting_scheduled",
    "match_started",
    "agreement_accepted",
    "match_accepted",
    "agreement_accepted",
    "match_accepted",
    "match_proposed",
]


def kinds(page) -> list[str]:
    return [entry.kind for entry in page]


def texts(page) -> str:
    return "\n".join(f"{entry.text} {entry.detail}" for entry in page)


# --- Order, contents, categories, pages -------------------------------------------------------


def test_the_whole_history_newest_first(history, mentee):
    page = timeline_for(match=history, user=mentee, per_page=100)

    assert kinds(page) == EXPECTED
    assert page.paginator.count == len(EXPECTED)
    assert [entry.at for entry in page] == sorted((entry.at for entry in page), reverse=True)


def test_each_entry_says_who_did_what(history, mentor, mentee, coordinator):
    page = {entry.kind: entry for entry in reversed(timeline_for(match=history, user=mentee, per_page=100))}

    assert page["match_ended"].actor == mentor
    assert page["match_ended"].text == "Mona Mentor ended the match: completed."
    assert page["match_ended"].detail == "All done"
    assert page["meeting_cancelled"].text == "Mona Mentor cancelled the meeting of 12 Jan 2027, 09:00: illness."
    assert page["meeting_cancelled"].detail == "Flu"
    assert page["meeting_rescheduled"].actor == mentee
    assert page["meeting_rescheduled"].text == (
        "Milo Mentee moved the meeting of 11 Jan 2027, 09:00 to 12 Jan 2027, 09:00."
    )
    assert page["meeting_no_show"].text == "Missed meeting: Milo Mentee did not come."
    assert page["meeting_held"].detail == "Topics: Delegation"
    assert page["progress_update"].text == "Milo Mentee posted progress on Lead the weekly team meeting: 40%"
    assert page["progress_update"].detail == "Led my first meeting"
    assert page["goal_feedback"].detail == "Great start"
    assert page["action_item_created"].detail == ("For Milo Mentee · goal: Lead the weekly team meeting")
    assert page["flag_resolved"].actor == coordinator
    assert page["flag_resolved"].detail == "Talked with both"
    assert page["agreement_accepted"].actor == mentee
    assert page["match_accepted"].text == "Milo Mentee accepted the match as mentee."
    assert page["goal_created"].url == f"/goals/{page['goal_created'].object_id}/"


def test_achievements_are_celebrated(history, mentee):
    page = timeline_for(match=history, user=mentee, per_page=100)

    assert {entry.kind for entry in page if entry.celebration} == {"goal_achieved", "milestone_done"}


def test_categories_filter_the_history(history, mentee):
    meetings = timeline_for(match=history, user=mentee, kinds=["meetings"], per_page=100)
    goals_and_flags = timeline_for(match=history, user=mentee, kinds=["goals,flags"], per_page=100)

    assert kinds(meetings) == [kind for kind in EXPECTED if kind.startswith("meeting_")]
    assert {entry.category for entry in goals_and_flags} == {"goals", "flags"}
    assert goals_and_flags.paginator.count == 9


def test_an_unknown_category_is_refused(history, mentee):
    with pytest.raises(ValidationError) as error:
        timeline_for(match=history, user=mentee, kinds=["meetings", "gossip"])

    assert "gossip" in str(error.value.message_dict["category"])


def test_pages(history, mentee):
    second = timeline_for(match=history, user=mentee, page=2, per_page=10)

    assert kinds(second) == EXPECTED[10:20]
    assert second.paginator.num_pages == 3
    with pytest.raises(InvalidPage):
        timeline_for(match=history, user=mentee, page=4, per_page=10)


# --- Who reads what ----------------------------------------------------------------------------


def test_outsiders_and_other_coordinators_get_404(history, outsider, other_coordinator):
    for user in (outsider, other_coordinator):
        with pytest.raises(Http404):
            timeline_for(match=history, user=user)


def test_a_draft_is_not_the_pairs_to_read(match, mentee, coordinator):
    Match.objects.filter(pk=match.pk).update(status="draft")

    with pytest.raises(Http404):
        timeline_for(match=match, user=mentee)
    assert timeline_for(match=match, user=coordinator).paginator.count > 0


@pytest.mark.parametrize("persona", ["mentor", "mentee", "coordinator", "hr_admin", "site_admin"])
def test_notes_never_appear(request, history, persona):
    page = timeline_for(match=history, user=request.getfixturevalue(persona), per_page=100)

    assert "NOTE TEXT" not in texts(page)


def test_hr_reads_that_goals_moved_without_their_content(history, hr_admin):
    page = timeline_for(match=history, user=hr_admin, per_page=100)

    assert kinds(page) == EXPECTED
    content = texts(page)
    for secret in ("Lead the weekly team meeting", "Learn SQL", "Run a meeting alone", "Led my first", "Great start"):
        assert secret not in content
    by_kind = {entry.kind: entry for entry in page}
    assert by_kind["goal_achieved"].text == "A goal was achieved."
    assert by_kind["goal_achieved"].celebration
    assert by_kind["goal_achieved"].actor is None
    assert by_kind["goal_achieved"].url == ""
    assert by_kind["milestone_done"].text == "A milestone was reached."
    assert by_kind["action_item_created"].text == "Mona Mentor added an action item: Draft an agenda"
    assert by_kind["meeting_cancelled"].detail == "Flu"


def test_hr_reads_goal_content_where_the_programme_allows_it(history, hr_admin, programme):
    GoalSettings.objects.create(programme=programme, hr_sees_content=True)

    page = timeline_for(match=history, user=hr_admin, per_page=100)

    assert "Goal achieved: Lead the weekly team meeting" in texts(page)


def test_coordinators_read_goal_content(history, coordinator):
    assert "Goal achieved: Lead the weekly team meeting" in texts(
        timeline_for(match=history, user=coordinator, per_page=100)
    )


# --- Queries ---------------------------------------------------------------------------------


def _one_of_each(match, mentor, mentee) -> None:
    MeetingFactory(match=match)
    goal = GoalFactory(match=match)
    MilestoneFactory(goal=goal, done_at=T0, done_by=mentee)
    ProgressUpdateFactory(goal=goal)
    Feedback.objects.create(goal=goal, author=mentor, text="Good")
    ActionItemFactory(match=match, goal=goal, created_by=mentor)
    Flag.objects.create(match=match, kind="inactivity", details={})


def _lots_more(match, mentor, mentee, count: int) -> None:
    """`count` more events, all older than the first ones: page 1 holds the same kinds."""
    old = T0 - 365 * DAY
    goal = GoalFactory(match=match, title="Older goal")
    for n in range(count // 5):
        MeetingFactory(match=match, start=old + n * DAY, status="cancelled", cancelled_by=mentor, cancelled_at=old)
        ActionItemFactory(match=match, created_by=mentee, done_at=old, description="Older item")
        ProgressUpdateFactory(goal=goal, text=f"Update {n}")
    Meeting.objects.filter(match=match, status="cancelled").update(created_at=old)
    ActionItem.objects.filter(description="Older item").update(created_at=old)
    ProgressUpdate.objects.filter(goal=goal).update(created_at=old)
    Goal.objects.filter(pk=goal.pk).update(created_at=old)


@pytest.mark.parametrize("persona", ["mentee", "coordinator", "hr_admin"])
def test_queries_do_not_grow_with_the_history(request, match, mentor, mentee, persona, django_assert_num_queries):
    user = request.getfixturevalue(persona)
    _one_of_each(match, mentor, mentee)
    with CaptureQueriesContext(connection) as small:
        first = timeline_for(match=match, user=user, per_page=25)
        everything = timeline_for(match=match, user=user, per_page=1000)
    assert first.paginator.count <= 15

    _lots_more(match, mentor, mentee, 200)

    with django_assert_num_queries(len(small.captured_queries)):
        first = timeline_for(match=match, user=user, per_page=25)
        everything = timeline_for(match=match, user=user, per_page=1000)
    assert everything.paginator.count > 200
    assert len(everything.object_list) == everything.paginator.count
    assert len(first.object_list) == 25


def test_the_pages_queries_do_not_grow_with_the_history(client, match, mentor, mentee, django_assert_num_queries):
    _one_of_each(match, mentor, mentee)
    client.force_login(mentee)
    urls = [reverse("match-timeline", args=[match.pk]), reverse("match-detail", args=[match.pk])]
    client.get(urls[0])  # the session's first request does work of its own
    with CaptureQueriesContext(connection) as small:
        for url in urls:
            assert client.get(url).status_code == 200

    _lots_more(match, mentor, mentee, 200)

    with django_assert_num_queries(len(small.captured_queries)):
        for url in urls:
            assert client.get(url).status_code == 200


# --- The pages -----------------------------------------------------------------------------------


def test_the_history_page(client, history, mentee, monkeypatch):
    monkeypatch.setattr("sessions.views_timeline.PER_PAGE", 10)
    client.force_login(mentee)

    response = client.get(reverse("match-timeline", args=[history.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Mona Mentor ended the match: completed." in page
    assert "Achievement" in page
    assert 'name="category"' in page
    assert "NOTE TEXT" not in page
    assert "Page 1 of 3" in page
    assert client.get(reverse("match-timeline", args=[history.pk]), {"page": 3}).status_code == 200


def test_the_history_page_filters_and_keeps_the_filter_across_pages(client, history, mentee, monkeypatch):
    monkeypatch.setattr("sessions.views_timeline.PER_PAGE", 10)
    client.force_login(mentee)
    url = reverse("match-timeline", args=[history.pk])

    meetings = client.get(url, {"category": "meetings"}).content.decode()
    paged = client.get(url, {"category": ["meetings", "goals"]}).content.decode()

    assert "Missed meeting" in meetings
    assert "Goal achieved" not in meetings
    assert "Show everything" in meetings
    assert "Page 1 of 2" in paged
    assert "?category=meetings&amp;category=goals&amp;page=2" in paged
    assert "Goal achieved" in paged


def test_the_history_page_refuses_bad_input(client, history, mentee):
    client.force_login(mentee)
    url = reverse("match-timeline", args=[history.pk])

    assert client.get(url, {"category": "gossip"}).status_code == 400
    assert client.get(url, {"page": "99"}).status_code == 404
    assert client.get(url, {"page": "abc"}).status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"),
    [("mentor", 200), ("coordinator", 200), ("hr_admin", 200), ("site_admin", 200), ("outsider", 404),
     ("other_coordinator", 404)],
)  # fmt: skip
def test_who_reads_the_history_page(client, request, history, persona, status):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("match-timeline", args=[history.pk])).status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client, history):
    assert client.get(reverse("match-timeline", args=[history.pk])).status_code == 302


def test_the_pairs_page_shows_the_latest_ten_with_a_link_to_everything(client, history, mentee):
    client.force_login(mentee)

    page = client.get(reverse("match-detail", args=[history.pk])).content.decode()

    section = page[page.index('id="timeline-heading"') :]
    section = section[: section.index("</section>")]
    assert section.count('class="timeline-entry') == 10
    assert "Mona Mentor ended the match" in section
    assert reverse("match-timeline", args=[history.pk]) in section


def test_the_coordinators_reach_the_pair_page_and_its_history(client, history, coordinator, programme):
    client.force_login(coordinator)

    listing = client.get(reverse("match-list", args=[programme.slug])).content.decode()
    pair_page = client.get(reverse("match-detail", args=[history.pk])).content.decode()

    assert reverse("match-detail", args=[history.pk]) in listing
    assert reverse("match-timeline", args=[history.pk]) in pair_page


# --- API ----------------------------------------------------------------------------------------


@pytest.fixture
def api():
    return APIClient()


def test_the_api_pages_the_history(api, history, mentee):
    api.force_authenticate(mentee)

    body = api.get(f"/api/v1/matches/{history.pk}/timeline/").json()

    assert body["count"] == len(EXPECTED)
    assert body["previous"] is None
    assert [entry["kind"] for entry in body["results"]] == EXPECTED
    ended = body["results"][0]
    assert ended["category"] == "match"
    assert ended["actor"]["display_name"] == "Mona Mentor"
    assert ended["text"] == "Mona Mentor ended the match: completed."
    assert ended["at"] == "2027-02-03T09:00:00Z"
    assert body["results"][1]["celebration"] is True


@pytest.mark.parametrize("query", ["category=meetings,flags", "category=meetings&category=flags"])
def test_the_api_filters_by_category(api, history, mentee, query):
    api.force_authenticate(mentee)

    body = api.get(f"/api/v1/matches/{history.pk}/timeline/?{query}").json()

    assert {entry["category"] for entry in body["results"]} == {"meetings", "flags"}
    assert body["count"] == 9


def test_the_api_refuses_unknown_categories_and_pages(api, history, mentee):
    api.force_authenticate(mentee)

    bad = api.get(f"/api/v1/matches/{history.pk}/timeline/", {"category": "gossip"})

    assert bad.status_code == 400
    assert "category" in bad.json()
    assert api.get(f"/api/v1/matches/{history.pk}/timeline/", {"page": 9}).status_code == 404


def test_the_api_keeps_goal_content_from_hr(api, history, hr_admin):
    api.force_authenticate(hr_admin)

    body = api.get(f"/api/v1/matches/{history.pk}/timeline/").content.decode()

    assert "A goal was achieved." in body
    assert "Lead the weekly team meeting" not in body
    assert "NOTE TEXT" not in body


def test_the_api_answers_404_to_outsiders(api, history, outsider):
    api.force_authenticate(outsider)

    assert api.get(f"/api/v1/matches/{history.pk}/timeline/").status_code == 404
