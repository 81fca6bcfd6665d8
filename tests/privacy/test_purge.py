import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from goals.models import Feedback, Goal, ProgressUpdate
from matching.models import Flag, FlagNote, Match, MentorRequest
from programmes.models import Answer, Enrolment, Programme
from reports import privacy
from reports.tasks import purge_expired_programmes_task
from sessions.models import Meeting, MeetingNote
from tests.factories import ProgrammeFactory

NOW = timezone.now()


def close(programme: Programme, *, days_ago: int, retention: int = 30) -> Programme:
    Programme.objects.filter(pk=programme.pk).update(
        status=Programme.Status.CLOSED, closed_at=NOW - datetime.timedelta(days=days_ago), retention_days=retention
    )
    programme.refresh_from_db()
    return programme


def snapshot(programme: Programme) -> dict:
    """Everything the purge must keep (rows, statuses, progress) and the texts it must not."""
    return {
        "matches": list(Match.objects.filter(programme=programme).values_list("pk", "status", "end_outcome")),
        "meetings": list(Meeting.objects.filter(match__programme=programme).values_list("pk", "status", "start")),
        "goals": list(Goal.objects.filter(match__programme=programme).values_list("pk", "title", "progress")),
        "updates": list(ProgressUpdate.objects.filter(goal__match__programme=programme).values_list("pk", "progress")),
        "feedback": Feedback.objects.filter(goal__match__programme=programme).count(),
        "flags": list(Flag.objects.filter(match__programme=programme).values_list("pk", "status")),
    }


def texts(programme: Programme) -> list[str]:
    values = [
        *MeetingNote.objects.filter(meeting__match__programme=programme).values_list("text", flat=True),
        *Meeting.objects.filter(match__programme=programme).values_list("agenda", "cancel_note", "reschedule_reason"),
        *Goal.objects.filter(match__programme=programme).values_list("why", "success_measure"),
        *ProgressUpdate.objects.filter(goal__match__programme=programme).values_list("text", flat=True),
        *Feedback.objects.filter(goal__match__programme=programme).values_list("text", flat=True),
        *FlagNote.objects.filter(flag__match__programme=programme).values_list("text", flat=True),
        *Flag.objects.filter(match__programme=programme).values_list("resolution", flat=True),
        *Answer.objects.filter(enrolment__programme=programme).values_list("value", flat=True),
        *MentorRequest.objects.filter(programme=programme).values_list("message", "response"),
        *Match.objects.filter(programme=programme).values_list("decline_reason", "end_reason"),
        *Enrolment.objects.filter(programme=programme).values_list("decision_message", flat=True),
    ]
    flat: list[str] = []
    for value in values:
        flat.extend(value if isinstance(value, tuple) else [value])
    return [value for value in flat if value]


def test_a_programme_past_its_retention_loses_notes_and_free_text(person, programme):
    close(programme, days_ago=31)
    kept = snapshot(programme)
    assert texts(programme)

    purged = privacy.purge_expired_programmes(now=NOW)

    assert purged == 1
    assert texts(programme) == []
    assert snapshot(programme) == kept
    programme.refresh_from_db()
    assert programme.purged_at == NOW


def test_purging_twice_changes_nothing(person, programme):
    close(programme, days_ago=31)
    privacy.purge_expired_programmes(now=NOW)
    after_first = snapshot(programme)
    events = AuditEvent.objects.filter(action=AuditEvent.Action.PROGRAMME_PURGED).count()

    again = privacy.purge_expired_programmes(now=NOW + datetime.timedelta(days=1))
    direct = privacy.purge_programme(programme=programme, now=NOW + datetime.timedelta(days=1))

    assert again == 0
    assert direct is None
    assert snapshot(programme) == after_first
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PROGRAMME_PURGED).count() == events == 1
    programme.refresh_from_db()
    assert programme.purged_at == NOW


@pytest.mark.parametrize(("status", "days_ago"), [("closed", 29), ("running", 400)])
def test_programmes_within_retention_or_still_open_are_kept(person, programme, status, days_ago):
    close(programme, days_ago=days_ago)
    Programme.objects.filter(pk=programme.pk).update(status=status)
    before = texts(programme)

    assert privacy.purge_expired_programmes(now=NOW) == 0

    assert texts(programme) == before
    programme.refresh_from_db()
    assert programme.purged_at is None


def test_only_expired_programmes_are_touched(person, programme, other_programme):
    close(programme, days_ago=31)
    close(other_programme, days_ago=5, retention=0)
    fresh = close(ProgrammeFactory(), days_ago=1)

    assert privacy.purge_expired_programmes(now=NOW) == 2

    fresh.refresh_from_db()
    assert fresh.purged_at is None


def test_the_purge_is_audited_by_the_system_with_counts(person, programme):
    close(programme, days_ago=31)

    purge_expired_programmes_task()

    event = AuditEvent.objects.get(action=AuditEvent.Action.PROGRAMME_PURGED)
    assert event.actor is None
    assert event.programme_id == programme.pk
    assert event.details["retention_days"] == 30
    assert event.details["counts"]["meeting_notes"] == 3


def test_the_programme_page_says_when_notes_were_purged(client, person, programme, coordinator):
    close(programme, days_ago=31)
    client.force_login(coordinator)
    assert "kept for 30 days" in client.get(programme.get_absolute_url()).content.decode()

    privacy.purge_expired_programmes(now=NOW)

    assert "Notes purged on" in client.get(programme.get_absolute_url()).content.decode()


def test_the_beat_runs_the_purge_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["purge-expired-programmes"]

    assert entry == {"task": "reports.tasks.purge_expired_programmes_task", "schedule": 24 * 60 * 60}


# --- the setting -----------------------------------------------------------------------------


def test_coordinators_set_the_retention_on_the_form(client, coordinator, programme):
    client.force_login(coordinator)
    form = client.get(reverse("programme-edit", args=[programme.slug])).context["form"]
    assert "retention_days" in form.fields
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(schedule="rolling", retention_days=90)

    response = client.post(reverse("programme-edit", args=[programme.slug]), data)

    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.retention_days == 90


def test_coordinators_set_the_retention_through_the_api(coordinator, programme):
    api = APIClient()
    api.force_authenticate(coordinator)
    url = f"/api/v1/programmes/{programme.slug}/"

    bad = api.patch(url, {"retention_days": 5000}, format="json")
    good = api.patch(url, {"retention_days": 120}, format="json")

    assert bad.status_code == 400
    assert "retention_days" in bad.json()
    assert good.status_code == 200
    assert (good.json()["retention_days"], good.json()["purged_at"]) == (120, None)
