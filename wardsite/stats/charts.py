"""Horizontal bar charts drawn on the server as SVG geometry.

The template `stats/_bar_chart.html` turns a `BarChart` into inline SVG with
presentation attributes only (the CSP forbids inline styles), next to the same
figures as a table, so nothing needs JavaScript and screen readers get the table.
"""

from __future__ import annotations

from dataclasses import dataclass

LABEL_WIDTH = 220  # room for a residential group or procedure name
BAR_AREA = 300
VALUE_WIDTH = 60
ROW_HEIGHT = 30
BAR_HEIGHT = 20
TOP = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | float
    y: int
    width: float

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT // 2 + 5


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def bar_x(self) -> int:
        return self.label_width + 8


def bar_chart(rows: list[tuple[str, int | float]]) -> BarChart:
    """Bars for (label, value) rows, longest for the largest value."""
    top = max((value for _, value in rows), default=0) or 1
    bars = []
    for index, (label, value) in enumerate(rows):
        label = str(label)
        if len(label) > 30:  # the full name stays in the table beside the chart
            label = label[:29] + "…"
        width = round(BAR_AREA * max(value, 0) / top, 1)
        bars.append(Bar(label=label, value=value, y=TOP + index * ROW_HEIGHT, width=width))
    height = TOP * 2 + max(len(rows), 1) * ROW_HEIGHT
    return BarChart(bars=bars, width=LABEL_WIDTH + 8 + BAR_AREA + VALUE_WIDTH, height=height)
