"""The programme dashboards' cache, kept fresh by the worker.

A dashboard page (figures, charts and work queue) takes a few hundred milliseconds to
compute over 100 000 meetings and a few tens to serve from the shared cache, so pages are
served from the cache and the worker computes them ahead of the people who open them:

- A view of a dashboard (programme, filters, language, time zone) is registered when it
  is opened, and kept computed for `DASHBOARD_KEEP_FRESH_HOURS` after it was last opened.
- Every save or delete of what a programme's dashboard counts (`dashboard_sources()`,
  through signals connected in reports/apps.py) renews that programme's generation token,
  at once and again on commit, so no page is served from data older than the last
  committed write; on commit it also queues `refresh_programme_dashboards_task` for the
  programme (to start `REFRESH_DELAY_SECONDS` later, once per burst of writes), which
  computes its registered views again.
- Every minute (beat `refresh-dashboards`) the views whose entry is missing or nearing
  `DASHBOARD_CACHE_SECONDS` are computed again: that bounds what sends no signal
  (`QuerySet.update`, `bulk_create`: match runs, the flag sweeps, goal progress, expired
  requests; renamed people) and the passing of time (a meeting becoming "not logged", a
  goal overdue, a pair quiet).
- A request that finds no entry (a view nobody opened lately, or a request within a moment
  of a write, before the worker is done) computes the page and keeps it.
- A cache that is down never fails a write or a page: the page is computed instead.
"""

import datetime
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import get_language

from goals.models import Goal, Milestone
from matching.models import Flag, Match, MentorRequest
from programmes.models import Enrolment, Programme
from reports import figures
from reports.models import DashboardSettings
from sessions.models import Meeting

logger = logging.getLogger(__name__)

PREFIX = "reports:dashboard:5"
GLOBAL_GENERATION_KEY = f"{PREFIX}:generation"
VIEWS_KEY = f"{PREFIX}:views"
REFRESHING_KEY = f"{PREFIX}:refreshing"
# The beat's period: an entry is computed again once it is this close to its end.
BEAT_SECONDS = 60
# A view's "last opened" is written again at most this often (a cache write per request otherwise).
REGISTER_EVERY_SECONDS = 60 * 60
# One refresh run stops starting new views after this long (the next run goes on).
REFRESH_BUDGET_SECONDS = 45
# A refresh after a write starts this long after the burst's first write, so that one run
# covers the burst, and a programme written to all the time is computed every few seconds
# rather than back to back.
REFRESH_DELAY_SECONDS = 2


def dashboard_sources() -> tuple[type, ...]:
    """The models whose rows the dashboard counts. (People's names in the work queue are
    not among them: a login saves the user, and would clear every dashboard.)"""
    return (Programme, Enrolment, Match, MentorRequest, Flag, Meeting, Goal, Milestone, DashboardSettings)


def lifetime_seconds() -> int:
    """How long an entry may be served after it was computed."""
    return settings.DASHBOARD_CACHE_SECONDS


def _refresh_after_seconds() -> int:
    return max(lifetime_seconds() - 2 * BEAT_SECONDS, 0)


@dataclass(frozen=True)
class View:
    """One way of looking at a programme's dashboard: what its cache entry is keyed by."""

    programme_id: int
    date_from: datetime.date | None
    date_to: datetime.date | None
    cohort: str | None
    language: str
    zone: str

    def filters(self) -> dict[str, Any]:
        return {"date_from": self.date_from, "date_to": self.date_to, "cohort": self.cohort}

    def key(self, part: str, generations: tuple[str, str]) -> str:
        values = (part, *generations, self.programme_id, self.date_from, self.date_to, self.cohort)
        return ":".join(str(value) for value in (PREFIX, *values, self.language, self.zone))

    def cohorts_key(self, generations: tuple[str, str]) -> str:
        """The cohort choices' key: the same whatever the filters."""
        return View(self.programme_id, None, None, None, self.language, self.zone).key("cohorts", generations)


