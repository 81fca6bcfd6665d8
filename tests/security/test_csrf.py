"""Every state-changing request of the matrix, with CSRF checks on as in a browser:
without the token it answers 403 and changes nothing; with the token the page gave it
reaches the view and answers what the matrix says.

Each row is played by the first role the matrix lets act (a coordinator where one may),
so that "reaches the view" is a success, not a refusal that looks like one."""

import re

from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.security.harness import fill, send_and_roll_back, still_signed_in, url_of
from tests.security.matrix import API, HTML, REFUSED, Row
from tests.security.world import World

ACTORS = ("coordinator", "mentor", "mentee", "site_admin", "hr_admin", "other_pair", "other_coordinator")
TOKEN_IN_FORM = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def actor_of(row: Row) -> str:
    """Who the matrix lets do it; a refused role when nobody may (the check still holds)."""
    return next((role for role in ACTORS if row.expect[role] not in REFUSED), "mentee")


def is_csrf_failure(response) -> bool:
    return response is not None and response.status_code == 403 and b"CSRF" in response.content


def _form_page(row: Row, actor: str) -> Row | None:
    """The GET of the same URL when it is the form this POST comes from."""
    return next(
        (r for r in HTML if r.name == row.name and r.method == "get" and r.expect[actor] == 200),
        None,
    )


def token_from_page(client: Client, row: Row, world: World, actor: str, tokens: dict[str, str]) -> str:
    """The token in the form this POST comes from, else in any page the actor opened."""
    page = _form_page(row, actor)
    if page is None and actor in tokens:
        return tokens[actor]
    url = url_of(page, world) if page is not None else reverse("home")
    found = TOKEN_IN_FORM.search(client.get(url).content.decode())
    assert found, f"{url} carries no CSRF token for {row.id}"
    tokens[actor] = found.group(1)
    return tokens[actor]


def test_every_html_post_needs_the_csrf_token(world):
    problems = []
    clients: dict[str, Client] = {}
    tokens: dict[str, str] = {}
    for row in [row for row in HTML if row.method != "get"]:
        actor = actor_of(row)
        if actor not in clients:
            clients[actor] = Client(enforce_csrf_checks=True)
            clients[actor].force_login(world.user(actor))
        client = clients[actor]
        token = token_from_page(client, row, world, actor, tokens)

        refused, changed = send_and_roll_back(client, row, world)
        if not is_csrf_failure(refused.response) or changed:
            problems.append(f"  {row.id} as {actor} without a token: {refused.code}, changed {changed}")

        data = {**fill(row.data or {}, world), "csrfmiddlewaretoken": token}
        accepted, _changed = send_and_roll_back(client, row, world, data=data)
        if is_csrf_failure(accepted.response) or accepted.code != row.expect[actor]:
            problems.append(f"  {row.id} as {actor} with the token: {accepted.code}, expected {row.expect[actor]}")
        if not still_signed_in(client, world, actor):
            tokens.pop(actor, None)  # a new session, a new token

    assert not problems, "CSRF protection is not what it should be:\n" + "\n".join(problems)


def test_every_api_write_needs_the_csrf_token_with_a_session_but_not_with_a_token(world):
    problems = []
    sessions: dict[str, APIClient] = {}
    by_tokens: dict[str, APIClient] = {}
    for row in [row for row in API if row.method != "get"]:
        actor = actor_of(row)
        if actor not in sessions:
            sessions[actor] = APIClient(enforce_csrf_checks=True)
            sessions[actor].force_login(world.user(actor))
            sessions[actor].get(reverse("home"))
            by_tokens[actor] = APIClient(enforce_csrf_checks=True)
            key, _created = Token.objects.get_or_create(user=world.user(actor))
            by_tokens[actor].credentials(HTTP_AUTHORIZATION=f"Token {key.key}")
        session = sessions[actor]
        cookie = session.cookies[settings.CSRF_COOKIE_NAME].value

        refused, changed = send_and_roll_back(session, row, world)
        if not is_csrf_failure(refused.response) or changed:
            problems.append(f"  {row.id} as {actor} by session without a token: {refused.code}, changed {changed}")

        accepted, _changed = send_and_roll_back(session, row, world, extra={"HTTP_X_CSRFTOKEN": cookie})
        if accepted.code != row.expect[actor]:
            problems.append(f"  {row.id} as {actor} by session with the token: {accepted.code}")

        answered, _changed = send_and_roll_back(by_tokens[actor], row, world)
        if answered.code != row.expect[actor]:
            problems.append(f"  {row.id} as {actor} by API token: {answered.code}, expected {row.expect[actor]}")
        if not still_signed_in(session, world, actor):
            session.get(reverse("home"))

    assert not problems, "CSRF protection of the API is not what it should be:\n" + "\n".join(problems)
