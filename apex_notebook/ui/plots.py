"""Pure plotting functions: ``(frame, ax=None) -> Axes``.

With ``plot_axes`` (its matplotlib helpers), the only module of the package that draws. No function
touches pyplot's global state: when no ``ax`` is given, a fresh :class:`matplotlib.figure.Figure`
is made. Count axes have whole-number ticks, legends sit outside the data, titles say what is
drawn, and amounts are never added across quote currencies (one facet per currency). In Jupyter, run
``%matplotlib inline`` once (it registers the figure display), then return ``ax.figure`` from a
cell to show it; or save it with ``ax.figure.savefig(...)``.

Each function checks the columns it needs and raises :class:`ValueError` naming the missing ones;
an empty frame gives an Axes that says so ("no open orders"), never an exception.

=========================  ==========================================================
``open_orders_heatmap``    open orders by account x instrument (counts)
``notional_by_instrument`` notional per instrument, stacked by side, one facet per quote currency
``order_age_distribution`` histogram of order ages at ``now``
``plan_composition``       what a ``CancelPlan`` will cancel, per account and side
``outcome_breakdown``      a ``CancelResult``'s outcomes (+ collateral)
``before_after_by_account`` open orders per account before and after an execution
``incident_timeline``      the journal's ``timeline(execution_id)`` frame as lanes of events
``figure_png``             the PNG bytes of an Axes' figure (used by the panel)
=========================  ==========================================================
"""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
from matplotlib.axes import Axes

from apex_notebook.ui import plot_axes as pax
from apex_notebook.ui import plot_data as pdata

__all__ = [
    "before_after_by_account",
    "figure_png",
    "incident_timeline",
    "notional_by_instrument",
    "open_orders_heatmap",
    "order_age_distribution",
    "outcome_breakdown",
    "plan_composition",
]

SIDE_COLORS = {"Buy": "#2a9d8f", "Sell": "#e76f51"}
OUTCOME_ORDER = ("canceled", "filled_before_cancel", "still_open", "unknown")
OUTCOME_COLORS = {
    "canceled": "#2a9d8f",
    "filled_before_cancel": "#f4a261",
    "still_open": "#d62828",
    "unknown": "#8d99ae",
    "collateral": "#7b2cbf",
}


# --------------------------------------------------------------------------- open orders
def open_orders_heatmap(orders: pd.DataFrame, ax: Axes | None = None, *, max_accounts: int = 25) -> Axes:
    """Count of open orders per account (rows, most orders first) and instrument (columns, most first)."""
    pdata.require(orders, ["account_id", "instrument_id"], "open_orders_heatmap")
    title = "Open orders by account and instrument"
    ax = pax.axes(ax, (8.0, 5.0))
    if orders.empty:
        return pax.say_empty(ax, title, "no open orders")
    counts = orders.groupby(["account_id", "instrument_id"], observed=True).size().unstack(fill_value=0)
    per_account = counts.sum(axis=1)
    counts = counts.loc[per_account.sort_values(ascending=False, kind="stable").index]
    counts = counts[counts.sum(axis=0).sort_values(ascending=False, kind="stable").index]
    counts, note = pdata.capped(counts, max_accounts, "accounts")
    accounts, instruments = pdata.account_labels(orders), pdata.instrument_labels(orders)
    image = ax.imshow(counts.to_numpy(), aspect="auto", cmap="Reds", vmin=0)
    ax.set_xticks(range(counts.shape[1]), [instruments[i] for i in counts.columns], rotation=45, ha="right")
    ax.set_yticks(range(counts.shape[0]), [accounts[a] for a in counts.index])
    if counts.size <= 400:
        cells = counts.to_numpy()
        peak = max(int(cells.max()), 1)
        for row, values in enumerate(cells.tolist()):
            for col, value in enumerate(values):
                ax.text(col, row, str(value), ha="center", va="center", fontsize=8,
                        color="white" if value > peak * 0.6 else "black")
    figure = ax.get_figure()
    if figure is not None:
        bar = figure.colorbar(image, ax=ax, label="open orders")
        pax.integer_axis(bar.ax, "y")
    ax.set_xlabel("instrument (most orders first)")
    order = (f"every account has {int(per_account.iloc[0])}, in id order" if per_account.nunique() == 1
             else "accounts with most orders first")
    ax.set_ylabel("account")
    ax.set_title(f"{title}: {len(orders)} orders\n{order}{note}")
    return ax


