"""Issue journey: two-factor authentication is required of coordinators. A coordinator
signs in, is sent to set up an authenticator app, confirms the password, "scans" the
secret (the test computes the code as the app would), activates it, keeps the recovery
codes and reaches the pages; the next sign-in asks for a code."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import expect

from tests.factories import PASSWORD, ProgrammeFactory, UserFactory

pytestmark = pytest.mark.e2e


def authenticator_code(secret: str) -> str:
    """What an authenticator app shows now (RFC 6238: 30-second steps, 6 digits); close
    to the end of a step, wait for the next one so the code is still valid when sent."""
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.5)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture(autouse=True)
def _mfa_required(settings):
    settings.MFA_REQUIRED_FOR_PRIVILEGED = True


def test_a_coordinator_sets_up_an_authenticator_app_before_anything_else(page, screenshot, transactional_db):
    coordinator = UserFactory(first_name="Carmen", email="carmen@example.com")
    ProgrammeFactory(name="Leadership Accelerator", slug="leadership", coordinators=[coordinator])

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(coordinator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    # allauth asks for the password again before an authenticator is added.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    expect(page.get_by_text(re.compile("needs two-factor authentication"))).to_be_visible()
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    expect(page.get_by_role("img", name=re.compile("[A-Z2-7]{16,}"))).to_be_visible()  # the QR code
    screenshot("40-mfa-setup")
    # Going elsewhere first is not possible.
    page.goto("/programmes/leadership/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))

    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(authenticator_code(secret))
    page.get_by_role("button", name="Activate").click()

    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    expect(page.get_by_label("Unused codes")).to_be_visible()
    screenshot("41-mfa-recovery-codes")
    assert Authenticator.objects.filter(user=coordinator, type=Authenticator.Type.TOTP).exists()

    page.goto("/")
    expect(page.get_by_role("heading", name=re.compile("^Welcome, Carmen"))).to_be_visible()
    page.goto("/programmes/leadership/")
    expect(page.get_by_role("heading", name="Leadership Accelerator")).to_be_visible()
    screenshot("42-mfa-in")

    # Next time, the password is followed by a code from the app.
    page.get_by_role("button", name="Sign out").click()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(coordinator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.get_by_label(re.compile("Code")).fill(authenticator_code(secret))
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    expect(page.get_by_role("heading", name=re.compile("^Welcome, Carmen"))).to_be_visible()
