"""Sessions: participants stay signed in for SESSION_COOKIE_AGE; coordinators, HR admins
and site admins are signed out after PRIVILEGED_IDLE_MINUTES without a request."""

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.contrib.messages import get_messages

from profiles.middleware import LAST_ACTIVITY_KEY
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "-random-enough-for-a-test-0123456789abcdef"
START = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def minutes(count: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=count)


@pytest.fixture(autouse=True)
def _thirty_minutes(settings):
    settings.PRIVILEGED_IDLE_MINUTES = 30


def test_coordinator_is_signed_out_after_thirty_idle_minutes(client, coordinator, programme, clock):
    client.force_login(coordinator)
    assert client.get("/").status_code == 200

    clock.shift(minutes(31))
    response = client.get("/programmes/?status=running")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fprogrammes%2F%3Fstatus%3Drunning"
    assert "without activity" in str(next(iter(get_messages(response.wsgi_request))))
    assert client.get("/").status_code == 302  # signed out for good
    assert "_auth_user_id" not in client.session


def test_activity_keeps_a_coordinator_signed_in(client, coordinator, programme, clock):
    client.force_login(coordinator)
    client.get("/")

    for _step in range(4):
        clock.shift(minutes(25))
        assert client.get("/").status_code == 200


def test_idle_time_is_counted_from_the_last_request_not_the_sign_in(client, coordinator, programme, clock):
    client.force_login(coordinator)
    client.get("/")
    clock.shift(minutes(20))
    client.get("/")

    clock.shift(minutes(29))

    assert client.get("/").status_code == 200


@pytest.mark.parametrize("persona", ["hr_admin", "site_admin"])
def test_hr_and_site_admins_have_the_idle_limit_too(client, persona, request, clock):
    client.force_login(request.getfixturevalue(persona))
    client.get("/")

    clock.shift(minutes(31))

    assert client.get("/").status_code == 302


def test_participants_keep_their_session(client, mentee, clock):
    client.force_login(mentee)
    client.get("/")

    clock.shift(datetime.timedelta(days=3))

    assert client.get("/").status_code == 200


def test_the_limit_follows_the_setting(client, coordinator, programme, clock, settings):
    settings.PRIVILEGED_IDLE_MINUTES = 120
    client.force_login(coordinator)
    client.get("/")

    clock.shift(minutes(90))
    assert client.get("/").status_code == 200
    clock.shift(minutes(121))
    assert client.get("/").status_code == 302


def test_zero_turns_the_idle_limit_off(client, coordinator, programme, clock, settings):
    settings.PRIVILEGED_IDLE_MINUTES = 0
    client.force_login(coordinator)
    client.get("/")

    clock.shift(datetime.timedelta(hours=10))

    assert client.get("/").status_code == 200


def test_an_htmx_request_moves_the_whole_page_to_sign_in(client, coordinator, programme, clock):
    client.force_login(coordinator)
    client.get("/")

    clock.shift(minutes(31))
    response = client.get("/notifications/", headers={"HX-Request": "true"})

    assert response.headers["HX-Redirect"].startswith("/accounts/login/")


def test_an_idle_session_on_the_api_becomes_anonymous(client, coordinator, programme, clock):
    client.force_login(coordinator)
    assert client.get("/api/v1/me/").status_code == 200

    clock.shift(minutes(31))

    assert client.get("/api/v1/me/").status_code in {401, 403}


