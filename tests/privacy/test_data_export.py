import json

from django.urls import reverse

from audit.models import AuditEvent
from reports.personal_data import personal_data
from tests.factories import MatchFactory, MeetingFactory, MeetingNoteFactory
from tests.privacy.conftest import EMAIL, FULL


def download(client, user):
    client.force_login(user)
    response = client.post(reverse("account-data-export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == 'attachment; filename="my-data.json"'
    return json.loads(response.content)


def test_the_page_explains_the_download(client, mentee):
    client.force_login(mentee)

    response = client.get(reverse("account-data-export"))

    assert response.status_code == 200
    assert "my-data.json" in response.content.decode()
    assert not AuditEvent.objects.exists()


def test_the_account_page_links_to_it(client, mentee):
    client.force_login(mentee)

    assert reverse("account-data-export") in client.get(reverse("account")).content.decode()


def test_anonymous_people_are_sent_to_sign_in(client):
    assert client.post(reverse("account-data-export")).status_code == 302


def test_the_download_holds_everything_about_the_person(client, person):
    data = download(client, person.user)

    assert data["account"]["email"] == EMAIL
    assert data["profile"]["bio"].startswith("I am Zephyrine")
    (enrolment,) = data["enrolments"]
    assert enrolment["answers"] == [{"question": "Why join?", "answer": f"My name is {FULL}."}]
    assert {match["other_person"] for match in data["matches"]} == {"Mona Mentor", "Olaf Othermentor"}
    assert {match["status"] for match in data["matches"]} == {"active", "declined"}
    assert data["mentor_requests"][0]["message"].startswith("Hello")
    assert len(data["meetings"]) == 3
    assert {note["text"] for note in data["my_meeting_notes"]} == {"My private worries", "Shared: we agreed on goals"}
    assert data["action_items"][0]["description"] == "Read the book"
    assert data["goals"][0]["milestones"][0]["title"] == "Pick a project"
    assert {item["by_me"] for item in data["progress_updates"]} == {True}
    assert data["goal_feedback"][0]["text"] == "Well done Zephyrine"
    assert data["flags_about_my_matches"][0]["kind"] == "cancellations"
    assert [notification["kind"] for notification in data["notifications"]] == ["enrolment_approved"]
    assert data["export_jobs"][0]["dataset"] == "matches"
    assert len(data["invitations"]) == 1
    assert {event["action"] for event in data["audit_events_by_me"]} == {"data.downloaded"}


def test_other_peoples_private_notes_and_details_stay_out(client, person):
    raw = json.dumps(download(client, person.user))

    assert "seemed tired" not in raw  # the mentor's private note
    assert person.mentor.email not in raw


def test_the_download_is_audited(client, mentee):
    download(client, mentee)
    client.get(reverse("account-data-export"), {"download": "1"})

    first, second = AuditEvent.objects.filter(action=AuditEvent.Action.DATA_DOWNLOADED).order_by("pk")
    assert first.actor == second.actor == mentee
    event = first
    assert (event.target_type, event.target_id) == ("profiles.user", str(mentee.pk))


def test_the_download_makes_the_same_queries_however_much_there_is(
    mentee, programme, django_assert_max_num_queries, django_assert_num_queries
):
    match = MatchFactory(programme=programme, mentee=mentee.enrolments.get(), status="active")
    MeetingNoteFactory(meeting=MeetingFactory(match=match), author=mentee)
    with django_assert_max_num_queries(40) as few:
        personal_data(user=mentee)

    for _ in range(5):
        other = MatchFactory(programme=programme, mentee=mentee.enrolments.get(), status="ended")
        for _ in range(3):
            MeetingNoteFactory(meeting=MeetingFactory(match=other), author=mentee)
    with django_assert_num_queries(len(few)):
        personal_data(user=mentee)
