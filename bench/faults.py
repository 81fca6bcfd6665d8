"""Fault injection: meeting reminders go out exactly once when workers die, beats double
and Redis restarts.

    python bench/faults.py --meetings 1000

Runs real Celery worker and beat processes (prefork pool, as in production) against a
Redis of its own (`redis-server` on a free port, append-only file in a temporary
folder, never the machine's Redis on 6379) and a fresh PostgreSQL database
`faults_bench` (created with `createdb`, dropped at the end; `--pg-host`/`--pg-user`,
default 127.0.0.1 and postgres). E-mail goes to Django's file backend in the temporary
folder: the files are the outbox that is counted.

Each scenario has its own programme with `--meetings` active pairs, one meeting each and
one reminder offset (60 minutes), so each person is owed exactly one reminder e-mail:

- killbatch: a reminder sweep runs in the worker's only pool process, which is killed
  (SIGKILL) while the sweep's first batch is still inside its transaction; the pool
  starts a new process and the message, requeued because its process died, runs again;
- killcommit: the same, but the process is killed right after the first batch committed,
  while that batch's e-mail tasks are being queued: the e-mails whose tasks never reached
  Redis are still owed in the notifications' outbox, and the outbox sweep
  (`requeue-owed-emails`, every minute from beat) queues them again;
- beats: two beat processes run side by side (two workers): both enqueue the
  every-minute sweep; a third of the meetings are due at once, the rest become due over
  the next two minutes;
- redis: a sweep run in this process queues every reminder e-mail; a worker starts
  sending and Redis is restarted (SIGTERM, so it writes its append-only file, and
  started again) while most are still queued. Messages the worker held at that moment
  wait in Redis's unacknowledged set for the visibility timeout (an hour); the bench
  ages them and starts a worker to show they are delivered, not lost.

The two kill scenarios run one beat beside the worker, as production does, with
`NOTIFICATION_EMAIL_REQUEUE_MINUTES=1` (5 by default) so that the outbox sweep acts
within the scenario's time.

For each: reminders expected (two per meeting), sent (people with a reminder in the
outbox), duplicated (extra copies) and lost (people without one once the queue is
empty); the goal is sent = expected, 0 duplicated, 0 lost. The last line is JSON.
"""

import argparse
import datetime
import email
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ROOT, Bench, check

sys.path.insert(0, str(ROOT))

DATABASE = "faults_bench"
QUEUE = "faults"
SEPARATOR = b"\n" + b"-" * 79 + b"\n"
PYTHON = sys.executable


