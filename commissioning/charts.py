"""Charts drawn on the server as SVG: bar, line and stacked bar, each with words that say what it shows.

No JavaScript and no charting library (pygal writes an inline script, which the Content Security Policy would
block): the SVG is built with ElementTree, so every label is escaped, and it carries presentation attributes
only (fill=, stroke=, font-size=), never a style attribute, so `style-src 'self'` holds. Its size comes from the
`app-chart` class in frontend/scss/app.scss.

Accessible as the UKHSA data dashboard's charts are: `role="img"`, a <title>, and a <desc> written from the data
("Bar chart of breaks by month from April to September 2026: highest in August at 42, lowest in April at 12").
Colour is never the only signal: the Analysis Function palette, and every bar or point is labelled with its
value, each line has its own marker shape and its name at its end, each stacked segment its own pattern, with a
legend drawn the same way. Every chart comes with its data as a table (`table`) and as CSV (`csv_text`).
"""

from __future__ import annotations

import csv
import io
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.safestring import SafeString, mark_safe

from brokerage.funds.exports import neutralise

# The Analysis Function's categorical palette (dark blue, turquoise, dark pink, orange), in this order.
PALETTE = ("#12436D", "#28A197", "#801650", "#F46A25")
TEXT, GRID = "#0b0c0c", "#b1b4b6"
MARKERS = ("circle", "square", "triangle", "diamond")
WIDTH, HEIGHT = 640, 340
LEGEND_ROW = 20  # each further row of the legend makes the chart this much taller
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 24, 72


def count(value: int) -> str:
    return f"{value:,}"


@dataclass(frozen=True)
class Series:
    """One set of values, one per category; None where a value is not shown (with `notes` saying why)."""

    name: str
    values: list[int | None]
    notes: list[str | None] = field(default_factory=list)

    def note(self, i: int) -> str:
        return (self.notes[i] if i < len(self.notes) else None) or "not shown"


