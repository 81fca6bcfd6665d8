"""Charts as inline SVG, drawn on the server so that they read without JavaScript.

A chart is a `Chart`: the SVG markup (role="img", named by its own <title> and <desc>
through aria-labelledby), a legend, and the same numbers as a table, which
templates/reports/_chart.html renders visually hidden as the text alternative. Every
piece of text goes through `format_html`, so a programme called `<script>` stays text.
Colours and sizes are SVG attributes, never inline styles, so a strict
Content-Security-Policy holds. Colours come from the Okabe-Ito palette, which people
with the common colour-vision deficiencies tell apart; the legend and the table carry
the meaning as well.
"""

import datetime
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
BLUE, ORANGE, GREEN, PINK, SKY, VERMILION, BLACK = PALETTE
GREY = "#6b7280"
INK = "#1d2433"
MUTED = "#5a6275"
GRID = "#d9dde6"
TRACK = "#eceef3"
TARGET = "#b3261e"
WIDTH = 960
HEIGHT = 280
LEFT = 48
RIGHT = 12
TOP = 14
BOTTOM = 36
FONT_SIZE = 12
MAX_X_LABELS = 16
LABEL_CHARS = 34
NO_VALUE = "\N{EN DASH}"
CHART_ID = re.compile(r"^[a-z][a-z0-9-]{0,60}$")

Number = int | float


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[Number]
    colour: str = ""


@dataclass(frozen=True)
class LegendItem:
    label: str
    colour: str
    # "bar" or "line": the legend draws a swatch or a line segment.
    mark: str = "bar"


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    description: str
    svg: SafeString
    legend: list[LegendItem]
    columns: list[str]
    rows: list[list[str]]
    is_empty: bool

    @property
    def title_id(self) -> str:
        return f"{self.chart_id}-title"

    @property
    def desc_id(self) -> str:
        return f"{self.chart_id}-desc"


# --- Small pieces ------------------------------------------------------------------------------


def format_number(value: Number | None, decimals: int = 1) -> str:
    """A number as people read it in the active language; an en dash when there is none."""
    if value is None:
        return NO_VALUE
    if isinstance(value, int) or float(value).is_integer():
        return number_format(int(value), force_grouping=True)
    return number_format(value, decimal_pos=decimals, force_grouping=True)


def _coordinate(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _join(parts: Sequence[SafeString]) -> SafeString:
    return format_html_join("", "{}", ((part,) for part in parts))


def _shorten(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _check_id(chart_id: str) -> None:
    if not CHART_ID.match(chart_id):
        raise ValueError(f"chart ids are lower-case letters, digits and dashes: {chart_id!r}")


def _colours(series: Sequence[Series]) -> list[Series]:
    return [
        item if item.colour else Series(item.label, item.values, PALETTE[index % len(PALETTE)])
        for index, item in enumerate(series)
    ]


def _svg(chart_id: str, title: str, description: str, width: float, height: float, body: SafeString) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="{}-title {}-desc" focusable="false" font-family="system-ui, sans-serif" '
        'font-size="{}"><title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        _coordinate(width), _coordinate(height), chart_id, chart_id, FONT_SIZE,
        chart_id, title, chart_id, description, body,
    )  # fmt: skip


def _text(x: float, y: float, text: str, *, anchor: str = "middle", fill: str = MUTED, weight: str = "") -> SafeString:
    if weight:
        return format_html(
            '<text x="{}" y="{}" text-anchor="{}" fill="{}" font-weight="{}">{}</text>',
            _coordinate(x), _coordinate(y), anchor, fill, weight, text,
        )  # fmt: skip
    return format_html(
        '<text x="{}" y="{}" text-anchor="{}" fill="{}">{}</text>', _coordinate(x), _coordinate(y), anchor, fill, text
    )


def _rect(x: float, y: float, width: float, height: float, fill: str, tooltip: str = "") -> SafeString:
    if tooltip:
        return format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
            _coordinate(x), _coordinate(y), _coordinate(width), _coordinate(height), fill, tooltip,
        )  # fmt: skip
    return format_html(
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
        _coordinate(x), _coordinate(y), _coordinate(width), _coordinate(height), fill,
    )  # fmt: skip


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1, dash: str = "") -> SafeString:
    if dash:
        return format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}" stroke-dasharray="{}"/>',
            _coordinate(x1), _coordinate(y1), _coordinate(x2), _coordinate(y2), stroke, _coordinate(width), dash,
        )  # fmt: skip
    return format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}"/>',
        _coordinate(x1), _coordinate(y1), _coordinate(x2), _coordinate(y2), stroke, _coordinate(width),
    )  # fmt: skip


