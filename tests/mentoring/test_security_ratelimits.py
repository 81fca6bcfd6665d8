"""Login rate limits with the project's ACCOUNT_RATE_LIMITS (tests/conftest.py turns them
off for every other test) against a real cache, and the Django admin login behind
allauth's."""

import pytest
from django.core.management import call_command
from django.db import connection

import mentoring.settings as project_settings
from tests.factories import PASSWORD

TOO_MANY_FAILED = "Too many failed login attempts"


@pytest.fixture
def rate_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = project_settings.ACCOUNT_RATE_LIMITS
    return settings.ACCOUNT_RATE_LIMITS


def sign_in(client, email: str, password: str, **extra):
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def test_five_wrong_passwords_lock_the_address_even_for_the_right_one(client, user, rate_limits):
    for _attempt in range(5):
        response = sign_in(client, user.email, "wrong-password-123")
        assert TOO_MANY_FAILED not in response.content.decode()

    response = sign_in(client, user.email, PASSWORD)

    assert response.status_code == 200
    assert TOO_MANY_FAILED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_another_address_is_not_locked_by_them(client, user, outsider, rate_limits):
    for _attempt in range(5):
        sign_in(client, user.email, "wrong-password-123")

    assert sign_in(client, outsider.email, PASSWORD).status_code == 302


def test_more_than_thirty_sign_ins_a_minute_from_one_address_get_429(client, user, rate_limits):
    statuses = [
        sign_in(client, f"nobody{number}@example.com", "wrong-password-123").status_code for number in range(31)
    ]

    assert set(statuses[:30]) == {200}
    assert statuses[30] == 429


def test_the_429_page_explains_and_links_back(client, user, rate_limits, settings):
    settings.ACCOUNT_RATE_LIMITS = {**rate_limits, "login": "1/m/ip"}
    sign_in(client, user.email, "wrong-password-123")

    response = sign_in(client, user.email, "wrong-password-123")

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert 'href="/accounts/login/"' in response.content.decode()


def test_without_the_limits_nothing_is_refused(client, user, settings):
    settings.ACCOUNT_RATE_LIMITS = False
    for _attempt in range(6):
        sign_in(client, user.email, "wrong-password-123")

    assert sign_in(client, user.email, PASSWORD).status_code == 302


def test_behind_a_trusted_proxy_each_client_address_counts_alone(client, user, settings, rate_limits):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {**rate_limits, "login": "2/m/ip"}

    first = [sign_in(client, user.email, "x" * 12, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code for _ in range(3)]
    other = sign_in(client, user.email, "x" * 12, HTTP_X_FORWARDED_FOR="198.51.100.9").status_code

    assert first == [200, 200, 429]
    assert other == 200


def test_limits_live_in_the_embedded_default_database_cache(client, user, settings, rate_limits, transactional_db):
    """The embedded default keeps rate limits in a database table shared by every process."""
    isolated = settings.CACHES
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache"}}
    call_command("createcachetable", verbosity=0)
    try:
        for _attempt in range(5):
            sign_in(client, user.email, "wrong-password-123")

        response = sign_in(client, user.email, PASSWORD)

        assert TOO_MANY_FAILED in response.content.decode()
        with connection.cursor() as cursor:
            cursor.execute("SELECT cache_key FROM cache")
            keys = [row[0] for row in cursor.fetchall()]
        assert any("login_failed" in key for key in keys)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE cache")
        settings.CACHES = isolated


# --- Django admin ---------------------------------------------------------------------------


def test_admin_login_sends_people_to_the_real_sign_in(client, db):
    response = client.get("/admin/login/?next=/admin/profiles/user/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fprofiles%2Fuser%2F"


def test_admin_login_form_no_longer_accepts_a_password(client, site_admin):
    response = client.post("/admin/login/", {"username": site_admin.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_signed_in_people_who_are_not_staff_get_403_from_admin_login(client, user):
    client.force_login(user)

    assert client.get("/admin/login/").status_code == 403


def test_site_admins_reach_the_admin_after_signing_in(client, site_admin):
    assert sign_in(client, site_admin.email, PASSWORD).status_code == 302

    assert client.get("/admin/").status_code == 200
