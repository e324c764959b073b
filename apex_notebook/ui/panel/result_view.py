"""The panel's result view: what an execution verifiably did, outcome first.

A headline (verified OK, or N still open / N unplanned / N collateral / N unknown), then the
execution id, the journal it went to and the acknowledgement in words ("reply lost -- verified
instead"), the counts, collateral in red, and the per-order outcomes in a bounded scroll box.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Final

import ipywidgets as widgets
import pandas as pd

from apex_notebook.audit.journal import DEFAULT_PATH
from apex_notebook.cancel.result import CancelResult
from apex_notebook.frames import html as hp
from apex_notebook.ui.panel.banner import LEVELS
from apex_notebook.ui.panel.plan_view import scroll_box

__all__ = ["RESULT_COLUMNS", "ResultView", "ack_words", "headline", "journal_location"]

#: Per-order columns, outcome first.
RESULT_COLUMNS: Final = ("outcome", "order_id", "account_id", "symbol", "side", "order_type", "orig_quantity",
                         "quantity", "quantity_executed", "final_state", "change_reason", "verified_at",
                         "previewed")
_COUNTS: Final = (("previewed", "previewed"), ("canceled", "cancelled"), ("filled_before_cancel", "filled first"),
                  ("still_open", "still open"), ("unknown", "unknown"), ("collateral", "collateral"))


def journal_location(journal: Any, execution_id: str) -> str:
    """Plain words for where the journal record is (``journal`` may be None or lack a path)."""
    if journal is None:
        return f"execution {execution_id}, journal {os.path.abspath(DEFAULT_PATH)}"
    path = getattr(journal, "path", None)
    return f"execution {execution_id}, journal {path}" if path else f"execution {execution_id}, journal {journal!r}"


def ack_words(summary: Mapping[str, Any]) -> str:
    """The acknowledgement in words, e.g. "reply lost -- verified instead"."""
    status = summary.get("ack_status")
    code, msg = summary.get("ack_errorcode"), summary.get("ack_errormsg")
    if status == "ok":
        return "acknowledged by the gateway"
    if status == "noop":
        return "nothing was in scope, so no request was sent"
    if status == "unknown":
        return "reply lost (no answer from the gateway) — verified instead"
    if status == "partial":
        return "some of the CancelOrder requests failed — verified instead"
    if status == "error":
        words = str(msg or "").split(" Next:")[0].strip().rstrip(".")
        said = " ".join(str(p) for p in (f"errorcode {code}" if code else "", words) if p)
        return f"refused by the gateway ({said}) — verified anyway"
    return f"{status} — verified instead"


def unplanned(result: CancelResult) -> int:
    """Orders cancelled in scope that the preview did not list (``summary["unplanned"]`` when present)."""
    if "unplanned" in result.summary:
        return int(result.summary["unplanned"])
    orders = result.orders
    return int((orders["previewed"] == False).sum()) if "previewed" in orders else 0  # noqa: E712


def headline(result: CancelResult) -> tuple[str, str]:
    """``(level, words)``: "Verified OK: 75 cancelled", or what is wrong, most urgent first."""
    s = result.summary
    done = f"{s.get('canceled', 0)} cancelled"
    if s.get("filled_before_cancel", 0):
        done += f", {s['filled_before_cancel']} filled before the cancel"
    problems = [f"{n} {words}" for n, words in (
        (s.get("still_open", 0), "STILL OPEN (the verification budget ended)"), (unplanned(result), "unplanned"),
        (s.get("collateral", 0), "COLLATERAL (outside the scope)"), (s.get("unknown", 0), "unknown")) if n]
    if not s.get("collateral_complete", True):
        problems.append("collateral check incomplete")
    ack = "" if s.get("ack_status") in {"ok", "noop", None} else f" Acknowledgement: {ack_words(s)}."
    if not problems:
        level = "ok" if result.ok else "warning"
        return level, f"Verified OK: {done}; nothing still open, no collateral.{ack}"
    level = "error" if s.get("collateral", 0) else "warning"
    return level, f"NOT OK: {'; '.join(problems)}. Done: {done}.{ack}"


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
        counts = " &middot; ".join(f"{label} <b>{esc(s.get(key, 0))}</b>" for key, label in _COUNTS)
        self.summary.value = (
            f"<div class='apex-result-headline apex-banner-{level}' style='{LEVELS[level]};font-size:1.1em'>"
            f"<b>{esc(self.headline)}</b></div>"
            f"<div class='apex-journal'>Result of {esc(result.description)}: "
            f"{esc(journal_location(journal, result.execution_id))}</div>"
            f"<div class='apex-ack'>Acknowledgement: {esc(ack_words(s))} (mode {esc(s.get('mode'))})</div>"
            f"<div class='apex-result-counts'>{counts}</div>")
        self.collateral.value = self._collateral_html(result.collateral)
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
        return (hp.banner(hp.RED, f"COLLATERAL: {len(collateral)} order(s) OUTSIDE the scope were cancelled "
                                  f"(accounts {', '.join(map(str, accounts)) or 'unknown'}). The gateway widened "
                                  "the cancel; tell the owners of these orders.")
                + scroll_box(hp.orders_table(collateral, note=""), "apex-collateral-scroll"))

    def clear(self) -> None:
        """Hide the result."""
        self.summary.value = self.collateral.value = self.table.value = ""
        self.headline = self.headline_level = ""
        self.children = []
        self.layout.display = "none"
