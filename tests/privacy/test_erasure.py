import json

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast
from django.urls import reverse
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from goals.models import Feedback, Goal, Milestone, ProgressUpdate
from matching.models import Flag, Match
from notifications.models import Notification
from profiles.models import User
from reports import privacy
from sessions.models import ActionItem, Meeting, MeetingNote
from tests.factories import UserFactory
from tests.privacy.conftest import EMAIL, FIRST, LAST

COUNTED = (Match, Meeting, Goal, Milestone, ProgressUpdate, Feedback, ActionItem, Flag)


def mentions(*needles: str) -> dict[str, int]:
    """Rows of every model whose text (JSON cast to text) contains a needle, any case:
    {"app.Model.field": rows}."""
    found: dict[str, int] = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for model_field in model._meta.concrete_fields:
            if not isinstance(model_field, models.CharField | models.TextField | models.JSONField):
                continue
            queryset = model._base_manager.all()
            name = model_field.attname
            if isinstance(model_field, models.JSONField):
                queryset = queryset.annotate(_as_text=Cast(name, models.TextField()))
                name = "_as_text"
            condition = Q()
            for needle in needles:
                condition |= Q(**{f"{name}__icontains": needle})
            count = queryset.filter(condition).count()
            if count:
                found[f"{model._meta.label}.{model_field.name}"] = count
    return found


def counts() -> dict[str, int]:
    return {model.__name__: model._base_manager.count() for model in COUNTED}


def test_the_world_mentions_the_person_everywhere_before(person):
    before = mentions(FIRST, LAST, EMAIL)

    # The scan itself works: the fixture put the name and address in every app.
    for label in [
        "profiles.User.email",
        "profiles.Profile.bio",
        "programmes.Answer.value",
        "programmes.Invitation.email",
        "programmes.ImportRow.data",
        "matching.Match.decline_reason",
        "matching.Flag.details",
        "matching.MatchRun.report",
        "matching.MentorRequest.message",
        "mentoring_sessions.Meeting.agenda",
        "mentoring_sessions.MeetingNote.text",
        "goals.Goal.title",
        "goals.Feedback.text",
        "notifications.Notification.body",
        "account.EmailAddress.email",
        "admin.LogEntry.object_repr",
    ]:
        assert label in before, label


def test_erasure_leaves_no_name_or_address_in_the_whole_database(person, site_admin):
    before = counts()

    report = privacy.erase_person(user=person.user, by=site_admin)

    assert mentions(FIRST, LAST, EMAIL) == {}
    assert counts() == before
    assert report.counts["meeting_notes"] == 2
    assert report.counts["mentions"] > 0


def test_the_erased_account_is_anonymous_and_cannot_sign_in(client, person, site_admin):
    privacy.erase_person(user=person.user, by=site_admin)

    user = person.user
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.email) == ("Erased", "", f"erased-{user.pk}@invalid")
    assert not user.is_active
    assert not user.has_usable_password()
    assert not user.emailaddress_set.exists()
    assert not Token.objects.filter(user=user).exists()
    assert not client.login(email=EMAIL, password="correct-horse-battery")
    assert not Notification.objects.filter(recipient=user).exists()


def test_their_rows_stay_but_their_text_goes(person, site_admin):
    privacy.erase_person(user=person.user, by=site_admin)

    goal = person.objects["goal"]
    goal.refresh_from_db()
    assert (goal.title, goal.why, goal.success_measure) == ("—", "", "")
    assert not MeetingNote.objects.filter(pk=person.objects["own_private"].pk).exists()
    note = MeetingNote.objects.get(pk=person.objects["mentor_private"].pk)
    assert note.text == "Erased seemed tired; Erased family news"
    cancelled = Meeting.objects.get(pk=person.objects["cancelled"].pk)
    assert (cancelled.status, cancelled.cancel_reason, cancelled.cancel_note) == ("cancelled", "illness", "")
    person.match.refresh_from_db()
    assert person.match.status == Match.Status.ACTIVE
    other_notification = Notification.objects.filter(recipient=person.mentor, kind="match_accepted").get()
    assert "Erased accepted the match" in other_notification.title