def nice_scale(maximum: float, *, integer: bool = True) -> tuple[float, list[float]]:
    """The top of the value axis and its ticks: about four round steps above `maximum`."""
    maximum = maximum if maximum > 0 else 1
    raw = maximum / 4
    exponent = math.floor(math.log10(raw))
    fraction = raw / 10**exponent
    steps = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = next(candidate for candidate in steps if fraction <= candidate) * 10**exponent
    if integer:
        step = max(1, math.ceil(step))
    top = step * math.ceil(maximum / step - 1e-9)
    return top, [step * index for index in range(round(top / step) + 1)]


def _value_axis(top: float, ticks: list[float], plot_height: float) -> SafeString:
    parts = []
    for tick in ticks:
        y = TOP + plot_height - tick / top * plot_height
        parts.append(_line(LEFT, y, WIDTH - RIGHT, y, GRID))
        parts.append(_text(LEFT - 6, y + 4, format_number(tick), anchor="end"))
    return _join(parts)


def _category_axis(labels: Sequence[str], band: float, baseline: float) -> SafeString:
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    return _join(
        [
            _text(LEFT + (index + 0.5) * band, baseline + 18, label)
            for index, label in enumerate(labels)
            if index % every == 0
        ]
    )


def _table(label_heading: str, labels: Sequence[str], series: Sequence[Series]) -> tuple[list[str], list[list[str]]]:
    columns = [label_heading, *(item.label for item in series)]
    rows = [[label, *(format_number(item.values[index]) for item in series)] for index, label in enumerate(labels)]
    return columns, rows


def _check_lengths(labels: Sequence[str], series: Sequence[Series]) -> None:
    for item in series:
        if len(item.values) != len(labels):
            raise ValueError(f"series {item.label!r} has {len(item.values)} values for {len(labels)} labels")


