"""Formula injection: whatever people type into names, departments or programme names,
no exported text cell starts with a character a spreadsheet would run."""

import datetime
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from mentoring.spreadsheets import FORMULA_PREFIXES, safe_cell
from reports.exports.columns import Column, Kind
from reports.exports.writers import csv_chunks, write_xlsx
from reports.services import exports as services
from tests.reports.test_exports_fixtures import (
    _exports_in_a_temporary_media_root,  # noqa: F401
    as_dicts,
    job_file_bytes,
    read_csv,
    read_xlsx,
)

DANGEROUS = st.sampled_from(FORMULA_PREFIXES)
# Anything a browser can send, control characters included.
ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
# What a database stores (PostgreSQL refuses NUL in text).
STORABLE_TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\0"), max_size=30)
STORABLE_DANGEROUS = st.sampled_from([prefix for prefix in FORMULA_PREFIXES if prefix != "\0"])


def risky(text: st.SearchStrategy[str], prefix: st.SearchStrategy[str] = DANGEROUS) -> st.SearchStrategy[str]:
    """Text that often starts with a formula character, sometimes with something else."""
    return st.one_of(st.builds(lambda p, rest: p + rest, prefix, text), text)


COLUMNS = (
    Column("name", Kind.TEXT, "text"),
    Column("note", Kind.TEXT, "text"),
    Column("count", Kind.INTEGER, "whole number"),
    Column("score", Kind.DECIMAL, "number"),
    Column("day", Kind.DATE, "date"),
    Column("at", Kind.DATETIME, "date and time"),
)
ROWS = st.lists(
    st.tuples(
        risky(ANY_TEXT),
        st.one_of(st.none(), risky(ANY_TEXT)),
        st.integers(min_value=-(10**9), max_value=10**9),
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda value: round(value, 2)),
        st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2100, 1, 1)),
        st.datetimes(
            min_value=datetime.datetime(1990, 1, 1),  # noqa: DTZ001 -- hypothesis wants naive bounds
            max_value=datetime.datetime(2100, 1, 1),  # noqa: DTZ001
            timezones=st.just(datetime.UTC),
        ).map(lambda moment: moment.replace(microsecond=0)),
    ),
    min_size=1,
    max_size=8,
)


def _text_is_safe(value: object) -> bool:
    return value is None or value == "" or not str(value).startswith(FORMULA_PREFIXES)


@settings(max_examples=150, deadline=None)
@given(rows=ROWS)
def test_csv_cells_never_start_a_formula_and_round_trip(rows):
    text = "".join(csv_chunks(COLUMNS, rows))

    parsed = read_csv(text)

    assert parsed[0] == [column.name for column in COLUMNS]
    for original, cells in zip(rows, parsed[1:], strict=True):
        name, note, count, score, day, at = cells
        assert name == safe_cell(original[0])
        assert note == safe_cell(original[1])
        assert _text_is_safe(name)
        assert _text_is_safe(note)
        # Numbers and dates stay plain: a negative number is a number, not a formula.
        assert int(count) == original[2]
        assert float(score) == original[3]
        assert datetime.date.fromisoformat(day) == original[4]
        assert datetime.datetime.fromisoformat(at) == original[5]


@settings(max_examples=60, deadline=None)
@given(rows=ROWS)
def test_xlsx_cells_never_start_a_formula_and_stay_typed(rows):
    buffer = io.BytesIO()
    write_xlsx(buffer, COLUMNS, rows, title="Test")

    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    parsed = list(sheet.iter_rows(min_row=2))

    assert len(parsed) == len(rows)
    for original, cells in zip(rows, parsed, strict=True):
        name, note, count, score, day, at = cells
        for cell in (name, note):
            assert cell.data_type in {"s", "n"}  # text (or an empty cell), never a formula ("f")
            assert _text_is_safe(cell.value)
        # XLSX cannot hold most control characters: they go first, then the check applies.
        if ILLEGAL_CHARACTERS_RE.sub("", original[0]).startswith(FORMULA_PREFIXES):
            assert name.value.startswith("'")
        assert (count.data_type, count.value) == ("n", original[2])
        assert count.number_format == "0"
        assert score.data_type == "n"
        assert abs(score.value - original[3]) < 1e-9
        assert score.number_format == "0.00"
        assert day.is_date
        assert day.value.date() == original[4]
        assert at.is_date
        assert abs(at.value - original[5].replace(tzinfo=None)) < datetime.timedelta(seconds=1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=risky(STORABLE_TEXT, STORABLE_DANGEROUS),
    last=risky(STORABLE_TEXT, STORABLE_DANGEROUS),
    department=risky(STORABLE_TEXT, STORABLE_DANGEROUS),
)
def test_participant_exports_neutralise_what_people_type(hr_admin, programme, mentee, first, last, department):
    mentee.first_name, mentee.last_name = first[:150], last[:150]
    mentee.save()
    mentee.profile.department = department[:120]
    mentee.profile.save()
    programme.name = ("=" + first)[:150]
    programme.save()

    streamed = services.request_export(user=hr_admin, dataset="participants", format="csv", programme=programme)
    csv_rows = as_dicts(read_csv("".join(services.stream_export(job=streamed))))
    built = services.request_export(user=hr_admin, dataset="participants", format="xlsx", background=True)
    services.build_export(job_id=built.pk)
    xlsx_rows = read_xlsx(job_file_bytes(built))

    assert len(csv_rows) == 1
    row = csv_rows[0]
    assert row["name"] == safe_cell(mentee.display_name)
    assert row["department"] == safe_cell(mentee.profile.department)
    assert row["programme"] == "'" + programme.name
    for cells in ([*row.values()], *xlsx_rows):
        assert all(_text_is_safe(cell) for cell in cells if isinstance(cell, str))


def test_xlsx_rows_beyond_a_sheet_go_on_to_the_next_sheet():
    rows = [("Ada", None, index, 1.5, datetime.date(2027, 1, 1), None) for index in range(5)]
    buffer = io.BytesIO()

    write_xlsx(buffer, COLUMNS, rows, title="Meetings", rows_per_sheet=2)

    workbook = load_workbook(io.BytesIO(buffer.getvalue()))
    assert workbook.sheetnames == ["Meetings", "Meetings 2", "Meetings 3"]
    for sheet in workbook.worksheets:
        assert [cell.value for cell in sheet[1]] == [column.name for column in COLUMNS]
    counts = [[row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] for sheet in workbook.worksheets]
    assert counts == [[0, 1], [2, 3], [4]]
