"""Small HTML pieces shared by the notebook reprs (``plan.py``, ``result.py``) and the panel views.

Escaping, the banner styles (red danger, amber caution, green verified) and the all-accounts
warning, the acknowledgement note, a label/value table, counts (as a table or as one list item) and
an orders table that shows only its first rows, formatted for people (``display.display_frame``:
prices to the instrument's precision, quantities without trailing zeros, times to the second,
not-applicable blank). Each piece of markup and each style is defined here once. No widget or
plotting imports: the safety modules use it too.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import pandas as pd

from apex_notebook.frames.display import display_frame

__all__ = ["AMBER", "COUNT_ROWS", "FIRST_ROWS_BRIEF", "FIRST_ROWS_NOTE", "GREEN", "ORDER_COLUMNS", "RED",
           "RESULT_COLUMNS", "TABLE_ROWS", "ack_note", "all_accounts_warning", "banner", "counts_item",
           "counts_table", "esc", "largest", "orders_table", "plan_heading", "summary_table"]

#: Banner styles: danger (all accounts, collateral), caution (refusals, odd acks), verified.
RED: Final = "background:#b00020;color:#fff;padding:8px;font-weight:bold"
AMBER: Final = "background:#fff3cd;color:#5c4400;padding:8px;border-left:6px solid #e0a800"
GREEN: Final = "background:#e6f4ea;color:#14532d;padding:8px;border-left:6px solid #2a9d8f"

#: Rows of an orders table shown before the rest is left out (the browser never freezes).
TABLE_ROWS: Final = 50
#: Largest counts listed before the rest is summed.
COUNT_ROWS: Final = 15
#: Columns of an orders table, in this order, those the frame has.
ORDER_COLUMNS: Final = ("order_id", "account_id", "account_name", "symbol", "side", "order_type", "price",
                        "stop_price", "quantity", "notional", "quote_currency", "order_state",
                        "receive_time", "orig_quantity", "instrument_id")
#: Columns of a result table, outcome first (the execution id is in the heading, not on every row).
RESULT_COLUMNS: Final = ("outcome", "order_id", "account_id", "symbol", "side", "order_type", "quantity",
                         "quantity_executed", "orig_quantity", "final_state", "previewed", "verified_at",
                         "change_reason", "instrument_id")
#: Notes under an orders table that was cut (``{shown}`` and ``{total}`` are filled in).
FIRST_ROWS_NOTE: Final = "<p><i>First {shown} of {total} orders shown; the counts above cover all of them.</i></p>"
FIRST_ROWS_BRIEF: Final = "<p>first {shown} of {total} orders shown</p>"


def esc(value: object) -> str:
    """``str(value)``, HTML-escaped (quotes too)."""
    return html.escape(str(value))


def banner(style: str, inner: str) -> str:
    """A coloured note: ``inner`` (already HTML) in a block with ``style`` (:data:`RED`, ...)."""
    return f"<div style='{style}'>{inner}</div>"


def all_accounts_warning(oms_id: object) -> str:
    """The red banner of a scope that covers every account (CancelAllOrders with AccountId 0)."""
    return banner(RED, f"WARNING: this scope covers EVERY ACCOUNT on OMS {esc(oms_id)} "
                       "(CancelAllOrders with AccountId 0).")


def plan_heading(plan_id: str, description: str) -> str:
    """The heading of a plan: its id and its scope in words."""
    return f"<h4>Cancel plan {esc(plan_id)}: {esc(description)}</h4>"


def ack_note(summary: Mapping[str, Any]) -> str:
    """The amber note of an acknowledgement: status, error code and message from a result summary."""
    return banner(AMBER, f"Acknowledgement: {esc(summary.get('ack_status'))} "
                         f"{esc(summary.get('ack_errorcode') or '')} {esc(summary.get('ack_errormsg') or '')}")


def summary_table(rows: Iterable[tuple[str, object]]) -> str:
    """A two-column table, one row per ``(label, value)``, both escaped."""
    cells = "".join(f"<tr><th style='text-align:left'>{esc(label)}</th><td>{esc(value)}</td></tr>"
                    for label, value in rows)
    return f"<table>{cells}</table>"


def largest(counts: pd.Series, limit: int = COUNT_ROWS) -> tuple[pd.Series, pd.Series]:
    """The ``limit`` largest counts (largest first, ties in their order) and the rest."""
    ordered = counts.sort_values(ascending=False, kind="stable")
    return ordered.head(limit), ordered.iloc[limit:]


def counts_table(title: str, counts: pd.Series, *, limit: int = COUNT_ROWS) -> str:
    """A small two-column table of the largest counts, with the rest summed into one row."""
    top, rest = largest(counts, limit)
    rows = [f"<tr><td>{esc(k)}</td><td style='text-align:right'>{int(v)}</td></tr>" for k, v in top.items()]
    if len(rest):
        rows.append(f"<tr><td><i>{len(rest)} more</i></td><td style='text-align:right'>{int(rest.sum())}"
                    "</td></tr>")
    return (f"<table class='apex-counts'><tr><th style='text-align:left'>{esc(title)}</th>"
            f"<th>orders</th></tr>{''.join(rows)}</table>")


def counts_item(title: str, counts: pd.Series, *, limit: int = COUNT_ROWS) -> str:
    """One list item of the largest counts, e.g. ``by side: Buy: 3, Sell: 2`` (``(+N more)`` when cut)."""
    top, rest = largest(counts, limit)
    items = ", ".join(f"{esc(k)}: {int(v)}" for k, v in top.items())
    more = f" (+{len(rest)} more)" if len(rest) else ""
    return f"<li><b>{esc(title)}</b>: {items or 'none'}{more}</li>"


def orders_table(orders: pd.DataFrame, *, rows: int = TABLE_ROWS,
                 columns: Sequence[str] | None = ORDER_COLUMNS, note: str = FIRST_ROWS_NOTE,
                 instruments: pd.DataFrame | Mapping[int, int] | None = None) -> str:
    """The first ``rows`` orders as an HTML table (escaped, formatted for people), and ``note`` when more exist.

    ``columns`` picks and orders the columns the frame has (None: all of them); ``instruments`` (an
    instruments frame, or id -> price decimals) sets the price precision (see ``display``).
    """
    picked = orders if columns is None else orders[[c for c in columns if c in orders.columns]]
    shown = display_frame(picked.head(rows), instruments)
    more = note.format(shown=len(shown), total=len(orders)) if len(orders) > rows else ""
    table = shown.to_html(index=False, border=0, classes="apex-orders-table")
    return f"{table}<p style='color:#555;font-size:smaller'>times in UTC</p>{more}" if len(shown) else table