@dataclass(frozen=True)
class Chart:
    kind: str  # "bar", "line" or "stacked"
    title: str
    measure: str  # what is counted, plural: "breaks", "carers"
    category_name: str  # what the categories are: "month", "partnership"
    categories: list[str]
    series: list[Series]
    ordered: bool = False  # categories in order (months): the words say "from April to September"
    ident: str = "chart"  # unique on the page: the title, desc and patterns' ids start with it
    fmt: Callable[[int], str] = count
    # A stacked chart's bar totals, where they are known though a part is not (a published row total).
    totals: list[int | None] | None = None
    total_notes: list[str | None] | None = None

    def __post_init__(self):
        if self.kind not in ("bar", "line", "stacked"):
            raise ValueError(f"Unknown chart kind {self.kind!r}.")
        if not self.series or any(len(s.values) != len(self.categories) for s in self.series):
            raise ValueError("Every series needs one value per category.")

    # ------------------------------------------------------------------------------------------
    # Words
    # ------------------------------------------------------------------------------------------
    def _span(self) -> str:
        if not self.categories:
            return ""
        if self.ordered and len(self.categories) > 1:
            return f" from {self.categories[0]} to {self.categories[-1]}"
        return f" for {len(self.categories)} {self.category_name}{'' if len(self.categories) == 1 else 's'}"

    def _extremes(self, values: list[int | None]) -> str:
        known = [(v, c) for v, c in zip(values, self.categories, strict=True) if v is not None]
        if not known:
            return "no values shown"
        if all(v == 0 for v, _ in known):
            return f"no {self.measure} recorded"
        high, low = max(v for v, _ in known), min(v for v, _ in known)

        def where(target):
            names = [c for v, c in known if v == target]
            if len(names) > 3:
                return f"{len(names)} {self.category_name}s"
            return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

        if high == low:
            return f"the same in every {self.category_name}, at {self.fmt(high)}"
        return f"highest in {where(high)} at {self.fmt(high)}, lowest in {where(low)} at {self.fmt(low)}"

    def _hidden_words(self) -> str:
        hidden = sum(v is None for s in self.series for v in s.values)
        if not hidden:
            return ""
        return f" {hidden} value{' is' if hidden == 1 else 's are'} not shown, to protect families."

    @property
    def desc(self) -> str:
        of = f"{self.measure} by {self.category_name}{self._span()}"
        if self.kind == "bar":
            words = f"Bar chart of {of}: {self._extremes(self.series[0].values)}."
        elif self.kind == "line":
            lines = "; ".join(f"{s.name}: {self._extremes(s.values)}" for s in self.series)
            words = f"Line chart of {of}, {len(self.series)} line{'s' if len(self.series) > 1 else ''}. {lines}."
        else:
            parts = ", ".join(s.name for s in self.series)
            totals = self._totals()
            words = f"Stacked bar chart of {of}, each bar split into {parts}: totals {self._extremes(totals)}."
        return words + self._hidden_words()

    def _totals(self) -> list[int | None]:
        if self.totals is not None:
            return list(self.totals)
        return [
            None if any(s.values[i] is None for s in self.series) else sum(s.values[i] for s in self.series)
            for i in range(len(self.categories))
        ]

    # ------------------------------------------------------------------------------------------
    # Data
    # ------------------------------------------------------------------------------------------
    @property
    def table(self) -> dict:
        """The chart's data: the header and one row per category, each cell's text."""
        header = [self.category_name.capitalize()] + [s.name for s in self.series]
        rows = [
            [category] + [self.fmt(s.values[i]) if s.values[i] is not None else s.note(i) for s in self.series]
            for i, category in enumerate(self.categories)
        ]
        return {"header": header, "rows": rows}

    def csv_text(self) -> str:
        """The data as CSV: counts as numbers, a value not shown as its note; no text cell can start a formula."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([neutralise(self.category_name.capitalize())] + [neutralise(s.name) for s in self.series])
        for i, category in enumerate(self.categories):
            writer.writerow(
                [neutralise(category)]
                + [s.values[i] if s.values[i] is not None else neutralise(s.note(i)) for s in self.series]
            )
        return out.getvalue()

    # ------------------------------------------------------------------------------------------
    # Drawing
    # ------------------------------------------------------------------------------------------
    def svg(self) -> SafeString:
        root = ET.Element(
            "svg",
            {
                "xmlns": "http://www.w3.org/2000/svg",
                "viewBox": f"0 0 {WIDTH} {HEIGHT + LEGEND_ROW * (len(self._legend_rows()) - 1)}",
                "class": "app-chart",
                "role": "img",
                "aria-labelledby": f"{self.ident}-title",
                "aria-describedby": f"{self.ident}-desc",
                "font-family": "arial, sans-serif",
                "font-size": "14",
                "fill": TEXT,
            },
        )
        ET.SubElement(root, "title", {"id": f"{self.ident}-title"}).text = self.title
        ET.SubElement(root, "desc", {"id": f"{self.ident}-desc"}).text = self.desc
        if self.kind == "stacked":
            self._patterns(root)
        top = self._axis(root)
        getattr(self, f"_draw_{self.kind}")(root, top)
        if len(self.series) > 1:
            self._legend(root)
        return mark_safe(ET.tostring(root, encoding="unicode", short_empty_elements=True))  # noqa: S308 (escaped)

    @property
    def _plot(self):
        return LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def _axis(self, root) -> int:
        if self.kind == "stacked":
            # A bar's height is its total, or where a total is not shown, the parts that are.
            parts = [sum(s.values[i] or 0 for s in self.series) for i in range(len(self.categories))]
            values = [max(t or 0, p) for t, p in zip(self._totals(), parts, strict=True)]
        else:
            values = [v for s in self.series for v in s.values]
        top = _nice_top(max([v for v in values if v is not None] or [0]))
        x, y, w, h = self._plot
        step = top // 4 or 1
        for tick in range(0, top + 1, step):
            ty = y + h - h * tick / top
            ET.SubElement(
                root, "line", {"x1": str(x), "x2": str(x + w), "y1": f"{ty:.1f}", "y2": f"{ty:.1f}", "stroke": GRID}
            )
            label = ET.SubElement(root, "text", {"x": str(x - 8), "y": f"{ty + 5:.1f}", "text-anchor": "end"})
            label.text = self.fmt(tick)
        ET.SubElement(
            root, "line", {"x1": str(x), "x2": str(x + w), "y1": str(y + h), "y2": str(y + h), "stroke": TEXT}
        )
        band = w / max(len(self.categories), 1)
        for i, category in enumerate(self.categories):
            cx = x + band * (i + 0.5)
            label = ET.SubElement(root, "text", {"x": f"{cx:.1f}", "y": str(y + h + 20), "text-anchor": "middle"})
            for n, part in enumerate(_wrap(category)):
                ET.SubElement(label, "tspan", {"x": f"{cx:.1f}", "dy": "0" if n == 0 else "16"}).text = part
        return top

    def _bar_geometry(self, i: int):
        x, y, w, h = self._plot
        band = w / max(len(self.categories), 1)
        bar = band * 0.6
        return x + band * i + (band - bar) / 2, bar

    def _draw_bar(self, root, top):
        x, y, w, h = self._plot
        series = self.series[0]
        for i, value in enumerate(series.values):
            bx, bw = self._bar_geometry(i)
            cx = bx + bw / 2
            if value is None:
                _text(root, cx, y + h - 6, series.note(i), size="12")
                continue
            bh = h * value / top
            ET.SubElement(
                root,
                "rect",
                {
                    "x": f"{bx:.1f}",
                    "y": f"{y + h - bh:.1f}",
                    "width": f"{bw:.1f}",
                    "height": f"{bh:.1f}",
                    "fill": PALETTE[0],
                },
            )
            _text(root, cx, y + h - bh - 6, self.fmt(value))

    def _draw_stacked(self, root, top):
        x, y, w, h = self._plot
        for i in range(len(self.categories)):
            bx, bw = self._bar_geometry(i)
            base = y + h
            for n, series in enumerate(self.series):
                value = series.values[i]
                if value is None:
                    continue
                bh = h * value / top
                ET.SubElement(
                    root,
                    "rect",
                    {
                        "x": f"{bx:.1f}",
                        "y": f"{base - bh:.1f}",
                        "width": f"{bw:.1f}",
                        "height": f"{bh:.1f}",
                        "fill": f"url(#{self.ident}-pattern-{n})",
                        "stroke": "#ffffff",
                    },
                )
                if bh >= 18 and value:
                    label = _text(root, bx + bw / 2, base - bh / 2 + 5, self.fmt(value), size="12")
                    # White on the dark blue and pink, black on the turquoise and orange (each at least 4.5:1), with
                    # a halo of the part's own colour over its pattern's lines.
                    label.set("fill", "#ffffff" if n % 4 in (0, 2) else TEXT)
                    label.set("stroke", PALETTE[n % 4])
                    label.set("stroke-width", "3")
                    label.set("paint-order", "stroke")
                base -= bh
            total = self._totals()[i]
            note = (self.total_notes or [None] * (i + 1))[i] or "not shown"
            _text(root, bx + bw / 2, base - 6, self.fmt(total) if total is not None else note)

    def _draw_line(self, root, top):
        x, y, w, h = self._plot
        band = w / max(len(self.categories), 1)
        for n, series in enumerate(self.series):
            colour = PALETTE[n % 4]
            points = [(x + band * (i + 0.5), y + h - h * v / top) for i, v in enumerate(series.values) if v is not None]
            if len(points) > 1:
                ET.SubElement(
                    root,
                    "polyline",
                    {
                        "points": " ".join(f"{px:.1f},{py:.1f}" for px, py in points),
                        "fill": "none",
                        "stroke": colour,
                        "stroke-width": "3",
                    },
                )
            for (px, py), value in zip(points, [v for v in series.values if v is not None], strict=True):
                _marker(root, MARKERS[n % 4], px, py, colour)
                _text(root, px, py - 10, self.fmt(value), size="12")
            if points and len(self.series) > 1:
                label = _text(root, points[-1][0] + 8, points[-1][1] + 18, series.name, size="12")
                label.set("text-anchor", "end")

    def _patterns(self, root):
        defs = ET.SubElement(root, "defs")
        for n in range(len(self.series)):
            colour = PALETTE[n % 4]
            pattern = ET.SubElement(
                defs,
                "pattern",
                {"id": f"{self.ident}-pattern-{n}", "width": "8", "height": "8", "patternUnits": "userSpaceOnUse"},
            )
            ET.SubElement(pattern, "rect", {"width": "8", "height": "8", "fill": colour})
            # Six patterns over four colours: no two parts of a bar look alike, even in grey.
            shapes = (
                None,
                ("path", {"d": "M0,8 L8,0", "stroke": "#ffffff", "stroke-width": "2"}),
                ("circle", {"cx": "4", "cy": "4", "r": "1.5", "fill": "#ffffff"}),
                ("path", {"d": "M0,4 L8,4", "stroke": "#ffffff", "stroke-width": "2"}),
                ("path", {"d": "M4,0 L4,8", "stroke": "#ffffff", "stroke-width": "2"}),
                ("path", {"d": "M0,0 L8,8 M0,8 L8,0", "stroke": "#ffffff", "stroke-width": "1.5"}),
            )[n % 6]
            if shapes:
                ET.SubElement(pattern, shapes[0], shapes[1])

    def _legend_rows(self) -> list[list[tuple[int, float]]]:
        """The legend's items (series index, x) in rows that fit the width, each as wide as its words."""
        if len(self.series) < 2:
            return [[]]
        rows, x = [[]], LEFT
        for n, series in enumerate(self.series):
            width = 28 + 7 * len(series.name)
            if rows[-1] and x + width > WIDTH - RIGHT:
                rows.append([])
                x = LEFT
            rows[-1].append((n, x))
            x += width + 12
        return rows

    def _legend(self, root):
        for r, row in enumerate(self._legend_rows()):
            y = HEIGHT - 22 + LEGEND_ROW * r
            for n, lx in row:
                if self.kind == "stacked":
                    ET.SubElement(
                        root,
                        "rect",
                        {
                            "x": f"{lx:.1f}",
                            "y": str(y - 11),
                            "width": "14",
                            "height": "14",
                            "fill": f"url(#{self.ident}-pattern-{n})",
                        },
                    )
                else:
                    _marker(root, MARKERS[n % 4], lx + 7, y - 4, PALETTE[n % 4])
                label = ET.SubElement(root, "text", {"x": f"{lx + 20:.1f}", "y": str(y + 1), "font-size": "12"})
                label.text = self.series[n].name


