"""Bad input on every form and API write of the matrix: over-long strings, wrong types,
unknown choices, impossible dates, and for the API nulls and nested objects. Each answers a
clear refusal (a form shown again with its errors, an API 400), never a 500, and writes
nothing, not even part of the request.

test_bad_uploads_and_values.py has the cases a generic mutation cannot reach: past meeting
starts, time zones that do not exist, script in free text, oversized or fake uploads."""

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.security.harness import (
    client_for,
    difference,
    fill,
    fingerprint,
    send,
    send_and_roll_back,
    still_signed_in,
)
from tests.security.matrix import API, HTML, REFUSED, Row
from tests.security.test_csrf import actor_of
from tests.security.world import World

LONG = "x" * 100_000
CHOICE = re.compile(r"^[a-z_]+$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME = re.compile(r"^\d{2}:\d{2}$")
# Checkbox-like values: any other non-empty value still means "ticked", legitimately.
TICKED = {"on", "True", "true"}
HTML_REFUSALS = {200, 302, 400, 404}  # a form shown again, or a button's redirect with an error message
API_REFUSALS = {400, 404, 413, 415}


def _mutations(value: Any, *, api: bool) -> Iterator[tuple[str, Any]]:
    """Wrong values for a field whose valid value is `value`."""
    if isinstance(value, bool) or (isinstance(value, str) and value in TICKED):
        if api:
            yield "wrong type", "maybe"
        return
    if isinstance(value, list):
        yield "long item", [LONG]
        if all(isinstance(item, int) or str(item).isdigit() for item in value):
            yield "wrong item", ["not-a-number"]
        elif all(isinstance(item, str) for item in value):
            yield "NUL in an item", [f"{item}\x00" for item in value]
        return
    if isinstance(value, dict):
        yield "wrong type", "not-an-object"
        for key, item in value.items():
            for label, wrong in _mutations(item, api=api):
                if wrong is not None:  # a null inside an object is "no answer", a valid one
                    yield f"[{key}] {label}", {**value, key: wrong}
        return
    yield "100k characters", LONG
    text = str(value)
    if isinstance(value, int) or text.isdigit():
        yield "not a number", "not-a-number"
        yield "huge number", "9" * 30
    elif DATE.match(text):
        yield "impossible date", "2027-02-31"
    elif TIME.match(text):
        yield "impossible time", "25:61"
    elif CHOICE.match(text):
        yield "unknown choice", "no-such-choice"
    # PostgreSQL refuses NUL in text and in JSON: it must be a validation error, not a 500 there.
    if isinstance(value, str) and not text.isdigit():
        yield "NUL character", f"{text[:1]}\x00{text[1:]}"
    if api:
        yield "null", None
        yield "nested object", {"nested": ["x"]}


# Fields where null is a valid value with a meaning of its own: no due date, no target
# week, every programme (which only HR and site admins may export: 403 for others).
NULLABLE = {
    ("api-goal-milestones", "due_on"),
    ("api-goal-template-list", "target_week"),
    ("api-export-list", "programme"),
}
# A formset's management form is Django's to check (it clamps odd counts itself).
MANAGEMENT = ("-TOTAL_FORMS", "-INITIAL_FORMS")


def bad_requests(row: Row, world: World) -> Iterator[tuple[str, dict]]:
    for field, value in fill(row.data, world).items():
        if field.endswith(MANAGEMENT):
            continue
        # Multipart carries strings and files only: nulls and objects are JSON's.
        for label, wrong in _mutations(value, api=row.api and row.format == "json"):
            if wrong is None and (row.name, field) in NULLABLE:
                continue
            # Filled afresh each time: an upload is read once.
            yield f"{field}: {label}", {**fill(row.data, world), field: wrong}


def _rows(rows: list[Row]) -> list[Row]:
    """Writes with data that some role may send (else the data never reaches validation)."""
    return [
        row
        for row in rows
        if row.method != "get" and isinstance(row.data, dict) and row.data and row.expect[actor_of(row)] not in REFUSED
    ]


def refusal_problems(world: World, rows: list[Row], *, api: bool) -> list[str]:
    problems = []
    clients = {actor_of(row): None for row in _rows(rows)}
    clients = {actor: client_for(world, actor, api=api) for actor in clients}
    baseline = fingerprint()  # after signing in, which stamps last_login
    for row in _rows(rows):
        actor = actor_of(row)
        client = clients[actor]
        for label, data in bad_requests(row, world):
            answer, changed = send_and_roll_back(client, row, world, data=data, baseline=baseline, always=True)
            allowed = API_REFUSALS if api else HTML_REFUSALS
            if answer.code not in allowed or changed:
                detail = answer.error or (answer.response.content[:300] if answer.response is not None else b"")
                problems.append(f"  {row.id} as {actor}, {label}: {answer.code}, changed {changed}\n{detail}")
            if not still_signed_in(client, world, actor):
                baseline = fingerprint()
    return problems


@pytest.mark.parametrize(("rows", "api"), [(HTML, False), (API, True)], ids=["html", "api"])
def test_bad_values_are_refused_cleanly_and_write_nothing(world, rows, api):
    problems = refusal_problems(world, rows, api=api)

    assert not problems, f"{len(problems)} bad requests were not refused cleanly:\n" + "\n".join(problems)


def test_every_write_with_data_is_fuzzed():
    """The fuzzing above reaches the main write of every app in the matrix."""
    names = {row.name for row in _rows(HTML + API)}

    for expected in [
        "skill-rename", "programme-transition", "question-list", "participant-add", "invitation-list",
        "match-end", "request-answer", "meeting-create", "meeting-cancel", "meeting-note-add", "action-item-add",
        "flag-resolve", "api-skill-detail", "api-question-list", "api-invitation-list", "api-meeting-list",
        "api-meeting-notes", "api-flag-notes", "api-action-item-list", "api-match-end",
    ]:  # fmt: skip
        assert expected in names


def test_the_fuzzer_changes_every_field(world):
    row = next(row for row in HTML if row.name == "meeting-create" and row.method == "post")

    labels = [label for label, _data in bad_requests(row, world)]

    assert "day: impossible date" in labels
    assert "time: impossible time" in labels
    assert "duration_minutes: not a number" in labels
    assert "mode: unknown choice" in labels
    assert difference({"a": "1"}, {"a": "2"}) == ["a"]


# --- junk in query strings ----------------------------------------------------------------

JUNK = {
    "sort": "-bogus",
    "order": "bogus",
    "status": "bogus",
    "role": "bogus",
    "kind": "bogus",
    "archived": "bogus",
    "mentee": "x",
    "mentor": "9" * 30,
    "into": "x",
    "template": "-1",
    "format": "bogus",
    "since": "2027-02-31",
    "date_from": "yesterday",
    "date_to": "2027-13-01",
    "programme": "x",
    "cohort": "\x00",
    "dataset": "bogus",
    "action": "bogus",
    "actor": "\x00",
}
JUNK_QUERIES = [
    {"page": "abc", **JUNK},
    {"page": "-1", "q": "%_\\", "mentee_q": "\x00", "mentor_q": "x" * 10_000},
    {"page": "9" * 30, "q": "\x00" + "x" * 10_000},
]


@pytest.mark.parametrize("api", [False, True], ids=["html", "api"])
@pytest.mark.parametrize("role", ["mentee", "site_admin"])
def test_junk_query_strings_never_break_a_page_or_change_anything(world, role, api):
    client = client_for(world, role, api=api)
    before = fingerprint()
    problems = []

    for row in [row for row in (API if api else HTML) if row.method == "get"]:
        for query in JUNK_QUERIES:
            answer = send(client, row, world, data={**fill(row.data or {}, world), **query})
            if answer.code == 500 or (isinstance(answer.code, int) and answer.code >= 500):
                problems.append(f"  {row.id} as {role} with {sorted(query)}: {answer.code}\n{answer.error}")

    assert not problems, "\n".join(problems)
    assert difference(before, fingerprint()) == []
