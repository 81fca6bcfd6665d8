"""Benchmark of reports: the programme dashboard and the CSV and XLSX exports.

    python bench/reports.py --participants 10000 --meetings 100000
    python bench/reports.py --participants 10000 --meetings 100000 --csv-rows 1000000

Builds one running programme in a fresh database, written in bulk: `--participants`
approved people (half mentors, half mentees, with departments), one active match per
mentor, `--meetings` meetings spread over those matches (the last 180 days and the next
30: mostly held, some cancelled with a reason and the side that cancelled, rescheduled,
missed or still to come), a goal with two milestones per match and a flag on one match
in 25. Then, through the real views and services:

- the dashboard: GET /programmes/<slug>/dashboard/ with Django's test client as the
  programme's coordinator, `--requests` times each way, after two warm-up requests
  (which also register the view, as opening it does); server time p50/p95 and the
  number of queries of one request:
  - `dashboard_*`: requests one after the other, served from the cache;
  - `dashboard_after_write_*`: before each request, outside the timed region, a meeting
    of the programme is saved (its signal makes the programme's pages stale and queues
    their refresh) and the refresh runs as the worker runs it
    (`dashboard_cache.refresh_programme_dashboards`); `dashboard_refresh_*` is how long
    that took: how long after a write a request could still find no page ready;
  - `dashboard_cold_*`: before each request the programme's pages are made stale and
    nothing refreshes them (a view nobody opened lately, or a request within that
    moment after a write): every figure, chart and the work queue computed in the request;
- the meetings CSV export: POST /reports/exports/new/ streamed and consumed chunk by
  chunk (bytes counted, never kept); rows/s, and the growth of resident memory from the
  start of the stream to its peak (VmHWM after resetting it, else sampled per chunk);
- the meetings XLSX export as a worker builds it (`build_export`): rows/s;
- with `--csv-rows N` above `--meetings`: more meetings are added until there are N,
  and the CSV export is streamed again (`csv_large_*`): a million rows at flat memory.

Goals: dashboard p95 ≤ 100 ms as served (cached, and after a write once the worker has
refreshed it); CSV ≥ 50 000 rows/s with ≤ 50 MiB memory growth. The cold figures are
printed beside them, not hidden: they are what the first request of an unopened view costs.
"""

import argparse
import datetime
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bootstrap, check

BATCH = 5_000
PAGE = 100_000
DEPARTMENTS = ["Engineering", "Sales", "Marketing", "Finance", "People", "Operations", "Legal", "Product"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=10_000, help="approved people (default 10000)")
    parser.add_argument("--meetings", type=int, default=100_000, help="meetings (default 100000)")
    parser.add_argument("--requests", type=int, default=30, help="timed dashboard requests (default 30)")
    parser.add_argument("--csv-rows", type=int, default=0, help="also stream a meetings CSV of this many rows")
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    check(options.participants >= 2, "--participants must be at least 2")
    check(options.meetings >= 1, "--meetings must be at least 1")

    bench = bootstrap("reports")
    try:
        run(bench, options)
    finally:
        bench.teardown()


# --- memory ---------------------------------------------------------------------------------


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _rss_kib() -> int:
    rss = _status_kib("VmRSS")
    if rss is not None:
        return rss
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # no /proc: the peak is the best we have


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux: `echo 5 > /proc/self/clear_refs`)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return _status_kib("VmHWM") is not None


# --- data -------------------------------------------------------------------------------------