# --- Charts ------------------------------------------------------------------------------------


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    long_labels: Sequence[str] | None = None,
    label_heading: str = "",
    stacked: bool = True,
) -> Chart:
    """Vertical bars per category (week, month): stacked, or side by side."""
    _check_id(chart_id)
    _check_lengths(labels, series)
    series = _colours(series)
    long_labels = list(long_labels or labels)
    count = len(labels)
    totals = [
        sum(item.values[index] for item in series)
        if stacked
        else max((item.values[index] for item in series), default=0)
        for index in range(count)
    ]
    is_empty = not any(totals)
    integer = all(isinstance(value, int) for item in series for value in item.values)
    top, ticks = nice_scale(max(totals, default=0), integer=integer)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    band = plot_width / max(count, 1)
    parts = [_value_axis(top, ticks, plot_height)]
    for index in range(count):
        left = LEFT + index * band
        stack = baseline
        for position, item in enumerate(series):
            value = item.values[index]
            if not value:
                continue
            height = value / top * plot_height
            tooltip = f"{long_labels[index]}: {item.label} {format_number(value)}"
            if stacked:
                stack -= height
                parts.append(_rect(left + band * 0.15, stack, band * 0.7, height, item.colour, tooltip))
            else:
                width = band * 0.8 / len(series)
                parts.append(
                    _rect(left + band * 0.1 + position * width, baseline - height, width, height, item.colour, tooltip)
                )
    parts.append(_line(LEFT, baseline, WIDTH - RIGHT, baseline, INK))
    parts.append(_category_axis(labels, band, baseline))
    columns, rows = _table(label_heading, long_labels, series)
    return Chart(
        chart_id=chart_id,
        title=title,
        description=description,
        svg=_svg(chart_id, title, description, WIDTH, HEIGHT, _join(parts)),
        legend=[LegendItem(item.label, item.colour) for item in series],
        columns=columns,
        rows=rows,
        is_empty=is_empty,
    )


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    long_labels: Sequence[str] | None = None,
    label_heading: str = "",
) -> Chart:
    """One line per series over the categories, with a dot on every value."""
    _check_id(chart_id)
    _check_lengths(labels, series)
    series = _colours(series)
    long_labels = list(long_labels or labels)
    count = len(labels)
    values = [value for item in series for value in item.values]
    is_empty = not any(values)
    integer = all(isinstance(value, int) for value in values)
    top, ticks = nice_scale(max(values, default=0), integer=integer)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    band = plot_width / max(count, 1)
    parts = [_value_axis(top, ticks, plot_height)]
    for item in series:
        points = [
            (LEFT + (index + 0.5) * band, baseline - value / top * plot_height)
            for index, value in enumerate(item.values)
        ]
        if len(points) > 1:
            parts.append(
                format_html(
                    '<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5" stroke-linejoin="round"/>',
                    " ".join(f"{_coordinate(x)},{_coordinate(y)}" for x, y in points),
                    item.colour,
                )
            )
        radius = 3.5 if count <= 60 else 2
        for index, (x, y) in enumerate(points):
            parts.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="{}" fill="{}"><title>{}</title></circle>',
                    _coordinate(x),
                    _coordinate(y),
                    _coordinate(radius),
                    item.colour,
                    f"{long_labels[index]}: {item.label} {format_number(item.values[index])}",
                )
            )
    parts.append(_line(LEFT, baseline, WIDTH - RIGHT, baseline, INK))
    parts.append(_category_axis(labels, band, baseline))
    columns, rows = _table(label_heading, long_labels, series)
    return Chart(
        chart_id=chart_id,
        title=title,
        description=description,
        svg=_svg(chart_id, title, description, WIDTH, HEIGHT, _join(parts)),
        legend=[LegendItem(item.label, item.colour, "line") for item in series],
        columns=columns,
        rows=rows,
        is_empty=is_empty,
    )


def hbar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[Number | None],
    targets: Sequence[Number | None] | None = None,
    maximum: float = 100,
    unit: str = "%",
    label_heading: str = "",
    value_heading: str = "",
    target_heading: str = "",
) -> Chart:
    """One horizontal bar per row (programmes side by side), with an optional target
    mark per row. Long names are shortened in the drawing, never in the table."""
    _check_id(chart_id)
    if len(values) != len(labels) or (targets is not None and len(targets) != len(labels)):
        raise ValueError("one value (and target) per label")
    row_height, label_width, right_room = 30, 260, 64
    plot_width = WIDTH - label_width - right_room
    height = TOP + len(labels) * row_height + 24
    colour = PALETTE[0]
    parts = []
    for tick in (0, maximum / 4, maximum / 2, 3 * maximum / 4, maximum):
        x = label_width + tick / maximum * plot_width
        parts.append(_line(x, TOP, x, TOP + len(labels) * row_height, GRID))
        parts.append(_text(x, height - 6, f"{format_number(tick)}{unit}"))
    for index, label in enumerate(labels):
        top = TOP + index * row_height
        middle = top + row_height / 2
        row = [_text(label_width - 8, middle + 4, _shorten(label), anchor="end", fill=INK)]
        value = values[index]
        if value is None:
            row.append(_text(label_width + 4, middle + 4, _("no data"), anchor="start"))
        else:
            width = max(0.0, min(float(value), maximum)) / maximum * plot_width
            row.append(_rect(label_width, top + row_height * 0.2, width, row_height * 0.6, colour))
            row.append(
                _text(label_width + width + 4, middle + 4, f"{format_number(value)}{unit}", anchor="start", fill=INK)
            )
        target = targets[index] if targets is not None else None
        if target is not None:
            x = label_width + max(0.0, min(float(target), maximum)) / maximum * plot_width
            row.append(_line(x, top + 2, x, top + row_height - 2, TARGET, 2.5))
        # The row's full name as its tooltip: the drawing may shorten it.
        parts.append(format_html("<g><title>{}</title>{}</g>", label, _join(row)))
    legend = [LegendItem(value_heading or title, colour)]
    columns = [label_heading, value_heading]
    if targets is not None:
        legend.append(LegendItem(target_heading, TARGET, "line"))
        columns.append(target_heading)
    rows = [
        [label, f"{format_number(values[index])}{unit if values[index] is not None else ''}"]
        + (
            [f"{format_number(targets[index])}{unit if targets[index] is not None else ''}"]
            if targets is not None
            else []
        )
        for index, label in enumerate(labels)
    ]
    return Chart(
        chart_id=chart_id,
        title=title,
        description=description,
        svg=_svg(chart_id, title, description, WIDTH, height, _join(parts)),
        legend=legend,
        columns=columns,
        rows=rows,
        is_empty=all(value is None for value in values),
    )


