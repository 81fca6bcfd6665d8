"""The dashboards' cache (reports/services/dashboard_cache.py): a repeated request is
served from it, anything saved or deleted that a programme's dashboard counts makes that
programme's pages stale at once (and no other's), filters and languages are kept apart,
writes that send no signal show once the entry expires; the worker keeps the views people
opened computed, after a write and before their entry ends, in the viewer's language and
time zone, so that requests are served from the cache; a cache or broker that is down
fails neither a write nor a page."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from goals.models import Milestone
from matching.models import Flag, Match
from programmes.models import Enrolment, Programme
from reports import figures
from reports.models import DashboardSettings
from reports.services import dashboard_cache
from reports.tasks import refresh_programme_dashboards_task
from sessions.models import Meeting
from tests.factories import EnrolmentFactory, GoalFactory, MeetingFactory, ProgrammeFactory, UserFactory, pair_match


def _held(pair, days_ago: int) -> Meeting:
    return MeetingFactory(
        match=pair, start=timezone.now() - datetime.timedelta(days=days_ago), status=Meeting.Status.COMPLETED
    )


def _request(client, programme, query=None):
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("programme-dashboard", args=[programme.slug]), query or {})
    assert response.status_code == 200
    return response, [query["sql"] for query in context.captured_queries]


def _dashboard(client, programme, query=None):
    """The figures the logged-in user sees, and the number of queries it took."""
    response, queries = _request(client, programme, query)
    return response.context["figures"], len(queries)


def _open(client, programme, query=None):
    """The figures the logged-in user sees, and whether the request computed the page."""
    response, queries = _request(client, programme, query)
    return response.context["figures"], any("mentoring_sessions_meeting" in sql for sql in queries)


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
        dashboard_cache.dashboard_data(programme=programme)
    with translation.override("de"):
        dashboard_cache.dashboard_data(programme=programme)
        dashboard_cache.dashboard_data(programme=programme)
    with translation.override("en"):
        dashboard_cache.dashboard_data(programme=programme)

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
    assert _dashboard(client, programme)[0]["meetings"]["held"] == 1  # until the entry ends

    later = timezone.now() + datetime.timedelta(seconds=settings.DASHBOARD_CACHE_SECONDS + 1)
    monkeypatch.setattr("django.core.cache.backends.locmem.time.time", lambda: later.timestamp())
    numbers = _dashboard(client, programme)[0]
    assert (numbers["meetings"]["held"], numbers["meetings"]["no_show"]) == (0, 1)


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


# --- Kept fresh by the worker ---------------------------------------------------------------------


class Queued(list):
    """The programmes whose refresh was queued, and the delays asked for."""

    countdowns: list


@pytest.fixture
def queued(monkeypatch):
    """The refresh tasks queued (and run, as the eager worker of the tests does)."""
    calls = Queued()
    calls.countdowns = []
    run = refresh_programme_dashboards_task.apply_async

    def record(args=None, **options):
        calls.append(args[0])
        calls.countdowns.append(options.get("countdown"))
        return run(args=args, **options)

    monkeypatch.setattr(refresh_programme_dashboards_task, "apply_async", record)
    return calls


@pytest.fixture
def other_programme(db):
    programme = ProgrammeFactory(name="Sales Circle", slug="sales-circle")
    mentor = EnrolmentFactory(programme=programme, role="mentor").user
    mentee = EnrolmentFactory(programme=programme, role="mentee").user
    pair_match(programme, mentor, mentee)
    return programme


def test_after_a_write_the_worker_has_the_page_ready(
    client, coordinator, programme, pair, queued, django_capture_on_commit_callbacks
):
    _held(pair, 10)
    client.force_login(coordinator)
    assert _open(client, programme)[1]  # opened: computed in the request
    assert not _open(client, programme)[1]  # then served

    with django_capture_on_commit_callbacks(execute=True):
        _held(pair, 3)

    assert queued == [programme.pk]
    assert queued.countdowns == [dashboard_cache.REFRESH_DELAY_SECONDS]  # one run for a burst
    numbers, computed = _open(client, programme)
    assert numbers["meetings"]["held"] == 2
    assert not computed


def test_a_burst_of_writes_queues_one_refresh(
    client, coordinator, programme, pair, queued, django_capture_on_commit_callbacks, monkeypatch
):
    client.force_login(coordinator)
    _open(client, programme)
    monkeypatch.setattr(refresh_programme_dashboards_task, "run", lambda programme_id: 0)  # still queued

    with django_capture_on_commit_callbacks(execute=True):
        for days in (9, 8, 7):
            _held(pair, days)
    assert queued == [programme.pk]

    dashboard_cache.refresh_programme_dashboards(programme_id=programme.pk)  # the worker took it
    with django_capture_on_commit_callbacks(execute=True):
        _held(pair, 6)
    assert queued == [programme.pk, programme.pk]


def test_nothing_is_queued_for_dashboards_nobody_opened(programme, pair, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _held(pair, 10)
        Flag.objects.create(match=pair, kind=Flag.Kind.INACTIVITY)
    assert queued == []


def test_a_write_to_another_programme_leaves_the_page_cached(
    client, coordinator, programme, pair, other_programme, queued, django_capture_on_commit_callbacks
):
    _held(pair, 10)
    client.force_login(coordinator)
    _open(client, programme)

    other_pair = other_programme.matches.get()
    with django_capture_on_commit_callbacks(execute=True):
        _held(other_pair, 2)
        goal = GoalFactory(match=other_pair)
        Milestone.objects.create(goal=goal, title="First step")
        Flag.objects.create(match=other_pair, kind=Flag.Kind.INACTIVITY)
    other_programme.name = "Sales Circle 2027"
    other_programme.save()

    numbers, computed = _open(client, programme)
    assert (numbers["meetings"]["held"], computed) == (1, False)
    assert queued == []


@pytest.mark.parametrize(
    "write",
    [
        lambda pair: _held(pair, 2),
        lambda pair: Flag.objects.create(match=pair, kind=Flag.Kind.INACTIVITY),
        lambda pair: Milestone.objects.create(goal=GoalFactory(match=pair), title="First step"),
        lambda pair: EnrolmentFactory(programme=pair.programme, role="mentee"),
        lambda pair: Programme.objects.get(pk=pair.programme_id).save(),
    ],
    ids=["meeting", "flag", "milestone", "enrolment", "programme"],
)
def test_every_kind_of_write_makes_its_programme_stale(client, coordinator, programme, pair, write):
    client.force_login(coordinator)
    _open(client, programme)
    write(pair)
    assert _open(client, programme)[1]


def test_the_worker_computes_in_the_viewers_language_and_time_zone(client, programme, pair, coordinator):
    coordinator.language, coordinator.timezone = "de", "Pacific/Kiritimati"
    coordinator.save()
    # 23:30 UTC is the next day (13:30) in Kiritimati (UTC+14).
    late = timezone.now().replace(hour=23, minute=30, second=0, microsecond=0) - datetime.timedelta(days=7)
    MeetingFactory(match=pair, start=late, status=Meeting.Status.COMPLETED)
    client.force_login(coordinator)
    _open(client, programme)
    (view,) = dashboard_cache.registered_views(programme_id=programme.pk)
    assert (view.language, view.zone) == ("de", "Pacific/Kiritimati")

    dashboard_cache.forget_dashboards(programme_id=programme.pk)
    assert dashboard_cache.refresh_dashboards(programme_id=programme.pk) == 1
    response = client.get(reverse("programme-dashboard", args=[programme.slug]))

    with translation.override("de"), timezone.override("Pacific/Kiritimati"):
        expected = dashboard_cache._compute_page(programme, view)
    with translation.override("en"), timezone.override("UTC"):
        elsewhere = dashboard_cache._compute_page(programme, view)
    assert response.context["figures"] == expected["figures"]
    assert response.context["charts"] == expected["charts"]
    assert response.context["charts"] != elsewhere["charts"]


def test_the_beat_refreshes_entries_before_they_end_and_only_those(client, coordinator, programme, pair, monkeypatch):
    _held(pair, 10)
    client.force_login(coordinator)
    _open(client, programme)
    _open(client, programme, {"date_from": "2001-01-01", "date_to": "2001-12-31"})
    assert dashboard_cache.refresh_all_dashboards() == 0  # both computed a moment ago

    # A write that sends no signal is in the page once the beat has computed it again.
    Meeting.objects.filter(match=pair).update(status=Meeting.Status.NO_SHOW)
    lifetime = django_settings.DASHBOARD_CACHE_SECONDS
    soon = timezone.now().timestamp() + lifetime - dashboard_cache.BEAT_SECONDS
    monkeypatch.setattr(dashboard_cache.time, "time", lambda: soon)
    assert dashboard_cache.refresh_all_dashboards() == 2
    assert dashboard_cache.refresh_all_dashboards() == 0

    numbers, computed = _open(client, programme)
    assert (numbers["meetings"]["no_show"], computed) == (1, False)


def test_views_nobody_opened_for_a_day_are_no_longer_refreshed(client, coordinator, programme, pair, monkeypatch):
    client.force_login(coordinator)
    _open(client, programme)
    assert len(dashboard_cache.registered_views()) == 1

    later = timezone.now().timestamp() + django_settings.DASHBOARD_KEEP_FRESH_HOURS * 3600 + 1
    monkeypatch.setattr(dashboard_cache.time, "time", lambda: later)
    assert dashboard_cache.registered_views() == []
    assert dashboard_cache.refresh_all_dashboards() == 0


def test_a_refresh_runs_one_at_a_time(client, coordinator, programme, pair):
    client.force_login(coordinator)
    _open(client, programme)
    dashboard_cache.forget_dashboards(programme_id=programme.pk)
    cache.set(dashboard_cache.REFRESHING_KEY, "another run", 60)
    assert dashboard_cache.refresh_all_dashboards() == 0
    cache.delete(dashboard_cache.REFRESHING_KEY)
    assert dashboard_cache.refresh_all_dashboards() == 1


def test_a_deleted_programme_is_skipped(client, coordinator, programme, pair):
    client.force_login(coordinator)
    _open(client, programme)
    programme.delete()  # its pairs and meetings go with it: the signals cannot always tell the programme
    assert dashboard_cache.refresh_all_dashboards() == 0


def test_a_broker_that_is_down_fails_no_write(
    client, coordinator, programme, pair, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    _open(client, programme)

    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(refresh_programme_dashboards_task, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        _held(pair, 2)
    numbers, computed = _open(client, programme)
    assert (numbers["meetings"]["held"], computed) == (1, True)


class DownCache:
    """A cache backend whose server is down (closing it, as every request does, and
    clearing it after the test are no-ops)."""

    def __init__(self, *args, **kwargs):
        pass

    def close(self, **kwargs):
        pass

    def clear(self):
        pass

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("cache down")

        return fail


def test_a_cache_that_is_down_fails_neither_a_write_nor_the_page(
    client, coordinator, programme, pair, settings, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    settings.CACHES = {"default": {"BACKEND": "tests.reports.test_dashboard_cache.DownCache"}}
    with django_capture_on_commit_callbacks(execute=True):
        _held(pair, 2)
    numbers, computed = _open(client, programme)
    assert (numbers["meetings"]["held"], computed) == (1, True)
    assert dashboard_cache.refresh_all_dashboards() == 0


def test_the_beat_runs_the_refresh_every_minute():
    entry = django_settings.CELERY_BEAT_SCHEDULE["refresh-dashboards"]
    assert (entry["task"], entry["schedule"]) == ("reports.tasks.refresh_dashboards_task", 60)


def test_a_hr_admin_and_a_coordinator_in_other_zones_each_get_their_own_view(client, programme, pair, coordinator):
    hr = UserFactory(is_hr_admin=True, timezone="America/New_York")
    for user in (coordinator, hr):
        client.force_login(user)
        _open(client, programme)
    zones = sorted(view.zone for view in dashboard_cache.registered_views(programme_id=programme.pk))
    assert zones == ["America/New_York", "UTC"]


def test_rows_deleted_at_once_cost_one_refresh_and_one_lookup_per_pair(programme, django_capture_on_commit_callbacks):
    for _ in range(5):
        mentor = EnrolmentFactory(programme=programme, role="mentor").user
        mentee = EnrolmentFactory(programme=programme, role="mentee").user
        pair = pair_match(programme, mentor, mentee)
        for days in range(4):
            _held(pair, days + 1)
    with django_capture_on_commit_callbacks() as callbacks, CaptureQueriesContext(connection) as deleting:
        Match.objects.filter(programme=programme).delete()  # and their 20 meetings

    renewals = [callback for callback in callbacks if callback.__name__ == "renew_and_refresh"]
    assert len(renewals) == 1
    lookups = [
        query
        for query in deleting.captured_queries
        if query["sql"].startswith('SELECT "matching_match"."programme_id"')
    ]
    assert len(lookups) == 5
