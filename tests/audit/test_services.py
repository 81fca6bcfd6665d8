import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from audit import services
from audit.models import AppendOnlyError, AuditEvent
from tests.factories import EnrolmentFactory, UserFactory


def test_record_names_the_target_by_type_and_id(coordinator, programme):
    enrolment = EnrolmentFactory(programme=programme)

    event = services.record(
        actor=coordinator,
        action=AuditEvent.Action.RECORD_VIEWED,
        programme_id=programme.pk,
        target=enrolment,
        details={"person": enrolment.user_id},
    )

    event.refresh_from_db()
    assert event.actor == coordinator
    assert (event.target_type, event.target_id) == ("programmes.enrolment", str(enrolment.pk))
    assert event.programme_id == programme.pk
    assert event.details == {"person": enrolment.user_id}
    assert event.ip_address is None


def test_record_takes_the_address_from_the_request(coordinator):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1")

    event = services.record(actor=coordinator, action=AuditEvent.Action.DATA_DOWNLOADED, request=request)

    assert event.ip_address == "203.0.113.7"  # no trusted proxy: the header is ignored


def test_record_trusts_the_forwarded_address_behind_a_configured_proxy(coordinator, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.1")

    event = services.record(actor=coordinator, action=AuditEvent.Action.DATA_DOWNLOADED, request=request)

    assert event.ip_address == "198.51.100.1"


def test_an_unparsable_address_is_dropped_not_an_error(coordinator, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")

    event = services.record(actor=coordinator, action=AuditEvent.Action.DATA_DOWNLOADED, request=request)

    assert event.ip_address is None


def test_the_system_is_an_empty_actor(db):
    event = services.record(actor=None, action=AuditEvent.Action.PROGRAMME_PURGED, details={"counts": {"notes": 3}})

    assert event.actor is None
    assert event.details == {"counts": {"notes": 3}}


@pytest.mark.parametrize(
    "details",
    [
        {"email": "someone@example.com"},
        {"reason": "x" * 200},
        {"note": "two\nlines"},
        {"people": ["ann@example.com"]},
        {"when": object()},
    ],
)
def test_details_refuse_what_could_be_personal_data(coordinator, details):
    with pytest.raises(ValueError, match="Audit detail"):
        services.record(actor=coordinator, action=AuditEvent.Action.MATCH_ENDED, details=details)

    assert not AuditEvent.objects.exists()


def test_an_unknown_action_is_refused(coordinator):
    with pytest.raises(ValueError, match="Unknown audit action"):
        services.record(actor=coordinator, action="coffee.made")


def test_record_view_skips_people_opening_their_own_record(mentee, coordinator):
    assert services.record_view(viewer=mentee, person_id=mentee.pk, target=mentee) is None

    event = services.record_view(viewer=coordinator, person_id=mentee.pk, target=mentee)

    assert event.action == AuditEvent.Action.RECORD_VIEWED
    assert event.details == {"person": mentee.pk}


# --- append-only ---------------------------------------------------------------------------


@pytest.fixture
def event(coordinator):
    return services.record(actor=coordinator, action=AuditEvent.Action.MATCHES_PUBLISHED, details={"count": 2})


def test_an_event_cannot_be_saved_again(event):
    event.details = {"count": 99}

    with pytest.raises(AppendOnlyError):
        event.save()

    event.refresh_from_db()
    assert event.details == {"count": 2}


def test_an_event_cannot_be_deleted(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action=AuditEvent.Action.MATCH_ENDED)

    assert AuditEvent.objects.filter(pk=event.pk, action=AuditEvent.Action.MATCHES_PUBLISHED).exists()


def test_deleting_a_user_keeps_their_events(event, coordinator):
    coordinator.delete()

    event.refresh_from_db()
    assert event.actor is None
    assert event.details == {"count": 2}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET details = '{}'::jsonb WHERE id = %s",
        "UPDATE audit_auditevent SET actor_id = NULL, action = 'match.ended' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_raw_changes(event, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])

    assert AuditEvent.objects.filter(pk=event.pk, details={"count": 2}).exists()


def test_admin_reads_the_log_but_cannot_change_it(client, event):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)

    listing = client.get("/admin/audit/auditevent/")
    change = client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    delete = client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"})
    add = client.get("/admin/audit/auditevent/add/")

    assert listing.status_code == 200
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert delete.status_code == 403
    assert add.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
