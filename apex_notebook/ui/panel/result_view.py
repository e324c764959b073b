"""The panel's result view: what an execution verifiably did, outcome first.

The headline and the acknowledgement in words come from ``cancel.result_html`` (the same words as
the result's own repr); this view adds the banner level, the execution id and the journal path, the
counts, collateral and unplanned orders, and the per-order outcomes in a bounded scroll box.
"""

from __future__ import annotations

import os
from typing import Any, Final

import ipywidgets as widgets
import pandas as pd

from apex_notebook.audit.journal import DEFAULT_PATH
from apex_notebook.cancel.result import CancelResult
from apex_notebook.cancel.result_html import ack_words, count_of
from apex_notebook.cancel.result_html import headline as result_headline
from apex_notebook.frames import html as hp
from apex_notebook.ui.panel.banner import LEVELS
from apex_notebook.ui.panel.plan_view import scroll_box

__all__ = ["RESULT_COLUMNS", "ResultView", "headline", "journal_location"]

#: Per-order columns, outcome first.
RESULT_COLUMNS: Final = ("outcome", "order_id", "account_id", "symbol", "side", "order_type", "orig_quantity",
                         "quantity", "quantity_executed", "final_state", "change_reason", "verified_at",
                         "previewed")
_COUNTS: Final = (("previewed", "previewed"), ("canceled", "canceled"), ("filled_before_cancel", "filled first"),
                  ("still_open", "still open"), ("unknown", "unknown"), ("unplanned", "unplanned"),
                  ("collateral", "collateral"))


def journal_location(journal: Any, execution_id: str) -> str:
    """Plain words for where the journal record is (``journal`` may be a path, None or lack a path)."""
    if journal is None:
        return f"execution {execution_id}, journal {os.path.abspath(DEFAULT_PATH)}"
    path = journal if isinstance(journal, str) else getattr(journal, "path", None)
    return f"execution {execution_id}, journal {path}" if path else f"execution {execution_id}, journal {journal!r}"


def headline(result: CancelResult) -> tuple[str, str]:
    """``(level, words)``: the result's headline; still-open orders also say the time budget ended."""
    s = result.summary
    words = result_headline(result)
    if count_of(s, "still_open"):
        words += (f". The verification time budget ended with {count_of(s, 'still_open')} order(s) still open: "
                  "they are not re-sent automatically; press Preview to see them")
    if result.ok:
        return "ok", words
    return ("error" if count_of(s, "collateral") or count_of(s, "unplanned") else "warning"), words


class ResultView(widgets.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Shows one CancelResult; :meth:`show` replaces, :meth:`clear` empties."""

    def __init__(self) -> None:
        self.summary = widgets.HTML()
        self.summary.add_class("apex-results")
        self.collateral = widgets.HTML()
        self.collateral.add_class("apex-collateral")
        self.table = widgets.HTML()
        self.table.add_class("apex-result-table")
        super().__init__(layout=widgets.Layout(display="none"))
        self.add_class("apex-result")
        self.headline = ""
        self.headline_level = ""

    def show(self, result: CancelResult, *, journal: Any = None) -> None:
        """Show ``result``: headline, execution id, journal, ack, counts, collateral, per-order rows."""
        s = result.summary
        esc = hp.esc
        level, self.headline = headline(result)
        self.headline_level = level
        counts = " &middot; ".join(f"{label} <b>{count_of(s, key)}</b>" for key, label in _COUNTS)
        where = getattr(result, "journal_path", None) or journal
        coverage = f"<div>Coverage: {esc(s['coverage_note'])}</div>" if s.get("coverage_note") else ""
        self.summary.value = (
            f"<div class='apex-result-headline apex-banner-{level}' style='{LEVELS[level]};font-size:1.1em'>"
            f"<b>{esc(self.headline)}</b></div>"
            f"<div class='apex-journal'>Result of {esc(result.description)}: "
            f"{esc(journal_location(where, result.execution_id))}</div>"
            f"<div class='apex-ack'>Acknowledgement: {esc(ack_words(s))} (mode {esc(s.get('mode'))})</div>"
            f"<div class='apex-result-counts'>{counts}</div>{coverage}")
        self.collateral.value = self._collateral_html(result.collateral) + self._unplanned_html(result)
        columns = [c for c in RESULT_COLUMNS if c in result.orders.columns]
        self.table.value = ("<b>Per-order outcomes</b>" + scroll_box(
            hp.orders_table(result.orders, rows=1000, columns=columns, note=""), "apex-result-scroll"))
        self.children = [self.summary, self.collateral, self.table]
        self.layout.display = "flex"

    @staticmethod
    def _collateral_html(collateral: pd.DataFrame) -> str:
        if not len(collateral):
            return ""
        accounts = sorted({int(a) for a in collateral["account_id"].dropna()}) if "account_id" in collateral \
            else []
        return (hp.banner(hp.RED, f"COLLATERAL: {len(collateral)} order(s) OUTSIDE the scope were canceled "
                                  f"(accounts {', '.join(map(str, accounts)) or 'unknown'}). The gateway widened "
                                  "the cancel; tell the owners of these orders.")
                + scroll_box(hp.orders_table(collateral, note=""), "apex-collateral-scroll"))

    @staticmethod
    def _unplanned_html(result: CancelResult) -> str:
        unplanned = getattr(result, "unplanned", None)
        if not isinstance(unplanned, pd.DataFrame) or not len(unplanned):
            return ""
        columns = [c for c in RESULT_COLUMNS if c in unplanned.columns]
        return (hp.banner(hp.RED, f"UNPLANNED: {len(unplanned)} order(s) in the scope that the preview did not list "
                                  "were canceled (they arrived after the check, or the preview missed them).")
                + scroll_box(hp.orders_table(unplanned, columns=columns, note=""), "apex-unplanned-scroll"))

    def clear(self) -> None:
        """Hide the result."""
        self.summary.value = self.collateral.value = self.table.value = ""
        self.headline = self.headline_level = ""
        self.children = []
        self.layout.display = "none"