def notional_by_instrument(orders: pd.DataFrame, ax: Axes | None = None, *,
                           max_instruments: int = 20) -> Axes:
    """Open notional (price x remaining quantity) per instrument, stacked by side: one facet per quote currency.

    Amounts in different currencies are never on one scale (a BTC-quoted bar would vanish next to USD
    ones): each quote currency gets its own axes, largest total first. Returns the first facet; all
    of them are in ``ax.figure``. With ``ax``, the facets share its place in the figure.
    """
    pdata.require(orders, ["instrument_id", "notional"], "notional_by_instrument")
    title = "Open notional by instrument"
    if orders.empty:
        return pax.say_empty(pax.axes(ax), title, "no open orders")
    labels = pdata.instrument_labels(orders)
    currency = pdata.currencies(orders)
    notional = orders["notional"].astype(float).fillna(0.0)
    totals = notional.groupby(currency.to_numpy()).sum().sort_values(ascending=False, kind="stable")
    tables = {}
    for code in totals.index:
        rows = (currency == code).to_numpy()
        part = orders[rows]
        tables[code] = pdata.capped(pdata.by_side(part, part["instrument_id"].map(labels), notional[rows]),
                                    max_instruments, "instruments")
    panels = pax.facets(ax, [len(table) for table, _ in tables.values()])
    for index, (panel, (code, (table, note))) in enumerate(zip(panels, tables.items(), strict=True)):
        pax.stacked_barh(panel, table, SIDE_COLORS)
        legend = panel.get_legend()
        if index and legend is not None:
            legend.remove()  # one legend (on the first facet) is enough
        panel.set_xlabel(f"notional in {code} (price x remaining quantity)")
        panel.set_ylabel("instrument")
        noun = "instrument" if len(table) == 1 else "instruments"
        panel.set_title(f"{code}: {totals[code]:,.2f} in {len(table)} {noun}{note}", fontsize="medium")
        pax.compact_numbers(panel, "x")
    first = panels[0]
    figure = first.get_figure(root=False)
    heading = "Open notional per quote currency (never summed)"
    if len(panels) > 1 and figure is not None and ax is None:
        figure.suptitle(heading)
    elif len(panels) == 1:
        first.set_title(f"{title} in {totals.index[0]}: {totals.iloc[0]:,.2f}{tables[totals.index[0]][1]}")
    return first


def order_age_distribution(orders: pd.DataFrame, now: datetime | pd.Timestamp | None = None,
                           ax: Axes | None = None, *, bins: int = 30) -> Axes:
    """Histogram of how long open orders have been resting (``now`` - ``receive_time``)."""
    pdata.require(orders, ["receive_time"], "order_age_distribution")
    title = "Age of open orders"
    ax = pax.axes(ax)
    if orders.empty:
        return pax.say_empty(ax, title, "no open orders")
    at = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    at = at.tz_localize("UTC") if at.tzinfo is None else at.tz_convert("UTC")
    ages = (at - pdata.utc(orders["receive_time"])).dt.total_seconds().dropna()
    if ages.empty:
        return pax.say_empty(ax, title, "no order has a receive time")
    span = float(ages.max())
    unit, seconds = ("minutes", 60.0) if span < 2 * 3600 else ("hours", 3600.0) if span < 3 * 86400 \
        else ("days", 86400.0)
    scaled = ages / seconds
    ax.hist(scaled.to_numpy(), bins=bins, color="#457b9d", label="open orders")
    median = float(scaled.median())
    ax.axvline(median, color="#d62828", linestyle="--", label=f"median {median:.1f} {unit}")
    ax.set_xlabel(f"age ({unit})")
    ax.set_ylabel("open orders")
    pax.integer_axis(ax, "y")
    pax.legend_outside(ax)
    ax.set_title(f"{title} at {at:%Y-%m-%d %H:%M} UTC ({len(ages)} orders)")
    return ax


