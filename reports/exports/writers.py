"""CSV and XLSX writers for exports: typed values in, neutralised cells out.

Both take the dataset's columns and an iterator of rows (tuples of Python values: str,
int, float, date, aware datetime or None) and never hold more than one chunk of rows.
- CSV: UTF-8 with a byte order mark (spreadsheets then read accents correctly), a
  header line of column names, dates as ISO 8601 (`2027-03-01`), date-times as ISO 8601
  with the UTC offset, numbers as plain numbers; yielded in chunks of lines, for a
  `StreamingHttpResponse` or a file.
- XLSX: openpyxl's write-only mode (rows go straight to a temporary file), one sheet,
  bold frozen header, numbers as number cells and dates as date cells with number
  formats; date-times in the requester's time zone without an offset (Excel has none).
Every text cell passes through `mentoring.spreadsheets.safe_cell`; XLSX also drops the
control characters XML cannot hold, before that check, so none can hide a formula.
"""

import csv
import datetime
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from mentoring.spreadsheets import FORMULA_PREFIXES, safe_cell
from reports.exports.columns import XLSX_FORMATS, Column, Kind

CSV_CHUNK_ROWS = 500
# Rows in one Excel sheet, the header included.
XLSX_MAX_ROWS = 1_048_576
BOM = "\ufeff"
NUMBER_TYPES = (int, float, Decimal)


# --- CSV ---------------------------------------------------------------------------------------


# The characters `safe_cell` neutralises, for the fast path of plain strings below (a
# million-row export calls it for every text cell; the result is the same).
_FORMULA_STARTS = frozenset(FORMULA_PREFIXES)


def _csv_text(value: Any) -> Any:
    if value.__class__ is str:
        return "'" + value if value[:1] in _FORMULA_STARTS else value
    return safe_cell(value)


def _csv_number(value: Any) -> Any:
    if value is None:
        return ""
    if value.__class__ in (int, float) or (isinstance(value, NUMBER_TYPES) and not isinstance(value, bool)):
        return value
    return safe_cell(value)


def _csv_date(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return safe_cell(value)


def _csv_datetime(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    return safe_cell(value)


def _csv_cells(columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> Iterator[list[Any]]:
    """Each row as the list of values the csv module writes: text neutralised, date-times
    in ISO 8601; ints, floats, dates and None go as they are (the csv module writes them
    as `12`, `2.5`, `2027-03-01` and an empty cell). One loop per kind of column instead
    of a call per cell: this is the hot path of a million-row export."""
    width = len(columns)
    texts = [index for index, column in enumerate(columns) if column.kind is Kind.TEXT]
    moments = [index for index, column in enumerate(columns) if column.kind is Kind.DATETIME]
    days = [index for index, column in enumerate(columns) if column.kind is Kind.DATE]
    numbers = [index for index, column in enumerate(columns) if column.kind in (Kind.INTEGER, Kind.DECIMAL)]
    for row in rows:
        if len(row) != width:
            raise ValueError(f"A row has {len(row)} values for {width} columns.")
        cells = list(row)
        for index in texts:
            value = cells[index]
            if value.__class__ is str:
                if value and value[0] in _FORMULA_STARTS:
                    cells[index] = "'" + value
            elif value is not None:
                cells[index] = safe_cell(value)
        for index in moments:
            value = cells[index]
            if value.__class__ is datetime.datetime:
                cells[index] = value.isoformat(timespec="seconds")
            elif value is not None:
                cells[index] = _csv_datetime(value)
        for index in days:
            value = cells[index]
            if value is not None and value.__class__ is not datetime.date:
                cells[index] = _csv_date(value)
        for index in numbers:
            value = cells[index]
            kind = value.__class__
            if value is not None and kind is not int and kind is not float:
                cells[index] = _csv_number(value)
        yield cells


def csv_chunks(columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The whole file as text chunks: the byte order mark and header first, then
    `CSV_CHUNK_ROWS` lines at a time (few, large writes instead of one per line)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(column.name) for column in columns])
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    pending = 0
    for cells in _csv_cells(columns, rows):
        writer.writerow(cells)
        pending += 1
        if pending == CSV_CHUNK_ROWS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue()


def write_csv(target: IO[str], columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> None:
    """Write the CSV file to a text file opened with `newline=""` and UTF-8."""
    for chunk in csv_chunks(columns, rows):
        target.write(chunk)


# --- XLSX ---------------------------------------------------------------------------------------


def _xlsx_text(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return _csv_text(ILLEGAL_CHARACTERS_RE.sub("", value)) or None
    return safe_cell(value)


class _Formatted:
    """Numbers and dates as typed cells with the column's number format; anything else
    (a figure that is a text, say) as a neutralised text cell.

    One cell per column serves every row: the write-only sheet serialises a row as soon
    as it is appended, so the cell is free again for the next row, and its number format
    is registered once instead of once per cell."""

    def __init__(self, sheet: Any, kind: Kind) -> None:
        self.kind = kind
        self.cell = WriteOnlyCell(sheet)
        self.cell.number_format = XLSX_FORMATS[kind]

    def __call__(self, value: Any) -> Any:
        if value is None:
            return None
        if self.kind is Kind.DATETIME:
            if not isinstance(value, datetime.datetime):
                return _xlsx_text(value)
            value = value.replace(tzinfo=None)  # already in the requester's zone; Excel has no offsets
        elif self.kind is Kind.DATE:
            if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
                return _xlsx_text(value)
        elif not isinstance(value, NUMBER_TYPES) or isinstance(value, bool):
            return _xlsx_text(value)
        self.cell.value = value
        return self.cell


def _new_sheet(workbook: Workbook, columns: Sequence[Column], title: str) -> tuple[Any, list]:
    sheet = workbook.create_sheet(title=title)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(column.name) + 4))
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=safe_cell(column.name))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    converters = [_xlsx_text if column.kind is Kind.TEXT else _Formatted(sheet, column.kind) for column in columns]
    return sheet, converters


def write_xlsx(
    target: str | IO[bytes],
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    title: str,
    rows_per_sheet: int = XLSX_MAX_ROWS - 1,
) -> None:
    """Write the rows to a path or binary file, in one sheet named `title` (Excel allows
    31 characters), or more when there are more rows than a sheet holds: "Meetings 2",
    "Meetings 3"…, each with the header."""
    workbook = Workbook(write_only=True)
    title = title[:24]
    sheet, converters = _new_sheet(workbook, columns, title)
    in_sheet = 0
    sheets = 1
    for row in rows:
        if in_sheet == rows_per_sheet:
            sheets += 1
            sheet, converters = _new_sheet(workbook, columns, f"{title} {sheets}")
            in_sheet = 0
        sheet.append([convert(value) for convert, value in zip(converters, row, strict=True)])
        in_sheet += 1
    workbook.save(target)
