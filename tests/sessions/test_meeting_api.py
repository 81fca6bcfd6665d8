import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from sessions.models import CalendarFeed, Meeting, MeetingSettings
from tests.factories import ActionItemFactory, MeetingFactory, MeetingNoteFactory, pair_match


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def match(programme, mentor, mentee):
    return pair_match(programme, mentor, mentee)


@pytest.fixture
def meeting(match):
    return MeetingFactory(match=match)


def _when(days: int = 10) -> dict:
    return {"date": (timezone.localdate() + datetime.timedelta(days=days)).isoformat(), "time": "09:30"}


def test_schedule_through_the_api_in_a_given_zone(api, match, mentor):
    api.force_authenticate(mentor)

    response = api.post(
        "/api/v1/meetings/", {"match": match.pk, **_when(), "timezone": "Asia/Tokyo", "mode": "online"}, format="json"
    )

    assert response.status_code == 201, response.json()
    start = Meeting.objects.get().start.astimezone(datetime.timezone(datetime.timedelta(hours=9)))
    assert start.strftime("%H:%M") == "09:30"
    assert response.json()["conflicts"] == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"date": "2020-01-01", "time": "10:00"}, "start"),
        ({**_when(), "timezone": "Nowhere/Land"}, "timezone"),
        ({"date": "2099-03-29", "time": "02:30", "timezone": "Europe/Copenhagen"}, "time"),
        ({**_when(), "mode": "teleport"}, "mode"),
        ({**_when(), "agenda": "x" * 5000}, "agenda"),
        ({**_when(), "mode": "in_person"}, "place"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, match, mentor, payload, field):
    api.force_authenticate(mentor)

    response = api.post("/api/v1/meetings/", {"match": match.pk, **payload}, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_foreign_match_is_404_and_hr_is_403(api, match, outsider, hr_admin):
    api.force_authenticate(outsider)
    assert api.post("/api/v1/meetings/", {"match": match.pk, **_when()}, format="json").status_code == 404
    api.force_authenticate(hr_admin)
    assert api.post("/api/v1/meetings/", {"match": match.pk, **_when()}, format="json").status_code == 403


def test_list_is_scoped_and_filtered(api, meeting, outsider, mentee, django_assert_max_num_queries):
    MeetingFactory()
    for _ in range(5):
        MeetingFactory(match=meeting.match)
    api.force_authenticate(mentee)

    with django_assert_max_num_queries(6):
        mine = api.get("/api/v1/meetings/", {"upcoming": "true", "match": meeting.match_id})
    api.force_authenticate(outsider)
    theirs = api.get("/api/v1/meetings/")

    assert mine.json()["count"] == 6
    assert theirs.json()["count"] == 0


def test_reschedule_cancel_and_log(api, meeting, mentee, mentor):
    api.force_authenticate(mentee)

    moved = api.post(f"/api/v1/meetings/{meeting.pk}/reschedule/", {**_when(12), "reason": "Trip"}, format="json")
    new_id = moved.json()["meeting"]["id"]
    cancelled = api.post(f"/api/v1/meetings/{new_id}/cancel/", {"reason": "travel", "note": "Sorry"}, format="json")

    assert moved.status_code == 201
    assert moved.json()["meeting"]["sequence"] == 1
    assert cancelled.json()["cancel_reason"] == "travel"
    assert cancelled.json()["cancelled_by"]["id"] == mentee.pk
    past = MeetingFactory(match=meeting.match, start=timezone.now() - datetime.timedelta(hours=1))
    logged = api.post(
        f"/api/v1/meetings/{past.pk}/log/",
        {"held": False, "absent": "mentor", "topics": ["Career"], "private_note": "hmm",
         "action_items": [{"description": "Call", "owner": "mentor"}]},
        format="json",
    )  # fmt: skip
    assert logged.status_code == 200, logged.json()
    assert logged.json()["status"] == "no_show"
    assert past.action_items.get().owner == mentor


def test_log_before_the_start_is_403(api, meeting, mentee):
    api.force_authenticate(mentee)

    assert api.post(f"/api/v1/meetings/{meeting.pk}/log/", {}, format="json").status_code == 403


@pytest.mark.parametrize("viewer", ["mentee", "coordinator", "hr_admin", "site_admin"])
def test_private_notes_never_reach_another_role_through_the_api(api, request, meeting, mentor, viewer):
    MeetingSettings.objects.create(programme=meeting.match.programme, coordinators_read_shared_notes=True)
    MeetingNoteFactory(meeting=meeting, author=mentor, visibility="private", text="SECRET")
    MeetingNoteFactory(meeting=meeting, author=mentor, text="SHARED")
    api.force_authenticate(request.getfixturevalue(viewer))

    response = api.get(f"/api/v1/meetings/{meeting.pk}/notes/")

    texts = [note["text"] for note in response.json()["results"]]
    assert "SECRET" not in texts
    api.force_authenticate(mentor)
    assert {n["text"] for n in api.get(f"/api/v1/meetings/{meeting.pk}/notes/").json()["results"]} == {
        "SECRET",
        "SHARED",
    }


def test_notes_create_and_outsider_404(api, meeting, mentee, outsider):
    api.force_authenticate(mentee)
    created = api.post(
        f"/api/v1/meetings/{meeting.pk}/notes/", {"text": "Prep", "visibility": "private"}, format="json"
    )
    api.force_authenticate(outsider)

    assert created.status_code == 201
    assert api.get(f"/api/v1/meetings/{meeting.pk}/notes/").status_code == 404


def test_action_items_list_create_complete(api, match, mentor, mentee, coordinator):
    ActionItemFactory()
    api.force_authenticate(mentor)

    created = api.post(
        "/api/v1/meetings/action-items/", {"match": match.pk, "description": "Plan", "owner": "mentee"}, format="json"
    )
    listed = api.get("/api/v1/meetings/action-items/", {"match": match.pk})
    api.force_authenticate(coordinator)
    refused = api.post(f"/api/v1/meetings/action-items/{created.json()['id']}/complete/")
    api.force_authenticate(mentee)
    done = api.post(f"/api/v1/meetings/action-items/{created.json()['id']}/complete/")

    assert created.status_code == 201
    assert listed.json()["count"] == 1
    assert refused.status_code == 403
    assert done.json()["done_at"] is not None


def test_feed_token_get_regenerate_revoke(api, mentee):
    api.force_authenticate(mentee)

    empty = api.get("/api/v1/meetings/feed/")
    made = api.post("/api/v1/meetings/feed/regenerate/")
    revoked = api.delete("/api/v1/meetings/feed/")

    assert empty.json()["active"] is False
    assert made.json()["url"].endswith(".ics")
    assert revoked.json()["active"] is False
    assert not CalendarFeed.objects.exists()


def test_anonymous_gets_401(api, meeting):
    assert api.get("/api/v1/meetings/").status_code == 401
    assert api.get(f"/api/v1/meetings/{meeting.pk}/").status_code == 401


def test_the_schema_stays_valid(api, site_admin):
    api.force_authenticate(site_admin)

    response = api.get("/api/schema/")

    assert response.status_code == 200
    assert b"/api/v1/meetings/{id}/log/" in response.content


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/meetings/", {"match": "6114372311199302201490463094359457792"}),
        ("/api/v1/meetings/", {"status": "lost"}),
        ("/api/v1/meetings/action-items/", {"match": "6114372311199302201490463094359457792"}),
        ("/api/v1/meetings/action-items/", {"open": "perhaps"}),
    ],
)
def test_bad_filters_are_a_400_not_a_500(api, mentee, url, params):
    # Found by the fuzzer: an id too large for the database used to raise OverflowError.
    api.force_authenticate(mentee)

    response = api.get(url, params)

    assert response.status_code == 400
    assert set(response.json()) == set(params)
