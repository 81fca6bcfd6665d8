"""Server-drawn SVG charts: accessible markup, a text alternative, escaped text."""

import datetime
import re
from xml.etree import ElementTree

import pytest
from django.template.loader import render_to_string

from reports import charts
from reports.charts import Series

SVG = "{http://www.w3.org/2000/svg}"


def _parse(chart: charts.Chart) -> ElementTree.Element:
    return ElementTree.fromstring(str(chart.svg))  # noqa: S314 -- markup we just drew, not untrusted input


def _bars(**overrides) -> charts.Chart:
    arguments = {
        "chart_id": "chart-test",
        "title": "Meetings per week",
        "description": "Held and cancelled meetings.",
        "labels": ["1 Mar", "8 Mar", "15 Mar"],
        "series": [Series("Held", [1, 4, 0]), Series("Cancelled", [2, 0, 0])],
        "label_heading": "Week",
    }
    return charts.bar_chart(**{**arguments, **overrides})


def test_svg_is_an_image_named_by_its_title_and_description():
    svg = _parse(_bars())

    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "chart-test-title chart-test-desc"
    assert svg.find(f"{SVG}title").get("id") == "chart-test-title"
    assert svg.find(f"{SVG}title").text == "Meetings per week"
    assert svg.find(f"{SVG}desc").get("id") == "chart-test-desc"
    assert svg.find(f"{SVG}desc").text == "Held and cancelled meetings."


def test_stacked_bars_one_rectangle_per_value_with_a_tooltip():
    svg = _parse(_bars())

    rects = svg.findall(f"{SVG}rect")
    assert len(rects) == 3  # 1 + 2 in the first week, 4 in the second, nothing in the third
    assert [rect.find(f"{SVG}title").text for rect in rects] == ["1 Mar: Held 1", "1 Mar: Cancelled 2", "8 Mar: Held 4"]
    # The first week's stack: Held at the bottom, Cancelled on top of it.
    held, cancelled = rects[0], rects[1]
    assert float(cancelled.get("y")) + float(cancelled.get("height")) == pytest.approx(float(held.get("y")))


def test_table_is_the_text_alternative():
    chart = _bars()

    assert chart.columns == ["Week", "Held", "Cancelled"]
    assert chart.rows == [["1 Mar", "1", "2"], ["8 Mar", "4", "0"], ["15 Mar", "0", "0"]]
    assert not chart.is_empty


def test_template_renders_svg_legend_and_hidden_table():
    html = render_to_string("reports/_chart.html", {"chart": _bars()})

    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert '<table class="visually-hidden">' in html
    assert "<caption>Meetings per week: Held and cancelled meetings.</caption>" in html
    assert '<th scope="row">8 Mar</th><td>4</td><td>0</td>' in html
    assert 'class="chart-legend"' in html


def test_empty_chart_shows_a_message_instead():
    chart = _bars(series=[Series("Held", [0, 0, 0])])

    html = render_to_string("reports/_chart.html", {"chart": chart, "empty_text": "No meetings in this period."})

    assert chart.is_empty
    assert "No meetings in this period." in html
    assert "<svg" not in html


def test_text_is_escaped_everywhere():
    evil = '<script>alert("x")</script> & Co'
    chart = charts.hbar_chart(
        chart_id="chart-evil",
        title=evil,
        description=evil,
        labels=[evil, "Plain"],
        values=[50.0, None],
        targets=[70, 70],
        label_heading="Programme",
        value_heading="Match rate",
        target_heading="Target",
    )

    markup = str(chart.svg)
    svg = _parse(chart)  # still well-formed XML

    assert "<script>" not in markup
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in markup
    assert svg.find(f"{SVG}title").text == evil
    html = render_to_string("reports/_chart.html", {"chart": chart})
    assert "<script>" not in html
    assert chart.rows[0][0] == evil  # autoescaped by the template, shown in full


def test_long_names_are_shortened_in_the_drawing_only():
    name = "A programme with a very long name that does not fit"
    chart = charts.hbar_chart(
        chart_id="chart-long", title="t", description="d", labels=[name], values=[10], value_heading="Rate"
    )

    texts = [text.text for text in _parse(chart).iter(f"{SVG}text")]

    assert any(text and text.endswith("…") and len(text) <= charts.LABEL_CHARS for text in texts)
    assert _parse(chart).find(f"{SVG}g/{SVG}title").text == name
    assert chart.rows[0][0] == name


def test_line_chart_has_a_polyline_per_series_and_dots():
    chart = charts.line_chart(
        chart_id="chart-lines",
        title="Matches",
        description="Active over time.",
        labels=["Jan", "Feb", "Mar"],
        series=[Series("Active", [1, 2, 3]), Series("Ended", [0, 0, 1])],
    )

    svg = _parse(chart)

    assert len(svg.findall(f"{SVG}polyline")) == 2
    assert len(svg.findall(f"{SVG}circle")) == 6
    assert [item.mark for item in chart.legend] == ["line", "line"]


def test_rate_chart_marks_the_target():
    chart = charts.rate_chart(
        chart_id="chart-rate",
        title="Match rate",
        description="75% matched, target 70%.",
        value=75.0,
        target=70,
        value_heading="Match rate",
        target_heading="Target",
    )

    svg = _parse(chart)

    lines = svg.findall(f"{SVG}line")
    assert len(lines) == 1
    assert float(lines[0].get("x1")) == pytest.approx(8 + 0.7 * (charts.WIDTH - 16))
    assert chart.rows == [["75%", "70%"]]
    assert any(text.text == "Target 70%" for text in svg.iter(f"{SVG}text"))


def test_rate_chart_without_a_value_is_empty():
    chart = charts.rate_chart(
        chart_id="chart-rate",
        title="Match rate",
        description="No mentees.",
        value=None,
        target=70,
        value_heading="Match rate",
        target_heading="Target",
    )

    assert chart.is_empty


@pytest.mark.parametrize(
    ("maximum", "top", "ticks"),
    [(0, 1, [0, 1]), (1, 1, [0, 1]), (7, 8, [0, 2, 4, 6, 8]), (23, 30, [0, 10, 20, 30]), (950, 1000, None)],
)
def test_value_axis_has_round_steps(maximum, top, ticks):
    found_top, found_ticks = charts.nice_scale(maximum)

    assert found_top == top
    if ticks is not None:
        assert found_ticks == ticks


@pytest.mark.parametrize("chart_id", ["Chart", "chart id", 'x" onload="alert(1)', ""])
def test_chart_ids_are_checked(chart_id):
    with pytest.raises(ValueError, match="chart ids"):
        _bars(chart_id=chart_id)


def test_series_must_match_the_labels():
    with pytest.raises(ValueError, match="values for 3 labels"):
        _bars(series=[Series("Held", [1, 2])])


def test_many_categories_thin_out_the_axis_labels():
    labels = [f"W{index}" for index in range(40)]

    svg = _parse(_bars(labels=labels, series=[Series("Held", list(range(40)))]))

    shown = [text.text for text in svg.iter(f"{SVG}text") if text.text and re.fullmatch(r"W\d+", text.text)]
    assert len(shown) <= charts.MAX_X_LABELS
    assert shown[0] == "W0"


def test_bucket_labels():
    weeks = charts.bucket_labels("week", [datetime.date(2026, 3, 2)])
    months = charts.bucket_labels("month", [datetime.date(2026, 3, 1)])

    assert weeks == (["2 Mar"], ["Week of 2 Mar 2026"])
    assert months == (["Mar 2026"], ["March 2026"])