def rate_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    value: Number | None,
    target: Number | None,
    value_heading: str,
    target_heading: str,
) -> Chart:
    """A single percentage as a bar on a 0-100 track with the target marked."""
    _check_id(chart_id)
    height, left, right = 64, 8, 8
    track = WIDTH - left - right
    parts = [_rect(left, 24, track, 20, TRACK)]
    if value is not None:
        parts.append(_rect(left, 24, max(0.0, min(float(value), 100.0)) / 100 * track, 20, PALETTE[0]))
    if target is not None:
        x = left + max(0.0, min(float(target), 100.0)) / 100 * track
        parts.append(_line(x, 18, x, 50, TARGET, 3))
        anchor = "end" if target > 80 else "start" if target < 20 else "middle"
        parts.append(
            _text(x, 13, f"{target_heading} {format_number(target)}%", anchor=anchor, fill=TARGET, weight="600")
        )
    parts.append(_text(left, 62, "0%", anchor="start"))
    parts.append(_text(WIDTH - right, 62, "100%", anchor="end"))
    value_text = f"{format_number(value)}%" if value is not None else _("no data")
    return Chart(
        chart_id=chart_id,
        title=title,
        description=description,
        svg=_svg(chart_id, title, description, WIDTH, height, _join(parts)),
        legend=[LegendItem(value_heading, PALETTE[0]), LegendItem(target_heading, TARGET, "line")],
        columns=[value_heading, target_heading],
        rows=[[value_text, f"{format_number(target)}%" if target is not None else NO_VALUE]],
        is_empty=value is None,
    )


# --- The dashboards' charts --------------------------------------------------------------------


def bucket_labels(unit: str, buckets: Sequence[datetime.date]) -> tuple[list[str], list[str]]:
    """Short labels for the axis and long ones for the table and tooltips."""
    if unit == "week":
        return (
            [date_format(bucket, "j M") for bucket in buckets],
            [_("Week of %(date)s") % {"date": date_format(bucket, "j M Y")} for bucket in buckets],
        )
    return [date_format(bucket, "M Y") for bucket in buckets], [date_format(bucket, "F Y") for bucket in buckets]


