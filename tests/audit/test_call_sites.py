"""Every sensitive action leaves one audit event, with ids and counts only."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from matching.models import Flag
from matching.services import flags as flag_services
from matching.services import matches as match_services
from matching.services import proposals
from profiles import services as profile_services
from programmes.services import programmes as programme_services
from tests.factories import EnrolmentFactory, MatchFactory, ProgrammeFactory, SkillFactory, UserFactory


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


@pytest.fixture
def matching_programme(coordinator):
    return ProgrammeFactory(status="matching", coordinators=[coordinator], default_mentor_capacity=1)


def enrol(programme, role, skill=None):
    enrolment = EnrolmentFactory(programme=programme, role=role)
    profile = enrolment.user.profile
    profile.languages = ["en"]
    profile.save()
    if skill is not None:
        (profile.skills_wanted if role == "mentee" else profile.skills_offered).add(skill)
    return enrolment


def draft(programme, mentor, mentee, **fields):
    return MatchFactory(programme=programme, mentor=mentor, mentee=mentee, **fields)


# --- matching ------------------------------------------------------------------------------


def test_publishing_records_how_many_matches(matching_programme, coordinator):
    for _ in range(2):
        draft(matching_programme, enrol(matching_programme, "mentor"), enrol(matching_programme, "mentee"))

    proposals.publish_proposals(programme=matching_programme, by=coordinator)

    (event,) = events(AuditEvent.Action.MATCHES_PUBLISHED)
    assert event.actor == coordinator
    assert event.programme_id == matching_programme.pk
    assert event.details == {"count": 2}


def test_a_manual_match_is_an_override(matching_programme, coordinator):
    mentor, mentee = enrol(matching_programme, "mentor"), enrol(matching_programme, "mentee")

    match = proposals.create_manual_match(
        programme=matching_programme, mentor=mentor, mentee=mentee, by=coordinator, publish=True
    )

    (event,) = events(AuditEvent.Action.MATCH_OVERRIDDEN)
    assert (event.target_type, event.target_id) == ("matching.match", str(match.pk))
    assert event.details == {"change": "manual", "status": "proposed"}


def test_swap_replace_lock_and_remove_are_overrides(matching_programme, coordinator):
    skill = SkillFactory(name="Negotiation")
    mentee_a, mentee_b = enrol(matching_programme, "mentee", skill), enrol(matching_programme, "mentee")
    mentor_a, mentor_b = enrol(matching_programme, "mentor", skill), enrol(matching_programme, "mentor")
    first = draft(matching_programme, mentor_b, mentee_a)
    second = draft(matching_programme, mentor_a, mentee_b)
    spare = enrol(matching_programme, "mentor", skill)

    proposals.swap_proposals(first=first, second=second, by=coordinator)
    proposals.replace_proposal(match=first, mentor=spare, by=coordinator)
    proposals.lock_proposal(match=second, by=coordinator)
    proposals.lock_proposal(match=second, by=coordinator)  # already locked: nothing changes
    proposals.unlock_proposal(match=second, by=coordinator)
    proposals.remove_proposal(match=second, by=coordinator)

    changes = [event.details["change"] for event in events(AuditEvent.Action.MATCH_OVERRIDDEN)]
    assert changes == ["swapped", "swapped", "replaced", "locked", "unlocked", "removed"]
    assert {event.programme_id for event in events(AuditEvent.Action.MATCH_OVERRIDDEN)} == {matching_programme.pk}


def test_a_refused_override_leaves_no_event(matching_programme, coordinator):
    published = draft(
        matching_programme, enrol(matching_programme, "mentor"), enrol(matching_programme, "mentee"), status="proposed"
    )

    with pytest.raises(Exception, match="draft"):
        proposals.remove_proposal(match=published, by=coordinator)

    assert not AuditEvent.objects.exists()


def test_ending_a_match_is_recorded_without_the_reason(programme, coordinator):
    match = MatchFactory(programme=programme, status="active")

    match_services.end_match(match=match, by=coordinator, outcome="ended_early", reason="Left the company")

    (event,) = events(AuditEvent.Action.MATCH_ENDED)
    assert event.target_id == str(match.pk)
    assert event.details == {"outcome": "ended_early"}


@pytest.mark.parametrize(("close", "status"), [("resolve", "resolved"), ("dismiss", "dismissed")])
def test_closing_a_flag_is_recorded(programme, coordinator, close, status):
    flag = Flag.objects.create(match=MatchFactory(programme=programme, status="active"), kind="inactivity")

    if close == "resolve":
        flag_services.resolve_flag(flag=flag, by=coordinator, resolution="Talked to both")
    else:
        flag_services.dismiss_flag(flag=flag, by=coordinator, reason="Planned break")

    (event,) = events(AuditEvent.Action.FLAG_RESOLVED)
    assert (event.target_type, event.programme_id) == ("matching.flag", programme.pk)
    assert event.details == {"status": status, "kind": "inactivity"}


# --- roles ---------------------------------------------------------------------------------


def test_coordinator_changes_are_role_changes(programme, coordinator):
    colleague = UserFactory()

    programme_services.add_coordinator(programme=programme, email=colleague.email, by=coordinator)
    programme_services.remove_coordinator(programme=programme, user=colleague, by=coordinator)

    added, removed = events(AuditEvent.Action.ROLE_CHANGED)
    assert (added.target_type, added.target_id) == ("profiles.user", str(colleague.pk))
    assert added.details == {"role": "coordinator", "change": "added"}
    assert removed.details == {"role": "coordinator", "change": "removed"}


def test_hr_admin_changes_are_role_changes_and_a_same_value_is_a_no_op(site_admin):
    person = UserFactory()

    profile_services.set_hr_admin(user=person, value=True, by=site_admin)
    profile_services.set_hr_admin(user=person, value=True, by=site_admin)
    profile_services.set_hr_admin(user=person, value=False, by=site_admin)

    person.refresh_from_db()
    assert person.is_hr_admin is False
    assert [event.details["change"] for event in events(AuditEvent.Action.ROLE_CHANGED)] == ["added", "removed"]


def test_the_admin_user_form_grants_hr_admin_through_the_service(client, site_admin):
    person = UserFactory(first_name="Petra", last_name="Person")
    client.force_login(site_admin)
    data = {
        "email": person.email,
        "first_name": "Petra",
        "last_name": "Person",
        "timezone": "UTC",
        "language": "en",
        "is_active": "on",
        "is_hr_admin": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
    }

    response = client.post(reverse("admin:profiles_user_change", args=[person.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    person.refresh_from_db()
    assert person.is_hr_admin is True
    (event,) = events(AuditEvent.Action.ROLE_CHANGED)
    assert event.actor == site_admin
    assert event.details == {"role": "hr_admin", "change": "added"}


# --- records opened ------------------------------------------------------------------------


def test_a_coordinator_opening_a_profile_is_recorded_but_not_the_person_themselves(client, coordinator, mentee):
    client.force_login(mentee)
    client.get(reverse("profile-detail", args=[mentee.pk]))
    assert not AuditEvent.objects.exists()

    client.force_login(coordinator)
    client.get(reverse("profile-detail", args=[mentee.pk]), REMOTE_ADDR="192.0.2.10")

    (event,) = events(AuditEvent.Action.RECORD_VIEWED)
    assert event.actor == coordinator
    assert (event.target_type, event.target_id) == ("profiles.user", str(mentee.pk))
    assert event.ip_address == "192.0.2.10"


def test_hr_opening_an_enrolment_is_recorded_with_its_programme(client, hr_admin, mentee, programme):
    enrolment = mentee.enrolments.get()
    client.force_login(mentee)
    client.get(reverse("enrolment-detail", args=[enrolment.pk]))
    assert not AuditEvent.objects.exists()

    client.force_login(hr_admin)
    response = client.get(reverse("enrolment-detail", args=[enrolment.pk]))

    assert response.status_code == 200
    (event,) = events(AuditEvent.Action.RECORD_VIEWED)
    assert (event.target_type, event.programme_id) == ("programmes.enrolment", programme.pk)
    assert event.details == {"person": mentee.pk}


def test_an_outsider_gets_404_and_nothing_is_recorded(client, outsider, mentee):
    client.force_login(outsider)

    assert client.get(reverse("profile-detail", args=[mentee.pk])).status_code == 404
    assert not AuditEvent.objects.exists()
