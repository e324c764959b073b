"""The panel's plan view: a :class:`~apex_notebook.cancel.plan.CancelPlan` shown before anyone confirms it.

Scope in words, the red banner of an all-accounts scope, the refusal of a plan the gateway would
refuse, the order count and the phrase to type (each in its own widget, for people and for the
browser test), counts by account and instrument, a small chart and the first rows of the orders.
A large plan shows only :data:`~apex_notebook.frames.html.TABLE_ROWS` rows and the totals, so the browser never freezes.
"""

from __future__ import annotations

import ipywidgets as widgets
import pandas as pd

from apex_notebook.cancel.plan import CancelPlan
from apex_notebook.frames import html as hp
from apex_notebook.ui import plots

__all__ = ["PlanView"]


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
        esc = hp.esc
        parts = [hp.plan_heading(plan.plan_id, plan.describe()),
                 f"<p>Snapshot taken {plan.taken_at:%Y-%m-%d %H:%M:%S} UTC.</p>"]
        if plan.scope.all_accounts:
            parts.append(hp.all_accounts_warning(plan.scope.oms_id))
        if plan.refusal:
            parts.append(hp.banner(hp.AMBER, f"This plan cannot be executed: {esc(plan.refusal)}"))
        self.header.value = "".join(parts)
        noun = "order" if plan.count == 1 else "orders"
        self.count.value = (f"<p style='font-size:1.2em'><b class='apex-count-value'>{plan.count}</b> {noun} "
                            f"in scope, total notional {plan.total_notional:,.2f}</p>")
        self.phrase.value = ("<p>To execute, type exactly: <code class='apex-phrase-value' "
                             f"style='font-weight:bold'>{esc(plan.confirmation_phrase)}</code></p>")
        children: list[widgets.Widget] = [self.header, self.count, self.phrase]
        if plan.count:
            self.counts.value = ("<div style='display:flex;gap:24px;align-items:flex-start'>"
                                 + hp.counts_table("account", _named_accounts(plan))
                                 + hp.counts_table("instrument", plan.by_instrument)
                                 + hp.counts_table("side", plan.by_side) + "</div>")
            self.chart.value = plots.figure_png(plots.plan_composition(plan))
            self.table.value = hp.orders_table(plan.orders)
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
