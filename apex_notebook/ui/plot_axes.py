"""The matplotlib side shared by the plots: fresh axes, empty-state text, stacked bars, integer count axes,
legends outside the data, and facets (one axes per group, e.g. per quote currency).

No pyplot: a fresh :class:`matplotlib.figure.Figure` is made when no ``ax`` is given.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

__all__ = ["OTHER_COLOR", "axes", "compact_number", "compact_numbers", "facets", "integer_axis", "legend_outside",
           "say_empty", "stacked_barh"]

OTHER_COLOR = "#8d99ae"


def axes(ax: Axes | None, size: tuple[float, float] = (7.0, 4.0)) -> Axes:
    """``ax`` itself, or the axes of a new figure of ``size`` inches (constrained layout)."""
    if ax is not None:
        return ax
    return Figure(figsize=size, layout="constrained").add_subplot()


def say_empty(ax: Axes, title: str, message: str) -> Axes:
    """An axes that says why there is nothing to draw."""
    ax.set_title(title)
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="0.35", fontsize=12)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def integer_axis(ax: Axes, which: Literal["x", "y"]) -> None:
    """Counts: ticks at whole numbers only (never 0.5 orders)."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_major_locator(MaxNLocator(integer=True))


def compact_number(value: float) -> str:
    """A tick label for people: ``250k``, ``1.5M``, ``0.0063`` (no ``1e6`` offset)."""
    size = abs(value)
    for limit, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


def compact_numbers(ax: Axes, which: Literal["x", "y"]) -> None:
    """Amounts: at most 5 ticks, labelled compactly (``1.5M``)."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_major_locator(MaxNLocator(nbins=5))
    axis.set_major_formatter(FuncFormatter(lambda value, _: compact_number(float(value))))


def legend_outside(ax: Axes, title: str | None = None) -> None:
    """The legend to the right of the axes, clear of the data."""
    ax.legend(title=title, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize="small",
              frameon=False)


def stacked_barh(ax: Axes, table: pd.DataFrame, colors: dict[str, str]) -> None:
    """Horizontal bars, one row per index label, stacked by column, first row on top; legend outside."""
    left = pd.Series(0.0, index=table.index)
    labels = [str(i) for i in table.index]
    for column in table.columns:
        values = table[column].astype(float)
        ax.barh(labels, values.to_numpy(), left=left.to_numpy(), label=str(column),
                color=colors.get(str(column), OTHER_COLOR))
        left = left + values
    ax.invert_yaxis()
    if table.columns.name == "side":
        legend_outside(ax, "side")


def facets(ax: Axes | None, sizes: list[int], *, width: float = 7.0) -> list[Axes]:
    """One axes per group, stacked vertically, heights in proportion to ``sizes`` (bars per group).

    Without ``ax``: a new figure. With ``ax``: ``ax`` becomes the first facet and the others share
    its slot in the figure's grid (an axes outside any grid gets inset facets instead).
    """
    ratios = [max(1, s) + 1 for s in sizes]
    if ax is None:
        height = min(12.0, 1.2 + 0.35 * sum(ratios))
        figure = Figure(figsize=(width, height), layout="constrained")
        return list(figure.subplots(len(sizes), 1, squeeze=False, height_ratios=ratios)[:, 0])
    if len(sizes) == 1:
        return [ax]
    spec = ax.get_subplotspec()
    parent = ax.get_figure(root=False)
    if spec is None or parent is None:
        total, top, out = sum(ratios), 1.0, []
        ax.set_axis_off()
        for ratio in ratios:
            height = ratio / total
            out.append(ax.inset_axes((0.0, top - height + 0.06 * height, 1.0, 0.8 * height)))
            top -= height
        return out
    grid = spec.subgridspec(len(sizes), 1, height_ratios=ratios)
    ax.set_subplotspec(grid[0])
    return [ax, *(parent.add_subplot(grid[i]) for i in range(1, len(sizes)))]
