"""The flag API: scoping, the permission matrix, filters and bad input."""

import datetime

import pytest
from rest_framework.test import APIClient

from matching.models import Flag, FlagNote
from tests.factories import MatchFactory, pair_match

NOW = datetime.datetime(2027, 3, 10, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def match(programme, mentor, mentee):
    return pair_match(programme, mentor, mentee, started_at=NOW)


@pytest.fixture
def flag(match, mentee):
    return Flag.objects.create(
        match=match,
        kind="no_shows",
        details={
            "window_days": 60,
            "threshold": 3,
            "count": 3,
            "by": {str(mentee.pk): {"name": "Milo Mentee", "count": 3}},
            "meetings": [1, 2, 3],
            "first": "2027-03-01T09:00:00+00:00",
            "last": "2027-03-09T09:00:00+00:00",
        },
    )


def _login(api, request, persona):
    if persona != "anonymous":
        api.force_authenticate(request.getfixturevalue(persona))


SEES = {
    "anonymous": False,
    "mentor": True,
    "mentee": True,
    "outsider": False,
    "coordinator": True,
    "other_coordinator": False,
    "hr_admin": True,
    "site_admin": True,
}
HANDLES = {"coordinator", "site_admin"}


@pytest.mark.parametrize(("persona", "sees"), SEES.items())
def test_list_and_detail_are_scoped(api, request, flag, persona, sees):
    _login(api, request, persona)

    listing = api.get("/api/v1/flags/")
    detail = api.get(f"/api/v1/flags/{flag.pk}/")

    if persona == "anonymous":
        assert listing.status_code in (401, 403)
        return
    assert [row["id"] for row in listing.json()["results"]] == ([flag.pk] if sees else [])
    assert detail.status_code == (200 if sees else 404)
    if sees:
        body = detail.json()
        assert body["facts"]["by"] == [{"name": "Milo Mentee", "count": 3}]
        assert body["match"]["mentee"]["display_name"] == "Milo Mentee"


@pytest.mark.parametrize(("persona", "sees"), SEES.items())
@pytest.mark.parametrize(
    ("action", "data"),
    [("notes", {"text": "Called"}), ("resolve", {"resolution": "Sorted"}), ("dismiss", {"reason": "Holiday"})],
)
def test_writes_permission_matrix(api, request, flag, persona, sees, action, data):
    _login(api, request, persona)

    response = api.post(f"/api/v1/flags/{flag.pk}/{action}/", data, format="json")

    if persona == "anonymous":
        expected = {401, 403}
    elif persona in HANDLES:
        expected = {201 if action == "notes" else 200}
    else:
        expected = {403 if sees else 404}
    assert response.status_code in expected
    flag.refresh_from_db()
    assert (flag.status != "open" or flag.notes.exists()) is (persona in HANDLES)


@pytest.mark.parametrize(("persona", "status"), [("coordinator", 200), ("hr_admin", 200), ("mentee", 403)])
def test_notes_are_for_coordinators_and_hr(api, request, flag, coordinator, persona, status):
    FlagNote.objects.create(flag=flag, author=coordinator, text="Working note")
    _login(api, request, persona)

    response = api.get(f"/api/v1/flags/{flag.pk}/notes/")

    assert response.status_code == status
    if status == 200:
        assert response.json()[0]["text"] == "Working note"


def test_filters(api, coordinator, programme, flag, other_programme):
    other = Flag.objects.create(
        match=MatchFactory(programme=programme, status="active"), kind="inactivity", status="resolved"
    )
    api.force_authenticate(coordinator)

    def ids(**params):
        return [row["id"] for row in api.get("/api/v1/flags/", params).json()["results"]]

    assert ids() == [flag.pk, other.pk]
    assert ids(status="resolved") == [other.pk]
    assert ids(kind="no_shows") == [flag.pk]
    assert ids(programme=programme.slug) == [flag.pk, other.pk]
    assert ids(programme=other_programme.slug) == []


@pytest.mark.parametrize("params", [{"status": "bogus"}, {"kind": "nope"}, {"programme": "not a slug!"}])
def test_bad_filters_answer_400(api, coordinator, flag, params):
    api.force_authenticate(coordinator)

    response = api.get("/api/v1/flags/", params)

    assert response.status_code == 400
    assert set(response.json()) == set(params)


@pytest.mark.parametrize(
    "data", [{}, {"resolution": ""}, {"resolution": "x" * 4001}, {"resolution": ["a"]}, {"resolution": None}]
)
def test_bad_resolution_answers_400(api, coordinator, flag, data):
    api.force_authenticate(coordinator)

    response = api.post(f"/api/v1/flags/{flag.pk}/resolve/", data, format="json")

    assert response.status_code == 400
    flag.refresh_from_db()
    assert flag.status == "open"


def test_resolving_twice_answers_400(api, coordinator, flag):
    api.force_authenticate(coordinator)
    api.post(f"/api/v1/flags/{flag.pk}/resolve/", {"resolution": "Sorted"}, format="json")

    response = api.post(f"/api/v1/flags/{flag.pk}/dismiss/", {"reason": "again"}, format="json")

    assert response.status_code == 400
    assert "already resolved" in str(response.json())


def test_resolve_returns_the_flag(api, coordinator, flag):
    api.force_authenticate(coordinator)

    body = api.post(f"/api/v1/flags/{flag.pk}/resolve/", {"resolution": "<b>Sorted</b>"}, format="json").json()

    assert body["status"] == "resolved"
    assert body["resolution"] == "<b>Sorted</b>"
    assert body["resolved_by"] == "Carmen Coordinator"


def test_schema_documents_the_flag_endpoints(api, site_admin):
    api.force_authenticate(site_admin)

    schema = api.get("/api/schema/", {"format": "json"}).json()

    assert "/api/v1/flags/{id}/resolve/" in schema["paths"]
    assert "FlagFacts" in str(schema["components"]["schemas"])