def _nice_top(value: int) -> int:
    """The axis's top: a round number at least the largest value, divisible by 4 ticks (1, 2 or 5 times 10^k)."""
    if value <= 0:
        return 4
    raw = value / 4
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 2.5, 5, 10):
        step = math.ceil(factor * magnitude)
        if step * 4 >= value:
            return step * 4
    return math.ceil(raw) * 4


def _wrap(label: str, width: int = 14) -> list[str]:
    """A category label on up to two lines (the data table beside the chart has it whole)."""
    words, lines = label.split(), [""]
    for word in words:
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width and len(lines) < 2:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()
    if len(lines[-1]) > width + 2:
        lines[-1] = lines[-1][: width + 1] + "…"
    return lines


def _text(root, x: float, y: float, text: str, *, size: str = "13"):
    element = ET.SubElement(
        root, "text", {"x": f"{x:.1f}", "y": f"{y:.1f}", "text-anchor": "middle", "font-size": size}
    )
    element.text = text
    return element


def _marker(root, shape: str, x: float, y: float, colour: str):
    if shape == "circle":
        ET.SubElement(root, "circle", {"cx": f"{x:.1f}", "cy": f"{y:.1f}", "r": "5", "fill": colour})
    elif shape == "square":
        ET.SubElement(
            root, "rect", {"x": f"{x - 5:.1f}", "y": f"{y - 5:.1f}", "width": "10", "height": "10", "fill": colour}
        )
    elif shape == "triangle":
        ET.SubElement(
            root,
            "path",
            {"d": f"M{x:.1f},{y - 6:.1f} L{x + 6:.1f},{y + 5:.1f} L{x - 6:.1f},{y + 5:.1f} Z", "fill": colour},
        )
    else:
        ET.SubElement(
            root,
            "path",
            {
                "d": f"M{x:.1f},{y - 6:.1f} L{x + 6:.1f},{y:.1f} L{x:.1f},{y + 6:.1f} L{x - 6:.1f},{y:.1f} Z",
                "fill": colour,
            },
        )