# --------------------------------------------------------------------------- plans and results
def plan_composition(plan: object, ax: Axes | None = None, *, max_accounts: int = 20) -> Axes:
    """What a CancelPlan (or its orders frame) will cancel: orders per account, stacked by side."""
    orders = pdata.require(pdata.orders_of(plan, "plan_composition"), ["account_id"], "plan_composition")
    title = "Orders the plan will cancel"
    ax = pax.axes(ax)
    if orders.empty:
        return pax.say_empty(ax, title, "the plan cancels no orders")
    key = orders["account_id"].map(pdata.account_labels(orders))
    table, note = pdata.capped(pdata.by_side(orders, key), max_accounts, "accounts")
    pax.stacked_barh(ax, table, SIDE_COLORS)
    ax.set_xlabel("orders")
    pax.integer_axis(ax, "x")
    ax.set_ylabel("account")
    ax.set_title(f"{title}: {len(orders)}, accounts with most first{note}")
    return ax


def outcome_breakdown(result: object, ax: Axes | None = None) -> Axes:
    """Bars of a CancelResult's per-order outcomes, plus collateral (orders outside the scope)."""
    orders = pdata.require(pdata.orders_of(result, "outcome_breakdown"), ["outcome"], "outcome_breakdown")
    collateral = 0 if isinstance(result, pd.DataFrame) else pdata.collateral_count(result)
    title = "Outcome of the cancel"
    ax = pax.axes(ax)
    if orders.empty and not collateral:
        return pax.say_empty(ax, title, "no orders were in the plan")
    counts = orders["outcome"].astype("string").fillna("unknown").value_counts()
    names = [*OUTCOME_ORDER, *sorted(set(counts.index) - set(OUTCOME_ORDER))]
    heights = [int(counts.get(name, 0)) for name in names]
    if collateral:
        names.append("collateral")
        heights.append(collateral)
    bars = ax.bar([n.replace("_", " ") for n in names], heights,
                  color=[OUTCOME_COLORS.get(n, pax.OTHER_COLOR) for n in names])
    ax.bar_label(bars)
    ax.set_ylabel("orders")
    pax.integer_axis(ax, "y")
    ax.set_xlabel("outcome")
    ax.tick_params(axis="x", labelrotation=20)
    extra = f", {collateral} collateral outside the scope" if collateral else ""
    ax.set_title(f"{title}: {len(orders)} previewed orders{extra}")
    return ax


def before_after_by_account(before: pd.DataFrame, after: pd.DataFrame, ax: Axes | None = None, *,
                            max_accounts: int = 25) -> Axes:
    """Open orders per account before and after an execution, as grouped bars."""
    pdata.require(before, ["account_id"], "before_after_by_account")
    pdata.require(after, ["account_id"], "before_after_by_account")
    title = "Open orders per account, before and after"
    ax = pax.axes(ax, (8.0, 4.0))
    if before.empty and after.empty:
        return pax.say_empty(ax, title, "no open orders before or after")
    table = pd.DataFrame({
        "before": before.groupby("account_id", observed=True).size(),
        "after": after.groupby("account_id", observed=True).size(),
    }).fillna(0).astype(int)
    table = table.loc[(table["before"] - table["after"]).sort_values(ascending=False, kind="stable").index]
    table, note = pdata.capped(table, max_accounts, "accounts")
    labels = pdata.account_labels(pd.concat([before, after], ignore_index=True))
    positions = list(range(len(table)))
    ax.bar([p - 0.2 for p in positions], table["before"].to_numpy(), width=0.4, label="before",
           color="#457b9d")
    ax.bar([p + 0.2 for p in positions], table["after"].to_numpy(), width=0.4, label="after",
           color="#e9c46a")
    ax.set_xticks(positions, [labels[a] for a in table.index], rotation=45, ha="right")
    ax.set_xlabel("account")
    ax.set_ylabel("open orders")
    pax.integer_axis(ax, "y")
    pax.legend_outside(ax)
    ax.set_title(f"{title}: most cancelled first{note}")
    return ax


