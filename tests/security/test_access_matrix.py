"""Access control, proven for every URL: the matrix in tests/security/matrix.py played for
each role, and a walk over the URL resolver that fails on any URL the matrix forgets.

HTML here; the API (and its list endpoints) in test_access_matrix_api.py, CSRF in
test_csrf.py, so that the three spread over pytest-xdist's workers."""

import datetime

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from icalendar import Calendar

from tests.security.harness import client_for, difference, fingerprint, send, send_and_roll_back, still_signed_in
from tests.security.matrix import API, EXEMPT, EXEMPT_MODULES, EXEMPT_ROUTES, HTML, ROLES, Row
from tests.security.world import MARKERS, World

# --- every URL with a parameter is in the matrix ------------------------------------------


def _walk(patterns: list, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            found.append((prefix + str(pattern.pattern), pattern))
    return found


def _module_of(pattern: URLPattern) -> str:
    callback = pattern.callback
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
    return f"{view.__module__}.{getattr(view, '__qualname__', '')}"


def _takes_parameters(route: str, pattern: URLPattern) -> bool:
    """A path converter (<int:pk>, <slug:slug>, <str:token>…) or a regex group anywhere in
    the route, the includes above it counted."""
    return "<" in route or bool(getattr(pattern.pattern, "regex", None) and pattern.pattern.regex.groups)


def parameterised_urls() -> dict[str, str]:
    """Every named URL that takes a parameter, outside code we do not own: name → route."""
    urls = {}
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(EXEMPT_ROUTES) or _module_of(pattern).startswith(EXEMPT_MODULES):
            continue
        if not _takes_parameters(route, pattern):
            continue
        urls[pattern.name or route] = route
    return urls


def test_every_url_with_a_parameter_is_in_the_matrix():
    in_matrix = {row.name for row in HTML + API}

    missing = {name: route for name, route in parameterised_urls().items() if name not in in_matrix | EXEMPT.keys()}

    assert not missing, "URLs with a parameter missing from tests/security/matrix.py:\n" + "\n".join(
        f"  {name}: /{route}" for name, route in sorted(missing.items())
    )


def test_every_method_of_an_api_view_is_in_the_matrix():
    """An APIView with get and post needs a row for each: a new handler on an old URL is a
    new action to prove."""
    rows = {(row.name, row.method) for row in API}
    names = {row.name for row in API}
    missing = []
    for route, pattern in _walk(get_resolver().url_patterns):
        view = getattr(pattern.callback, "cls", None)
        if view is None or pattern.name not in names:
            continue
        for method in ("get", "post", "put", "patch", "delete"):
            if hasattr(view, method) and (pattern.name, method) not in rows:
                missing.append(f"  {method.upper()} {pattern.name}: /{route}")

    assert not missing, "API methods missing from the matrix:\n" + "\n".join(missing)


def test_the_matrix_names_only_urls_that_exist_and_every_role():
    names = {pattern.name for _route, pattern in _walk(get_resolver().url_patterns)}

    unknown = sorted({row.name for row in HTML + API} - names)

    assert not unknown, f"Rows for URL names that do not exist: {unknown}"
    assert all(set(row.expect) == set(ROLES) for row in HTML + API)


def test_the_walk_finds_parameterised_urls_and_skips_code_we_do_not_own():
    urls = parameterised_urls()

    assert urls["match-detail"] == "matches/<int:pk>/"
    assert urls["api-match-detail"] == "api/v1/matches/<int:pk>/"
    assert "invitation-accept" in urls
    assert not any(name.startswith(("account_", "mfa_", "admin:")) for name in urls)


# --- the matrix, played per role ----------------------------------------------------------


def body_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace")


def leaked_markers(response, role: str) -> list[str]:
    """Texts of a pair this role may not read (world.MARKERS) that the answer shows."""
    body = body_of(response)
    return [marker for marker, readers in MARKERS.items() if role not in readers and marker in body]


def _mismatch(row: Row, role: str, code: object, error: str = "") -> str:
    line = f"  {row.id} as {role}: expected {row.expect[role]}, got {code}"
    return f"{line}\n{error}" if error else line


def play(world: World, role: str, rows: list[Row], *, api: bool) -> list[str]:
    """Every GET in a row, then every other method each in a rolled-back savepoint."""
    client = client_for(world, role, api=api)
    problems = []

    before = fingerprint()
    for row in [row for row in rows if row.method == "get"]:
        answer = send(client, row, world)
        if answer.code != row.expect[role]:
            problems.append(_mismatch(row, role, answer.code, answer.error))
        if answer.code == 200:
            problems += [f"  {row.id} as {role} shows {marker}" for marker in leaked_markers(answer.response, role)]
    changed = difference(before, fingerprint())
    if changed:
        problems.append(f"  GET requests as {role} changed the tables {changed}")

    baseline = fingerprint()
    for row in [row for row in rows if row.method != "get"]:
        answer, changed = send_and_roll_back(client, row, world, baseline=baseline)
        if answer.code != row.expect[role]:
            problems.append(_mismatch(row, role, answer.code, answer.error))
        if changed:
            problems.append(f"  {row.id} as {role} was refused ({answer.code}) but changed {changed}")
        if not still_signed_in(client, world, role):
            baseline = fingerprint()  # signing in again stamps last_login
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_html_matrix(world, role):
    problems = play(world, role, HTML, api=False)

    assert not problems, f"{len(problems)} HTML answers differ from the matrix:\n" + "\n".join(problems)


def test_the_markers_are_on_the_pages_of_those_who_may_read_them(world):
    """The leak check in `play` looks for markers: prove they are where they should be."""
    seen = {
        ("mentor", "meeting-detail", "meeting"): ["PRIVATE-NOTE-pair", "SHARED-NOTE-pair", "AGENDA-pair"],
        ("coordinator", "meeting-detail", "meeting"): ["SHARED-NOTE-pair"],
        ("coordinator", "goal-detail", "goal"): ["GOAL-pair", "MILESTONE-pair", "UPDATE-pair", "FEEDBACK-pair"],
        ("hr_admin", "flag-detail", "flag"): ["FLAG-NOTE-pair"],
        ("mentee", "match-detail", "match"): ["ACTION-pair"],
    }
    for (role, name, key), markers in seen.items():
        response = client_for(world, role).get(reverse(name, args=[world.keys[key]]))

        assert [marker for marker in markers if marker in body_of(response)] == markers, (role, name)


def test_foreign_objects_are_404_for_the_coordinator(world):
    """The matrix proves the other coordinator cannot reach this programme's objects; the
    same holds the other way round, for a handful of the other programme's objects."""
    client = client_for(world, "coordinator")
    keys = world.keys

    urls = [
        reverse("programme-detail", args=[keys["other_programme"]]),
        reverse("match-detail", args=[keys["foreign_match"]]),
        reverse("meeting-detail", args=[keys["foreign_meeting"]]),
        reverse("flag-detail", args=[keys["foreign_flag"]]),
        reverse("profile-detail", args=[keys["foreign_profile"]]),
        reverse("question-edit", args=[keys["programme"], keys["foreign_question"]]),
        reverse("api-meeting-detail", args=[keys["foreign_meeting"]]),
        reverse("api-match-detail", args=[keys["foreign_match"]]),
    ]

    assert {url: client.get(url).status_code for url in urls} == dict.fromkeys(urls, 404)


# --- the calendar feed: its token is the credential ----------------------------------------


def test_the_calendar_feed_token_is_its_only_key(world, client):
    """No login; the right token lists its owner's meetings only, any other token is 404."""
    url = reverse("calendar-feed", args=[world.keys["feed_token"]])
    mentee_meeting = world.objects["meeting"]

    response = client.get(url)

    uids = [str(event["UID"]) for event in Calendar.from_ical(response.content).walk("VEVENT")]
    assert response.status_code == 200
    assert uids == [mentee_meeting.uid]
    for token in ["x" * 43, world.keys["feed_token"][:-1], world.keys["feed_token"].upper()]:
        assert client.get(reverse("calendar-feed", args=[token])).status_code == 404


def test_the_calendar_feed_never_shows_another_pairs_meetings(world, client):
    foreign = world.objects["other_pair_meeting"]
    foreign.start = timezone.now() + datetime.timedelta(days=2)
    foreign.save()

    response = client.get(reverse("calendar-feed", args=[world.keys["feed_token"]]))

    assert foreign.uid not in response.content.decode()


def test_login_url_is_what_the_matrix_calls_l(world, client):
    response = client.get(reverse("match-detail", args=[world.keys["match"]]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))
