import os

import pytest
from django.core.cache import cache

from mentoring.celery import app as celery_app
from tests.factories import EnrolmentFactory, ProgrammeFactory, UserFactory

# Tasks run in the calling process; tests call them directly or through services.
celery_app.conf.task_always_eager = True
celery_app.conf.task_eager_propagates = True


def _isolated_cache(configured: dict) -> dict:
    """A cache that one test may clear without touching anything else.

    Against Redis (CI) each xdist worker gets a Redis database of its own, away from the
    broker's database 0, so clearing it never drops queued tasks or another worker's keys.
    The embedded default's database cache becomes a local-memory cache, which needs no
    table and no database access to clear.
    """
    if configured["BACKEND"].endswith("RedisCache"):
        worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
        base = (
            configured["LOCATION"].rsplit("/", 1)[0]
            if configured["LOCATION"].count("/") > 2
            else configured["LOCATION"]
        )
        return {**configured, "LOCATION": f"{base.rstrip('/')}/{15 - worker}"}
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}


@pytest.fixture(autouse=True)
def _fast_passwords_and_fresh_cache(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": _isolated_cache(settings.CACHES["default"])}
    # allauth's rate limits count logins per address; every test starts with a clean slate.
    settings.ACCOUNT_RATE_LIMITS = False
    settings.MFA_REQUIRED_FOR_PRIVILEGED = False  # tests/profiles/test_mfa_required.py turns it on
    yield
    cache.clear()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def outsider(db):
    return UserFactory(first_name="Otto", last_name="Outsider")


@pytest.fixture
def hr_admin(db):
    return UserFactory(is_hr_admin=True, first_name="Helena", last_name="HR")


@pytest.fixture
def site_admin(db):
    return UserFactory(is_superuser=True, is_staff=True)


# --- personas around one programme -----------------------------------------------------


@pytest.fixture
def coordinator(db):
    return UserFactory(first_name="Carmen", last_name="Coordinator")


@pytest.fixture
def programme(coordinator):
    return ProgrammeFactory(name="Leadership 2027", slug="leadership-2027", coordinators=[coordinator])


@pytest.fixture
def mentor(programme):
    return EnrolmentFactory(programme=programme, role="mentor", user__first_name="Mona", user__last_name="Mentor").user


@pytest.fixture
def mentee(programme):
    return EnrolmentFactory(programme=programme, role="mentee", user__first_name="Milo", user__last_name="Mentee").user


@pytest.fixture
def other_coordinator(db):
    return UserFactory(first_name="Oscar", last_name="Othercoordinator")


@pytest.fixture
def other_programme(other_coordinator):
    return ProgrammeFactory(name="Sales Academy", slug="sales-academy", coordinators=[other_coordinator])
