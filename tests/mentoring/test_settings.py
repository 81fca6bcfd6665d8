"""Settings come from the environment: each case runs the real settings module in a
fresh interpreter with a controlled environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "-random-enough-for-a-test-0123456789abcdef"
PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']),"
    " 'host': s.DATABASES['default'].get('HOST'), 'broker': s.CELERY_BROKER_URL,"
    " 'cache': s.CACHES['default']['BACKEND'], 'debug': s.DEBUG, 'session_cookie': s.SESSION_COOKIE_NAME,"
    " 'hsts': s.SECURE_HSTS_SECONDS, 'health_checks': s.DATABASES['default']['CONN_HEALTH_CHECKS'],"
    " 'options': s.DATABASES['default'].get('OPTIONS', {})}))"
)


def load_settings(tmp_path, **overrides):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "EMAIL_URL", "HTTPS"}
    }
    environment.update({"DJANGO_SETTINGS_MODULE": "mentoring.settings", "VAR_DIR": str(tmp_path)})
    environment.update(overrides)
    return subprocess.run(  # noqa: S603 -- our own interpreter, fixed arguments
        [sys.executable, "-c", PROBE], cwd=tmp_path, env={**environment, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_embedded_default_is_sqlite_under_var_and_filesystem_broker(tmp_path):
    result = load_settings(tmp_path, SECRET_KEY=GOOD_KEY, DEBUG="true")

    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(tmp_path / "db.sqlite3")
    assert values["broker"] == "filesystem://"
    assert values["cache"] == "django.core.cache.backends.db.DatabaseCache"


def test_database_and_redis_urls_are_used(tmp_path):
    result = load_settings(
        tmp_path, SECRET_KEY=GOOD_KEY, DEBUG="false",
        DATABASE_URL="postgres://app:pw@db.internal:5432/mentoring", REDIS_URL="redis://cache.internal:6379/2",
    )  # fmt: skip

    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["host"] == "db.internal"
    assert values["name"] == "mentoring"
    assert values["broker"] == "redis://cache.internal:6379/2"
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["health_checks"] is True
    # Server-side cursors (exports) are planned for the whole result, not its first rows.
    assert values["options"]["options"] == "-c cursor_tuple_fraction=1.0"


def test_postgresql_options_of_the_url_are_kept(tmp_path):
    result = load_settings(
        tmp_path, SECRET_KEY=GOOD_KEY, DEBUG="false", REDIS_URL="redis://cache.internal:6379/2",
        DATABASE_URL="postgres://app:pw@db.internal:5432/mentoring?options=-c%20statement_timeout%3D5000",
    )  # fmt: skip

    options = json.loads(result.stdout)["options"]["options"]
    assert options == "-c statement_timeout=5000 -c cursor_tuple_fraction=1.0"


def test_production_defaults_are_hardened(tmp_path):
    result = load_settings(tmp_path, SECRET_KEY=GOOD_KEY, DEBUG="false")

    values = json.loads(result.stdout)
    assert values["debug"] is False
    assert values["session_cookie"] == "__Host-sessionid"
    assert values["hsts"] == 31_536_000


@pytest.mark.parametrize("key", ["", "django-insecure-abc", "short-key", "change-me" + "x" * 60])
def test_debug_off_refuses_missing_or_development_key(tmp_path, key):
    result = load_settings(tmp_path, SECRET_KEY=key, DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
