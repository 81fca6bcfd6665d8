"""The flag queue and a flag's page through the client: who sees and does what."""

import datetime

import pytest
from django.urls import reverse

from matching.models import Flag, FlagNote
from tests.factories import MatchFactory, UserFactory, pair_match

NOW = datetime.datetime(2027, 3, 10, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def match(programme, mentor, mentee):
    return pair_match(programme, mentor, mentee, started_at=NOW)


@pytest.fixture
def flag(match, mentor, mentee):
    return Flag.objects.create(
        match=match,
        kind="cancellations",
        details={
            "window_days": 60,
            "threshold": 3,
            "count": 3,
            "by": {
                str(mentee.pk): {"name": "Milo Mentee", "count": 2},
                str(mentor.pk): {"name": "Mona Mentor", "count": 1},
            },
            "meetings": [],
            "first": "2027-03-01T09:00:00+00:00",
            "last": "2027-03-09T09:00:00+00:00",
            "since": "2027-03-01T09:00:00+00:00",
        },
    )


@pytest.fixture
def note(flag, coordinator):
    return FlagNote.objects.create(flag=flag, author=coordinator, text="Secret-ish working note")


def _login(client, request, persona):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))


LIST_STATUS = {
    "anonymous": 302,
    "mentor": 403,
    "mentee": 403,
    "outsider": 404,
    "coordinator": 200,
    "other_coordinator": 404,
    "hr_admin": 200,
    "site_admin": 200,
}


@pytest.mark.parametrize(("persona", "expected"), LIST_STATUS.items())
def test_flag_list_permissions(client, request, programme, flag, persona, expected):
    _login(client, request, persona)

    response = client.get(reverse("flag-list", args=[programme.slug]))

    assert response.status_code == expected
    if expected == 200:
        assert "Milo Mentee: 2" in response.content.decode()


DETAIL_STATUS = {
    "anonymous": 302,
    "mentor": 200,
    "mentee": 200,
    "outsider": 404,
    "coordinator": 200,
    "other_coordinator": 404,
    "hr_admin": 200,
    "site_admin": 200,
}


@pytest.mark.parametrize(("persona", "expected"), DETAIL_STATUS.items())
def test_flag_detail_permissions(client, request, flag, note, persona, expected):
    _login(client, request, persona)

    response = client.get(reverse("flag-detail", args=[flag.pk]))

    assert response.status_code == expected
    if expected == 200:
        page = response.content.decode()
        assert "Milo Mentee: 2" in page
        handles = persona in {"coordinator", "site_admin"}
        assert ("Resolve" in page) is handles
        assert ("mailto:" in page) is handles
        assert ("Secret-ish working note" in page) is (handles or persona == "hr_admin")


WRITE_STATUS = {
    "anonymous": 302,
    "mentor": 403,
    "mentee": 403,
    "outsider": 404,
    "coordinator": 302,
    "other_coordinator": 404,
    "hr_admin": 403,
    "site_admin": 302,
}


@pytest.mark.parametrize(("persona", "expected"), WRITE_STATUS.items())
@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("flag-note-add", {"text": "Called them"}),
        ("flag-resolve", {"resolution": "Talked it through"}),
        ("flag-dismiss", {"reason": "Holidays"}),
    ],
)
def test_flag_write_permissions(client, request, flag, persona, expected, url_name, data):
    _login(client, request, persona)

    response = client.post(reverse(url_name, args=[flag.pk]), data)

    assert response.status_code == expected
    flag.refresh_from_db()
    changed = flag.status != "open" or flag.notes.exists()
    assert changed is (expected == 302 and persona != "anonymous")


def test_resolving_through_the_page_tells_the_pair(client, coordinator, flag, mentor):
    client.force_login(coordinator)

    response = client.post(reverse("flag-resolve", args=[flag.pk]), {"resolution": "Agreed a fixed slot"}, follow=True)

    flag.refresh_from_db()
    assert flag.status == "resolved"
    assert "Agreed a fixed slot" in response.content.decode()
    assert mentor.notifications.filter(kind="flag_resolved").exists()


@pytest.mark.parametrize("data", [{}, {"resolution": ""}, {"resolution": "x" * 4001}])
def test_bad_resolution_is_refused_with_the_form(client, coordinator, flag, data):
    client.force_login(coordinator)

    response = client.post(reverse("flag-resolve", args=[flag.pk]), data)

    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == "open"


def test_resolving_a_closed_flag_says_so(client, coordinator, flag):
    flag.status = "dismissed"
    flag.save()
    client.force_login(coordinator)

    response = client.post(reverse("flag-resolve", args=[flag.pk]), {"resolution": "x"}, follow=True)

    assert response.redirect_chain == [(reverse("flag-detail", args=[flag.pk]), 302)]
    assert "already dismissed" in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == "dismissed"


def test_html_in_notes_is_escaped(client, coordinator, flag):
    client.force_login(coordinator)

    client.post(reverse("flag-note-add", args=[flag.pk]), {"text": "<script>alert(1)</script>"})

    page = client.get(reverse("flag-detail", args=[flag.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_get_on_a_write_url_changes_nothing(client, coordinator, flag):
    client.force_login(coordinator)

    assert client.get(reverse("flag-resolve", args=[flag.pk])).status_code == 405


def test_list_puts_open_flags_first_and_filters(client, coordinator, programme, flag):
    other = MatchFactory(programme=programme, status="active")
    closed = Flag.objects.create(match=other, kind="inactivity", status="resolved", details={"days": 28})
    client.force_login(coordinator)
    url = reverse("flag-list", args=[programme.slug])

    everything = list(client.get(url).context["page"].object_list)
    only_resolved = list(client.get(url, {"status": "resolved"}).context["page"].object_list)
    only_inactivity = list(client.get(url, {"kind": "inactivity", "status": "bogus"}).context["page"].object_list)

    assert everything == [flag, closed]
    assert only_resolved == [closed]
    assert only_inactivity == [closed]


def test_list_has_no_n_plus_one(client, coordinator, programme, django_assert_max_num_queries):
    for _ in range(15):
        Flag.objects.create(match=MatchFactory(programme=programme, status="active"), kind="inactivity", details={})
    client.force_login(coordinator)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("flag-list", args=[programme.slug]))

    assert len(response.context["page"].object_list) == 15


def test_the_pair_sees_the_flags_on_their_match_page(client, mentee, match, flag):
    client.force_login(mentee)

    page = client.get(reverse("match-detail", args=[match.pk])).content.decode()

    assert "Flags about this match" in page
    assert "Repeated cancellations" in page
    assert "Milo Mentee: 2" in page


def test_a_match_without_flags_shows_no_flag_section(client, mentee, match):
    client.force_login(mentee)

    page = client.get(reverse("match-detail", args=[match.pk])).content.decode()

    assert "Flags about this match" not in page


def test_programme_nav_links_to_flags(client, coordinator, programme):
    client.force_login(coordinator)

    page = client.get(reverse("programme-detail", args=[programme.slug])).content.decode()

    assert reverse("flag-list", args=[programme.slug]) in page


def test_contact_link_addresses_both(client, coordinator, flag, mentor, mentee):
    client.force_login(coordinator)

    page = client.get(reverse("flag-detail", args=[flag.pk])).content.decode()

    assert f"mailto:{mentor.email},{mentee.email}?subject=" in page


def test_a_participant_of_another_match_gets_404(client, flag, programme):
    stranger = UserFactory()
    MatchFactory(programme=programme, status="active", mentee__user=stranger)
    client.force_login(stranger)

    assert client.get(reverse("flag-detail", args=[flag.pk])).status_code == 404
