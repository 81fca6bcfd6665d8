"""With MFA_REQUIRED_FOR_PRIVILEGED, coordinators, HR admins and site admins set up an
authenticator app before anything else; participants are not asked."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from profiles.middleware import PrivilegedMfaRequiredMiddleware, needs_mfa_setup
from tests.factories import PASSWORD

SETUP = "/accounts/2fa/totp/activate/"


@pytest.fixture(autouse=True)
def _mfa_required(settings):
    settings.MFA_REQUIRED_FOR_PRIVILEGED = True


@pytest.fixture
def rf_request():
    request = RequestFactory().get("/programmes/")
    request.resolver_match = None
    return request


def with_totp(user):
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    return user


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_a_coordinator_without_an_authenticator_is_sent_to_set_one_up(client, coordinator, programme):
    client.force_login(coordinator)

    response = client.get("/programmes/")

    assert response.status_code == 302
    assert response["Location"] == SETUP
    # allauth asks for the password again before adding an authenticator.
    confirm = client.get(SETUP)
    assert confirm["Location"].startswith("/accounts/reauthenticate/")
    page = client.get(confirm["Location"])
    assert page.status_code == 200
    assert "two-factor authentication" in page.content.decode()


@pytest.mark.parametrize("persona", ["hr_admin", "site_admin"])
def test_hr_and_site_admins_are_sent_too(client, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.get("/").headers["Location"] == SETUP


def test_site_admins_cannot_reach_django_admin_without_it(client, site_admin):
    client.force_login(site_admin)

    assert client.get("/admin/").headers["Location"] == SETUP


@pytest.mark.parametrize("persona", ["mentor", "mentee", "outsider"])
def test_participants_are_not_asked(client, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.get("/").status_code == 200


def test_with_an_authenticator_app_a_coordinator_goes_anywhere(client, coordinator, programme):
    client.force_login(with_totp(coordinator))

    assert client.get("/programmes/").status_code == 200


def test_recovery_codes_alone_are_not_enough(client, coordinator, programme):
    Authenticator.objects.create(user=coordinator, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x"})
    client.force_login(coordinator)

    assert client.get("/").headers["Location"] == SETUP


def test_signing_out_and_the_setup_pages_stay_open(client, coordinator, programme):
    client.force_login(coordinator)

    assert client.get("/accounts/2fa/").status_code == 200
    assert client.get("/healthz").status_code in {200, 503}
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_api_answers_403_in_json_to_a_session(client, coordinator, programme):
    client.force_login(coordinator)

    response = client.get("/api/v1/me/")

    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]


def test_a_token_is_not_a_session_and_is_not_stopped(client, coordinator, programme):
    """Tokens are made on the account page, which needs the authenticator app first."""
    token = Token.objects.create(user=coordinator)

    response = client.get("/api/v1/me/", headers={"Authorization": f"Token {token.key}"})

    assert response.status_code == 200


def test_an_htmx_request_moves_the_whole_page(client, coordinator, programme):
    client.force_login(coordinator)

    response = client.get("/notifications/", headers={"HX-Request": "true"})

    assert response.headers["HX-Redirect"] == SETUP


def test_becoming_a_coordinator_makes_it_required(client, mentor, other_programme):
    client.force_login(mentor)
    assert client.get("/").status_code == 200

    other_programme.coordinators.add(mentor)

    assert client.get("/").headers["Location"] == SETUP


def test_setting_up_the_app_lets_the_coordinator_in(client, coordinator, programme):
    client.post("/accounts/login/", {"login": coordinator.email, "password": PASSWORD})
    assert client.get("/").headers["Location"] == SETUP

    confirmed = client.post(client.get(SETUP)["Location"], {"password": PASSWORD})
    assert confirmed["Location"] == SETUP
    page = client.get(SETUP).content.decode()
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page).group(1)
    response = client.post(SETUP, {"code": current_code(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=coordinator, type=Authenticator.Type.TOTP).exists()
    assert client.get("/programmes/").status_code == 200


def test_off_means_nobody_is_asked_and_no_query_is_made(rf_request, coordinator, programme, settings):
    settings.MFA_REQUIRED_FOR_PRIVILEGED = False
    middleware = PrivilegedMfaRequiredMiddleware(lambda request: None)
    rf_request.user = coordinator

    with CaptureQueriesContext(connection) as queries:
        assert middleware.process_view(rf_request, None, (), {}) is None
    assert len(queries) == 0


def test_the_check_is_one_query(coordinator, programme, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert needs_mfa_setup(coordinator) is True
