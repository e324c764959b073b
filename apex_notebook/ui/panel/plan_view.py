"""The panel's plan: a short summary for the first screen, the orders in a bounded scroll box below.

:class:`PlanSummary` is what a tired person reads before Execute: the scope in words, the snapshot
time, the count, the notional **per quote currency** (never summed across currencies), the counts by
account, instrument and side (the largest few), and why the plan cannot run when it cannot.
:class:`OrdersBox` holds the orders table in a box of fixed maximum height that scrolls inside
itself, so the panel stays the same height for 5 orders or 50,000; its chart is drawn only when its
accordion is opened.
"""

from __future__ import annotations

from typing import Final

import ipywidgets as widgets
import pandas as pd

from apex_notebook.cancel.plan import CancelPlan
from apex_notebook.frames import display
from apex_notebook.frames import html as hp
from apex_notebook.ui import plots

__all__ = ["COUNT_LIMIT", "TABLE_LIMIT", "OrdersBox", "PlanSummary", "scroll_box"]

#: Largest counts listed per table in the summary (the rest are summed into one row).
COUNT_LIMIT: Final = 5
#: Orders rendered into the scroll box (the rest are in ``panel.plan.orders``).
TABLE_LIMIT: Final = 1000
#: The scroll box's maximum height: about 12 rows, so the box never pushes the panel past a screen.
BOX_HEIGHT: Final = "320px"


def scroll_box(inner_html: str, css_class: str) -> str:
    """``inner_html`` in a box of at most :data:`BOX_HEIGHT` that scrolls inside itself."""
    return (f"<div class='apex-scroll {css_class}' style='max-height:{BOX_HEIGHT};overflow:auto;"
            f"border:1px solid #ddd'>{inner_html}</div>")


def _named_accounts(plan: CancelPlan) -> pd.Series:
    counts = plan.by_account
    if "account_name" not in plan.orders.columns:
        return counts
    names = plan.orders.drop_duplicates("account_id").set_index("account_id")["account_name"]
    return counts.rename(lambda a: f"{a} — {names[a]}" if a in names.index and not pd.isna(names[a]) else a)


class PlanSummary(widgets.HTML):  # type: ignore[misc]  # ipywidgets is untyped
    """The first-screen summary of one plan (HTML); :meth:`show` replaces, :meth:`clear` empties."""

    def __init__(self) -> None:
        super().__init__()
        self.add_class("apex-plan")

    def show(self, plan: CancelPlan, instruments: pd.DataFrame | None = None) -> None:
        """Show ``plan``: heading, warnings, count and notional per currency, counts, refusal."""
        esc = hp.esc
        parts = [f"<div class='apex-plan-scope'><b>Plan {esc(plan.plan_id)}:</b> {esc(plan.describe())} "
                 f"&middot; snapshot {plan.taken_at:%Y-%m-%d %H:%M:%S} UTC</div>"]
        if plan.scope.all_accounts:
            parts.append(hp.all_accounts_warning(plan.scope.oms_id))
        if plan.refusal:
            parts.append(hp.banner(hp.AMBER, "<b>Cannot execute:</b> " + esc(plan.refusal)
                                   + ". Nothing can be sent from this plan; the orders in scope are listed below."))
        noun = "order" if plan.count == 1 else "orders"
        totals = display.notional_by_currency(plan.orders)
        notional = esc(display.money_text(totals, display.currency_decimals(plan.orders, instruments)))
        parts.append(f"<div class='apex-plan-count' style='font-size:1.15em;margin:4px 0'>"
                     f"<b class='apex-count-value'>{plan.count}</b> {noun} in scope &middot; notional per quote "
                     f"currency: <span class='apex-notional'>{notional}</span></div>")
        if plan.count:
            tables = (hp.counts_table("account", _named_accounts(plan), limit=COUNT_LIMIT),
                      hp.counts_table("instrument", plan.by_instrument, limit=COUNT_LIMIT),
                      hp.counts_table("side", plan.by_side, limit=COUNT_LIMIT))
            parts.append("<div class='apex-plan-counts' style='display:flex;gap:28px;align-items:flex-start'>"
                         + "".join(tables) + "</div>")
        self.value = "".join(parts)

    def clear(self) -> None:
        """Empty the summary (the plan was discarded)."""
        self.value = ""


class OrdersBox(widgets.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """The plan's orders in a bounded scroll box, and a chart drawn on demand."""

    def __init__(self) -> None:
        self.table = widgets.HTML()
        self.table.add_class("apex-plan-table")
        self.chart = widgets.Image(format="png", layout=widgets.Layout(max_width="640px"))
        self.chart.add_class("apex-plan-chart")
        self.charts = widgets.Accordion(children=[self.chart], titles=("Chart: orders by account and side",),
                                        selected_index=None)
        self.charts.observe(self._draw, names="selected_index")
        self._plan: CancelPlan | None = None
        super().__init__(layout=widgets.Layout(display="none"))
        self.add_class("apex-plan-orders")

    def show(self, plan: CancelPlan, instruments: pd.DataFrame | None = None) -> None:
        """Show the first :data:`TABLE_LIMIT` orders of ``plan`` in the scroll box, prices to precision."""
        self._plan = plan
        self.chart.value = b""
        self.charts.selected_index = None
        if not plan.count:
            self.clear()
            return
        shown = min(plan.count, TABLE_LIMIT)
        title = (f"<b>Orders in scope</b> ({plan.count}; scroll inside the box)" if shown == plan.count else
                 f"<b>Orders in scope</b>: the first {shown} of {plan.count} (all are in <code>panel.plan.orders"
                 "</code>)")
        table = hp.orders_table(plan.orders, rows=TABLE_LIMIT, note="", instruments=instruments)
        self.table.value = title + scroll_box(table, "apex-orders-scroll")
        self.children = [self.table, self.charts]
        self.layout.display = "flex"

    def _draw(self, _change: object = None) -> None:
        """Draw the chart the first time its accordion opens (never raises: a failure says so)."""
        if self.charts.selected_index is None or self._plan is None or self.chart.value:
            return
        try:
            self.chart.value = plots.figure_png(plots.plan_composition(self._plan))
        except Exception as exc:  # a chart is never worth a traceback
            self.charts.set_title(0, f"Chart unavailable ({type(exc).__name__})")

    def clear(self) -> None:
        """Hide the orders."""
        self._plan = None
        self.table.value = ""
        self.chart.value = b""
        self.children = []
        self.layout.display = "none"