def _build(options: argparse.Namespace, rng: random.Random):
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from goals.models import Goal, Milestone
    from matching.models import Flag, Match
    from profiles.models import Profile, User
    from programmes.models import Enrolment, Programme

    now = timezone.now().replace(microsecond=0)
    no_password = make_password(None)
    coordinator = User.objects.create(email="coordinator@bench.example.com", first_name="Carmen", last_name="Coord")
    programme = Programme.objects.create(
        name="Leadership Accelerator", slug="leadership", status=Programme.Status.RUNNING, kind="one_to_one",
        starts_on=(now - datetime.timedelta(days=200)).date(), ends_on=(now + datetime.timedelta(days=200)).date(),
    )  # fmt: skip
    programme.coordinators.add(coordinator)
    # Coordinators must have an authenticator app (MFA_REQUIRED_FOR_PRIVILEGED): this one has.
    Authenticator.objects.create(user=coordinator, type=Authenticator.Type.TOTP, data={"secret": "bench"})

    mentors, mentees = [], []
    for start in range(0, options.participants, BATCH):
        stop = min(options.participants, start + BATCH)
        users = User.objects.bulk_create(
            [
                User(
                    email=f"person{index}@bench.example.com",
                    first_name=rng.choice(["Ada", "Grace", "Alan", "Linus", "Zoë", "=Eve"]),
                    last_name=f"Person {index}",
                    password=no_password,
                    date_joined=now,
                )
                for index in range(start, stop)
            ]
        )
        Profile.objects.bulk_create([Profile(user=user, department=rng.choice(DEPARTMENTS)) for user in users])
        enrolments = Enrolment.objects.bulk_create(
            [
                Enrolment(
                    programme=programme,
                    user=user,
                    role="mentor" if (start + offset) % 2 == 0 else "mentee",
                    status="approved",
                    source="import",
                )
                for offset, user in enumerate(users)
            ]
        )
        Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]).update(
            created_at=now - datetime.timedelta(days=190), decided_at=now - datetime.timedelta(days=189)
        )
        for enrolment in enrolments:
            (mentors if enrolment.role == "mentor" else mentees).append(enrolment)

    pairs = list(zip(mentors, mentees, strict=False))
    matches = []
    for start in range(0, len(pairs), BATCH):
        matches += Match.objects.bulk_create(
            [
                Match(
                    programme=programme, mentor=mentor, mentee=mentee, status="active", source="algorithm",
                    exclusive=True, score=round(rng.uniform(40, 95), 2),
                    published_at=now - datetime.timedelta(days=rng.randint(150, 185)),
                    started_at=now - datetime.timedelta(days=rng.randint(120, 150)),
                )
                for mentor, mentee in pairs[start : start + BATCH]
            ]
        )  # fmt: skip
    people = {match.pk: (match.mentor.user_id, match.mentee.user_id) for match in matches}

    goals = []
    for start in range(0, len(matches), BATCH):
        goals += Goal.objects.bulk_create(
            [
                Goal(
                    match=match, title="Lead a project", status=rng.choice(["not_started", "in_progress", "achieved"]),
                    progress=rng.choice([0, 50, 100]), target_date=(now + datetime.timedelta(days=60)).date(),
                    achieved_at=now - datetime.timedelta(days=5),
                )
                for match in matches[start : start + BATCH]
            ]
        )  # fmt: skip
    for start in range(0, len(goals), BATCH):
        Milestone.objects.bulk_create(
            [
                Milestone(
                    goal=goal, title=title, position=position, due_on=(now + datetime.timedelta(days=days)).date()
                )
                for goal in goals[start : start + BATCH]
                for position, (title, days) in enumerate((("Plan", -20), ("Deliver", 40)))
            ]
        )
    Flag.objects.bulk_create(
        [Flag(match=match, kind=rng.choice(Flag.Kind.values), details={"count": 3}) for match in matches[::25]]
    )
    added = _add_meetings(options.meetings, matches, people, rng, now)
    _analyze()
    return coordinator, programme, matches, people, added


