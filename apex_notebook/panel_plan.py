"""The panel's plan view: a :class:`~apex_notebook.plan.CancelPlan` shown before anyone confirms it.

Scope in words, the red banner of an all-accounts scope, the refusal of a plan the gateway would
refuse, the order count and the phrase to type (each in its own widget, for people and for the
browser test), counts by account and instrument, a small chart and the first rows of the orders.
A large plan shows only :data:`TABLE_ROWS` rows and the totals, so the browser never freezes.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from apex_notebook import plots
from apex_notebook.plan import CancelPlan

__all__ = ["COUNT_ROWS", "TABLE_COLUMNS", "TABLE_ROWS", "PlanView", "counts_html", "orders_table_html"]

TABLE_ROWS = 50
COUNT_ROWS = 15
TABLE_COLUMNS = ("order_id", "account_id", "account_name", "symbol", "instrument_id", "side", "order_type",
                 "price", "stop_price", "quantity", "orig_quantity", "notional", "receive_time")
_RED = "background:#b00020;color:#fff;padding:8px;font-weight:bold"
_AMBER = "background:#fff3cd;color:#5c4400;padding:8px;border-left:6px solid #e0a800"


def counts_html(title: str, counts: pd.Series, *, limit: int = COUNT_ROWS) -> str:
    """A small two-column table of the largest counts, with the rest summed into one row."""
    counts = counts.sort_values(ascending=False, kind="stable")
    rows = [f"<tr><td>{html.escape(str(k))}</td><td style='text-align:right'>{int(v)}</td></tr>"
            for k, v in counts.head(limit).items()]
    if len(counts) > limit:
        rest = counts.iloc[limit:]
        rows.append(f"<tr><td><i>{len(rest)} more</i></td><td style='text-align:right'>{int(rest.sum())}"
                    "</td></tr>")
    return (f"<table class='apex-counts'><tr><th style='text-align:left'>{html.escape(title)}</th>"
            f"<th>orders</th></tr>{''.join(rows)}</table>")


def orders_table_html(orders: pd.DataFrame, *, rows: int = TABLE_ROWS,
                      columns: tuple[str, ...] = TABLE_COLUMNS) -> str:
    """The first ``rows`` orders as an HTML table (escaped), with a note when more exist."""
    shown = orders[[c for c in columns if c in orders.columns]].head(rows)
    note = (f"<p><i>First {len(shown)} of {len(orders)} orders shown; the counts above cover all of "
            "them.</i></p>") if len(orders) > rows else ""
    return shown.to_html(index=False, na_rep="", border=0, classes="apex-orders-table") + note


def _named_accounts(plan: CancelPlan) -> pd.Series:
    """The plan's counts by account, labelled "9 — name" when the orders carry account names."""
    counts = plan.by_account
    if "account_name" not in plan.orders.columns:
        return counts
    names = plan.orders.drop_duplicates("account_id").set_index("account_id")["account_name"]
    return counts.rename(lambda a: f"{a} — {names[a]}" if a in names.index and not pd.isna(names[a]) else a)


class PlanView(widgets.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Shows one plan; :meth:`show` replaces, :meth:`clear` empties."""

    def __init__(self) -> None:
        self.header = widgets.HTML()
        self.header.add_class("apex-plan-scope")
        self.count = widgets.HTML()
        self.count.add_class("apex-plan-count")
        self.phrase = widgets.HTML()
        self.phrase.add_class("apex-plan-phrase")
        self.counts = widgets.HTML()
        self.counts.add_class("apex-plan-counts")
        self.chart = widgets.Image(format="png", layout=widgets.Layout(max_width="640px"))
        self.chart.add_class("apex-plan-chart")
        self.table = widgets.HTML()
        self.table.add_class("apex-plan-table")
        super().__init__(layout=widgets.Layout(display="none"))
        self.add_class("apex-plan")

    def show(self, plan: CancelPlan) -> None:
        """Show ``plan``: scope, warning banner, count, phrase, counts, chart and first rows."""
        esc = html.escape
        parts = [f"<h4>Cancel plan {esc(plan.plan_id)}: {esc(plan.describe())}</h4>",
                 f"<p>Snapshot taken {plan.taken_at:%Y-%m-%d %H:%M:%S} UTC.</p>"]
        if plan.scope.all_accounts:
            parts.append(f"<div style='{_RED}'>WARNING: this scope covers EVERY ACCOUNT on OMS "
                         f"{plan.scope.oms_id} (CancelAllOrders with AccountId 0).</div>")
        if plan.refusal:
            parts.append(f"<div style='{_AMBER}'>This plan cannot be executed: {esc(plan.refusal)}</div>")
        self.header.value = "".join(parts)
        noun = "order" if plan.count == 1 else "orders"
        self.count.value = (f"<p style='font-size:1.2em'><b class='apex-count-value'>{plan.count}</b> {noun} "
                            f"in scope, total notional {plan.total_notional:,.2f}</p>")
        self.phrase.value = ("<p>To execute, type exactly: <code class='apex-phrase-value' "
                             f"style='font-weight:bold'>{esc(plan.confirmation_phrase)}</code></p>")
        children: list[widgets.Widget] = [self.header, self.count, self.phrase]
        if plan.count:
            self.counts.value = ("<div style='display:flex;gap:24px;align-items:flex-start'>"
                                 + counts_html("account", _named_accounts(plan))
                                 + counts_html("instrument", plan.by_instrument)
                                 + counts_html("side", plan.by_side) + "</div>")
            self.chart.value = plots.figure_png(plots.plan_composition(plan))
            self.table.value = orders_table_html(plan.orders)
            children += [self.counts, self.chart, self.table]
        else:
            self.counts.value = self.table.value = ""
            self.chart.value = b""
        self.children = children
        self.layout.display = "flex"

    def mark_executed(self) -> None:
        """Note on the plan that it was used (the panel never runs a plan twice)."""
        self.phrase.value = "<p><b>This plan has been executed; preview again for a new plan.</b></p>"

    def mark_not_sent(self) -> None:
        """Note on the plan that its one Execute stopped before anything was sent."""
        self.phrase.value = ("<p><b>This plan was not executed: it stopped before anything was sent. "
                             "Preview again for a new plan.</b></p>")

    def clear(self) -> None:
        """Hide the plan (it was discarded)."""
        for html_widget in (self.header, self.count, self.phrase, self.counts, self.table):
            html_widget.value = ""
        self.chart.value = b""
        self.children = []
        self.layout.display = "none"
