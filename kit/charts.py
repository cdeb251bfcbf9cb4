"""Charts drawn on the server as SVG: no JavaScript, no CDN, the same in every browser and in a
screenshot. Every chart scales to its container (a viewBox and width 100%), so a 390 px phone
shows it whole; it is an image with a title for screen readers (role="img"), its figures are
written as text beside the bars, and a bar with a url is a link (the drill-down).

The numbers are one click away as a table with CSV/XLSX exports: `ChartTable` holds the rows
(raw values for the exports, formatted for the page) and `templates/kit/chart_with_table.html`
shows the chart, then "Show the numbers", then the export links. `table_download` writes a table
through kit.spreadsheets (formula-safe) for a view's `?export=csv|xlsx&chart=<key>`.

Values are Decimal (money, quantities); nothing here knows a currency: `value_format` turns a
value into the text shown (e.g. `lambda v: format_money(v, "CNY")`).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count

from django.http import HttpResponse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kit.spreadsheets import FORMATS, download

WIDTH = 360  # viewBox units; drawn at the container's width
LABEL_HEIGHT = 14
BAR_HEIGHT = 14
ROW_GAP = 8
VALUE_SPACE = 110  # right of the longest bar, for its figure
TOP = 6
LINE_HEIGHT = 200
X_LABELS = 4  # x-axis labels a line chart writes (a month's name fits four times in 360 units)
# Colour-blind-safe (Okabe-Ito), in the order series and stack segments take them.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
PREVIOUS_COLOUR = "#333333"
FONT = 'font-family="system-ui, sans-serif" font-size="11"'

_ids = count(1)


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    url: str = ""
    previous: Decimal | None = None


@dataclass(frozen=True)
class Series:
    label: str
    points: list[tuple[str, Decimal]]


def _svg(*, title: str, height: float, body: list[str], css_class: str) -> SafeString:
    """The outer <svg>: scaled to its container, an image titled for screen readers."""
    title_id = f"chart-title-{next(_ids)}"
    return mark_safe(
        f'<svg class="chart {css_class}" role="img" aria-labelledby="{title_id}" '
        f'viewBox="0 0 {WIDTH} {_n(height)}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg" {FONT}>'
        f'<title id="{title_id}">{escape(title)}</title>' + "".join(body) + "</svg>"
    )


def _n(number: float) -> str:
    """A coordinate, short: 12.5 not 12.500000001."""
    return f"{number:.1f}".rstrip("0").rstrip(".")


def _linked(url: str, content: str) -> str:
    return f'<a href="{escape(url)}">{content}</a>' if url else content


def _scale(values: Sequence[Decimal], width: float) -> Callable[[Decimal], float]:
    """x of a value on a scale from min(0, values) to max(0, values) over `width`."""
    low = min([Decimal(0), *values])
    high = max([Decimal(0), *values])
    span = (high - low) or Decimal(1)
    return lambda value: float((Decimal(value) - low) / span) * width


def bar_chart(bars: list[Bar], *, title: str, value_format=str) -> SafeString:
    """Horizontal bars, one row each: its label above, the bar, its figure at the bar's end; a
    bar's `previous` value (e.g. the last period) is a thin dark mark across it."""
    plot = WIDTH - VALUE_SPACE
    values = [bar.value for bar in bars] + [bar.previous for bar in bars if bar.previous is not None]
    x = _scale(values, plot)
    zero = x(Decimal(0))
    row = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    body = []
    for index, bar in enumerate(bars):
        top = TOP + index * row
        bar_top = top + LABEL_HEIGHT
        start, end = sorted((zero, x(bar.value)))
        figure = escape(value_format(bar.value))
        tooltip = f"{escape(bar.label)}: {figure}"
        parts = [
            f'<text class="chart-label" x="0" y="{_n(top + 11)}">{escape(bar.label)}</text>',
            f'<rect class="chart-bar" x="{_n(start)}" y="{_n(bar_top)}" width="{_n(max(end - start, 1))}" '
            f'height="{BAR_HEIGHT}" fill="{PALETTE[0]}"><title>{tooltip}</title></rect>',
            f'<text class="chart-value" x="{_n(max(end, zero) + 4)}" y="{_n(bar_top + 11)}">{figure}</text>',
        ]
        if bar.previous is not None:
            mark = x(bar.previous)
            previous = escape(value_format(bar.previous))
            parts.append(
                f'<line class="chart-previous" x1="{_n(mark)}" x2="{_n(mark)}" y1="{_n(bar_top - 2)}" '
                f'y2="{_n(bar_top + BAR_HEIGHT + 2)}" stroke="{PREVIOUS_COLOUR}" stroke-width="2">'
                f"<title>{escape(bar.label)}: {previous}</title></line>"
            )
        body.append(_linked(bar.url, f'<g class="chart-row">{"".join(parts)}</g>'))
    if bars:
        body.insert(0, _axis(zero, TOP, TOP + len(bars) * row - ROW_GAP))
    height = TOP + max(len(bars), 1) * row
    return _svg(title=title, height=height, body=body, css_class="chart-bars")


