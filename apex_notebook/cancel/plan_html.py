"""The notebook view of a :class:`~apex_notebook.cancel.plan.CancelPlan`: its ``_repr_html_``.

The scope in words, the warnings (all accounts, cannot be executed, already executed), the count
and the notional **per quote currency** (never summed across currencies), the counts by account /
instrument / side / type, the oldest and newest order, the phrase to type, then the first rows of
the orders formatted for people (``frames.display``).
"""

from __future__ import annotations

from typing import Protocol

import pandas as pd

from apex_notebook.cancel.scope import CancelScope
from apex_notebook.frames import display
from apex_notebook.frames import html as hp

__all__ = ["HTML_ROWS", "PlanLike", "plan_html"]

#: Rows of the orders table shown in the HTML preview of a large plan.
HTML_ROWS = hp.TABLE_ROWS


class PlanLike(Protocol):
    """What the view reads from a plan (``CancelPlan`` provides it)."""

    @property
    def plan_id(self) -> str:
        """The plan's id."""

    @property
    def scope(self) -> CancelScope:
        """What the plan cancels."""

    @property
    def orders(self) -> pd.DataFrame:
        """The orders in the plan."""

    @property
    def taken_at(self) -> pd.Timestamp:
        """When the snapshot was taken."""

    @property
    def refusal(self) -> str | None:
        """Why it cannot be executed, or None."""

    @property
    def count(self) -> int:
        """How many orders."""

    @property
    def executed(self) -> bool:
        """Whether it has run."""

    @property
    def confirmation_phrase(self) -> str:
        """The phrase to type."""

    @property
    def by_account(self) -> pd.Series:
        """Counts per account."""

    @property
    def by_instrument(self) -> pd.Series:
        """Counts per instrument."""

    @property
    def by_side(self) -> pd.Series:
        """Counts per side."""

    @property
    def by_order_type(self) -> pd.Series:
        """Counts per order type."""

    @property
    def oldest_order(self) -> pd.Series | None:
        """The oldest order."""

    @property
    def newest_order(self) -> pd.Series | None:
        """The newest order."""

    def describe(self) -> str:
        """The scope in words."""

    def notional_text(self) -> str:
        """The notional per quote currency, for people."""


def plan_html(plan: PlanLike) -> str:
    """The preview as HTML: scope in words, warnings, counts and the first rows of the orders."""
    esc = hp.esc
    parts = [f"<div class='apex-plan'>{hp.plan_heading(plan.plan_id, plan.describe())}"]
    if plan.scope.all_accounts:
        parts.append(hp.all_accounts_warning(plan.scope.oms_id))
    if plan.refusal:
        parts.append(hp.banner(hp.AMBER, f"Cannot be executed: {esc(plan.refusal)}"))
    if plan.executed:
        parts.append("<p><b>This plan has been executed; preview again for a new one.</b></p>")
    parts.append(f"<ul><li><b>{plan.count}</b> working orders; notional per quote currency: "
                 f"<b>{esc(plan.notional_text())}</b>; snapshot taken {display.format_time(plan.taken_at)} UTC</li>")
    if plan.count:
        for title, counts in (("by account", plan.by_account), ("by instrument", plan.by_instrument),
                              ("by side", plan.by_side), ("by order type", plan.by_order_type)):
            parts.append(hp.counts_item(title, counts))
        oldest, newest = plan.oldest_order, plan.newest_order
        if oldest is not None and newest is not None:
            parts.append(f"<li><b>oldest</b>: order {esc(oldest['order_id'])} at "
                         f"{display.format_time(oldest['receive_time'])}; <b>newest</b>: order "
                         f"{esc(newest['order_id'])} at {display.format_time(newest['receive_time'])} (UTC)</li>")
    if plan.confirmation_phrase and not plan.refusal:
        parts.append(f"<li>to execute, confirm with: <code>{esc(plan.confirmation_phrase)}</code></li></ul>")
    else:
        parts.append("<li>nothing to confirm: this plan cannot be executed (see above); the orders are shown "
                     "for reading only</li></ul>")
    if plan.count:
        parts.append(hp.orders_table(plan.orders, rows=HTML_ROWS, note=hp.FIRST_ROWS_BRIEF))
    parts.append("</div>")
    return "".join(parts)
