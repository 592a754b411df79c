"""Bar charts as geometry for server-rendered inline SVG (no script, no library).

The template draws what these functions compute; every bar carries its label
and value as text, and the page shows the same numbers in a table beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

LABEL_WIDTH = 190  # horizontal bars: room for the label on the left
VALUE_WIDTH = 100  # and for the value on the right
ROW_HEIGHT = 30
BAR_THICKNESS = 20
COLUMN_AREA_HEIGHT = 160
AXIS_LABEL_HEIGHT = 40
MAX_DAY_LABELS = 14


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    value_text: str


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    x: float
    y: float
    width: float
    height: float
    show_label: bool = True


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    horizontal: bool
    baseline: float  # y of the axis (columns) or x where bars start (rows)


def _scale(points: Sequence[Point]) -> float:
    return max((p.value for p in points), default=0) or 1.0


def row_chart(points: Sequence[Point], width: int = 500) -> Chart:
    """Horizontal bars, one row per point: label | bar | value."""
    room = width - LABEL_WIDTH - VALUE_WIDTH
    top = _scale(points)
    bars = [
        Bar(
            label=p.label,
            value_text=p.value_text,
            x=LABEL_WIDTH,
            y=index * ROW_HEIGHT + (ROW_HEIGHT - BAR_THICKNESS) / 2,
            width=round(room * p.value / top, 1),
            height=BAR_THICKNESS,
        )
        for index, p in enumerate(points)
    ]
    return Chart(width, max(1, len(points)) * ROW_HEIGHT, bars, True, LABEL_WIDTH)


def column_chart(points: Sequence[Point], width: int = 560) -> Chart:
    """Vertical bars, one per point (a day), values above, labels below.

    Long periods label every n-th column so that labels never overlap.
    """
    slot = width / max(1, len(points))
    top = _scale(points)
    every = max(1, math.ceil(len(points) / MAX_DAY_LABELS))
    value_room = 18
    bars = []
    for index, p in enumerate(points):
        height = round(COLUMN_AREA_HEIGHT * p.value / top, 1)
        bars.append(
            Bar(
                label=p.label,
                value_text=p.value_text,
                x=round(index * slot + slot * 0.15, 1),
                y=round(value_room + COLUMN_AREA_HEIGHT - height, 1),
                width=round(slot * 0.7, 1),
                height=height,
                show_label=index % every == 0,
            )
        )
    baseline = value_room + COLUMN_AREA_HEIGHT
    return Chart(width, int(baseline + AXIS_LABEL_HEIGHT), bars, False, baseline)