def _axis(x: float, top: float, bottom: float) -> str:
    return f'<line class="chart-axis" x1="{_n(x)}" x2="{_n(x)}" y1="{_n(top)}" y2="{_n(bottom)}" stroke="#999"/>'


def stacked_bar_chart(
    bars: list[tuple[str, list[tuple[str, Decimal]]]],
    *,
    title: str,
    value_format=str,
    urls: Mapping[str, str] | Sequence[str] | None = None,
) -> SafeString:
    """Horizontal bars made of segments (e.g. aging buckets per customer): a legend of the
    segment names first, then per bar its label, the segments and its total as text. `urls` gives
    a bar's link, by label (a mapping) or by position (a sequence)."""
    keys = list(dict.fromkeys(key for _label, segments in bars for key, _value in segments))
    colour = {key: PALETTE[index % len(PALETTE)] for index, key in enumerate(keys)}
    legend, legend_height = _legend(keys, colour)
    plot = WIDTH - VALUE_SPACE
    totals = [sum((max(value, Decimal(0)) for _k, value in segments), Decimal(0)) for _l, segments in bars]
    x = _scale(totals, plot)
    row = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    body = [legend]
    for index, ((label, segments), total) in enumerate(zip(bars, totals, strict=True)):
        top = legend_height + index * row
        bar_top = top + LABEL_HEIGHT
        parts = [f'<text class="chart-label" x="0" y="{_n(top + 11)}">{escape(label)}</text>']
        running = Decimal(0)
        for key, value in segments:
            if value <= 0:
                continue
            start, running = x(running), running + value
            parts.append(
                f'<rect class="chart-segment" x="{_n(start)}" y="{_n(bar_top)}" width="{_n(x(running) - start)}" '
                f'height="{BAR_HEIGHT}" fill="{colour[key]}"><title>{escape(label)}, {escape(key)}: '
                f"{escape(value_format(value))}</title></rect>"
            )
        parts.append(
            f'<text class="chart-value" x="{_n(x(total) + 4)}" y="{_n(bar_top + 11)}">'
            f"{escape(value_format(total))}</text>"
        )
        body.append(_linked(_url_of(urls, index, label), f'<g class="chart-row">{"".join(parts)}</g>'))
    height = legend_height + max(len(bars), 1) * row
    return _svg(title=title, height=height, body=body, css_class="chart-stacked")


def _url_of(urls, index: int, label: str) -> str:
    if urls is None:
        return ""
    if isinstance(urls, Mapping):
        return urls.get(label, "")
    return urls[index] if index < len(urls) else ""


def _legend(keys: list[str], colour: dict[str, str]) -> tuple[str, float]:
    """Swatches and names, wrapped over as many lines as the width needs."""
    items, x, y = [], 0.0, TOP
    for key in keys:
        width = 14 + 6.5 * len(key) + 12
        if x and x + width > WIDTH:
            x, y = 0.0, y + 16
        items.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="10" height="10" fill="{colour[key]}"/>'
            f'<text x="{_n(x + 14)}" y="{_n(y + 9)}">{escape(key)}</text>'
        )
        x += width
    height = (y + 16 + 4) if keys else TOP
    return f'<g class="chart-legend">{"".join(items)}</g>', height