def _current_view(programme: Programme, **filters: Any) -> View:
    return View(
        programme_id=programme.pk,
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        cohort=filters.get("cohort") or None,
        language=get_language() or settings.LANGUAGE_CODE,
        zone=timezone.get_current_timezone_name(),
    )


# --- The cache, which may be down ---------------------------------------------------------------


def _get_many(keys: list[str]) -> dict[str, Any]:
    try:
        return cache.get_many(keys)
    except Exception:  # any cache backend's failure: the page is computed
        logger.warning("The dashboards' cache could not be read.", exc_info=True)
        return {}


def _set(key: str, value: Any, timeout: int | None) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except Exception:  # any cache backend's failure: the next request computes it again
        logger.warning("The dashboards' cache could not be written.", exc_info=True)


def _programme_generation_key(programme_id: int) -> str:
    return f"{PREFIX}:generation:{programme_id}"


def _generations(programme_id: int, found: dict[str, Any]) -> tuple[str, str]:
    return found.get(GLOBAL_GENERATION_KEY) or "0", found.get(_programme_generation_key(programme_id)) or "0"


# --- Registered views -----------------------------------------------------------------------------


def _registered(found: dict[str, Any]) -> dict[View, float]:
    views = found.get(VIEWS_KEY)
    return views if isinstance(views, dict) else {}


def _register(view: View, views: dict[View, float], now: float) -> None:
    """Note that the view was opened. Two requests registering at once may lose one of
    their views: it is then computed by its next request, and registered again."""
    if now - views.get(view, 0) < REGISTER_EVERY_SECONDS:
        return
    keep_from = now - settings.DASHBOARD_KEEP_FRESH_HOURS * 3600
    kept = {other: opened for other, opened in views.items() if opened >= keep_from}
    kept[view] = now
    _set(VIEWS_KEY, kept, timeout=settings.DASHBOARD_KEEP_FRESH_HOURS * 3600 + REGISTER_EVERY_SECONDS)


def registered_views(*, programme_id: int | None = None, now: float | None = None) -> list[View]:
    """The views opened within `DASHBOARD_KEEP_FRESH_HOURS`, of one programme or all."""
    now = time.time() if now is None else now
    keep_from = now - settings.DASHBOARD_KEEP_FRESH_HOURS * 3600
    views = _registered(_get_many([VIEWS_KEY]))
    return [
        view
        for view, opened in views.items()
        if opened >= keep_from and (programme_id is None or view.programme_id == programme_id)
    ]


# --- Pages ---------------------------------------------------------------------------------------


def _compute_page(programme: Programme, view: View) -> dict[str, Any]:
    """What the page shows, computed (in the current language and time zone)."""
    from reports import charts

    numbers, series = figures.programme_figures_and_series(programme=programme, **view.filters())
    queue = figures.work_queue(
        programme=programme, cohort=view.cohort, quiet_days=numbers["targets"]["no_meeting_days"]
    )
    return {
        "figures": numbers,
        "charts": charts.dashboard_charts(figures=numbers, series=series),
        "queue": _plain_queue(queue),
    }


def _plain_queue(queue: dict[str, Any]) -> dict[str, Any]:
    """The work queue with the ids of its matches and requests in place of the model
    instances (which the page does not show): a fifth of the size to cache and unpickle."""
    return {
        **queue,
        "pairs": [
            {**{key: value for key, value in item.items() if key != "match"}, "match_id": item["match"].pk}
            for item in queue["pairs"]
        ],
        "requests": [
            {**{key: value for key, value in item.items() if key != "request"}, "request_id": item["request"].pk}
            for item in queue["requests"]
        ],
    }


def _entry(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) and "computed_at" in value else None


def _keep(key: str, data: Any, now: float) -> None:
    _set(key, {"computed_at": now, "data": data}, timeout=lifetime_seconds())