def dashboard_charts(*, figures: dict[str, Any], series: dict[str, Any]) -> dict[str, Chart]:
    """The programme dashboard's charts, from `reports.figures` numbers."""
    unit = series["unit"]
    labels, long_labels = bucket_labels(unit, series["buckets"])
    heading = _("Week") if unit == "week" else _("Month")
    meetings = series["meetings"]
    matches = series["matches"]
    goals = series["goals"]
    matching = figures["matching"]
    rate = matching["match_rate"]
    target = matching["match_rate_target"]
    if rate is None:
        rate_text = _("No approved mentees yet.")
    else:
        rate_text = _("%(rate)s%% of approved mentees have a match; the target is %(target)s%%.") % {
            "rate": format_number(rate),
            "target": format_number(target),
        }
    return {
        "match_rate": rate_chart(
            chart_id="chart-match-rate",
            title=_("Match rate"),
            description=rate_text,
            value=rate,
            target=target,
            value_heading=_("Match rate"),
            target_heading=_("Target"),
        ),
        "meetings": bar_chart(
            chart_id="chart-meetings",
            title=_("Meetings per week") if unit == "week" else _("Meetings per month"),
            description=_(
                "Meetings by their planned start and what became of them: held, still scheduled or not logged, "
                "cancelled, postponed, or a no-show."
            ),
            labels=labels,
            long_labels=long_labels,
            label_heading=heading,
            series=[
                Series(_("Held"), meetings["held"], BLUE),
                Series(_("Scheduled or not logged"), meetings["scheduled"], SKY),
                Series(_("Cancelled"), meetings["cancelled"], VERMILION),
                Series(_("Postponed"), meetings["rescheduled"], ORANGE),
                Series(_("No-show"), meetings["no_show"], PINK),
            ],
        ),
        "matches": line_chart(
            chart_id="chart-matches",
            title=_("Matches over time"),
            description=_(
                "Matches by status at the end of each %(unit)s: waiting to start (proposed or accepted), active, "
                "and ended so far."
            )
            % {"unit": _("week") if unit == "week" else _("month")},
            labels=labels,
            long_labels=long_labels,
            label_heading=heading,
            series=[
                Series(_("Waiting to start"), matches["waiting"], ORANGE),
                Series(_("Active"), matches["active"], BLUE),
                Series(_("Ended"), matches["ended"], GREY),
            ],
        ),
        "goals": bar_chart(
            chart_id="chart-goals",
            title=_("Goal completion"),
            description=_("Goals set and goals achieved in each %(unit)s.")
            % {"unit": _("week") if unit == "week" else _("month")},
            labels=labels,
            long_labels=long_labels,
            label_heading=heading,
            stacked=False,
            series=[
                Series(_("Goals set"), goals["created"], SKY),
                Series(_("Goals achieved"), goals["achieved"], GREEN),
            ],
        ),
    }


def overview_charts(*, overview: dict[str, Any]) -> dict[str, Chart]:
    """The HR overview's charts: match rate per programme against its target, and the
    monthly trends across programmes."""
    programmes = overview["programmes"]
    trends = overview["trends"]
    labels, long_labels = bucket_labels("month", trends["buckets"])
    return {
        "match_rates": hbar_chart(
            chart_id="chart-programme-match-rates",
            title=_("Match rate by programme"),
            description=_(
                "The share of approved mentees with a match in each programme, with the programme's target marked."
            ),
            labels=[figures["programme"]["name"] for figures in programmes],
            values=[figures["matching"]["match_rate"] for figures in programmes],
            targets=[figures["matching"]["match_rate_target"] for figures in programmes],
            label_heading=_("Programme"),
            value_heading=_("Match rate"),
            target_heading=_("Target"),
        ),
        "trends": line_chart(
            chart_id="chart-trends",
            title=_("Trends by month"),
            description=_(
                "Across all programmes, month by month: people who joined, matches started, meetings held and "
                "goals achieved."
            ),
            labels=labels,
            long_labels=long_labels,
            label_heading=_("Month"),
            series=[
                Series(
                    _("People who joined"),
                    [a + b for a, b in zip(trends["mentors_joined"], trends["mentees_joined"], strict=True)],
                ),
                Series(_("Matches started"), trends["matches_started"]),
                Series(_("Meetings held"), trends["meetings_held"]),
                Series(_("Goals achieved"), trends["goals_achieved"]),
            ],
        ),
    }