def line_chart(series: list[Series], *, title: str, value_format=str) -> SafeString:
    """One line per series over shared x labels (periods), a point per value with its figure as
    a tooltip, each series' last figure written at its end, the legend above."""
    labels = list(dict.fromkeys(label for one in series for label, _value in one.points))
    keys = [one.label for one in series]
    colour = {key: PALETTE[index % len(PALETTE)] for index, key in enumerate(keys)}
    legend, legend_height = _legend(keys, colour)
    values = [value for one in series for _label, value in one.points]
    plot_top, plot_bottom = legend_height + 4, legend_height + LINE_HEIGHT
    left, right = 4.0, WIDTH - VALUE_SPACE + 30
    low = min([Decimal(0), *values])
    high = max([Decimal(0), *values])
    span = (high - low) or Decimal(1)

    def y(value: Decimal) -> float:
        return plot_bottom - float((Decimal(value) - low) / span) * (plot_bottom - plot_top)

    step = (right - left) / max(len(labels) - 1, 1)
    position = {label: left + index * step for index, label in enumerate(labels)}
    body = [legend, _baseline(left, right, y(Decimal(0)))]
    for one in series:
        if not one.points:
            continue
        points = " ".join(f"{_n(position[label])},{_n(y(value))}" for label, value in one.points)
        dots = "".join(
            f'<circle cx="{_n(position[label])}" cy="{_n(y(value))}" r="3" fill="{colour[one.label]}">'
            f"<title>{escape(one.label)}, {escape(label)}: {escape(value_format(value))}</title></circle>"
            for label, value in one.points
        )
        last_label, last_value = one.points[-1]
        body.append(
            f'<g class="chart-series"><polyline points="{points}" fill="none" stroke="{colour[one.label]}" '
            f'stroke-width="2"/>{dots}<text class="chart-value" x="{_n(position[last_label] + 6)}" '
            f'y="{_n(y(last_value) + 4)}">{escape(value_format(last_value))}</text></g>'
        )
    body.append(_x_labels(labels, position, plot_bottom))
    return _svg(title=title, height=plot_bottom + 30, body=body, css_class="chart-lines")


def _baseline(left: float, right: float, y: float) -> str:
    return f'<line class="chart-axis" x1="{_n(left)}" x2="{_n(right)}" y1="{_n(y)}" y2="{_n(y)}" stroke="#999"/>'


def _x_labels(labels: list[str], position: dict[str, float], bottom: float) -> str:
    """The first, the last and evenly between them as many as fit a phone's width without
    overlapping (X_LABELS in all); the first starts at its point, the last ends at its point."""
    if len(labels) <= X_LABELS:
        shown = labels
    else:
        step = (len(labels) - 1) / (X_LABELS - 1)
        shown = [labels[round(index * step)] for index in range(X_LABELS)]
    texts = []
    for index, label in enumerate(shown):
        anchor = "middle"
        if len(shown) > 1 and index == 0:
            anchor = "start"
        elif len(shown) > 1 and index == len(shown) - 1:
            anchor = "end"
        texts.append(
            f'<text class="chart-x" x="{_n(position[label])}" y="{_n(bottom + 16)}" text-anchor="{anchor}">'
            f"{escape(label)}</text>"
        )
    return f'<g class="chart-x-labels">{"".join(texts)}</g>'


@dataclass(frozen=True)
class ChartTable:
    """A chart's numbers: `rows` hold raw values (what the exports write), `formats` per column
    turn them into the page's text (default str); `urls` per row link the table's first cell to
    the same drill-down as the bar."""

    key: str
    title: str
    headers: list[str]
    rows: list[list]
    formats: tuple = ()
    urls: list[str] = field(default_factory=list)
    # Rows shown on the page (the first ones); the exports have every row. None: all.
    limit: int | None = None
    # How many rows there are in all, when `rows` holds only the first ones (read so, to spare
    # the page the rest); None: `rows` is all of them.
    total: int | None = None

    @property
    def hidden_rows(self) -> int:
        """Rows left off the page (in the exports only)."""
        if self.limit is None:
            return 0
        return max(0, (len(self.rows) if self.total is None else self.total) - self.limit)

    def display_rows(self) -> list[tuple[str, list[str]]]:
        shown = []
        for index, row in enumerate(self.rows[: self.limit]):
            cells = []
            for column, value in enumerate(row):
                form = self.formats[column] if column < len(self.formats) and self.formats[column] else str
                cells.append("" if value is None else form(value))
            shown.append((self.urls[index] if index < len(self.urls) else "", cells))
        return shown


def export_query(query, *, key: str) -> dict[str, str]:
    """The CSV and XLSX links of one chart: the page's own query (its filters) plus
    `export=<fmt>&chart=<key>`; `query` is request.GET."""
    links = {}
    for fmt in FORMATS:
        params = query.copy()
        params["export"] = fmt
        params["chart"] = key
        links[fmt] = "?" + params.urlencode()
    return links


def table_download(table: ChartTable, *, fmt: str, name: str) -> HttpResponse:
    """The table as a CSV/XLSX attachment, written by kit.spreadsheets (formula-safe)."""
    sheet = download(name, fmt, [str(header) for header in table.headers], table.rows, str(table.title))
    response = HttpResponse(sheet.content, content_type=sheet.content_type)
    response["Content-Disposition"] = f'attachment; filename="{sheet.filename}"'
    return response