def _add_meetings(total: int, matches: list, people: dict, rng: random.Random, now: datetime.datetime) -> int:
    """`total` meetings over the matches, in bulk."""
    from sessions.models import Meeting

    day = datetime.timedelta(days=1)
    written = 0
    while written < total:
        batch = []
        for _ in range(min(BATCH, total - written)):
            match = matches[(written + len(batch)) % len(matches)]
            mentor_id, mentee_id = people[match.pk]
            start = now + rng.uniform(-180, 30) * day
            meeting = Meeting(
                match_id=match.pk, organiser_id=mentor_id, start=start, duration_minutes=rng.choice([30, 45, 60]),
                mode="online", video_link="https://meet.example.com/x", uid=f"bench-{written + len(batch)}@mentoring",
                status="scheduled",
            )  # fmt: skip
            draw = rng.random()
            if start > now:
                if draw < 0.1:
                    meeting.status = "cancelled"
                    meeting.cancelled_by_id = rng.choice((mentor_id, mentee_id))
                    meeting.cancelled_at = now - rng.uniform(0, 5) * day
                    meeting.cancel_reason = rng.choice(Meeting.CancelReason.values)
                    meeting.notice_hours = (start - meeting.cancelled_at).total_seconds() / 3600
            elif draw < 0.8:
                meeting.status = "completed"
                meeting.logged_at = start + datetime.timedelta(hours=2)
                meeting.logged_by_id = mentor_id
            elif draw < 0.88:
                meeting.status = "cancelled"
                meeting.cancelled_by_id = rng.choice((mentor_id, mentee_id))
                meeting.cancelled_at = start - rng.uniform(1, 48) * datetime.timedelta(hours=1)
                meeting.cancel_reason = rng.choice(Meeting.CancelReason.values)
                meeting.notice_hours = (start - meeting.cancelled_at).total_seconds() / 3600
            elif draw < 0.94:
                meeting.status = "rescheduled"
                meeting.rescheduled_by_id = rng.choice((mentor_id, mentee_id))
                meeting.rescheduled_at = start - day
                meeting.notice_hours = 24.0
            else:
                meeting.status = "no_show"
                meeting.absent = rng.choice(Meeting.Absent.values)
                meeting.logged_at = start + datetime.timedelta(hours=2)
            batch.append(meeting)
        Meeting.objects.bulk_create(batch)
        written += len(batch)
        if written % PAGE < BATCH:
            print(f"  {written:,} meetings written", file=sys.stderr, flush=True)
    return written


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- measurements -----------------------------------------------------------------------------


