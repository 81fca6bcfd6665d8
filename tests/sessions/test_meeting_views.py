import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from sessions.models import CalendarFeed, Meeting, MeetingSettings
from tests.factories import EnrolmentFactory, MatchFactory, MeetingFactory, MeetingNoteFactory, pair_match


@pytest.fixture
def match(programme, mentor, mentee):
    return pair_match(programme, mentor, mentee)


@pytest.fixture
def meeting(match):
    return MeetingFactory(match=match, organiser=match.mentor.user)


@pytest.fixture
def pair_outsider(programme):
    """Someone from another pair of the same programme."""
    other = MatchFactory(programme=programme, status="active")
    return other.mentee.user


PERSONAS = [
    "anonymous",
    "mentor",
    "mentee",
    "pair_outsider",
    "coordinator",
    "other_coordinator",
    "hr_admin",
    "site_admin",
]
# (url name, method, expected per persona in PERSONAS order); 302 = login redirect or success redirect.
MATRIX = [
    ("meeting-detail", "get", [302, 200, 200, 404, 200, 404, 200, 200]),
    ("meeting-ics", "get", [302, 200, 200, 404, 200, 404, 200, 200]),
    ("meeting-reschedule", "get", [302, 200, 200, 404, 200, 404, 403, 403]),
    ("meeting-cancel", "get", [302, 200, 200, 404, 200, 404, 403, 403]),
    ("meeting-log", "get", [302, 403, 403, 404, 403, 404, 403, 403]),
    ("meeting-cancel", "post", [302, 400, 400, 404, 400, 404, 403, 403]),
    ("meeting-note-add", "post", [302, 400, 400, 404, 403, 404, 403, 403]),
]


@pytest.mark.parametrize(("name", "method", "expected"), MATRIX)
def test_permission_matrix_of_a_meeting(client, request, meeting, name, method, expected):
    for persona, status in zip(PERSONAS, expected, strict=True):
        client.logout()
        if persona != "anonymous":
            client.force_login(request.getfixturevalue(persona))

        response = getattr(client, method)(reverse(name, args=[meeting.pk]))

        assert response.status_code == status, persona
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED


def test_permission_matrix_of_scheduling(client, request, match):
    expected = [302, 200, 200, 404, 200, 404, 403, 403]

    for persona, status in zip(PERSONAS, expected, strict=True):
        client.logout()
        if persona != "anonymous":
            client.force_login(request.getfixturevalue(persona))
        assert client.get(reverse("meeting-create", args=[match.pk])).status_code == status, persona
    assert not Meeting.objects.exists()


def _future_form(days: int = 10, hour: str = "10:00") -> dict:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return {"day": day.isoformat(), "time": hour, "duration_minutes": "60", "mode": "online", "agenda": "Hi"}


def test_scheduling_reads_the_time_in_the_viewers_zone(client, match, mentor):
    mentor.timezone = "America/New_York"
    mentor.save()
    client.force_login(mentor)
    data = _future_form()

    response = client.post(reverse("meeting-create", args=[match.pk]), data)

    meeting = Meeting.objects.get()
    assert response.status_code == 302
    local = meeting.start.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    assert (local.date().isoformat(), local.strftime("%H:%M")) == (data["day"], "10:00")


def test_the_detail_page_shows_the_viewers_zone(client, meeting, mentee):
    mentee.timezone = "Europe/Copenhagen"
    mentee.save()
    client.force_login(mentee)

    response = client.get(meeting.get_absolute_url())

    assert "Europe/Copenhagen" in response.content.decode()


def test_a_non_existent_local_time_is_a_form_error(client, match, mentor):
    mentor.timezone = "Europe/Copenhagen"
    mentor.save()
    client.force_login(mentor)

    response = client.post(
        reverse("meeting-create", args=[match.pk]), {**_future_form(), "day": "2099-03-29", "time": "02:30"}
    )

    assert response.status_code == 400
    assert "does not exist" in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_past_start_is_a_form_error(client, match, mentor):
    client.force_login(mentor)

    response = client.post(reverse("meeting-create", args=[match.pk]), {**_future_form(days=-2)})

    assert response.status_code == 400
    assert "future" in response.content.decode()


def test_a_conflict_is_warned_about_before_saving(client, match, mentor, mentee):
    other = MatchFactory(programme=match.programme, mentor=EnrolmentFactory(programme=match.programme, role="mentor"),
                         mentee=mentee.enrolments.get(), status="active", exclusive=False)  # fmt: skip
    data = _future_form()
    client.force_login(mentor)
    first = client.post(reverse("meeting-create", args=[match.pk]), data)
    assert first.status_code == 302
    client.force_login(other.mentor.user)

    warned = client.post(reverse("meeting-create", args=[other.pk]), data)
    confirmed = client.post(reverse("meeting-create", args=[other.pk]), {**data, "schedule_anyway": "True"})

    assert "overlaps" in warned.content.decode()
    assert confirmed.status_code == 302
    assert Meeting.objects.count() == 2


def test_cancel_through_the_page_records_the_reason(client, meeting, mentee):
    client.force_login(mentee)

    response = client.post(reverse("meeting-cancel", args=[meeting.pk]), {"reason": "workload", "note": "Busy"})

    meeting.refresh_from_db()
    assert response.status_code == 302
    assert (meeting.status, meeting.cancelled_by, meeting.cancel_reason) == ("cancelled", mentee, "workload")