class Environment:
    """The private Redis, the database and the processes started for one run."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.workdir = Path(tempfile.mkdtemp(prefix="bench-faults-"))
        self.redis_port = _free_port()
        self.redis: subprocess.Popen | None = None
        self.processes: list[subprocess.Popen] = []
        self.django_ready = False
        self.database_url = f"postgres://{args.pg_user}@{args.pg_host}:{args.pg_port}/{DATABASE}"
        self.variables = {
            "DJANGO_SETTINGS_MODULE": "mentoring.settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "false",
            "HTTPS": "false",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "VAR_DIR": str(self.workdir / "var"),
            "MEDIA_ROOT": str(self.workdir / "media"),
            "EMAIL_URL": "",  # Django's file backend under VAR_DIR/mail
            "CELERY_DEFAULT_QUEUE": QUEUE,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CACHE_KEY_PREFIX": "faults",
            "NOTIFICATION_EMAIL_REQUEUE_MINUTES": "1",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }

    @property
    def mail_dir(self) -> Path:
        return self.workdir / "var" / "mail"

    def child_environment(self) -> dict[str, str]:
        inherited = {key: value for key, value in os.environ.items() if key not in {"CELERY_BROKER_URL", "EMAIL_URL"}}
        return {**inherited, **self.variables}

    # --- Redis --------------------------------------------------------------------------

    def start_redis(self) -> None:
        (self.workdir / "redis").mkdir(exist_ok=True)
        self.redis = subprocess.Popen(  # noqa: S603 -- our own Redis, fixed arguments
            [_tool("redis-server"), "--port", str(self.redis_port), "--bind", "127.0.0.1", "--dir",
             str(self.workdir / "redis"), "--appendonly", "yes", "--save", "", "--logfile",
             str(self.workdir / "redis.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._wait_for_redis()

    def stop_redis(self) -> None:
        if self.redis is not None and self.redis.poll() is None:
            self.redis.terminate()  # SIGTERM: Redis flushes its append-only file and exits
            self.redis.wait(timeout=30)

    def _wait_for_redis(self) -> None:
        import redis

        client = redis.Redis(port=self.redis_port, socket_connect_timeout=1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        raise SystemExit("benchmark check failed: the private Redis did not start")

    # --- PostgreSQL -----------------------------------------------------------------------

    def create_database(self) -> None:
        self.drop_database()
        subprocess.run(  # noqa: S603
            [_tool("createdb"), "-h", self.args.pg_host, "-p", str(self.args.pg_port), "-U", self.args.pg_user,
             DATABASE],
            check=True,
        )  # fmt: skip

    def drop_database(self) -> None:
        subprocess.run(  # noqa: S603
            [_tool("dropdb"), "--if-exists", "--force", "-h", self.args.pg_host, "-p", str(self.args.pg_port), "-U",
             self.args.pg_user, DATABASE],
            check=True,
        )  # fmt: skip

    # --- Celery processes -----------------------------------------------------------------

    def start_worker(self, name: str, *, concurrency: int = 2) -> subprocess.Popen:
        return self._start(
            name,
            ["-m", "celery", "-A", "mentoring", "worker", "--pool=prefork", f"--concurrency={concurrency}",
             "--loglevel=INFO", "--without-mingle", "--without-gossip", "-n", f"{name}@%h"],
        )  # fmt: skip

    def start_beat(self, name: str) -> subprocess.Popen:
        return self._start(
            name,
            ["-m", "celery", "-A", "mentoring", "beat", "--loglevel=INFO",
             f"--schedule={self.workdir / f'{name}-schedule'}", f"--pidfile={self.workdir / f'{name}.pid'}"],
        )  # fmt: skip

    def _start(self, name: str, arguments: list[str]) -> subprocess.Popen:
        log = (self.workdir / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 -- our own worker and beat
            [PYTHON, *arguments], cwd=ROOT, env=self.child_environment(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.processes.append(process)
        return process

    def stop(self, process: subprocess.Popen) -> None:
        """Warm shutdown (SIGTERM): running tasks finish, unacknowledged ones go back."""
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def teardown(self) -> None:
        try:
            for process in self.processes:
                self.stop(process)
            if self.django_ready:
                from django.db import connections

                connections.close_all()
        finally:
            self.stop_redis()
            self.drop_database()
            if self.args.keep:
                print(f"  logs and outbox kept in {self.workdir}", file=sys.stderr)
            else:
                shutil.rmtree(self.workdir, ignore_errors=True)


def _tool(name: str) -> str:
    path = shutil.which(name)
    check(path is not None, f"{name} is not installed")
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- Data and counting ----------------------------------------------------------------------


def build_pairs(scenario: str, starts: list[datetime.datetime]) -> list[str]:
    """A programme reminding 60 minutes before, one active pair per start time with one
    meeting at it; returns the e-mail address of everyone owed a reminder."""
    from django.contrib.auth.hashers import make_password

    from matching.models import Match
    from profiles.models import User
    from programmes.models import Enrolment, Programme
    from sessions.models import Meeting, MeetingSettings

    programme = Programme.objects.create(name=f"Faults {scenario}", slug=f"faults-{scenario}", status="running")
    MeetingSettings.objects.create(programme=programme, reminder_offsets=[60])
    no_password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(email=f"{scenario}-{role}{index}@faults.example.com", first_name=role.title(), last_name=str(index),
                 password=no_password)
            for index in range(len(starts))
            for role in ("mentor", "mentee")
        ]
    )  # fmt: skip
    enrolments = Enrolment.objects.bulk_create(
        [
            Enrolment(programme=programme, user=user, role="mentor" if offset % 2 == 0 else "mentee",
                      status="approved", source="coordinator")
            for offset, user in enumerate(users)
        ]
    )  # fmt: skip
    now = datetime.datetime.now(datetime.UTC)
    matches = Match.objects.bulk_create(
        [
            Match(programme=programme, mentor=enrolments[2 * index], mentee=enrolments[2 * index + 1],
                  status="active", source="coordinator", exclusive=True, started_at=now - datetime.timedelta(days=30))
            for index in range(len(starts))
        ]
    )  # fmt: skip
    Meeting.objects.bulk_create(
        [
            Meeting(match=match, organiser_id=match.mentor.user_id, start=start, status="scheduled", mode="online",
                    video_link="https://meet.example.com/faults", uid=f"faults-{scenario}-{match.pk}@mentoring")
            for match, start in zip(matches, starts, strict=True)
        ]
    )  # fmt: skip
    return [user.email for user in users]


def outbox(env: Environment, scenario: str) -> Counter:
    """Reminder e-mails in the file outbox per recipient of this scenario."""
    sent: Counter = Counter()
    if not env.mail_dir.exists():
        return sent
    for path in env.mail_dir.iterdir():
        for raw in path.read_bytes().split(SEPARATOR):
            if not raw.strip():
                continue
            message = email.message_from_bytes(raw)
            recipient = str(message.get("To", ""))
            if recipient.startswith(f"{scenario}-") and "Reminder: meeting with" in str(message.get("Subject", "")):
                sent[recipient] += 1
    return sent


def queued(env: Environment) -> dict[str, int]:
    """Messages waiting in the queue and taken by a worker but not acknowledged."""
    import redis

    client = redis.Redis(port=env.redis_port)
    try:
        return {"queued": client.llen(QUEUE), "unacked": client.hlen("unacked")}
    except redis.exceptions.ConnectionError:
        return {"queued": -1, "unacked": -1}


def settle(env: Environment, scenario: str, expected: list[str], timeout: float, *, at_least: float = 30) -> dict:
    """Wait until everyone has a reminder and the queue is empty (or the timeout; an empty
    broker counts after `at_least` seconds), then a little longer so that late
    duplicates would show."""
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        sent = outbox(env, scenario)
        state = queued(env)
        # Done when everyone has a reminder and nothing waits in the queue, or when the
        # broker holds nothing at all. A message whose acknowledgement was lost in a Redis
        # restart stays "unacked" until the visibility timeout (its e-mail was sent; the
        # redelivery finds the claim and does nothing).
        idle = state == {"queued": 0, "unacked": 0} and time.monotonic() - started > at_least
        if (len(sent) >= len(expected) and state["queued"] == 0) or idle:
            break
        time.sleep(1)
    drained = round(time.monotonic() - started, 1)
    time.sleep(10)
    return result(env, scenario, expected, drained)


def result(env: Environment, scenario: str, expected: list[str], drained: float) -> dict:
    from sessions.models import Reminder

    sent = outbox(env, scenario)
    wanted = set(expected)
    return {
        "expected": len(expected),
        "sent": len(set(sent) & wanted),
        "duplicated": sum(count - 1 for count in sent.values() if count > 1),
        "lost": len(wanted - set(sent)),
        "claimed": Reminder.objects.filter(meeting__match__programme__slug=f"faults-{scenario}", sent_at__isnull=False)
        .values("user_id")
        .distinct()
        .count(),
        "left_in_broker": queued(env),
        "seconds": drained,
    }


# --- Scenarios --------------------------------------------------------------------------------


def due_now(count: int) -> list[datetime.datetime]:
    now = datetime.datetime.now(datetime.UTC)
    return [now + datetime.timedelta(minutes=30, seconds=index % 600) for index in range(count)]


def kill_in_batch(env: Environment, meetings: int, timeout: float) -> dict:
    """Kill the worker child while the sweep's first batch is still in its transaction."""
    from django.db import connection

    def transaction_open() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
                " AND query ILIKE '%%mentoring_sessions_reminder%%'"
            )
            return cursor.fetchone()[0] > 0

    return _kill_sweep(env, "killbatch", meetings, timeout, when=transaction_open)