def _percentiles(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    return round(statistics.median(timings), 1), round(timings[max(0, round(0.95 * len(timings)) - 1)], 1)


def _dashboard(client, programme, requests: int) -> dict:
    from django.db import connection
    from django.urls import reverse

    from reports.services import dashboard_cache
    from sessions.models import Meeting

    url = reverse("programme-dashboard", args=[programme.slug])
    for _ in range(2):  # warm-up: templates compiled, caches filled, the view registered
        response = client.get(url)
        where = response.get("Location", "")
        check(response.status_code == 200, f"the dashboard answers 200, not {response.status_code} {where}")
    check(dashboard_cache.registered_views(programme_id=programme.pk), "opening the dashboard registers its view")
    meeting = Meeting.objects.filter(match__programme=programme).order_by("pk").first()
    refreshes: list[float] = []

    def get(way: str) -> tuple[float, int]:
        """One request's server time in ms and its queries, after what `way` says is done
        outside the timed region."""
        if way == "after_write":
            meeting.save()  # the signal makes the programme's pages stale and queues a refresh
            started = time.perf_counter()
            computed = dashboard_cache.refresh_programme_dashboards(programme_id=programme.pk)
            refreshes.append((time.perf_counter() - started) * 1000)
            check(computed == 1, f"the worker computed the registered view again ({computed})")
        elif way == "cold":
            dashboard_cache.forget_dashboards(programme_id=programme.pk)
        queries = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        # An execute wrapper survives the connection being closed and opened again around a
        # request (CaptureQueriesContext would not see the queries on SQLite).
        with connection.execute_wrapper(count):
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        check(response.status_code == 200, "the dashboard answers 200")
        check(b"Leadership Accelerator" in response.content, "the dashboard shows the programme")
        computed = any("mentoring_sessions_meeting" in sql for sql in queries)
        check(computed == (way == "cold"), f"a {way} request computes the page only when cold ({computed})")
        return elapsed, len(queries)

    figures = {}
    for name, way in (("dashboard", "again"), ("dashboard_after_write", "after_write"), ("dashboard_cold", "cold")):
        runs = [get(way) for _ in range(requests)]
        p50, p95 = _percentiles([elapsed for elapsed, _queries in runs])
        # The most usual count: the database cache adds a query when it culls old entries.
        usual = Counter(count for _elapsed, count in runs).most_common(1)[0][0]
        figures.update({f"{name}_p50_ms": p50, f"{name}_p95_ms": p95, f"{name}_queries": usual})
    figures["dashboard_refresh_p50_ms"], figures["dashboard_refresh_p95_ms"] = _percentiles(refreshes)
    return figures


def _stream_csv(client, programme, expected_rows: int) -> dict:
    """POST the export form, consume the streamed response, count rows and memory."""
    import gc

    from django.urls import reverse

    from reports.models import ExportJob

    gc.collect()
    peak_reset = _reset_peak()
    baseline = _rss_kib()
    sampled = baseline
    started = time.perf_counter()
    cpu_started = time.process_time()
    response = client.post(
        reverse("export-create"), {"programme": programme.slug, "dataset": "meetings", "format": "csv"}
    )
    check(response.status_code == 200 and response.streaming, f"the CSV export streams ({response.status_code})")
    size = lines = 0
    for number, chunk in enumerate(response.streaming_content):
        size += len(chunk)
        lines += chunk.count(b"\n")
        if number % 20 == 0:
            sampled = max(sampled, _rss_kib())
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    peak = _status_kib("VmHWM") if peak_reset else None
    peak = max(sampled, peak or 0)
    job = ExportJob.objects.order_by("-pk").first()
    check(job.status == ExportJob.Status.DONE and not job.in_background, f"the export is logged as done: {job}")
    check(job.rows == expected_rows, f"rows exported {job.rows} == meetings {expected_rows}")
    check(lines >= expected_rows + 1, f"the file has a line per row ({lines})")
    return {
        "rows": job.rows,
        "seconds": round(seconds, 3),
        "rows_per_s": round(job.rows / seconds),
        # On a shared machine the wall clock includes waiting for a core; CPU time does not.
        "rows_per_cpu_s": round(job.rows / cpu_seconds),
        "mib": round(size / 1024 / 1024, 1),
        "rss_growth_mib": round((peak - baseline) / 1024, 1),
    }


def _xlsx(coordinator, programme, expected_rows: int) -> dict:
    from reports.models import ExportJob
    from reports.services import exports

    job = exports.request_export(user=coordinator, dataset="meetings", format="xlsx", programme=programme)
    started = time.perf_counter()
    cpu_started = time.process_time()
    exports.build_export(job_id=job.pk)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    job.refresh_from_db()
    check(job.status == ExportJob.Status.DONE, f"the XLSX export is done: {job.error}")
    check(job.rows == expected_rows, f"XLSX rows {job.rows} == meetings {expected_rows}")
    return {
        "seconds": round(seconds, 3),
        "rows_per_s": round(job.rows / seconds),
        "rows_per_cpu_s": round(job.rows / cpu_seconds),
        "mib": round(job.file.size / 2**20, 1),
    }


def run(bench, options: argparse.Namespace) -> None:
    from django.conf import settings
    from django.test import Client

    # The test client talks to the real middleware stack; let it in over plain HTTP.
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_SSL_REDIRECT = False
    # Every CSV of this benchmark streams, however large (the point is to measure it).
    settings.EXPORT_STREAM_MAX_ROWS = 10**9
    rng = random.Random(options.seed)

    with bench.step("build"):
        coordinator, programme, matches, people, meetings = _build(options, rng)
    client = Client()
    client.force_login(coordinator)

    dashboard = _dashboard(client, programme, options.requests)
    print(
        f"  dashboard p95: {dashboard['dashboard_p95_ms']} ms cached, {dashboard['dashboard_after_write_p95_ms']} ms"
        f" after a write, {dashboard['dashboard_cold_p95_ms']} ms cold",
        file=sys.stderr,
        flush=True,
    )
    with bench.step("csv"):
        csv = _stream_csv(client, programme, meetings)
    with bench.step("xlsx"):
        xlsx = _xlsx(coordinator, programme, meetings)

    figures = {
        "participants": options.participants,
        "matches": len(matches),
        "meetings": meetings,
        **dashboard,
        "csv_rows": csv["rows"],
        "csv_rows_per_s": csv["rows_per_s"],
        "csv_rows_per_cpu_s": csv["rows_per_cpu_s"],
        "csv_mib": csv["mib"],
        "csv_rss_growth_mib": csv["rss_growth_mib"],
        "xlsx_rows_per_s": xlsx["rows_per_s"],
        "xlsx_rows_per_cpu_s": xlsx["rows_per_cpu_s"],
        "xlsx_mib": xlsx["mib"],
    }
    table = [
        ("participants / matches / meetings", f"{options.participants:,} / {len(matches):,} / {meetings:,}"),
        ("dashboard p50 / p95", f"{dashboard['dashboard_p50_ms']} / {dashboard['dashboard_p95_ms']} ms"),
        ("dashboard queries", str(dashboard["dashboard_queries"])),
        (
            "dashboard after a write p50 / p95",
            f"{dashboard['dashboard_after_write_p50_ms']} / {dashboard['dashboard_after_write_p95_ms']} ms",
        ),
        (
            "worker's refresh p50 / p95",
            f"{dashboard['dashboard_refresh_p50_ms']} / {dashboard['dashboard_refresh_p95_ms']} ms",
        ),
        ("dashboard cold p50 / p95", f"{dashboard['dashboard_cold_p50_ms']} / {dashboard['dashboard_cold_p95_ms']} ms"),
        ("dashboard cold queries", str(dashboard["dashboard_cold_queries"])),
        ("CSV export", f"{csv['rows']:,} rows, {csv['mib']} MiB, {csv['rows_per_s']:,} rows/s"),
        ("CSV export per CPU second", f"{csv['rows_per_cpu_s']:,} rows/s"),
        ("CSV memory growth", f"{csv['rss_growth_mib']} MiB"),
        ("XLSX export", f"{meetings:,} rows, {xlsx['mib']} MiB, {xlsx['rows_per_s']:,} rows/s"),
        ("XLSX export per CPU second", f"{xlsx['rows_per_cpu_s']:,} rows/s"),
    ]
    if options.csv_rows > meetings:
        with bench.step("grow"):
            from django.utils import timezone

            now = timezone.now().replace(microsecond=0)
            more = _add_meetings(options.csv_rows - meetings, matches, people, rng, now)
            _analyze()
        with bench.step("csv_large"):
            large = _stream_csv(client, programme, meetings + more)
        figures.update(
            {
                "csv_large_rows": large["rows"],
                "csv_large_rows_per_s": large["rows_per_s"],
                "csv_large_rows_per_cpu_s": large["rows_per_cpu_s"],
                "csv_large_mib": large["mib"],
                "csv_large_rss_growth_mib": large["rss_growth_mib"],
            }
        )
        table += [
            ("large CSV export", f"{large['rows']:,} rows, {large['mib']} MiB, {large['rows_per_s']:,} rows/s"),
            ("large CSV export per CPU second", f"{large['rows_per_cpu_s']:,} rows/s"),
            ("large CSV memory growth", f"{large['rss_growth_mib']} MiB"),
        ]
    bench.report(figures, table)


if __name__ == "__main__":
    main()
