"""The dashboards' API: who may read them, filters, the shape of the answer, and that it
never carries note text or goal content."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from goals.models import Feedback
from matching.models import Flag, FlagNote
from sessions.models import Meeting
from tests.factories import (
    GoalFactory,
    MeetingFactory,
    MeetingNoteFactory,
    ProgressUpdateFactory,
    pair_match,
)

MARKER = "API-NOTE-MARKER-93ad"
PERSONAS = ["anonymous", "outsider", "mentor", "mentee", "other_coordinator", "coordinator", "hr_admin", "site_admin"]


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def pair(programme, mentor, mentee, coordinator):
    now = timezone.now()
    match = pair_match(
        programme,
        mentor,
        mentee,
        published_at=now - datetime.timedelta(days=60),
        started_at=now - datetime.timedelta(days=59),
    )
    held = MeetingFactory(match=match, start=now - datetime.timedelta(days=30), status=Meeting.Status.COMPLETED)
    MeetingNoteFactory(meeting=held, author=mentor, visibility="private", text=f"{MARKER} private")
    MeetingNoteFactory(meeting=held, author=mentee, visibility="shared", text=f"{MARKER} shared")
    goal = GoalFactory(
        match=match, title=f"{MARKER} goal", target_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    update = ProgressUpdateFactory(goal=goal, text=f"{MARKER} update")
    Feedback.objects.create(goal=goal, update=update, author=mentor, text=f"{MARKER} feedback")
    flag = Flag.objects.create(match=match, kind=Flag.Kind.CANCELLATIONS)
    FlagNote.objects.create(flag=flag, author=coordinator, text=f"{MARKER} flag note")
    return match


def _as(api, request, persona: str) -> None:
    api.force_authenticate(None if persona == "anonymous" else request.getfixturevalue(persona))


@pytest.mark.parametrize(
    ("persona", "expected"), list(zip(PERSONAS, [401, 404, 404, 404, 404, 200, 200, 200], strict=True))
)
def test_programme_dashboard_permissions(api, request, programme, mentor, mentee, other_programme, persona, expected):
    _as(api, request, persona)

    response = api.get(reverse("api-programme-dashboard", args=[programme.slug]))

    assert response.status_code == expected


@pytest.mark.parametrize(
    ("persona", "expected"), list(zip(PERSONAS, [401, 403, 403, 403, 403, 403, 200, 200], strict=True))
)
def test_overview_permissions(api, request, programme, mentor, mentee, other_programme, persona, expected):
    _as(api, request, persona)

    response = api.get(reverse("api-reports-overview"))

    assert response.status_code == expected


def test_programme_dashboard_answer(api, coordinator, programme, pair):
    api.force_authenticate(coordinator)

    body = api.get(reverse("api-programme-dashboard", args=[programme.slug])).json()

    assert body["figures"]["programme"]["slug"] == programme.slug
    assert body["figures"]["matching"]["match_rate"] == 100.0
    assert body["figures"]["meetings"]["held"] == 1
    assert body["figures"]["flags"]["open_by_kind"]["cancellations"] == 1
    assert body["figures"]["satisfaction"] == {"ratings": 0, "average": None}
    assert body["series"]["unit"] == "week"
    assert len(body["series"]["buckets"]) == len(body["series"]["meetings"]["held"])
    assert body["work_queue"]["pairs_total"] == 1
    assert body["work_queue"]["pairs"][0]["match"] == pair.pk
    assert [reason["kind"] for reason in body["work_queue"]["pairs"][0]["reasons"]] == [
        "flag_cancellations",
        "no_meeting",
        "overdue_goals",
    ]


def test_programme_dashboard_filters(api, coordinator, programme, pair):
    api.force_authenticate(coordinator)
    month = pair.mentee.created_at.strftime("%Y-%m")

    period = api.get(
        reverse("api-programme-dashboard", args=[programme.slug]), {"date_from": "2001-01-01", "date_to": "2001-03-31"}
    ).json()
    cohort = api.get(reverse("api-programme-dashboard", args=[programme.slug]), {"cohort": month}).json()

    assert period["figures"]["meetings"]["planned"] == 0
    assert period["figures"]["period"]["date_from"] == "2001-01-01"
    assert period["series"]["buckets"][0] == "2001-01-01"
    assert cohort["figures"]["meetings"]["planned"] == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "date_to"),
        ({"date_from": "garbage"}, "date_from"),
        ({"date_to": "0001-01-01"}, "date_to"),
        ({"date_from": "2000-01-01", "date_to": "2099-01-01"}, "date_to"),
        ({"cohort": "2026-13"}, "cohort"),
        ({"cohort": "0000-01"}, "cohort"),
        ({"cohort": "March"}, "cohort"),
    ],
)
def test_programme_dashboard_bad_filters_are_400(api, coordinator, programme, query, field):
    api.force_authenticate(coordinator)

    response = api.get(reverse("api-programme-dashboard", args=[programme.slug]), query)

    assert response.status_code == 400
    assert field in response.json()


def test_overview_answer_and_bad_dates(api, hr_admin, programme, pair, other_programme):
    api.force_authenticate(hr_admin)

    body = api.get(reverse("api-reports-overview")).json()
    bad = api.get(reverse("api-reports-overview"), {"date_from": "2026-02-30"})

    assert [row["programme"]["slug"] for row in body["programmes"]] == [programme.slug, other_programme.slug]
    assert body["programmes"][0]["meetings"]["held"] == 1
    assert body["trends"]["unit"] == "month"
    assert len(body["trends"]["buckets"]) == 12
    assert {"department", "people", "mentors", "mentees"} <= set(body["departments"][0])
    assert bad.status_code == 400
    assert "date_from" in bad.json()


def test_no_note_or_goal_text_in_the_json(api, hr_admin, coordinator, programme, pair):
    for person, url in (
        (hr_admin, reverse("api-reports-overview")),
        (hr_admin, reverse("api-programme-dashboard", args=[programme.slug])),
        (coordinator, reverse("api-programme-dashboard", args=[programme.slug])),
    ):
        api.force_authenticate(person)

        response = api.get(url)

        assert response.status_code == 200
        assert MARKER not in json.dumps(response.json())


def test_dates_are_days_in_the_callers_time_zone(api, coordinator, programme, pair):
    coordinator.timezone = "Pacific/Auckland"
    coordinator.save()
    # 20:00 UTC on 28 February is 09:00 on 1 March in Auckland.
    MeetingFactory(match=pair, start=datetime.datetime(2026, 2, 28, 20, 0, tzinfo=datetime.UTC))
    api.force_authenticate(coordinator)

    march = api.get(
        reverse("api-programme-dashboard", args=[programme.slug]), {"date_from": "2026-03-01", "date_to": "2026-03-31"}
    ).json()

    assert march["figures"]["meetings"]["planned"] == 1