def kill_after_commit(env: Environment, meetings: int, timeout: float) -> dict:
    """Kill the worker child right after the sweep committed its first batch, while the
    batch's e-mail tasks are being queued."""
    return _kill_sweep(env, "killcommit", meetings, timeout, when=lambda: True)


def _kill_sweep(env: Environment, scenario: str, meetings: int, timeout: float, *, when) -> dict:
    from mentoring.celery import app
    from sessions.models import Reminder
    from sessions.tasks import send_due_reminders_task

    expected = build_pairs(scenario, due_now(meetings))
    claims = Reminder.objects.filter(meeting__match__programme__slug=f"faults-{scenario}", sent_at__isnull=False)
    # One pool process, so the sweep runs in the child we kill; the pool starts another.
    worker = env.start_worker(f"{scenario}-worker", concurrency=1)
    _wait_for_worker(app, f"{scenario}-worker")
    (child,) = _pool_children(worker)
    send_due_reminders_task.delay()
    killed_with_claims = None
    deadline = time.monotonic() + 120
    while killed_with_claims is None and time.monotonic() < deadline:
        committed = claims.exists()
        if scenario == "killbatch" and committed:
            break  # too late: the first batch is in
        if (committed or scenario == "killbatch") and when():
            os.kill(child, signal.SIGKILL)
            killed_with_claims = claims.count()
        time.sleep(0.01)
    check(killed_with_claims is not None, f"{scenario}: the sweep was not caught in time; try other --meetings")
    check(_pool_children(worker, besides=child), f"{scenario}: the pool did not replace the killed child")
    # The outbox sweep runs from beat: an e-mail waits a minute before it is queued
    # again, and beat ticks every minute, so give it up to three minutes.
    beat = env.start_beat(f"{scenario}-beat")
    outcome = settle(env, scenario, expected, max(timeout, 240), at_least=190)
    env.stop(beat)
    env.stop(worker)
    from notifications.models import Notification

    requeued = Notification.objects.filter(recipient__email__startswith=f"{scenario}-", email_queued_times__gt=1)
    return {**outcome, "claimed_when_killed": killed_with_claims, "requeued_by_outbox": requeued.count()}


