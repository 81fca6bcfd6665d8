"""The audit log page and API: HR and site admins read and filter it, nobody else."""

import datetime
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from audit.services import record
from tests.factories import MatchFactory, ProgrammeFactory, UserFactory


def recorded_at(when: datetime.datetime, **kwargs) -> AuditEvent:
    """`at` is set on insert and the log refuses updates: record it as if it were `when`."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        return record(**kwargs)


@pytest.fixture
def log(coordinator, programme, other_programme, other_coordinator, mentee):
    match = MatchFactory(programme=programme, status="active")
    published = recorded_at(
        timezone.now() - datetime.timedelta(days=10),
        actor=coordinator,
        action=AuditEvent.Action.MATCHES_PUBLISHED,
        programme_id=programme.pk,
        details={"count": 4},
    )
    ended = record(
        actor=coordinator,
        action=AuditEvent.Action.MATCH_ENDED,
        programme_id=programme.pk,
        target=match,
        details={"outcome": "completed"},
    )
    viewed = record(
        actor=other_coordinator,
        action=AuditEvent.Action.RECORD_VIEWED,
        programme_id=other_programme.pk,
        target=mentee,
        details={"person": mentee.pk},
    )
    return {"published": published, "ended": ended, "viewed": viewed, "match": match}


@pytest.mark.parametrize(("role", "status"), [("coordinator", 403), ("mentee", 403), ("outsider", 403)])
def test_only_hr_and_site_admins_open_the_page(client, request, log, role, status):
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse("audit-log")).status_code == status


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(reverse("audit-log"))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["hr_admin", "site_admin"])
def test_admins_read_every_entry_newest_first(client, request, log, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("audit-log"))

    assert response.status_code == 200
    events = [row["event"] for row in response.context["rows"]]
    assert events == [log["viewed"], log["ended"], log["published"]]
    body = response.content.decode()
    assert "Leadership 2027" in body
    assert "Sales Academy" in body
    assert reverse("match-detail", args=[log["match"].pk]) in body


def test_the_page_filters_by_action_actor_programme_and_days(client, hr_admin, log, programme, other_coordinator):
    client.force_login(hr_admin)
    url = reverse("audit-log")
    today = timezone.localdate()

    def listed(**params):
        return [row["event"] for row in client.get(url, params).context["rows"]]

    assert listed(action="match.ended") == [log["ended"]]
    assert listed(actor=other_coordinator.email.upper()) == [log["viewed"]]
    assert listed(programme=programme.pk) == [log["ended"], log["published"]]
    assert listed(date_from=today.isoformat()) == [log["viewed"], log["ended"]]
    assert listed(date_to=(today - datetime.timedelta(days=5)).isoformat()) == [log["published"]]


def test_bad_filters_show_errors_not_a_500(client, hr_admin, log):
    client.force_login(hr_admin)

    response = client.get(reverse("audit-log"), {"action": "nope", "date_from": "2026-05-01", "date_to": "2026-04-01"})
    far = client.get(reverse("audit-log"), {"date_from": "0001-01-01", "programme": "abc"})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"action", "date_to"}
    assert response.context["rows"] == []
    assert far.status_code == 200
    assert set(far.context["form"].errors) == {"date_from", "programme"}


def test_the_page_makes_a_fixed_number_of_queries(client, hr_admin, coordinator, django_assert_max_num_queries):
    for number in range(60):
        programme = ProgrammeFactory()
        record(
            actor=UserFactory() if number % 2 else coordinator,
            action=AuditEvent.Action.MATCHES_PUBLISHED,
            programme_id=programme.pk,
            details={"count": number},
        )
    client.force_login(hr_admin)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("audit-log"))

    assert len(response.context["rows"]) == 50
    assert response.context["page"].has_next()
    second = client.get(reverse("audit-log"), {"page": 2})
    assert len(second.context["rows"]) == 10


def test_the_nav_shows_the_audit_log_to_hr_only(client, hr_admin, coordinator):
    client.force_login(coordinator)
    assert reverse("audit-log") not in client.get(reverse("home")).content.decode()

    client.force_login(hr_admin)
    assert reverse("audit-log") in client.get(reverse("home")).content.decode()


# --- API ---------------------------------------------------------------------------------


@pytest.fixture
def api():
    return APIClient()


@pytest.mark.parametrize("role", ["coordinator", "mentee"])
def test_the_api_refuses_everyone_else(api, request, log, role):
    api.force_authenticate(request.getfixturevalue(role))

    assert api.get("/api/v1/audit/").status_code == 403


def test_the_api_lists_and_filters_for_hr(api, hr_admin, log, programme, coordinator):
    api.force_authenticate(hr_admin)

    everything = api.get("/api/v1/audit/").json()
    ended = api.get("/api/v1/audit/", {"action": "match.ended", "programme": programme.pk}).json()
    by_actor = api.get("/api/v1/audit/", {"actor": coordinator.email}).json()

    assert everything["count"] == 3
    assert [item["action"] for item in everything["results"]] == ["record.viewed", "match.ended", "matches.published"]
    (item,) = ended["results"]
    assert item["actor"] == {"id": coordinator.pk, "display_name": "Carmen Coordinator", "email": coordinator.email}
    assert (item["target_type"], item["target_id"], item["details"]) == (
        "matching.match",
        str(log["match"].pk),
        {"outcome": "completed"},
    )
    assert by_actor["count"] == 2


@pytest.mark.parametrize(
    "params",
    [
        {"action": "coffee"},
        {"programme": "x"},
        {"date_from": "2026-05-02", "date_to": "2026-05-01"},
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
    ],
)
def test_the_api_answers_400_to_bad_filters(api, site_admin, log, params):
    api.force_authenticate(site_admin)

    response = api.get("/api/v1/audit/", params)

    assert response.status_code == 400
    assert set(response.json()) <= {"action", "programme", "date_from", "date_to"}
