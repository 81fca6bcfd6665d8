from datetime import timedelta

import time_machine
from django.conf import settings
from django.utils import timezone

from mentoring import health
from mentoring.tasks import record_heartbeat_task


def test_healthz_reports_database_broker_and_missing_heartbeat(client, db):
    response = client.get("/healthz")

    body = response.json()
    assert response.status_code == 200
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert body["checks"]["heartbeat"] == {"ok": False, "last_run": None, "age_seconds": None}
    assert body["status"] == "degraded"


def test_periodic_heartbeat_task_records_its_run(client, db):
    record_heartbeat_task.apply()

    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["checks"]["heartbeat"]["ok"] is True
    assert body["checks"]["heartbeat"]["age_seconds"] < 5


def test_heartbeat_is_stale_after_the_threshold(client, db):
    record_heartbeat_task.apply()

    with time_machine.travel(timezone.now() + timedelta(seconds=settings.HEARTBEAT_STALE_AFTER_SECONDS + 1)):
        body = client.get("/healthz").json()

    assert body["checks"]["heartbeat"]["ok"] is False
    assert body["status"] == "degraded"


def test_heartbeat_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["heartbeat"]

    assert entry["task"] == record_heartbeat_task.name


def test_unreachable_broker_makes_healthz_fail(client, db, monkeypatch):
    monkeypatch.setattr(health, "check_broker", lambda: {"ok": False, "transport": "redis", "error": "OSError"})

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "down"


def test_celery_is_configured_for_reliable_delivery():
    from mentoring.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.task_ignore_result is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_the_site_has_an_icon(client, db):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("/favicon.svg")
    assert '<link rel="icon" href="/static/favicon.svg"' in client.get("/accounts/login/").content.decode()
