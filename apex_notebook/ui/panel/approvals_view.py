"""The panel's approvals view (read only): the desk's policy, the approval state of the current plan and
the pending requests of the journal (DESIGN §7, the two-person release).

Nothing here decides anything: approving is done by another user, logged in (``journal.approve`` or
``apex-notebook journal approve PATH ID``). :func:`approvals_html` is the whole view as HTML (testable
without widgets); :class:`ApprovalsView` shows it and redraws on :meth:`ApprovalsView.show`.
"""

from __future__ import annotations

from typing import Final

import ipywidgets as widgets
import pandas as pd

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.approval_gate import approval_status
from apex_notebook.cancel.plan import CancelPlan
from apex_notebook.frames import html as hp
from apex_notebook.ui.panel.banner import LEVELS
from apex_notebook.ui.panel.plan_view import scroll_box

__all__ = ["ApprovalsView", "approvals_html", "plan_state_html", "requests_table"]

_COLUMNS: Final = (("request_id", "request"), ("submitted_at", "submitted (UTC)"), ("submitted_by", "by"),
                   ("scope_text", "scope"), ("orders", "orders"), ("notional", "notional"),
                   ("submit_reason", "reason"), ("needs", "why approval"))


def _cell(column: str, value: object) -> str:
    if column == "submitted_at" and isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if column == "notional" and isinstance(value, dict):
        return " · ".join(f"{amount:,.2f} {currency}" for currency, amount in value.items()) or "-"
    if column == "needs" and isinstance(value, list):
        return "; ".join(map(str, value)) or "-"
    return str(value)


def requests_table(requests: pd.DataFrame) -> str:
    """The requests as a compact HTML table (``Journal.requests`` rows), or a line saying there are none."""
    if requests.empty:
        return "<div class='apex-approvals-none'>No pending approval requests.</div>"
    head = "".join(f"<th>{hp.esc(label)}</th>" for _, label in _COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{hp.esc(_cell(c, row[c]))}</td>" for c, _ in _COLUMNS) + "</tr>"
                   for row in requests.to_dict("records"))
    return f"<table class='apex-orders-table apex-approvals-table'><thead><tr>{head}</tr></thead>{body}</table>"


def plan_state_html(journal: Journal, plan: CancelPlan | None, username: str) -> str:
    """One banner: whether ``plan`` may run for ``username`` under the journal's policy, and why."""
    if plan is None:
        return ""
    status = approval_status(journal, plan, username)
    if status is None or not status.needed:
        level, words = "info", "This plan does not need a second person's approval under the desk's policy."
    elif status.cleared:
        level, words = "ok", (f"Approved by {status.approved_by} (request {status.request_id}): this plan may be "
                              "executed once.")
    else:
        level, words = "warning", (f"This plan needs a second person's approval ({'; '.join(status.needed)}). "
                                   f"{status.detail[0].upper()}{status.detail[1:]}. Execute will be refused until "
                                   "another user approves it.")
    return f"<div class='apex-approval-state apex-banner-{level}' style='{LEVELS[level]}'>{hp.esc(words)}</div>"


def approvals_html(journal: Journal, plan: CancelPlan | None = None, username: str = "") -> str:
    """The whole view: the policy in words, the current plan's approval state, the pending requests."""
    policy = hp.esc(journal.policy().describe())
    pending = journal.requests(state="pending")
    return (f"<div class='apex-approvals'><div class='apex-approvals-policy'><b>Desk policy:</b> {policy}</div>"
            f"{plan_state_html(journal, plan, username or (plan.username if plan else ''))}"
            f"<div><b>Pending requests ({len(pending)})</b></div>"
            f"{scroll_box(requests_table(pending), 'apex-approvals-scroll')}</div>")


class ApprovalsView(widgets.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """A read-only widget over :func:`approvals_html`; call :meth:`show` after a preview or to refresh."""

    def __init__(self) -> None:
        self.body = widgets.HTML()
        super().__init__([self.body])
        self.add_class("apex-approvals-view")

    def show(self, journal: Journal, plan: CancelPlan | None = None, username: str = "") -> None:
        """Redraw from ``journal`` (and the approval state of ``plan`` for ``username``, default its previewer).

        A desk without a policy and without pending requests shows nothing: the first screen keeps its
        room for what the person must decide.
        """
        if journal.policy().empty and journal.requests(state="pending").empty:
            self.body.value = ""
            return
        self.body.value = approvals_html(journal, plan, username)

    def clear(self) -> None:
        """Show nothing."""
        self.body.value = ""
