"""Server-rendered charts: parsed as XML, they are scaled images with titles, their figures as
text, their bars as links, and their numbers one click away as a table and an export."""

import io
import xml.etree.ElementTree as ET
from decimal import Decimal

import openpyxl
import pytest
from django.http import QueryDict
from django.template.loader import render_to_string

from kit.charts import Bar, ChartTable, Series, bar_chart, export_query, line_chart, stacked_bar_chart, table_download

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


def _texts(root, css_class) -> list[str]:
    return [node.text for node in root.iter(f"{SVG}text") if node.get("class") == css_class]


def _money(value) -> str:
    return f"¥{value:,.2f}"


def test_a_bar_chart_is_a_titled_image_that_scales_to_a_phone():
    root = _parse(bar_chart([Bar("East", Decimal("10"))], title="Revenue by region"))
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox").startswith("0 0 360 ")
    title = root.find(f"{SVG}title")
    assert title.text == "Revenue by region"
    assert root.get("aria-labelledby") == title.get("id")


def test_each_bar_shows_its_label_and_figure_and_links_to_its_drill_down():
    bars = [
        Bar("East", Decimal("1500"), url="/admin/orders/?region=1&placed_from=2026-01-01"),
        Bar("West", Decimal("500")),
    ]
    root = _parse(bar_chart(bars, title="Revenue", value_format=_money))
    assert _texts(root, "chart-label") == ["East", "West"]
    assert _texts(root, "chart-value") == ["¥1,500.00", "¥500.00"]
    links = list(root.iter(f"{SVG}a"))
    assert [link.get("href") for link in links] == ["/admin/orders/?region=1&placed_from=2026-01-01"]
    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] == pytest.approx(3 * widths[1], abs=0.2)


def test_a_previous_value_is_a_mark_at_its_place_on_the_same_scale():
    root = _parse(bar_chart([Bar("East", Decimal("100"), previous=Decimal("50"))], title="Revenue"))
    bar = next(root.iter(f"{SVG}rect"))
    mark = next(line for line in root.iter(f"{SVG}line") if line.get("class") == "chart-previous")
    assert float(mark.get("x1")) == float(bar.get("width")) / 2
    assert mark.find(f"{SVG}title").text == "East: 50"


def test_a_negative_bar_is_drawn_left_of_zero():
    root = _parse(bar_chart([Bar("Margin", Decimal("-50")), Bar("Revenue", Decimal("150"))], title="t"))
    negative, positive = list(root.iter(f"{SVG}rect"))
    zero = float(negative.get("x")) + float(negative.get("width"))
    assert float(positive.get("x")) == zero
    assert float(positive.get("width")) == pytest.approx(3 * float(negative.get("width")), abs=0.2)


def test_text_is_escaped():
    root = _parse(bar_chart([Bar("<script>&", Decimal("1"), url="/x?a=1&b=<2>")], title="a < b"))
    assert _texts(root, "chart-label") == ["<script>&"]
    assert root.find(f"{SVG}title").text == "a < b"
    assert next(root.iter(f"{SVG}a")).get("href") == "/x?a=1&b=<2>"


def test_an_empty_chart_is_still_a_valid_image():
    for svg in (bar_chart([], title="t"), line_chart([], title="t"), stacked_bar_chart([], title="t")):
        assert _parse(svg).get("role") == "img"


def test_a_line_chart_draws_a_line_per_series_with_every_point_titled():
    series = [
        Series("2026", [("Jan", Decimal("10")), ("Feb", Decimal("30")), ("Mar", Decimal("20"))]),
        Series("2025", [("Jan", Decimal("5")), ("Feb", Decimal("8"))]),
    ]
    root = _parse(line_chart(series, title="Revenue by month", value_format=_money))
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 2
    first = [tuple(map(float, point.split(","))) for point in lines[0].get("points").split()]
    assert [x for x, _y in first] == sorted(x for x, _y in first)
    # Higher values are higher on the page (smaller y): Feb (30) above Mar (20) above Jan (10).
    assert first[1][1] < first[2][1] < first[0][1]
    titles = [circle.find(f"{SVG}title").text for circle in root.iter(f"{SVG}circle")]
    assert "2026, Feb: ¥30.00" in titles and len(titles) == 5
    assert _texts(root, "chart-value") == ["¥20.00", "¥8.00"]
    assert [node.text for node in root.iter(f"{SVG}text") if node.get("class") == "chart-x"] == ["Jan", "Feb", "Mar"]


def test_a_stacked_bar_adds_its_segments_and_links_by_label():
    bars = [
        ("Acme", [("Current", Decimal("100")), ("1-30", Decimal("50")), ("90+", Decimal("0"))]),
        ("Bolt", [("Current", Decimal("30")), ("90+", Decimal("120"))]),
    ]
    root = _parse(stacked_bar_chart(bars, title="Aging", urls={"Bolt": "/aging/?company=2"}))
    segments = [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "chart-segment"]
    assert len(segments) == 4  # the zero segment is not drawn
    acme = [float(rect.get("width")) for rect in segments[:2]]
    assert acme[0] == pytest.approx(2 * acme[1], abs=0.2)
    assert _texts(root, "chart-value") == ["150", "150"]
    assert [link.get("href") for link in root.iter(f"{SVG}a")] == ["/aging/?company=2"]
    legend = [node.text for node in root.find(f"{SVG}g").iter(f"{SVG}text")]
    assert legend == ["Current", "1-30", "90+"]
    by_position = _parse(stacked_bar_chart(bars, title="Aging", urls=["/a", "/b"]))
    assert [link.get("href") for link in by_position.iter(f"{SVG}a")] == ["/a", "/b"]


def _table():
    return ChartTable(
        key="region",
        title="Revenue by region",
        headers=["Region", "Revenue"],
        rows=[["East", Decimal("1500")], ["=cmd()", Decimal("500")]],
        formats=(None, _money),
        urls=["/orders/?region=1"],
    )


def test_the_numbers_are_a_table_under_the_chart_with_export_links():
    table = _table()
    html = render_to_string(
        "kit/chart_with_table.html",
        {
            "chart": bar_chart([Bar("East", Decimal("1500"))], title=table.title),
            "table": table,
            "exports": export_query(QueryDict("period=month"), key=table.key),
        },
    )
    assert html.index("<svg") < html.index("<details") < html.index("Download CSV")
    assert '<a href="/orders/?region=1">East</a>' in html
    assert "<td>¥1,500.00</td>" in html
    assert "?period=month&amp;export=csv&amp;chart=region" in html
    assert "?period=month&amp;export=xlsx&amp;chart=region" in html


def test_a_table_exports_raw_values_formula_safe():
    response = table_download(_table(), fmt="xlsx", name="revenue-region")
    assert response["Content-Disposition"] == 'attachment; filename="revenue-region.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Region", "Revenue"]
    assert rows[1] == ["East", 1500]
    assert rows[2][0] == "'=cmd()"
    csv = table_download(_table(), fmt="csv", name="revenue-region").content.decode("utf-8-sig")
    assert csv.splitlines()[1] == "East,1500"


def test_a_long_trend_names_four_periods_so_they_do_not_overlap_on_a_phone():
    months = [f"M{n:02d}" for n in range(1, 13)]
    root = _parse(line_chart([Series("Revenue", [(m, Decimal(n)) for n, m in enumerate(months)])], title="t"))
    labels = [node for node in root.iter(f"{SVG}text") if node.get("class") == "chart-x"]
    assert [node.text for node in labels] == ["M01", "M05", "M08", "M12"]
    assert [node.get("text-anchor") for node in labels] == ["start", "middle", "middle", "end"]