def dashboard_data(
    *,
    programme: Programme,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    cohort: str | None = None,
) -> dict[str, Any]:
    """What the dashboard page shows: `figures`, `charts` drawn from them and from the
    series, and `queue` (`figures.work_queue` with `match_id` and `request_id` in place
    of the model instances): from the cache when the worker or an earlier request
    computed it since the programme's last write, else computed here and kept. The view
    is registered, so that the worker keeps it fresh from now on."""
    view = _current_view(programme, date_from=date_from, date_to=date_to, cohort=cohort)
    now = time.time()
    found = _get_many([GLOBAL_GENERATION_KEY, _programme_generation_key(programme.pk), VIEWS_KEY])
    _register(view, _registered(found), now)
    key = view.key("page", _generations(programme.pk, found))
    entry = _entry(_get_many([key]).get(key))
    if entry is not None:
        return entry["data"]
    data = _compute_page(programme, view)
    _keep(key, data, now)
    return data


def dashboard_cohorts(programme: Programme) -> list[tuple[str, str]]:
    """`figures.cohort_choices` for the dashboard's filter, cached like the page."""
    view = _current_view(programme)
    found = _get_many([GLOBAL_GENERATION_KEY, _programme_generation_key(programme.pk)])
    key = view.cohorts_key(_generations(programme.pk, found))
    entry = _entry(_get_many([key]).get(key))
    if entry is not None:
        return entry["data"]
    choices = figures.cohort_choices(programme)
    _keep(key, choices, time.time())
    return choices


# --- Refreshing -----------------------------------------------------------------------------------


def refresh_dashboards(*, programme_id: int | None = None) -> int:
    """Compute again the registered views (of one programme, or all) whose entry is missing
    or nearing its end, the missing ones first, for at most `REFRESH_BUDGET_SECONDS` (the
    next run does the rest). Returns how many were computed."""
    started = time.time()
    views = registered_views(programme_id=programme_id, now=started)
    programmes = Programme.objects.in_bulk({view.programme_id for view in views})
    generation_keys = [_programme_generation_key(pk) for pk in programmes]
    found = _get_many([GLOBAL_GENERATION_KEY, *generation_keys])
    due: list[tuple[float, View, str, str]] = []
    keys = {}
    for view in views:
        if view.programme_id not in programmes:
            continue  # deleted since
        generations = _generations(view.programme_id, found)
        keys[view] = (view.key("page", generations), view.cohorts_key(generations))
    entries = _get_many([key for pair in keys.values() for key in pair])
    for view, (page_key, cohorts_key) in keys.items():
        ages = [
            started - entry["computed_at"] if (entry := _entry(entries.get(key))) else None
            for key in (page_key, cohorts_key)
        ]
        if None in ages or max(ages) >= _refresh_after_seconds():
            oldest = float("inf") if None in ages else max(ages)
            due.append((-oldest, view, page_key, cohorts_key))
    computed = 0
    for _order, view, page_key, cohorts_key in sorted(due, key=lambda item: item[0]):
        if time.time() - started > REFRESH_BUDGET_SECONDS:
            break
        programme = programmes[view.programme_id]
        with translation.override(view.language), timezone.override(view.zone):
            now = time.time()
            _keep(page_key, _compute_page(programme, view), now)
            _keep(cohorts_key, figures.cohort_choices(programme), now)
        computed += 1
    return computed


def refresh_all_dashboards() -> int:
    """Every minute (beat): `refresh_dashboards` for every programme, one run at a time."""
    token = secrets.token_hex(8)
    try:
        if not cache.add(REFRESHING_KEY, token, timeout=REFRESH_BUDGET_SECONDS + BEAT_SECONDS):
            return 0  # another run is still going
    except Exception:  # any cache backend's failure: nothing to keep fresh in it
        logger.warning("The dashboards' cache is not reachable: nothing refreshed.", exc_info=True)
        return 0
    try:
        return refresh_dashboards()
    finally:
        try:
            if cache.get(REFRESHING_KEY) == token:
                cache.delete(REFRESHING_KEY)
        except Exception:  # it expires on its own
            logger.warning("The dashboards' refresh lock could not be released.", exc_info=True)


