"""The programme dashboard, its targets page and the HR overview, through the client:
who may open them, filters, what they show, what they never show, and their queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goals.models import Feedback, Goal
from matching.models import Flag, FlagNote
from reports.models import DashboardSettings
from sessions.models import Meeting
from tests.factories import (
    EnrolmentFactory,
    GoalFactory,
    MatchFactory,
    MeetingFactory,
    MeetingNoteFactory,
    ProgrammeFactory,
    ProgressUpdateFactory,
    UserFactory,
)

MARKER = "NOTE-MARKER-5f1c"
PERSONAS = ["anonymous", "outsider", "mentor", "mentee", "other_coordinator", "coordinator", "hr_admin", "site_admin"]


@pytest.fixture
def busy(pair, mentor, mentee, coordinator):
    """A pair with a held meeting, goals and a flag, and a marker in every piece of free text."""
    now = timezone.now()
    held = MeetingFactory(
        match=pair, start=now - datetime.timedelta(days=40), status=Meeting.Status.COMPLETED, agenda=MARKER
    )
    MeetingFactory(
        match=pair,
        start=now - datetime.timedelta(days=35),
        status=Meeting.Status.CANCELLED,
        cancelled_by=mentee,
        cancel_note=MARKER,
    )
    MeetingNoteFactory(meeting=held, author=mentor, visibility="private", text=f"{MARKER} private")
    MeetingNoteFactory(meeting=held, author=mentee, visibility="shared", text=f"{MARKER} shared")
    goal = GoalFactory(
        match=pair, title=f"{MARKER} goal", target_date=timezone.localdate() - datetime.timedelta(days=3)
    )
    update = ProgressUpdateFactory(goal=goal, text=f"{MARKER} update")
    Feedback.objects.create(goal=goal, update=update, author=mentor, text=f"{MARKER} feedback")
    flag = Flag.objects.create(match=pair, kind=Flag.Kind.INACTIVITY, details={"days": 28})
    FlagNote.objects.create(flag=flag, author=coordinator, text=f"{MARKER} flag note")
    return pair


def _login(client, request, persona: str):
    client.logout()
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))


@pytest.mark.parametrize(
    ("persona", "expected"),
    list(zip(PERSONAS, [302, 404, 404, 404, 404, 200, 200, 200], strict=True)),
)
def test_dashboard_permission_matrix(client, request, programme, mentor, mentee, other_programme, persona, expected):
    _login(client, request, persona)

    response = client.get(reverse("programme-dashboard", args=[programme.slug]))

    assert response.status_code == expected
    if persona == "anonymous":
        assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("persona", "expected"),
    list(zip(PERSONAS, [302, 404, 404, 404, 404, 200, 403, 200], strict=True)),
)
def test_settings_permission_matrix(client, request, programme, mentor, mentee, other_programme, persona, expected):
    _login(client, request, persona)

    response = client.get(reverse("dashboard-settings", args=[programme.slug]))

    assert response.status_code == expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    list(zip(PERSONAS, [302, 403, 403, 403, 403, 403, 200, 200], strict=True)),
)
def test_hr_overview_permission_matrix(client, request, programme, mentor, mentee, other_programme, persona, expected):
    _login(client, request, persona)

    response = client.get(reverse("hr-overview"))

    assert response.status_code == expected


def test_dashboard_shows_figures_charts_and_the_work_queue(client, coordinator, programme, busy):
    client.force_login(coordinator)

    response = client.get(reverse("programme-dashboard", args=[programme.slug]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Key figures" in html
    assert "No ratings yet" in html
    assert html.count('role="img"') == 4
    assert 'aria-labelledby="chart-meetings-title chart-meetings-desc"' in html
    assert '<table class="visually-hidden">' in html
    assert "Needs your attention" in html
    assert reverse("flag-detail", args=[busy.flags.get().pk]) in html
    assert "Review the flag" in html
    assert "Check in on their goals" in html
    assert 'id="exports"' in html
    assert reverse("dashboard-settings", args=[programme.slug]) in html


def test_dashboard_for_hr_has_no_settings_link(client, hr_admin, programme, busy):
    client.force_login(hr_admin)

    html = client.get(reverse("programme-dashboard", args=[programme.slug])).content.decode()

    assert reverse("dashboard-settings", args=[programme.slug]) not in html


def test_dashboard_never_shows_note_or_goal_text(client, coordinator, hr_admin, programme, busy):
    for person in (coordinator, hr_admin):
        client.force_login(person)

        html = client.get(reverse("programme-dashboard", args=[programme.slug])).content.decode()

        assert MARKER not in html


def test_hr_overview_never_shows_note_or_goal_text(client, hr_admin, programme, busy):
    busy.mentee.user.profile.department = "Engineering"
    busy.mentee.user.profile.save()
    client.force_login(hr_admin)

    html = client.get(reverse("hr-overview")).content.decode()

    assert MARKER not in html
    assert programme.name in html
    assert "Engineering" in html
    assert "Programmes side by side" in html


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "date_to", "The end date is before the start date."),
        ({"date_from": "not-a-date"}, "date_from", "Enter a valid date."),
        ({"date_to": "31/02/2026"}, "date_to", "Enter a valid date."),
        ({"date_from": "1900-01-01"}, "date_from", "Choose a date between 2000-01-01 and 2100-12-31."),
        ({"date_from": "2000-01-01", "date_to": "2020-01-01"}, "date_to", "Choose a period of ten years at most."),
        ({"cohort": "2026-13"}, "cohort", "Select a valid choice."),
    ],
)
def test_dashboard_invalid_filters_are_form_errors(client, coordinator, programme, busy, query, field, message):
    client.force_login(coordinator)

    response = client.get(reverse("programme-dashboard", args=[programme.slug]), query)

    assert response.status_code == 200
    assert any(error.startswith(message) for error in response.context["form"].errors[field])
    assert "Correct the filters above" in response.content.decode()
    assert "figures" not in response.context


def test_hr_overview_invalid_dates_are_form_errors(client, hr_admin):
    client.force_login(hr_admin)

    response = client.get(reverse("hr-overview"), {"date_from": "2026-05-01", "date_to": "2026-04-01"})

    assert response.status_code == 200
    assert response.context["form"].errors["date_to"] == ["The end date is before the start date."]


def test_dashboard_filters_by_period_and_cohort(client, coordinator, programme, busy):
    month = busy.mentee.created_at.strftime("%Y-%m")
    client.force_login(coordinator)

    empty = client.get(
        reverse("programme-dashboard", args=[programme.slug]), {"date_from": "2001-01-01", "date_to": "2001-12-31"}
    )
    cohort = client.get(reverse("programme-dashboard", args=[programme.slug]), {"cohort": month})

    assert empty.context["figures"]["meetings"]["planned"] == 0
    assert empty.context["charts"]["meetings"].is_empty
    assert "No meetings in this period." in empty.content.decode()
    assert cohort.context["figures"]["meetings"]["planned"] == 2
    assert cohort.context["figures"]["period"]["cohort"] == month


def test_programme_nav_links_to_the_dashboard(client, coordinator, programme):
    client.force_login(coordinator)

    html = client.get(reverse("programme-detail", args=[programme.slug])).content.decode()

    assert reverse("programme-dashboard", args=[programme.slug]) in html


def test_reports_link_in_the_menu_for_hr_only(client, hr_admin, coordinator):
    client.force_login(hr_admin)
    hr_home = client.get(reverse("home")).content.decode()
    client.force_login(coordinator)
    coordinator_home = client.get(reverse("home")).content.decode()

    assert reverse("hr-overview") in hr_home
    assert reverse("hr-overview") not in coordinator_home


def test_settings_saved_by_a_coordinator(client, coordinator, programme):
    client.force_login(coordinator)

    response = client.post(
        reverse("dashboard-settings", args=[programme.slug]), {"match_rate_target": "85", "no_meeting_days": "21"}
    )

    assert response.status_code == 302
    assert response.url == reverse("programme-dashboard", args=[programme.slug])
    settings = DashboardSettings.objects.get(programme=programme)
    assert (settings.match_rate_target, settings.no_meeting_days) == (85, 21)


def test_settings_empty_days_means_the_programme_threshold(client, coordinator, programme):
    DashboardSettings.objects.create(programme=programme, no_meeting_days=10)
    client.force_login(coordinator)

    client.post(
        reverse("dashboard-settings", args=[programme.slug]), {"match_rate_target": "70", "no_meeting_days": ""}
    )

    assert DashboardSettings.objects.get(programme=programme).no_meeting_days is None


@pytest.mark.parametrize(
    "data", [{"match_rate_target": "0"}, {"match_rate_target": "101"}, {"match_rate_target": "x"}, {}]
)
def test_settings_invalid_input_changes_nothing(client, coordinator, programme, data):
    client.force_login(coordinator)

    response = client.post(reverse("dashboard-settings", args=[programme.slug]), data)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not DashboardSettings.objects.exists()


def test_hr_cannot_change_the_targets(client, hr_admin, programme):
    client.force_login(hr_admin)

    response = client.post(reverse("dashboard-settings", args=[programme.slug]), {"match_rate_target": "90"})

    assert response.status_code == 403
    assert not DashboardSettings.objects.exists()


def test_programme_names_are_escaped_in_charts(client, hr_admin):
    programme = ProgrammeFactory(name='<script>alert("x")</script> & Co')
    EnrolmentFactory(programme=programme, role="mentee")
    client.force_login(hr_admin)

    html = client.get(reverse("hr-overview")).content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in html


def _build(programme, pairs: int) -> None:
    now = timezone.now()
    for _ in range(pairs):
        match = MatchFactory(
            programme=programme,
            status="active",
            published_at=now - datetime.timedelta(days=90),
            started_at=now - datetime.timedelta(days=89),
        )
        MeetingFactory(match=match, start=now - datetime.timedelta(days=60), status=Meeting.Status.COMPLETED)
        MeetingFactory(
            match=match,
            start=now - datetime.timedelta(days=50),
            status=Meeting.Status.CANCELLED,
            cancelled_by=match.mentor.user,
        )
        GoalFactory(match=match, status=Goal.Status.IN_PROGRESS, target_date=now.date() - datetime.timedelta(days=1))
        Flag.objects.create(match=match, kind=Flag.Kind.CANCELLATIONS)
        match.mentee.user.profile.department = f"Department {match.pk % 3}"
        match.mentee.user.profile.save()


def _page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_dashboard_page_queries_do_not_grow(client, coordinator):
    small = ProgrammeFactory(coordinators=[coordinator])
    large = ProgrammeFactory(coordinators=[coordinator])
    _build(small, 2)
    _build(large, 30)
    client.force_login(coordinator)
    client.get(reverse("home"))  # the session's first request does some bookkeeping of its own

    assert _page_queries(client, reverse("programme-dashboard", args=[small.slug])) == _page_queries(
        client, reverse("programme-dashboard", args=[large.slug])
    )


def test_hr_overview_page_queries_do_not_grow(client, hr_admin):
    _build(ProgrammeFactory(), 2)
    client.force_login(hr_admin)
    client.get(reverse("home"))  # the session's first request does some bookkeeping of its own
    few = _page_queries(client, reverse("hr-overview"))
    for _ in range(5):
        _build(ProgrammeFactory(), 4)
    UserFactory.create_batch(3)

    assert _page_queries(client, reverse("hr-overview")) == few
