"""``CancelPanel``: the confirm-and-execute panel (ipywidgets), the notebook face of preview/execute.

Flow: choose a scope -> Preview (a fresh snapshot, shown as the plan) -> give a reason, choose the
mode, type the plan's phrase -> Execute (once per plan) -> live verification -> the verified result.

The first screen (1280x800) holds the pickers, the plan summary, the reason, the phrase and Execute;
the orders follow in a bounded scroll box. Every failure is a one-line banner
(:mod:`~apex_notebook.ui.panel.banner`), never a traceback: :meth:`CancelPanel.preview` and
:meth:`CancelPanel.execute` show their error in the banner and re-raise it to a caller in code, while
the button callbacks catch everything (they must never raise). No client call ever runs inside
``with output:`` -- in a real kernel ipywidgets' ``Output.__exit__`` prints and swallows an
exception there. ``execute()`` re-checks every precondition itself, because ``Button.click()`` fires
even on a disabled button. The panel holds no credential; no widget state carries a secret.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import ipywidgets as widgets
import pandas as pd

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.plan import CancelPlan
from apex_notebook.cancel.result import CancelResult
from apex_notebook.cancel.scope import CancelScope
from apex_notebook.ui.panel.approvals_view import ApprovalsView
from apex_notebook.ui.panel.banner import Banner
from apex_notebook.ui.panel.confirm import ConfirmBox, execute_blockers
from apex_notebook.ui.panel.messages import Sent
from apex_notebook.ui.panel.plan_view import OrdersBox, PlanSummary
from apex_notebook.ui.panel.progress import ProgressView, accepts_progress
from apex_notebook.ui.panel.protocol import PanelClient
from apex_notebook.ui.panel.result_view import ResultView
from apex_notebook.ui.panel.scope_picker import ScopePicker
from apex_notebook.ui.panel.style import STYLE
from apex_notebook.ui.panel.trace import Trace, display, record_html
from apex_notebook.wire.errors import DriftError, PlanError, ScopeError

__all__ = ["CancelPanel"]

T = TypeVar("T")

class CancelPanel(widgets.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Preview a cancel scope, confirm it deliberately, execute it once, and see what happened.

    ``CancelPanel(client, journal=None, verify_timeout=None)``: ``journal`` is passed to
    ``client.execute`` (None: the client's own journal); ``verify_timeout`` too, when given.
    """

    def __init__(self, client: PanelClient, journal: Any = None, *, verify_timeout: float | None = None) -> None:
        self.client, self.journal, self.verify_timeout = client, journal, verify_timeout
        self.plan: CancelPlan | None = None
        self.result: CancelResult | None = None
        self._plan_selection: tuple[Any, Any] | None = None
        self._used: set[str] = set()  # plan ids that had their one Execute
        self._busy = False
        self.warnings: list[str] = []  # the warnings of the last client call (shown by the banner instead)
        self.banner = Banner()
        self.trace = Trace()
        load_error: Exception | None = None
        try:
            accounts, instruments = client.accounts(), client.instruments()
        except Exception as exc:  # shown in the banner below, never lost
            load_error = exc
            accounts = pd.DataFrame({"account_id": pd.array([], dtype="Int64")})
            instruments = pd.DataFrame({"instrument_id": pd.array([], dtype="Int64")})
        self.instruments = instruments
        self.scope = ScopePicker(accounts, instruments, is_operator=bool(client.is_operator),
                                 oms_id=int(client.oms_id))
        self.preview_button = widgets.Button(description="Preview", icon="search", disabled=True,
                                             tooltip="take a fresh snapshot of the orders in scope")
        self.preview_button.add_class("apex-preview")
        self.progress = ProgressView()
        self.summary = PlanSummary()
        self.confirm = ConfirmBox()
        self.result_view = ResultView()
        self.orders_box = OrdersBox()
        self.approvals = ApprovalsView()
        self.errors, self.plan_view = self.banner, self.orders_box  # older names, kept for code using them
        role = "Operator" if client.is_operator else ", ".join(sorted(getattr(client, "permissions", ())))
        self.status = widgets.HTML(f"<b>Cancel orders</b> &mdash; signed in as {_esc(client.username)} "
                                   f"({_esc(role or 'no permissions')}), OMS {int(client.oms_id)}")
        self.status.add_class("apex-status")
        super().__init__(children=[widgets.HTML(STYLE), self.status,
                                   widgets.HBox([self.scope, self.preview_button]), self.banner, self.progress,
                                   self.summary, self.approvals, self.confirm, self.result_view,
                                   self.orders_box])
        self.add_class("apex-panel")
        self.scope.on_change(lambda: self._guarded(self._scope_changed))
        self.confirm.on_input(lambda: self._guarded(self._refresh))
        self.preview_button.on_click(lambda _button: self._guarded(self.preview))
        self.confirm.execute_button.on_click(lambda _button: self._guarded(self.execute))
        if load_error is not None:
            self.banner.show_error(load_error, action="load")
        self._refresh()

    # -- state -----------------------------------------------------------------------------------
    @property
    def state(self) -> str:
        """``choosing`` | ``ready`` | ``busy`` | ``planned`` | ``executed`` | ``failed``."""
        if self._busy:
            return "busy"
        if self.plan is not None:
            if self._fresh():
                return "planned"
            return "executed" if self.result is not None else "failed"
        return "ready" if self.scope.selection is not None else "choosing"

    def blockers(self) -> list[str]:
        """Why Execute may not run now (empty: it may)."""
        found = execute_blockers(self.plan, fresh=self._fresh(), reason=self.confirm.reason.value,
                                 typed=self.confirm.confirm.value)
        return ["the panel is busy: wait for the current action to finish", *found] if self._busy else found

    def _fresh(self) -> bool:
        return (self.plan is not None and self.plan.plan_id not in self._used
                and self.scope.selection == self._plan_selection)

    def _refresh(self) -> None:
        self.preview_button.disabled = self._busy or self.scope.selection is None
        self.confirm.update(self.blockers(), busy=self._busy)

    def _set_busy(self, words: str | None) -> None:
        self._busy = words is not None
        if words is None:
            self.progress.stop()
        else:
            self.progress.busy(words)
        self._refresh()

    def _scope_changed(self) -> None:
        if self.plan is not None and self.scope.selection != self._plan_selection:
            self.discard_plan()
        self._refresh()

    # -- actions -----------------------------------------------------------------------------------
    def set_scope(self, account_id: object, instrument_id: object) -> None:
        """Choose the scope from code (``apx.ALL`` for all); discards a plan of another scope."""
        with self._reporting("scope"):
            self.scope.select(account_id, instrument_id)

    def discard_plan(self) -> None:
        """Forget the current plan: Execute is disabled until the next preview."""
        self.plan = None
        self._plan_selection = None
        self.summary.clear()
        self.orders_box.clear()
        self.approvals.clear()
        self.confirm.expect(None)
        self._refresh()

    def preview(self) -> CancelPlan:
        """Take a fresh snapshot of the chosen scope and show the plan (reason and phrase start empty)."""
        with self._reporting("preview"):
            selection = self.scope.selection
            if selection is None:
                raise ScopeError("choose an account and an instrument first (ALL must be chosen explicitly)")
            scope = CancelScope(account_id=selection[0], instrument_id=selection[1],
                                oms_id=int(self.client.oms_id))
            self.discard_plan()
            self.result = None
            self.result_view.clear()
            self._set_busy("Taking a snapshot of the open orders in scope...")
            try:
                plan = self._quietly(lambda: self.client.preview(scope))
            finally:
                self._set_busy(None)
            self.plan, self._plan_selection = plan, selection
            self.summary.show(plan, self.instruments)
            self.orders_box.show(plan, self.instruments)
            self._show_approvals(plan)
            self.confirm.expect(plan)
            return plan
        raise AssertionError("unreachable")  # pragma: no cover  (_reporting re-raises)

    def execute(self) -> CancelResult:
        """Execute the current plan, once, if every precondition holds; show the verified result."""
        with self._reporting("execute"):
            blockers = self.blockers()
            if blockers or self.plan is None:
                error = PlanError("Execute is blocked: " + "; ".join(blockers))
                self.banner.show_blocked(error, blockers[0] if blockers else "there is no plan")
                raise error
            plan = self.plan
            self._used.add(plan.plan_id)  # one click per plan, whatever happens next
            self._set_busy("Checking the scope again, then sending the cancel...")
            try:
                result = self._quietly(lambda: self.client.execute(plan, **self._execute_kwargs()))
            except (Exception, KeyboardInterrupt) as exc:  # an interrupted execute is said too
                self._failed(plan, exc)
                raise
            finally:
                self._set_busy(None)
            self.confirm.mark("This plan has been executed; press Preview for a new plan.")
            self._show_result(result)
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _show_approvals(self, plan: CancelPlan) -> None:
        """The approval state of ``plan`` and the pending requests, when a journal is known."""
        journal = self.journal if self.journal is not None else getattr(self.client, "journal", None)
        if isinstance(journal, Journal):
            self.approvals.show(journal, plan, self.client.username)

    def _quietly(self, call: Callable[[], T]) -> T:
        """Run a client call with its warnings kept in ``self.warnings`` (the banner says it), not printed."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                return call()
            finally:
                self.warnings = [str(w.message) for w in caught]

    def _execute_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"reason": self.confirm.reason.value.strip(),
                                  "confirm": self.confirm.confirm.value.strip(),
                                  "mode": str(self.confirm.mode.value), "journal": self.journal}
        if self.verify_timeout is not None:
            kwargs["verify_timeout"] = self.verify_timeout
        if accepts_progress(self.client.execute):
            kwargs["progress"] = self._on_progress
        return kwargs

    def _on_progress(self, status: dict[str, Any]) -> None:
        """The verification hook: show the poll (never raises into the execution)."""
        try:
            self.progress.verification(status)
        except Exception:  # a progress display must never break an execution
            return

    def _failed(self, plan: CancelPlan, exc: BaseException) -> None:
        """Say what a failed execute did: nothing sent, sent and verified, or maybe sent."""
        verified = getattr(exc, "cancel_result", None)
        sent: Sent = "verified" if isinstance(verified, CancelResult) else ("maybe" if plan.executed else "no")
        if isinstance(exc, DriftError):
            self.discard_plan()
        elif sent == "no":
            self.confirm.mark("This plan was not executed: it stopped before anything was sent. "
                              "Press Preview for a new plan.")
        else:
            self.confirm.mark("This plan has been executed; press Preview for a new plan.")
        self.banner.show_error(exc, action="execute", sent=sent)
        if isinstance(verified, CancelResult):
            self._show_result(verified, banner=False)

    def _show_result(self, result: CancelResult, *, banner: bool = True) -> None:
        self.result = result
        journal = self.journal if self.journal is not None else getattr(self.client, "journal", None)
        self.result_view.show(result, journal=journal)
        if banner:
            level, words = self.result_view.headline_level, self.result_view.headline
            self.banner.show(level, "Executed", words)

    # -- the record ---------------------------------------------------------------------------------
    def record(self) -> str:
        """The panel's current state as static HTML (what the saved notebook keeps)."""
        busy = f"<i>{_esc(self.progress.text)}</i>" if self._busy else ""
        return record_html([self.status.value, busy, self.banner.message.value, self.summary.value,
                            self.confirm.phrase.value, self.result_view.summary.value])

    def _ipython_display_(self) -> None:
        """Display the live panel and, below it, its static record (kept up to date in place)."""
        display(self._repr_mimebundle_(), raw=True)
        self.trace.show(self.record())

    # -- error routing -------------------------------------------------------------------------------
    @contextmanager
    def _reporting(self, action: str) -> Iterator[None]:
        """Clear old messages; show any new error in the banner, then re-raise it to the caller."""
        self.banner.clear()
        try:
            yield
        except (Exception, KeyboardInterrupt) as exc:
            self.banner.show_error(exc, action=action)  # idempotent: a more precise message stays
            raise
        finally:
            self._refresh()
            self.trace.update(self.record())

    def _guarded(self, method: Callable[[], T]) -> None:
        """Run a callback's method; it never raises (its error is already in the banner)."""
        try:
            method()
        except (Exception, KeyboardInterrupt) as exc:  # an interrupt stops the action, not the panel
            try:
                self.banner.show_error(exc, action="")
            except Exception:  # the banner itself failed: say so in the simplest way possible
                self.banner.message.value = f"<b>Error:</b> {_esc(type(exc).__name__)}"


def _esc(text: object) -> str:
    return html.escape(str(text))
