"""Horizontal bar charts drawn on the server as SVG geometry.

The template `stats/_bar_chart.html` turns a `BarChart` into inline SVG with
presentation attributes only (the CSP forbids inline styles), next to the same
figures as a table, so nothing needs JavaScript and screen readers get the table.
Each bar has its label on the line above it, so that a phone shows the chart at
its natural size with readable text.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 360  # drawn at this size in pixels, smaller only on narrower screens
VALUE_ROOM = 64  # right of the longest bar, for its figure
ROW_HEIGHT = 46
LABEL_BASELINE = 16
BAR_TOP = 22
BAR_HEIGHT = 16
LABEL_LENGTH = 44  # characters; the full name stays in the table beside the chart


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | float
    y: int
    width: float

    @property
    def label_y(self) -> int:
        return self.y + LABEL_BASELINE

    @property
    def bar_y(self) -> int:
        return self.y + BAR_TOP

    @property
    def value_y(self) -> int:
        return self.y + BAR_TOP + BAR_HEIGHT - 3


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    bar_height: int = BAR_HEIGHT


def bar_chart(rows: list[tuple[str, int | float]]) -> BarChart:
    """Bars for (label, value) rows, the longest for the largest value."""
    top = max((value for _, value in rows), default=0) or 1
    bars = []
    for index, (label, value) in enumerate(rows):
        label = str(label)
        if len(label) > LABEL_LENGTH:
            label = label[: LABEL_LENGTH - 1] + "…"
        width = round((WIDTH - VALUE_ROOM) * max(value, 0) / top, 1)
        bars.append(Bar(label=label, value=value, y=index * ROW_HEIGHT, width=width))
    return BarChart(bars=bars, width=WIDTH, height=max(len(rows), 1) * ROW_HEIGHT)
