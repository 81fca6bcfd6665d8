"""Worker reliability: late acknowledgement, one task at a time, time limits inside the
broker's visibility timeout, and retries for transient errors only."""

import json
import os
import smtplib
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError

from mentoring.celery import app
from notifications import tasks as notification_tasks
from sessions import tasks as session_tasks

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "-random-enough-for-a-test-0123456789abcdef"
PROBE = (
    "import json, django; django.setup(); from mentoring.celery import app; app.loader.import_default_modules(); "
    "c = app.conf; tasks = {n: [t.soft_time_limit or c.task_soft_time_limit, t.time_limit or c.task_time_limit,"
    " getattr(t, 'retry_backoff_max', 0) if getattr(t, 'autoretry_for', ()) else 0]"
    " for n, t in app.tasks.items() if not n.startswith('celery.')}; "
    "print(json.dumps({'visibility': c.broker_transport_options.get('visibility_timeout'), 'tasks': tasks,"
    " 'acks_late': c.task_acks_late, 'lost': c.task_reject_on_worker_lost, 'prefetch': c.worker_prefetch_multiplier}))"
)


def test_tasks_are_acknowledged_late_one_at_a_time():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_with_redis_every_task_ends_inside_the_visibility_timeout(tmp_path):
    """Redis hands an unacknowledged task to another worker after the visibility timeout:
    every task's hard limit, and the longest retry wait, must end before it, or a slow
    task (or a retry's countdown) would run twice."""
    environment = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    environment.update(
        DJANGO_SETTINGS_MODULE="mentoring.settings", VAR_DIR=str(tmp_path), SECRET_KEY=GOOD_KEY, DEBUG="false",
        REDIS_URL="redis://cache.internal:6379/0", PYTHONPATH=str(ROOT),
    )  # fmt: skip
    result = subprocess.run(  # noqa: S603 -- our own interpreter, fixed arguments
        [sys.executable, "-c", PROBE], cwd=tmp_path, env=environment,
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    values = json.loads(result.stdout)

    assert (values["acks_late"], values["lost"], values["prefetch"]) == (True, True, 1)
    assert len(values["tasks"]) >= 8
    for name, (soft, hard, backoff_max) in values["tasks"].items():
        assert soft < hard < values["visibility"], name
        assert backoff_max < values["visibility"], name


# --- Retries ----------------------------------------------------------------------------


@pytest.fixture
def failing(monkeypatch):
    """Make a service fail with the given errors in turn, then succeed; count the calls.

    Eager tasks retry at once (no countdown) when errors are not propagated, as a worker
    would after the backoff; the result tells how the last attempt ended."""
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    calls = []

    def install(target, name, errors):
        remaining = list(errors)

        def fake(**kwargs):
            calls.append(kwargs)
            if remaining:
                raise remaining.pop(0)
            return True

        monkeypatch.setattr(target, name, fake)
        return calls

    yield install
    app.conf.task_eager_propagates = propagates


def test_a_mail_server_hiccup_is_retried(failing):
    from notifications import services

    calls = failing(
        services, "send_notification_email", [smtplib.SMTPServerDisconnected("bye"), ConnectionResetError()]
    )

    result = notification_tasks.send_notification_email_task.apply(args=[7])

    assert result.successful()
    assert len(calls) == 3


def test_retries_back_off_and_stop(failing):
    from notifications import services

    task = notification_tasks.send_notification_email_task
    calls = failing(services, "send_notification_email", [TimeoutError()] * 10)

    result = task.apply(args=[7])

    assert isinstance(result.result, TimeoutError)
    assert len(calls) == task.max_retries + 1 == 6
    assert task.retry_backoff == 30
    assert task.retry_jitter is True


@pytest.mark.parametrize(
    "error", [ValueError("bad"), KeyError("x"), TypeError("y"), smtplib.SMTPRecipientsRefused({"a@b": (550, b"no")})]
)
def test_programming_errors_and_refused_addresses_are_not_retried(failing, error):
    from notifications import services

    calls = failing(services, "send_notification_email", [error] * 3)

    result = notification_tasks.send_notification_email_task.apply(args=[7])

    assert isinstance(result.result, type(error))
    assert len(calls) == 1


@pytest.mark.parametrize("task_name", ["notification", "invitation"])
def test_the_database_away_around_the_send_claim_is_retried(failing, task_name):
    from notifications import services
    from sessions.services import meetings

    if task_name == "notification":
        calls = failing(services, "send_notification_email", [OperationalError("server closed the connection")])
        result = notification_tasks.send_notification_email_task.apply(args=[7])
    else:
        calls = failing(meetings, "send_meeting_invitation", [OperationalError("database is locked")])
        result = session_tasks.send_meeting_invitation_task.apply(args=[1, 2, "REQUEST", 0])

    assert result.successful()
    assert len(calls) == 2


def test_a_bug_in_a_meeting_invitation_is_not_retried(failing):
    from sessions.services import meetings

    calls = failing(meetings, "send_meeting_invitation", [ValueError("bug")] * 3)

    result = session_tasks.send_meeting_invitation_task.apply(args=[1, 2, "REQUEST", 0])

    assert isinstance(result.result, ValueError)
    assert len(calls) == 1


def test_periodic_sweeps_do_not_retry():
    """The next beat tick runs the sweep again; a retry would only stack up runs."""
    for task in (session_tasks.send_due_reminders_task, session_tasks.raise_flags_task):
        assert not getattr(task, "autoretry_for", ())
        assert task.time_limit < 60 * 60
