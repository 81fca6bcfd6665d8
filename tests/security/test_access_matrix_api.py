"""The API half of the access matrix, and its list endpoints: every id a role is shown
belongs to something that role may see, and never to the other programme."""

import pytest
from django.db.models import QuerySet

from programmes.models import Programme, Question
from tests.security.harness import client_for, model_of, send
from tests.security.matrix import API, ROLES, Row
from tests.security.test_access_matrix import play
from tests.security.world import World

# Whose rows each role must never be listed: the programme they have nothing to do with.
OTHER_PROGRAMME = {
    "mentee": "other_programme",
    "mentor": "other_programme",
    "other_pair": "other_programme",
    "coordinator": "other_programme",
    "other_coordinator": "programme",
}
LIST_ROWS = [row for row in API if row.lists]


def visible_rows(label: str, user) -> QuerySet:
    """The model's own `visible_to`; questions have none and follow their programme."""
    if label == "programmes.Question":
        return Question.objects.filter(programme__in=Programme.objects.visible_to(user))
    return model_of(label).objects.visible_to(user)


@pytest.mark.parametrize("role", ROLES)
def test_api_matrix(world, role):
    problems = play(world, role, API, api=True)

    assert not problems, f"{len(problems)} API answers differ from the matrix:\n" + "\n".join(problems)


def _listed(response) -> list:
    body = response.json()
    return body["results"] if isinstance(body, dict) and "results" in body else body


def _ids(row: Row, response) -> set:
    """The ids an answer lists; `id_field` may be a path ("user.id")."""
    ids = set()
    for item in _listed(response):
        for part in row.id_field.split("."):
            item = item[part]
        ids.add(item)
    return ids


def list_problems(world: World, role: str, row: Row) -> list[str]:
    client = client_for(world, role, api=True)
    answer = send(client, row, world)
    if answer.code != 200:
        return []  # the matrix says whether this role may list at all
    ids = _ids(row, answer.response)
    column = "pk" if row.id_field == "id" else row.id_field.replace(".", "_")
    visible = set(visible_rows(row.lists, world.user(role)).values_list(column, flat=True))
    problems = []
    if ids - visible:
        problems.append(f"  {row.id} as {role} lists {sorted(ids - visible)}, not visible to them")
    foreign = world.rows[OTHER_PROGRAMME[role]].get(row.lists, set()) if role in OTHER_PROGRAMME else set()
    if ids & foreign:
        problems.append(f"  {row.id} as {role} lists {sorted(ids & foreign)} of a programme not theirs")
    return problems


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_api_lists_show_only_what_the_role_may_see(world, role):
    problems = [problem for row in LIST_ROWS for problem in list_problems(world, role, row)]

    assert not problems, "\n".join(problems)


def test_the_list_check_is_not_vacuous(world):
    """Every list endpoint shows some role some rows, so the checks above compare real ids."""
    listed: dict[str, set] = {row.id: set() for row in LIST_ROWS}
    for role in ROLES[1:]:
        client = client_for(world, role, api=True)
        for row in LIST_ROWS:
            answer = send(client, row, world)
            if answer.code == 200:
                listed[row.id] |= _ids(row, answer.response)

    assert not [name for name, ids in listed.items() if not ids]
