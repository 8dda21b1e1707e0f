"""The server's SVG charts: words made from the data, no script or inline style, values labelled, labels escaped."""

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from commissioning.charts import PALETTE, Chart, Series

NS = "{http://www.w3.org/2000/svg}"
MONTHS = ["April 2026", "May 2026", "June 2026", "July 2026", "August 2026", "September 2026"]


def _parse(chart: Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg()))


def _texts(root) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


def _no_script_or_style(svg: str, root) -> None:
    assert "<script" not in svg.lower()
    assert "style=" not in svg.lower()
    assert not [e for e in root.iter() if e.tag == f"{NS}style" or e.tag == f"{NS}foreignObject"]
    assert not [a for e in root.iter() for a in e.attrib if a.lower().startswith("on")]


def test_a_bar_chart_says_what_it_shows_in_words_from_the_data():
    chart = Chart(
        kind="bar",
        title="Breaks each month",
        measure="breaks",
        category_name="month",
        categories=MONTHS,
        series=[Series("Breaks", [12, 20, 31, 25, 42, 30])],
        ordered=True,
        ident="breaks",
    )
    svg = str(chart.svg())
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "breaks-title"
    assert root.get("aria-describedby") == "breaks-desc"
    assert root.find(f"{NS}title").text == "Breaks each month"
    assert root.find(f"{NS}desc").text == (
        "Bar chart of breaks by month from April 2026 to September 2026: "
        "highest in August 2026 at 42, lowest in April 2026 at 12."
    )
    _no_script_or_style(svg, root)
    # Every bar carries its value as text (never colour alone), in the palette's first colour.
    texts = _texts(root)
    for value in ("12", "20", "31", "25", "42", "30"):
        assert value in texts
    bars = list(root.iter(f"{NS}rect"))
    assert len(bars) == 6
    assert {b.get("fill") for b in bars} == {PALETTE[0]}
    heights = [float(b.get("height")) for b in bars]
    assert heights.index(max(heights)) == 4  # August is the tallest
    assert chart.table["rows"][4] == ["August 2026", "42"]


def test_labels_are_escaped_in_the_svg_the_table_and_the_csv():
    name = '<script>alert("x")</script> & =SUM(A1)'
    chart = Chart(
        kind="bar",
        title="Carers <by> partnership",
        measure="carers",
        category_name="partnership",
        categories=[name, "Glen & Morven"],
        series=[Series("Carers", [7, 9])],
    )
    svg = str(chart.svg())
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    assert "Glen &amp; Morven" in svg
    root = ET.fromstring(svg)
    assert root.find(f"{NS}title").text == "Carers <by> partnership"
    assert name in root.find(f"{NS}desc").text or "Glen & Morven" in root.find(f"{NS}desc").text
    rows = list(csv.reader(io.StringIO(chart.csv_text())))
    assert rows[0] == ["Partnership", "Carers"]
    assert rows[1] == [name, "7"]  # starts with "<": not a formula
    formula = Chart(
        kind="bar",
        title="t",
        measure="carers",
        category_name="partnership",
        categories=["=1+1"],
        series=[Series("Carers", [5])],
    )
    assert list(csv.reader(io.StringIO(formula.csv_text())))[1] == ["'=1+1", "5"]


def test_a_line_chart_marks_each_line_by_shape_and_name_and_describes_each():
    chart = Chart(
        kind="line",
        title="Requests and breaks",
        measure="bookings",
        category_name="month",
        categories=MONTHS[:3],
        series=[Series("Requested", [10, 14, 9]), Series("Attended", [8, 8, 8])],
        ordered=True,
        ident="trend",
    )
    svg = str(chart.svg())
    root = ET.fromstring(svg)
    _no_script_or_style(svg, root)
    assert root.find(f"{NS}desc").text == (
        "Line chart of bookings by month from April 2026 to June 2026, 2 lines. "
        "Requested: highest in May 2026 at 14, lowest in June 2026 at 9; "
        "Attended: the same in every month, at 8."
    )
    lines = list(root.iter(f"{NS}polyline"))
    assert [line.get("stroke") for line in lines] == [PALETTE[0], PALETTE[1]]
    assert len(list(root.iter(f"{NS}circle"))) == 3 + 1  # three points and the legend's marker
    assert "Requested" in _texts(root)
    assert "Attended" in _texts(root)


def test_a_stacked_bar_chart_uses_a_pattern_per_part_and_labels_totals():
    chart = Chart(
        kind="stacked",
        title="Carers by kind",
        measure="carers",
        category_name="partnership",
        categories=["Glenmorven", "Eastwick"],
        series=[Series("Parent", [20, 6]), Series("Young", [5, 0]), Series("Adult", [10, 30])],
        ident="kinds",
    )
    svg = str(chart.svg())
    root = ET.fromstring(svg)
    _no_script_or_style(svg, root)
    patterns = [p.get("id") for p in root.iter(f"{NS}pattern")]
    assert patterns == ["kinds-pattern-0", "kinds-pattern-1", "kinds-pattern-2"]
    fills = {r.get("fill") for r in root.iter(f"{NS}rect") if (r.get("fill") or "").startswith("url(")}
    assert fills == {f"url(#{p})" for p in patterns}
    assert "35" in _texts(root)
    assert "36" in _texts(root)
    assert root.find(f"{NS}desc").text == (
        "Stacked bar chart of carers by partnership for 2 partnerships, each bar split into Parent, Young, Adult: "
        "totals highest in Eastwick at 36, lowest in Glenmorven at 35."
    )


def test_values_not_shown_are_said_in_words_and_left_out_of_the_drawing():
    chart = Chart(
        kind="bar",
        title="Carers",
        measure="carers",
        category_name="partnership",
        categories=["A", "B", "C"],
        series=[Series("Carers", [None, 8, 12], notes=["fewer than 5"])],
    )
    root = _parse(chart)
    assert root.find(f"{NS}desc").text == (
        "Bar chart of carers by partnership for 3 partnerships: highest in C at 12, lowest in B at 8. "
        "1 value is not shown, to protect families."
    )
    assert len(list(root.iter(f"{NS}rect"))) == 2
    assert "fewer than 5" in _texts(root)
    assert chart.table["rows"][0] == ["A", "fewer than 5"]
    assert list(csv.reader(io.StringIO(chart.csv_text())))[1] == ["A", "fewer than 5"]


def test_a_chart_with_nothing_counted_says_so():
    chart = Chart(
        kind="bar",
        title="t",
        measure="breaks",
        category_name="month",
        categories=MONTHS[:2],
        series=[Series("Breaks", [0, 0])],
        ordered=True,
    )
    assert chart.desc == "Bar chart of breaks by month from April 2026 to May 2026: no breaks recorded."


def test_a_series_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="one value per category"):
        Chart(kind="bar", title="t", measure="m", category_name="c", categories=["a"], series=[Series("s", [1, 2])])


def test_many_ties_are_counted_not_listed():
    chart = Chart(
        kind="bar",
        title="t",
        measure="carers",
        category_name="partnership",
        categories=list("ABCDEF"),
        series=[Series("Carers", [9, 0, 0, 0, 0, 7])],
    )
    assert (
        chart.desc
        == "Bar chart of carers by partnership for 6 partnerships: highest in A at 9, lowest in 4 partnerships at 0."
    )
    two = Chart(
        kind="bar",
        title="t",
        measure="carers",
        category_name="partnership",
        categories=list("ABC"),
        series=[Series("Carers", [9, 9, 1])],
    )
    assert (
        two.desc == "Bar chart of carers by partnership for 3 partnerships: highest in A and B at 9, lowest in C at 1."
    )