def test_reschedule_page_shows_the_chain_on_the_match_page(client, meeting, mentee, match):
    client.force_login(mentee)
    client.post(reverse("meeting-reschedule", args=[meeting.pk]), {**_future_form(days=12), "reason": "Trip"})

    page = client.get(reverse("match-detail", args=[match.pk])).content.decode()

    assert "Moved by Milo Mentee" in page
    assert "Schedule a meeting" in page


def test_log_form_saves_everything_in_one_post(client, match, mentor, mentee):
    past = MeetingFactory(match=match, start=timezone.now() - datetime.timedelta(hours=1))
    client.force_login(mentor)

    response = client.post(
        reverse("meeting-log", args=[past.pk]),
        {"outcome": "held", "topics": "Goals, Feedback", "shared_note": "Nice", "private_note": "Mine",
         "item_0_description": "Draft a plan", "item_0_owner": "mentee", "item_0_due_on": "2099-01-01"},
    )  # fmt: skip

    past.refresh_from_db()
    assert response.status_code == 302
    assert (past.status, past.topics) == ("completed", ["Goals", "Feedback"])
    assert past.action_items.get().owner == mentee


@pytest.mark.parametrize("viewer", ["mentee", "coordinator", "hr_admin", "site_admin"])
def test_private_notes_are_invisible_to_everyone_but_their_author(client, request, meeting, mentor, viewer):
    MeetingSettings.objects.create(programme=meeting.match.programme, coordinators_read_shared_notes=True)
    MeetingNoteFactory(meeting=meeting, author=mentor, visibility="private", text="SECRET-THOUGHT")
    client.force_login(request.getfixturevalue(viewer))

    page = client.get(meeting.get_absolute_url()).content.decode()

    assert "SECRET-THOUGHT" not in page


def test_the_author_reads_their_private_note(client, meeting, mentor):
    MeetingNoteFactory(meeting=meeting, author=mentor, visibility="private", text="SECRET-THOUGHT")
    client.force_login(mentor)

    assert "SECRET-THOUGHT" in client.get(meeting.get_absolute_url()).content.decode()


@pytest.mark.parametrize(("allowed", "shown"), [(False, False), (True, True)])
def test_coordinators_read_shared_notes_only_when_the_programme_allows(client, meeting, coordinator, allowed, shown):
    MeetingSettings.objects.create(programme=meeting.match.programme, coordinators_read_shared_notes=allowed)
    MeetingNoteFactory(meeting=meeting, text="SHARED-<b>NOTE</b>")
    client.force_login(coordinator)

    page = client.get(meeting.get_absolute_url()).content.decode()

    assert ("SHARED-&lt;b&gt;NOTE&lt;/b&gt;" in page) is shown


def test_the_invitation_file_parses(client, meeting, mentee):
    client.force_login(mentee)

    response = client.get(reverse("meeting-ics", args=[meeting.pk]))

    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert response["Content-Type"].startswith("text/calendar")
    assert str(event["UID"]) == meeting.uid


def test_action_item_done_needs_post_and_a_side(client, match, mentee, coordinator):
    from tests.factories import ActionItemFactory

    item = ActionItemFactory(match=match, owner=mentee)
    client.force_login(coordinator)
    assert client.post(reverse("action-item-done", args=[item.pk])).status_code == 403
    client.force_login(mentee)
    assert client.get(reverse("action-item-done", args=[item.pk])).status_code == 405

    client.post(reverse("action-item-done", args=[item.pk]))

    item.refresh_from_db()
    assert item.done_at is not None


# --- Feed --------------------------------------------------------------------------------


def test_the_feed_lists_upcoming_meetings_without_login(client, meeting, mentee):
    MeetingFactory(match=meeting.match, start=timezone.now() - datetime.timedelta(days=1))
    feed = CalendarFeed.objects.create(user=mentee)

    response = client.get(reverse("calendar-feed", args=[feed.token]))

    calendar = Calendar.from_ical(response.content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [meeting.uid]


def test_an_unknown_or_revoked_feed_token_is_404(client, mentee):
    client.force_login(mentee)
    client.post(reverse("calendar-regenerate"))
    token = CalendarFeed.objects.get(user=mentee).token
    client.post(reverse("calendar-regenerate"))
    new_token = CalendarFeed.objects.get(user=mentee).token

    assert client.get(reverse("calendar-feed", args=[token])).status_code == 404
    assert client.get(reverse("calendar-feed", args=[new_token])).status_code == 200
    client.post(reverse("calendar-revoke"))
    assert client.get(reverse("calendar-feed", args=[new_token])).status_code == 404


def test_the_calendar_settings_page_does_not_create_a_feed_on_get(client, mentee):
    client.force_login(mentee)

    response = client.get(reverse("calendar-settings"))

    assert response.status_code == 200
    assert not CalendarFeed.objects.exists()


# --- Queries -----------------------------------------------------------------------------


def test_the_match_page_queries_do_not_grow_with_meetings(client, match, mentor, django_assert_max_num_queries):
    for days in range(1, 11):
        MeetingFactory(match=match, start=timezone.now() + datetime.timedelta(days=days))
    for days in range(1, 6):
        MeetingFactory(match=match, start=timezone.now() - datetime.timedelta(days=days), status="cancelled",
                       cancelled_by=mentor, cancelled_at=timezone.now(), cancel_reason="illness")  # fmt: skip
    client.force_login(mentor)

    with django_assert_max_num_queries(30):
        response = client.get(reverse("match-detail", args=[match.pk]))

    assert response.status_code == 200


def test_unauthenticated_users_never_see_a_meeting_page(client, meeting):
    assert client.get(meeting.get_absolute_url()).status_code == 302
