"""The panel's result view: what an execution verifiably did.

The outcome counts and chart, collateral (orders outside the scope that were cancelled) in red, an
amber note when the acknowledgement was not a clean "ok", the per-order results (first rows only for
large results) and where the journal record is.
"""

from __future__ import annotations

import os
from typing import Any

import ipywidgets as widgets
import pandas as pd

from apex_notebook.audit.journal import DEFAULT_PATH
from apex_notebook.cancel.result import CancelResult
from apex_notebook.frames import html as hp
from apex_notebook.ui import plots

__all__ = ["RESULT_COLUMNS", "ResultView", "journal_location"]

RESULT_COLUMNS = ("order_id", "account_id", "symbol", "side", "order_type", "orig_quantity", "quantity",
                  "quantity_executed", "outcome", "final_state", "change_reason", "verified_at")
_SUMMARY_KEYS = ("previewed", "affected", "canceled", "filled_before_cancel", "still_open", "unknown",
                 "collateral", "ack_status", "mode")


def journal_location(journal: Any, execution_id: str) -> str:
    """Plain words for where the journal record is (``journal`` may be None or lack a path)."""
    if journal is None:
        return (f"Execution id {execution_id}, recorded in the default journal "
                f"{os.path.abspath(DEFAULT_PATH)}.")
    path = getattr(journal, "path", None)
    where = f" in {path}" if path else ""
    return f"Execution id {execution_id}, recorded in the journal{where}."


class ResultView(widgets.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Shows one CancelResult; :meth:`show` replaces, :meth:`clear` empties."""

    def __init__(self) -> None:
        self.summary = widgets.HTML()
        self.summary.add_class("apex-results")
        self.collateral = widgets.HTML()
        self.collateral.add_class("apex-collateral")
        self.chart = widgets.Image(format="png", layout=widgets.Layout(max_width="560px"))
        self.chart.add_class("apex-result-chart")
        self.table = widgets.HTML()
        self.table.add_class("apex-result-table")
        self.journal = widgets.HTML()
        self.journal.add_class("apex-journal")
        super().__init__(layout=widgets.Layout(display="none"))
        self.add_class("apex-result")

    def show(self, result: CancelResult, *, journal: Any = None) -> None:
        """Show ``result``: outcomes, chart, per-order rows, collateral and the journal record."""
        s = result.summary
        esc = hp.esc
        verdict = (hp.banner(hp.GREEN, "Verified: every targeted order is terminal as intended.") if result.ok
                   else hp.banner(hp.AMBER, "Not everything went as intended: read the outcomes below."))
        ack = hp.ack_note(s) if s.get("ack_status") not in (None, "ok", "noop") else ""
        rows = hp.summary_table((k.replace("_", " "), s[k]) for k in _SUMMARY_KEYS if k in s)
        self.summary.value = (f"<h4>Result {esc(result.execution_id)}: {esc(result.description)}</h4>"
                              f"{verdict}{ack}{rows}")
        self.collateral.value = self._collateral_html(result.collateral)
        self.chart.value = plots.figure_png(plots.outcome_breakdown(result))
        self.table.value = ("<h5>Per-order results</h5>"
                            + hp.orders_table(result.orders, columns=RESULT_COLUMNS))
        self.journal.value = f"<p>{esc(journal_location(journal, result.execution_id))}</p>"
        self.children = [self.summary, self.collateral, self.chart, self.table, self.journal]
        self.layout.display = "flex"

    @staticmethod
    def _collateral_html(collateral: pd.DataFrame) -> str:
        if not len(collateral):
            return ""
        accounts = sorted({int(a) for a in collateral["account_id"].dropna()}) if "account_id" in collateral \
            else []
        return (hp.banner(hp.RED, f"COLLATERAL: {len(collateral)} order(s) OUTSIDE the scope were cancelled "
                                  f"(accounts {', '.join(map(str, accounts)) or 'unknown'}). The gateway widened "
                                  "the cancel; tell the owners of these orders.")
                + hp.orders_table(collateral))

    def clear(self) -> None:
        """Hide the result."""
        for html_widget in (self.summary, self.collateral, self.table, self.journal):
            html_widget.value = ""
        self.chart.value = b""
        self.children = []
        self.layout.display = "none"