def test_signing_in_starts_the_clock(client, coordinator, programme, clock):
    response = client.post("/accounts/login/", {"login": coordinator.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.session[LAST_ACTIVITY_KEY] == int(START.timestamp())


def test_activity_is_written_at_most_once_a_minute(client, coordinator, programme, clock):
    client.force_login(coordinator)
    client.get("/")
    first = client.session[LAST_ACTIVITY_KEY]

    clock.shift(datetime.timedelta(seconds=30))
    client.get("/")
    assert client.session[LAST_ACTIVITY_KEY] == first
    clock.shift(datetime.timedelta(seconds=31))
    client.get("/")
    assert client.session[LAST_ACTIVITY_KEY] == first + 61


def test_an_active_session_asks_nothing_about_privileges(client, mentee, clock, monkeypatch):
    """Whether someone is privileged (a query) is only asked once the session has idled."""
    from profiles import middleware

    client.force_login(mentee)
    client.get("/")
    asked = []
    monkeypatch.setattr(middleware, "is_privileged", asked.append)

    clock.shift(minutes(5))
    client.get("/")

    assert asked == []


# --- Production settings --------------------------------------------------------------------

PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'session_cookie': s.SESSION_COOKIE_NAME, 'csrf_cookie': s.CSRF_COOKIE_NAME,"
    " 'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
    " 'httponly': s.SESSION_COOKIE_HTTPONLY, 'hsts': s.SECURE_HSTS_SECONDS,"
    " 'hsts_subdomains': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, 'ssl_redirect': s.SECURE_SSL_REDIRECT,"
    " 'health_checks': s.DATABASES['default']['CONN_HEALTH_CHECKS'], 'age': s.SESSION_COOKIE_AGE,"
    " 'idle': s.PRIVILEGED_IDLE_MINUTES, 'mfa': s.MFA_REQUIRED_FOR_PRIVILEGED,"
    " 'proxies': s.ALLAUTH_TRUSTED_PROXY_COUNT, 'cache': s.CACHES['default']['BACKEND'],"
    " 'rate_limits': s.ACCOUNT_RATE_LIMITS, 'middleware': s.MIDDLEWARE}))"
)


def production_settings(tmp_path, **overrides):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "EMAIL_URL", "HTTPS"}
        and not key.startswith(("PRIVILEGED_", "MFA_", "ALLAUTH_", "SESSION_"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="mentoring.settings", VAR_DIR=str(tmp_path), SECRET_KEY=GOOD_KEY, DEBUG="false",
        REDIS_URL="redis://cache.internal:6379/0", PYTHONPATH=str(ROOT), **overrides,
    )  # fmt: skip
    result = subprocess.run(  # noqa: S603 -- our own interpreter, fixed arguments
        [sys.executable, "-c", PROBE], cwd=tmp_path, env=environment,
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


def test_production_cookies_transport_and_sessions_are_hardened(tmp_path):
    values = production_settings(tmp_path)

    assert values["session_cookie"] == "__Host-sessionid"
    assert values["csrf_cookie"] == "__Host-csrftoken"
    assert values["session_secure"] is True
    assert values["csrf_secure"] is True
    assert values["httponly"] is True
    assert values["hsts"] == 31_536_000
    assert values["hsts_subdomains"] is True
    assert values["ssl_redirect"] is True
    assert values["health_checks"] is True
    assert values["age"] == 14 * 24 * 60 * 60
    assert values["idle"] == 30
    assert values["mfa"] is True
    # Rate limits count in the cache every web process shares.
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["rate_limits"]["login_failed"] == "10/m/ip,5/5m/key"
    assert "csp.middleware.CSPMiddleware" in values["middleware"]


def test_session_and_proxy_settings_come_from_the_environment(tmp_path):
    values = production_settings(
        tmp_path, PRIVILEGED_IDLE_MINUTES="15", MFA_REQUIRED_FOR_PRIVILEGED="false",
        ALLAUTH_TRUSTED_PROXY_COUNT="2", SESSION_COOKIE_AGE="3600",
    )  # fmt: skip

    assert (values["idle"], values["mfa"], values["proxies"], values["age"]) == (15, False, 2, 3600)


def test_a_token_request_creates_no_session(client, coordinator, programme):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=coordinator)

    response = client.get("/api/v1/me/", headers={"Authorization": f"Token {token.key}"})

    assert response.status_code == 200
    assert not response.cookies