def _pool_children(worker: subprocess.Popen, *, besides: int | None = None) -> list[int]:
    """The worker's pool processes (Linux /proc), waiting for the pool to be up (and for
    a process other than `besides`)."""
    path = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = [int(pid) for pid in path.read_text().split()] if path.exists() else []
        if children and children != [besides]:
            return [pid for pid in children if pid != besides]
        time.sleep(0.1)
    return []


def two_beats(env: Environment, meetings: int, timeout: float) -> dict:
    """Two beats (and two workers) at once, with reminders falling due over two minutes."""
    now = datetime.datetime.now(datetime.UTC)
    hour = datetime.timedelta(minutes=60)
    starts = [
        now + datetime.timedelta(minutes=30) if index % 3 == 0 else now + hour + datetime.timedelta(seconds=index % 120)
        for index in range(meetings)
    ]
    expected = build_pairs("beats", starts)
    workers = [env.start_worker(f"beats-worker{number}") for number in (1, 2)]
    beats = [env.start_beat(f"beat{number}") for number in (1, 2)]
    # The beats tick at about 60, 120 and 180 s; the last meetings fall due at 120 s.
    outcome = settle(env, "beats", expected, max(timeout, 240), at_least=200)
    for process in (*beats, *workers):
        env.stop(process)
    sweeps = sum(
        (env.workdir / f"beats-worker{number}.log").read_text().count("send_due_reminders_task") for number in (1, 2)
    )
    return {**outcome, "sweep_log_lines": sweeps}