def _queued_key(programme_id: int) -> str:
    return f"{PREFIX}:refresh-queued:{programme_id}"


def refresh_programme_dashboards(*, programme_id: int) -> int:
    """After a write (queued on commit): the programme's registered views, computed again."""
    try:
        cache.delete(_queued_key(programme_id))  # a write from now on queues another run
    except Exception:  # any cache backend's failure
        logger.warning("The dashboards' cache is not reachable.", exc_info=True)
    return refresh_dashboards(programme_id=programme_id)


def _queue_refresh(programme_id: int | None) -> None:
    """Queue a refresh of the programme's registered views, unless one is queued already
    or nobody opened them lately. The broker is not waited for: the beat's run catches up."""
    from reports.tasks import refresh_programme_dashboards_task

    try:
        views = registered_views(programme_id=programme_id)
        for pk in sorted({view.programme_id for view in views}):
            if cache.add(_queued_key(pk), 1, timeout=BEAT_SECONDS):
                refresh_programme_dashboards_task.apply_async(args=[pk], countdown=REFRESH_DELAY_SECONDS, retry=False)
    except Exception:  # a broker or cache that is down: the beat's next run refreshes them
        logger.warning("The dashboards' refresh could not be queued.", exc_info=True)


# --- Forgetting -----------------------------------------------------------------------------------


def forget_dashboards(*, programme_id: int | None = None) -> None:
    """Make a programme's cached dashboards stale (every programme's without one): now, so
    that the writing request sees the change, and again when the transaction commits, so
    that a page computed meanwhile by another request from the data before the commit is
    not served; then queue their refresh. The generation is a fresh random token each
    time: two writers never end on the same one."""
    key = GLOBAL_GENERATION_KEY if programme_id is None else _programme_generation_key(programme_id)

    def renew() -> None:
        _set(key, secrets.token_hex(8), timeout=None)

    def renew_and_refresh() -> None:
        renew()
        _queue_refresh(programme_id)

    renew()
    transaction.on_commit(renew_and_refresh)


def _programme_id_of(instance: Any, found: dict[tuple[str, int], int | None]) -> int | None:
    """The programme whose dashboard counts this row; None when it cannot be told (the
    row's pair is gone already, in a cascade). `found` keeps what was looked up, by pair
    or goal: a row never moves to another programme."""
    if isinstance(instance, Programme):
        return instance.pk
    if getattr(instance, "programme_id", None):
        return instance.programme_id
    if isinstance(instance, Milestone):
        key = ("goal", instance.goal_id)
        if key not in found:
            goals = Goal.objects.filter(pk=instance.goal_id).order_by()
            found[key] = goals.values_list("match__programme_id", flat=True).first()
        return found[key]
    match_id = getattr(instance, "match_id", None)
    if match_id is None:
        return None
    match = instance._state.fields_cache.get("match")
    if match is not None:
        return match.programme_id
    key = ("match", match_id)
    if key not in found:
        found[key] = Match.objects.filter(pk=match_id).order_by().values_list("programme_id", flat=True).first()
    return found[key]


def forget_dashboards_of(sender: type, instance: Any, origin: Any = None, **_kwargs: Any) -> None:
    """Signal receiver (post_save, post_delete of `dashboard_sources()`). The rows one delete
    reaches (a queryset's rows, a pair's meetings) share its `origin`, the row or queryset
    deleted, which keeps the programmes found and forgotten: thousands of rows deleted at
    once cost one lookup per pair and one renewal and refresh per programme."""
    if origin is None:
        forget_dashboards(programme_id=_programme_id_of(instance, {}))
        return
    found = origin.__dict__.setdefault("_dashboard_programmes", {})
    forgotten = origin.__dict__.setdefault("_dashboard_forgotten", set())
    programme_id = _programme_id_of(instance, found)
    if programme_id not in forgotten:
        forgotten.add(programme_id)
        forget_dashboards(programme_id=programme_id)
