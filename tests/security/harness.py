"""How the matrix is played: clients per role, URLs and data filled from the world, one
request answered as a code the matrix can compare, and a fingerprint of the database."""

import hashlib
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.security.matrix import LOGIN, REFUSED, Row
from tests.security.world import World

# Rows of these tables change on any request (sessions) or are written on purpose by a
# read: the audit log records who opened a participant's record or downloaded data.
VOLATILE_TABLES = {"django_session", "audit_auditevent"}
# Columns a read writes on purpose, beside its audit event: downloading an export stamps
# when the requester fetched the file (reports.services.exports.record_download).
VOLATILE_COLUMNS = {"reports_exportjob": {"downloaded_at"}}


def client_for(world: World, role: str, *, api: bool = False, csrf: bool = False) -> Client:
    client = APIClient(enforce_csrf_checks=csrf) if api else Client(enforce_csrf_checks=csrf)
    user = world.user(role)
    if user is not None:
        # Session login for both: the API's session path is the one CSRF protects.
        client.force_login(user)
    return client


def fill(value: Any, world: World) -> Any:
    """Put world keys into data: "{match}" → the match's id; lists and dicts recursively;
    a callable is called (a fresh file upload each time)."""
    if callable(value):
        return value()
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in world.keys:
            return world.keys[value[1:-1]]
        return value.format(**world.keys)
    if isinstance(value, list):
        return [fill(item, world) for item in value]
    if isinstance(value, tuple):
        return tuple(fill(item, world) for item in value)
    if isinstance(value, dict):
        return {fill(key, world): fill(item, world) for key, item in value.items()}
    return value


def url_of(row: Row, world: World) -> str:
    return reverse(row.name, kwargs={arg: world.keys[key] for arg, key in row.kwargs.items()})


@dataclass
class Answer:
    code: int | str
    response: Any = None
    error: str = ""


def outcome(response: Any) -> int | str:
    """The status code, with a redirect to the sign-in page told apart from other redirects."""
    if response.status_code == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL)):
        return LOGIN
    return response.status_code


def send(client: Client, row: Row, world: World, *, data: Any = None, extra: dict | None = None) -> Answer:
    url = url_of(row, world)
    payload = fill(row.data, world) if data is None else data  # explicit data comes filled
    method = getattr(client, row.method)
    kwargs: dict[str, Any] = dict(extra or {})
    if isinstance(client, APIClient) and row.method != "get":
        kwargs["format"] = row.format
    try:
        response = method(url, payload, **kwargs) if payload is not None else method(url, **kwargs)
    except Exception:
        return Answer(code=500, error=traceback.format_exc(limit=-6))
    return Answer(code=outcome(response), response=response)


@transaction.atomic
def send_and_roll_back(
    client: Client,
    row: Row,
    world: World,
    *,
    baseline: dict[str, str] | None = None,
    always: bool = False,
    **kwargs: Any,
) -> tuple[Answer, list[str]]:
    """Send in a savepoint that is rolled back, so every action starts from the same world.

    Also say which tables a refused request (any request, with `always`) changed: compared
    with `baseline`, the state every request of a run starts from, or a fresh fingerprint.
    """
    before = baseline if baseline is not None else fingerprint()
    answer = send(client, row, world, **kwargs)
    # After a crash PostgreSQL refuses every query until the rollback: the 500 is the finding.
    checked = answer.code != 500 and (always or answer.code in REFUSED)
    changed = difference(before, fingerprint()) if checked else []
    transaction.set_rollback(True)
    return answer, changed


def still_signed_in(client: Client, world: World, role: str) -> bool:
    """Sign the role in again if the rollback took their session; say whether it had to."""
    user = world.user(role)
    if user is None or client.session.get("_auth_user_id") == str(user.pk):
        return True
    client.force_login(user)
    return False


def _tables() -> Iterator[tuple[str, list[str]]]:
    seen = set()
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if table in seen or table in VOLATILE_TABLES or model._meta.proxy or not model._meta.managed:
            continue
        seen.add(table)
        skip = VOLATILE_COLUMNS.get(table, set())
        yield table, [f.column for f in model._meta.concrete_fields if f.column not in skip]


def fingerprint() -> dict[str, str]:
    """Row count and a hash of every row, per table: the whole state a request could change."""
    state = {}
    with connection.cursor() as cursor:
        for table, columns in _tables():
            quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)} ORDER BY 1")  # noqa: S608
            rows = cursor.fetchall()
            state[table] = f"{len(rows)}:{hashlib.sha256(repr(rows).encode()).hexdigest()}"
    return state


def difference(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(table for table in before.keys() | after.keys() if before.get(table) != after.get(table))


def model_of(label: str) -> type[models.Model]:
    return apps.get_model(label)