def restart_redis(env: Environment, meetings: int, timeout: float) -> dict:
    """Queue every reminder e-mail, start sending, restart Redis with most still queued."""
    from mentoring.celery import app
    from sessions.services.reminders import send_due_reminders

    expected = build_pairs("redis", due_now(meetings))
    claimed = send_due_reminders()  # as a worker's sweep would; the e-mails are queued on commit
    check(claimed == len(expected), f"the sweep claimed {claimed} of {len(expected)}")
    queued_before = queued(env)["queued"]
    worker = env.start_worker("redis-worker")
    _wait_for_worker(app, "redis-worker")
    deadline = time.monotonic() + 120
    while len(outbox(env, "redis")) < len(expected) // 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    sent_before_restart = len(outbox(env, "redis"))
    env.stop_redis()
    time.sleep(3)
    env.start_redis()
    outcome = settle(env, "redis", expected, timeout)
    waiting = outcome["left_in_broker"]["unacked"]
    if waiting > 0:
        # Messages a worker had taken when Redis went away stay in Redis's "unacked" set;
        # Redis hands them out again after the visibility timeout (an hour). Age them
        # instead of waiting; a worker restores due ones when it starts polling.
        outcome["lost_before_visibility_timeout"] = outcome["lost"]
        _age_unacked(env)
        env.stop(worker)
        worker = env.start_worker("redis-worker-later")
        outcome = {**outcome, **settle(env, "redis", expected, timeout, at_least=20)}
    env.stop(worker)
    return {
        **outcome,
        "unacked_after_restart": waiting,
        "queued_before": queued_before,
        "sent_before_restart": sent_before_restart,
    }


def _age_unacked(env: Environment) -> None:
    import redis

    client = redis.Redis(port=env.redis_port)
    tags = client.zrange("unacked_index", 0, -1)
    if tags:
        client.zadd("unacked_index", dict.fromkeys(tags, 0))


def _wait_for_worker(app, name: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1) or []
        if any(name in key for reply in replies for key in reply):
            return
    raise SystemExit(f"benchmark check failed: worker {name} did not start")


SCENARIOS = {
    "killbatch": kill_in_batch,
    "killcommit": kill_after_commit,
    "beats": two_beats,
    "redis": restart_redis,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meetings", type=int, default=1000, help="meetings per scenario (two reminders each)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a scenario may take to drain")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"comma-separated: {','.join(SCENARIOS)}")
    parser.add_argument("--keep", action="store_true", help="keep the worker logs and the outbox")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--pg-user", default="postgres")
    args = parser.parse_args()
    names = [name for name in args.scenarios.split(",") if name]
    check(all(name in SCENARIOS for name in names), f"unknown scenario in {names}")
    for tool in ("redis-server", "createdb", "dropdb"):
        _tool(tool)

    env = Environment(args)
    try:
        env.start_redis()
        env.create_database()
        os.environ.update(env.variables)
        import django

        django.setup()
        env.django_ready = True
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0, interactive=False)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        bench = Bench(name="faults", database=f"postgresql {version}")
        results = {}
        for name in names:
            print(f"  scenario {name} …", file=sys.stderr, flush=True)
            with bench.step(name):
                results[name] = SCENARIOS[name](env, args.meetings, args.timeout)
        report(bench, args, results)
    finally:
        env.teardown()


def report(bench: Bench, args: argparse.Namespace, results: dict[str, dict]) -> None:
    table = [("meetings per scenario", f"{args.meetings:,}")]
    for name, outcome in results.items():
        table.append(
            (
                name,
                f"expected {outcome['expected']:,}, sent {outcome['sent']:,}, duplicated {outcome['duplicated']}, "
                f"lost {outcome['lost']} (drained in {outcome['seconds']:.0f} s)",
            )
        )
    figures = {
        "meetings": args.meetings,
        "scenarios": results,
        "expected": sum(outcome["expected"] for outcome in results.values()),
        "sent": sum(outcome["sent"] for outcome in results.values()),
        "duplicated": sum(outcome["duplicated"] for outcome in results.values()),
        "lost": sum(outcome["lost"] for outcome in results.values()),
    }
    bench.report(figures, table)


if __name__ == "__main__":
    main()
