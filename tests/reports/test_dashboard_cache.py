"""The dashboard's brief cache: a repeated request is served from it, anything saved or
deleted that the dashboard counts clears it at once, filters and languages are kept
apart, and writes that send no signal show once the entry expires."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from matching.models import Flag
from programmes.models import Enrolment
from reports import figures
from reports.models import DashboardSettings
from sessions.models import Meeting
from tests.factories import EnrolmentFactory, MeetingFactory


def _held(pair, days_ago: int) -> Meeting:
    return MeetingFactory(
        match=pair, start=timezone.now() - datetime.timedelta(days=days_ago), status=Meeting.Status.COMPLETED
    )


def _dashboard(client, programme, query=None):
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("programme-dashboard", args=[programme.slug]), query or {})
    assert response.status_code == 200
    return response.context["figures"], len(context.captured_queries)


def test_a_repeated_request_is_served_from_the_cache(client, coordinator, programme, pair):
    _held(pair, 10)
    client.force_login(coordinator)
    client.get(reverse("home"))

    with CaptureQueriesContext(connection) as computed:
        first, cold = _dashboard(client, programme)
    with CaptureQueriesContext(connection) as cached:
        again, warm = _dashboard(client, programme)

    assert again == first
    assert first["meetings"]["held"] == 1
    assert warm < cold - 10
    # Nothing of the figures, charts or work queue is read again: no meetings, no goals.
    tables = ("mentoring_sessions_meeting", "goals_goal")
    assert all(any(table in query["sql"] for query in computed.captured_queries) for table in tables)
    assert not any(table in query["sql"] for query in cached.captured_queries for table in tables)


def test_saving_or_deleting_what_it_counts_clears_it_at_once(client, coordinator, programme, pair):
    meeting = _held(pair, 10)
    client.force_login(coordinator)
    assert _dashboard(client, programme)[0]["meetings"]["held"] == 1

    _held(pair, 5)
    assert _dashboard(client, programme)[0]["meetings"]["held"] == 2

    meeting.status = Meeting.Status.CANCELLED
    meeting.save()
    numbers = _dashboard(client, programme)[0]
    assert (numbers["meetings"]["held"], numbers["meetings"]["cancelled"]) == (1, 1)

    meeting.delete()
    assert _dashboard(client, programme)[0]["meetings"]["planned"] == 1

    Flag.objects.create(match=pair, kind=Flag.Kind.INACTIVITY)
    assert _dashboard(client, programme)[0]["flags"]["open"] == 1

    DashboardSettings.objects.create(programme=programme, match_rate_target=55)
    assert _dashboard(client, programme)[0]["matching"]["match_rate_target"] == 55


def test_filters_are_cached_apart(client, coordinator, programme, pair):
    _held(pair, 10)
    client.force_login(coordinator)

    everything = _dashboard(client, programme)[0]
    long_ago = _dashboard(client, programme, {"date_from": "2001-01-01", "date_to": "2001-12-31"})[0]

    assert everything["meetings"]["held"] == 1
    assert long_ago["meetings"]["held"] == 0
    assert _dashboard(client, programme)[0]["meetings"]["held"] == 1


def test_languages_are_cached_apart(programme, pair, monkeypatch):
    computed = []
    compute = figures.programme_figures_and_series
    monkeypatch.setattr(
        figures, "programme_figures_and_series", lambda **kwargs: computed.append(1) or compute(**kwargs)
    )

    with translation.override("en"):
        figures.dashboard_data(programme=programme)
    with translation.override("de"):
        figures.dashboard_data(programme=programme)
        figures.dashboard_data(programme=programme)
    with translation.override("en"):
        figures.dashboard_data(programme=programme)

    assert len(computed) == 2


def test_a_write_without_signals_shows_when_the_entry_expires(
    client, coordinator, programme, pair, monkeypatch, settings
):
    # Expiry is faked through the local-memory cache's clock (Redis in CI keeps its own).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "expiry"}}
    meeting = _held(pair, 10)
    client.force_login(coordinator)
    assert _dashboard(client, programme)[0]["meetings"]["held"] == 1

    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.NO_SHOW)
    assert _dashboard(client, programme)[0]["meetings"]["held"] == 1  # at most DASHBOARD_CACHE_SECONDS old

    later = timezone.now() + datetime.timedelta(seconds=figures.DASHBOARD_CACHE_SECONDS + 1)
    monkeypatch.setattr("django.core.cache.backends.locmem.time.time", lambda: later.timestamp())
    numbers = _dashboard(client, programme)[0]
    assert (numbers["meetings"]["held"], numbers["meetings"]["no_show"]) == (0, 1)


def test_the_cache_expires_within_a_minute():
    assert figures.DASHBOARD_CACHE_SECONDS <= 60


def test_cohort_choices_are_cached_and_follow_new_enrolments(client, coordinator, programme, pair, monkeypatch):
    computed = []
    compute = figures.cohort_choices
    monkeypatch.setattr(figures, "cohort_choices", lambda programme: computed.append(1) or compute(programme))
    client.force_login(coordinator)
    client.get(reverse("programme-dashboard", args=[programme.slug]))
    client.get(reverse("programme-dashboard", args=[programme.slug]))
    assert len(computed) == 1

    newcomer = EnrolmentFactory(programme=programme, role="mentee")
    Enrolment.objects.filter(pk=newcomer.pk).update(created_at=timezone.now() - datetime.timedelta(days=400))
    newcomer.refresh_from_db()
    newcomer.save()  # a save, as the services make: the cached choices are dropped
    response = client.get(reverse("programme-dashboard", args=[programme.slug]))

    month = f"{timezone.localdate(timezone.now() - datetime.timedelta(days=400)):%Y-%m}"
    assert month in [value for value, _label in response.context["form"].fields["cohort"].choices]
    assert len(computed) == 2
