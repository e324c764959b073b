"""Small inline SVG figures for the post-mortem report (no matplotlib: the audit layer draws its own).

Two figures, each returned as one ``<svg>`` element (a string) that a browser shows and prints as is:

* :func:`bar_chart` -- horizontal bars, one per :class:`Bar` (a label, a value, a colour), the value
  written at the end of each bar; several bars may share a group label (before/after pairs);
* :func:`lane_chart` -- a timeline: one lane per :class:`Lane` (intent, send, ack, polls, ...), a
  marker per event at its time in seconds, the lane's summary written on the right, a seconds axis.

Every text is XML-escaped; sizes are in CSS pixels; the ``viewBox`` lets the figure scale to the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Final

__all__ = ["PALETTE", "Bar", "Lane", "bar_chart", "lane_chart", "nice_ticks"]

#: Colours by meaning (outcome classes and phases), legible in colour and in grey print.
PALETTE: Final[dict[str, str]] = {
    "canceled": "#2e7d32", "filled_before_cancel": "#1565c0", "still_open": "#c62828", "unknown": "#757575",
    "unplanned": "#ef6c00", "collateral": "#6a1b9a", "before": "#90a4ae", "after": "#37474f",
    "default": "#455a64",
}
_FONT: Final = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif"
_CHAR_PX: Final = 7.0  # average width of one character at 12 px


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: ``label`` (left), ``value`` (its length), ``text`` written after it."""

    label: str
    value: float
    text: str = ""
    colour: str = PALETTE["default"]
    #: Bars with the same non-empty group are drawn together; the label is shown on the group's first bar.
    group: str = ""


@dataclass(frozen=True)
class Lane:
    """One timeline lane: its ``name``, event times in seconds, and a ``summary`` written on the right."""

    name: str
    seconds: Sequence[float] = field(default_factory=tuple)
    summary: str = ""
    colour: str = PALETTE["default"]


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 12, weight: str = "normal",
          fill: str = "#212121") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" font-weight="{weight}" '
            f'fill="{fill}">{escape(text)}</text>')


def _svg(width: float, height: float, title: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" style="max-width:100%;height:auto;{_FONT}">'
            f"<title>{escape(title)}</title>" + "".join(body) + "</svg>")


def nice_ticks(high: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``high`` (about ``count`` of them): 0, 0.5, 1, ... or 0, 20, 40."""
    if not high > 0 or not math.isfinite(high):
        return [0.0, 1.0]
    raw = high / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(math.ceil(high / step - 1e-9) + 1)]


def bar_chart(bars: Sequence[Bar], *, title: str, width: int = 760, bar_height: int = 18) -> str:
    """Horizontal bars with their labels and values; an empty ``bars`` is a short "nothing to show" figure."""
    label_px = min(300.0, max((len(b.group or b.label) for b in bars), default=8) * _CHAR_PX + 16)
    text_px = max((len(b.text) for b in bars), default=0) * _CHAR_PX + 12
    plot_px = max(120.0, width - label_px - text_px - 10)
    top, gap = 28, 6
    body = [_text(0, 16, title, size=14, weight="bold")]
    if not bars:
        body.append(_text(0, 44, "nothing to show", fill="#616161"))
        return _svg(width, 56, title, body)
    high = max(b.value for b in bars) or 1.0
    y, previous_group = float(top), None
    for bar in bars:
        if bar.group and bar.group != previous_group and previous_group is not None:
            y += gap  # a little air between groups
        label = bar.group if bar.group else bar.label
        if not bar.group or bar.group != previous_group:
            body.append(_text(label_px - 8, y + bar_height * 0.72, _clip(label, label_px), anchor="end"))
        if bar.group:
            body.append(_text(label_px + 4, y + bar_height * 0.72, bar.label, size=10, fill="#ffffff")
                        if bar.value / high * plot_px > len(bar.label) * 6 + 8 else "")
        length = max(0.0, bar.value) / high * plot_px
        body.append(f'<rect x="{label_px:.1f}" y="{y:.1f}" width="{length:.1f}" height="{bar_height}" '
                    f'fill="{escape(bar.colour)}"><title>{escape(f"{label} {bar.label}: {bar.text}")}</title></rect>')
        body.append(_text(label_px + length + 6, y + bar_height * 0.72, bar.text))
        y += bar_height + 4
        previous_group = bar.group
    return _svg(width, y + 8, title, body)


def _clip(text: str, px: float) -> str:
    most = max(4, int(px / _CHAR_PX) - 1)
    return text if len(text) <= most else text[: most - 1] + "…"


def lane_chart(lanes: Sequence[Lane], *, title: str, width: int = 760, lane_height: int = 30) -> str:
    """A timeline: one lane per phase, a marker per event at its second (0 = the first event), an axis."""
    label_px = max((len(lane.name) for lane in lanes), default=6) * _CHAR_PX + 16
    summary_px = min(260.0, max((len(lane.summary) for lane in lanes), default=0) * _CHAR_PX + 12)
    plot_px = max(160.0, width - label_px - summary_px - 10)
    top = 28
    end = max((s for lane in lanes for s in lane.seconds), default=0.0)
    ticks = nice_ticks(end)
    scale = plot_px / (ticks[-1] or 1.0)
    body = [_text(0, 16, title, size=14, weight="bold")]
    for i, lane in enumerate(lanes):
        y = top + i * lane_height
        mid = y + lane_height / 2
        shade = "#f5f5f5" if i % 2 == 0 else "#ffffff"
        body.append(f'<rect x="{label_px:.1f}" y="{y}" width="{plot_px:.1f}" height="{lane_height}" fill="{shade}"/>')
        body.append(_text(label_px - 8, mid + 4, lane.name, anchor="end"))
        for second in lane.seconds:
            x = label_px + second * scale
            body.append(f'<circle cx="{x:.1f}" cy="{mid:.1f}" r="5" fill="{escape(lane.colour)}" stroke="#ffffff" '
                        f'stroke-width="1"><title>{escape(f"{lane.name}: +{second:.3f} s")}</title></circle>')
        body.append(_text(label_px + plot_px + 8, mid + 4, _clip(lane.summary, summary_px), size=11,
                          fill="#424242"))
    axis_y = top + len(lanes) * lane_height
    body.append(f'<line x1="{label_px:.1f}" y1="{axis_y}" x2="{label_px + plot_px:.1f}" y2="{axis_y}" '
                'stroke="#616161"/>')
    for tick in ticks:
        x = label_px + tick * scale
        body.append(f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 4}" stroke="#616161"/>')
        body.append(_text(x, axis_y + 16, f"{tick:g} s", anchor="middle", size=11))
    body.append(_text(label_px + plot_px / 2, axis_y + 32, "seconds after the intent was journalled",
                      anchor="middle", size=11, fill="#616161"))
    return _svg(width, axis_y + 40, title, body)