def test_files_that_held_their_data_are_deleted(person, site_admin, django_capture_on_commit_callbacks):
    names = [person.objects[key] for key in ("photo", "import_file", "export_file")]
    assert all(default_storage.exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase_person(user=person.user, by=site_admin)

    assert not any(default_storage.exists(name) for name in names)
    export = person.objects["export"]
    export.refresh_from_db()
    assert (export.file.name, export.status) == ("", "expired")


def test_erasure_is_audited_with_counts_only(person, site_admin):
    report = privacy.erase_person(user=person.user, by=site_admin)

    event = AuditEvent.objects.get(action=AuditEvent.Action.PERSON_ERASED)
    assert event.actor == site_admin
    assert (event.target_type, event.target_id) == ("profiles.user", str(person.user.pk))
    assert event.details == {"counts": report.counts}
    assert FIRST not in json.dumps(event.details)


def test_only_site_admins_erase_and_never_themselves_or_twice(person, site_admin, hr_admin):
    with pytest.raises(ValidationError, match="Only site admins"):
        privacy.erase_person(user=person.user, by=hr_admin)
    with pytest.raises(ValidationError, match="your own"):
        privacy.erase_person(user=site_admin, by=site_admin)

    privacy.erase_person(user=person.user, by=site_admin)
    with pytest.raises(ValidationError, match="already been erased"):
        privacy.erase_person(user=person.user, by=site_admin)


def test_an_address_inside_a_longer_one_is_left_alone(person, site_admin):
    neighbour = UserFactory(email=f"a{EMAIL}", first_name="Nia", last_name="Neighbour")

    privacy.erase_person(user=person.user, by=site_admin)

    neighbour.refresh_from_db()
    assert neighbour.email == f"a{EMAIL}"
    assert neighbour.emailaddress_set.get().email == f"a{EMAIL}"


# --- the page ------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("hr_admin", 403), ("coordinator", 403), ("outsider", 404)])
def test_the_page_is_for_site_admins(client, request, person, role, status):
    client.force_login(request.getfixturevalue(role))

    url = reverse("person-erase", args=[person.user.pk])

    assert client.get(url).status_code == status
    assert client.post(url, {"email": EMAIL}).status_code == status
    person.user.refresh_from_db()
    assert person.user.is_active


def test_the_page_needs_the_email_typed_then_erases(client, person, site_admin):
    client.force_login(site_admin)
    url = reverse("person-erase", args=[person.user.pk])

    page = client.get(url)
    wrong = client.post(url, {"email": "someone@example.org"})
    done = client.post(url, {"email": EMAIL.upper()}, follow=True)

    assert page.status_code == 200
    assert page.context["facts"]["matches"] == 2
    assert wrong.status_code == 200
    assert "not the person" in str(wrong.context["form"].errors)
    assert done.redirect_chain[-1][0] == reverse("profile-detail", args=[person.user.pk])
    assert "was erased" in done.content.decode()
    assert mentions(FIRST, LAST, EMAIL) == {}
    assert client.get(url).status_code == 403  # already erased


def test_site_admins_see_the_erase_link_on_a_profile(client, person, site_admin, coordinator):
    client.force_login(coordinator)
    assert (
        reverse("person-erase", args=[person.user.pk])
        not in client.get(reverse("profile-detail", args=[person.user.pk])).content.decode()
    )

    client.force_login(site_admin)
    assert (
        reverse("person-erase", args=[person.user.pk])
        in client.get(reverse("profile-detail", args=[person.user.pk])).content.decode()
    )


def test_an_account_without_a_profile_can_be_erased_too(client, site_admin):
    bare = User.objects.create_user(email="bare.account@example.org", first_name="Bartholomew", last_name="Bare")
    client.force_login(site_admin)

    response = client.post(reverse("person-erase", args=[bare.pk]), {"email": "bare.account@example.org"})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:profiles_user_changelist")
    assert mentions("Bartholomew", "bare.account@example.org") == {}