def incident_timeline(timeline: pd.DataFrame, ax: Axes | None = None, *, max_labels: int = 40) -> Axes:
    """A journal timeline (``Journal.timeline(execution_id)``) as one lane per kind of event.

    Columns: ``at`` (or ``time``), ``kind`` (or ``event``) and optionally ``detail`` (dict or text).
    Lanes appear in order of first occurrence, named in words (``intent journalled``, ``request sent``,
    ``acknowledged``, ``verification poll``, ``verified outcome`` ...); each lane's first event is
    annotated with its detail in words (``75 canceled, 0 pending, 29 s left``), repeats are counted.
    """
    pdata.require(timeline, [], "incident_timeline")
    time_col = "time" if "time" in timeline.columns else "at"
    event_col = "event" if "event" in timeline.columns else "kind"
    missing = [f"{a!r} (or {b!r})" for a, b in ((time_col, "time"), (event_col, "event"))
               if a not in timeline.columns]
    if missing:
        raise ValueError(f"incident_timeline() needs column(s) {', '.join(missing)}; "
                         f"the frame has {', '.join(map(str, timeline.columns)) or 'no columns'}")
    title = "Incident timeline"
    ax = pax.axes(ax, (9.0, 4.0))
    if timeline.empty:
        return pax.say_empty(ax, title, "no journal events")
    frame = timeline.assign(_t=pdata.utc(timeline[time_col])).dropna(subset=["_t"])
    frame = frame.sort_values("_t", kind="stable")
    kinds = frame[event_col].map(pdata.event_words)
    lanes = list(dict.fromkeys(kinds))
    start, end = frame["_t"].iloc[0], frame["_t"].iloc[-1]
    times = (frame["_t"] - start).dt.total_seconds().to_numpy()  # seconds after the first event: readable ticks
    rows = [lanes.index(e) for e in kinds]
    ax.scatter(times, rows, c=[f"C{r % 10}" for r in rows], s=36, zorder=3)
    details = frame["detail"] if "detail" in frame.columns else pd.Series(None, index=frame.index)
    seen: set[int] = set()
    for when, row, detail in zip(times, rows, details, strict=True):
        if row in seen or len(seen) >= max_labels:
            continue
        seen.add(row)
        repeats = rows.count(row)
        text = pdata.detail_text(detail)
        if repeats > 1:
            text = f"{text} (x{repeats})" if text else f"x{repeats}"
        if text:
            late = when > times[0] + (times[-1] - times[0]) / 2  # right half: label to the left of the point
            ax.annotate(text, (when, row), xytext=(-6 if late else 6, 6), textcoords="offset points",
                        fontsize=8, ha="right" if late else "left")
    ax.set_yticks(range(len(lanes)), lanes)
    ax.set_ylim(len(lanes) - 0.5, -0.5)
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlabel(f"seconds after the first event ({start:%H:%M:%S} UTC)")
    ax.set_ylabel("event")
    ax.set_title(f"{title}: {len(frame)} events from {start:%H:%M:%S} to {end:%H:%M:%S} UTC")
    return ax


def figure_png(ax: Axes, *, dpi: int = 90) -> bytes:
    """The PNG bytes of the figure holding ``ax`` (how the panel shows a chart in an Image widget)."""
    figure = ax.get_figure(root=True)
    if figure is None:
        raise ValueError("the Axes is not part of a figure")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
